//! Fuzzing, with proptest (cargo-fuzz needs a nightly compiler; the project
//! builds on stable). Random and structure-aware inputs for:
//! - the signalling parser: `ClientMessage` from JSON text;
//! - the caller's SDP answer and ICE candidates: the device state machine
//!   under small candidate limits, and GStreamer's SDP parser, which the
//!   answer goes through before webrtcbin;
//! - the admin's header and cookie parsing: Host, Origin, the source
//!   allow-list, the session cookie.
//!
//! Each target checks its properties against a small model of what the code
//! must do, not only that nothing panics. Each runs `HOMECALL_FUZZ_CASES`
//! inputs (default 20 000: the bounded run `cargo test` makes in CI) and
//! prints `fuzz target <name>: <n> inputs` (seen with `--nocapture`);
//! `scripts/fuzz.sh` runs ten million in all. The inputs come from a seed,
//! random unless `HOMECALL_FUZZ_SEED` is set and printed with the count; a
//! failure is shrunk to a minimal input and reported with it and the seed.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Once;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::string::string_regex;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;

use homecall::admin::{cookie_value, host_is_known, same_origin, AllowList};
use homecall::device::state::{
    transition, Answering, Effect, Event, LinkRef, Phase, SessionId, State,
};
use homecall::limits::CandidateLimits;
use homecall::protocol::{Camera, ClientMessage, ErrorCode, IceCandidate, PeerSignal};

/// Inputs per target when `HOMECALL_FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 20_000;

fn cases() -> u32 {
    match std::env::var("HOMECALL_FUZZ_CASES") {
        Ok(n) => n
            .trim()
            .parse()
            .expect("HOMECALL_FUZZ_CASES is a number of inputs"),
        Err(_) => DEFAULT_CASES,
    }
}

fn seed() -> u64 {
    match std::env::var("HOMECALL_FUZZ_SEED") {
        Ok(n) => n.trim().parse().expect("HOMECALL_FUZZ_SEED is a number"),
        Err(_) => RandomState::new().hash_one("homecall fuzz"),
    }
}

/// Runs `test` on `cases()` inputs from `strategy` and prints how many ran;
/// panics with the minimal failing input.
fn fuzz<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let seed = seed();
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::XorShift,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_time: 120_000,
        ..Config::default()
    };
    let inputs = Cell::new(0u64);
    let result = TestRunner::new(config).run(&strategy, |input| {
        inputs.set(inputs.get() + 1);
        test(input)
    });
    if let Err(failure) = result {
        panic!("fuzz target {name} failed (HOMECALL_FUZZ_SEED={seed}): {failure}");
    }
    eprintln!("fuzz target {name}: {} inputs (seed {seed})", inputs.get());
}

fn fail(why: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(why.to_string())
}

// ───────────────────────────── signalling parser ─────────────────────────────

/// What the box must make of a JSON value, by the protocol (docs in
/// `src/protocol.rs`), written without serde: `None` is a refusal.
///
/// Two leniencies of serde's internally tagged enums are modelled, as the
/// parser has them (both harmless, neither sent by the page): the unit
/// variant `hangUp` ignores unknown fields, and an array whose first item is
/// the tag and the rest the fields in order (`["answer", "v=0"]`) is taken
/// like the object.
fn message_of_json(value: &Value) -> Option<ClientMessage> {
    let string = |v: &Value| v.as_str().map(str::to_owned);
    let number = |v: &Value| v.as_u64().and_then(|n| u32::try_from(n).ok());
    let resume = |v: Option<&Value>| match v {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    };
    let media_try = |v: Option<&Value>| match v {
        None | Some(Value::Null) => Some(None),
        Some(v) => number(v).map(Some),
    };
    let flag = |v: Option<&Value>, default: bool| match v {
        None => Some(default),
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => None,
    };
    let camera = |v: &Value| match v.as_str()? {
        "on" => Some(Camera::On),
        "off" => Some(Camera::Off),
        "none" => Some(Camera::None),
        _ => None,
    };
    match value {
        Value::Object(map) => {
            let only = |allowed: &[&str]| {
                map.keys()
                    .all(|k| k == "type" || allowed.contains(&k.as_str()))
            };
            match map.get("type")?.as_str()? {
                "hello" if only(&["version", "token", "resume", "keepsMedia", "ready"]) => {
                    Some(ClientMessage::Hello {
                        version: number(map.get("version")?)?,
                        token: string(map.get("token")?)?,
                        resume: resume(map.get("resume"))?,
                        keeps_media: flag(map.get("keepsMedia"), false)?,
                        ready: flag(map.get("ready"), true)?,
                    })
                }
                "sending" if only(&["camera", "microphone"]) => Some(ClientMessage::Sending {
                    camera: camera(map.get("camera")?)?,
                    microphone: map.get("microphone")?.as_bool()?,
                }),
                "answer" if only(&["sdp", "mediaTry"]) => Some(ClientMessage::Answer {
                    sdp: string(map.get("sdp")?)?,
                    media_try: media_try(map.get("mediaTry"))?,
                }),
                "ice" if only(&["candidate", "sdpMLineIndex", "mediaTry"]) => {
                    Some(ClientMessage::Ice {
                        candidate: string(map.get("candidate")?)?,
                        sdp_m_line_index: number(map.get("sdpMLineIndex")?)?,
                        media_try: media_try(map.get("mediaTry"))?,
                    })
                }
                "toPeer" if only(&["to", "signal"]) => Some(ClientMessage::ToPeer {
                    to: string(map.get("to")?)?,
                    signal: peer_signal(map.get("signal")?)?,
                }),
                unit => unit_message(unit),
            }
        }
        Value::Array(items) => {
            let (tag, fields) = items.split_first()?;
            match (tag.as_str()?, fields) {
                ("hello", [version, token, rest @ ..]) if rest.len() <= 3 => {
                    Some(ClientMessage::Hello {
                        version: number(version)?,
                        token: string(token)?,
                        resume: resume(rest.first())?,
                        keeps_media: flag(rest.get(1), false)?,
                        ready: flag(rest.get(2), true)?,
                    })
                }
                ("sending", [cam, mic]) => Some(ClientMessage::Sending {
                    camera: camera(cam)?,
                    microphone: mic.as_bool()?,
                }),
                ("answer", [sdp, rest @ ..]) if rest.len() <= 1 => Some(ClientMessage::Answer {
                    sdp: string(sdp)?,
                    media_try: media_try(rest.first())?,
                }),
                ("ice", [candidate, index, rest @ ..]) if rest.len() <= 1 => {
                    Some(ClientMessage::Ice {
                        candidate: string(candidate)?,
                        sdp_m_line_index: number(index)?,
                        media_try: media_try(rest.first())?,
                    })
                }
                ("toPeer", [to, signal]) => Some(ClientMessage::ToPeer {
                    to: string(to)?,
                    signal: peer_signal(signal)?,
                }),
                (unit, _) => unit_message(unit),
            }
        }
        _ => None,
    }
}

/// A group call's nested signal. Its own JSON is pinned by the protocol's
/// tests; the model takes serde's reading of it and checks the envelope.
fn peer_signal(value: &Value) -> Option<PeerSignal> {
    serde_json::from_value(value.clone()).ok()
}

/// What serde makes of `text` as a nested signal, read in place as the
/// parser reads it (through its buffered content, which takes a variant by
/// its index too).
fn lenient_signal(text: &str) -> Option<PeerSignal> {
    let envelope = format!("{{\"type\":\"toPeer\",\"to\":\"\",\"signal\":{text}}}");
    match serde_json::from_str::<ClientMessage>(&envelope).ok()? {
        ClientMessage::ToPeer { signal, .. } => Some(signal),
        _ => None,
    }
}

/// A camera state as the page writes it.
fn camera_name(camera: Camera) -> &'static str {
    match camera {
        Camera::On => "on",
        Camera::Off => "off",
        Camera::None => "none",
    }
}

/// The messages without fields, by their tag (serde takes them whatever
/// else comes with the tag).
fn unit_message(tag: &str) -> Option<ClientMessage> {
    match tag {
        "hangUp" => Some(ClientMessage::HangUp),
        "leaving" => Some(ClientMessage::Leaving),
        "cannotCall" => Some(ClientMessage::CannotCall),
        "ready" => Some(ClientMessage::Ready),
        _ => None,
    }
}

/// A parsed message serialises to the canonical object and parses back to itself.
fn round_trips(message: &ClientMessage) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(message).map_err(fail)?;
    let again: ClientMessage = serde_json::from_str(&text).map_err(fail)?;
    prop_assert_eq!(&again, message);
    let value: Value = serde_json::from_str(&text).map_err(fail)?;
    prop_assert!(value.is_object(), "serialised as {}", text);
    let model = message_of_json(&value);
    prop_assert_eq!(model.as_ref(), Some(message));
    Ok(())
}

/// Pieces of JSON, and of the protocol's JSON, to put together at random.
fn json_token() -> impl Strategy<Value = &'static str> {
    select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "\n",
        "\"type\"",
        "\"hello\"",
        "\"answer\"",
        "\"ice\"",
        "\"hangUp\"",
        "\"version\"",
        "\"token\"",
        "\"resume\"",
        "\"sdp\"",
        "\"candidate\"",
        "\"sdpMLineIndex\"",
        "\"extra\"",
        "0",
        "1",
        "-1",
        "-0",
        "1.0",
        "1e2",
        "4294967295",
        "4294967296",
        "18446744073709551616",
        "1e999",
        "null",
        "true",
        "\"\"",
        "\"x\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\ud83d\\ude00\"",
        "\"é\"",
        "\"\\\"\"",
        "\\",
        "\"",
    ])
}

/// Any bytes, any text, JSON-looking text, and protocol-looking token soup.
fn signalling_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => vec(any::<u8>(), 0..64),
        1 => any::<String>().prop_map(String::into_bytes),
        1 => string_regex(r#"[\[\]{}":,0-9a-zA-Z .+\-\\]{0,48}"#)
            .expect("regex")
            .prop_map(String::into_bytes),
        1 => vec(json_token(), 0..24).prop_map(|t| t.concat().into_bytes()),
        // A valid message with a few bytes changed, dropped or added.
        3 => (client_message(), vec((any::<Index>(), any::<u8>(), 0u8..4), 1..4)).prop_map(
            |(message, edits)| {
                let mut bytes = serde_json::to_vec(&message).expect("a message serialises");
                for (at, byte, op) in edits {
                    let i = at.index(bytes.len());
                    match op {
                        0 => bytes[i] = byte,
                        1 => {
                            bytes.remove(i);
                        }
                        2 => bytes.insert(i, byte),
                        _ => {
                            let span = bytes[i..].iter().take(8).copied().collect::<Vec<_>>();
                            bytes.splice(i..i, span);
                        }
                    }
                    if bytes.is_empty() {
                        break;
                    }
                }
                bytes
            }
        ),
        // A valid message nested deeper than the parser recurses (a message
        // may be 64 KiB, so 32 000 levels).
        1 => (client_message(), 100usize..32_000).prop_map(|(message, depth)| {
            let text = serde_json::to_string(&message).expect("a message serialises");
            format!("{}{text}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }),
        // Objects of protocol keys and values: these parse now and then.
        1 => vec((json_token(), json_token()), 0..5).prop_map(|pairs| {
            let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{\"type\":\"hello\",{}}}", body.join(",")).into_bytes()
        }),
    ]
}

#[test]
fn signalling_parser_on_any_input() {
    let accepted = Cell::new(0u64);
    fuzz("signalling_text", signalling_bytes(), |bytes| {
        let parsed = serde_json::from_slice::<ClientMessage>(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            // The socket hands the parser text; bytes and text agree.
            let from_text = serde_json::from_str::<ClientMessage>(text);
            prop_assert_eq!(parsed.as_ref().ok(), from_text.as_ref().ok());
        }
        if let Ok(message) = parsed {
            accepted.set(accepted.get() + 1);
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| fail(format!("accepted, but not JSON: {e}")))?;
            let model = message_of_json(&value);
            prop_assert_eq!(model.as_ref(), Some(&message), "{:?}", value);
            round_trips(&message)?;
        }
        Ok(())
    });
    eprintln!("fuzz target signalling_text: {} accepted", accepted.get());
}

/// What a JSON value as written means to the parser.
#[derive(Debug, Clone, PartialEq)]
enum Meaning {
    Str(String),
    U32(u32),
    Null,
    Bool(bool),
    /// A group call's signal, written as the page writes it.
    Signal(PeerSignal),
    /// Anything else: another type, a number no u32 holds, deep nesting,
    /// or text that is not JSON at all.
    Other,
}

/// One JSON value as written, and its meaning.
#[derive(Debug, Clone)]
struct Json {
    text: String,
    meaning: Meaning,
}

/// One field of a message object, with its key as written.
#[derive(Debug, Clone)]
struct Field {
    key: String,
    key_text: String,
    value: Json,
}

/// `s` as a JSON string, each character as a `\u` escape (surrogate pairs
/// beyond the BMP): the same string to the parser.
fn escaped(s: &str) -> String {
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

fn json_str(s: &str, escape: bool) -> Json {
    Json {
        text: if escape {
            escaped(s)
        } else {
            serde_json::to_string(s).expect("a string serialises")
        },
        meaning: Meaning::Str(s.to_owned()),
    }
}

fn json_bool(b: bool) -> Json {
    Json {
        text: b.to_string(),
        meaning: Meaning::Bool(b),
    }
}

fn json_u32(n: u32) -> Json {
    Json {
        text: n.to_string(),
        meaning: Meaning::U32(n),
    }
}

/// Text the page might put in a string field, and text it would not.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        1 => Just(String::new()),
        1 => select(vec![
            "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96\r\n",
            "candidate:1 1 udp 2122260223 192.168.1.5 54321 typ host",
            "\u{0}",
            "\u{feff}",
            "\u{2028}\u{2029}",
            "😀",
            "\"\\/\u{8}\u{c}\n\r\t",
        ])
        .prop_map(str::to_owned),
        1 => ("[a-z]{1,4}", 1usize..2_000).prop_map(|(s, n)| s.repeat(n)),
    ]
}

/// Mostly small numbers, and the edges.
fn field_u32() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..4, Just(u32::MAX), any::<u32>()]
}

/// A value of any type, possibly not JSON at all.
fn any_json() -> impl Strategy<Value = Json> {
    let other = |text: String| Json {
        text,
        meaning: Meaning::Other,
    };
    prop_oneof![
        2 => (field_text(), any::<bool>()).prop_map(|(s, e)| json_str(&s, e)),
        2 => field_u32().prop_map(json_u32),
        1 => (u64::from(u32::MAX) + 1..=u64::MAX).prop_map(move |n| other(n.to_string())),
        1 => Just(Json { text: "null".into(), meaning: Meaning::Null }),
        1 => any::<bool>().prop_map(json_bool),
        2 => select(vec![
            "[]", "{}", "[1,\"a\"]", "{\"type\":\"hangUp\"}", "-1", "-0", "1.0",
            "0.0", "1e2", "1E0", "0e0", "-4294967296", "18446744073709551616",
            "123456789012345678901234567890", "1e999", "-1e999",
            // Not JSON.
            "01", "+1", ".5", "1.", "NaN", "Infinity", "0x10", "1e", "-", "tru", "'x'",
            "\"\\ud800\"", "\"unterminated", "\"\\x\"", "\"\u{1}\"",
        ])
        .prop_map(move |t| other(t.to_owned())),
        1 => (1usize..400, any::<bool>()).prop_map(move |(depth, arrays)| other(if arrays {
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
        } else {
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        })),
    ]
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        (
            field_u32(),
            field_text(),
            option::of(field_text()),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(version, token, resume, keeps_media, ready)| {
                ClientMessage::Hello {
                    version,
                    token,
                    resume,
                    keeps_media,
                    ready,
                }
            }),
        Just(ClientMessage::Ready),
        (
            select(vec![Camera::On, Camera::Off, Camera::None]),
            any::<bool>()
        )
            .prop_map(|(camera, microphone)| ClientMessage::Sending { camera, microphone }),
        (field_text(), proptest::option::of(field_u32()))
            .prop_map(|(sdp, media_try)| ClientMessage::Answer { sdp, media_try }),
        (field_text(), field_u32(), proptest::option::of(field_u32())).prop_map(
            |(candidate, sdp_m_line_index, media_try)| {
                ClientMessage::Ice {
                    candidate,
                    sdp_m_line_index,
                    media_try,
                }
            }
        ),
        Just(ClientMessage::HangUp),
        Just(ClientMessage::Leaving),
        Just(ClientMessage::CannotCall),
        (field_text(), peer_signal_strategy())
            .prop_map(|(to, signal)| ClientMessage::ToPeer { to, signal }),
    ]
}

fn peer_signal_strategy() -> impl Strategy<Value = PeerSignal> {
    prop_oneof![
        field_text().prop_map(|sdp| PeerSignal::Offer { sdp }),
        field_text().prop_map(|sdp| PeerSignal::Answer { sdp }),
        (field_text(), field_u32()).prop_map(|(candidate, sdp_m_line_index)| {
            PeerSignal::Ice(IceCandidate {
                candidate,
                sdp_m_line_index,
            })
        }),
        Just(PeerSignal::Restart),
    ]
}

fn json_signal(signal: &PeerSignal) -> Json {
    Json {
        text: serde_json::to_string(signal).expect("a signal serialises"),
        meaning: Meaning::Signal(signal.clone()),
    }
}

/// A message's fields as the page writes them.
fn fields_of(message: &ClientMessage, escape: bool) -> Vec<Field> {
    let field = |key: &str, value: Json| Field {
        key: key.to_owned(),
        key_text: format!("\"{key}\""),
        value,
    };
    let tag = |t: &str| field("type", json_str(t, escape));
    match message {
        ClientMessage::Hello {
            version,
            token,
            resume,
            keeps_media,
            ready,
        } => {
            let mut fields = vec![
                tag("hello"),
                field("version", json_u32(*version)),
                field("token", json_str(token, escape)),
            ];
            if let Some(resume) = resume {
                fields.push(field("resume", json_str(resume, escape)));
            }
            if *keeps_media {
                fields.push(field("keepsMedia", json_bool(true)));
            }
            if !*ready {
                fields.push(field("ready", json_bool(false)));
            }
            fields
        }
        ClientMessage::Ready => vec![tag("ready")],
        ClientMessage::Sending { camera, microphone } => vec![
            tag("sending"),
            field("camera", json_str(camera_name(*camera), escape)),
            field("microphone", json_bool(*microphone)),
        ],
        ClientMessage::Answer { sdp, media_try } => {
            let mut fields = vec![tag("answer"), field("sdp", json_str(sdp, escape))];
            if let Some(n) = media_try {
                fields.push(field("mediaTry", json_u32(*n)));
            }
            fields
        }
        ClientMessage::Ice {
            candidate,
            sdp_m_line_index,
            media_try,
        } => {
            let mut fields = vec![
                tag("ice"),
                field("candidate", json_str(candidate, escape)),
                field("sdpMLineIndex", json_u32(*sdp_m_line_index)),
            ];
            if let Some(n) = media_try {
                fields.push(field("mediaTry", json_u32(*n)));
            }
            fields
        }
        ClientMessage::HangUp => vec![tag("hangUp")],
        ClientMessage::Leaving => vec![tag("leaving")],
        ClientMessage::CannotCall => vec![tag("cannotCall")],
        ClientMessage::ToPeer { to, signal } => vec![
            tag("toPeer"),
            field("to", json_str(to, escape)),
            field("signal", json_signal(signal)),
        ],
    }
}

/// One change to a message's fields.
#[derive(Debug, Clone)]
enum Mutation {
    Drop(Index),
    Duplicate(Index, Index),
    Replace(Index, Json),
    Extra(Index, String, Json),
    EscapeKey(Index),
    Swap(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let key = prop_oneof![
        select(vec![
            "type",
            "version",
            "token",
            "resume",
            "keepsMedia",
            "ready",
            "camera",
            "microphone",
            "sdp",
            "candidate",
            "sdpMLineIndex",
            "to",
            "signal",
            "extra",
            "Type",
            "sdpMlineIndex",
            "sdp_m_line_index",
            "",
            "__proto__",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        any::<(Index, Index)>().prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (any::<Index>(), any_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (any::<Index>(), key, any_json()).prop_map(|(i, k, v)| Mutation::Extra(i, k, v)),
        any::<Index>().prop_map(Mutation::EscapeKey),
        any::<(Index, Index)>().prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn mutate(fields: &mut Vec<Field>, mutation: &Mutation) {
    let len = fields.len();
    match mutation {
        Mutation::Drop(i) if len > 0 => {
            fields.remove(i.index(len));
        }
        Mutation::Duplicate(i, at) if len > 0 => {
            let copy = fields[i.index(len)].clone();
            fields.insert(at.index(len + 1), copy);
        }
        Mutation::Replace(i, value) if len > 0 => fields[i.index(len)].value = value.clone(),
        Mutation::Extra(at, key, value) => fields.insert(
            at.index(len + 1),
            Field {
                key: key.clone(),
                key_text: serde_json::to_string(key).expect("a string serialises"),
                value: value.clone(),
            },
        ),
        Mutation::EscapeKey(i) if len > 0 => {
            let field = &mut fields[i.index(len)];
            field.key_text = escaped(&field.key);
        }
        Mutation::Swap(a, b) if len > 0 => fields.swap(a.index(len), b.index(len)),
        _ => {}
    }
}

/// What the parser must do with a message.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Accept(ClientMessage),
    Refuse,
    /// Either refused or this (a leniency of serde's, see [`message_of_json`]).
    Lenient(ClientMessage),
}

/// The protocol as a function of the fields: the model the parser must match.
fn expected(fields: &[Field]) -> Expect {
    let tags: Vec<&Meaning> = fields
        .iter()
        .filter(|f| f.key == "type")
        .map(|f| &f.value.meaning)
        .collect();
    let [Meaning::Str(tag)] = tags.as_slice() else {
        return Expect::Refuse;
    };
    if let Some(unit) = unit_message(tag) {
        return if fields.len() == 1 {
            Expect::Accept(unit)
        } else {
            Expect::Lenient(unit)
        };
    }
    let mut keys = HashSet::new();
    if !fields.iter().all(|f| keys.insert(f.key.as_str())) {
        return Expect::Refuse;
    }
    let allowed: &[&str] = match tag.as_str() {
        "hello" => &["version", "token", "resume", "keepsMedia", "ready"],
        "sending" => &["camera", "microphone"],
        "answer" => &["sdp", "mediaTry"],
        "ice" => &["candidate", "sdpMLineIndex", "mediaTry"],
        "toPeer" => &["to", "signal"],
        _ => return Expect::Refuse,
    };
    if fields
        .iter()
        .any(|f| f.key != "type" && !allowed.contains(&f.key.as_str()))
    {
        return Expect::Refuse;
    }
    let get = |key: &str| {
        fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| &f.value.meaning)
    };
    let string = |key: &str| match get(key) {
        Some(Meaning::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let number = |key: &str| match get(key) {
        Some(Meaning::U32(n)) => Some(*n),
        _ => None,
    };
    // Optional: absent or null is `None`.
    let media_try = || match get("mediaTry") {
        None | Some(Meaning::Null) => Some(None),
        Some(Meaning::U32(n)) => Some(Some(*n)),
        Some(_) => None,
    };
    let message = match tag.as_str() {
        "hello" => (|| {
            Some(ClientMessage::Hello {
                version: number("version")?,
                token: string("token")?,
                resume: match get("resume") {
                    None | Some(Meaning::Null) => None,
                    Some(Meaning::Str(s)) => Some(s.clone()),
                    Some(_) => return None,
                },
                keeps_media: match get("keepsMedia") {
                    None => false,
                    Some(Meaning::Bool(b)) => *b,
                    Some(_) => return None,
                },
                ready: match get("ready") {
                    None => true,
                    Some(Meaning::Bool(b)) => *b,
                    Some(_) => return None,
                },
            })
        })(),
        "sending" => (|| {
            let camera = match get("camera")? {
                Meaning::Str(s) => [Camera::On, Camera::Off, Camera::None]
                    .into_iter()
                    .find(|c| camera_name(*c) == s)?,
                _ => return None,
            };
            let microphone = match get("microphone")? {
                Meaning::Bool(b) => *b,
                _ => return None,
            };
            Some(ClientMessage::Sending { camera, microphone })
        })(),
        "answer" => (|| {
            Some(ClientMessage::Answer {
                sdp: string("sdp")?,
                media_try: media_try()?,
            })
        })(),
        "toPeer" => {
            // The nested signal as the page writes it is taken; anything else
            // is refused, except what serde's enum reading lets through (a
            // variant named by its index, `[1, "v=0"]`): harmless, and lenient.
            let to = string("to");
            let text = fields
                .iter()
                .find(|f| f.key == "signal")
                .map(|f| f.value.text.as_str());
            return match (to, get("signal")) {
                (Some(to), Some(Meaning::Signal(signal))) => {
                    Expect::Accept(ClientMessage::ToPeer {
                        to,
                        signal: signal.clone(),
                    })
                }
                (Some(to), Some(_)) => match text.and_then(lenient_signal) {
                    Some(signal) => Expect::Lenient(ClientMessage::ToPeer { to, signal }),
                    None => Expect::Refuse,
                },
                _ => Expect::Refuse,
            };
        }
        _ => (|| {
            Some(ClientMessage::Ice {
                candidate: string("candidate")?,
                sdp_m_line_index: number("sdpMLineIndex")?,
                media_try: media_try()?,
            })
        })(),
    };
    message.map_or(Expect::Refuse, Expect::Accept)
}

/// Around the object: whitespace (no change), or something that spoils it.
fn wrapping() -> impl Strategy<Value = (&'static str, &'static str, bool)> {
    prop_oneof![
        6 => select(vec!["", " ", "\n", "\t", "\r\n "]).prop_map(|ws| (ws, ws, true)),
        1 => select(vec![
            ("[", "]"),
            ("[[", "]]"),
            ("", "x"),
            ("", "}"),
            ("", ","),
            ("", "{}"),
            ("\u{feff}", ""),
            ("x", ""),
            ("\"", "\""),
        ])
        .prop_map(|(before, after)| (before, after, false)),
    ]
}

#[test]
fn signalling_parser_on_mutated_messages() {
    let accepted = Cell::new(0u64);
    let lenient = Cell::new(0u64);
    let strategy = (
        client_message(),
        any::<bool>(),
        vec(mutation(), 0..4),
        select(vec!["", " ", "\n", "\t ", "\r\n"]),
        wrapping(),
    );
    fuzz(
        "signalling_mutations",
        strategy,
        |(message, escape, mutations, ws, (before, after, intact))| {
            let mut fields = fields_of(&message, escape);
            for m in &mutations {
                mutate(&mut fields, m);
            }
            let body: Vec<String> = fields
                .iter()
                .map(|f| format!("{}{ws}:{ws}{}", f.key_text, f.value.text))
                .collect();
            let text = format!(
                "{before}{{{ws}{}{ws}}}{after}",
                body.join(&format!("{ws},{ws}"))
            );
            let expect = if intact {
                expected(&fields)
            } else {
                Expect::Refuse
            };
            if mutations.is_empty() && intact {
                prop_assert_eq!(&expect, &Expect::Accept(message.clone()));
            }
            let parsed = serde_json::from_str::<ClientMessage>(&text).ok();
            match (&expect, &parsed) {
                (Expect::Accept(m), Some(p)) if m == p => accepted.set(accepted.get() + 1),
                (Expect::Refuse, None) | (Expect::Lenient(_), None) => {}
                (Expect::Lenient(m), Some(p)) if m == p => lenient.set(lenient.get() + 1),
                _ => {
                    return Err(fail(format!(
                        "{text:?}: expected {expect:?}, parsed {parsed:?}"
                    )))
                }
            }
            if let Some(p) = &parsed {
                round_trips(p)?;
            }
            Ok(())
        },
    );
    eprintln!(
        "fuzz target signalling_mutations: {} accepted, {} more accepted by a leniency",
        accepted.get(),
        lenient.get()
    );
}

// ───────────────────────── SDP answer and ICE candidates ─────────────────────────

const SESSIONS: [&str; 4] = ["s0", "s1", "s2", "s3"];
const LINKS: [&str; 3] = ["l0", "l1", "l2"];

/// Mostly the first session, so that its calls live long enough to meet
/// the limits.
fn session() -> impl Strategy<Value = SessionId> {
    prop_oneof![
        3 => Just(SessionId::new(SESSIONS[0])),
        2 => select(SESSIONS.to_vec()).prop_map(SessionId::new),
    ]
}

/// SDP-ish text: lines the box's offer has, lines that look like m-lines but
/// are not, and junk, joined by CRLF, LF or a lone CR.
fn sdp_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => select(vec![
            "v=0",
            "o=- 1 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE video0 audio1",
            "m=video 9 UDP/TLS/RTP/SAVPF 96",
            "m=audio 9 UDP/TLS/RTP/SAVPF 97",
            "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
            "m=",
            " m=audio",
            "M=video",
            "am=x",
            "a=mid:video0",
            "c=IN IP4 0.0.0.0",
            "",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    (vec(line, 0..12), select(vec!["\r\n", "\n", "\r"])).prop_map(|(lines, sep)| lines.join(sep))
}

/// Candidate lines: mostly short ones a limit lets through, then ones
/// around the byte limit (multi-byte characters count in bytes), and
/// anything at all.
fn candidate_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u8..10, any::<u32>(), any::<u8>(), any::<u16>()).prop_map(
            |(foundation, priority, host, port)| {
                format!("candidate:{foundation} 1 udp {priority} 192.168.1.{host} {port} typ host")
            }
        ),
        // Padding of 1- to 4-byte characters, chosen by the bits of `mix`.
        2 => (
            select(vec![
                "candidate:1 1 udp 2122260223 192.168.1.5 54321 typ host",
                "candidate:2 1 tcp 1518280447 192.168.1.5 9 typ host tcptype active",
                "",
            ]),
            0usize..40,
            any::<u64>(),
        )
            .prop_map(|(base, n, mix)| {
                let pad: String = (0..n)
                    .map(|i| ['a', ' ', 'é', '€', '😀'][(mix >> (i % 32 * 2)) as usize % 5])
                    .collect();
                format!("{base}{pad}")
            }),
        1 => any::<String>(),
    ]
}

/// The media try a caller's answer or candidate names: mostly none (a page
/// of before the field) or the first, sometimes a later or impossible one.
fn named_try() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![4 => Just(None), 4 => Just(Some(1)), 2 => (0u32..4).prop_map(Some), 1 => any::<u32>().prop_map(Some)]
}

fn ice_candidate() -> impl Strategy<Value = IceCandidate> {
    (
        candidate_line(),
        prop_oneof![8 => 0u32..2, 2 => 2u32..4, 1 => any::<u32>()],
    )
        .prop_map(|(candidate, sdp_m_line_index)| IceCandidate {
            candidate,
            sdp_m_line_index,
        })
}

/// Any event at all, for any of the sessions.
fn device_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => arrival(),
        1 => session().prop_map(|session| Event::CountdownElapsed { session }),
        1 => session().prop_map(|session| Event::PressOverdue { session }),
        1 => select(LINKS.to_vec()).prop_map(|id| Event::LinkRevoked { link_id: id.to_owned() }),
        3 => (session(), sdp_text()).prop_map(|(session, sdp)| Event::OfferReady { session, sdp }),
        1 => (session(), ice_candidate())
            .prop_map(|(session, candidate)| Event::LocalCandidate { session, candidate }),
        2 => (session(), sdp_text(), named_try()).prop_map(|(session, sdp, media_try)| {
            Event::AnswerReceived { session, sdp, media_try }
        }),
        8 => (session(), ice_candidate(), named_try()).prop_map(
            |(session, candidate, media_try)| Event::RemoteCandidate { session, candidate, media_try }
        ),
        1 => session().prop_map(|session| Event::MediaConnected { session }),
        1 => session().prop_map(|session| Event::MediaFailed { session }),
        1 => session().prop_map(|session| Event::CallerHungUp { session }),
        1 => session().prop_map(|session| Event::CallerGone { session }),
        1 => session().prop_map(|session| Event::CallerLeaving { session }),
        1 => (session(), 0u32..3)
            .prop_map(|(session, absence)| Event::GraceElapsed { session, absence }),
        1 => (session(), 0u32..4)
            .prop_map(|(session, try_number)| Event::ConnectDeadline { session, try_number }),
        1 => session().prop_map(|session| Event::AnswerRefused { session }),
        1 => session().prop_map(|session| Event::CallerCannotCall { session }),
        1 => session().prop_map(|session| Event::CallerMisbehaved { session, why: "fuzzed" }),
        1 => Just(Event::Shutdown),
    ]
}

fn arrival() -> impl Strategy<Value = Event> {
    let link = (select(LINKS.to_vec()), any::<bool>()).prop_map(|(id, one_time)| LinkRef {
        id: id.to_owned(),
        label: format!("label of {id}"),
        one_time,
    });
    let answering = prop_oneof![
        12 => Just(Answering::AfterCountdown { seconds: 0 }),
        4 => (0u32..3).prop_map(|seconds| Answering::AfterCountdown { seconds }),
        1 => Just(Answering::Restored),
        1 => Just(Answering::Resting { until: "08:00".into() }),
        1 => Just(Answering::Declined),
    ];
    let resume = prop_oneof![4 => Just(None), 1 => session().prop_map(Some)];
    (
        session(),
        resume,
        any::<bool>(),
        (prop::bool::weighted(0.05), prop::bool::weighted(0.7)),
        link,
        answering,
    )
        .prop_map(
            |(session, resume, keeps_media, (resume_only, ready), link, answering)| {
                Event::CallerArrived {
                    socket: session.clone(),
                    session,
                    resume,
                    keeps_media,
                    resume_only,
                    ready,
                    link,
                    answering,
                }
            },
        )
}

/// SDP with `n` m-lines, as webrtcbin writes an offer (or a browser an answer).
fn sdp_with(n: usize) -> String {
    let mut sdp = String::from("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
    for i in 0..n {
        sdp.push_str(&format!("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:{i}\r\n"));
    }
    sdp
}

/// One call as a page and the engine play it: the caller arrives, the TV
/// may ring, the box offers (or has offered already, built ahead while the
/// person had not pressed Call yet), the caller trickles candidates, the
/// box may give that try up while its answer is on its way (then it offers
/// again), the caller answers, trickles more, media may connect, and the
/// call may end.
fn call_script(session: &'static str) -> impl Strategy<Value = Vec<Event>> {
    let offer = prop_oneof![3 => (1usize..4).prop_map(sdp_with), 1 => sdp_text()];
    let answer = prop_oneof![3 => Just(None), 1 => sdp_text().prop_map(Some)];
    let end = option::of(select(vec![0u8, 1, 2, 3, 4]));
    let session = prop_oneof![3 => Just(SessionId::new(session)), 1 => self::session()];
    (
        (arrival(), session),
        offer,
        answer,
        vec((ice_candidate(), prop::bool::weighted(0.9)), 0..6),
        vec((ice_candidate(), prop::bool::weighted(0.9)), 0..6),
        (any::<bool>(), any::<bool>(), prop::bool::weighted(0.3)),
        end,
    )
        .prop_map(
            |((mut arrival, id), offer, answer, early, late, (connects, ahead, retried), end)| {
                let Event::CallerArrived {
                    socket,
                    session,
                    answering,
                    ..
                } = &mut arrival
                else {
                    unreachable!("an arrival")
                };
                *session = id.clone();
                *socket = id.clone();
                let session = id;
                let ringing =
                    matches!(answering, Answering::AfterCountdown { seconds } if *seconds > 0);
                let offered = mlines(&offer);
                let answer = answer.unwrap_or_else(|| sdp_with(offered));
                // Mostly for an m-line of the offer, as a page sends them.
                let candidate = |(mut candidate, offered_mline): (IceCandidate, bool)| {
                    if offered_mline && offered > 0 {
                        candidate.sdp_m_line_index %= offered as u32;
                    }
                    // Naming none: the current try, whichever it is by then.
                    Event::RemoteCandidate {
                        session: session.clone(),
                        candidate,
                        media_try: None,
                    }
                };
                let offer = Event::OfferReady {
                    session: session.clone(),
                    sdp: offer,
                };
                // What the box's try finds while the person reads the page.
                let found_ahead = early.first().map(|(c, _)| Event::LocalCandidate {
                    session: session.clone(),
                    candidate: c.clone(),
                });
                let mut events = vec![arrival.clone()];
                if matches!(arrival, Event::CallerArrived { ready: false, .. }) {
                    if ahead {
                        events.push(offer.clone());
                        events.extend(found_ahead);
                    }
                    events.push(Event::CallerReady {
                        session: session.clone(),
                    });
                }
                if ringing {
                    events.push(Event::CountdownElapsed {
                        session: session.clone(),
                    });
                }
                if !ahead || !matches!(arrival, Event::CallerArrived { ready: false, .. }) {
                    events.push(offer.clone());
                }
                if retried {
                    // The box gives the first try up; its answer and a
                    // candidate, on their way, come after the next offer.
                    let stale = early.first().map(|(c, _)| Event::RemoteCandidate {
                        session: session.clone(),
                        candidate: c.clone(),
                        media_try: Some(1),
                    });
                    events.push(Event::MediaFailed {
                        session: session.clone(),
                    });
                    events.push(offer);
                    events.push(Event::AnswerReceived {
                        session: session.clone(),
                        sdp: answer.clone(),
                        media_try: Some(1),
                    });
                    events.extend(stale);
                }
                events.extend(early.into_iter().map(candidate));
                events.push(Event::AnswerReceived {
                    session: session.clone(),
                    sdp: answer,
                    media_try: None,
                });
                events.extend(late.into_iter().map(candidate));
                if connects {
                    events.push(Event::MediaConnected {
                        session: session.clone(),
                    });
                }
                match end {
                    Some(0) => events.push(Event::CallerHungUp { session }),
                    Some(1) => events.push(Event::CallerGone { session }),
                    Some(2) => events.extend([
                        Event::CallerGone {
                            session: session.clone(),
                        },
                        Event::GraceElapsed {
                            session,
                            absence: 1,
                        },
                    ]),
                    Some(3) => events.extend([
                        Event::CallerLeaving {
                            session: session.clone(),
                        },
                        Event::CallerGone { session },
                    ]),
                    Some(_) => events.push(Event::MediaFailed { session }),
                    None => {}
                }
                events
            },
        )
}

/// A change to a run of events.
#[derive(Debug, Clone)]
enum Perturbation {
    Drop(Index),
    Repeat(Index, Index),
    Insert(Index, Event),
}

/// Several calls, interleaved, with a few events dropped, repeated, or
/// added at random.
fn device_events() -> impl Strategy<Value = Vec<Event>> {
    let perturbation = prop_oneof![
        any::<Index>().prop_map(Perturbation::Drop),
        any::<(Index, Index)>().prop_map(|(a, b)| Perturbation::Repeat(a, b)),
        (any::<Index>(), device_event()).prop_map(|(at, e)| Perturbation::Insert(at, e)),
    ];
    (
        (
            call_script(SESSIONS[0]),
            option::of(call_script(SESSIONS[1])),
            option::of(call_script(SESSIONS[2])),
        )
            .prop_map(|(a, b, c)| [Some(a), b, c].into_iter().flatten().collect::<Vec<_>>()),
        any::<u64>(),
        vec(perturbation, 0..6),
    )
        .prop_map(|(scripts, mut order, perturbations)| {
            let mut queues: Vec<std::collections::VecDeque<Event>> =
                scripts.into_iter().map(Into::into).collect();
            // Which call goes next: the low bits of `order` (xorshifted).
            let mut events = Vec::new();
            loop {
                let waiting: Vec<usize> = (0..queues.len())
                    .filter(|&i| !queues[i].is_empty())
                    .collect();
                if waiting.is_empty() {
                    break;
                }
                order ^= order << 13;
                order ^= order >> 7;
                order ^= order << 17;
                let pick = (order % waiting.len() as u64) as usize;
                events.extend(queues[waiting[pick]].pop_front());
            }
            for p in perturbations {
                let len = events.len();
                match p {
                    Perturbation::Drop(i) if len > 0 => {
                        events.remove(i.index(len));
                    }
                    Perturbation::Repeat(i, at) if len > 0 => {
                        let e = events[i.index(len)].clone();
                        events.insert(at.index(len + 1), e);
                    }
                    Perturbation::Insert(at, e) => events.insert(at.index(len + 1), e),
                    _ => {}
                }
            }
            events
        })
}

/// The m-lines of an SDP: its lines (LF or CRLF ended) that start with `m=`.
fn mlines(sdp: &str) -> usize {
    sdp.split('\n').filter(|l| l.starts_with("m=")).count()
}

/// The model's view of one live call: its media try, the box's offer, and
/// what the caller has had applied of its candidates.
#[derive(Debug, Default)]
struct CallModel {
    media_try: u32,
    offered_mlines: Option<usize>,
    per_mline: HashMap<u32, u32>,
    total: u32,
}

/// What a caller's answer or candidate naming a media try is to a call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Named {
    /// Its current try (a page naming none means that one).
    Current,
    /// An earlier try of the call: dropped, the call goes on.
    Replaced,
    /// A try the box never made: the caller is expelled.
    Unknown,
}

impl CallModel {
    fn named(&self, named: Option<u32>) -> Named {
        match named {
            None => Named::Current,
            Some(n) if n == self.media_try => Named::Current,
            Some(n) if n >= 1 && n < self.media_try => Named::Replaced,
            Some(_) => Named::Unknown,
        }
    }

    /// Whether the limits let `c` through now.
    fn admits(&self, c: &IceCandidate, limits: &CandidateLimits) -> bool {
        self.offered_mlines
            .is_some_and(|n| (c.sdp_m_line_index as usize) < n)
            && c.candidate.len() <= limits.bytes
            && self
                .per_mline
                .get(&c.sdp_m_line_index)
                .copied()
                .unwrap_or(0)
                < limits.per_mline
            && self.total < limits.per_call
    }
}

fn session_of(event: &Event) -> Option<&SessionId> {
    match event {
        Event::CountdownElapsed { session }
        | Event::PressOverdue { session }
        | Event::OfferReady { session, .. }
        | Event::LocalCandidate { session, .. }
        | Event::AnswerReceived { session, .. }
        | Event::RemoteCandidate { session, .. }
        | Event::MediaConnected { session }
        | Event::MediaFailed { session }
        | Event::CallerHungUp { session }
        | Event::CallerGone { session }
        | Event::CallerLeaving { session }
        | Event::GraceElapsed { session, .. }
        | Event::ConnectDeadline { session, .. }
        | Event::AnswerRefused { session }
        | Event::CallerCannotCall { session }
        | Event::CallerMisbehaved { session, .. }
        | Event::CallerReady { session }
        | Event::CallerSending { session, .. } => Some(session),
        Event::CallerArrived { .. } | Event::LinkRevoked { .. } | Event::Shutdown => None,
    }
}

/// What happened in one run of the device, to show the fuzzing reaches deep.
#[derive(Debug, Default)]
struct Tally {
    applied: u64,
    expelled: u64,
    illegal: u64,
    /// Answers and candidates dropped as naming a replaced try.
    replaced: u64,
}

/// Runs `events` through the state machine and checks every step against
/// the model: effects only for live calls (none once a call is over),
/// capture started and stopped in turn, candidates applied only within the
/// limits and for an m-line of that call's offer, and every candidate or
/// answer either applied or its caller expelled — unless it names a try the
/// call has replaced, which alone is dropped without a word.
fn check_device(
    limits: CandidateLimits,
    participants: usize,
    events: &[Event],
) -> Result<Tally, TestCaseError> {
    let mut tally = Tally::default();
    let mut state = State::with_limits(participants, limits);
    let mut live: HashMap<SessionId, CallModel> = HashMap::new();
    let mut capture = false;
    for event in events {
        let phase = session_of(event).and_then(|s| {
            state
                .calls()
                .iter()
                .find(|c| &c.session == s)
                .map(|c| c.phase)
        });
        // What the answer or candidate names, to a live call.
        let named = match event {
            Event::AnswerReceived {
                session, media_try, ..
            }
            | Event::RemoteCandidate {
                session, media_try, ..
            } => live.get(session).map(|m| m.named(*media_try)),
            _ => None,
        };
        let outcome = transition(&state, event.clone());
        let effects = match outcome {
            Err(illegal) => {
                tally.illegal += 1;
                prop_assert_eq!(&*illegal.event, event);
                // Only one for a replaced try is let go without a word.
                prop_assert!(
                    matches!(named, None | Some(Named::Replaced)),
                    "{:?} ignored, naming a try that is {:?}",
                    event,
                    named
                );
                tally.replaced += u64::from(named == Some(Named::Replaced));
                continue;
            }
            Ok((next, effects)) => {
                state = next;
                effects
            }
        };
        if let Some(session) = session_of(event) {
            prop_assert!(
                phase.is_some(),
                "{:?} for no call gave {:?}",
                event,
                effects
            );
            let expelled = effects.iter().any(|e| {
                matches!(e, Effect::Expel { session: s, code: ErrorCode::BadMessage, .. } if s == session)
            });
            prop_assert!(
                named != Some(Named::Replaced),
                "{:?} for a replaced try gave {:?}",
                event,
                effects
            );
            match event {
                _ if named == Some(Named::Unknown) => {
                    prop_assert!(expelled, "{:?} gave {:?}, not an expulsion", event, effects);
                }
                Event::RemoteCandidate { candidate, .. } => {
                    let model = live.get(session).ok_or_else(|| fail("no model"))?;
                    if model.admits(candidate, &limits) {
                        prop_assert_eq!(
                            &effects,
                            &vec![Effect::ApplyCandidate {
                                session: session.clone(),
                                candidate: candidate.clone(),
                            }]
                        );
                    } else {
                        prop_assert!(expelled, "{:?} gave {:?}, not an expulsion", event, effects);
                    }
                }
                // An answer goes to the engine only in answer to an offer,
                // with as many m-lines as it (an offer has at least one).
                Event::AnswerReceived { sdp, .. }
                    if phase == Some(Phase::Connecting)
                        && live
                            .get(session)
                            .and_then(|m| m.offered_mlines)
                            .is_some_and(|n| n > 0 && n == mlines(sdp)) =>
                {
                    prop_assert_eq!(
                        &effects,
                        &vec![Effect::ApplyAnswer {
                            session: session.clone(),
                            sdp: sdp.clone(),
                        }]
                    );
                }
                Event::AnswerReceived { .. } => {
                    prop_assert!(expelled, "{:?} gave {:?}, not an expulsion", event, effects);
                }
                _ => {}
            }
        }
        for effect in &effects {
            match effect {
                Effect::Welcome {
                    session, resumed, ..
                } => {
                    // A page back at its call is welcomed again; a new call once.
                    let known = live.contains_key(session);
                    prop_assert!(*resumed || !known, "welcomed twice: {:?}", effect);
                    live.entry(session.clone()).or_default();
                }
                Effect::Refuse { socket, .. } => {
                    // Only a page that pressed Call when the line was full,
                    // its call not yet placed, is refused once admitted.
                    if live.remove(socket).is_some() {
                        prop_assert!(
                            matches!(
                                event,
                                Event::CallerReady { .. } | Event::CallerArrived { .. }
                            ),
                            "refused a live call on {:?}",
                            event
                        );
                    }
                }
                Effect::End { session, .. }
                | Effect::Forget { session, .. }
                | Effect::Expel { session, .. } => {
                    tally.expelled += u64::from(matches!(effect, Effect::Expel { .. }));
                    prop_assert!(live.remove(session).is_some(), "ended twice: {:?}", effect);
                }
                Effect::StartCapture => {
                    prop_assert!(!capture, "capture started twice");
                    capture = true;
                }
                Effect::StopCapture => {
                    prop_assert!(capture, "capture stopped twice");
                    capture = false;
                }
                Effect::SendOffer {
                    session,
                    sdp,
                    media_try,
                } => {
                    answered(&state, session, effect)?;
                    let call = live
                        .get_mut(session)
                        .ok_or_else(|| fail(format!("{effect:?} after the call")))?;
                    prop_assert_eq!(*media_try, call.media_try, "the offer names its try");
                    call.offered_mlines = Some(mlines(sdp));
                }
                Effect::ApplyCandidate { session, candidate } => {
                    tally.applied += 1;
                    let call = live
                        .get_mut(session)
                        .ok_or_else(|| fail(format!("{effect:?} after the call")))?;
                    let index = candidate.sdp_m_line_index;
                    let offered = call.offered_mlines.unwrap_or(0);
                    prop_assert!(
                        (index as usize) < offered,
                        "m-line {} of {}",
                        index,
                        offered
                    );
                    prop_assert!(candidate.candidate.len() <= limits.bytes);
                    let n = call.per_mline.entry(index).or_default();
                    *n += 1;
                    call.total += 1;
                    prop_assert!(*n <= limits.per_mline, "{} on m-line {}", n, index);
                    prop_assert!(call.total <= limits.per_call, "{} in the call", call.total);
                }
                // A new media try: the caller's candidates count afresh.
                Effect::StartPeer {
                    session,
                    try_number,
                } => {
                    let call = live
                        .get_mut(session)
                        .ok_or_else(|| fail(format!("{effect:?} after the call")))?;
                    prop_assert!(
                        *try_number > call.media_try,
                        "{:?} after try {}",
                        effect,
                        call.media_try
                    );
                    *call = CallModel {
                        media_try: *try_number,
                        ..CallModel::default()
                    };
                }
                Effect::Announce { session, .. }
                | Effect::Placed { session }
                | Effect::HoldPlace { session, .. }
                | Effect::AwaitPress { session }
                | Effect::AwaitConnect { session, .. }
                | Effect::StopPeer { session }
                | Effect::ApplyAnswer { session, .. }
                | Effect::RequestKeyframe { session } => {
                    prop_assert!(live.contains_key(session), "{:?} after the call", effect);
                }
                Effect::SendCandidate { session, .. } => {
                    prop_assert!(live.contains_key(session), "{:?} after the call", effect);
                    answered(&state, session, effect)?;
                }
            }
        }
        // The machine's own view agrees with the effects it gave.
        let calls: HashSet<&SessionId> = state.calls().iter().map(|c| &c.session).collect();
        prop_assert_eq!(calls, live.keys().collect::<HashSet<_>>());
        prop_assert_eq!(
            capture,
            state
                .calls()
                .iter()
                .any(|c| c.warm || matches!(c.phase, Phase::Connecting | Phase::InCall))
        );
        let placed = state.calls().iter().filter(|c| c.phase.placed()).count();
        prop_assert!(placed <= participants.saturating_sub(1).max(1));
    }
    Ok(tally)
}

/// Nothing of the box's media reaches a caller before the call is answered:
/// a try built ahead of the press is held until then.
fn answered(state: &State, session: &SessionId, effect: &Effect) -> Result<(), TestCaseError> {
    let phase = state
        .calls()
        .iter()
        .find(|c| &c.session == session)
        .map(|c| c.phase);
    prop_assert!(
        matches!(phase, Some(Phase::Connecting | Phase::InCall)),
        "{:?} to a call not answered ({:?})",
        effect,
        phase
    );
    Ok(())
}

#[test]
fn candidates_and_answers_in_the_device() {
    let (events_seen, applied, expelled, illegal, replaced) = (
        Cell::new(0u64),
        Cell::new(0u64),
        Cell::new(0u64),
        Cell::new(0u64),
        Cell::new(0u64),
    );
    let limits = (
        2u32..10,
        1u32..6,
        prop_oneof![3 => 48usize..200, 1 => 0usize..100],
    )
        .prop_map(|(per_call, per_mline, bytes)| CandidateLimits {
            per_call,
            per_mline,
            bytes,
        });
    fuzz(
        "device_candidates",
        (limits, 2usize..5, device_events()),
        |(limits, participants, events)| {
            events_seen.set(events_seen.get() + events.len() as u64);
            let tally = check_device(limits, participants, &events)?;
            applied.set(applied.get() + tally.applied);
            expelled.set(expelled.get() + tally.expelled);
            illegal.set(illegal.get() + tally.illegal);
            replaced.set(replaced.get() + tally.replaced);
            Ok(())
        },
    );
    eprintln!(
        "fuzz target device_candidates: {} events, {} candidates applied, {} callers expelled, {} illegal events ({} for a replaced try)",
        events_seen.get(),
        applied.get(),
        expelled.get(),
        illegal.get(),
        replaced.get()
    );
}

static GST: Once = Once::new();

/// SDP as a browser's answer might have it, mangled.
fn sdp_bytes() -> impl Strategy<Value = Vec<u8>> {
    let line = (
        select(vec![
            'v', 'o', 's', 'i', 'u', 'e', 'p', 'c', 'b', 't', 'r', 'z', 'k', 'a', 'm', 'x',
        ]),
        prop_oneof![
            3 => select(vec![
                "0",
                "- 4611731400430051336 2 IN IP4 127.0.0.1",
                "IN IP4 0.0.0.0",
                "IN IP6 ::1",
                "0 0",
                "AS:30",
                "audio 9 UDP/TLS/RTP/SAVPF 111",
                "video 9 UDP/TLS/RTP/SAVPF 96 97",
                "audio",
                "video x y z",
                "group:BUNDLE 0 1",
                "rtpmap:111 opus/48000/2",
                "fingerprint:sha-256 AB:CD",
                "candidate:1 1 udp 2122260223 192.168.1.5 54321 typ host",
                "ice-ufrag:x",
                "",
                " ",
                "=",
                ":",
            ])
            .prop_map(str::to_owned),
            1 => any::<String>(),
        ],
    )
        .prop_map(|(kind, value)| format!("{kind}={value}"));
    prop_oneof![
        3 => (vec(line, 0..16), select(vec!["\r\n", "\n", "\r", ""]))
            .prop_map(|(lines, sep)| lines.join(sep).into_bytes()),
        1 => vec(any::<u8>(), 0..256),
    ]
}

#[test]
fn sdp_answer_parser() {
    GST.call_once(|| gst::init().expect("GStreamer initialises"));
    let (media_information, miscounted) = (Cell::new(0u64), Cell::new(0u64));
    fuzz("sdp_parser", sdp_bytes(), |bytes| {
        // An empty buffer is a GLib critical ("size != 0"); the device
        // never passes one on: it has no m-line, and an answer must have the
        // offer's m-lines.
        if bytes.is_empty() {
            return Ok(());
        }
        let message = gst_sdp::SDPMessage::parse_buffer(&bytes)
            .map_err(|e| fail(format!("GStreamer parses anything but nothing: {e}")))?;
        // A media section per `m=` line at most; GStreamer skips blanks
        // before a line's type, stops at a NUL, and wants a byte after `=`.
        let medias = message.medias_len() as usize;
        let m_lines = bytes
            .split(|&b| b == b'\n')
            .filter(|l| l.trim_ascii_start().starts_with(b"m="))
            .count();
        prop_assert!(medias <= m_lines, "{} medias, {} m= lines", medias, m_lines);
        // The device counts an answer's m-lines its own way (`m=` at the very
        // start of a line) to check it against the offer; count where
        // GStreamer, and so webrtcbin, sees another number.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if mlines(text) != medias {
                miscounted.set(miscounted.get() + 1);
            }
        }
        // What it parsed it can write, and read back with the same media
        // sections (not always the same text: empty fields come back as
        // something else). Except that GStreamer writes a media's `i=` line
        // without its line end (gst_sdp_media_as_text, still so upstream),
        // which runs it into the next line; the box never writes a caller's
        // SDP back out.
        if let Ok(text) = message.as_text() {
            let again = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).map_err(fail)?;
            if message.medias().all(|m| m.information().is_none()) {
                prop_assert_eq!(again.medias_len() as usize, medias);
            } else {
                media_information.set(media_information.get() + 1);
            }
        }
        Ok(())
    });
    eprintln!(
        "fuzz target sdp_parser: {} with a media-level i= line (round trip not checked), \
         {} where GStreamer and the device count different m-lines",
        media_information.get(),
        miscounted.get()
    );
}

// ───────────────────────────── admin headers ─────────────────────────────

/// Host names a box might have, and ones an attacker's DNS might give.
fn dns_name() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "box.lan",
            "homecall.local",
            "localhost",
            "evil.example",
            "box.lan.evil.example",
            "localhost.evil.example",
            "box.lan.",
            "xn--bx-yia.lan",
            "127.0.0.1.nip.io",
        ])
        .prop_map(str::to_owned),
        "[a-z0-9.-]{1,16}",
    ]
}

/// `name` in a random mix of upper and lower case.
fn recased(name: &str, mask: u64) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// The box's names, a Host header as a browser sends it (a name or an
/// address, maybe a port, in any case), and whether the model takes it for
/// the box.
fn host_header(names: Vec<String>) -> impl Strategy<Value = (Vec<String>, String, bool)> {
    let name = prop_oneof![
        3 => (dns_name(), any::<u64>()).prop_map(|(n, mask)| {
            let lower = n.to_ascii_lowercase();
            (recased(&n, mask), Some(lower))
        }),
        2 => (select(names.clone()), any::<u64>()).prop_map(|(n, mask)| {
            (recased(&n, mask), Some(n.to_ascii_lowercase()))
        }),
        1 => any::<Ipv4Addr>().prop_map(|ip| (ip.to_string(), None)),
        1 => any::<Ipv6Addr>().prop_map(|ip| (format!("[{ip}]"), None)),
    ];
    let port = option::of(prop_oneof![
        "[0-9]{1,5}",
        Just(String::new()),
        "[a-z0-9]{1,6}"
    ]);
    (name, port).prop_map(move |((name, dns), port)| {
        let known = match &dns {
            // A bracketed or plain address is the box.
            None => true,
            Some(lower) => {
                lower.parse::<Ipv4Addr>().is_ok() || lower == "localhost" || names.contains(lower)
            }
        };
        let header = match port {
            Some(p) => format!("{name}:{p}"),
            None => name,
        };
        (names.clone(), header, known)
    })
}

#[test]
fn admin_host_header() {
    let names = vec(
        select(vec!["box.lan", "homecall.local", "my-box.example.org"]).prop_map(str::to_owned),
        1..3,
    );
    let strategy = prop_oneof![
        3 => names.clone().prop_flat_map(host_header).prop_map(|(n, h, k)| (n, h, Some(k))),
        1 => (names, any::<String>()).prop_map(|(n, h)| (n, h, None)),
    ];
    fuzz("admin_host", strategy, |(names, host, known)| {
        let answer = host_is_known(&names, &host);
        if let Some(known) = known {
            prop_assert_eq!(answer, known, "{:?} with names {:?}", host, names);
        }
        // Case never matters.
        prop_assert_eq!(answer, host_is_known(&names, &host.to_ascii_uppercase()));
        // A port never matters.
        if !host.contains(':') && !host.starts_with('[') {
            prop_assert_eq!(answer, host_is_known(&names, &format!("{host}:8080")));
        }
        // Known means: an address, localhost or a name of the box, maybe in
        // brackets or with something after a last colon.
        if answer {
            let lower = host.to_ascii_lowercase();
            let is_box = |n: &str| {
                n.parse::<IpAddr>().is_ok() || n == "localhost" || names.iter().any(|m| m == n)
            };
            let bracketed = lower
                .strip_prefix('[')
                .map(|rest| rest.split(']').next().unwrap_or(rest));
            let plain = lower.rsplit_once(':').map_or(lower.as_str(), |(n, _)| n);
            prop_assert!(
                bracketed.is_some_and(is_box) || (!lower.starts_with('[') && is_box(plain)),
                "{:?} taken as the box",
                host
            );
        }
        Ok(())
    });
}

/// An Origin or Host header piece: the host as a browser writes it.
fn origin_host() -> impl Strategy<Value = &'static str> {
    select(vec![
        "box.lan",
        "BOX.lan",
        "box.lan.",
        "192.168.1.20",
        "192.168.1.21",
        "[::1]",
        "[fe80::1]",
        "[FE80::1]",
        "localhost",
        "evil.example",
        "box.lan.evil.example",
        "user@box.lan",
        "",
        "::1",
        "[::1",
        "box lan",
    ])
}

fn origin_port() -> impl Strategy<Value = &'static str> {
    select(vec![
        "", ":80", ":443", ":8080", ":08080", ":", ":99999", ":-1", ":8o", ":65535", ":0",
    ])
}

/// The Origin check by the model: scheme, host (any case) and port (default
/// ports filled in) the same, nothing else in the authority.
fn origin_model(
    scheme: &str,
    o_host: &str,
    o_port: &str,
    suffix: &str,
    h_host: &str,
    h_port: &str,
    https: bool,
) -> bool {
    let valid_host = |h: &str| {
        !h.is_empty()
            && !h.contains(['@', ' '])
            && (h.starts_with('[') && h.ends_with(']') || !h.contains([':', '[', ']']))
    };
    let port = |p: &str| match p.strip_prefix(':') {
        None => Some(if https { 443 } else { 80 }),
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse::<u16>().ok()
        }
        Some(_) => None,
    };
    scheme.eq_ignore_ascii_case(if https { "https" } else { "http" })
        && suffix.is_empty()
        && valid_host(o_host)
        && valid_host(h_host)
        && o_host.eq_ignore_ascii_case(h_host)
        && port(o_port).is_some()
        && port(o_port) == port(h_port)
}

#[test]
fn admin_origin_header() {
    let structured = (
        select(vec!["http", "https", "HTTP", "Https", "ws", "file", ""]),
        origin_host(),
        origin_port(),
        select(vec!["", "", "", "/", "/admin", "?x", "#x", "\\"]),
        origin_host(),
        origin_port(),
        any::<bool>(),
        select(vec!["", " ", "\t"]),
    )
        .prop_map(|(scheme, oh, op, suffix, hh, hp, https, ws)| {
            let origin = format!("{ws}{scheme}://{oh}{op}{suffix}{ws}");
            let host = format!("{ws}{hh}{hp}");
            let expected = origin_model(scheme, oh, op, suffix, hh, hp, https);
            (Some(origin), Some(host), https, Some(expected))
        });
    let arbitrary = (
        option::of(prop_oneof![
            any::<String>(),
            "(https?://)?[a-zA-Z0-9.:\\[\\]@/]{0,24}"
        ]),
        option::of(prop_oneof![any::<String>(), "[a-zA-Z0-9.:\\[\\]]{0,24}"]),
        any::<bool>(),
    )
        .prop_map(|(origin, host, https)| (origin, host, https, None));
    let strategy = prop_oneof![3 => structured, 1 => arbitrary];
    fuzz(
        "admin_origin",
        strategy,
        |(origin, host, https, expected)| {
            let answer = same_origin(origin.as_deref(), host.as_deref(), https);
            if let Some(expected) = expected {
                prop_assert_eq!(answer, expected, "Origin {:?}, Host {:?}", origin, host);
            }
            if let (true, Some(o), Some(h)) = (answer, &origin, &host) {
                // Never both schemes.
                prop_assert!(!same_origin(Some(o), Some(h), !https));
                // Case never matters.
                prop_assert!(same_origin(
                    Some(&o.to_ascii_uppercase()),
                    Some(&h.to_ascii_lowercase()),
                    https
                ));
                // The Host, as an origin of the right scheme, is the same origin.
                let scheme = if https { "https" } else { "http" };
                let as_origin = format!("{scheme}://{}", h.trim());
                prop_assert!(
                    same_origin(Some(&as_origin), Some(h), https),
                    "{:?}",
                    as_origin
                );
            }
            Ok(())
        },
    );
}

/// An allow-list entry as the model sees it: an address and a prefix length
/// (none for a bare address), written out.
#[derive(Debug, Clone)]
struct Entry {
    text: String,
    range: Option<(IpAddr, u8)>,
}

fn allow_entry() -> impl Strategy<Value = Entry> {
    let ip = prop_oneof![
        any::<Ipv4Addr>().prop_map(IpAddr::V4),
        any::<Ipv6Addr>().prop_map(IpAddr::V6),
        select(vec![
            "127.0.0.1",
            "192.168.1.7",
            "10.0.0.0",
            "::1",
            "fe80::1",
            "::ffff:10.0.0.1"
        ])
        .prop_map(|s| s.parse::<IpAddr>().expect("an address")),
    ];
    prop_oneof![
        6 => (ip, option::of(0u8..140), select(vec!["", " ", "\t"])).prop_map(|(ip, prefix, ws)| {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let text = match prefix {
                Some(p) => format!("{ws}{ip}/{p}{ws}"),
                None => format!("{ws}{ip}{ws}"),
            };
            let range = match prefix {
                None => Some((ip, max)),
                Some(p) if p <= max => Some((ip, p)),
                Some(_) => None,
            };
            Entry { text, range }
        }),
        1 => prop_oneof![
            any::<String>(),
            "[0-9a-f.:/ ]{0,20}",
            Just("localhost".to_owned()),
            Just("10.0.0.0/8/8".to_owned()),
            Just("10.0.0.0/".to_owned()),
            Just("/8".to_owned()),
        ]
        .prop_map(|text| Entry { text, range: None }),
    ]
}

/// The top `prefix` bits of an address.
fn bits(ip: IpAddr, prefix: u8) -> (bool, u128) {
    let (v4, value, width) = match ip {
        IpAddr::V4(a) => (true, u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (false, u128::from(a), 128),
    };
    let shift = width - u32::from(prefix);
    (v4, value.checked_shr(shift).unwrap_or(0))
}

#[test]
fn admin_allow_list() {
    let client = prop_oneof![
        any::<Ipv4Addr>().prop_map(IpAddr::V4),
        any::<Ipv6Addr>().prop_map(IpAddr::V6),
        any::<Ipv4Addr>().prop_map(|a| IpAddr::V6(a.to_ipv6_mapped())),
    ];
    let near = (any::<Index>(), any::<u128>(), 0u32..130);
    fuzz(
        "admin_allow_list",
        (vec(allow_entry(), 0..5), vec(client, 1..6), near),
        |(entries, clients, (pick, noise, flip))| {
            let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
            let parsed = AllowList::parse(&texts);
            let ranges: Option<Vec<(IpAddr, u8)>> = entries.iter().map(|e| e.range).collect();
            let list = match parsed {
                Ok(list) => list,
                // Refused: the error names an entry the model refuses too.
                Err(e) => {
                    prop_assert!(
                        entries
                            .iter()
                            .any(|x| x.range.is_none() && x.text == e.entry),
                        "refused {:?} naming {:?}",
                        texts,
                        e.entry
                    );
                    return Ok(());
                }
            };
            // Normalised ranges read back the same.
            let again = AllowList::parse(&list.ranges()).map_err(fail)?;
            prop_assert_eq!(&again, &list);
            // Random text that happened to parse: the model has no range for it.
            let Some(ranges) = ranges else {
                return Ok(());
            };
            // An address inside a range: one of the entries with low bits changed.
            let mut clients = clients;
            if !ranges.is_empty() {
                let (ip, prefix) = ranges[pick.index(ranges.len())];
                let width = if ip.is_ipv4() { 32 } else { 128 };
                let keep = u32::from(prefix);
                let mask = if keep >= width {
                    0
                } else {
                    (u128::MAX >> (128 - width + keep)) & noise
                };
                let inside = match ip {
                    IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) ^ mask as u32)),
                    IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) ^ mask)),
                };
                clients.push(inside);
                // And one just outside, if a bit above the prefix can flip.
                if flip < keep {
                    let bit = 1u128 << (width - 1 - flip);
                    clients.push(match inside {
                        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) ^ bit as u32)),
                        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) ^ bit)),
                    });
                }
            }
            for client in clients {
                // A mapped IPv4 address is judged as IPv4.
                let canonical = match client {
                    IpAddr::V6(a) => a.to_ipv4_mapped().map_or(client, IpAddr::V4),
                    v4 => v4,
                };
                let model = ranges.iter().any(|&(ip, prefix)| {
                    ip.is_ipv4() == canonical.is_ipv4()
                        && bits(ip, prefix) == bits(canonical, prefix)
                });
                prop_assert_eq!(list.allows(client), model, "{} in {:?}", client, texts);
                prop_assert_eq!(list.allows(canonical), model);
            }
            Ok(())
        },
    );
}

/// The name the admin's session cookie has (`web::admin`).
const COOKIE: &str = "homecall_admin";

/// One `name=value` pair of a Cookie header, or a bare name.
fn cookie_pair() -> impl Strategy<Value = (String, Option<String>)> {
    let name = prop_oneof![
        4 => select(vec![
            COOKIE,
            "Homecall_admin",
            "HOMECALL_ADMIN",
            "homecall_admin2",
            "xhomecall_admin",
            "homecall",
            "homecall_admin ",
            " homecall_admin",
            "a",
            "",
        ])
        .prop_map(str::to_owned),
        // Printable ASCII but the separators ';' and '='.
        1 => "[ -:<>-~]{0,16}",
    ];
    (name, option::of("[A-Za-z0-9_=-]{0,12}"))
}

/// The cookie by the model: the value of the first pair whose name, leading
/// blanks aside, is exactly the cookie's.
fn cookie_model(headers: &[Vec<(String, Option<String>)>]) -> Option<String> {
    headers
        .iter()
        .flatten()
        .find_map(|(name, value)| match value {
            Some(v) if name.trim_start() == COOKIE => Some(v.clone()),
            _ => None,
        })
}

#[test]
fn admin_session_cookie() {
    let structured = (
        vec(vec(cookie_pair(), 0..5), 0..3),
        select(vec![";", "; ", " ;", ";  ", ";\t"]),
    )
        .prop_map(|(headers, sep)| {
            let texts: Vec<String> = headers
                .iter()
                .map(|pairs| {
                    let parts: Vec<String> = pairs
                        .iter()
                        .map(|(n, v)| match v {
                            Some(v) => format!("{n}={v}"),
                            None => n.clone(),
                        })
                        .collect();
                    parts.join(sep)
                })
                .collect();
            let expected = cookie_model(&headers);
            (texts, Some(expected))
        });
    let arbitrary =
        vec(prop_oneof![any::<String>(), "[a-z_ =;]{0,40}"], 0..3).prop_map(|texts| (texts, None));
    fuzz(
        "admin_cookie",
        prop_oneof![3 => structured, 1 => arbitrary],
        |(headers, expected)| {
            let found = cookie_value(headers.iter().map(String::as_str), COOKIE);
            if let Some(expected) = expected {
                prop_assert_eq!(found, expected.as_deref(), "{:?}", headers);
            }
            // Only ever the value of a pair named exactly so.
            if let Some(value) = found {
                let pair = format!("{COOKIE}={value}");
                prop_assert!(
                    headers
                        .iter()
                        .flat_map(|h| h.split(';'))
                        .any(|p| p.trim() == pair),
                    "{:?} from {:?}",
                    value,
                    headers
                );
            } else {
                prop_assert!(
                    !headers
                        .iter()
                        .flat_map(|h| h.split(';'))
                        .any(|p| p.trim().starts_with(&format!("{COOKIE}="))),
                    "missed in {:?}",
                    headers
                );
            }
            Ok(())
        },
    );
}
