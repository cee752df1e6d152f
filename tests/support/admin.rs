//! The admin side of a test box: first set-up through the API.

use serde_json::json;

use super::http::Request;
use super::TestBox;

/// The password the tests set up boxes with.
pub const PASSWORD: &str = "correct horse battery";

/// Sets the box up with the code from its log; returns the session cookie.
pub async fn set_up(b: &TestBox) -> String {
    let r = Request::new("POST", "/api/admin/setup")
        .header("Origin", format!("http://127.0.0.1:{}", b.port))
        .json(json!({"code": b.setup_code(), "password": PASSWORD}))
        .send(b.port)
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    r.cookie().expect("a session cookie")
}
