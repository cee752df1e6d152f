//! The admin's network check: does the family's TURN server answer, does it
//! give the box a relay with the credentials the box hands out, and which
//! public address does the world see the box at?
//!
//! Owns the check and its report (the JSON `GET /api/admin/network`
//! answers). [`stun`] encodes and decodes the messages; [`probe`] talks to
//! the server over tokio UDP with retransmissions and a deadline. It runs
//! only when the admin asks, one check at a time, never on a blocking
//! thread, and never logs a password. HTTP stays in `web::admin`.

pub mod probe;
pub mod stun;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::unix_now;
use crate::config::TurnConfig;
use crate::turn::TurnCredentials;

/// How long each probe may take (the TURN one then frees its relay, which
/// may take up to 2 s more).
pub const CHECK_LIMIT: Duration = Duration::from_secs(3);

/// What the check found, as the admin API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkReport {
    pub turn: TurnReport,
    /// The box's address as the TURN server sees it (STUN Binding's
    /// XOR-MAPPED-ADDRESS, without the port): the home's public address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_address: Option<String>,
    /// Why there is no public address, when a server was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_address_error: Option<String>,
    /// Unix seconds.
    pub checked_at: u64,
}

/// The TURN server, from the box's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnReport {
    /// Whether `[turn]` is in the configuration.
    pub configured: bool,
    /// The server gave the box a relay with its credentials.
    pub ok: bool,
    /// `host:port` as configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The relay it made (`address:port`), freed again at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relayed_address: Option<String>,
    /// What went wrong, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The check as the web server holds it: the TURN configuration, and a lock
/// so that one check runs at a time (a second request waits for the first).
#[derive(Debug)]
pub struct NetworkCheck {
    turn: Option<TurnConfig>,
    limit: Duration,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl NetworkCheck {
    pub fn new(turn: Option<TurnConfig>) -> Self {
        Self {
            turn,
            limit: CHECK_LIMIT,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs the check now.
    pub async fn run(&self) -> NetworkReport {
        let _only_me = self.one_at_a_time.lock().await;
        check(self.turn.as_ref(), self.limit).await
    }
}

/// Asks the TURN server for a relay (Allocate with fresh TURN REST
/// credentials, then Refresh to free it) and, at the same time, for the
/// box's public address (Binding); each within `limit`.
pub async fn check(turn: Option<&TurnConfig>, limit: Duration) -> NetworkReport {
    let checked_at = unix_now();
    let Some(turn) = turn else {
        return NetworkReport {
            turn: TurnReport {
                configured: false,
                ok: false,
                server: None,
                relayed_address: None,
                error: None,
            },
            public_address: None,
            public_address_error: None,
            checked_at,
        };
    };
    let failed = |error: String| NetworkReport {
        turn: TurnReport {
            configured: true,
            ok: false,
            server: Some(turn.server.clone()),
            relayed_address: None,
            error: Some(error.clone()),
        },
        public_address: None,
        public_address_error: Some(error),
        checked_at,
    };
    let server = match probe::resolve(&turn.server, limit).await {
        Ok(server) => server,
        Err(e) => {
            tracing::warn!(server = %turn.server, error = %e, "network check: TURN server not found");
            return failed(e.to_string());
        }
    };
    let credentials = TurnCredentials::issue(turn, "check", checked_at);
    let (allocation, public) = tokio::join!(
        probe::allocate(server, &credentials.username, &credentials.password, limit),
        probe::binding(server, limit),
    );
    let (ok, relayed_address, error) = match allocation {
        Ok(made) => {
            tracing::info!(
                server = %server,
                relayed = %made.relayed,
                lifetime = ?made.lifetime,
                "network check: TURN allocation made"
            );
            if let Err(e) = &made.freed {
                tracing::warn!(server = %server, error = %e, "network check: the relay was not freed (it expires by itself)");
            }
            (true, Some(made.relayed.to_string()), None)
        }
        Err(e) => {
            tracing::warn!(server = %server, error = %e, "network check: no TURN allocation");
            (false, None, Some(e.to_string()))
        }
    };
    let (public_address, public_address_error) = match public {
        Ok(mapped) => (Some(mapped.ip().to_string()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    NetworkReport {
        turn: TurnReport {
            configured: true,
            ok,
            server: Some(turn.server.clone()),
            relayed_address,
            error,
        },
        public_address,
        public_address_error,
        checked_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_working_server_reads_as_json() {
        let report = NetworkReport {
            turn: TurnReport {
                configured: true,
                ok: true,
                server: Some("turn.example.org:3478".into()),
                relayed_address: Some("203.0.113.9:49160".into()),
                error: None,
            },
            public_address: Some("198.51.100.4".into()),
            public_address_error: None,
            checked_at: 1_795_330_976,
        };
        let value = serde_json::to_value(&report).expect("JSON");
        assert_eq!(
            value,
            json!({
                "turn": {
                    "configured": true,
                    "ok": true,
                    "server": "turn.example.org:3478",
                    "relayedAddress": "203.0.113.9:49160"
                },
                "publicAddress": "198.51.100.4",
                "checkedAt": 1_795_330_976u64
            })
        );
        let back: NetworkReport = serde_json::from_value(value).expect("round trip");
        assert_eq!(back, report);
    }

    #[test]
    fn a_failure_and_no_turn_read_as_json() {
        let failed = r#"{"turn":{"configured":true,"ok":false,"server":"t:3478","error":"the TURN server answered 401 Unauthorized: it refused the credentials"},"publicAddressError":"no answer","checkedAt":5}"#;
        let report: NetworkReport = serde_json::from_str(failed).expect("parses");
        assert!(!report.turn.ok);
        assert_eq!(report.public_address, None);
        assert_eq!(serde_json::to_string(&report).expect("JSON"), failed);

        let none = r#"{"turn":{"configured":false,"ok":false},"checkedAt":7}"#;
        let report: NetworkReport = serde_json::from_str(none).expect("parses");
        assert!(!report.turn.configured);
        assert_eq!(serde_json::to_string(&report).expect("JSON"), none);
    }

    #[tokio::test]
    async fn no_turn_configured_asks_nobody() {
        let report = check(None, Duration::from_millis(10)).await;
        assert!(!report.turn.configured);
        assert!(!report.turn.ok);
        assert_eq!(report.public_address, None);
        assert_eq!(report.public_address_error, None);
        assert!(report.checked_at > 0);
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_said_for_both() {
        let closed = {
            let s = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("bind");
            s.local_addr().expect("address")
        };
        let turn = TurnConfig {
            server: closed.to_string(),
            secret: "s".into(),
            credential_ttl_secs: 60,
            tls_port: None,
            relay_only: false,
        };
        let report = check(Some(&turn), Duration::from_secs(2)).await;
        assert!(report.turn.configured);
        assert!(!report.turn.ok);
        assert_eq!(report.turn.server, Some(closed.to_string()));
        let expected = format!(
            "nothing listens at {closed} over UDP (the port is closed: connection refused)"
        );
        assert_eq!(report.turn.error.as_deref(), Some(expected.as_str()));
        assert_eq!(report.public_address_error, Some(expected));
    }
}
