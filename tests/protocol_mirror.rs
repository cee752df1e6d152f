//! `web/protocol.js` mirrors `src/protocol.rs`: the same message types, error
//! codes, end reasons and peer-signal kinds, the same version, and what the
//! page's constructors build is what the box parses. Both lists come from the code: the Rust
//! names from serde's own variant lists (what the derive accepts), the
//! JavaScript ones from the module, read by node. A variant added on one
//! side only fails here.

use std::collections::BTreeSet;
use std::fmt;
use std::process::Command;

use homecall::protocol::{
    Camera, ClientMessage, EndReason, ErrorCode, PeerSignal, ServerMessage, PROTOCOL_VERSION,
};
use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned};
use serde_json::Value;

/// The variant names a serde enum accepts, taken from the error its derived
/// `Deserialize` gives for a name it does not know.
#[derive(Debug)]
struct Expected(Option<&'static [&'static str]>);

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Expected {}

impl de::Error for Expected {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Expected(None)
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Expected(Some(expected))
    }
}

const UNKNOWN: &str = "\u{0}not a variant";

/// The names of a unit enum (`"busy"`, …).
fn unit_names<T: DeserializeOwned + fmt::Debug>() -> BTreeSet<String> {
    let names = match T::deserialize(StrDeserializer::<Expected>::new(UNKNOWN)) {
        Err(Expected(Some(names))) => names,
        other => panic!("no variant list from serde: {other:?}"),
    };
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The tag names of an internally tagged enum (`{"type": "hello", …}`).
fn tag_names<T: DeserializeOwned + fmt::Debug>(tag: &str) -> BTreeSet<String> {
    let map = MapDeserializer::<_, Expected>::new([(tag, UNKNOWN)].into_iter());
    match T::deserialize(map) {
        Err(Expected(Some(names))) => names.iter().map(|n| (*n).to_owned()).collect(),
        other => panic!("no variant list from serde: {other:?}"),
    }
}

/// What the page's module says, as node reads it.
fn javascript_mirror() -> Value {
    let module = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/protocol.js");
    let script = format!(
        "import * as p from {module:?};
         const names = (o) => {{
           for (const [k, v] of Object.entries(o)) if (k !== v) throw new Error(`${{k}} is '${{v}}'`);
           if (!Object.isFrozen(o)) throw new Error('not frozen');
           return Object.values(o);
         }};
         console.log(JSON.stringify({{
           version: p.PROTOCOL_VERSION,
           client: names(p.ClientType), server: names(p.ServerType),
           errors: names(p.ErrorCode), reasons: names(p.EndReason), signals: names(p.PeerSignalKind),
           cameras: names(p.Camera),
           built: [p.hello('t'), p.hello('t', 's'), p.hello('t', 's', true), p.answer('v=0', 1),
                   p.hello('t', null, false, false), p.ready(), p.sending('none', true), p.sending('off', false),
                   p.ice('candidate:1', 1, 2), p.hangUp(), p.leaving(), p.cannotCall(),
                   p.toPeer('b7', {{ kind: 'offer', sdp: 'v=0' }}), p.toPeer('b7', {{ kind: 'restart' }}),
                   p.toPeer('b7', {{ kind: 'ice', candidate: 'candidate:1', sdpMLineIndex: 0 }})],
         }}));",
        module = module.display().to_string()
    );
    let out = Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run node (scripts/install-deps.sh --test installs it): {e}")
        });
    assert!(
        out.status.success(),
        "node could not read web/protocol.js:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node printed JSON")
}

fn set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn the_page_and_the_box_name_the_same_things() {
    let js = javascript_mirror();
    assert_eq!(js["version"], PROTOCOL_VERSION, "PROTOCOL_VERSION");
    for (what, rust, page) in [
        (
            "ClientMessage types",
            tag_names::<ClientMessage>("type"),
            &js["client"],
        ),
        (
            "ServerMessage types",
            tag_names::<ServerMessage>("type"),
            &js["server"],
        ),
        (
            "PeerSignal kinds",
            tag_names::<PeerSignal>("kind"),
            &js["signals"],
        ),
        ("ErrorCode", unit_names::<ErrorCode>(), &js["errors"]),
        ("EndReason", unit_names::<EndReason>(), &js["reasons"]),
        ("Camera", unit_names::<Camera>(), &js["cameras"]),
    ] {
        let page = set(page);
        assert!(!rust.is_empty(), "{what}: no names from serde");
        assert_eq!(
            page,
            rust,
            "{what}: only in web/protocol.js: {:?}; only in src/protocol.rs: {:?}",
            page.difference(&rust).collect::<Vec<_>>(),
            rust.difference(&page).collect::<Vec<_>>()
        );
    }
}

#[test]
fn what_the_page_builds_the_box_parses_as_it_is() {
    let js = javascript_mirror();
    let built = js["built"].as_array().expect("messages");
    let types: BTreeSet<String> = built
        .iter()
        .map(|m| m["type"].as_str().expect("a type").to_owned())
        .collect();
    assert_eq!(
        types,
        tag_names::<ClientMessage>("type"),
        "every message the page sends is built here once at least"
    );
    for built in built {
        let parsed: ClientMessage = serde_json::from_value(built.clone())
            .unwrap_or_else(|e| panic!("the box refuses {built}: {e}"));
        assert_eq!(
            &serde_json::to_value(&parsed).expect("serialises"),
            built,
            "the same JSON both ways"
        );
    }
}
