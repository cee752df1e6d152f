//! Logged-in admin sessions.
//!
//! Owns [`Sessions`]: an in-memory registry (a restart logs everyone out) of
//! session tokens, 256 bits from the OS CSPRNG in base64url. Only each token's
//! SHA-256 is kept and looked up, so comparing a presented token reveals
//! nothing about a valid one. A session ends after [`IDLE_TIMEOUT`] without
//! use or [`ABSOLUTE_TIMEOUT`] after login, whichever comes first. The clock is
//! a parameter (`now`) so the rules are tested without sleeping.
//!
//! Also owns [`cookie_value`]: the token as a browser sends it back, found in
//! the values of its `Cookie` headers.

use crate::sync::lock;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{random_bytes, AdminError};

/// A session unused this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// A session this old is over however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(12 * 60 * 60);
/// At most this many sessions at once; a new login ends the oldest beyond it.
const MAX_SESSIONS: usize = 64;
const TOKEN_BYTES: usize = 32;

/// A session's secret, for the cookie. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// The token as it goes into the cookie (43 base64url characters).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

#[derive(Debug, Clone, Copy)]
struct Session {
    created: Instant,
    last_seen: Instant,
}

/// The logged-in admin sessions. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Sessions {
    by_hash: Mutex<HashMap<[u8; 32], Session>>,
    idle: Duration,
    absolute: Duration,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}

impl Sessions {
    /// Sessions with the standard limits ([`IDLE_TIMEOUT`], [`ABSOLUTE_TIMEOUT`]).
    pub fn new() -> Self {
        Self::with_limits(IDLE_TIMEOUT, ABSOLUTE_TIMEOUT)
    }

    pub fn with_limits(idle: Duration, absolute: Duration) -> Self {
        Self {
            by_hash: Mutex::new(HashMap::new()),
            idle,
            absolute,
        }
    }

    /// Starts a session after a successful login.
    pub fn create(&self, now: Instant) -> Result<SessionToken, AdminError> {
        let token = SessionToken(URL_SAFE_NO_PAD.encode(random_bytes::<TOKEN_BYTES>()?));
        let mut map = self.lock();
        map.retain(|_, s| !self.expired(s, now));
        while map.len() >= MAX_SESSIONS {
            let oldest = map.iter().min_by_key(|(_, s)| s.last_seen).map(|(k, _)| *k);
            match oldest {
                Some(key) => map.remove(&key),
                None => break,
            };
        }
        map.insert(
            digest(token.expose()),
            Session {
                created: now,
                last_seen: now,
            },
        );
        Ok(token)
    }

    /// Whether `token` is a live session; if so its idle timer restarts at
    /// `now`. An expired session is removed.
    pub fn check(&self, token: &str, now: Instant) -> bool {
        let key = digest(token);
        let mut map = self.lock();
        let Some(session) = map.get_mut(&key) else {
            return false;
        };
        if self.expired(session, now) {
            map.remove(&key);
            return false;
        }
        session.last_seen = session.last_seen.max(now);
        true
    }

    /// Logs one session out (unknown tokens are ignored).
    pub fn end(&self, token: &str) {
        self.lock().remove(&digest(token));
    }

    /// Logs every session out, as after a password change.
    pub fn end_all(&self) {
        self.lock().clear();
    }

    /// How many sessions are held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn expired(&self, s: &Session, now: Instant) -> bool {
        now.saturating_duration_since(s.last_seen) >= self.idle
            || now.saturating_duration_since(s.created) >= self.absolute
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Session>> {
        lock(&self.by_hash)
    }
}

/// The value of the cookie called exactly `name` in `headers` (the values of
/// a request's `Cookie` headers, each `a=1; b=2`): the first one, if any.
/// Other cookies, names that differ in case or only contain `name`, and pairs
/// without `=` are passed over.
pub fn cookie_value<'a>(headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn a_new_token_is_256_bits_of_base64url_and_checks() {
        let sessions = Sessions::new();
        let now = Instant::now();
        let a = sessions.create(now).expect("create");
        let b = sessions.create(now).expect("create");
        assert_eq!(a.expose().len(), 43);
        assert!(a
            .expose()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, b);
        assert!(sessions.check(a.expose(), now));
        assert!(sessions.check(b.expose(), now));
        assert_eq!(format!("{a:?}"), "SessionToken(…)");
    }

    #[test]
    fn unknown_and_altered_tokens_are_refused() {
        let sessions = Sessions::new();
        let now = Instant::now();
        let token = sessions.create(now).expect("create");
        let mut altered = token.expose().to_owned();
        altered.pop();
        altered.push(if token.expose().ends_with('A') {
            'B'
        } else {
            'A'
        });
        for bad in ["", "x", altered.as_str(), &token.expose()[..42]] {
            assert!(!sessions.check(bad, now), "{bad:?}");
        }
        assert!(sessions.check(token.expose(), now));
    }

    #[test]
    fn idle_expiry_slides_with_use() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        let token = sessions.create(t0).expect("create");
        // Used every 29 minutes, it lives on for hours.
        let mut now = t0;
        for _ in 0..10 {
            now += 29 * MIN;
            assert!(sessions.check(token.expose(), now));
        }
        // Idle for 30 minutes, it is over, for good.
        now += 30 * MIN;
        assert!(!sessions.check(token.expose(), now));
        assert!(!sessions.check(token.expose(), now - 29 * MIN));
        assert!(sessions.is_empty());
    }

    #[test]
    fn absolute_expiry_ends_a_busy_session() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        let token = sessions.create(t0).expect("create");
        let mut now = t0;
        while now + 10 * MIN < t0 + ABSOLUTE_TIMEOUT {
            now += 10 * MIN;
            assert!(sessions.check(token.expose(), now));
        }
        assert!(!sessions.check(token.expose(), t0 + ABSOLUTE_TIMEOUT));
    }

    #[test]
    fn end_and_end_all_log_out() {
        let sessions = Sessions::new();
        let now = Instant::now();
        let a = sessions.create(now).expect("create");
        let b = sessions.create(now).expect("create");
        let c = sessions.create(now).expect("create");
        sessions.end(a.expose());
        sessions.end("not a token");
        assert!(!sessions.check(a.expose(), now));
        assert!(sessions.check(b.expose(), now));
        sessions.end_all();
        assert!(!sessions.check(b.expose(), now));
        assert!(!sessions.check(c.expose(), now));
        assert!(sessions.is_empty());
    }

    #[test]
    fn sessions_are_bounded_and_the_least_recent_goes_first() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        let first = sessions.create(t0).expect("create");
        let second = sessions
            .create(t0 + Duration::from_secs(1))
            .expect("create");
        let mut now = t0 + Duration::from_secs(2);
        assert!(sessions.check(first.expose(), now));
        for _ in 0..MAX_SESSIONS {
            now += Duration::from_secs(1);
            sessions.create(now).expect("create");
        }
        assert_eq!(sessions.len(), MAX_SESSIONS);
        assert!(
            !sessions.check(second.expose(), now),
            "least recent evicted"
        );
    }

    #[test]
    fn expired_sessions_are_swept_on_login() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        for _ in 0..5 {
            sessions.create(t0).expect("create");
        }
        sessions.create(t0 + IDLE_TIMEOUT).expect("create");
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn the_cookie_is_found_by_its_exact_name() {
        let name = "homecall_admin";
        assert_eq!(cookie_value(["homecall_admin=abc"], name), Some("abc"));
        assert_eq!(
            cookie_value(["a=1; homecall_admin=x=y ;b=2"], name),
            Some("x=y")
        );
        assert_eq!(
            cookie_value(["a=1", "homecall_admin=second"], name),
            Some("second")
        );
        assert_eq!(
            cookie_value(["homecall_admin=first; homecall_admin=again"], name),
            Some("first")
        );
        assert_eq!(cookie_value(["homecall_admin="], name), Some(""));
        for header in [
            "",
            "homecall_admin",
            "Homecall_Admin=x",
            "homecall_admin2=x",
            "xhomecall_admin=x",
            "homecall_admin =x",
            "a=homecall_admin=x",
        ] {
            assert_eq!(cookie_value([header], name), None, "{header:?}");
        }
        assert_eq!(cookie_value([], name), None);
    }

    #[test]
    fn shared_between_threads() {
        let sessions = std::sync::Arc::new(Sessions::new());
        let now = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let sessions = sessions.clone();
                std::thread::spawn(move || {
                    let t = sessions.create(now).expect("create");
                    sessions.check(t.expose(), now)
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().expect("thread"));
        }
    }
}
