//! Invite links: the secret a relative opens to call the box.
//!
//! Owns tokens and the link book. A token is 256 bits from the OS CSPRNG,
//! base64url without padding. The box keeps only its SHA-256, compared in
//! constant time, so the state directory never holds a usable link. The book
//! is one crash-safe JSON file, re-read on every check, so a link made by the
//! command line while the box runs works at once.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::clock::unix_now as now;
use crate::store::{JsonFile, StoreError};

const TOKEN_BYTES: usize = 32;
/// Length of a token's text: 32 bytes in base64url without padding.
const TOKEN_CHARS: usize = 43;

/// A link's secret. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A new token from the operating system's random source.
    pub fn generate() -> Result<Self, LinkError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| LinkError::Random(e.to_string()))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The token as it appears in a URL.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn digest(text: &str) -> [u8; 32] {
        Sha256::digest(text.as_bytes()).into()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// One link as stored: its label and bookkeeping, the token's hash only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// A short public id for the admin (not the secret).
    pub id: String,
    /// Who the link is for, as the family named it ("Anna").
    pub label: String,
    /// Hex SHA-256 of the token.
    token_sha256: String,
    /// Unix seconds.
    pub created: u64,
    #[serde(default)]
    pub expires: Option<u64>,
    #[serde(default)]
    pub revoked: bool,
    /// Good for one call: spent once that call is admitted.
    #[serde(default)]
    pub one_time: bool,
    #[serde(default)]
    pub spent: bool,
    #[serde(default)]
    pub calls: u64,
    #[serde(default)]
    pub last_used: Option<u64>,
}

/// Why a presented token does not open a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No link has this token.
    Unknown,
    /// The link was revoked or has expired.
    NoLongerValid,
    /// The link expires, and the box's clock is not set yet: whether it has
    /// expired cannot be told (see `crate::clock`). Try again in a moment.
    ClockNotSet,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Book {
    links: Vec<Link>,
}

/// The links of this box, stored under the state directory.
#[derive(Debug, Clone)]
pub struct LinkBook {
    file: JsonFile,
}

impl LinkBook {
    pub fn open(state_dir: &Path) -> Self {
        Self {
            file: JsonFile::new(state_dir.join("links.json")),
        }
    }

    /// Makes a new link and returns it with its token (shown once, never stored).
    pub fn create(&self, new: &NewLink) -> Result<(Link, Token), LinkError> {
        let (link, token) = fresh(new)?;
        let stored = link.clone();
        self.file
            .update(|book: &mut Book| book.links.push(stored))?;
        Ok((link, token))
    }

    /// Every link, newest first (revoked ones included, for the record).
    pub fn list(&self) -> Result<Vec<Link>, LinkError> {
        let mut links = self.file.read::<Book>()?.unwrap_or_default().links;
        links.reverse();
        Ok(links)
    }

    /// Revokes link `id`; false when there is no such link.
    pub fn revoke(&self, id: &str) -> Result<bool, LinkError> {
        Ok(self.file.update(|book: &mut Book| {
            book.links
                .iter_mut()
                .find(|l| l.id == id)
                .map(|l| l.revoked = true)
                .is_some()
        })?)
    }

    /// Revokes link `id` and makes a new one like it (label, lifetime, one-time),
    /// in one write; `None` when there is no such link.
    pub fn replace(&self, id: &str) -> Result<Option<(Link, Token)>, LinkError> {
        let Some(old) = self.list()?.into_iter().find(|l| l.id == id) else {
            return Ok(None);
        };
        let lifetime = old.expires.map(|e| e.saturating_sub(old.created));
        let (link, token) = fresh(&NewLink {
            label: old.label,
            expires: lifetime.map(|l| now() + l),
            one_time: old.one_time,
        })?;
        let stored = link.clone();
        let replaced = self.file.update(|book: &mut Book| {
            let Some(old) = book.links.iter_mut().find(|l| l.id == id) else {
                return false;
            };
            old.revoked = true;
            book.links.push(stored);
            true
        })?;
        Ok(replaced.then_some((link, token)))
    }

    /// The link `token` opens, if it opens one now.
    pub fn check(&self, token: &str) -> Result<Link, CheckError> {
        self.check_at(token, now())
    }

    /// The link `token` opens at `now` (unix seconds, as the clock says).
    fn check_at(&self, token: &str, now: u64) -> Result<Link, CheckError> {
        // Length and alphabet are public facts about every token: refusing
        // malformed ones early reveals nothing about any stored link.
        if token.len() != TOKEN_CHARS
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(CheckError::Refused(Refusal::Unknown));
        }
        let book: Book = self.file.read()?.unwrap_or_default();
        let wanted = hex(&Token::digest(token));
        let mut found = None;
        for link in &book.links {
            // Compare every entry in constant time; no early exit.
            if bool::from(link.token_sha256.as_bytes().ct_eq(wanted.as_bytes())) {
                found = Some(link.clone());
            }
        }
        let link = found.ok_or(CheckError::Refused(Refusal::Unknown))?;
        if link.revoked {
            return Err(CheckError::Refused(Refusal::NoLongerValid));
        }
        if let Some(expires) = link.expires {
            if !crate::clock::is_set(now) {
                return Err(CheckError::Refused(Refusal::ClockNotSet));
            }
            if expires <= now {
                return Err(CheckError::Refused(Refusal::NoLongerValid));
            }
        }
        // A spent one-time link still opens its page: a reload of the call it
        // made must work. The device refuses it unless it resumes that call.
        Ok(link)
    }

    /// Counts a call admitted through the link `id`; a one-time link is spent.
    pub fn record_call(&self, id: &str) -> Result<(), LinkError> {
        let at = now();
        self.file.update(|book: &mut Book| {
            if let Some(link) = book.links.iter_mut().find(|l| l.id == id) {
                link.calls += 1;
                link.last_used = Some(at);
                link.spent |= link.one_time;
            }
        })?;
        Ok(())
    }
}

/// What the admin asks for when making a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub label: String,
    /// Unix seconds after which the link no longer opens a call.
    pub expires: Option<u64>,
    pub one_time: bool,
}

impl NewLink {
    /// A link for `label` that lasts until revoked.
    pub fn lasting(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            expires: None,
            one_time: false,
        }
    }
}

fn fresh(new: &NewLink) -> Result<(Link, Token), LinkError> {
    let token = Token::generate()?;
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).map_err(|e| LinkError::Random(e.to_string()))?;
    let label = new.label.trim();
    let link = Link {
        id: URL_SAFE_NO_PAD.encode(id),
        label: if label.is_empty() { "Family" } else { label }
            .chars()
            .take(40)
            .collect(),
        token_sha256: hex(&Token::digest(token.expose())),
        created: now(),
        expires: new.expires,
        revoked: false,
        one_time: new.one_time,
        spent: false,
        calls: 0,
        last_used: None,
    };
    Ok((link, token))
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("link refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_url_safe_and_distinct() {
        let a = Token::generate().expect("token");
        let b = Token::generate().expect("token");
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), TOKEN_CHARS);
        assert!(a
            .expose()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(format!("{a:?}"), "Token(…)");
    }

    #[test]
    fn a_created_link_opens_and_others_do_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = LinkBook::open(dir.path());
        let (link, token) = book.create(&NewLink::lasting(" Anna ")).expect("create");
        assert_eq!(link.label, "Anna");
        assert_eq!(book.check(token.expose()).expect("opens").id, link.id);

        let other = Token::generate().expect("token");
        for bad in [other.expose(), "", "short", &"!".repeat(TOKEN_CHARS)] {
            assert!(matches!(
                book.check(bad),
                Err(CheckError::Refused(Refusal::Unknown))
            ));
        }
        let stored = std::fs::read_to_string(dir.path().join("links.json")).expect("file");
        assert!(
            !stored.contains(token.expose()),
            "the token must not be stored"
        );
    }

    #[test]
    fn expired_and_revoked_links_are_no_longer_valid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = LinkBook::open(dir.path());
        let (_, expired) = book
            .create(&NewLink {
                expires: Some(now() - 1),
                ..NewLink::lasting("Old")
            })
            .expect("create");
        assert!(matches!(
            book.check(expired.expose()),
            Err(CheckError::Refused(Refusal::NoLongerValid))
        ));
        let (link, token) = book.create(&NewLink::lasting("Ben")).expect("create");
        assert!(book.revoke(&link.id).expect("revoke"));
        assert!(!book.revoke("no-such-id").expect("revoke"));
        assert!(matches!(
            book.check(token.expose()),
            Err(CheckError::Refused(Refusal::NoLongerValid))
        ));
    }

    #[test]
    fn calls_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = LinkBook::open(dir.path());
        let (link, token) = book.create(&NewLink::lasting("Anna")).expect("create");
        book.record_call(&link.id).expect("record");
        book.record_call(&link.id).expect("record");
        let after = book.check(token.expose()).expect("opens");
        assert_eq!(after.calls, 2);
        assert!(after.last_used.is_some());
        assert!(!after.spent, "a lasting link is never spent");
    }

    #[test]
    fn a_one_time_link_is_spent_by_its_call() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = LinkBook::open(dir.path());
        let (link, token) = book
            .create(&NewLink {
                one_time: true,
                ..NewLink::lasting("Once")
            })
            .expect("create");
        assert!(!book.check(token.expose()).expect("opens").spent);
        book.record_call(&link.id).expect("record");
        assert!(
            book.check(token.expose())
                .expect("still opens its page")
                .spent
        );
    }

    #[test]
    fn replacing_revokes_the_old_link_and_keeps_its_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = LinkBook::open(dir.path());
        let (old, old_token) = book
            .create(&NewLink {
                expires: Some(now() + 3600),
                one_time: true,
                label: "Anna".into(),
            })
            .expect("create");
        let (new, new_token) = book.replace(&old.id).expect("replace").expect("exists");
        assert_ne!(new.id, old.id);
        assert_eq!((new.label.as_str(), new.one_time), ("Anna", true));
        assert!(new.expires.is_some_and(|e| e > now() + 3500));
        assert!(matches!(
            book.check(old_token.expose()),
            Err(CheckError::Refused(Refusal::NoLongerValid))
        ));
        assert_eq!(book.check(new_token.expose()).expect("opens").id, new.id);
        assert_eq!(
            book.list().expect("list").first().map(|l| l.id.clone()),
            Some(new.id)
        );
        assert!(book.replace("nope").expect("replace").is_none());
    }

    #[test]
    fn an_expiring_link_is_not_judged_while_the_clock_is_not_set() {
        let dir = tempfile::tempdir().expect("temp dir");
        let book = LinkBook::open(dir.path());
        let (_, lasting) = book.create(&NewLink::lasting("Anna")).expect("create");
        let (_, expiring) = book
            .create(&NewLink {
                label: "Ben".into(),
                expires: Some(now() + 3600),
                one_time: false,
            })
            .expect("create");
        let at_boot = 1_000; // a board with no real-time clock, before network time
        assert!(book.check_at(lasting.expose(), at_boot).is_ok());
        assert!(matches!(
            book.check_at(expiring.expose(), at_boot),
            Err(CheckError::Refused(Refusal::ClockNotSet))
        ));
        assert!(book.check_at(expiring.expose(), now()).is_ok());
        assert!(matches!(
            book.check_at(expiring.expose(), now() + 7200),
            Err(CheckError::Refused(Refusal::NoLongerValid))
        ));
    }
}
