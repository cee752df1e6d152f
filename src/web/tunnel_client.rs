//! The box's end of its relay tunnel: one outbound WebSocket to the relay it
//! is paired with (`wss://relay/tunnel`), kept open, reopened after any loss
//! with a growing, jittered pause, and carrying relatives' signalling.
//!
//! Owns [`RelayLink`] — the pairing (kept by `relay::PairingStore`), the
//! tunnel's state for the admin (connected since, last error) and where links
//! point — and [`keep_connected`], the task that holds the tunnel. Each caller
//! the relay announces is served by `signal::tunnelled`, with the same
//! limits and protocol as a caller on the home network. No port forward is
//! needed: the box only ever connects out.

use crate::sync::lock;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::Message;
use futures::{SinkExt, StreamExt};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::AppState;
use crate::clock::unix_now;
use crate::relay::{PairingCode, PairingStore};
use crate::tunnel::{TunnelFrame, TUNNEL_VERSION};

/// The first pause after a lost tunnel, and the longest.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// How long connecting (TCP, TLS, upgrade) may take.
const CONNECT_LIMIT: Duration = Duration::from_secs(15);
/// How often the box pings the relay, and how long silence means it is gone.
const PING_EVERY: Duration = Duration::from_secs(15);
const SILENCE_LIMIT: Duration = Duration::from_secs(45);

/// The tunnel as the admin sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TunnelStatus {
    /// Unix time the tunnel came up; `None` while it is down.
    pub connected_since: Option<u64>,
    /// Why it last failed or closed, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<u64>,
}

/// The box's pairing with a relay; cheap to clone.
#[derive(Clone)]
pub struct RelayLink {
    inner: Arc<Inner>,
}

struct Inner {
    store: PairingStore,
    code: watch::Sender<Option<PairingCode>>,
    status: Mutex<TunnelStatus>,
    roots: Arc<rustls::RootCertStore>,
}

impl RelayLink {
    /// The pairing kept under `state_dir`; the relay's certificate must chain
    /// to a built-in root or to `extra_root` (a PEM file) when given.
    pub fn open(state_dir: &Path, extra_root: Option<&Path>) -> Result<Self, String> {
        let store = PairingStore::open(state_dir);
        let code = store.load().map_err(|e| e.to_string())?;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = extra_root {
            let pem =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("{}: {e}", path.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                code: watch::Sender::new(code),
                status: Mutex::default(),
                roots: Arc::new(roots),
            }),
        })
    }

    /// The relay this box is paired with.
    pub fn code(&self) -> Option<PairingCode> {
        self.inner.code.borrow().clone()
    }

    /// Pairs the box with `code`'s relay (replacing any other), or unpairs
    /// it (`None`); the tunnel follows at once. Blocking: writes a file.
    pub fn set(&self, code: Option<PairingCode>) -> Result<(), crate::store::StoreError> {
        self.inner.store.save(code.as_ref())?;
        *self.status() = TunnelStatus::default();
        self.inner.code.send_replace(code);
        Ok(())
    }

    /// Where new links point: the relay's address for this box, when paired.
    pub fn link_base(&self) -> Option<String> {
        self.code()
            .map(|c| format!("{}/b/{}", c.relay_url, c.box_id))
    }

    /// The tunnel's state now.
    pub fn tunnel_status(&self) -> TunnelStatus {
        self.status().clone()
    }

    fn status(&self) -> MutexGuard<'_, TunnelStatus> {
        lock(&self.inner.status)
    }

    fn connected(&self) {
        let mut status = self.status();
        status.connected_since = Some(unix_now());
    }

    fn lost(&self, why: String) {
        let mut status = self.status();
        status.connected_since = None;
        status.last_error = Some(why);
        status.last_error_at = Some(unix_now());
    }
}

/// Holds the tunnel for as long as the box runs: waits while unpaired,
/// connects, serves callers, and after any loss pauses (1 s, doubling to a
/// minute, each ±30 %) and connects again — at once when the pairing changes.
pub async fn keep_connected(link: RelayLink, state: AppState) {
    let mut pairing = link.inner.code.subscribe();
    let mut pause = FIRST_PAUSE;
    loop {
        let Some(code) = pairing.borrow_and_update().clone() else {
            state.device.relay_tunnel(None).await;
            if pairing.changed().await.is_err() {
                return;
            }
            continue;
        };
        let outcome = tokio::select! {
            outcome = hold(&code, &link, &state, &mut pause) => outcome,
            _ = pairing.changed() => {
                pause = FIRST_PAUSE;
                continue;
            }
        };
        let wait = jittered(pause);
        tracing::warn!(relay = %code.relay_url, why = %outcome.detail, retry_ms = wait.as_millis() as u64, "relay tunnel down");
        link.lost(outcome.said);
        state.device.relay_tunnel(Some(false)).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = pairing.changed() => pause = FIRST_PAUSE,
        }
    }
}

/// Why the tunnel is down: a sentence for the family's admin, and the
/// details for the log.
struct Lost {
    said: String,
    detail: String,
}

impl Lost {
    fn new(said: &str, detail: impl std::fmt::Display) -> Self {
        Self {
            said: said.to_owned(),
            detail: detail.to_string(),
        }
    }
}

/// Connects and serves the tunnel until it ends; says why it ended.
async fn hold(
    code: &PairingCode,
    link: &RelayLink,
    state: &AppState,
    pause: &mut Duration,
) -> Lost {
    let socket = match tokio::time::timeout(CONNECT_LIMIT, connect(code, &link.inner.roots)).await {
        Ok(Ok(socket)) => socket,
        Ok(Err(lost)) => return lost,
        Err(_) => {
            return Lost::new(
                "The relay did not answer.",
                format!("no answer from {} within {CONNECT_LIMIT:?}", code.relay_url),
            )
        }
    };
    tracing::info!(relay = %code.relay_url, box_id = %code.box_id, "relay tunnel up");
    link.connected();
    state.device.relay_tunnel(Some(true)).await;
    *pause = FIRST_PAUSE;
    serve(socket, state).await
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

type Socket = tokio_tungstenite::WebSocketStream<Box<dyn Io>>;

/// TCP, TLS (for https relays) and the authenticated upgrade.
async fn connect(code: &PairingCode, roots: &Arc<rustls::RootCertStore>) -> Result<Socket, Lost> {
    let bad_address = |e: String| {
        Lost::new(
            "The relay's address in the pairing code is not usable: pair again.",
            e,
        )
    };
    let (secure, rest) = match code.relay_url.split_once("://") {
        Some(("https", rest)) => (true, rest),
        Some(("http", rest)) => (false, rest),
        _ => {
            return Err(bad_address(format!(
                "{} is not an http(s) address",
                code.relay_url
            )))
        }
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = split_authority(authority, if secure { 443 } else { 80 })
        .ok_or_else(|| bad_address(format!("{} has no host", code.relay_url)))?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| {
            Lost::new(
                "The relay cannot be reached (is the box online, is the relay running?).",
                format!("cannot reach {authority}: {e}"),
            )
        })?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Io> = if secure {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Lost::new("The box cannot set up TLS.", e))?
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        let name =
            ServerName::try_from(host.clone()).map_err(|e| bad_address(format!("{host}: {e}")))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| {
                let said = if e.to_string().contains("certificate") {
                    "The relay's certificate is not trusted (is its name right, is it valid?)."
                } else {
                    "The secure connection to the relay failed."
                };
                Lost::new(said, format!("TLS with {authority} failed: {e}"))
            })?;
        Box::new(tls)
    } else if host_is_loopback(&host) {
        Box::new(tcp)
    } else {
        return Err(bad_address(
            "a relay off this machine must use https://".into(),
        ));
    };
    let scheme = if secure { "wss" } else { "ws" };
    let mut request = format!("{scheme}://{authority}/tunnel")
        .into_client_request()
        .map_err(|e| bad_address(e.to_string()))?;
    let headers = request.headers_mut();
    headers.insert(
        "authorization",
        code.bearer()
            .parse()
            .map_err(|_| bad_address("the key is not a header".to_owned()))?,
    );
    headers.insert("x-homecall-tunnel", TUNNEL_VERSION.into());
    let (socket, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 401 => Lost::new(
                "The relay does not know this box any more: make a new pairing code on the relay and paste it here.",
                "401 from the relay",
            ),
            e => Lost::new("The relay refused the connection.", e),
        })?;
    Ok(socket)
}

/// Pumps frames between the relay and the callers until the tunnel ends.
async fn serve(socket: Socket, state: &AppState) -> Lost {
    let lost = |detail: String| Lost::new("The connection to the relay was lost.", detail);
    let (mut tx, mut rx) = socket.split();
    let (to_relay, mut outgoing) = mpsc::channel::<TunnelFrame>(256);
    let mut callers: HashMap<u64, mpsc::Sender<Message>> = HashMap::new();
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            frame = outgoing.recv() => {
                let Some(frame) = frame else { return lost("the box stopped".into()) };
                if let TunnelFrame::Close { caller, .. } = &frame {
                    callers.remove(caller);
                }
                let Ok(text) = serde_json::to_string(&frame) else { continue };
                if let Err(e) = tx.send(WsMessage::text(text)).await {
                    return lost(format!("cannot write to the relay: {e}"));
                }
            }
            incoming = rx.next() => {
                last_heard = tokio::time::Instant::now();
                let text = match incoming {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Close(_))) | None => return lost("the relay closed the tunnel".into()),
                    Some(Err(e)) => return lost(format!("the tunnel broke: {e}")),
                    Some(Ok(_)) => continue,
                };
                match serde_json::from_str::<TunnelFrame>(&text) {
                    Ok(TunnelFrame::Open { caller, source }) => {
                        let (to_caller, from_caller) = mpsc::channel(64);
                        let weak = to_caller.downgrade();
                        callers.insert(caller, to_caller);
                        tokio::spawn(super::signal::tunnelled(
                            state.clone(),
                            caller,
                            source,
                            from_caller,
                            weak,
                            to_relay.clone(),
                        ));
                    }
                    Ok(TunnelFrame::Data { caller, text }) => {
                        let full = callers
                            .get(&caller)
                            .is_some_and(|q| q.try_send(Message::Text(text.into())).is_err());
                        if full {
                            // Not reading: its socket ends, and so does its call.
                            callers.remove(&caller);
                        }
                    }
                    Ok(TunnelFrame::Close { caller, .. }) => {
                        callers.remove(&caller);
                    }
                    Err(e) => tracing::warn!(error = %e, "relay frame not understood"),
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    return lost("the relay went silent".into());
                }
                if let Err(e) = tx.send(WsMessage::Ping(Default::default())).await {
                    return lost(format!("cannot write to the relay: {e}"));
                }
            }
        }
    }
}

/// `host[:port]` (IPv6 in brackets) with `default_port`.
fn split_authority(authority: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        return Some((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None if !authority.is_empty() => Some((authority.to_owned(), default_port)),
        None => None,
    }
}

fn host_is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `pause` ± 30 %, so boxes that lost one relay together do not return together.
fn jittered(pause: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let unit = match getrandom::fill(&mut byte) {
        Ok(()) => f64::from(byte[0]) / 255.0,
        Err(_) => 0.5,
    };
    pause.mul_f64(0.7 + 0.6 * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(
            split_authority("relay.example.org", 443),
            Some(("relay.example.org".into(), 443))
        );
        assert_eq!(
            split_authority("relay.example.org:8443", 443),
            Some(("relay.example.org".into(), 8443))
        );
        assert_eq!(
            split_authority("[2001:db8::1]:9", 443),
            Some(("2001:db8::1".into(), 9))
        );
        assert_eq!(
            split_authority("[2001:db8::1]", 443),
            Some(("2001:db8::1".into(), 443))
        );
        assert_eq!(split_authority("", 443), None);
        assert_eq!(split_authority("h:port", 443), None);
    }

    #[test]
    fn pauses_are_jittered_within_thirty_percent() {
        for _ in 0..100 {
            let p = jittered(Duration::from_secs(10));
            assert!(
                p >= Duration::from_secs(7) && p <= Duration::from_secs(13),
                "{p:?}"
            );
        }
    }
}
