//! The boxes paired with this relay: for each, an id (public: it is in the
//! links) and the SHA-256 of its key. Nothing else — no links, no labels.
//!
//! Kept in `<state>/boxes.json`, written crash-safely; re-read on every
//! check, so `homecall relay pair` takes effect on a running relay.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{JsonFile, StoreError};

/// A box's public identity: 64 random bits, 16 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BoxId(String);

impl BoxId {
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// `text` as a box id, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 16
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BoxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BoxId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| format!("{text:?} is not a box id"))
    }
}

impl From<BoxId> for String {
    fn from(id: BoxId) -> String {
        id.0
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Boxes {
    /// Box id → hex SHA-256 of its key.
    boxes: BTreeMap<BoxId, String>,
}

/// The paired boxes; cheap to clone.
#[derive(Debug, Clone)]
pub struct BoxBook {
    file: JsonFile,
}

impl BoxBook {
    pub fn open(state_dir: &Path) -> Self {
        Self {
            file: JsonFile::new(state_dir.join("boxes.json")),
        }
    }

    /// Pairs a new box; returns its id and key (the key is shown once).
    pub fn pair(&self, relay_url: &str) -> Result<super::PairingCode, PairError> {
        let id = BoxId::generate().map_err(|e| PairError::Random(e.to_string()))?;
        let code = super::PairingCode::generate(relay_url, id.clone())
            .map_err(|e| PairError::Random(e.to_string()))?;
        let hash = key_hash(&code.key);
        self.file.update(|b: &mut Boxes| b.boxes.insert(id, hash))?;
        Ok(code)
    }

    /// Whether `id` is paired (and `key`, when given, is its key, compared in constant time).
    pub fn check(&self, id: &BoxId, key: &str) -> Result<bool, StoreError> {
        let boxes: Boxes = self.file.read()?.unwrap_or_default();
        Ok(boxes
            .boxes
            .get(id)
            .is_some_and(|hash| bool::from(hash.as_bytes().ct_eq(key_hash(key).as_bytes()))))
    }

    /// Whether `id` is paired at all.
    pub fn knows(&self, id: &BoxId) -> Result<bool, StoreError> {
        let boxes: Boxes = self.file.read()?.unwrap_or_default();
        Ok(boxes.boxes.contains_key(id))
    }

    /// Forgets a box: its tunnel is refused from now on.
    pub fn unpair(&self, id: &BoxId) -> Result<bool, StoreError> {
        self.file
            .update(|b: &mut Boxes| b.boxes.remove(id).is_some())
    }
}

/// Why a box could not be paired.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn key_hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paired_box_proves_itself_with_its_key_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let book = BoxBook::open(dir.path());
        let code = book.pair("https://relay.example.org").expect("paired");
        assert!(book.check(&code.box_id, &code.key).expect("read"));
        assert!(!book.check(&code.box_id, "wrong").expect("read"));
        let other = BoxId::generate().expect("random");
        assert!(!book.check(&other, &code.key).expect("read"));
        let stored = std::fs::read_to_string(dir.path().join("boxes.json")).expect("file");
        assert!(!stored.contains(&code.key), "only the key's hash is kept");
        assert!(book.unpair(&code.box_id).expect("unpaired"));
        assert!(!book.check(&code.box_id, &code.key).expect("read"));
    }

    #[test]
    fn box_ids_are_16_hex_digits() {
        let id = BoxId::generate().expect("random");
        assert_eq!(BoxId::parse(id.as_str()), Some(id));
        assert_eq!(BoxId::parse("0123456789abcdeF"), None);
        assert_eq!(BoxId::parse("0123456789abcde"), None);
        assert_eq!(BoxId::parse("../../etc/passwd"), None);
    }
}
