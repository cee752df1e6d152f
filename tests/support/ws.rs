//! A caller's signalling socket for tests: connect, send, receive JSON.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::TestBox;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(b: &TestBox) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/signal", b.port))
        .await
        .expect("websocket connects");
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next JSON message, or `None` when the box closed the socket.
pub async fn recv(socket: &mut Socket) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the box answers within 10 s");
        match frame {
            Some(Ok(Message::Text(text))) => {
                return Some(serde_json::from_str(&text).expect("box sends JSON"))
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

pub async fn hello(b: &TestBox, token: &str) -> Socket {
    let mut socket = connect(b).await;
    send(
        &mut socket,
        json!({"type": "hello", "version": 1, "token": token}),
    )
    .await;
    socket
}

/// Joins and reads until the offer; returns the socket, session id and SDP.
pub async fn join(b: &TestBox, token: &str) -> (Socket, String, String) {
    let mut socket = hello(b, token).await;
    let welcome = recv(&mut socket).await.expect("welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["version"], 1);
    let session = welcome["session"].as_str().expect("session").to_owned();
    assert_eq!(session.len(), 32, "128-bit session id: {session}");
    loop {
        let m = recv(&mut socket).await.expect("offer follows the welcome");
        if m["type"] == "offer" {
            return (socket, session, m["sdp"].as_str().expect("sdp").to_owned());
        }
        assert!(
            m["type"] == "ice" || m["type"] == "participants",
            "only candidates (and, in a group call, who is in it) may come before the offer: {m}"
        );
    }
}
