//! The pairing code: what `homecall relay pair` prints on the relay and the
//! family's admin pastes into the box's admin page, once.
//!
//! It reads as a web address — `https://relay.example.org/pair#<box id>.<key>`
//! — so it survives being sent by e-mail or chat; the part after `#` never
//! reaches a server when opened in a browser. The key is 256 bits from the
//! operating system's random source, base64url.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::boxes::BoxId;

/// Everything a box needs to reach its relay and prove who it is.
#[derive(Clone, PartialEq, Eq)]
pub struct PairingCode {
    /// The relay's public address (`https://…`, no trailing slash).
    pub relay_url: String,
    pub box_id: BoxId,
    /// The box's key (secret: never logged, never shown again).
    pub key: String,
}

impl fmt::Debug for PairingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PairingCode")
            .field("relay_url", &self.relay_url)
            .field("box_id", &self.box_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for PairingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/pair#{}.{}", self.relay_url, self.box_id, self.key)
    }
}

/// Why a pasted code was not understood (said to the admin as is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error("This is not a pairing code: it should look like https://relay.example.org/pair#… (copy all of it).")]
    Shape,
    #[error("The pairing code must start with https:// (the relay needs a certificate).")]
    NotHttps,
    #[error("The pairing code is cut short: copy all of it.")]
    Truncated,
}

/// Length of a key's text: 32 bytes in base64url without padding.
const KEY_CHARS: usize = 43;

impl PairingCode {
    /// A new key for `box_id` at `relay_url`.
    pub fn generate(relay_url: &str, box_id: BoxId) -> Result<Self, getrandom::Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)?;
        Ok(Self {
            relay_url: relay_url.trim_end_matches('/').to_owned(),
            box_id,
            key: URL_SAFE_NO_PAD.encode(key),
        })
    }

    /// Reads a pasted code. `allow_http` admits `http://` relays (tests on loopback).
    pub fn parse(text: &str, allow_http: bool) -> Result<Self, PairingError> {
        let text = text.trim();
        let (url, secret) = text.split_once("/pair#").ok_or(PairingError::Shape)?;
        if !(url.starts_with("https://") || (allow_http && url.starts_with("http://"))) {
            return Err(PairingError::NotHttps);
        }
        let host = url.split_once("://").map_or("", |(_, rest)| rest);
        if host.is_empty() || host.contains(['#', '?', ' ']) {
            return Err(PairingError::Shape);
        }
        let (id, key) = secret.split_once('.').ok_or(PairingError::Truncated)?;
        let box_id = BoxId::parse(id).ok_or(PairingError::Truncated)?;
        let key_ok = key.len() == KEY_CHARS
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !key_ok {
            return Err(PairingError::Truncated);
        }
        Ok(Self {
            relay_url: url.trim_end_matches('/').to_owned(),
            box_id,
            key: key.to_owned(),
        })
    }

    /// The `Authorization` header value the box sends on its tunnel.
    pub fn bearer(&self) -> String {
        format!("Bearer {}.{}", self.box_id, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_it_was_printed() {
        let id = BoxId::generate().expect("random");
        let code = PairingCode::generate("https://relay.example.org/", id).expect("random");
        let text = code.to_string();
        assert!(
            text.starts_with("https://relay.example.org/pair#"),
            "{text}"
        );
        assert_eq!(
            PairingCode::parse(&format!("  {text}\n"), false),
            Ok(code.clone())
        );
        assert!(
            !format!("{code:?}").contains(&code.key),
            "the key never reaches a log"
        );
    }

    #[test]
    fn damaged_codes_say_what_is_wrong() {
        let code = PairingCode::generate(
            "https://relay.example.org",
            BoxId::generate().expect("random"),
        )
        .expect("random")
        .to_string();
        assert_eq!(PairingCode::parse("hello", false), Err(PairingError::Shape));
        assert_eq!(
            PairingCode::parse(&code.replace("https://", "http://"), false),
            Err(PairingError::NotHttps)
        );
        assert!(PairingCode::parse(&code.replace("https://", "http://"), true).is_ok());
        assert_eq!(
            PairingCode::parse(&code[..code.len() - 3], false),
            Err(PairingError::Truncated)
        );
        assert_eq!(
            PairingCode::parse("https://relay.example.org/pair#nodot", false),
            Err(PairingError::Truncated)
        );
    }
}

/// The box's side: the relay it is paired with, kept in `<state>/relay.json`
/// (written crash-safely; readable by the box's user only, like all state).
#[derive(Debug, Clone)]
pub struct PairingStore {
    file: crate::store::JsonFile,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Stored {
    /// The pairing code as pasted (it holds the relay's address and the key).
    code: Option<String>,
}

impl PairingStore {
    pub fn open(state_dir: &std::path::Path) -> Self {
        Self {
            file: crate::store::JsonFile::new(state_dir.join("relay.json")),
        }
    }

    /// The relay this box is paired with, if any.
    pub fn load(&self) -> Result<Option<PairingCode>, crate::store::StoreError> {
        let stored: Stored = self.file.read()?.unwrap_or_default();
        Ok(stored.code.and_then(|c| PairingCode::parse(&c, true).ok()))
    }

    /// Pairs the box with `code`'s relay (replacing any other), or unpairs it.
    pub fn save(&self, code: Option<&PairingCode>) -> Result<(), crate::store::StoreError> {
        self.file.write(&Stored {
            code: code.map(ToString::to_string),
        })
    }
}
