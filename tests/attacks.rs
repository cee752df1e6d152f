//! Four cheap attacks that once broke the box, run against the real binary.
//! Each test reproduces one; before its fix each of them failed.
//!
//! 1. Twenty wrong admin passwords at once each ran argon2 (19 MiB apiece).
//! 2. Connections that never finish their headers exhausted the file
//!    descriptors, and nobody could call (no link needed).
//! 3. A caller flooding ICE candidates froze every web request.
//! 4. A caller sending huge candidates before answering pinned the memory.

mod support;

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::json;
use support::http::Request;
use support::ws::{join, send};
use support::{token_of, TestBox};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const OTHER_SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// Sends `frames` as fast as the socket takes them while reading what the
/// box says, as an attacker's client would; stops when the box closes.
/// Returns how many were sent, the box's error message and its close code.
async fn flood(
    socket: support::ws::Socket,
    frames: impl Iterator<Item = String>,
) -> (usize, Option<String>, Option<CloseCode>) {
    let (mut tx, mut rx) = socket.split();
    let reader = tokio::spawn(async move {
        let mut refusal = None;
        while let Ok(Some(Ok(frame))) =
            tokio::time::timeout(Duration::from_secs(60), rx.next()).await
        {
            match frame {
                Message::Text(text) if text.contains("\"error\"") => {
                    refusal = Some(text.to_string())
                }
                Message::Close(frame) => return (refusal, frame.map(|f| f.code)),
                _ => {}
            }
        }
        (refusal, None)
    });
    let mut sent = 0;
    for frame in frames {
        if reader.is_finished() || tx.send(Message::Text(frame.into())).await.is_err() {
            break;
        }
        sent += 1;
    }
    let (refusal, close) = tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("the box closes the socket")
        .expect("reader task");
    (sent, refusal, close)
}

/// `GET /api/status` from `from`, and how long it took; the box must answer within 5 s.
async fn status_from(b: &TestBox, from: IpAddr) -> (u16, Duration) {
    let started = Instant::now();
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        Request::new("GET", "/api/status").from(from).send(b.port),
    )
    .await
    .expect("the box answers within 5 s");
    (response.status, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_wrong_passwords_at_once_run_only_a_few_checks() {
    let b = TestBox::start("");
    let origin = format!("http://127.0.0.1:{}", b.port);
    let r = Request::new("POST", "/api/admin/setup")
        .header("Origin", origin.clone())
        .json(json!({"code": b.setup_code(), "password": "correct horse battery"}))
        .send(b.port)
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let rss_before = b.rss_kib();

    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let origin = origin.clone();
            let port = b.port;
            tokio::spawn(async move {
                Request::new("POST", "/api/admin/login")
                    .header("Origin", origin)
                    .json(json!({"password": "wrong guess at once"}))
                    .send(port)
                    .await
                    .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("request task"));
    }
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    let growth_mib = b.rss_kib().saturating_sub(rss_before) / 1024;
    eprintln!("20 wrong logins at once: {checked} checked (401), {refused} refused (429), resident memory +{growth_mib} MiB");
    assert_eq!(checked + refused, 20, "only 401 or 429: {statuses:?}");
    // Three free failures and the one that sets the first lock, at most.
    assert!(
        checked <= 4,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert!(
        growth_mib < 100,
        "a burst of logins grew the box by {growth_mib} MiB"
    );
    let (code, _) = status_from(&b, IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
    assert_eq!(code, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_finish_their_headers_cannot_lock_callers_out() {
    // 128 descriptors, as a small box might have: before the connection caps,
    // 200 half-sent requests took every one of them and nobody could call.
    let b = TestBox::with_open_files(
        128,
        "[limits]\nconnections = 64\nconnections_per_source = 16\nheader_timeout_secs = 2\n",
    );
    let mut slow = Vec::new();
    let mut turned_away = 0;
    for _ in 0..200 {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", b.port)) else {
            continue;
        };
        let _ = stream.write_all(b"GET / HTTP/1.1\r\n");
        slow.push(stream);
    }
    // The box answers the ones it has no room for at once.
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut head = [0u8; 64];
        if let Ok(n) = stream.read(&mut head) {
            if head[..n].starts_with(b"HTTP/1.1 429") {
                turned_away += 1;
            }
        }
    }
    eprintln!(
        "200 slow connections: {turned_away} turned away with 429, box holds {} open files",
        b.open_files()
    );
    assert!(
        turned_away >= 200 - 16,
        "only {turned_away} of 200 were turned away"
    );

    // A caller from elsewhere still gets in, while the slow ones are held.
    let (code, _) = status_from(&b, OTHER_SOURCE).await;
    assert_eq!(code, 200, "a caller from another address is answered");

    // And the slow ones are closed once their headers are late.
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    }
    let (code, _) = status_from(&b, IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
    assert_eq!(
        code, 200,
        "the slow source is answered again once it lets go"
    );
    assert!(
        !b.log().contains("Too many open files"),
        "the box ran out of file descriptors"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_candidates_ends_the_call_and_the_box_keeps_answering() {
    let b = TestBox::start("");
    let link = b.create_link("Anna");
    let waiting_elements = b.status()["pipelineElements"]
        .as_u64()
        .expect("element count");
    let (socket, _, _) = join(&b, token_of(&link)).await;
    let in_call_elements = b.status()["pipelineElements"]
        .as_u64()
        .expect("element count");
    assert!(
        in_call_elements > waiting_elements,
        "a call adds its branches: {waiting_elements} → {in_call_elements}"
    );
    let candidates = (0..100_000u32).map(|n| {
        json!({"type": "ice", "sdpMLineIndex": 0,
            "candidate": format!("candidate:{n} 1 udp 2122260223 10.0.{}.{} 9 typ host", n / 250 % 250, n % 250)})
        .to_string()
    });
    let (sent, refusal, close) = flood(socket, candidates).await;
    eprintln!("candidates sent before the box closed the socket: {sent}; close {close:?}");
    assert_eq!(
        refusal.as_deref(),
        Some(r#"{"type":"error","code":"badMessage"}"#)
    );
    assert_eq!(close, Some(CloseCode::Policy));

    // Meanwhile and after, everyone else is answered at once.
    let (code, took) = status_from(&b, OTHER_SOURCE).await;
    eprintln!("after the flood, another source's status answered in {took:?}");
    assert_eq!(code, 200);
    assert!(took < Duration::from_secs(5), "status took {took:?}");
    let mut b = b;
    b.wait_until(Duration::from_secs(10), "the box to wait again", |b| {
        b.state() == "waiting"
    });
    let (mut next, _, _) = join(&b, token_of(&link)).await;
    send(&mut next, json!({"type": "hangUp"})).await;
    b.wait_until(
        Duration::from_secs(10),
        "the pipeline back to its waiting size",
        |b| {
            b.state() == "waiting"
                && b.status()["pipelineElements"].as_u64() == Some(waiting_elements)
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_candidates_before_the_answer_are_refused_not_kept() {
    let b = TestBox::start("");
    let link = b.create_link("Anna");
    let rss_before = b.rss_kib();
    let (socket, _, _) = join(&b, token_of(&link)).await;
    let huge = "x".repeat(60 * 1024);
    let candidates = (0..8_000u32).map(|n| {
        json!({"type": "ice", "sdpMLineIndex": 0,
            "candidate": format!("candidate:{n} 1 udp 1 10.0.0.1 9 typ host {huge}")})
        .to_string()
    });
    let (sent, refusal, close) = flood(socket, candidates).await;
    let growth_mib = b.rss_kib().saturating_sub(rss_before) / 1024;
    eprintln!("60 KB candidates sent before the box closed the socket: {sent}; resident memory +{growth_mib} MiB");
    assert_eq!(
        refusal.as_deref(),
        Some(r#"{"type":"error","code":"badMessage"}"#),
        "the first oversized candidate ends the call"
    );
    assert_eq!(close, Some(CloseCode::Policy));
    assert!(
        growth_mib < 100,
        "the box kept what was uploaded: +{growth_mib} MiB"
    );
    let mut b = b;
    b.wait_until(Duration::from_secs(10), "the box to wait again", |b| {
        b.state() == "waiting"
    });
}
