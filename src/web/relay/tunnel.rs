//! A box's tunnel on the relay (`/tunnel`): authenticated by the box's key,
//! attached to the directory while it lasts, and pumping [`TunnelFrame`]s
//! between the box and its callers' sockets.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::RelayState;
use crate::relay::directory::Tunnel;
use crate::relay::BoxId;
use crate::tunnel::TunnelFrame;
use crate::web::Transport;

/// How often the relay pings a tunnel, and how long silence means it is dead.
const PING_EVERY: Duration = Duration::from_secs(15);
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// Frames queued for one box before callers' messages wait.
const TO_BOX_QUEUE: usize = 256;

pub async fn upgrade(
    State(state): State<RelayState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    transport: Option<Extension<Transport>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !Transport::carries_calls(transport.map(|Extension(t)| t), peer) {
        return (StatusCode::FORBIDDEN, "Tunnels need https://\n").into_response();
    }
    if let Err(wait) = state.tunnel_logins.take(peer.ip(), Instant::now()) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
            "Too many tries.\n",
        )
            .into_response();
    }
    let Some((id, key)) = bearer(&headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            "This relay does not know this box.\n",
        )
            .into_response();
    };
    let boxes = state.boxes.clone();
    let check_id = id.clone();
    let known = tokio::task::spawn_blocking(move || boxes.check(&check_id, &key)).await;
    match known {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => {
            tracing::info!(source = %peer.ip(), box_id = %id, "tunnel refused: unknown box or wrong key");
            return (
                StatusCode::UNAUTHORIZED,
                "This relay does not know this box.\n",
            )
                .into_response();
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot read the paired boxes");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    // A tunnel frame carries one signalling message and its envelope.
    let bytes = 2 * state.limits.message_bytes;
    ws.max_message_size(bytes)
        .max_frame_size(bytes)
        .on_upgrade(move |socket| pump(socket, state, id))
}

/// `Bearer <box id>.<key>` from the headers.
fn bearer(headers: &HeaderMap) -> Option<(BoxId, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (id, key) = value.strip_prefix("Bearer ")?.split_once('.')?;
    Some((BoxId::parse(id)?, key.to_owned()))
}

async fn pump(socket: WebSocket, state: RelayState, id: BoxId) {
    let (to_box, mut queued) = mpsc::channel::<TunnelFrame>(TO_BOX_QUEUE);
    let tunnel = Tunnel::new(to_box, state.callers_per_box);
    let (generation, old) = state.directory.attach(&id, tunnel.clone());
    if let Some(old) = old {
        tracing::info!(box_id = %id, "a box reconnected: its old tunnel is dropped");
        old.close_all();
    }
    tracing::info!(box_id = %id, "box connected");
    let (mut tx, mut rx) = socket.split();
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            frame = queued.recv() => {
                let Some(frame) = frame else { break };
                let Ok(text) = serde_json::to_string(&frame) else { continue };
                if tx.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = rx.next() => {
                last_heard = tokio::time::Instant::now();
                match incoming {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<TunnelFrame>(&text) {
                        Ok(frame) => tunnel.from_box(frame),
                        Err(e) => tracing::warn!(box_id = %id, error = %e, "tunnel frame not understood"),
                    },
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    tracing::info!(box_id = %id, "tunnel silent: dropped");
                    break;
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    state.directory.detach(&id, generation);
    tunnel.close_all();
    tracing::info!(box_id = %id, "box disconnected");
}
