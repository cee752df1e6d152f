//! How the box answers a new caller: a value the settings and the clock
//! decide (`settings::AutoAnswer::answering`) and the device's state machine
//! acts on. Its own module, so that neither of the two depends on the other.

/// How the box answers a new caller, decided from the settings and the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answering {
    /// After announcing the caller on the TV for this many seconds (0: at once).
    AfterCountdown { seconds: u32 },
    /// Not now: quiet hours until this time ("HH:MM").
    Resting { until: String },
    /// Not at all: automatic answering is off.
    Declined,
    /// At once, unannounced, whatever the settings: a call this box had a
    /// moment ago (before it restarted, or before the page was away longer
    /// than the grace period) coming back.
    Restored,
}
