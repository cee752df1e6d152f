//! `/signal`: one WebSocket per caller, speaking `protocol` v1.
//!
//! The first message must be `hello` with a valid link; then the socket is a
//! pipe between the caller and the device: messages in become device
//! commands, the device's outbox goes out. A send half and a receive half run
//! side by side; when either ends, the device hears the caller is gone.
//! Written over `Sink`/`Stream` of text frames, not axum's socket, so the
//! logic does not depend on the transport.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::mpsc;

use super::AppState;
use crate::device::{Arrival, CallerLink, LinkRef, SessionId, ToCaller};
use crate::links::{CheckError, Refusal};
use crate::protocol::{ClientMessage, ErrorCode, ServerMessage, PROTOCOL_VERSION};

/// How long a new socket may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the box pings the caller, and how long silence means it is gone.
const PING_EVERY: Duration = Duration::from_secs(5);
const SILENCE_LIMIT: Duration = Duration::from_secs(20);
/// Largest message accepted (an SDP answer is a few kilobytes).
const MAX_MESSAGE: usize = 64 * 1024;

pub async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| handle(socket, state))
}

async fn handle(socket: WebSocket, state: AppState) {
    state.open_sockets.fetch_add(1, Ordering::SeqCst);
    let (sink, stream) = socket.split();
    run(sink, stream, &state).await;
    state.open_sockets.fetch_sub(1, Ordering::SeqCst);
}

async fn run<Tx, Rx, E>(mut tx: Tx, mut rx: Rx, state: &AppState)
where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    let hello = tokio::time::timeout(HELLO_TIMEOUT, next_message(&mut rx)).await;
    let (token, resume) = match hello {
        Ok(Some(Ok(ClientMessage::Hello {
            version,
            token,
            resume,
        }))) => {
            if version != PROTOCOL_VERSION {
                return refuse(&mut tx, ErrorCode::UnsupportedVersion).await;
            }
            (token, resume)
        }
        Ok(Some(_)) => return refuse(&mut tx, ErrorCode::BadMessage).await,
        Ok(None) | Err(_) => return,
    };
    let links = state.links.clone();
    let link = match tokio::task::spawn_blocking(move || links.check(&token)).await {
        Ok(Ok(link)) => link,
        Ok(Err(CheckError::Refused(Refusal::Unknown))) => {
            return refuse(&mut tx, ErrorCode::InvalidLink).await
        }
        Ok(Err(CheckError::Refused(Refusal::NoLongerValid))) => {
            return refuse(&mut tx, ErrorCode::LinkNoLongerValid).await
        }
        Ok(Err(CheckError::Store(e))) => {
            tracing::error!(error = %e, "cannot read the links");
            return refuse(&mut tx, ErrorCode::Unavailable).await;
        }
        Err(_) => return refuse(&mut tx, ErrorCode::Unavailable).await,
    };

    let Some(session) = new_session_id() else {
        return refuse(&mut tx, ErrorCode::Unavailable).await;
    };
    let (outbox, mut inbox) = mpsc::channel(64);
    state
        .device
        .arrive(Arrival {
            caller: CallerLink {
                session: session.clone(),
                outbox,
            },
            resume: resume.map(SessionId::new),
            resume_only: link.spent,
            link: LinkRef {
                id: link.id.clone(),
                label: link.label.clone(),
                one_time: link.one_time,
            },
        })
        .await;

    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            out = inbox.recv() => match out {
                Some(ToCaller::Message(message)) => {
                    if matches!(message, ServerMessage::Welcome { .. }) {
                        record_call(state, link.id.clone());
                    }
                    if send(&mut tx, &message).await.is_err() {
                        break;
                    }
                }
                Some(ToCaller::Close) | None => {
                    let _ = tx.send(Message::Close(None)).await;
                    break;
                }
            },
            incoming = rx.next() => {
                last_heard = tokio::time::Instant::now();
                match incoming {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                        Ok(message) => state.device.from_caller(session.clone(), message).await,
                        Err(e) => tracing::debug!(session = %session, error = %e, "message not understood"),
                    },
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                }
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    tracing::info!(session = %session, "caller silent, connection dropped");
                    break;
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    state.device.gone(session).await;
}

/// The next client message, skipping pings and other non-text frames.
async fn next_message<Rx, E>(rx: &mut Rx) -> Option<Result<ClientMessage, serde_json::Error>>
where
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    loop {
        match rx.next().await? {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(&text)),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

async fn send<Tx: Sink<Message> + Unpin>(tx: &mut Tx, message: &ServerMessage) -> Result<(), ()> {
    let text = serde_json::to_string(message).map_err(|_| ())?;
    tx.send(Message::Text(text.into())).await.map_err(|_| ())
}

async fn refuse<Tx: Sink<Message> + Unpin>(tx: &mut Tx, code: ErrorCode) {
    let _ = send(tx, &ServerMessage::Error { code, until: None }).await;
    let _ = tx.send(Message::Close(None)).await;
}

fn record_call(state: &AppState, link_id: String) {
    let links = state.links.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = links.record_call(&link_id) {
            tracing::warn!(error = %e, "cannot count the call on its link");
        }
    });
}

/// 128 random bits, hex: unguessable, so only the page that had a call can resume it.
fn new_session_id() -> Option<SessionId> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(SessionId::new(
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ))
}
