//! Lines the microphone's sound up with the speaker's for the echo
//! canceller, by the room's echo delay (`media::echo_delay`).
//!
//! The speaker's `webrtcechoprobe` hands the canceller each far-end frame
//! by the time it is played: its running time plus the latency the sink
//! plays with. Whatever comes after the sink (driver, TV, the air) is not
//! in that time, and the canceller's filter loses an echo that comes too
//! late. So both sides are tapped here:
//!
//! ```text
//! speaker: … ─ [tap: played, at running time + latency] webrtcechoprobe ─ … ─ sink
//! microphone: … ─ [tap: heard; timestamps − shift] webrtcdsp [timestamps + shift] ─ …
//! ```
//!
//! and once the estimator agrees on a delay, the microphone's timestamps
//! are moved that much earlier (less a margin) on their way into
//! `webrtcdsp`, and back on their way out. The probe then hands the
//! canceller the far-end frame that was playing when the echo left the
//! speaker, so the echo lands at the start of the canceller's filter.
//! Nothing else downstream sees the shift.
//!
//! The two taps meet by the probe's name (as webrtcdsp finds its probe),
//! in a process-wide table of weak references: what they share lives as
//! long as either tap. Each tap holds the estimator's lock only to add its
//! samples; the correlation (a few ms on a Pi, every 250 ms until the delay
//! is found) runs on the microphone's thread outside it, so the speaker's
//! thread never waits on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use gst::prelude::*;

use super::echo_delay::EchoDelay;
use crate::sync::lock;

/// How far into the canceller's filter the echo is placed: a room's first
/// reflections and the estimate's own error stay inside the filter.
const MARGIN: Duration = Duration::from_millis(8);

/// One speaker and the microphone that hears it.
#[derive(Debug, Default)]
struct Room {
    delay: Mutex<EchoDelay>,
    /// The latency the speaker's sink plays with, in ns.
    latency_ns: AtomicU64,
}

/// The room of the probe named `probe`, made when neither tap has it yet.
fn room(probe: &str) -> Arc<Room> {
    static ROOMS: OnceLock<Mutex<HashMap<String, Weak<Room>>>> = OnceLock::new();
    let mut rooms = lock(ROOMS.get_or_init(Default::default));
    rooms.retain(|_, room| room.strong_count() > 0);
    if let Some(room) = rooms.get(probe).and_then(Weak::upgrade) {
        return room;
    }
    let room = Arc::new(Room::default());
    rooms.insert(probe.to_owned(), Arc::downgrade(&room));
    room
}

/// Taps the speaker's echo probe: what it passes is what is played, at its
/// running time plus the sink's latency.
pub(super) fn tap_played(probe: &gst::Element) {
    let room = room(&probe.name());
    if let Some(src) = probe.static_pad("src") {
        let room = room.clone();
        src.add_probe(gst::PadProbeType::EVENT_UPSTREAM, move |_, info| {
            if let Some(gst::PadProbeData::Event(event)) = &info.data {
                if let gst::EventView::Latency(latency) = event.view() {
                    let ns = latency.latency().nseconds();
                    room.latency_ns.store(ns, Ordering::Relaxed);
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
    if let Some(sink) = probe.static_pad("sink") {
        sink.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            if let Some(gst::PadProbeData::Buffer(buffer)) = &info.data {
                if let Some(at) = running_time(pad, buffer) {
                    let latency = Duration::from_nanos(room.latency_ns.load(Ordering::Relaxed));
                    with_samples(buffer, |s| lock(&room.delay).played(at + latency, s));
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
}

/// Taps the microphone's `webrtcdsp` (whose probe is named `probe`) and
/// shifts its input by the room's echo delay, as the module says.
pub(super) fn align_microphone(dsp: &gst::Element, probe: &str) {
    let room = room(probe);
    // The shift given to the buffers now inside the DSP, in ns.
    let applied = Arc::new(AtomicU64::new(0));
    if let Some(sink) = dsp.static_pad("sink") {
        let applied = applied.clone();
        sink.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data else {
                return gst::PadProbeReturn::Ok;
            };
            let Some(at) = running_time(pad, buffer) else {
                return gst::PadProbeReturn::Ok;
            };
            let (due, shift) = {
                let mut delay = lock(&room.delay);
                let due = with_samples(buffer, |s| delay.heard(at, s)).flatten();
                let shift = delay
                    .delay()
                    .map_or(Duration::ZERO, |d| d.saturating_sub(MARGIN));
                (due, shift)
            };
            // The correlation runs on this thread but without the lock: the
            // speaker's thread, adding what it plays, never waits for it.
            if let Some(comparison) = due {
                let found = comparison.run();
                lock(&room.delay).conclude(found);
            }
            let shift = gst::ClockTime::from_nseconds(shift.as_nanos() as u64);
            let Some(pts) = buffer.pts().and_then(|pts| pts.checked_sub(shift)) else {
                return gst::PadProbeReturn::Ok;
            };
            let before = applied.swap(shift.nseconds(), Ordering::Relaxed);
            let buffer = buffer.make_mut();
            buffer.set_pts(pts);
            if before != shift.nseconds() {
                // The canceller's input jumps in time: it starts afresh.
                buffer.set_flags(gst::BufferFlags::DISCONT);
                tracing::info!(
                    shift_ms = shift.mseconds(),
                    "echo canceller lined up with the room's delay"
                );
            }
            gst::PadProbeReturn::Ok
        });
    }
    if let Some(src) = dsp.static_pad("src") {
        src.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let shift = gst::ClockTime::from_nseconds(applied.load(Ordering::Relaxed));
            if let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data {
                if let Some(pts) = buffer.pts() {
                    buffer.make_mut().set_pts(pts + shift);
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
}

/// The running time of `buffer`'s start on `pad`.
fn running_time(pad: &gst::Pad, buffer: &gst::Buffer) -> Option<Duration> {
    let segment = pad.sticky_event::<gst::event::Segment>(0)?;
    let segment = segment.segment().downcast_ref::<gst::ClockTime>()?;
    let at = segment.to_running_time(buffer.pts()?)?;
    Some(Duration::from_nanos(at.nseconds()))
}

/// Calls `f` with `buffer`'s samples (S16, native order, mono), read in
/// place: this runs for every 10 ms of sound on both sides. `None` when the
/// buffer cannot be read.
fn with_samples<R>(
    buffer: &gst::BufferRef,
    f: impl FnOnce(&mut dyn Iterator<Item = i16>) -> R,
) -> Option<R> {
    let map = buffer.map_readable().ok()?;
    Some(f(&mut map
        .chunks_exact(2)
        .map(|b| i16::from_ne_bytes([b[0], b[1]]))))
}
