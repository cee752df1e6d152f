//! HTTP-01 challenge responses: what the relay's port-80 listener answers at
//! `/.well-known/acme-challenge/{token}` while an order is being validated.
//!
//! The ACME side ([`super::ensure_certificate`]) publishes a token's key
//! authorization just before it tells the server the challenge is ready and
//! withdraws it once the order is validated or has failed; the HTTP side only
//! looks tokens up. No HTTP types here: strings in, strings out.

use crate::sync::{read, write};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

/// The path prefix under which HTTP-01 responses are served (RFC 8555, 8.3).
/// The token follows it: `/.well-known/acme-challenge/{token}`.
pub const CHALLENGE_PATH_PREFIX: &str = "/.well-known/acme-challenge/";

/// A shared map, token → key authorization, of the HTTP-01 challenges
/// currently being validated. Cheap to clone; every clone sees the same map.
///
/// The relay's port-80 route answers `GET /.well-known/acme-challenge/{token}`
/// with `200` and the body [`key_authorization`](Self::key_authorization)
/// returns (as `text/plain` or `application/octet-stream`), or `404` when it
/// returns `None`. Tokens and key authorizations are public by design (the
/// ACME server fetches them over plain HTTP); they are not secrets.
#[derive(Clone, Default)]
pub struct ChallengeResponses {
    map: Arc<RwLock<HashMap<String, String>>>,
}

impl ChallengeResponses {
    pub fn new() -> Self {
        Self::default()
    }

    /// The key authorization to answer for `token`, if a challenge with that
    /// token is being validated now.
    pub fn key_authorization(&self, token: &str) -> Option<String> {
        let map = read(&self.map);
        map.get(token).cloned()
    }

    /// The response for a request path, if it is
    /// `/.well-known/acme-challenge/{token}` with a token being validated now.
    pub fn for_path(&self, path: &str) -> Option<String> {
        self.key_authorization(path.strip_prefix(CHALLENGE_PATH_PREFIX)?)
    }

    /// How many challenges are being answered now.
    pub fn len(&self) -> usize {
        read(&self.map).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts publishing one order's tokens; they are withdrawn when the
    /// returned guard is dropped.
    pub(crate) fn publish(&self) -> Published<'_> {
        Published {
            responses: self,
            tokens: Vec::new(),
        }
    }
}

impl fmt::Debug for ChallengeResponses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeResponses")
            .field("pending", &self.len())
            .finish()
    }
}

/// The tokens one order published; withdrawn when this is dropped (also when
/// the order fails or its future is cancelled).
pub(crate) struct Published<'a> {
    responses: &'a ChallengeResponses,
    tokens: Vec<String>,
}

impl Published<'_> {
    pub(crate) fn insert(&mut self, token: String, key_authorization: String) {
        let mut map = write(&self.responses.map);
        map.insert(token.clone(), key_authorization);
        self.tokens.push(token);
    }
}

impl Drop for Published<'_> {
    fn drop(&mut self) {
        let mut map = write(&self.responses.map);
        for token in &self.tokens {
            map.remove(token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_tokens_answer_until_the_guard_drops() {
        let responses = ChallengeResponses::new();
        let reader = responses.clone();
        {
            let mut published = responses.publish();
            published.insert("tok-1".into(), "tok-1.thumb".into());
            assert_eq!(
                reader.key_authorization("tok-1").as_deref(),
                Some("tok-1.thumb")
            );
            assert_eq!(
                reader
                    .for_path("/.well-known/acme-challenge/tok-1")
                    .as_deref(),
                Some("tok-1.thumb")
            );
            assert_eq!(reader.for_path("/tok-1"), None);
            assert_eq!(reader.key_authorization("other"), None);
            assert_eq!(reader.len(), 1);
        }
        assert_eq!(reader.key_authorization("tok-1"), None);
        assert!(reader.is_empty());
    }
}
