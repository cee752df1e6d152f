//! The tunnel between a box and its relay: wire types only, version 1.
//!
//! A box behind a home router (even carrier-grade NAT) opens one WebSocket
//! to its relay (`wss://relay/tunnel`) and keeps it open; the relay passes
//! each caller's signalling through it. Every frame is a JSON object tagged by
//! `"type"`, camelCase, pinned by the tests below. Callers are numbered by the
//! relay; what a caller and the box say to each other (the `protocol`
//! messages) travels as text, untouched and unread by the relay.
//!
//! ```text
//! relay                                          box
//!  │── open {caller, source} ───────────────────►│  a browser opened /b/<box>/signal
//!  │── data {caller, text} ─────────────────────►│  what the caller sent
//!  │◄─ data {caller, text} ──────────────────────│  what the box sends the caller
//!  │◄─ close {caller, code, reason} ─────────────│  the box closes that caller's socket
//!  │── close {caller} ──────────────────────────►│  the caller went away
//! ```
//! The box authenticates with `Authorization: Bearer <box id>.<key>` on the
//! upgrade; the relay keeps only the key's SHA-256.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The tunnel protocol this build speaks (sent as `x-homecall-tunnel` on the upgrade).
pub const TUNNEL_VERSION: u32 = 1;

/// One frame on the tunnel, either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum TunnelFrame {
    /// Relay → box: a caller opened a signalling socket for this box;
    /// `source` is its address as the relay saw it (for the box's limits).
    Open { caller: u64, source: IpAddr },
    /// Either way: one signalling message of a caller's, as text.
    Data { caller: u64, text: String },
    /// Either way: the caller's socket is closed (by the box: with a close
    /// code and reason for the caller).
    Close {
        caller: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pinned(frame: TunnelFrame, raw: serde_json::Value) {
        assert_eq!(serde_json::to_value(&frame).expect("serialises"), raw);
        let back: TunnelFrame = serde_json::from_value(raw).expect("parses");
        assert_eq!(back, frame);
    }

    #[test]
    fn frames_are_pinned() {
        pinned(
            TunnelFrame::Open {
                caller: 7,
                source: "198.51.100.4".parse().expect("address"),
            },
            json!({"type": "open", "caller": 7, "source": "198.51.100.4"}),
        );
        pinned(
            TunnelFrame::Data {
                caller: 7,
                text: r#"{"type":"hangUp"}"#.into(),
            },
            json!({"type": "data", "caller": 7, "text": "{\"type\":\"hangUp\"}"}),
        );
        pinned(
            TunnelFrame::Close {
                caller: 7,
                code: Some(1008),
                reason: Some("too many messages".into()),
            },
            json!({"type": "close", "caller": 7, "code": 1008, "reason": "too many messages"}),
        );
        pinned(
            TunnelFrame::Close {
                caller: 7,
                code: None,
                reason: None,
            },
            json!({"type": "close", "caller": 7}),
        );
    }

    #[test]
    fn unknown_frames_are_refused() {
        for raw in [
            json!({"type": "open", "caller": 1}),
            json!({"type": "data", "caller": 1, "text": "x", "extra": 1}),
            json!({"type": "shout", "caller": 1}),
            json!({"type": "data", "caller": -1, "text": "x"}),
        ] {
            assert!(
                serde_json::from_value::<TunnelFrame>(raw.clone()).is_err(),
                "{raw}"
            );
        }
    }
}
