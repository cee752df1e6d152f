//! How long after the speaker plays a sound the microphone hears it back:
//! the room's echo delay, measured from the sound itself.
//!
//! The echo canceller is told when each far-end sound was played (the
//! speaker's probe: its timestamp and the pipeline's latency). What it is
//! not told is what happens after the sink: the driver's and the TV's own
//! buffering (an HDMI TV often holds its sound 50–150 ms to match its
//! picture) and the way across the room. Its filter covers about 128 ms
//! from the reported time and works best with the echo near the start of
//! it, so an unreported delay costs echo (bench/echo: 28 dB at 30 ms, 14 at
//! 60, none at 120).
//!
//! This estimator finds that delay: it cross-correlates what was played
//! (by play time) with what the microphone heard (by capture time), both
//! taken down to 4 kHz, at every lag up to [`MAX_DELAY`], over the last
//! half second, four times a second while the far end talks. The waveform, not the
//! loudness: the near end's own voice does not correlate with it, so the
//! echo is found under double talk too. A lag is taken once it stands out
//! of the rest of the correlation and two comparisons in a row agree.
//! Silence from the far end, or a microphone that hears nothing of the
//! speaker, gives no estimate and leaves the last one standing: the room
//! does not change between calls.
//!
//! Pure: no GStreamer, no clock. `media::echo_align` feeds it and applies
//! its answer.

use std::collections::VecDeque;
use std::time::Duration;

/// The sample rate of both sides (the speaker's mix and the microphone's).
const RATE: u64 = 48_000;
/// Samples averaged into one compared sample: 48 kHz down to 4 kHz, where
/// a voice's energy is. The estimate's resolution is 0.25 ms.
const DECIMATION: u64 = 12;
const COMPARED_RATE: u64 = RATE / DECIMATION;
/// The longest delay looked for: a slow TV's sound in a large room.
const MAX_DELAY: Duration = Duration::from_millis(300);
const MAX_LAG: usize = (MAX_DELAY.as_millis() as u64 * COMPARED_RATE / 1000) as usize;
/// How much of the heard sound one comparison covers: half a second, so
/// that the first estimate comes about a second into the far end's talk.
const WINDOW: usize = 2000;
/// How often a comparison runs, in heard samples: four times a second
/// until a delay is agreed on, then every two seconds (the room seldom
/// changes; each comparison is about 2.4 M multiply-adds).
const EVERY: u64 = 1000;
const EVERY_AGREED: u64 = 8000;
/// What is kept of each side: the window and the longest lag, with room
/// for the speaker's side running ahead of the microphone's.
const HISTORY: usize = WINDOW + MAX_LAG + 4000;
/// A lag is the echo's when its correlation is at least this…
const MIN_CORRELATION: f32 = 0.2;
/// …and this many times the correlation's RMS over all lags.
const MIN_PROMINENCE: f32 = 4.0;
/// The far end must have played something louder than this (RMS over the
/// window, in 16-bit sample units: about −50 dBFS).
const MIN_PLAYED_LEVEL: f32 = 100.0;
/// Two comparisons in a row agree when their lags differ by at most 1 ms.
const AGREE: usize = 4;

/// One side's sound at 4 kHz, indexed by sample number since running time 0.
#[derive(Debug, Default)]
struct Track {
    first: u64,
    samples: VecDeque<f32>,
}

impl Track {
    /// Adds `samples` (48 kHz) whose first one is at `at`.
    fn add(&mut self, at: Duration, samples: impl IntoIterator<Item = i16>) {
        let start = (at.as_nanos() * u128::from(RATE) / 1_000_000_000) as u64;
        // After a silence longer than what is kept (the microphone off
        // between calls, for hours: the running time goes on), the track
        // starts afresh rather than filling the gap with zeros.
        if start / DECIMATION > self.end() + HISTORY as u64 {
            self.samples.clear();
        }
        for (i, s) in samples.into_iter().enumerate() {
            let n = (start + i as u64) / DECIMATION;
            if self.samples.is_empty() {
                self.first = n;
            }
            if n < self.first {
                continue; // Older than what is kept (or than a newer run).
            }
            let index = (n - self.first) as usize;
            if index >= self.samples.len() {
                self.samples.resize(index + 1, 0.0);
            }
            self.samples[index] += f32::from(s) / DECIMATION as f32;
        }
        while self.samples.len() > HISTORY {
            self.samples.pop_front();
            self.first += 1;
        }
    }

    /// The first sample not complete yet (or not there at all).
    fn end(&self) -> u64 {
        self.first + self.samples.len() as u64
    }

    /// Samples `from..to`, or `None` unless all are kept.
    fn range(&self, from: u64, to: u64) -> Option<Vec<f32>> {
        if from < self.first || to > self.end() {
            return None;
        }
        let range = (from - self.first) as usize..(to - self.first) as usize;
        Some(self.samples.range(range).copied().collect())
    }
}

/// The room's echo delay, as far as the sound has shown it.
#[derive(Debug, Default)]
pub struct EchoDelay {
    played: Track,
    heard: Track,
    /// The heard sample at which the next comparison runs.
    next_comparison: u64,
    /// The last comparison's lag, when one stood out.
    candidate: Option<usize>,
    /// The delay agreed on, in compared samples.
    agreed: Option<usize>,
}

impl EchoDelay {
    /// The speaker played `samples` (S16 mono 48 kHz), the first at running time `at`.
    pub fn played(&mut self, at: Duration, samples: impl IntoIterator<Item = i16>) {
        self.played.add(at, samples);
    }

    /// The microphone heard `samples`, the first at running time `at`.
    /// Returns the comparison now due, if one is: run it ([`Comparison::run`])
    /// without holding whatever guards this estimator (the speaker's thread
    /// feeds it too, and must not wait for a correlation), then hand its
    /// outcome to [`EchoDelay::conclude`].
    #[must_use = "a comparison due must be run and concluded"]
    pub fn heard(
        &mut self,
        at: Duration,
        samples: impl IntoIterator<Item = i16>,
    ) -> Option<Comparison> {
        self.heard.add(at, samples);
        // The speaker's side can come a little after the microphone's (the
        // mixer hands each period on at its deadline, later on a busy box),
        // so comparisons are due by the sound both sides have: the last
        // sample of either may still be filling. A speaker that stalls
        // gives no comparison, rather than the same one again.
        let end = (self.heard.end().min(self.played.end())).saturating_sub(1);
        if end < self.next_comparison {
            return None;
        }
        // Until both sides hold a whole comparison, each period tries again.
        let comparison = self.comparison(end)?;
        let every = if self.agreed.is_some() {
            EVERY_AGREED
        } else {
            EVERY
        };
        self.next_comparison = end + every;
        Some(comparison)
    }

    /// Takes what a comparison found: a lag that stands out, twice in a row
    /// within [`AGREE`], is the delay.
    pub fn conclude(&mut self, found: Option<Found>) {
        let Some(found) = found else {
            return;
        };
        if found.r.abs() < MIN_CORRELATION || found.r.abs() < MIN_PROMINENCE * found.rms {
            self.candidate = None;
            return;
        }
        if self
            .candidate
            .is_some_and(|c| c.abs_diff(found.lag) <= AGREE)
        {
            self.agreed = Some(found.lag);
        }
        self.candidate = Some(found.lag);
    }

    /// The echo's delay after the reported play time, once found.
    pub fn delay(&self) -> Option<Duration> {
        self.agreed
            .map(|n| Duration::from_nanos(n as u64 * 1_000_000_000 / COMPARED_RATE))
    }

    /// The heard window ending before sample `end`, and what was played
    /// at every lag before it, copied out.
    fn comparison(&self, end: u64) -> Option<Comparison> {
        let from = end.checked_sub((WINDOW + MAX_LAG) as u64)?;
        Some(Comparison {
            heard: self.heard.range(end - WINDOW as u64, end)?,
            played: self.played.range(from, end)?,
        })
    }
}

/// One comparison's windows (a few thousand samples each), to correlate
/// away from the estimator.
#[derive(Debug)]
pub struct Comparison {
    heard: Vec<f32>,
    played: Vec<f32>,
}

/// What a comparison found: the best lag (in compared samples), its
/// correlation, and the RMS of the correlation over all lags.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    lag: usize,
    r: f32,
    rms: f32,
}

impl Comparison {
    /// Correlates the windows; `None` when the far end was too quiet or the
    /// microphone heard nothing.
    pub fn run(&self) -> Option<Found> {
        best_lag(&self.heard, &self.played).map(|(lag, r, rms)| Found { lag, r, rms })
    }
}

/// The lag of `played` (WINDOW + MAX_LAG samples, the oldest first) at
/// which it best matches `heard` (its last WINDOW samples), with that
/// correlation and the RMS of the correlation over all lags; `None` when
/// the far end was too quiet or the microphone heard nothing.
fn best_lag(heard: &[f32], played: &[f32]) -> Option<(usize, f32, f32)> {
    let level = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    if level(played) < MIN_PLAYED_LEVEL {
        return None;
    }
    let heard_energy: f64 = heard.iter().map(|v| f64::from(v * v)).sum();
    if heard_energy == 0.0 {
        return None;
    }
    // The energy of each lag's window of the played sound, slid along.
    let energy = |x: f32| f64::from(x * x);
    let mut played_energy: f64 = played[MAX_LAG..].iter().map(|v| energy(*v)).sum();
    let mut best = (0, 0.0f32);
    let mut sum_sq = 0.0f32;
    for lag in 0..=MAX_LAG {
        let start = MAX_LAG - lag;
        if lag > 0 {
            // The window moved one sample older.
            let (gained, lost) = (played[start], played[start + WINDOW]);
            played_energy += energy(gained) - energy(lost);
        }
        let window = &played[start..start + WINDOW];
        let dot: f32 = heard.iter().zip(window).map(|(h, p)| h * p).sum();
        let r = (f64::from(dot) / (heard_energy * played_energy.max(1.0)).sqrt()) as f32;
        sum_sq += r * r;
        if r.abs() > best.1.abs() {
            best = (lag, r);
        }
    }
    Some((best.0, best.1, (sum_sq / (MAX_LAG + 1) as f32).sqrt()))
}

#[cfg(test)]
#[path = "echo_delay_tests.rs"]
mod tests;
