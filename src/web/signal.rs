//! `/signal`: one WebSocket per caller, speaking `protocol` v1.
//!
//! The first message must be `hello` with a valid link; then the socket is a
//! pipe between the caller and the device: messages in become device
//! commands, the device's outbox goes out. A send half and a receive half run
//! side by side; when either ends, the device hears the socket is gone (the
//! call itself may wait for the page to come back: see `device::state`).
//! Written over `Sink`/`Stream` of text frames, not axum's socket, so the
//! logic does not depend on the transport.
//!
//! Limits (see [`crate::limits::Limits`]): sockets per source and sockets
//! not yet past hello are capped before the upgrade (`429` / `503`); frames
//! and messages are capped in size (close `1009`); a socket sending faster
//! than its rate is closed (`1008`); anything that is not a protocol message
//! gets `error {badMessage}` and the socket closes (`1008`, or `1003` for a
//! binary frame). A page never meets any of these.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::mpsc;

use super::gate::{Bucket, Pass};
use super::{AppState, Transport};
use crate::device::{Arrival, CallerLink, LinkRef, SessionId, ToCaller};
use crate::links::{CheckError, Refusal};
use crate::protocol::{ClientMessage, ErrorCode, ServerMessage, PROTOCOL_VERSION};
use crate::tunnel::TunnelFrame;

/// Messages the device may queue for one caller; a caller that cannot take
/// this many is not reading, and the device closes it (see `device::actor`).
const OUTBOX: usize = 64;
/// How long, and for how many frames, a closed socket is read for the
/// caller's close (see [`linger`]).
const LINGER: Duration = Duration::from_secs(1);
const LINGER_FRAMES: usize = 10_000;
/// How long a new socket may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the box (or the relay, for a caller it passes through) pings
/// the caller, and how long silence means it is gone.
pub(super) const PING_EVERY: Duration = Duration::from_secs(5);
pub(super) const SILENCE_LIMIT: Duration = Duration::from_secs(20);

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    transport: Option<Extension<Transport>>,
    ws: WebSocketUpgrade,
) -> Response {
    // The protocol is wss:// — plain ws:// only from the box itself (development).
    if !Transport::carries_calls(transport.map(|Extension(t)| t), peer) {
        tracing::info!(source = %peer.ip(), "plain signalling socket refused: wss:// only");
        return (
            StatusCode::FORBIDDEN,
            "Calls need a secure connection: open the link with https://\n",
        )
            .into_response();
    }
    let Ok(socket) = state.sockets.enter(peer.ip()) else {
        tracing::info!(source = %peer.ip(), "signalling socket refused: too many from one address");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many calls from your address.\n",
        )
            .into_response();
    };
    let Ok(before_hello) = state.before_hello.enter(peer.ip()) else {
        tracing::warn!("signalling socket refused: too many sockets have not said hello");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The box is busy. Try again soon.\n",
        )
            .into_response();
    };
    let bytes = state.limits.message_bytes;
    ws.max_message_size(bytes)
        .max_frame_size(bytes)
        .on_upgrade(move |ws| handle(ws, state, socket, before_hello))
}

async fn handle(ws: WebSocket, state: AppState, _socket: Pass, before_hello: Pass) {
    state.open_sockets.fetch_add(1, Ordering::SeqCst);
    let (sink, stream) = ws.split();
    run(sink, stream, &state, before_hello).await;
    state.open_sockets.fetch_sub(1, Ordering::SeqCst);
}

/// A caller that reached the box through its relay's tunnel (see
/// `web::tunnel_client`): the same limits and the same protocol as a socket
/// of its own, over channels. `source` is the caller's address as the relay
/// saw it. The relay keeps the caller's socket alive itself, so the box's
/// pings are answered here on the caller's behalf.
pub(super) async fn tunnelled(
    state: AppState,
    caller: u64,
    source: std::net::IpAddr,
    from_caller: mpsc::Receiver<Message>,
    answer_pings: mpsc::WeakSender<Message>,
    to_relay: mpsc::Sender<TunnelFrame>,
) {
    let close = |code: u16, reason: &str| TunnelFrame::Close {
        caller,
        code: Some(code),
        reason: Some(reason.to_owned()),
    };
    let Ok(_socket) = state.sockets.enter(source) else {
        let _ = to_relay
            .send(close(
                close_code::POLICY,
                "too many calls from your address",
            ))
            .await;
        return;
    };
    let Ok(before_hello) = state.before_hello.enter(source) else {
        let _ = to_relay
            .send(close(close_code::AGAIN, "the box is busy"))
            .await;
        return;
    };
    state.open_sockets.fetch_add(1, Ordering::SeqCst);
    let rx = stream_of(from_caller);
    let relay = to_relay.clone();
    let tx = futures::sink::unfold(relay, move |relay, message: Message| {
        let answer_pings = answer_pings.clone();
        async move {
            let frame = match message {
                Message::Text(text) => Some(TunnelFrame::Data {
                    caller,
                    text: text.to_string(),
                }),
                Message::Close(frame) => Some(TunnelFrame::Close {
                    caller,
                    code: frame.as_ref().map(|f| f.code),
                    reason: frame.map(|f| f.reason.to_string()),
                }),
                Message::Ping(payload) => {
                    if let Some(me) = answer_pings.upgrade() {
                        let _ = me.try_send(Message::Pong(payload));
                    }
                    None
                }
                Message::Pong(_) | Message::Binary(_) => None,
            };
            if let Some(frame) = frame {
                relay.send(frame).await.map_err(|_| ())?;
            }
            Ok::<_, ()>(relay)
        }
    });
    run(Box::pin(tx), rx, &state, before_hello).await;
    state.open_sockets.fetch_sub(1, Ordering::SeqCst);
    // However it ended, the relay lets the caller go (a second close is ignored).
    let _ = to_relay
        .send(TunnelFrame::Close {
            caller,
            code: None,
            reason: None,
        })
        .await;
}

/// A channel's messages as the stream `run` reads.
fn stream_of(
    mut from: mpsc::Receiver<Message>,
) -> impl Stream<Item = Result<Message, std::convert::Infallible>> + Unpin {
    Box::pin(futures::stream::poll_fn(move |cx| {
        from.poll_recv(cx).map(|m| m.map(Ok))
    }))
}

/// Why the box closes a socket on its own, with the close code it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// A message or frame over the size limit.
    TooBig,
    /// Messages faster than the socket's rate.
    TooFast,
    /// Not a protocol message, or one at the wrong time.
    NotUnderstood,
    /// A binary frame: the protocol is text.
    Binary,
}

impl Closing {
    /// For the log and the call record.
    fn why(self) -> &'static str {
        match self {
            Closing::TooBig => "a message over the size limit",
            Closing::TooFast => "messages faster than the rate limit",
            Closing::NotUnderstood => "a message that is not the protocol",
            Closing::Binary => "a binary frame",
        }
    }

    fn frame(self) -> CloseFrame {
        let (code, reason) = match self {
            Closing::TooBig => (close_code::SIZE, "message too big"),
            Closing::TooFast => (close_code::POLICY, "too many messages"),
            Closing::NotUnderstood => (close_code::POLICY, "message not understood"),
            Closing::Binary => (close_code::UNSUPPORTED, "text messages only"),
        };
        CloseFrame {
            code,
            reason: reason.into(),
        }
    }
}

/// The next thing to act on from the caller.
enum Incoming {
    Message(ClientMessage),
    Refuse(Closing),
    /// The answer to the box's ping: the caller is there (a page in a call
    /// sends nothing else for minutes).
    Pong,
    Gone,
}

/// Reads the next frame, skipping pings (the transport answers them).
async fn next_incoming<Rx, E>(rx: &mut Rx) -> Incoming
where
    Rx: Stream<Item = Result<Message, E>> + Unpin,
    E: std::fmt::Display,
{
    loop {
        return match rx.next().await {
            Some(Ok(Message::Text(text))) => match serde_json::from_str(&text) {
                Ok(message) => Incoming::Message(message),
                Err(_) => Incoming::Refuse(Closing::NotUnderstood),
            },
            Some(Ok(Message::Binary(_))) => Incoming::Refuse(Closing::Binary),
            Some(Ok(Message::Ping(_))) => continue,
            Some(Ok(Message::Pong(_))) => Incoming::Pong,
            Some(Ok(Message::Close(_))) | None => Incoming::Gone,
            // The transport says why: a frame or message over the limit is
            // worth a close code; anything else means the caller is gone.
            Some(Err(e)) if e.to_string().contains("too long") => Incoming::Refuse(Closing::TooBig),
            Some(Err(_)) => Incoming::Gone,
        };
    }
}

async fn run<Tx, Rx, E>(mut tx: Tx, mut rx: Rx, state: &AppState, before_hello: Pass)
where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
    E: std::fmt::Display,
{
    // A call page opens its socket as it starts: a box paired with a relay
    // hears of its page no sooner (the relay serves it).
    state.device.page_opened();
    let first = async {
        loop {
            match next_incoming(&mut rx).await {
                Incoming::Pong => continue,
                other => break other,
            }
        }
    };
    let hello = tokio::time::timeout(HELLO_TIMEOUT, first).await;
    drop(before_hello);
    let (token, resume, keeps_media, ready) = match hello {
        Ok(Incoming::Message(ClientMessage::Hello {
            version,
            token,
            resume,
            keeps_media,
            ready,
        })) => {
            if version != PROTOCOL_VERSION {
                return refuse(&mut tx, &mut rx, ErrorCode::UnsupportedVersion, None).await;
            }
            (token, resume, keeps_media, ready)
        }
        Ok(Incoming::Message(_)) => {
            return refuse(
                &mut tx,
                &mut rx,
                ErrorCode::BadMessage,
                Some(Closing::NotUnderstood),
            )
            .await
        }
        Ok(Incoming::Refuse(closing)) => {
            return refuse(&mut tx, &mut rx, ErrorCode::BadMessage, Some(closing)).await
        }
        // (A pong was skipped above: it never comes here.)
        Ok(Incoming::Gone | Incoming::Pong) | Err(_) => return,
    };
    let links = state.links.clone();
    let link = match tokio::task::spawn_blocking(move || links.check(&token)).await {
        Ok(Ok(link)) => link,
        Ok(Err(CheckError::Refused(Refusal::Unknown))) => {
            return refuse(&mut tx, &mut rx, ErrorCode::InvalidLink, None).await
        }
        Ok(Err(CheckError::Refused(Refusal::ClockNotSet))) => {
            tracing::info!(
                "an expiring link while the clock is not set: caller asked to try again"
            );
            return refuse(&mut tx, &mut rx, ErrorCode::Unavailable, None).await;
        }
        Ok(Err(CheckError::Refused(Refusal::NoLongerValid))) => {
            return refuse(&mut tx, &mut rx, ErrorCode::LinkNoLongerValid, None).await
        }
        Ok(Err(CheckError::Store(e))) => {
            tracing::error!(error = %e, "cannot read the links");
            return refuse(&mut tx, &mut rx, ErrorCode::Unavailable, None).await;
        }
        Err(_) => return refuse(&mut tx, &mut rx, ErrorCode::Unavailable, None).await,
    };

    // This socket's id: the session of the call it starts, if it starts one.
    let Some(socket) = new_session_id() else {
        return refuse(&mut tx, &mut rx, ErrorCode::Unavailable, None).await;
    };
    let (outbox, mut inbox) = mpsc::channel(OUTBOX);
    state
        .device
        .arrive(Arrival {
            caller: CallerLink {
                socket: socket.clone(),
                outbox,
            },
            resume: resume.map(SessionId::new),
            keeps_media,
            ready,
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
    let rate = f64::from(state.limits.messages_per_second);
    let mut bucket = Bucket::new(rate, 2.0 * rate, Instant::now());
    // Set when the device refused what the caller sent: the close says so too.
    let mut misbehaved = false;
    loop {
        tokio::select! {
            out = inbox.recv() => match out {
                Some(ToCaller::Message(message)) => {
                    if let ServerMessage::Error { code: ErrorCode::BadMessage, .. } = &message {
                        misbehaved = true;
                    }
                    if send(&mut tx, &message).await.is_err() {
                        last_words(&mut rx, state, &socket).await;
                        break;
                    }
                }
                // A call is counted on its link once, when it is made.
                Some(ToCaller::Placed) => record_call(state, link.id.clone()),
                Some(ToCaller::Close) | None => {
                    let frame = misbehaved.then(|| Closing::NotUnderstood.frame());
                    let _ = tx.send(Message::Close(frame)).await;
                    linger(&mut rx).await;
                    break;
                }
            },
            incoming = next_incoming(&mut rx) => {
                last_heard = tokio::time::Instant::now();
                let refusal = match incoming {
                    Incoming::Gone => break,
                    Incoming::Pong => continue,
                    _ if !bucket.take(Instant::now()) => Closing::TooFast,
                    Incoming::Message(ClientMessage::Hello { .. }) => Closing::NotUnderstood,
                    Incoming::Message(message) => {
                        state.device.from_caller(socket.clone(), message).await;
                        continue;
                    }
                    Incoming::Refuse(closing) => closing,
                };
                tracing::info!(socket = %socket, ?refusal, "caller's socket closed by the box");
                state.device.misbehaved(socket.clone(), refusal.why()).await;
                refuse(&mut tx, &mut rx, ErrorCode::BadMessage, Some(refusal)).await;
                break;
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    tracing::info!(socket = %socket, "caller silent, connection dropped");
                    break;
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() {
                    last_words(&mut rx, state, &socket).await;
                    break;
                }
            }
        }
    }
    state.device.gone(socket).await;
}

/// The caller's socket can no longer be written (the page closed it): what
/// it sent before it went — a hang-up, typically — is still read and acted
/// on, for a moment at most, so that a hang-up is not taken for a dropped
/// connection (which would hold the call for the grace period).
async fn last_words<Rx, E>(rx: &mut Rx, state: &AppState, socket: &SessionId)
where
    Rx: Stream<Item = Result<Message, E>> + Unpin,
    E: std::fmt::Display,
{
    let read = async {
        loop {
            match next_incoming(rx).await {
                Incoming::Message(ClientMessage::Hello { .. }) | Incoming::Pong => {}
                Incoming::Message(message) => {
                    state.device.from_caller(socket.clone(), message).await
                }
                Incoming::Refuse(_) | Incoming::Gone => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, read).await;
}

async fn send<Tx: Sink<Message> + Unpin>(tx: &mut Tx, message: &ServerMessage) -> Result<(), ()> {
    let text = serde_json::to_string(message).map_err(|_| ())?;
    tx.send(Message::Text(text.into())).await.map_err(|_| ())
}

/// After the box sent its close: reads (and drops) what the caller still
/// sends until its close comes back, for a moment at most. Closing with
/// unread data would reset the connection, and the caller could lose the
/// box's last words (why it was refused) on the way.
async fn linger<Rx, E>(rx: &mut Rx)
where
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    let drain = async {
        for _ in 0..LINGER_FRAMES {
            match rx.next().await {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// Tells the caller why it is refused, then closes the socket (with the
/// close code of `closing` when the box closes it for misbehaving).
async fn refuse<Tx, Rx, E>(tx: &mut Tx, rx: &mut Rx, code: ErrorCode, closing: Option<Closing>)
where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    let _ = send(tx, &ServerMessage::Error { code, until: None }).await;
    let _ = tx.send(Message::Close(closing.map(Closing::frame))).await;
    linger(rx).await;
}

fn record_call(state: &AppState, link_id: String) {
    let links = state.links.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = links.record_call(&link_id) {
            tracing::warn!(error = %e, "cannot count the call on its link");
        }
    });
}

/// 128 random bits, hex: unguessable, so only the page that had a call can take it up again.
fn new_session_id() -> Option<SessionId> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(SessionId::new(
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ))
}

#[cfg(test)]
#[path = "signal_tests.rs"]
mod tests;
