//! Tests of [`LoginThrottle`]: free failures, back-off growth and cap, reset,
//! forgetting and the memory bound.

use std::net::Ipv4Addr;

use super::*;

const SEC: Duration = Duration::from_secs(1);

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

#[test]
fn unknown_sources_may_try() {
    let throttle = LoginThrottle::new();
    assert_eq!(throttle.check(ip("192.168.1.5"), Instant::now()), Ok(()));
}

#[test]
fn three_failures_are_free_then_the_lock_doubles() {
    let throttle = LoginThrottle::new();
    let a = ip("192.168.1.5");
    let mut now = Instant::now();
    for _ in 0..3 {
        assert_eq!(throttle.check(a, now), Ok(()));
        throttle.failed(a, now);
    }
    assert_eq!(throttle.check(a, now), Ok(()), "three failures are free");
    for expected in [1, 2, 4, 8, 16, 32, 64, 128, 256] {
        throttle.failed(a, now);
        let wait = Duration::from_secs(expected);
        assert_eq!(throttle.check(a, now), Err(wait));
        assert_eq!(
            throttle.check(a, now + wait / 2),
            Err(wait - wait / 2),
            "the wait counts down"
        );
        now += wait;
        assert_eq!(throttle.check(a, now), Ok(()), "free again after {wait:?}");
    }
}

#[test]
fn the_lock_is_capped_at_five_minutes() {
    let throttle = LoginThrottle::new();
    let a = ip("10.0.0.7");
    let now = Instant::now();
    for _ in 0..1000 {
        throttle.failed(a, now);
    }
    assert_eq!(throttle.check(a, now), Err(MAX_LOCK));
    assert_eq!(MAX_LOCK, 300 * SEC);
    assert_eq!(lock_after(13), MAX_LOCK);
    assert_eq!(lock_after(12), 256 * SEC);
    assert_eq!(lock_after(u32::MAX), MAX_LOCK);
}

#[test]
fn success_clears_the_count() {
    let throttle = LoginThrottle::new();
    let a = ip("192.168.1.5");
    let now = Instant::now();
    for _ in 0..5 {
        throttle.failed(a, now);
    }
    assert!(throttle.check(a, now).is_err());
    throttle.succeeded(a);
    assert_eq!(throttle.check(a, now), Ok(()));
    throttle.failed(a, now);
    assert_eq!(throttle.check(a, now), Ok(()), "counting starts again");
    assert_eq!(throttle.tracked(), 1);
}

#[test]
fn sources_are_counted_separately() {
    let throttle = LoginThrottle::new();
    let now = Instant::now();
    for _ in 0..4 {
        throttle.failed(ip("192.168.1.5"), now);
    }
    assert!(throttle.check(ip("192.168.1.5"), now).is_err());
    assert_eq!(throttle.check(ip("192.168.1.6"), now), Ok(()));
    assert_eq!(throttle.check(ip("fd00::1"), now), Ok(()));
}

#[test]
fn mapped_v4_counts_as_v4_and_v6_by_its_64() {
    let throttle = LoginThrottle::new();
    let now = Instant::now();
    for _ in 0..4 {
        throttle.failed(ip("::ffff:192.168.1.5"), now);
    }
    assert!(throttle.check(ip("192.168.1.5"), now).is_err());
    for n in 0..4 {
        throttle.failed(ip(&format!("fd00:1:2:3::{n}")), now);
    }
    assert!(throttle.check(ip("fd00:1:2:3:aaaa::9"), now).is_err());
    assert_eq!(throttle.check(ip("fd00:1:2:4::1"), now), Ok(()));
    assert_eq!(throttle.tracked(), 2);
}

#[test]
fn failures_are_forgotten_after_an_idle_hour() {
    let throttle = LoginThrottle::new();
    let a = ip("192.168.1.5");
    let t0 = Instant::now();
    for _ in 0..10 {
        throttle.failed(a, t0);
    }
    // The count survives a shorter pause: the next failure locks at once.
    throttle.failed(a, t0 + 30 * 60 * SEC);
    assert!(throttle.check(a, t0 + 30 * 60 * SEC).is_err());
    // After an idle hour the source starts afresh.
    let later = t0 + 30 * 60 * SEC + FORGET_AFTER;
    assert_eq!(throttle.check(a, later), Ok(()));
    assert_eq!(throttle.tracked(), 0);
    throttle.failed(a, later);
    assert_eq!(throttle.check(a, later), Ok(()));
}

#[test]
fn a_failure_after_an_idle_hour_starts_the_count_again() {
    let throttle = LoginThrottle::new();
    let a = ip("192.168.1.5");
    let t0 = Instant::now();
    for _ in 0..10 {
        throttle.failed(a, t0);
    }
    let later = t0 + FORGET_AFTER;
    throttle.failed(a, later);
    assert_eq!(throttle.check(a, later), Ok(()));
}

#[test]
fn the_table_is_bounded_and_evicts_the_least_recent() {
    let throttle = LoginThrottle::new();
    let t0 = Instant::now();
    let v4 = |n: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
    for n in 0..MAX_SOURCES as u32 {
        throttle.failed(v4(n), t0 + Duration::from_millis(u64::from(n)));
    }
    assert_eq!(throttle.tracked(), MAX_SOURCES);
    let late = t0 + 20 * SEC;
    for _ in 0..4 {
        throttle.failed(v4(MAX_SOURCES as u32), late);
    }
    assert_eq!(throttle.tracked(), MAX_SOURCES);
    assert!(throttle.check(v4(MAX_SOURCES as u32), late).is_err());
    // The oldest went to make room; the newest of the old ones stayed.
    throttle.failed(v4(0), late);
    throttle.failed(v4(0), late);
    throttle.failed(v4(0), late);
    assert_eq!(throttle.check(v4(0), late), Ok(()), "v4(0) was forgotten");
}

#[test]
fn idle_sources_are_dropped_before_live_ones_when_full() {
    let throttle = LoginThrottle::new();
    let t0 = Instant::now();
    let v4 = |n: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
    for n in 0..MAX_SOURCES as u32 - 1 {
        throttle.failed(v4(n), t0);
    }
    let live = ip("192.168.1.5");
    let later = t0 + FORGET_AFTER;
    for _ in 0..4 {
        throttle.failed(live, later - SEC);
    }
    throttle.failed(ip("192.168.1.6"), later);
    assert_eq!(throttle.tracked(), 2);
    assert!(throttle.check(live, later - SEC).is_err());
}

#[test]
fn attempts_in_flight_meet_the_back_off() {
    // Twenty wrong passwords sent at once: each is counted as it starts, so
    // only the free ones and the one that sets the first lock get checked.
    let throttle = LoginThrottle::new();
    let (a, now) = (ip("192.168.1.5"), Instant::now());
    let admitted = (0..20).filter(|_| throttle.attempt(a, now).is_ok()).count();
    assert_eq!(admitted, FREE_FAILURES as usize + 1);
}

#[test]
fn a_right_password_settles_its_attempt() {
    let throttle = LoginThrottle::new();
    let (a, now) = (ip("192.168.1.5"), Instant::now());
    for _ in 0..10 {
        assert_eq!(throttle.attempt(a, now), Ok(()));
        throttle.succeeded(a);
    }
    assert_eq!(throttle.tracked(), 0);
}

#[test]
fn a_withdrawn_attempt_costs_nothing() {
    let throttle = LoginThrottle::new();
    let (a, now) = (ip("192.168.1.5"), Instant::now());
    for _ in 0..(FREE_FAILURES + 1) {
        throttle.attempt(a, now).expect("free");
    }
    assert!(throttle.check(a, now).is_err(), "the fourth failure locks");
    throttle.withdraw(a);
    assert_eq!(
        throttle.check(a, now),
        Ok(()),
        "three failures are free again"
    );
    for _ in 0..FREE_FAILURES {
        throttle.withdraw(a);
    }
    assert_eq!(throttle.tracked(), 0);
}
