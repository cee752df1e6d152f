//! Bandwidth adaptation: what the shared video encode should aim for, given
//! what each caller's link can carry. Pure: estimates in, a target out.
//!
//! The box encodes once for every caller, so the one encode follows the
//! *lowest* caller's estimate: a caller on a good link gets the picture a
//! caller on a poor link can take, never a picture the poor link drops.
//!
//! Audio comes first. The video target is kept below the estimate minus the
//! room audio needs (Opus at 48 kbit/s plus its packets' overhead), with a
//! margin for the estimate's error and for keyframes. As the room shrinks,
//! video gives way in steps: its bitrate first, then its frame rate, down to
//! a floor (a picture a second at the lowest bitrate) where it nearly pauses
//! and leaves the link to the voice. When the link recovers it climbs back
//! slowly (at most 10 % a second, and GCC's own estimate climbs about as slowly), so a brief good spell does not flood a
//! link that is still poor; it falls at once.
//!
//! The estimates come from Google congestion control (`rtpgccbwe`, over
//! transport-wide congestion control feedback; see `adapt_gcc`), which
//! itself holds on moderate loss and backs off on heavy loss and on growing
//! delay.

use std::time::Duration;

/// What the controller works within, for one capture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The configured picture quality's bitrate: never more (kbit/s).
    pub max_kbps: u32,
    /// The configured frame rate: never more.
    pub max_fps: u32,
}

/// What the encode should aim for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub video_kbps: u32,
    pub fps: u32,
}

/// What the voice needs of the link: Opus at 48 kbit/s, and 50 packets a
/// second of RTP, SRTP, UDP and IP headers (about 16 kbit/s).
pub const AUDIO_KBPS: u32 = 64;

/// The share of an estimate the box plans to use: estimates err, and a
/// keyframe briefly overshoots the average.
const HEADROOM: f64 = 0.85;

/// The least bitrate video is given: a picture a second still fits.
pub const FLOOR_KBPS: u32 = 40;

/// How fast the target may climb: this fraction of itself per second…
const CLIMB_PER_SEC: f64 = 0.10;
/// …and at least this many kbit/s per second (from the floor, 8 % is slow).
const CLIMB_MIN_KBPS_PER_SEC: f64 = 20.0;

/// Frame rates by bitrate: at or above `kbps`, at most `fps`. Below the
/// last step, the floor's one picture a second.
const FPS_STEPS: [(u32, u32); 4] = [(350, 30), (200, 15), (100, 10), (60, 5)];
const FLOOR_FPS: u32 = 1;

/// A frame rate holds at least this long: each change renegotiates the
/// encoder, which then starts with a keyframe, and a burst of keyframes
/// while the link is already full is what drops the voice. A fall of the
/// link goes through the bitrate at once and through the frame rate in one
/// step, to wherever the bitrate has got to when the hold ends.
const FPS_HOLD: Duration = Duration::from_secs(3);

/// A step up in frame rate waits until the bitrate is this much above the
/// step, so a target hovering at a step does not flap between two rates.
const FPS_UP_MARGIN: f64 = 1.2;

/// Follows the callers' estimates; one per capture.
#[derive(Debug, Clone)]
pub struct Controller {
    limits: Limits,
    /// The current target, kept fractional so slow climbs add up.
    kbps: f64,
    fps: u32,
    /// When `update` last ran (time since any fixed moment).
    last: Option<Duration>,
    /// When the frame rate last changed.
    fps_changed: Option<Duration>,
}

impl Controller {
    /// Starts at the configured quality: a call begins as it always did, and
    /// the first estimates bring it down if the link needs.
    pub fn new(limits: Limits) -> Self {
        let kbps = f64::from(limits.max_kbps.max(FLOOR_KBPS));
        Self {
            limits,
            kbps,
            fps: limits.max_fps.max(FLOOR_FPS),
            last: None,
            fps_changed: None,
        }
    }

    /// The target now.
    pub fn target(&self) -> Target {
        Target {
            video_kbps: self.kbps.round() as u32,
            fps: self.fps,
        }
    }

    /// Takes the callers' estimates of what their links carry (bit/s; every
    /// caller the encode reaches, in any order) at `now`, and returns the
    /// target. No estimate (nobody connected yet): the target holds.
    pub fn update(&mut self, now: Duration, estimates_bps: &[u32]) -> Target {
        let elapsed = self
            .last
            .map(|last| now.saturating_sub(last).as_secs_f64())
            .unwrap_or(0.0)
            .min(2.0);
        self.last = Some(now);
        let Some(lowest) = estimates_bps.iter().copied().min() else {
            return self.target();
        };
        let room = video_room_kbps(lowest);
        let ceiling = f64::from(self.limits.max_kbps.max(FLOOR_KBPS));
        let wanted = room.clamp(f64::from(FLOOR_KBPS), ceiling);
        if wanted <= self.kbps {
            self.kbps = wanted;
        } else {
            let step = (self.kbps * CLIMB_PER_SEC).max(CLIMB_MIN_KBPS_PER_SEC) * elapsed;
            self.kbps = (self.kbps + step).min(wanted);
        }
        let held = self
            .fps_changed
            .is_some_and(|at| now.saturating_sub(at) < FPS_HOLD);
        let fps = next_fps(self.kbps, self.fps, self.limits.max_fps);
        if fps != self.fps && !held {
            self.fps = fps;
            self.fps_changed = Some(now);
        }
        self.target()
    }
}

/// What video may use of a link estimated at `estimate_bps`, in kbit/s
/// (negative when audio alone needs more).
fn video_room_kbps(estimate_bps: u32) -> f64 {
    f64::from(estimate_bps) / 1000.0 * HEADROOM - f64::from(AUDIO_KBPS)
}

/// The frame rate for `kbps`: down at once, up only past the margin.
fn next_fps(kbps: f64, current: u32, max_fps: u32) -> u32 {
    let fps_at = |kbps: f64| {
        FPS_STEPS
            .iter()
            .find(|(at, _)| kbps >= f64::from(*at))
            .map_or(FLOOR_FPS, |(_, fps)| *fps)
    };
    let max_fps = max_fps.max(FLOOR_FPS);
    let now = fps_at(kbps).min(max_fps);
    if now <= current {
        now
    } else {
        // Climb only as far as the margin allows, and never below where we are.
        fps_at(kbps / FPS_UP_MARGIN).min(max_fps).max(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_kbps: 1500,
        max_fps: 30,
    };

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Feeds `estimate` every 250 ms for `seconds`, from `start`; returns the last target.
    fn run(c: &mut Controller, start: f64, seconds: f64, estimates: &[u32]) -> Target {
        let mut t = start;
        let mut target = c.target();
        while t <= start + seconds {
            target = c.update(secs(t), estimates);
            t += 0.25;
        }
        target
    }

    #[test]
    fn starts_at_the_configured_quality_and_holds_without_estimates() {
        let mut c = Controller::new(LIMITS);
        let start = Target {
            video_kbps: 1500,
            fps: 30,
        };
        assert_eq!(c.target(), start);
        assert_eq!(run(&mut c, 0.0, 10.0, &[]), start);
    }

    #[test]
    fn a_good_link_gets_the_configured_quality_and_no_more() {
        let mut c = Controller::new(LIMITS);
        let t = run(&mut c, 0.0, 5.0, &[10_000_000]);
        assert_eq!(t.video_kbps, 1500);
        assert_eq!(t.fps, 30);
    }

    #[test]
    fn the_lowest_caller_sets_the_shared_encode() {
        let mut c = Controller::new(LIMITS);
        let t = c.update(secs(0.0), &[5_000_000, 600_000, 2_000_000]);
        assert_eq!(t.video_kbps, (600.0 * HEADROOM) as u32 - AUDIO_KBPS);
        assert_eq!(t.video_kbps, c.update(secs(0.1), &[600_000]).video_kbps);
    }

    #[test]
    fn video_stays_below_the_estimate_less_what_audio_needs() {
        for estimate in [120_000u32, 300_000, 500_000, 800_000, 1_200_000, 2_000_000] {
            let mut c = Controller::new(LIMITS);
            let t = run(&mut c, 0.0, 30.0, &[estimate]);
            let room = estimate / 1000 - AUDIO_KBPS;
            assert!(
                t.video_kbps <= room.max(FLOOR_KBPS),
                "{estimate}: video {} kbit/s, room {room}",
                t.video_kbps
            );
        }
    }

    #[test]
    fn it_falls_at_once() {
        let mut c = Controller::new(LIMITS);
        run(&mut c, 0.0, 5.0, &[10_000_000]);
        let t = c.update(secs(5.5), &[500_000]);
        assert_eq!(
            t.video_kbps,
            (500.0 * HEADROOM - f64::from(AUDIO_KBPS)) as u32
        );
    }

    #[test]
    fn bitrate_gives_way_before_frame_rate_and_frame_rate_before_the_floor() {
        let mut c = Controller::new(LIMITS);
        let mut seen = Vec::new();
        // The link shrinks step by step, from 2 Mbit/s to 50 kbit/s.
        for (n, estimate) in (50_000..=2_000_000).rev().step_by(50_000).enumerate() {
            seen.push(c.update(secs(n as f64 * 0.25), &[estimate]));
        }
        // Frame rate never rises as the link shrinks, and full frame rate
        // holds while the bitrate falls a long way.
        assert!(seen.windows(2).all(|w| w[1].fps <= w[0].fps), "{seen:?}");
        let first_slower = seen
            .iter()
            .position(|t| t.fps < 30)
            .expect("frame rate drops");
        assert!(seen[first_slower - 1].video_kbps < 1000, "{seen:?}");
        assert!(seen[first_slower].video_kbps < 350);
        // Audio alone is about what the link carries: the floor, once the
        // frame rate's hold has passed.
        let last = run(&mut c, 10.0, 10.0, &[50_000]);
        assert_eq!(
            last,
            Target {
                video_kbps: FLOOR_KBPS,
                fps: FLOOR_FPS
            }
        );
    }

    #[test]
    fn it_climbs_back_slowly_and_reaches_the_ceiling() {
        let mut c = Controller::new(LIMITS);
        c.update(secs(0.0), &[200_000]);
        let low = c.target().video_kbps;
        let after_one = c.update(secs(1.0), &[10_000_000]).video_kbps;
        assert!(after_one > low, "climbs");
        assert!(
            f64::from(after_one) <= f64::from(low) * 1.1 + CLIMB_MIN_KBPS_PER_SEC,
            "{low} → {after_one} in a second"
        );
        let t = run(&mut c, 1.25, 60.0, &[10_000_000]);
        assert_eq!(
            t,
            Target {
                video_kbps: 1500,
                fps: 30
            }
        );
    }

    #[test]
    fn a_sudden_fall_changes_the_frame_rate_once_while_it_settles() {
        let mut c = Controller::new(LIMITS);
        run(&mut c, 0.0, 5.0, &[10_000_000]);
        // The estimate slides from 3 Mbit/s to 150 kbit/s within two seconds.
        let mut rates = Vec::new();
        for n in 0..20 {
            let estimate = 3_000_000 - n * 142_500;
            rates.push(c.update(secs(5.25 + f64::from(n) * 0.1), &[estimate]).fps);
        }
        let changes =
            rates.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(rates[0] != 30);
        assert_eq!(changes, 1, "{rates:?}");
        // Once the hold is over, one more step, straight to where the bitrate is.
        let t = run(&mut c, 8.5, 2.5, &[150_000]);
        assert_eq!(t.fps, 5, "{t:?}");
    }

    #[test]
    fn frame_rate_does_not_flap_around_a_step() {
        let mut c = Controller::new(LIMITS);
        // The link hovers around 200 kbit/s of video room, either side.
        let estimates = [330_000u32, 310_000, 330_000, 310_000, 330_000, 310_000];
        let mut rates = Vec::new();
        for (n, e) in estimates.iter().cycle().take(40).enumerate() {
            rates.push(c.update(secs(n as f64 * 0.25), &[*e]).fps);
        }
        let changes = rates.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(changes <= 2, "{rates:?}");
    }

    #[test]
    fn a_low_configured_frame_rate_is_kept() {
        let mut c = Controller::new(Limits {
            max_kbps: 800,
            max_fps: 15,
        });
        assert_eq!(run(&mut c, 0.0, 5.0, &[10_000_000]).fps, 15);
        assert_eq!(c.update(secs(6.0), &[150_000]).fps, 5);
    }

    #[test]
    fn a_long_gap_between_updates_is_not_a_long_climb() {
        let mut c = Controller::new(LIMITS);
        c.update(secs(0.0), &[300_000]);
        let low = c.target().video_kbps;
        let t = c.update(secs(600.0), &[10_000_000]);
        assert!(t.video_kbps < low * 2, "{low} → {}", t.video_kbps);
    }
}
