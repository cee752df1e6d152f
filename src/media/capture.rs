//! The box's own camera and microphone, encoded once for every caller.
//!
//! Owns the capture branch, built when the first call starts and torn down
//! after the last (no camera light, no encoder load while waiting):
//!
//! ```text
//! v4l2src | videotestsrc ─ videoconvert ─ videoscale ─ videorate ─ I420 WxH@F ─ queue(leaky)
//!     ─ H.264 encoder ─ constrained-baseline ─ h264parse ─ tee "video" ─► one branch per peer
//! alsasrc | audiotestsrc ─ audioconvert ─ audioresample ─ 48 kHz mono ─ opusenc ─ tee "audio" ─► …
//! ```

use gst::prelude::*;

use super::encoder::{output_caps, EncoderKind};
use super::{make, MediaError};

/// Where the picture and sound come from, decided at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureSource {
    Test,
    Device(String),
}

#[derive(Debug, Clone)]
pub struct CaptureSettings {
    pub video: CaptureSource,
    pub audio: CaptureSource,
    pub width: u32,
    pub height: u32,
    pub framerate: u32,
    pub video_bitrate_kbps: u32,
    pub encoder: EncoderKind,
}

/// The running capture branch inside the pipeline.
pub(super) struct Capture {
    elements: Vec<gst::Element>,
    pub video_tee: gst::Element,
    pub audio_tee: gst::Element,
}

impl Capture {
    /// Builds the branch into `pipeline` and starts it.
    pub fn start(pipeline: &gst::Pipeline, s: &CaptureSettings) -> Result<Self, MediaError> {
        let video_src = match &s.video {
            CaptureSource::Test => make("videotestsrc")?
                .tap(|e| e.set_property("is-live", true))
                .tap(|e| e.set_property_from_str("pattern", "smpte")),
            CaptureSource::Device(path) => make("v4l2src")?.tap(|e| e.set_property("device", path)),
        };
        let raw_caps = gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", s.width as i32)
            .field("height", s.height as i32)
            .field("framerate", gst::Fraction::new(s.framerate as i32, 1))
            .build();
        let video_queue = make("queue")?;
        video_queue.set_property("max-size-buffers", 2u32);
        video_queue.set_property("max-size-bytes", 0u32);
        video_queue.set_property("max-size-time", 0u64);
        video_queue.set_property_from_str("leaky", "downstream");
        let encoder = s.encoder.make(s.video_bitrate_kbps, s.framerate)?;
        let parse = make("h264parse")?;
        parse.set_property("config-interval", -1i32);
        let video_tee = make("tee")?;
        video_tee.set_property("allow-not-linked", true);
        let video = vec![
            video_src,
            make("videoconvert")?,
            make("videoscale")?,
            make("videorate")?,
            capsfilter(raw_caps)?,
            video_queue,
            encoder,
            capsfilter(output_caps())?,
            parse,
            video_tee.clone(),
        ];

        let audio_src = match &s.audio {
            CaptureSource::Test => make("audiotestsrc")?
                .tap(|e| e.set_property("is-live", true))
                .tap(|e| e.set_property("freq", 440.0f64))
                .tap(|e| e.set_property("volume", 0.2f64))
                .tap(|e| e.set_property("samplesperbuffer", 480i32)),
            CaptureSource::Device(name) => make("alsasrc")?
                .tap(|e| e.set_property("device", name))
                .tap(|e| e.set_property("buffer-time", 40_000i64))
                .tap(|e| e.set_property("latency-time", 10_000i64)),
        };
        let opus = make("opusenc")?;
        opus.set_property("bitrate", 48_000i32);
        opus.set_property("inband-fec", true);
        opus.set_property("packet-loss-percentage", 10i32);
        opus.set_property_from_str("frame-size", "20");
        let audio_tee = make("tee")?;
        audio_tee.set_property("allow-not-linked", true);
        let audio = vec![
            audio_src,
            make("audioconvert")?,
            make("audioresample")?,
            capsfilter(
                gst::Caps::builder("audio/x-raw")
                    .field("rate", 48_000i32)
                    .field("channels", 1i32)
                    .build(),
            )?,
            opus,
            audio_tee.clone(),
        ];

        let elements: Vec<_> = video.iter().chain(&audio).cloned().collect();
        pipeline.add_many(&elements)?;
        let capture = Self {
            elements,
            video_tee,
            audio_tee,
        };
        let started = (|| {
            for chain in [&video, &audio] {
                gst::Element::link_many(chain)?;
            }
            // Downstream first: a source started before its consumers pushes
            // into a stopped element, gets "flushing" and stops for good.
            for e in capture.elements.iter().rev() {
                e.sync_state_with_parent()?;
            }
            Ok::<_, MediaError>(())
        })();
        match started {
            Ok(()) => Ok(capture),
            Err(e) => {
                // A busy or unplugged camera: leave nothing half-started behind.
                capture.stop(pipeline);
                Err(e)
            }
        }
    }

    /// Stops the branch and takes it out of `pipeline`.
    pub fn stop(self, pipeline: &gst::Pipeline) {
        for e in &self.elements {
            let _ = e.set_state(gst::State::Null);
        }
        let _ = pipeline.remove_many(&self.elements);
    }
}

fn capsfilter(caps: gst::Caps) -> Result<gst::Element, MediaError> {
    let f = make("capsfilter")?;
    f.set_property("caps", caps);
    Ok(f)
}

/// `value.tap(f)`: apply `f` and hand the value on.
trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&Self)) -> Self {
        f(&self);
        self
    }
}

impl Tap for gst::Element {}
