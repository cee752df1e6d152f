//! The real binary, signalling over a real WebSocket: joining, busy, unknown
//! links, bad messages, hang-up and the next call; every offer's H.264 is
//! constrained baseline level 3.1 (`42e01f`) with VP8 beside it.

mod support;

use std::time::Duration;

use futures::SinkExt;
use serde_json::json;
use support::h264;
use support::ws::{connect, hello, join, recv, send};
use support::{token_of, TestBox};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_caller_is_welcomed_and_offered_h264_vp8_and_opus() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{}/r/", b.port)),
        "{url}"
    );
    let (_socket, _, sdp) = join(&b, token_of(&url)).await;
    assert!(sdp.contains("m=video"), "{sdp}");
    assert!(sdp.contains("m=audio"), "{sdp}");
    assert!(sdp.contains("H264/90000"), "{sdp}");
    h264::assert_h264_3_1_and_vp8(&sdp);
    // RFC 7587: two channels always; without them Chrome rejects the m-line.
    assert!(
        sdp.lines()
            .any(|l| l.eq_ignore_ascii_case("a=rtpmap:111 opus/48000/2")),
        "{sdp}"
    );
    // The browser sends Opus with in-band FEC only when the offer asks.
    assert!(
        sdp.lines()
            .any(|l| l.starts_with("a=fmtp:111 ") && l.contains("useinbandfec=1")),
        "Opus FEC in the offer: {sdp}"
    );
    assert!(sdp.contains("a=sendrecv"), "{sdp}");
    assert!(sdp.contains("a=fingerprint:sha-256"), "DTLS-SRTP: {sdp}");
    let status = b.status();
    assert_eq!(status["state"], "connecting", "{status}");
    assert!(
        !b.log().contains(token_of(&url)),
        "the token must never be logged"
    );
}

#[tokio::test]
async fn a_second_caller_is_told_busy_and_the_first_call_stays() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let (mut first, _, _) = join(&b, token_of(&url)).await;
    let mut second = hello(&b, token_of(&url)).await;
    assert_eq!(
        recv(&mut second).await,
        Some(json!({"type": "error", "code": "busy"}))
    );
    assert_eq!(recv(&mut second).await, None, "busy closes the socket");
    let status = b.status();
    assert_eq!(
        status["calls"].as_array().map(Vec::len),
        Some(1),
        "{status}"
    );
    assert!(
        status["calls"][0].get("session").is_none(),
        "session ids resume calls: not for the public"
    );
    // The first caller's socket is still open and still hears the box.
    send(&mut first, json!({"type": "hangUp"})).await;
    while let Some(m) = recv(&mut first).await {
        assert_eq!(m["type"], "ice", "only candidates may still arrive: {m}");
    }
}

#[tokio::test]
async fn three_participants_admit_two_callers() {
    let b = TestBox::with_calls("max_participants = 3", "");
    let url = b.create_link("Anna");
    let (_a, _, first) = join(&b, token_of(&url)).await;
    h264::assert_h264_3_1_and_vp8(&first);
    // The encoder already runs: the second offer must say the same.
    let (_b, _, second) = join(&b, token_of(&url)).await;
    h264::assert_h264_3_1_and_vp8(&second);
    assert_eq!(b.status()["calls"].as_array().map(Vec::len), Some(2));
    let mut third = hello(&b, token_of(&url)).await;
    assert_eq!(recv(&mut third).await.expect("answer")["code"], "busy");
}

#[tokio::test]
async fn unknown_and_malformed_links_are_refused() {
    let b = TestBox::start("");
    b.create_link("Anna");
    for token in ["", "nope", &"A".repeat(43), "../../etc/passwd"] {
        let mut socket = hello(&b, token).await;
        assert_eq!(
            recv(&mut socket).await,
            Some(json!({"type": "error", "code": "invalidLink"})),
            "token {token:?}"
        );
    }
    assert_eq!(b.state(), "waiting");
}

#[tokio::test]
async fn wrong_first_message_and_version_are_refused() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let mut socket = connect(&b).await;
    send(&mut socket, json!({"type": "hangUp"})).await;
    assert_eq!(
        recv(&mut socket).await.expect("error")["code"],
        "badMessage"
    );

    let mut socket = connect(&b).await;
    socket
        .send(Message::Text("this is not json".into()))
        .await
        .expect("send");
    assert_eq!(
        recv(&mut socket).await.expect("error")["code"],
        "badMessage"
    );

    let mut socket = connect(&b).await;
    send(
        &mut socket,
        json!({"type": "hello", "version": 99, "token": token_of(&url)}),
    )
    .await;
    assert_eq!(
        recv(&mut socket).await.expect("error")["code"],
        "unsupportedVersion"
    );
}

#[tokio::test]
async fn hang_up_returns_to_waiting_and_the_next_call_works() {
    let mut b = TestBox::start("");
    let url = b.create_link("Anna");
    let (mut socket, _, _) = join(&b, token_of(&url)).await;
    send(&mut socket, json!({"type": "hangUp"})).await;
    b.wait_until(Duration::from_secs(5), "waiting after hang-up", |b| {
        b.state() == "waiting"
    });
    let (_socket, _, sdp) = join(&b, token_of(&url)).await;
    h264::assert_h264_3_1_and_vp8(&sdp);
    assert_eq!(b.state(), "connecting");
}

#[tokio::test]
async fn a_closed_socket_holds_the_call_for_the_grace_period_then_ends_it() {
    let mut b = TestBox::with_calls("reconnect_grace_secs = 2", "");
    let url = b.create_link("Anna");
    let (socket, _, _) = join(&b, token_of(&url)).await;
    drop(socket);
    let closed = std::time::Instant::now();
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(b.state(), "connecting", "the caller's place is held");
    b.wait_until(
        Duration::from_secs(10),
        "waiting after the grace period",
        |b| b.state() == "waiting",
    );
    assert!(
        closed.elapsed() >= Duration::from_secs(2),
        "not before the grace period"
    );
}

#[tokio::test]
async fn a_reloaded_page_takes_its_call_over() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let (mut old, session, _) = join(&b, token_of(&url)).await;
    let mut new = connect(&b).await;
    send(
        &mut new,
        json!({"type": "hello", "version": 1, "token": token_of(&url), "resume": session}),
    )
    .await;
    assert_eq!(recv(&mut new).await.expect("welcome")["type"], "welcome");
    loop {
        match recv(&mut old).await {
            Some(m) if m["type"] == "ended" => {
                assert_eq!(m["reason"], "takenOver");
                break;
            }
            Some(_) => continue,
            None => panic!("the old page was not told"),
        }
    }
    assert_eq!(b.status()["calls"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn sigterm_tells_the_caller_and_exits_cleanly() {
    let mut b = TestBox::start("");
    let url = b.create_link("Anna");
    let (mut socket, _, _) = join(&b, token_of(&url)).await;
    let code = b.terminate();
    let mut ended = None;
    while let Some(m) = recv(&mut socket).await {
        if m["type"] == "ended" {
            ended = Some(m);
        }
    }
    assert_eq!(
        ended,
        Some(json!({"type": "ended", "reason": "boxShutdown"}))
    );
    assert_eq!(code, Some(0));
}

#[tokio::test]
async fn a_link_made_while_the_box_runs_works_at_once() {
    let mut b = TestBox::start("");
    let first = b.create_link("Early");
    let (mut socket, _, _) = join(&b, token_of(&first)).await;
    send(&mut socket, json!({"type": "hangUp"})).await;
    b.wait_until(Duration::from_secs(5), "waiting", |b| {
        b.state() == "waiting"
    });
    // The box has read its links already; a link made now must work at once.
    let late = b.create_link("Late");
    let (_socket, _, _) = join(&b, token_of(&late)).await;
}

/// A box told to stop right after it starts (its plugins still loading on
/// the warm-up thread) stops cleanly. Once, on a loaded machine, such a box
/// was killed by a signal after "stopped": it exited while GStreamer still
/// loaded plugins and tore the pipeline down on other threads; now both are
/// joined first.
#[test]
fn a_box_stopped_as_soon_as_it_listens_exits_cleanly() {
    for _ in 0..5 {
        let mut b = TestBox::start("");
        assert_eq!(b.terminate(), Some(0), "exit code after SIGTERM");
    }
}
