//! The signalling wire protocol between the call page and the box, version 1.
//!
//! Owns only serde types: no sockets, no GStreamer. Every message is a JSON
//! object tagged by `"type"`; field names are camelCase. `web/protocol.js`
//! mirrors these types for the page, and the tests at the bottom pin the JSON.
//!
//! A call, as seen on the wire:
//! ```text
//! page                                   box
//!  │── hello {version, token, resume?} ──►│  link checked, caller admitted
//!  │◄── welcome {session, iceServers} ────│
//!  │◄── offer {sdp, mediaTry} ────────────│  the box offers what it sends
//!  │── answer {sdp, mediaTry} ───────────►│
//!  │◄─► ice {candidate, sdpMLineIndex} ◄─►│  trickled both ways (the page's
//!  │                                      │  name their mediaTry too)
//!  │── hangUp ───────────────────────────►│  or ◄── ended {reason}
//! ```
//! A call outlives its socket: a page whose socket drops (a reload, a
//! network loss) says `hello` again with `resume` and is welcomed back to
//! the same call (`resumed`), with a fresh offer unless `keepsMedia` (its
//! media connection still works). Any later `offer` replaces the media
//! connection: the box rebuilt its side, and numbers it (`mediaTry`, rising
//! while the box keeps the call; a call it restores after a restart counts
//! from 1 again, on a new socket). The page's answer and candidates name the
//! try they belong to, and go only on the socket its offer came on, so that
//! one still on its way when the box moved on to the next try is dropped,
//! not taken for the new one's (a page naming none speaks of the current
//! try). `leaving` (the page is closing or
//! reloading) shortens how long the box holds the call for it.
//! A refusal is one `error {code}` and the socket closes; the page turns the
//! code into a sentence in the caller's language.

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from the call page to the box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message on a socket: the link's token, and the session of a call
    /// this page had before a reload or network loss, to take it up again
    /// (`keepsMedia`: the page's media connection to that call still works).
    /// `ready: false`: the person has not pressed Call yet — the box admits
    /// the page (or says why not) but announces nothing until `ready`.
    #[serde(rename_all = "camelCase")]
    Hello {
        version: u32,
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        keeps_media: bool,
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        ready: bool,
    },
    /// The person pressed Call and the browser has answered the camera
    /// question: the box may ring now.
    Ready,
    /// What this page sends now: its camera (on, turned off, or none at
    /// all) and whether its microphone is on. The TV says so.
    Sending { camera: Camera, microphone: bool },
    /// The page's SDP answer to the box's offer of media try `mediaTry`.
    #[serde(rename_all = "camelCase")]
    Answer {
        sdp: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media_try: Option<u32>,
    },
    /// One ICE candidate gathered by the page for media try `mediaTry`.
    #[serde(rename_all = "camelCase")]
    Ice {
        candidate: String,
        sdp_m_line_index: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media_try: Option<u32>,
    },
    /// The caller hung up.
    HangUp,
    /// The page is being closed or reloaded (`pagehide`): it may not come back.
    Leaving,
    /// The browser cannot take the box's offer (no codec or transport in
    /// common, or no WebRTC at all): another try would not help.
    CannotCall,
    /// For another browser in a group call (`to`: its participant id): the
    /// box passes it on unread.
    ToPeer { to: String, signal: PeerSignal },
}

/// A message from the box to the call page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ServerMessage {
    /// The box is announcing the caller on the TV and answers in `seconds`.
    Ringing { seconds: u32 },
    /// The caller is admitted: the session id and the ICE servers to use.
    /// `resumed`: the call existed before this socket (see `Hello::resume`).
    /// `boxName`: whom the page calls ("Grandma"), when the family named the box.
    #[serde(rename_all = "camelCase")]
    Welcome {
        version: u32,
        session: String,
        ice_servers: Vec<IceServer>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        resumed: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        box_name: Option<String>,
    },
    /// The box's SDP offer for the call's media try number `mediaTry`.
    #[serde(rename_all = "camelCase")]
    Offer { sdp: String, media_try: u32 },
    /// Who else is in the call (group calls): this caller's participant id
    /// and the other browsers', with their links' labels. Sent whenever it
    /// changes; a browser connects to each other browser directly (mesh):
    /// the one with the smaller id offers.
    Participants {
        you: String,
        others: Vec<Participant>,
    },
    /// From another browser in the call (see `ClientMessage::ToPeer`).
    FromPeer { from: String, signal: PeerSignal },
    /// One ICE candidate gathered by the box.
    Ice(IceCandidate),
    /// The call is over, and why.
    Ended { reason: EndReason },
    /// The request was refused; the socket closes after this message.
    /// `until` ("HH:MM", box time) comes with `resting`.
    Error {
        code: ErrorCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
    },
}

/// A caller's camera, as its page reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Camera {
    On,
    /// The person turned it off.
    Off,
    /// The page has none (refused, missing, or busy elsewhere).
    None,
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

/// What browsers in a group call tell each other, through the box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum PeerSignal {
    Offer {
        sdp: String,
    },
    Answer {
        sdp: String,
    },
    Ice(IceCandidate),
    /// "Offer me a connection again" (from the browser that answers, after a
    /// reload or a failure).
    Restart,
}

/// Another browser in a group call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Participant {
    pub id: String,
    pub label: String,
}

/// An ICE candidate as `RTCIceCandidateInit` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IceCandidate {
    pub candidate: String,
    pub sdp_m_line_index: u32,
}

/// One entry of `RTCConfiguration.iceServers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EndReason {
    /// The box ended the call (it is shutting down or restarting).
    BoxShutdown,
    /// The media connection could not be made or kept.
    ConnectionFailed,
    /// Another page with this call's session took it over.
    TakenOver,
    /// The family revoked the link this call came through.
    LinkRevoked,
    /// The caller's browser and the box have no way to talk (it could not
    /// take the box's offer, or the box could not take its answer).
    Incompatible,
}

/// Why a request was refused. The page maps each code to a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The link is unknown.
    InvalidLink,
    /// The link was revoked, has expired, or was for one call and is used.
    LinkNoLongerValid,
    /// Quiet hours: the box takes calls again at `until` (see `Error::until`).
    Resting,
    /// The family turned automatic answering off.
    NotAnswering,
    /// The box already has as many participants as it allows.
    Busy,
    /// The page speaks a protocol version the box does not.
    UnsupportedVersion,
    /// A message could not be understood or came at the wrong time.
    BadMessage,
    /// The box cannot take calls right now (its camera, encoder or storage failed).
    Unavailable,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn client(raw: Value, expected: ClientMessage) {
        let parsed: ClientMessage = serde_json::from_value(raw.clone()).expect("parses");
        assert_eq!(parsed, expected);
        assert_eq!(serde_json::to_value(&expected).expect("serialises"), raw);
    }

    fn server(raw: Value, expected: ServerMessage) {
        let parsed: ServerMessage = serde_json::from_value(raw.clone()).expect("parses");
        assert_eq!(parsed, expected);
        assert_eq!(serde_json::to_value(&expected).expect("serialises"), raw);
    }

    #[test]
    fn hello_json() {
        client(
            json!({"type": "hello", "version": 1, "token": "abc"}),
            ClientMessage::Hello {
                version: 1,
                token: "abc".into(),
                resume: None,
                keeps_media: false,
                ready: true,
            },
        );
        client(
            json!({"type": "hello", "version": 1, "token": "abc", "resume": "s1"}),
            ClientMessage::Hello {
                version: 1,
                token: "abc".into(),
                resume: Some("s1".into()),
                keeps_media: false,
                ready: true,
            },
        );
        client(
            json!({"type": "hello", "version": 1, "token": "abc", "resume": "s1", "keepsMedia": true}),
            ClientMessage::Hello {
                version: 1,
                token: "abc".into(),
                resume: Some("s1".into()),
                keeps_media: true,
                ready: true,
            },
        );
    }

    #[test]
    fn answer_ice_hangup_json() {
        client(
            json!({"type": "answer", "sdp": "v=0", "mediaTry": 2}),
            ClientMessage::Answer {
                sdp: "v=0".into(),
                media_try: Some(2),
            },
        );
        client(
            json!({"type": "ice", "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMLineIndex": 1, "mediaTry": 2}),
            ClientMessage::Ice {
                candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
                sdp_m_line_index: 1,
                media_try: Some(2),
            },
        );
        // A page that names no try (one loaded before this field) speaks
        // of the current one.
        client(
            json!({"type": "answer", "sdp": "v=0"}),
            ClientMessage::Answer {
                sdp: "v=0".into(),
                media_try: None,
            },
        );
        client(
            json!({"type": "ice", "candidate": "c", "sdpMLineIndex": 0}),
            ClientMessage::Ice {
                candidate: "c".into(),
                sdp_m_line_index: 0,
                media_try: None,
            },
        );
        client(json!({"type": "hangUp"}), ClientMessage::HangUp);
        client(json!({"type": "leaving"}), ClientMessage::Leaving);
        client(json!({"type": "cannotCall"}), ClientMessage::CannotCall);
        client(json!({"type": "ready"}), ClientMessage::Ready);
        client(
            json!({"type": "hello", "version": 1, "token": "abc", "ready": false}),
            ClientMessage::Hello {
                version: 1,
                token: "abc".into(),
                resume: None,
                keeps_media: false,
                ready: false,
            },
        );
        for (raw, camera) in [
            ("on", Camera::On),
            ("off", Camera::Off),
            ("none", Camera::None),
        ] {
            client(
                json!({"type": "sending", "camera": raw, "microphone": true}),
                ClientMessage::Sending {
                    camera,
                    microphone: true,
                },
            );
        }
        server(
            json!({"type": "welcome", "version": 1, "session": "s", "iceServers": [], "boxName": "Grandma"}),
            ServerMessage::Welcome {
                version: 1,
                session: "s".into(),
                ice_servers: vec![],
                resumed: false,
                box_name: Some("Grandma".into()),
            },
        );
    }

    #[test]
    fn group_call_json() {
        client(
            json!({"type": "toPeer", "to": "b7", "signal": {"kind": "offer", "sdp": "v=0"}}),
            ClientMessage::ToPeer {
                to: "b7".into(),
                signal: PeerSignal::Offer { sdp: "v=0".into() },
            },
        );
        client(
            json!({"type": "toPeer", "to": "b7", "signal": {"kind": "ice", "candidate": "c", "sdpMLineIndex": 1}}),
            ClientMessage::ToPeer {
                to: "b7".into(),
                signal: PeerSignal::Ice(IceCandidate {
                    candidate: "c".into(),
                    sdp_m_line_index: 1,
                }),
            },
        );
        client(
            json!({"type": "toPeer", "to": "b7", "signal": {"kind": "restart"}}),
            ClientMessage::ToPeer {
                to: "b7".into(),
                signal: PeerSignal::Restart,
            },
        );
        server(
            json!({"type": "fromPeer", "from": "a1", "signal": {"kind": "answer", "sdp": "v=0"}}),
            ServerMessage::FromPeer {
                from: "a1".into(),
                signal: PeerSignal::Answer { sdp: "v=0".into() },
            },
        );
        server(
            json!({"type": "participants", "you": "a1", "others": [{"id": "b7", "label": "Ben"}]}),
            ServerMessage::Participants {
                you: "a1".into(),
                others: vec![Participant {
                    id: "b7".into(),
                    label: "Ben".into(),
                }],
            },
        );
    }

    #[test]
    fn welcome_json() {
        server(
            json!({"type": "welcome", "version": 1, "session": "5f2a", "iceServers": [
                {"urls": ["stun:127.0.0.1:3478"]},
                {"urls": ["turn:127.0.0.1:3478?transport=udp"], "username": "1:x", "credential": "pw"}
            ]}),
            ServerMessage::Welcome {
                version: 1,
                session: "5f2a".into(),
                ice_servers: vec![
                    IceServer {
                        urls: vec!["stun:127.0.0.1:3478".into()],
                        username: None,
                        credential: None,
                    },
                    IceServer {
                        urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
                        username: Some("1:x".into()),
                        credential: Some("pw".into()),
                    },
                ],
                resumed: false,
                box_name: None,
            },
        );
        server(
            json!({"type": "welcome", "version": 1, "session": "5f2a", "iceServers": [], "resumed": true}),
            ServerMessage::Welcome {
                version: 1,
                session: "5f2a".into(),
                ice_servers: vec![],
                resumed: true,
                box_name: None,
            },
        );
    }

    #[test]
    fn offer_ice_ended_error_json() {
        server(
            json!({"type": "offer", "sdp": "v=0", "mediaTry": 1}),
            ServerMessage::Offer {
                sdp: "v=0".into(),
                media_try: 1,
            },
        );
        // Every offer names its try.
        assert!(
            serde_json::from_value::<ServerMessage>(json!({"type": "offer", "sdp": "v=0"}))
                .is_err()
        );
        server(
            json!({"type": "ice", "candidate": "c", "sdpMLineIndex": 0}),
            ServerMessage::Ice(IceCandidate {
                candidate: "c".into(),
                sdp_m_line_index: 0,
            }),
        );
        server(
            json!({"type": "ringing", "seconds": 3}),
            ServerMessage::Ringing { seconds: 3 },
        );
        for (raw, reason) in [
            ("boxShutdown", EndReason::BoxShutdown),
            ("connectionFailed", EndReason::ConnectionFailed),
            ("takenOver", EndReason::TakenOver),
            ("linkRevoked", EndReason::LinkRevoked),
            ("incompatible", EndReason::Incompatible),
        ] {
            server(
                json!({"type": "ended", "reason": raw}),
                ServerMessage::Ended { reason },
            );
        }
        for (raw, code) in [
            ("invalidLink", ErrorCode::InvalidLink),
            ("linkNoLongerValid", ErrorCode::LinkNoLongerValid),
            ("notAnswering", ErrorCode::NotAnswering),
            ("busy", ErrorCode::Busy),
            ("unsupportedVersion", ErrorCode::UnsupportedVersion),
            ("badMessage", ErrorCode::BadMessage),
            ("unavailable", ErrorCode::Unavailable),
        ] {
            server(
                json!({"type": "error", "code": raw}),
                ServerMessage::Error { code, until: None },
            );
        }
        server(
            json!({"type": "error", "code": "resting", "until": "08:00"}),
            ServerMessage::Error {
                code: ErrorCode::Resting,
                until: Some("08:00".into()),
            },
        );
    }

    #[test]
    fn unknown_or_malformed_messages_are_rejected() {
        for raw in [
            r#"{"type":"dance"}"#,
            r#"{"type":"hello","version":1}"#,
            r#"{"type":"answer","sdp":"v=0","extra":1}"#,
            r#"{"type":"ice","candidate":"c"}"#,
            r#"not json"#,
        ] {
            assert!(
                serde_json::from_str::<ClientMessage>(raw).is_err(),
                "accepted {raw}"
            );
        }
    }
}
