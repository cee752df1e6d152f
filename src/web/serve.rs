//! The web server's front door: accepting connections under limits.
//!
//! Owns the accept loop. Every TCP connection takes a [`Pass`] from a
//! [`Gate`] (a cap overall and per source, so one source can never fill the
//! box and a caller from elsewhere still gets in); one that finds no room gets
//! a one-line `503` or `429` and is closed at once. Each connection is served
//! by hyper's HTTP/1.1 with a timer: headers must arrive within the header
//! timeout (which also closes idle kept-alive connections), and a request
//! must be answered within [`REQUEST_LIMIT`] (a body dribbled in byte by byte
//! cannot hold a connection). WebSocket upgrades leave this loop; `signal`
//! counts and limits them itself.
//!
//! With TLS, the first byte of each connection says what it is: a TLS
//! handshake is served (within the header timeout, too), and plain HTTP on
//! the same port only gets a redirect to `https://` (a relative who typed
//! `http://` lands on the right page). Each request carries a [`Transport`]
//! saying whether it came over TLS.
//!
//! HTTP/1.1 only: the box serves a handful of requests per call, and a
//! WebSocket upgrade over HTTP/2 needs extended CONNECT, which the call page
//! does not need.

use crate::sync::{read, write};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::gate::{Full, Gate, Pass};
use crate::limits::Limits;

/// Longest a request may take from its headers to its response.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// Largest request head (start line and headers) accepted.
const MAX_HEAD: usize = 16 * 1024;
/// How long connections in progress may take to finish at shutdown.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);
/// At most one log line per this long about refused connections.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// How a request reached the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Over TLS (`https:`, `wss:`).
    pub secure: bool,
}

impl Transport {
    /// Whether a signalling socket may be opened over `transport` from
    /// `peer`: the protocol is `wss://`; plain `ws://` only from this machine
    /// (development, the tests).
    pub fn carries_calls(transport: Option<Self>, peer: SocketAddr) -> bool {
        transport.is_some_and(|t| t.secure) || peer.ip().to_canonical().is_loopback()
    }
}

/// The certificate a TLS listener presents, replaceable while it serves (a
/// renewed certificate applies to the next connection); cheap to clone.
#[derive(Clone)]
pub struct LiveTls(Arc<RwLock<Arc<rustls::ServerConfig>>>);

impl LiveTls {
    pub fn new(config: Arc<rustls::ServerConfig>) -> Self {
        Self(Arc::new(RwLock::new(config)))
    }

    /// Presents `config` from the next connection on.
    pub fn replace(&self, config: Arc<rustls::ServerConfig>) {
        *write(&self.0) = config;
    }

    fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(read(&self.0).clone())
    }
}

/// The first byte of a TLS handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

/// Serves `app` on `listener` under `limits` until `shutdown` completes;
/// over TLS when `tls` is given (plain HTTP then only redirects).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<LiveTls>,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let gate = Gate::new(limits.connections, limits.connections_per_source);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD.max(8192));
    let (closing_tx, closing) = watch::channel(false);
    let mut refusals = RefusalLog::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or similar: the caps should make
                    // this impossible; back off instead of spinning.
                    tracing::error!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let pass = match gate.enter(peer.ip()) {
            Ok(pass) => pass,
            Err(full) => {
                refusals.note(full, gate.open());
                turn_away(&stream, full);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (http, app, tls, closing) = (http.clone(), app.clone(), tls.clone(), closing.clone());
        let handshake_limit = limits.header_timeout;
        tokio::spawn(async move {
            let _pass: Pass = pass;
            let Some(tls) = tls else {
                let plain = Transport { secure: false };
                return drive(&http, stream, service(app, peer, plain), closing).await;
            };
            let mut first = [0u8; 1];
            match tokio::time::timeout(handshake_limit, stream.peek(&mut first)).await {
                Ok(Ok(1)) if first[0] == TLS_HANDSHAKE => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(handshake_limit, tls.acceptor().accept(stream)).await
                    else {
                        tracing::debug!(source = %peer.ip(), "TLS handshake failed or timed out");
                        return;
                    };
                    let secure = Transport { secure: true };
                    drive(&http, stream, service(app, peer, secure), closing).await;
                }
                Ok(Ok(1)) => {
                    let plain = Transport { secure: false };
                    drive(&http, stream, service(redirect_app(), peer, plain), closing).await;
                }
                _ => {}
            }
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
    while gate.open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Serves one connection until it ends, or finishes its request in progress
/// and closes once the server is closing.
async fn drive<I, S>(http: &http1::Builder, io: I, service: S, mut closing: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = axum::body::Body>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        () = until_closing(&mut closing) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = ended {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// What plain HTTP gets on a box that serves HTTPS: the same address over
/// `https://`, whatever was asked.
fn redirect_app() -> Router {
    Router::new().fallback(|headers: HeaderMap, uri: Uri| async move {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()));
        let Some(host) = host else {
            return (StatusCode::BAD_REQUEST, "This box speaks HTTPS only.\n").into_response();
        };
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        (
            StatusCode::PERMANENT_REDIRECT,
            [
                (header::LOCATION, format!("https://{host}{path}")),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response()
    })
}

/// Completes when the server starts closing.
async fn until_closing(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

/// The router for one connection: it learns the peer's address and the
/// transport, and each request is cut off after [`REQUEST_LIMIT`].
fn service(
    app: Router,
    peer: SocketAddr,
    transport: Transport,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(transport);
        let mut app = app.clone();
        async move {
            let response = tower_service::Service::call(&mut app, request);
            Ok(match tokio::time::timeout(REQUEST_LIMIT, response).await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => (StatusCode::REQUEST_TIMEOUT, "Request took too long.\n").into_response(),
            })
        }
    })
}

/// Tells a connection that found no room why, in one write that never
/// waits, and closes it.
fn turn_away(stream: &TcpStream, full: Full) {
    let answer: &[u8] = match full {
        Full::Overall => b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 34\r\nConnection: close\r\n\r\nThe box is busy. Try again soon.\r\n",
        Full::Source => b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nContent-Length: 42\r\nConnection: close\r\n\r\nToo many connections from your address.\r\n",
    };
    let _ = stream.try_write(answer);
}

/// Counts refused connections and logs them at most once per
/// [`REFUSAL_LOG_EVERY`], so a flood cannot flood the journal too.
#[derive(Default)]
struct RefusalLog {
    since_last: u64,
    last: Option<Instant>,
}

impl RefusalLog {
    fn note(&mut self, full: Full, open: usize) {
        self.since_last += 1;
        let now = Instant::now();
        if self
            .last
            .is_none_or(|t| now.duration_since(t) >= REFUSAL_LOG_EVERY)
        {
            tracing::warn!(
                refused = self.since_last,
                latest = ?full,
                open,
                "connections refused: the box is at its connection limit"
            );
            self.since_last = 0;
            self.last = Some(now);
        }
    }
}
