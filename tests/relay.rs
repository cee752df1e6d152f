//! The relay on the real binary: a box paired from its admin page keeps a
//! tunnel to the relay, links point at the relay, a caller's signalling goes
//! through it to the box; a restarted relay gets its box back by itself; an
//! offline box gets a plain sentence, a wrong key is refused.

mod support;

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::admin::set_up;
use support::http::{Request, Response};
use support::relay::TestRelay;
use support::TestBox;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

async fn relay_api(b: &TestBox, cookie: &str, method: &str, body: Option<Value>) -> Response {
    let mut request = Request::new(method, "/api/admin/relay")
        .header("Origin", format!("http://127.0.0.1:{}", b.port))
        .header("Cookie", cookie);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send(b.port).await
}

/// Waits until the box says its tunnel is up; returns how long it took.
async fn until_connected(b: &TestBox, cookie: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let r = relay_api(b, cookie, "GET", None).await;
        if r.json()["tunnel"]["connectedSince"].is_u64() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "the tunnel is not up after {limit:?}: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Calls `link` (a relay link) over its WebSocket: returns the message types
/// seen up to the offer, then hangs up.
async fn call_through(link: &str) -> Vec<String> {
    let (base, token) = link.rsplit_once("/r/").expect("a link");
    let url = format!("{}/signal", base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the relay upgrades");
    let hello = json!({"type": "hello", "version": 1, "token": token});
    socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .expect("send");
    let mut seen = Vec::new();
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(Duration::from_secs(10), socket.next()).await
    {
        let Message::Text(text) = frame else { continue };
        let m: Value = serde_json::from_str(&text).expect("JSON through the relay");
        seen.push(m["type"].as_str().unwrap_or_default().to_owned());
        if m["type"] == "offer" || m["type"] == "error" {
            break;
        }
    }
    let hang_up = json!({"type": "hangUp"}).to_string();
    let _ = socket.send(Message::Text(hang_up.into())).await;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_through_the_relay_and_again_after_the_relay_restarts() {
    let mut relay = TestRelay::start("");
    let code = relay.pair();
    assert!(
        code.starts_with(&format!("{}/pair#", relay.url())),
        "{code}"
    );

    let b = TestBox::start("");
    let cookie = set_up(&b).await;
    let paired = relay_api(&b, &cookie, "PUT", Some(json!({"code": code}))).await;
    assert_eq!(paired.status, 200, "{paired:?}");
    let box_id = paired.json()["boxId"].as_str().expect("box id").to_owned();
    assert_eq!(
        paired.json()["linkBase"],
        format!("{}/b/{box_id}", relay.url()),
        "links point at the relay now"
    );
    until_connected(&b, &cookie, Duration::from_secs(10)).await;

    let link = b.create_link("Anna");
    assert!(
        link.starts_with(&format!("{}/b/{box_id}/r/", relay.url())),
        "{link}"
    );
    let page = Request::new("GET", link.trim_start_matches(&relay.url()))
        .send(relay.port)
        .await;
    assert_eq!(page.status, 200, "the relay serves the call page");
    assert!(page.body.contains("<script"), "{}", page.body);
    assert_eq!(call_through(&link).await, ["welcome", "offer"]);
    let mut b = b;
    b.wait_until(Duration::from_secs(10), "the box to wait again", |b| {
        b.state() == "waiting"
    });

    // The relay's server restarts; the box comes back by itself.
    relay.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let down = relay_api(&b, &cookie, "GET", None).await.json();
    assert!(down["tunnel"]["connectedSince"].is_null(), "{down}");
    assert!(down["tunnel"]["lastError"].is_string(), "{down}");
    relay.restart();
    let back = until_connected(&b, &cookie, Duration::from_secs(15)).await;
    eprintln!("box_reconnect_after_relay_restart_ms={}", back.as_millis());
    assert_eq!(call_through(&link).await, ["welcome", "offer"]);
    let token = link.rsplit('/').next().expect("token");
    assert!(!relay.log().contains(token), "the relay never logs a token");
    assert!(!b.log().contains(token), "nor does the box");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_box_an_unknown_box_and_a_wrong_key() {
    let relay = TestRelay::start("");
    let code = relay.pair();
    let id = code
        .rsplit_once('#')
        .expect("code")
        .1
        .split('.')
        .next()
        .expect("id")
        .to_owned();

    let offline = Request::new("GET", &format!("/b/{id}/r/whatever"))
        .header("Accept-Language", "ru-RU,ru;q=0.9")
        .send(relay.port)
        .await;
    assert_eq!(offline.status, 503);
    assert!(
        offline.body.contains("Приставка сейчас не на связи"),
        "{}",
        offline.body
    );
    let offline = Request::new("GET", &format!("/b/{id}/r/whatever"))
        .send(relay.port)
        .await;
    assert!(
        offline.body.contains("The box is not connected right now"),
        "{}",
        offline.body
    );

    let unknown = Request::new("GET", "/b/0123456789abcdef/r/whatever")
        .send(relay.port)
        .await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body.contains("This link is not valid"),
        "{}",
        unknown.body
    );

    // A caller for an offline box is told so over the protocol.
    let seen = call_through(&format!("{}/b/{id}/r/x", relay.url())).await;
    assert_eq!(seen, ["error"]);

    let mut request = format!("ws://127.0.0.1:{}/tunnel", relay.port)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {id}.{}", "A".repeat(43))
            .parse()
            .expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401, "a wrong key is refused")
        }
        other => panic!("a tunnel with a wrong key: {:?}", other.map(|_| ())),
    }
    assert!(!relay.log().contains(&"A".repeat(43)), "no key in the log");

    let b = TestBox::start("");
    let cookie = set_up(&b).await;
    let bad = relay_api(&b, &cookie, "PUT", Some(json!({"code": "hello"}))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("not a pairing code"));
    let cut = relay_api(
        &b,
        &cookie,
        "PUT",
        Some(json!({"code": &code[..code.len() - 5]})),
    )
    .await;
    assert_eq!(cut.status, 400);
    assert!(cut.json()["error"]
        .as_str()
        .unwrap_or_default()
        .contains("cut short"));
}
