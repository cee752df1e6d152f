//! The signalling socket's clocks on the real binary (10 s to say hello,
//! pings every 5 s, 20 s of silence): a socket that never says hello is
//! closed; a caller that answers nothing is dropped. Slow by nature
//! (10–26 s each); they run side by side. That a caller answering the
//! pings is kept is in `src/web/signal_tests.rs`, on paused time.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use support::ws::{connect, join, Socket};
use support::{token_of, TestBox};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;

/// Reads the socket (tungstenite answers the box's pings as it reads) until
/// the box closes it or `limit` passes; returns when it closed, if it did,
/// and how many pings came.
async fn read_until_closed(socket: &mut Socket, limit: Duration) -> (Option<Duration>, usize) {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + limit;
    let mut pings = 0;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return (None, pings),
            Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => {
                return (Some(started.elapsed()), pings)
            }
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test]
async fn a_socket_that_never_says_hello_is_closed_after_ten_seconds() {
    let b = TestBox::start("");
    let mut socket = connect(&b).await;
    let (closed, _) = read_until_closed(&mut socket, Duration::from_secs(20)).await;
    let closed = closed.expect("the box closes a socket that says nothing");
    assert!(
        closed >= Duration::from_millis(9_500) && closed < Duration::from_secs(15),
        "closed after {closed:?}: the hello limit is 10 s"
    );
    assert_eq!(b.state(), "waiting");
}

#[tokio::test]
async fn a_caller_that_answers_nothing_is_dropped_after_twenty_seconds_of_silence() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let (socket, _, _) = join(&b, token_of(&url)).await;
    let joined = Instant::now();
    // From here on the bytes are read raw: nothing parses the box's pings,
    // so no pong ever goes back. The box must close the connection.
    let mut tcp = socket.into_inner();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let closed = loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => panic!("the box kept a silent caller's connection for 30 s"),
            Ok(Ok(0) | Err(_)) => break joined.elapsed(),
            Ok(Ok(_)) => {}
        }
    };
    // 20 s of silence, noticed at the next ping (every 5 s), then a moment
    // for the caller's close.
    assert!(
        closed >= Duration::from_secs(19) && closed <= Duration::from_secs(27),
        "closed after {closed:?}: silence is allowed for 20 s"
    );
}
