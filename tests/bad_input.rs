//! Bad input over the real WebSocket and HTTP: each case gets its clear
//! error (a protocol error and a close code, or an HTTP status), and then a
//! legitimate caller is still admitted.

mod support;

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::ws::{connect, join, send, Socket};
use support::{token_of, TestBox};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// Small limits, so every one is quick to reach.
const LIMITS: &str = "[limits]\nheader_timeout_secs = 2\nsockets_per_source = 4\n\
                      waiting_for_hello = 6\nmessage_bytes = 16384\nmessages_per_second = 10\n";

fn start() -> (TestBox, String) {
    let b = TestBox::start(LIMITS);
    let link = b.create_link("Anna");
    (b, link)
}

/// What the box said before closing: its error code and its close code.
async fn last_words(socket: &mut Socket) -> (Option<String>, Option<CloseCode>) {
    let mut code = None;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let m: Value = serde_json::from_str(&text).expect("the box sends JSON");
                if m["type"] == "error" {
                    code = m["code"].as_str().map(str::to_owned);
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => return (code, frame.map(|f| f.code)),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return (code, None),
            Err(_) => panic!("the box neither answered nor closed within 5 s"),
        }
    }
}

/// A legitimate caller is admitted, gets an offer, and hangs up.
async fn still_answers(b: &TestBox, link: &str) {
    let (mut socket, _, sdp) = join(b, token_of(link)).await;
    assert!(sdp.contains("m=video"), "{sdp}");
    send(&mut socket, json!({"type": "hangUp"})).await;
    until_waiting(b).await;
}

/// Waits (10 s at most) until the box is waiting for a call again.
async fn until_waiting(b: &TestBox) {
    for _ in 0..500 {
        if b.state() == "waiting" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the box is not waiting again after 10 s: {}", b.status());
}

fn hello(link: &str) -> Value {
    json!({"type": "hello", "version": 1, "token": token_of(link)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_that_are_not_protocol_messages_are_refused_before_hello() {
    let (b, link) = start();
    let cases: Vec<(&str, Message, CloseCode)> = vec![
        (
            "not JSON",
            Message::Text("hello?".into()),
            CloseCode::Policy,
        ),
        (
            "a binary frame",
            Message::Binary(vec![1, 2, 3].into()),
            CloseCode::Unsupported,
        ),
        (
            "an unknown type",
            Message::Text(r#"{"type":"join","token":"x"}"#.into()),
            CloseCode::Policy,
        ),
        (
            "a missing field",
            Message::Text(r#"{"type":"hello","version":1}"#.into()),
            CloseCode::Policy,
        ),
        (
            "an extra field",
            Message::Text(r#"{"type":"hello","version":1,"token":"x","name":"Anna"}"#.into()),
            CloseCode::Policy,
        ),
        (
            "an answer before hello",
            Message::Text(r#"{"type":"answer","sdp":"v=0"}"#.into()),
            CloseCode::Policy,
        ),
        (
            "a JSON array",
            Message::Text("[1,2,3]".into()),
            CloseCode::Policy,
        ),
        (
            "deep nesting",
            Message::Text(format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into()),
            CloseCode::Policy,
        ),
        (
            "a message too big",
            Message::Text("x".repeat(20_000).into()),
            CloseCode::Size,
        ),
    ];
    for (what, frame, close) in cases {
        let mut socket = connect(&b).await;
        socket.send(frame).await.expect("send");
        let (code, closed) = last_words(&mut socket).await;
        assert_eq!(code.as_deref(), Some("badMessage"), "{what}");
        assert_eq!(closed, Some(close), "{what}");
    }
    still_answers(&b, &link).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_during_a_call_end_it_with_a_reason() {
    let (b, link) = start();
    let cases: Vec<(&str, Value)> = vec![
        ("a second hello", hello(&link)),
        ("an unknown type", json!({"type": "mute"})),
        (
            "an ICE candidate with no index",
            json!({"type": "ice", "candidate": "candidate:1"}),
        ),
        (
            "a candidate for an m-line never offered",
            json!({"type": "ice", "candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host", "sdpMLineIndex": 7}),
        ),
        (
            "an answer that is not SDP",
            json!({"type": "answer", "sdp": "not sdp at all"}),
        ),
        (
            "an answer GStreamer reads with a third media section",
            json!({"type": "answer", "sdp": "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n m=x 9 RTP 0\r\n"}),
        ),
    ];
    for (what, message) in cases {
        let (mut socket, _, _) = join(&b, token_of(&link)).await;
        send(&mut socket, message).await;
        let (code, closed) = last_words(&mut socket).await;
        assert_eq!(code.as_deref(), Some("badMessage"), "{what}");
        assert_eq!(closed, Some(CloseCode::Policy), "{what}");
        until_waiting(&b).await;
    }
    still_answers(&b, &link).await;
}

/// The limit is on the message, not only on each frame: a message sent in
/// frames that each fit is refused once the whole does not (16 KiB here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_too_big_in_small_frames_ends_the_call() {
    let (b, link) = start();
    let (mut socket, _, _) = join(&b, token_of(&link)).await;
    let part = "x".repeat(6_000);
    for (opcode, last) in [
        (OpCode::Data(Data::Text), false),
        (OpCode::Data(Data::Continue), false),
        (OpCode::Data(Data::Continue), true),
    ] {
        let frame = Frame::message(part.clone().into_bytes(), opcode, last);
        if socket.send(Message::Frame(frame)).await.is_err() {
            break;
        }
    }
    let (code, closed) = last_words(&mut socket).await;
    assert_eq!(code.as_deref(), Some("badMessage"));
    assert_eq!(closed, Some(CloseCode::Size));
    until_waiting(&b).await;
    still_answers(&b, &link).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_while_the_tv_still_rings_is_refused() {
    let b = TestBox::with_calls("countdown_secs = 5", LIMITS);
    let link = b.create_link("Anna");
    let mut socket = connect(&b).await;
    send(&mut socket, hello(&link)).await;
    send(&mut socket, json!({"type": "answer", "sdp": "v=0\r\n"})).await;
    let (code, closed) = last_words(&mut socket).await;
    assert_eq!(code.as_deref(), Some("badMessage"));
    assert_eq!(closed, Some(CloseCode::Policy));
    until_waiting(&b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_sending_too_fast_is_closed() {
    let (b, link) = start();
    let (mut socket, _, _) = join(&b, token_of(&link)).await;
    // Twice the rate fits in a burst; a hundred hang-ups do not.
    for _ in 0..100 {
        if socket
            .send(Message::Text(
                r#"{"type":"ice","candidate":"","sdpMLineIndex":0}"#.into(),
            ))
            .await
            .is_err()
        {
            break;
        }
    }
    let (code, closed) = last_words(&mut socket).await;
    assert_eq!(code.as_deref(), Some("badMessage"));
    assert_eq!(closed, Some(CloseCode::Policy));
    until_waiting(&b).await;
    still_answers(&b, &link).await;
}

/// A WebSocket to the box's `/signal` from the source address `from`, or
/// the HTTP status that refused it.
async fn socket_from(b: &TestBox, from: IpAddr) -> Result<Socket, u16> {
    let tcp = TcpSocket::new_v4().expect("socket");
    tcp.bind(SocketAddr::new(from, 0)).expect("bind");
    let stream = tcp
        .connect(SocketAddr::from(([127, 0, 0, 1], b.port)))
        .await
        .expect("connect");
    let url = format!("ws://127.0.0.1:{}/signal", b.port);
    match tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
        .await
    {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("the upgrade failed without a status: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_are_capped_per_source_and_before_hello() {
    let (b, link) = start();
    let one = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10));
    let mut held = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..100 {
        match socket_from(&b, one).await {
            Ok(socket) => held.push(socket),
            Err(status) => statuses.push(status),
        }
    }
    assert_eq!(held.len(), 4, "sockets_per_source");
    assert!(statuses.iter().all(|&s| s == 429), "{statuses:?}");

    // From other addresses: only so many may wait for hello at once.
    let mut busy = 0;
    for n in 20..40 {
        match socket_from(&b, IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))).await {
            Ok(socket) => held.push(socket),
            Err(503) => busy += 1,
            Err(other) => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(held.len(), 6, "waiting_for_hello");
    assert_eq!(busy, 18);

    // Sockets that go away give their places back.
    drop(held);
    until_waiting(&b).await;
    still_answers(&b, &link).await;
}

/// Sends `head` raw and returns the status line's code, or `None` when the
/// box closed the connection without a response.
fn raw_http(b: &TestBox, head: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", b.port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let _ = stream.write_all(head);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    text.split(' ').nth(1).and_then(|c| c.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_http_gets_a_status_and_slow_http_is_cut_off() {
    let (b, link) = start();
    let long_path = format!(
        "GET /{} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "a".repeat(20_000)
    );
    let code = raw_http(&b, long_path.as_bytes());
    assert!(matches!(code, Some(414 | 431)), "a 20 KB path: {code:?}");
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n",
        "b".repeat(20_000)
    );
    assert_eq!(
        raw_http(&b, huge_header.as_bytes()),
        Some(431),
        "a 20 KB header"
    );
    assert_eq!(raw_http(&b, b"NONSENSE\r\n\r\n"), Some(400), "not HTTP");
    assert_eq!(
        raw_http(
            &b,
            b"GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        ),
        Some(404),
        "a traversal path"
    );

    // Headers that never end, and an upgrade that never completes: closed
    // after the header timeout (2 s here), with no response.
    let started = std::time::Instant::now();
    assert_eq!(raw_http(&b, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"), None);
    assert_eq!(
        raw_http(
            &b,
            b"GET /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        ),
        None
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(9),
        "two slow requests took {took:?}: the header timeout is 2 s"
    );
    still_answers(&b, &link).await;
}
