//! The box's own camera and microphone, encoded once for every caller.
//!
//! Owns the capture branch, built when the first call starts and torn down
//! after the last (no camera light, no encoder load while waiting). Each
//! input goes through a `fallback`: a placeholder (a still, calm picture;
//! silence) stands in whenever the device is missing or fails, so a call
//! never ends for a camera or a microphone.
//!
//! ```text
//! videotestsrc(still) ─ I420 WxH@F ─┐
//! (camera: media::camera_input) ─ I420 WxH@F ─┴─ input-selector ─ tee "raw" ─► one encode per codec (media::encodes)
//!                                                                                └─► the TV's self view
//! audiotestsrc(silence) ─ S16 48 kHz mono ─────────────┐
//! alsasrc ─ convert/resample ─ S16 48 kHz mono ─ webrtcdsp ─┴─ input-selector ─ opusenc(FEC) ─ tee "audio" ─► …
//! ```
//!
//! The microphone's voice processing (`echo`: echo cancellation against the
//! speaker's probe, noise suppression, gain control) is part of the device's
//! chain: the placeholder and the test tone pass untouched.
//!
//! A configured test source (`CaptureSource::Test`) is the placeholder
//! itself: SMPTE bars and a 440 Hz tone, which the tests measure.

use std::sync::Arc;

use gst::prelude::*;

use super::camera_input::{choose_input, libcamera_available, source_elements, Wanted};
use super::codec::VideoCodec;
use super::echo::{microphone_dsp, VoiceProcessing};
use super::encoder::EncoderKind;
use super::encodes::{EncodeSettings, Retired, VideoEncodes};
use super::fallback::{Device, Fallback};
use super::health::{CaptureHealth, Input, InputHealth};
use super::{make, MediaError};

/// Where the picture and sound come from, decided at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureSource {
    /// A test pattern and tone, on purpose.
    Test,
    /// None was found: a still picture and silence.
    Missing,
    Device(String),
}

impl CaptureSource {
    /// What the status says before the device is first opened.
    pub(super) fn health(&self) -> InputHealth {
        match self {
            CaptureSource::Test => InputHealth::Test,
            CaptureSource::Missing => InputHealth::NotFound,
            CaptureSource::Device(device) => InputHealth::Idle {
                device: device.clone(),
            },
        }
    }
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
    /// What is done to a real microphone's sound (`[audio]`).
    pub voice: VoiceProcessing,
}

/// The calm colour that stands in for a missing camera (ARGB).
const STILL_COLOUR: u32 = 0xff2f_4f6f;

/// The running capture branch inside the pipeline.
pub(super) struct Capture {
    elements: Vec<gst::Element>,
    inputs: [Fallback; 2],
    /// The picture's encodes; `None` only while the branch is being built.
    video: Option<VideoEncodes>,
    pub audio_tee: gst::Element,
    /// The raw pictures, before the encoders: each encode and the TV's self view take from it.
    pub raw_video_tee: gst::Element,
}

impl Capture {
    /// Builds the branch into `pipeline` and starts it; the devices are
    /// opened right after, each by its supervisor, which reports to `health`.
    /// The microphone's echo canceller reads the speaker's probe `echo_probe`.
    pub fn start(
        pipeline: &gst::Pipeline,
        s: &CaptureSettings,
        health: &CaptureHealth,
        echo_probe: &str,
    ) -> Result<Self, MediaError> {
        let raw_video = raw_video_caps(s);
        let raw_audio = gst::Caps::builder("audio/x-raw")
            .field("format", "S16LE")
            .field("layout", "interleaved")
            .field("rate", 48_000i32)
            .field("channels", 1i32)
            .build();

        let still = make("videotestsrc")?;
        still.set_property("is-live", true);
        if s.video == CaptureSource::Test {
            still.set_property_from_str("pattern", "smpte");
        } else {
            still.set_property_from_str("pattern", "solid-color");
            still.set_property("foreground-color", STILL_COLOUR);
        }
        let video_in = Fallback::new(pipeline, vec![still, capsfilter(raw_video.clone())?])?;

        let quiet = make("audiotestsrc")?;
        quiet.set_property("is-live", true);
        quiet.set_property("samplesperbuffer", 480i32);
        if s.audio == CaptureSource::Test {
            quiet.set_property("freq", 440.0f64);
            quiet.set_property("volume", 0.2f64);
        } else {
            quiet.set_property_from_str("wave", "silence");
        }
        let audio_in = Fallback::new(pipeline, vec![quiet, capsfilter(raw_audio.clone())?])?;

        let raw_tee = VideoEncodes::raw_tee()?;
        if super::glass_stamp::wanted() {
            super::glass_stamp::attach(&super::pad_of(&raw_tee, "sink")?);
        }
        let video = vec![raw_tee.clone()];

        let opus = make("opusenc")?;
        opus.set_property("bitrate", 48_000i32);
        opus.set_property("inband-fec", true);
        // In-band FEC (each packet carries the one before at a lower rate):
        // a lost packet is rebuilt from the next. The encoder adds it when
        // it expects loss; 10 % pays for it without starving the voice.
        opus.set_property("packet-loss-percentage", 10i32);
        opus.set_property_from_str("frame-size", "20");
        // A voice: SILK or hybrid modes, the ones that carry FEC.
        opus.set_property_from_str("audio-type", "voice");
        let audio_tee = make("tee")?;
        audio_tee.set_property("allow-not-linked", true);
        let audio = vec![opus, audio_tee.clone()];

        let elements: Vec<_> = video.iter().chain(&audio).cloned().collect();
        let mut capture = Self {
            elements,
            inputs: [video_in, audio_in],
            video: None,
            audio_tee,
            raw_video_tee: raw_tee.clone(),
        };
        let started = (|| {
            pipeline.add_many(&capture.elements)?;
            for (input, chain) in capture.inputs.iter().zip([&video, &audio]) {
                gst::Element::link_many(chain)?;
                input.selector.link(&chain[0])?;
            }
            // Downstream first: a source started before its consumers pushes
            // into a stopped element, gets "flushing" and stops for good.
            for e in capture.elements.iter().rev() {
                e.sync_state_with_parent()?;
            }
            capture.video = Some(VideoEncodes::start(
                pipeline,
                raw_tee,
                EncodeSettings {
                    encoder: s.encoder,
                    bitrate_kbps: s.video_bitrate_kbps,
                    framerate: s.framerate,
                },
            )?);
            for input in &capture.inputs {
                for e in input.elements.iter().rev() {
                    e.sync_state_with_parent()?;
                }
            }
            for (which, source, input) in [
                (Input::Camera, &s.video, 0),
                (Input::Microphone, &s.audio, 1),
            ] {
                health.set(which, source.health());
                if let CaptureSource::Device(name) = source {
                    let device = match which {
                        Input::Camera => camera(
                            name,
                            raw_video.clone(),
                            Wanted {
                                width: s.width,
                                height: s.height,
                                fps: s.framerate,
                            },
                        ),
                        Input::Microphone => {
                            microphone(name, raw_audio.clone(), s.voice, echo_probe)
                        }
                    };
                    capture.inputs[input].supervise(pipeline, which, device, health.clone())?;
                }
            }
            Ok::<_, MediaError>(())
        })();
        match started {
            Ok(()) => Ok(capture),
            Err(e) => {
                // Leave nothing half-started behind.
                capture.stop();
                Err(e)
            }
        }
    }

    /// The tee of `codec`'s encode, started if it is not running; give it
    /// back with [`Self::release_video`] when the caller goes.
    pub fn video_for(
        &mut self,
        pipeline: &gst::Pipeline,
        codec: VideoCodec,
    ) -> Result<gst::Element, MediaError> {
        self.video
            .as_mut()
            .ok_or(MediaError::NoCapture)?
            .acquire(pipeline, codec)
    }

    /// A caller of `codec` has gone: the encode to take down, if it was the last.
    #[must_use]
    pub fn release_video(&mut self, codec: VideoCodec) -> Option<Retired> {
        self.video.as_mut()?.release(codec)
    }

    /// How many video encodes run (one per codec in use).
    pub fn video_encodes(&self) -> usize {
        self.video.as_ref().map_or(0, VideoEncodes::running)
    }

    /// Stops the branch and takes it out of the pipeline.
    pub fn stop(mut self) {
        for input in &mut self.inputs {
            input.stop();
        }
        let encodes = self
            .video
            .take()
            .map(VideoEncodes::into_elements)
            .unwrap_or_default();
        let all: Vec<_> = self
            .inputs
            .iter()
            .flat_map(|i| i.elements.iter())
            .chain(&encodes)
            .chain(&self.elements)
            .cloned()
            .collect();
        super::reaper::retire(&all);
    }
}

fn raw_video_caps(s: &CaptureSettings) -> gst::Caps {
    gst::Caps::builder("video/x-raw")
        .field("format", "I420")
        .field("width", s.width as i32)
        .field("height", s.height as i32)
        .field("framerate", gst::Fraction::new(s.framerate as i32, 1))
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
        .build()
}

/// A V4L2 camera, converted to the placeholder's caps; tried while its node
/// exists. Each try asks the camera what it captures and reads it raw, as
/// MJPEG or through libcamera (`camera_input`).
fn camera(path: &str, caps: gst::Caps, want: Wanted) -> Device {
    let device = path.to_owned();
    let node = std::path::PathBuf::from(path);
    Device {
        name: path.to_owned(),
        build: Arc::new(move || {
            let modes = crate::hw::camera_modes(&device);
            let input = choose_input(&modes, want, libcamera_available());
            tracing::info!(camera = %device, ?input, "reading the camera");
            let mut chain = source_elements(&device, input)?;
            chain.extend([
                make("videoconvert")?,
                make("videoscale")?,
                make("videorate")?,
                capsfilter(caps.clone())?,
            ]);
            Ok(chain)
        }),
        present: Box::new(move || node.exists()),
    }
}

/// An ALSA microphone, converted to the placeholder's caps (S16 48 kHz
/// mono, as the speaker's probe) and processed as `voice` says.
fn microphone(name: &str, caps: gst::Caps, voice: VoiceProcessing, echo_probe: &str) -> Device {
    let device = name.to_owned();
    let probe = echo_probe.to_owned();
    Device {
        name: name.to_owned(),
        build: Arc::new(move || {
            let src = make("alsasrc")?;
            src.set_property("device", &device);
            // 10 ms periods: the voice processing's frame.
            src.set_property("buffer-time", 40_000i64);
            src.set_property("latency-time", 10_000i64);
            let mut chain = vec![
                src,
                make("audioconvert")?,
                make("audioresample")?,
                capsfilter(caps.clone())?,
            ];
            chain.extend(microphone_dsp(voice, &probe)?);
            Ok(chain)
        }),
        present: Box::new(|| true),
    }
}

fn capsfilter(caps: gst::Caps) -> Result<gst::Element, MediaError> {
    let f = make("capsfilter")?;
    f.set_property("caps", caps);
    Ok(f)
}
