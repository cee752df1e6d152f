//! What a caller sends: decoded, measured and played on the TV.
//!
//! Owns the decoding branches webrtcbin's source pads grow inside a caller's
//! bin, and where they end: the TV (`media::tv`) and its speaker
//! (`media::speaker`), or nothing when the box is headless. Probes on the decoded streams feed [`RemoteStats`].
//!
//! ```text
//! webrtcbin src ─ decodebin ─┬─ videoconvert ─ I420 ─(probe)─ queue ─► TV compositor | fakesink
//!                            └─ audioconvert ─ audioresample ─ S16 ─(probe)─ queue ─► the speaker's mixer
//! ```
//! Opus is decoded with its in-band FEC: a lost packet is rebuilt from the next.
//! The video queue leaks (a late picture is worthless); the audio queue does not.

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use gst::prelude::*;
use gst_video::prelude::*;

use super::analysis::{mean_rgb_i420, RemoteStats};
use super::speaker::SpeakerOutput;
use super::tv::Tv;
use super::{make, pad_of, MediaError};

/// Where decoded caller media goes, and the figures it feeds.
#[derive(Clone)]
pub(super) struct Outputs {
    pub stats: Arc<Mutex<RemoteStats>>,
    pub tv: Tv,
    pub speaker: SpeakerOutput,
    pub building: Building,
}

/// Whether a caller's branch still takes new decoding elements. They are
/// built on GStreamer's streaming threads, as the caller's streams come; the
/// branch's teardown closes this first, so nothing is added to its bin (or
/// linked from it into the TV or the speaker) while it goes to NULL: an
/// element added then would stay PAUSED, its threads running on in a bin
/// being freed.
#[derive(Clone, Default)]
pub(super) struct Building(Arc<Mutex<bool>>);

impl Building {
    /// Runs `build` (for the stream coming out of `pad`) unless the branch
    /// is closing; [`Building::close`] waits for it meanwhile. Closing, `pad`
    /// stays unlinked and drops what comes: data pushed into nothing would
    /// end its stream with a "not-linked" error in the box's log.
    fn run(
        &self,
        pad: &gst::Pad,
        build: impl FnOnce() -> Result<(), MediaError>,
    ) -> Result<(), MediaError> {
        let closed = lock(&self.0);
        if *closed {
            pad.add_probe(
                gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
                |_, _| gst::PadProbeReturn::Drop,
            );
            return Ok(());
        }
        build()
    }

    /// No more building, once any under way has finished.
    pub fn close(&self) {
        *lock(&self.0) = true;
    }
}

/// Measure every n-th frame's colour: the mean is cheap but not free.
const COLOUR_EVERY: u64 = 10;

/// Decodes `pad` (a webrtcbin source pad inside `bin`), unless the branch
/// is closing.
pub(super) fn decode(bin: &gst::Bin, pad: &gst::Pad, out: &Outputs) -> Result<(), MediaError> {
    out.building.run(pad, || decode_into(bin, pad, out))
}

fn decode_into(bin: &gst::Bin, pad: &gst::Pad, out: &Outputs) -> Result<(), MediaError> {
    let decodebin = make("decodebin")?;
    if let Some(decodebin) = decodebin.downcast_ref::<gst::Bin>() {
        decodebin.connect_element_added(|_, element| {
            if element.factory().is_some_and(|f| f.name() == "opusdec") {
                element.set_property("plc", true);
                element.set_property("use-inband-fec", true);
            }
        });
    }
    bin.add(&decodebin)?;
    decodebin.sync_state_with_parent()?;
    let sink = decodebin
        .static_pad("sink")
        .ok_or(MediaError::Pipeline("decodebin without sink".into()))?;
    pad.link(&sink)?;
    let (bin_weak, out) = (bin.downgrade(), out.clone());
    decodebin.connect_pad_added(move |_, decoded| {
        let Some(bin) = bin_weak.upgrade() else {
            return;
        };
        let kind = decoded
            .current_caps()
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default();
        let result = out.building.run(decoded, || {
            if kind.starts_with("video/") {
                video_branch(&bin, decoded, &out)
            } else if kind.starts_with("audio/") {
                audio_branch(&bin, decoded, &out)
            } else {
                Ok(())
            }
        });
        if let Err(e) = result {
            tracing::error!(error = %e, kind, "cannot play the caller's stream");
        }
    });
    Ok(())
}

fn video_branch(bin: &gst::Bin, decoded: &gst::Pad, out: &Outputs) -> Result<(), MediaError> {
    let convert = make("videoconvert")?;
    let filter = make("capsfilter")?;
    filter.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .build(),
    );
    let queue = leaky_queue()?;
    bin.add_many([&convert, &filter, &queue])?;
    gst::Element::link_many([&convert, &filter, &queue])?;
    let probe_pad = pad_of(&filter, "src")?;
    let stats = out.stats.clone();
    probe_pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        if let Some(buffer) = info.buffer() {
            measure_frame(pad, buffer, &stats);
        }
        gst::PadProbeReturn::Ok
    });
    out.tv.show_video(bin, &pad_of(&queue, "src")?)?;
    for e in [&queue, &filter, &convert] {
        e.sync_state_with_parent()?;
    }
    decoded.link(&pad_of(&convert, "sink")?)?;
    Ok(())
}

fn audio_branch(bin: &gst::Bin, decoded: &gst::Pad, out: &Outputs) -> Result<(), MediaError> {
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let filter = make("capsfilter")?;
    filter.set_property(
        "caps",
        gst::Caps::builder("audio/x-raw")
            .field("format", "S16LE")
            .field("layout", "interleaved")
            .build(),
    );
    let queue = make("queue")?;
    bin.add_many([&convert, &resample, &filter, &queue])?;
    gst::Element::link_many([&convert, &resample, &filter, &queue])?;
    let stats = out.stats.clone();
    pad_of(&filter, "src")?.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        if let Some(buffer) = info.buffer() {
            measure_audio(pad, buffer, &stats);
        }
        gst::PadProbeReturn::Ok
    });
    out.speaker.play_audio(bin, &pad_of(&queue, "src")?)?;
    for e in [&queue, &filter, &resample, &convert] {
        e.sync_state_with_parent()?;
    }
    decoded.link(&pad_of(&convert, "sink")?)?;
    Ok(())
}

/// Releases whatever the TV gave `bin`'s outputs.
pub(super) fn detach(bin: &gst::Bin) {
    for pad in bin.src_pads() {
        if let Some(peer) = pad.peer() {
            let _ = pad.unlink(&peer);
            if let Some(owner) = peer.parent_element() {
                owner.release_request_pad(&peer);
            }
        }
    }
}

fn measure_frame(pad: &gst::Pad, buffer: &gst::BufferRef, stats: &Mutex<RemoteStats>) {
    let Some(info) = pad
        .current_caps()
        .and_then(|c| gst_video::VideoInfo::from_caps(&c).ok())
    else {
        return;
    };
    let mut stats = lock(stats);
    let mean = if stats.video_frames.is_multiple_of(COLOUR_EVERY) {
        gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
            .ok()
            .and_then(|frame| {
                let planes = [
                    frame.plane_data(0).ok()?,
                    frame.plane_data(1).ok()?,
                    frame.plane_data(2).ok()?,
                ];
                let strides = frame.plane_stride();
                mean_rgb_i420(
                    planes,
                    [
                        strides[0] as usize,
                        strides[1] as usize,
                        strides[2] as usize,
                    ],
                    info.width() as usize,
                    info.height() as usize,
                )
            })
    } else {
        None
    };
    stats.add_video_frame(info.width(), info.height(), mean);
}

fn measure_audio(pad: &gst::Pad, buffer: &gst::BufferRef, stats: &Mutex<RemoteStats>) {
    let Some(info) = pad
        .current_caps()
        .and_then(|c| gst_audio::AudioInfo::from_caps(&c).ok())
    else {
        return;
    };
    let Ok(map) = buffer.map_readable() else {
        return;
    };
    let channels = info.channels().max(1) as usize;
    let first_channel = map
        .as_slice()
        .chunks_exact(2 * channels)
        .map(|frame| i16::from_le_bytes([frame[0], frame[1]]));
    lock(stats).add_audio(first_channel, info.rate());
}

fn leaky_queue() -> Result<gst::Element, MediaError> {
    let queue = make("queue")?;
    queue.set_property_from_str("leaky", "downstream");
    queue.set_property("max-size-buffers", 3u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 0u64);
    Ok(queue)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source pad as webrtcbin's or decodebin's, active and unlinked.
    fn stream_pad() -> gst::Pad {
        crate::media::init().expect("GStreamer");
        let pad = gst::Pad::builder(gst::PadDirection::Src).build();
        pad.set_active(true).expect("active");
        // A stream's start, as any stream's first buffer follows (sticky).
        pad.push_event(gst::event::StreamStart::new("caller"));
        let segment = gst::FormattedSegment::<gst::ClockTime>::new();
        pad.push_event(gst::event::Segment::new(&segment));
        pad
    }

    #[test]
    fn a_closed_branch_builds_nothing_and_close_waits_for_a_build_under_way() {
        let pad = stream_pad();
        let building = Building::default();
        let built = Arc::new(Mutex::new(Vec::new()));
        let log = built.clone();
        let push = |log: &Arc<Mutex<Vec<&'static str>>>, what| {
            lock(log).push(what);
            Ok(())
        };
        assert!(building.run(&pad, || push(&log, "open")).is_ok());
        // A build under way on another thread holds close() off until it ends.
        let (started, wait_started) = std::sync::mpsc::channel();
        let (finish, wait_finish) = std::sync::mpsc::channel::<()>();
        let (b, log, p) = (building.clone(), built.clone(), pad.clone());
        let builder = std::thread::spawn(move || {
            b.run(&p, || {
                started.send(()).expect("the test waits");
                wait_finish.recv().expect("the test says when");
                lock(&log).push("under way");
                Ok(())
            })
        });
        wait_started.recv().expect("the build started");
        let (b, closed_at) = (building.clone(), built.clone());
        let closer = std::thread::spawn(move || {
            b.close();
            lock(&closed_at).push("closed");
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        finish.send(()).expect("the build waits");
        builder.join().expect("no panic").expect("built");
        closer.join().expect("no panic");
        let log = built.clone();
        assert!(building.run(&pad, || push(&log, "after")).is_ok());
        assert_eq!(*lock(&built), ["open", "under way", "closed"]);
    }

    #[test]
    fn a_stream_that_comes_while_closing_is_dropped_not_pushed_into_nothing() {
        let pad = stream_pad();
        let building = Building::default();
        assert!(building.run(&pad, || Ok(())).is_ok());
        assert_eq!(
            pad.push(gst::Buffer::new()),
            Err(gst::FlowError::NotLinked),
            "an open branch leaves its streams as they are"
        );
        building.close();
        assert!(building.run(&pad, || unreachable!("closed")).is_ok());
        assert_eq!(pad.push(gst::Buffer::new()), Ok(gst::FlowSuccess::Ok));
    }
}
