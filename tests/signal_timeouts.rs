//! The signalling socket's clocks on the real binary (10 s to say hello,
//! pings every 5 s, 20 s of silence): a socket that never says hello is
//! closed; a caller that answers nothing is dropped; one that answers the
//! box's pings is kept. Slow by nature (10–26 s each); they run side by side.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use support::ws::{connect, join, Socket};
use support::{token_of, TestBox};
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
    let mut b = TestBox::start("");
    let url = b.create_link("Anna");
    // Joined, then never read again: no pong ever goes back.
    let (mut socket, _, _) = join(&b, token_of(&url)).await;
    let joined = Instant::now();
    b.wait_until(
        Duration::from_secs(28),
        "the silent caller to be dropped",
        |b| b.state() == "waiting",
    );
    let dropped = joined.elapsed();
    assert!(
        dropped >= Duration::from_secs(19),
        "dropped after {dropped:?}: silence is allowed for 20 s"
    );
    // Before the 30 s a call may take to connect: the box closed the socket.
    let (closed, _) = read_until_closed(&mut socket, Duration::from_secs(2)).await;
    assert!(
        closed.is_some(),
        "the box dropped the call but kept the socket"
    );
}
