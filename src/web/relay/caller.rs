//! A relative's signalling socket on the relay: passed through the box's
//! tunnel message by message, unread. The box decides everything (the link,
//! busy, the call); the relay only limits what passes: sockets per source,
//! callers per box, message size and rate. It also keeps the socket alive as
//! the box does its own (pings; silence means the caller is gone), since the
//! box cannot ping through the tunnel.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::{SinkExt, StreamExt};

use super::RelayState;
use crate::protocol::{ErrorCode, ServerMessage};
use crate::relay::directory::{OpenError, ToCaller};
use crate::relay::BoxId;
use crate::web::gate::{Bucket, Pass};
use crate::web::signal::{PING_EVERY, SILENCE_LIMIT};
use crate::web::Transport;

pub async fn upgrade(
    State(state): State<RelayState>,
    Path(box_id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    transport: Option<Extension<Transport>>,
    ws: WebSocketUpgrade,
) -> Response {
    if !Transport::carries_calls(transport.map(|Extension(t)| t), peer) {
        return (StatusCode::FORBIDDEN, "Calls need https://\n").into_response();
    }
    let Some(id) = BoxId::parse(&box_id) else {
        return (StatusCode::NOT_FOUND, "No such box.\n").into_response();
    };
    let Ok(pass) = state.sockets.enter(peer.ip()) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many calls from your address.\n",
        )
            .into_response();
    };
    let bytes = state.limits.message_bytes;
    ws.max_message_size(bytes)
        .max_frame_size(bytes)
        .on_upgrade(move |socket| pass_through(socket, state, id, peer, pass))
}

async fn pass_through(
    socket: WebSocket,
    state: RelayState,
    id: BoxId,
    peer: SocketAddr,
    _pass: Pass,
) {
    let (mut tx, mut rx) = socket.split();
    let refuse = |code| {
        let text =
            serde_json::to_string(&ServerMessage::Error { code, until: None }).unwrap_or_default();
        Message::Text(text.into())
    };
    let Some(tunnel) = state.directory.find(&id) else {
        let _ = tx.send(refuse(ErrorCode::Unavailable)).await;
        let _ = tx.send(Message::Close(None)).await;
        return;
    };
    let mut channel = match tunnel.open(peer.ip()).await {
        Ok(channel) => channel,
        Err(OpenError::TooManyCallers) => {
            let _ = tx.send(refuse(ErrorCode::Busy)).await;
            let _ = tx.send(Message::Close(None)).await;
            return;
        }
        Err(OpenError::Gone) => {
            let _ = tx.send(refuse(ErrorCode::Unavailable)).await;
            let _ = tx.send(Message::Close(None)).await;
            return;
        }
    };
    let rate = f64::from(state.limits.messages_per_second);
    let mut bucket = Bucket::new(rate, 2.0 * rate, Instant::now());
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    // Dropping the channel tells the box the caller is gone.
                    break;
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() {
                    pass_last_words(&mut rx, &channel).await;
                    break;
                }
            }
            from_box = channel.from_box.recv() => match from_box {
                Some(ToCaller::Text(text)) => {
                    if tx.send(Message::Text(text.into())).await.is_err() {
                        pass_last_words(&mut rx, &channel).await;
                        break;
                    }
                }
                Some(ToCaller::Close { code, reason }) => {
                    let frame = code.map(|code| CloseFrame {
                        code,
                        reason: reason.unwrap_or_default().into(),
                    });
                    let _ = tx.send(Message::Close(frame)).await;
                    break;
                }
                None => {
                    // The tunnel went away: the page reconnects by itself.
                    let _ = tx
                        .send(Message::Close(Some(CloseFrame {
                            code: close_code::AGAIN,
                            reason: "the box went away".into(),
                        })))
                        .await;
                    break;
                }
            },
            from_caller = rx.next() => {
                last_heard = tokio::time::Instant::now();
                let refusal = match from_caller {
                    Some(Ok(Message::Text(text))) => {
                        if !bucket.take(Instant::now()) {
                            (close_code::POLICY, "too many messages")
                        } else if channel.send(text.to_string()).await.is_err() {
                            break;
                        } else {
                            continue;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => (close_code::UNSUPPORTED, "text messages only"),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                let (code, reason) = refusal;
                let close = CloseFrame { code, reason: reason.into() };
                let _ = tx.send(Message::Close(Some(close))).await;
                break;
            }
        }
    }
}

/// The caller's socket can no longer be written (the page closed it): what
/// it sent before it went — a hang-up, typically — still goes to the box,
/// for a moment at most.
async fn pass_last_words<Rx, E>(rx: &mut Rx, channel: &crate::relay::directory::CallerChannel)
where
    Rx: futures::Stream<Item = Result<Message, E>> + Unpin,
{
    let read = async {
        while let Some(Ok(message)) = rx.next().await {
            match message {
                Message::Text(text) if channel.send(text.to_string()).await.is_err() => return,
                Message::Close(_) => return,
                _ => {}
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), read).await;
}
