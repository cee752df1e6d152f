//! The network check's probes: STUN and TURN exchanges over tokio UDP.
//!
//! Owns the conversation with one server: resolving its name, one UDP
//! socket per probe (connected, so an ICMP "port unreachable" comes back as
//! an error instead of silence), retransmissions (RFC 5389 section 7.2.1,
//! shortened to fit a few seconds) and a deadline, and the TURN dance:
//! Allocate, 401 with realm and nonce, Allocate again with
//! MESSAGE-INTEGRITY, then Refresh with LIFETIME 0 to free the relay at once.
//! Every failure becomes a [`ProbeError`] that says what happened in words.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::stun::{self, attr, Class, Method, Request, TransactionId};

/// The first retransmission; then twice as long each time, at most [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(250);
const MAX_WAIT: Duration = Duration::from_secs(1);
/// How long freeing the allocation may take after it was made.
const FREE_LIMIT: Duration = Duration::from_secs(2);
/// Larger than any answer the check asks for.
const DATAGRAM: usize = 2048;

/// Why a probe gave no answer worth having.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot find the server {server}: {reason}")]
    Resolve { server: String, reason: String },
    #[error("cannot use a UDP socket: {0}")]
    Socket(String),
    #[error(
        "no answer from {server} within {} s over UDP: is the server running, \
         and do firewalls let UDP port {} through?",
        secs(*.waited),
        .server.port()
    )]
    NoAnswer {
        server: SocketAddr,
        waited: Duration,
    },
    #[error("nothing listens at {0} over UDP (the port is closed: connection refused)")]
    PortClosed(SocketAddr),
    #[error("{}", refusal(*.code, .reason))]
    Refused { code: u16, reason: String },
    #[error("the server's answer cannot be used: {0}")]
    BadAnswer(String),
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

/// An error code from the server, with what it most likely means here.
fn refusal(code: u16, reason: &str) -> String {
    let meaning = match code {
        401 => {
            "it refused the credentials: check that [turn] secret is the server's \
             static-auth-secret (use-auth-secret), and that the box's clock is right \
             (the credentials carry their expiry time)"
        }
        403 => "it forbids this (a denied address, or a quota)",
        437 => "allocation mismatch: this address already has an allocation",
        438 => "it kept saying the nonce is stale",
        441 => "wrong credentials for this allocation",
        442 => "it does not relay UDP",
        486 => "this user has too many relays (user-quota)",
        508 => "it is full (total-quota, or no free relay port)",
        _ => "an error the check does not know",
    };
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(" {reason}")
    };
    format!("the TURN server answered {code}{reason}: {meaning}")
}

/// A relay the server made (and freed again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The relayed transport address: where peers would send.
    pub relayed: SocketAddr,
    /// Where the server saw the box come from (XOR-MAPPED-ADDRESS).
    pub mapped: Option<SocketAddr>,
    /// The lifetime the server granted, in seconds.
    pub lifetime: Option<u32>,
    /// Whether Refresh with LIFETIME 0 freed it.
    pub freed: Result<(), ProbeError>,
}

/// `host:port` → one address to probe (IPv4 first: it is what most home
/// networks route), within `limit`. Resolution runs on tokio's blocking pool.
pub async fn resolve(server: &str, limit: Duration) -> Result<SocketAddr, ProbeError> {
    let failed = |reason: String| ProbeError::Resolve {
        server: server.to_owned(),
        reason,
    };
    let found: Vec<SocketAddr> = tokio::time::timeout(limit, tokio::net::lookup_host(server))
        .await
        .map_err(|_| failed(format!("no answer from DNS within {} s", secs(limit))))?
        .map_err(|e| failed(e.to_string()))?
        .collect();
    found
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| found.first())
        .copied()
        .ok_or_else(|| failed("no address".into()))
}

/// A STUN Binding request: where the server sees this box come from.
pub async fn binding(server: SocketAddr, limit: Duration) -> Result<SocketAddr, ProbeError> {
    let deadline = Instant::now() + limit;
    let socket = connect(server).await?;
    let transaction = transaction_id()?;
    let request = Request::new(Method::Binding, transaction).encode(None, true);
    let answer = exchange(&socket, server, &request, transaction, deadline).await?;
    match answer.class {
        Class::Success => answer
            .xor_address(attr::XOR_MAPPED_ADDRESS)
            .or_else(|| answer.mapped_address())
            .ok_or_else(|| ProbeError::BadAnswer("no XOR-MAPPED-ADDRESS".into())),
        _ => Err(refused(&answer)),
    }
}

/// A TURN allocation with these long-term credentials, freed at once.
pub async fn allocate(
    server: SocketAddr,
    username: &str,
    password: &str,
    limit: Duration,
) -> Result<Allocation, ProbeError> {
    let deadline = Instant::now() + limit;
    let socket = connect(server).await?;
    let udp = (
        attr::REQUESTED_TRANSPORT,
        vec![stun::TRANSPORT_UDP, 0, 0, 0],
    );

    // The first request carries no credentials; the server answers 401 with
    // its realm and a nonce (RFC 5766 section 6.1, RFC 5389 section 10.2).
    let transaction = transaction_id()?;
    let request = Request::new(Method::Allocate, transaction)
        .with(udp.0, udp.1.clone())
        .encode(None, true);
    let answer = exchange(&socket, server, &request, transaction, deadline).await?;
    let mut auth = match answer.class {
        Class::Success => {
            // A server that asks for no credentials (coturn's no-auth).
            let mut made = allocation(&answer)?;
            made.freed = free(&socket, server, None).await;
            return Ok(made);
        }
        _ => {
            let error = answer.error_code();
            if error.as_ref().map(|e| e.code) != Some(401) {
                return Err(refused(&answer));
            }
            Auth::new(username, password, &answer)?
        }
    };
    let answer = authenticated(
        &socket,
        server,
        Method::Allocate,
        &[udp],
        &mut auth,
        deadline,
    )
    .await?;
    let mut made = allocation(&answer)?;
    made.freed = free(&socket, server, Some(&mut auth)).await;
    Ok(made)
}

/// What a successful Allocate says (its `freed` to be filled in).
fn allocation(answer: &stun::Message) -> Result<Allocation, ProbeError> {
    let relayed = answer
        .xor_address(attr::XOR_RELAYED_ADDRESS)
        .ok_or_else(|| ProbeError::BadAnswer("no XOR-RELAYED-ADDRESS".into()))?;
    Ok(Allocation {
        relayed,
        mapped: answer.xor_address(attr::XOR_MAPPED_ADDRESS),
        lifetime: answer.lifetime(),
        freed: Ok(()),
    })
}

/// Refresh with LIFETIME 0: the server drops the relay now rather than in
/// ten minutes (RFC 5766 section 7).
async fn free(
    socket: &UdpSocket,
    server: SocketAddr,
    auth: Option<&mut Auth>,
) -> Result<(), ProbeError> {
    let lifetime = (attr::LIFETIME, 0u32.to_be_bytes().to_vec());
    let deadline = Instant::now() + FREE_LIMIT;
    match auth {
        Some(auth) => authenticated(socket, server, Method::Refresh, &[lifetime], auth, deadline)
            .await
            .map(drop),
        None => {
            let transaction = transaction_id()?;
            let request = Request::new(Method::Refresh, transaction)
                .with(lifetime.0, lifetime.1)
                .encode(None, true);
            let answer = exchange(socket, server, &request, transaction, deadline).await?;
            match answer.class {
                Class::Success => Ok(()),
                _ => Err(refused(&answer)),
            }
        }
    }
}

/// Long-term credentials and what the server last said of them.
struct Auth {
    username: String,
    password: String,
    realm: String,
    nonce: String,
    key: [u8; 16],
}

impl Auth {
    /// From a 401 (or 438) that names the realm and a nonce.
    fn new(username: &str, password: &str, answer: &stun::Message) -> Result<Self, ProbeError> {
        let mut auth = Self {
            username: username.to_owned(),
            password: password.to_owned(),
            realm: String::new(),
            nonce: String::new(),
            key: [0; 16],
        };
        auth.update(answer)?;
        Ok(auth)
    }

    fn update(&mut self, answer: &stun::Message) -> Result<(), ProbeError> {
        let missing = |what: &str| ProbeError::BadAnswer(format!("a 401 without {what}"));
        if let Some(realm) = answer.text(attr::REALM) {
            self.realm = realm.to_owned();
        }
        if self.realm.is_empty() {
            return Err(missing("REALM"));
        }
        self.nonce = answer
            .text(attr::NONCE)
            .ok_or_else(|| missing("NONCE"))?
            .to_owned();
        self.key = stun::long_term_key(&self.username, &self.realm, &self.password);
        Ok(())
    }
}

/// A request with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; a stale
/// nonce (438) is replaced once.
async fn authenticated(
    socket: &UdpSocket,
    server: SocketAddr,
    method: Method,
    attributes: &[(u16, Vec<u8>)],
    auth: &mut Auth,
    deadline: Instant,
) -> Result<stun::Message, ProbeError> {
    for attempt in 0..2 {
        let transaction = transaction_id()?;
        let mut request = Request::new(method, transaction);
        for (kind, value) in attributes {
            request = request.with(*kind, value.clone());
        }
        let request = request
            .with(attr::USERNAME, auth.username.as_bytes())
            .with(attr::REALM, auth.realm.as_bytes())
            .with(attr::NONCE, auth.nonce.as_bytes())
            .encode(Some(&auth.key), true);
        let answer = exchange(socket, server, &request, transaction, deadline).await?;
        match answer.class {
            Class::Success => {
                if answer.integrity_ok(&auth.key) == Some(false) {
                    return Err(ProbeError::BadAnswer(
                        "its MESSAGE-INTEGRITY does not match our credentials".into(),
                    ));
                }
                return Ok(answer);
            }
            _ if attempt == 0 && answer.error_code().is_some_and(|e| e.code == 438) => {
                auth.update(&answer)?;
            }
            _ => return Err(refused(&answer)),
        }
    }
    Err(ProbeError::Refused {
        code: 438,
        reason: "Stale Nonce".into(),
    })
}

fn refused(answer: &stun::Message) -> ProbeError {
    match answer.error_code() {
        Some(e) => ProbeError::Refused {
            code: e.code,
            reason: e.reason,
        },
        None => ProbeError::BadAnswer("an error answer without ERROR-CODE".into()),
    }
}

async fn connect(server: SocketAddr) -> Result<UdpSocket, ProbeError> {
    let any: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(any)
        .await
        .map_err(|e| ProbeError::Socket(e.to_string()))?;
    socket
        .connect(server)
        .await
        .map_err(|e| ProbeError::Socket(format!("{server}: {e}")))?;
    Ok(socket)
}

fn transaction_id() -> Result<TransactionId, ProbeError> {
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).map_err(|e| ProbeError::Socket(format!("no randomness: {e}")))?;
    Ok(id)
}

/// Sends `request` until an answer to `transaction` arrives or `deadline`
/// passes; datagrams that are not that answer are ignored.
async fn exchange(
    socket: &UdpSocket,
    server: SocketAddr,
    request: &[u8],
    transaction: TransactionId,
    deadline: Instant,
) -> Result<stun::Message, ProbeError> {
    let started = Instant::now();
    let socket_error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => ProbeError::PortClosed(server),
        _ => ProbeError::Socket(e.to_string()),
    };
    let mut wait = FIRST_WAIT;
    let mut buffer = vec![0u8; DATAGRAM];
    while Instant::now() < deadline {
        socket.send(request).await.map_err(socket_error)?;
        let resend = (Instant::now() + wait).min(deadline);
        wait = (wait * 2).min(MAX_WAIT);
        while let Ok(received) = tokio::time::timeout_at(resend, socket.recv(&mut buffer)).await {
            let n = received.map_err(socket_error)?;
            let Ok(answer) = stun::decode(&buffer[..n]) else {
                continue;
            };
            let answers_it = answer.transaction == transaction
                && matches!(answer.class, Class::Success | Class::Error)
                && answer.fingerprint_ok() != Some(false);
            if answers_it {
                return Ok(answer);
            }
        }
    }
    // Said to a tenth of a second: "within 3 s", not "within 2.9998 s".
    let waited = deadline.saturating_duration_since(started).as_millis() as u64;
    Err(ProbeError::NoAnswer {
        server,
        waited: Duration::from_millis((waited + 50) / 100 * 100),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake server on loopback that answers each request with `reply`.
    async fn fake_server(
        reply: impl Fn(&stun::Message) -> Option<Vec<u8>> + Send + 'static,
    ) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let address = socket.local_addr().expect("address");
        tokio::spawn(async move {
            let mut buffer = [0u8; DATAGRAM];
            while let Ok((n, from)) = socket.recv_from(&mut buffer).await {
                let Ok(request) = stun::decode(&buffer[..n]) else {
                    continue;
                };
                if let Some(bytes) = reply(&request) {
                    let _ = socket.send_to(&bytes, from).await;
                }
            }
        });
        address
    }

    /// An answer to `request` of `class` with `attributes` (raw values).
    fn answer(request: &stun::Message, class: Class, attributes: &[(u16, &[u8])]) -> Vec<u8> {
        let method = request.method().expect("a known method");
        let mut bytes = Request::new(method, request.transaction);
        for (kind, value) in attributes {
            bytes = bytes.with(*kind, value.to_vec());
        }
        let mut bytes = bytes.encode(None, false);
        // Turn the request's type into the answer's class.
        let class_bits: u16 = match class {
            Class::Success => 0x0100,
            Class::Error => 0x0110,
            _ => 0,
        };
        let t = u16::from_be_bytes([bytes[0], bytes[1]]) | class_bits;
        bytes[..2].copy_from_slice(&t.to_be_bytes());
        bytes
    }

    fn xor_address(address: SocketAddr, transaction: TransactionId) -> Vec<u8> {
        let SocketAddr::V4(v4) = address else {
            unreachable!("tests use IPv4")
        };
        let mut mask = stun::MAGIC_COOKIE.to_be_bytes().to_vec();
        mask.extend_from_slice(&transaction);
        let port = (v4.port() ^ 0x2112).to_be_bytes();
        let ip = v4.ip().octets();
        vec![
            0,
            1,
            port[0],
            port[1],
            ip[0] ^ mask[0],
            ip[1] ^ mask[1],
            ip[2] ^ mask[2],
            ip[3] ^ mask[3],
        ]
    }

    #[tokio::test]
    async fn silence_is_reported_with_the_time_waited() {
        // Bound, never answering.
        let silent = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let server = silent.local_addr().expect("address");
        let started = std::time::Instant::now();
        let e = binding(server, Duration::from_millis(600))
            .await
            .expect_err("no answer");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            e,
            ProbeError::NoAnswer {
                server,
                waited: Duration::from_millis(600)
            }
        );
        assert!(
            e.to_string()
                .starts_with(&format!("no answer from {server} within 0.6 s over UDP")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_said_at_once() {
        let closed = {
            let s = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
            s.local_addr().expect("address")
        };
        let started = std::time::Instant::now();
        let e = binding(closed, Duration::from_secs(5))
            .await
            .expect_err("closed");
        assert_eq!(e, ProbeError::PortClosed(closed));
        assert!(started.elapsed() < Duration::from_secs(2), "{e}");
    }

    #[tokio::test]
    async fn binding_reads_the_mapped_address() {
        let server = fake_server(|request| {
            let mapped = xor_address("203.0.113.7:40000".parse().ok()?, request.transaction);
            Some(answer(
                request,
                Class::Success,
                &[(attr::XOR_MAPPED_ADDRESS, &mapped)],
            ))
        })
        .await;
        let mapped = binding(server, Duration::from_secs(2))
            .await
            .expect("mapped");
        assert_eq!(mapped, "203.0.113.7:40000".parse().expect("address"));
    }

    #[tokio::test]
    async fn allocate_authenticates_renews_a_stale_nonce_and_frees_the_relay() {
        use std::sync::{Arc, Mutex};
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let log = seen.clone();
        let key = stun::long_term_key("1:check", "homecall.test", "pw");
        let server = fake_server(move |request| {
            let method = request.method()?;
            let nonce = request.text(attr::NONCE).map(str::to_owned);
            let signed = request.integrity_ok(&key);
            log.lock()
                .expect("log")
                .push(format!("{method:?} {nonce:?} {signed:?}"));
            let challenge = |nonce: &[u8], code: &[u8]| {
                answer(
                    request,
                    Class::Error,
                    &[
                        (attr::ERROR_CODE, code),
                        (attr::REALM, b"homecall.test"),
                        (attr::NONCE, nonce),
                    ],
                )
            };
            Some(match (method, nonce.as_deref(), signed) {
                (_, None, _) => challenge(b"first", b"\0\0\x04\x01Unauthorized"),
                (_, Some("first"), Some(true)) => challenge(b"second", b"\0\0\x04\x26Stale Nonce"),
                (Method::Allocate, Some("second"), Some(true)) => {
                    let relayed = xor_address("127.0.0.1:49170".parse().ok()?, request.transaction);
                    answer(
                        request,
                        Class::Success,
                        &[(attr::XOR_RELAYED_ADDRESS, &relayed)],
                    )
                }
                (Method::Refresh, Some("second"), Some(true)) if request.lifetime() == Some(0) => {
                    answer(request, Class::Success, &[])
                }
                _ => challenge(b"first", b"\0\0\x04\x01Unauthorized"),
            })
        })
        .await;
        let allocation = allocate(server, "1:check", "pw", Duration::from_secs(2))
            .await
            .expect("an allocation");
        assert_eq!(
            allocation.relayed,
            "127.0.0.1:49170".parse().expect("address")
        );
        assert_eq!(allocation.freed, Ok(()));
        assert_eq!(
            *seen.lock().expect("log"),
            [
                "Allocate None None",
                "Allocate Some(\"first\") Some(true)",
                "Allocate Some(\"second\") Some(true)",
                "Refresh Some(\"second\") Some(true)",
            ]
        );
    }

    #[tokio::test]
    async fn refusals_say_the_code_and_what_it_means() {
        let server = fake_server(|request| {
            Some(answer(
                request,
                Class::Error,
                &[(attr::ERROR_CODE, b"\0\0\x04\x03Forbidden IP")],
            ))
        })
        .await;
        let e = allocate(server, "1:check", "pw", Duration::from_secs(2))
            .await
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "the TURN server answered 403 Forbidden IP: it forbids this (a denied address, or a quota)"
        );
    }

    #[test]
    fn wrong_secret_reads_clearly() {
        let e = ProbeError::Refused {
            code: 401,
            reason: "Unauthorized".into(),
        };
        assert!(e
            .to_string()
            .starts_with("the TURN server answered 401 Unauthorized: it refused the credentials"));
    }
}
