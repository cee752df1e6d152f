//! Short-lived credentials for the family's TURN server (coturn's TURN REST
//! scheme: username `"<expiry>:<tag>"`, password `base64(HMAC-SHA1(secret, username))`).
//!
//! Owns the arithmetic only: the device hands the caller one pair in its
//! welcome and gives the media engine another for the box's own side.

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

    /// The entry for the page's `RTCConfiguration.iceServers`.
    pub fn ice_server(&self, config: &TurnConfig) -> IceServer {
        IceServer {
            urls: vec![
                format!("stun:{}", config.server),
                format!("turn:{}?transport=udp", config.server),
                format!("turn:{}?transport=tcp", config.server),
            ],
            username: Some(self.username.clone()),
            credential: Some(self.password.clone()),
        }
    }

    /// The `turn-server` URL webrtcbin wants, user and password percent-encoded.
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
}
