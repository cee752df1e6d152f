//! Short-lived credentials for the family's TURN server (coturn's TURN REST
//! scheme: username `"<expiry>:<tag>"`, password `base64(HMAC-SHA1(secret, username))`).
//!
//! Owns the arithmetic and the URLs: the device hands the caller one pair in
//! its welcome (with the page's STUN/TURN URLs) and gives the media engine
//! another for the box's own side (webrtcbin's `turn-server` URL).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};

use crate::config::TurnConfig;
use crate::protocol::IceServer;

/// A username and password coturn accepts until `expiry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnCredentials {
    pub username: String,
    pub password: String,
}

impl TurnCredentials {
    /// Credentials valid for the configured time from `now` (unix seconds).
    pub fn issue(config: &TurnConfig, tag: &str, now: u64) -> Self {
        let username = format!("{}:{tag}", now + config.credential_ttl_secs);
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(config.secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(username.as_bytes());
        let password = STANDARD.encode(mac.finalize().into_bytes());
        Self { username, password }
    }

    /// The entry for the page's `RTCConfiguration.iceServers`: STUN, TURN
    /// over UDP and TCP, and TURN over TLS when the server has a TLS port
    /// (for networks that let only TLS out).
    pub fn ice_server(&self, config: &TurnConfig) -> IceServer {
        let mut urls = vec![
            format!("stun:{}", config.server),
            format!("turn:{}?transport=udp", config.server),
            format!("turn:{}?transport=tcp", config.server),
        ];
        if let Some(port) = config.tls_port {
            urls.push(format!("turns:{}:{port}?transport=tcp", config.host()));
        }
        IceServer {
            urls,
            username: Some(self.username.clone()),
            credential: Some(self.password.clone()),
        }
    }

    /// The `turn-server` URL webrtcbin wants, user and password percent-encoded.
    ///
    /// Always `turn://` (UDP and TCP, webrtcbin adds both when the URL names
    /// no transport), never `turns://`, even with a TLS port: GStreamer
    /// 1.22's webrtcbin maps `turns://` to libnice's TURN-TLS relay type, but
    /// libnice (0.1.21 in Debian 12) speaks no TLS in the RFC 5245 mode
    /// webrtcbin uses (its only "TLS" is a pseudo-SSL handshake for Google
    /// and Microsoft compatibility), so it would send plain TURN into the TLS
    /// port and fail. The box sits on a home network that lets UDP and TCP
    /// out; TLS is for callers behind stricter networks.
    pub fn webrtcbin_url(&self, config: &TurnConfig) -> String {
        format!(
            "turn://{}:{}@{}",
            percent_encode(&self.username),
            percent_encode(&self.password),
            config.server
        )
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TurnConfig {
        TurnConfig {
            server: "127.0.0.1:3478".into(),
            secret: "north".into(),
            credential_ttl_secs: 3600,
            tls_port: None,
            relay_only: false,
        }
    }

    #[test]
    fn credentials_follow_the_turn_rest_scheme() {
        let c = TurnCredentials::issue(&config(), "box", 1_000_000);
        assert_eq!(c.username, "1003600:box");
        // HMAC-SHA1("north", "1003600:box"), base64: computed independently with
        // `printf %s 1003600:box | openssl dgst -sha1 -hmac north -binary | base64`.
        assert_eq!(c.password, "iNd6rQywxwhyHUGj7CqQUMr3R5w=");
    }

    #[test]
    fn webrtcbin_url_is_percent_encoded() {
        let c = TurnCredentials {
            username: "1:box".into(),
            password: "a/b+c=".into(),
        };
        assert_eq!(
            c.webrtcbin_url(&config()),
            "turn://1%3Abox:a%2Fb%2Bc%3D@127.0.0.1:3478"
        );
        let server = c.ice_server(&config());
        assert_eq!(server.urls[1], "turn:127.0.0.1:3478?transport=udp");
    }

    #[test]
    fn the_page_gets_stun_udp_tcp_and_tls_when_there_is_a_tls_port() {
        let c = TurnCredentials {
            username: "1:caller".into(),
            password: "pw".into(),
        };
        assert_eq!(
            c.ice_server(&config()).urls,
            [
                "stun:127.0.0.1:3478",
                "turn:127.0.0.1:3478?transport=udp",
                "turn:127.0.0.1:3478?transport=tcp",
            ]
        );
        let tls = TurnConfig {
            server: "turn.example.org:3478".into(),
            tls_port: Some(5349),
            ..config()
        };
        let server = c.ice_server(&tls);
        assert_eq!(
            server.urls.last().map(String::as_str),
            Some("turns:turn.example.org:5349?transport=tcp")
        );
        assert_eq!(server.urls.len(), 4);
        assert_eq!(server.username.as_deref(), Some("1:caller"));
        assert_eq!(server.credential.as_deref(), Some("pw"));
        // The box's own side stays on UDP and TCP (see webrtcbin_url).
        assert!(c.webrtcbin_url(&tls).starts_with("turn://"));
    }
}
