//! Counting who is inside: caps on open connections and sockets, overall and
//! per source, and a token bucket for message and request rates.
//!
//! Owns [`Gate`] (a pass per open connection or socket, given back when the
//! pass drops, so nothing is leaked on any path out), [`Bucket`] (a rate over
//! one socket) and [`SourceRates`] (a rate per source, its memory bounded).
//! No HTTP here: `serve`, `signal` and the admin guard decide what a refusal
//! looks like on the wire.

use crate::sync::lock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::source::source_key;

/// Why a [`Gate`] refused a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The box holds as many as it takes from everyone.
    Overall,
    /// This source already holds its share.
    Source,
}

/// Open things (connections, sockets) counted overall and per source.
#[derive(Debug, Clone)]
pub struct Gate {
    inner: Arc<GateInner>,
}

#[derive(Debug)]
struct GateInner {
    overall: usize,
    per_source: usize,
    open: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_source: HashMap<IpAddr, usize>,
}

/// One place inside a [`Gate`]; dropping it gives the place back.
#[derive(Debug)]
pub struct Pass {
    gate: Arc<GateInner>,
    source: IpAddr,
}

impl Gate {
    pub fn new(overall: usize, per_source: usize) -> Self {
        Self {
            inner: Arc::new(GateInner {
                overall,
                per_source,
                open: Mutex::default(),
            }),
        }
    }

    /// A place for `ip`, or why there is none.
    pub fn enter(&self, ip: IpAddr) -> Result<Pass, Full> {
        let source = source_key(ip);
        let mut open = self.inner.lock();
        if open.total >= self.inner.overall {
            return Err(Full::Overall);
        }
        let mine = open.by_source.entry(source).or_default();
        if *mine >= self.inner.per_source {
            return Err(Full::Source);
        }
        *mine += 1;
        open.total += 1;
        Ok(Pass {
            gate: self.inner.clone(),
            source,
        })
    }

    /// How many are inside now.
    pub fn open(&self) -> usize {
        self.inner.lock().total
    }
}

impl GateInner {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        lock(&self.open)
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut open = self.gate.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_source.get_mut(&self.source) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.by_source.remove(&self.source);
            }
        }
    }
}

/// A token bucket: `rate` per second on average, `burst` at once.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub fn new(rate_per_sec: f64, burst: f64, now: Instant) -> Self {
        Self {
            rate: rate_per_sec,
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes one token at `now`; `false` when the bucket is empty.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until a token is there again.
    pub fn wait(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens) / self.rate).max(0.0))
    }

    /// Whether the bucket has been full long enough to be forgotten.
    fn idle(&self, now: Instant) -> bool {
        let refill = (self.burst - self.tokens) / self.rate;
        now.saturating_duration_since(self.last).as_secs_f64() >= refill
    }
}

/// A [`Bucket`] per source. Sources whose bucket has refilled are forgotten
/// when the table grows, so its memory stays bounded whatever the traffic.
#[derive(Debug)]
pub struct SourceRates {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// At most this many sources are tracked; beyond, the least recent are dropped.
const MAX_TRACKED: usize = 10_000;

impl SourceRates {
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// `Ok` when `ip` may make one more request at `now`, or how long to wait.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = lock(&self.buckets);
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| !b.idle(now));
            while buckets.len() >= MAX_TRACKED {
                let oldest = buckets.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| *k);
                match oldest {
                    Some(k) => buckets.remove(&k),
                    None => break,
                };
            }
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = f64::from(self.per_minute);
        let bucket = buckets
            .entry(source_key(ip))
            .or_insert_with(|| Bucket::new(rate, burst, now));
        if bucket.take(now) {
            Ok(())
        } else {
            Err(bucket.wait())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn a_source_gets_its_share_and_leaves_room_for_others() {
        let gate = Gate::new(4, 2);
        let a1 = gate.enter(ip("192.0.2.1")).expect("first");
        let _a2 = gate.enter(ip("192.0.2.1")).expect("second");
        assert_eq!(
            gate.enter(ip("192.0.2.1")).expect_err("its share is used"),
            Full::Source
        );
        let _b1 = gate.enter(ip("192.0.2.2")).expect("another source");
        let _b2 = gate.enter(ip("192.0.2.2")).expect("its second");
        assert_eq!(
            gate.enter(ip("192.0.2.3")).expect_err("the box is full"),
            Full::Overall
        );
        drop(a1);
        assert_eq!(gate.open(), 3);
        gate.enter(ip("192.0.2.3")).expect("a place was given back");
    }

    #[test]
    fn passes_dropped_leave_nothing_behind() {
        let gate = Gate::new(100, 10);
        let passes: Vec<_> = (0..50)
            .map(|n| gate.enter(ip(&format!("192.0.2.{n}"))).expect("room"))
            .collect();
        drop(passes);
        assert_eq!(gate.open(), 0);
        assert!(gate.inner.lock().by_source.is_empty());
    }

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(10.0, 20.0, t0);
        assert_eq!((0..30).filter(|_| bucket.take(t0)).count(), 20);
        assert!(bucket.wait() > Duration::ZERO);
        let later = t0 + Duration::from_millis(500);
        assert_eq!((0..30).filter(|_| bucket.take(later)).count(), 5);
    }

    #[test]
    fn source_rates_count_each_source_apart() {
        let rates = SourceRates::per_minute(60);
        let now = Instant::now();
        for _ in 0..60 {
            rates
                .take(ip("192.0.2.1"), now)
                .expect("within the minute's share");
        }
        assert!(rates.take(ip("192.0.2.1"), now).is_err());
        rates.take(ip("192.0.2.2"), now).expect("another source");
    }
}
