//! The back-off on failed logins.
//!
//! Owns [`LoginThrottle`]: failed attempts counted per source. The first
//! [`FREE_FAILURES`] cost nothing; each one after locks the source out for
//! 1 s, 2 s, 4 s … up to [`MAX_LOCK`]. A success clears the count. Sources
//! are counted by [`crate::source::source_key`].
//!
//! An attempt is counted as failed *before* its password is checked
//! ([`LoginThrottle::attempt`]) and cleared when it turns out right: checks
//! take most of a second, and twenty wrong passwords sent at once must meet
//! the back-off, not slip past it while the first ones are still running.
//! Memory is bounded: sources idle for [`FORGET_AFTER`] are forgotten and the
//! table holds at most [`MAX_SOURCES`], the least recent going first.

use crate::sync::lock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::source::source_key;

/// Failures allowed before any lock.
pub const FREE_FAILURES: u32 = 3;
/// The first lock; each further failure doubles it.
pub const FIRST_LOCK: Duration = Duration::from_secs(1);
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_secs(5 * 60);
/// A source without a failure for this long starts afresh.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// The most sources remembered at once.
pub const MAX_SOURCES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    locked_until: Instant,
    last_failure: Instant,
}

/// Failed logins per source address. Share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    sources: Mutex<HashMap<IpAddr, Record>>,
}

impl LoginThrottle {
    pub fn new() -> Self {
        Self::default()
    }

    /// `Ok` when `ip` may try a password now, or how long it must wait.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        Self::check_locked(&mut self.lock(), source_key(ip), now)
    }

    fn check_locked(
        sources: &mut HashMap<IpAddr, Record>,
        key: IpAddr,
        now: Instant,
    ) -> Result<(), Duration> {
        let Some(record) = sources.get(&key) else {
            return Ok(());
        };
        if now.saturating_duration_since(record.last_failure) >= FORGET_AFTER {
            sources.remove(&key);
            return Ok(());
        }
        match record.locked_until.checked_duration_since(now) {
            Some(wait) if !wait.is_zero() => Err(wait),
            _ => Ok(()),
        }
    }

    /// Reserves an attempt for `ip` at `now`, counted as a failure until
    /// [`LoginThrottle::succeeded`] or [`LoginThrottle::withdraw`] settles it;
    /// or how long `ip` must wait. Check and count happen under one lock.
    pub fn attempt(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut sources = self.lock();
        Self::check_locked(&mut sources, source_key(ip), now)?;
        Self::fail_locked(&mut sources, source_key(ip), now);
        Ok(())
    }

    /// Takes back an attempt that turned out not to be a guess at all (the
    /// box was not set up, the new password was too weak): it costs nothing.
    pub fn withdraw(&self, ip: IpAddr) {
        let mut sources = self.lock();
        if let Some(record) = sources.get_mut(&source_key(ip)) {
            record.failures = record.failures.saturating_sub(1);
            if record.failures == 0 {
                sources.remove(&source_key(ip));
            } else {
                record.locked_until = record.last_failure + lock_after(record.failures);
            }
        }
    }

    /// Records a wrong password from `ip` at `now`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        Self::fail_locked(&mut self.lock(), source_key(ip), now);
    }

    fn fail_locked(sources: &mut HashMap<IpAddr, Record>, key: IpAddr, now: Instant) {
        if !sources.contains_key(&key) && sources.len() >= MAX_SOURCES {
            make_room(sources, now);
        }
        let record = sources.entry(key).or_insert(Record {
            failures: 0,
            locked_until: now,
            last_failure: now,
        });
        if now.saturating_duration_since(record.last_failure) >= FORGET_AFTER {
            record.failures = 0;
        }
        record.failures = record.failures.saturating_add(1);
        record.last_failure = now;
        record.locked_until = now + lock_after(record.failures);
    }

    /// Clears `ip`'s failures after a right password.
    pub fn succeeded(&self, ip: IpAddr) {
        self.lock().remove(&source_key(ip));
    }

    /// How many sources are remembered.
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, Record>> {
        lock(&self.sources)
    }
}

/// The lock that follows the `failures`-th failure in a row.
fn lock_after(failures: u32) -> Duration {
    let Some(beyond) = failures.checked_sub(FREE_FAILURES + 1) else {
        return Duration::ZERO;
    };
    // 2^9 s already exceeds the cap; stop doubling there.
    FIRST_LOCK.saturating_mul(1 << beyond.min(9)).min(MAX_LOCK)
}

/// Forgets idle sources, then the least recent ones until there is room.
fn make_room(sources: &mut HashMap<IpAddr, Record>, now: Instant) {
    sources.retain(|_, r| now.saturating_duration_since(r.last_failure) < FORGET_AFTER);
    while sources.len() >= MAX_SOURCES {
        let oldest = sources
            .iter()
            .min_by_key(|(_, r)| r.last_failure)
            .map(|(k, _)| *k);
        match oldest {
            Some(key) => sources.remove(&key),
            None => break,
        };
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
