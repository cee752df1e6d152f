//! Wall-clock time as the box records it: unix seconds, and whether the
//! clock can be believed yet.
//!
//! A board with no real-time clock (a Raspberry Pi) starts in the past —
//! 1970, or the time it last saved — until it hears network time. Until
//! then, nothing that depends on the date may be judged: quiet hours are
//! not applied (the box answers), expiring links are neither judged valid
//! nor expired (their callers are asked to try again in a moment), and no
//! link is given an expiry.

use std::time::{SystemTime, UNIX_EPOCH};

/// 2026-01-01T00:00:00Z: earlier than any release of this software, so a
/// clock before it has not been set.
pub const CLOCK_FLOOR: u64 = 1_767_225_600;

/// Seconds since 1970 (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether the clock has been set (it is not before [`CLOCK_FLOOR`]).
pub fn clock_set() -> bool {
    is_set(unix_now())
}

/// Whether `unix` can be a real time now.
pub fn is_set(unix: u64) -> bool {
    unix >= CLOCK_FLOOR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_before_this_software_existed_is_not_set() {
        assert!(!is_set(0), "1970: a board with no real-time clock");
        assert!(!is_set(1_700_000_000), "2023: a saved time from long ago");
        assert!(is_set(CLOCK_FLOOR));
        assert!(clock_set(), "the machine running the tests has a set clock");
    }
}
