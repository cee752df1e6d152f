//! The door of what only the home network may see: the admin's pages and
//! API, and the box's status. One check, used by both (`admin` and
//! `status`), so neither depends on the other.

use std::net::SocketAddr;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::AppState;

/// A request that did not come straight from the home network; answered
/// `403` with `{"error": "<sentence>"}`, as the admin API answers.
#[derive(Debug)]
pub struct NotFromHome;

impl IntoResponse for NotFromHome {
    fn into_response(self) -> Response {
        (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({
                "error": "The admin page can only be used from the home network."
            })),
        )
            .into_response()
    }
}

/// Whether a request comes straight from the home network to this box:
/// - its source address is in the allow-list;
/// - it did not pass a proxy (a proxy on the box or the LAN would make the
///   internet look local), so no forwarding headers;
/// - it names the box by an address or a name the box answers to, so a
///   rebound DNS name (evil.example resolving to the box) cannot borrow the
///   admin's browser.
pub fn from_home_network(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(), NotFromHome> {
    let refuse = |why: &str| {
        tracing::info!(source = %peer.ip(), why, "admin request refused");
        Err(NotFromHome)
    };
    if !state.admin.allowed.allows(peer.ip()) {
        return refuse("source outside the allowed addresses");
    }
    if ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h))
    {
        return refuse("came through a proxy");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !state.admin.known_host(host) {
        return refuse("unknown Host");
    }
    Ok(())
}
