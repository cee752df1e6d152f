//! The TV's speaker: what the grandparent hears.
//!
//! Owns the audio output end of the pipeline, built once with it: every
//! caller's decoded voice (from `media::remote`) and the chime are mixed
//! into one stream, which passes the echo canceller's probe on its way to
//! the speaker. One output, so the microphone's canceller (`media::echo`)
//! has one far-end reference, and it is what the speaker plays. A live
//! silence keeps the mix (and that reference) running between calls.
//! Headless (`audio_output = "none"`, or no sound card) the mix ends in a
//! fakesink synchronised to the clock, so the canceller works the same.
//!
//! ```text
//! audiotestsrc(silence, live) ──┐
//! caller voices (media::remote) ┼─ audiomixer ─ S16 48 kHz mono ─ webrtcechoprobe ─ audioconvert ─ audioresample ─ alsasink | autoaudiosink | fakesink
//! chime (660 Hz, 0.5 s) ────────┘
//! ```
//!
//! The sink can be swapped while playing (the admin chose another speaker);
//! one that will not open gives way to a fakesink, never to a failed call.

use crate::sync::lock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use gst::prelude::*;

use super::{make, pad_of, MediaError};

/// The mix's sample rate: one of the four webrtcdsp takes, and Opus's own.
pub(super) const RATE: i32 = 48_000;

/// How much of the mix one buffer holds: the canceller's own frame.
const PERIOD_SAMPLES: i32 = RATE / 100;

/// How long after "now" a chime starts, so its first buffer is not late
/// for the mixer (which mixes about a period ahead of the clock).
const CHIME_MARGIN: gst::ClockTime = gst::ClockTime::from_mseconds(50);

/// Where the caller's voice is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    /// Nowhere: decoded, mixed, measured, dropped.
    None,
    /// GStreamer's choice of audio output.
    Auto,
    /// This ALSA device.
    Alsa(String),
}

/// The speaker output of the pipeline; cheap to clone.
#[derive(Clone)]
pub struct SpeakerOutput(Arc<Inner>);

struct Inner {
    pipeline: gst::Pipeline,
    mixer: gst::Element,
    probe: gst::Element,
    /// The last element before the sink.
    tail: gst::Element,
    /// What plays the mix, and which speaker it is.
    sink: Mutex<(Speaker, gst::Element)>,
    configured: Speaker,
}

impl std::fmt::Debug for SpeakerOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeakerOutput")
            .field("probe", &self.probe_name())
            .field("speaker", &lock(&self.0.sink).0)
            .finish()
    }
}

impl SpeakerOutput {
    /// Adds the mixer, the probe and the sink playing on `speaker` to
    /// `pipeline` (they start with it).
    pub fn build(pipeline: &gst::Pipeline, speaker: Speaker) -> Result<Self, MediaError> {
        static PROBES: AtomicU32 = AtomicU32::new(0);
        let silence = make("audiotestsrc")?;
        silence.set_property("is-live", true);
        silence.set_property_from_str("wave", "silence");
        silence.set_property("samplesperbuffer", PERIOD_SAMPLES);
        let mixer = make("audiomixer")?;
        mixer.set_property("output-buffer-duration", 10_000_000u64);
        mixer.set_property_from_str("start-time-selection", "first");
        let caps = make("capsfilter")?;
        caps.set_property("caps", mix_caps());
        // webrtcdsp finds its probe by name, in the whole process: one per
        // pipeline (tests run several at once).
        let name = format!("echo-probe-{}", PROBES.fetch_add(1, Ordering::Relaxed));
        let probe = gst::ElementFactory::make("webrtcechoprobe")
            .name(name)
            .build()
            .map_err(|_| MediaError::MissingElement("webrtcechoprobe"))?;
        super::echo_align::tap_played(&probe);
        let convert = make("audioconvert")?;
        let tail = make("audioresample")?;
        let sink = open_sink(&speaker)?;
        let chain = [&silence, &mixer, &caps, &probe, &convert, &tail, &sink.1];
        pipeline.add_many(chain)?;
        gst::Element::link_many(chain)?;
        Ok(Self(Arc::new(Inner {
            pipeline: pipeline.clone(),
            mixer,
            probe,
            tail,
            sink: Mutex::new(sink),
            configured: speaker,
        })))
    }

    /// The echo probe's name, for the microphone's webrtcdsp.
    pub fn probe_name(&self) -> String {
        self.0.probe.name().to_string()
    }

    /// Mixes the sound leaving `src` (a pad inside `bin`) into the speaker's;
    /// the mixer's input is released when `bin`'s outputs are
    /// (`media::remote::detach`).
    pub fn play_audio(&self, bin: &gst::Bin, src: &gst::Pad) -> Result<(), MediaError> {
        // Named: the caller's bin also leads its picture out (`tv`).
        let ghost = gst::GhostPad::builder_with_target(src)?
            .name("to-speaker")
            .build();
        bin.add_pad(&ghost)?;
        self.mix(ghost.upcast_ref())
    }

    fn mix(&self, src: &gst::Pad) -> Result<(), MediaError> {
        let input = self
            .0
            .mixer
            .request_pad_simple("sink_%u")
            .ok_or(MediaError::Pipeline("the mixer gave no pad".into()))?;
        if let Err(e) = src.link(&input) {
            self.0.mixer.release_request_pad(&input);
            return Err(e.into());
        }
        // A caller's stream comes later than the silence (a jitter buffer):
        // the pipeline must hear that, or the mixer would not wait for it.
        let _ = self
            .0
            .mixer
            .post_message(gst::message::Latency::builder().src(&self.0.mixer).build());
        Ok(())
    }

    /// Plays a short chime (a call is coming), mixed with whatever plays.
    pub fn chime(&self) {
        if let Err(e) = self.start_chime() {
            tracing::warn!(error = %e, "chime failed");
        }
    }

    fn start_chime(&self) -> Result<(), MediaError> {
        let pipeline = &self.0.pipeline;
        let tone = make("audiotestsrc")?;
        tone.set_property("freq", 660.0f64);
        tone.set_property("volume", 0.4f64);
        tone.set_property("samplesperbuffer", PERIOD_SAMPLES);
        tone.set_property("num-buffers", 50i32);
        let convert = make("audioconvert")?;
        let resample = make("audioresample")?;
        let bin = gst::Bin::new();
        bin.add_many([&tone, &convert, &resample])?;
        gst::Element::link_many([&tone, &convert, &resample])?;
        let ghost = gst::GhostPad::with_target(&pad_of(&resample, "src")?)?;
        bin.add_pad(&ghost)?;
        // The tone counts from zero: shift it to now, on the pipeline's clock.
        let now = pipeline
            .current_running_time()
            .unwrap_or(gst::ClockTime::ZERO);
        ghost.set_offset((now + CHIME_MARGIN).nseconds() as i64);
        let (weak_bin, weak_pipeline) = (bin.downgrade(), pipeline.downgrade());
        ghost.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if let Some(gst::PadProbeData::Event(event)) = &info.data {
                if event.type_() == gst::EventType::Eos {
                    // Not on the streaming thread that carries the EOS.
                    let (bin, pipeline) = (weak_bin.clone(), weak_pipeline.clone());
                    std::thread::spawn(move || {
                        if let (Some(bin), Some(pipeline)) = (bin.upgrade(), pipeline.upgrade()) {
                            super::remote::detach(&bin);
                            let _ = bin.set_state(gst::State::Null);
                            let _ = pipeline.remove(&bin);
                        }
                    });
                }
            }
            gst::PadProbeReturn::Ok
        });
        pipeline.add(&bin)?;
        self.mix(ghost.upcast_ref())?;
        bin.sync_state_with_parent()?;
        Ok(())
    }

    /// Plays on this ALSA device from now on (`None`: as configured).
    pub fn choose_speaker(&self, device: Option<String>) {
        let chosen = match device {
            Some(device) if self.0.configured != Speaker::None => Speaker::Alsa(device),
            _ => self.0.configured.clone(),
        };
        if lock(&self.0.sink).0 == chosen {
            return;
        }
        match open_sink(&chosen) {
            Ok(sink) => self.swap_sink(sink),
            Err(e) => tracing::error!(error = %e, "cannot change the speaker"),
        }
    }

    /// Puts `new` in place of the sink once no buffer is on its way to it.
    fn swap_sink(&self, new: (Speaker, gst::Element)) {
        let Ok(tail_src) = pad_of(&self.0.tail, "src") else {
            return;
        };
        let weak = Arc::downgrade(&self.0);
        let new = Mutex::new(Some(new));
        tail_src.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
            let (Some(inner), Some(new)) = (weak.upgrade(), lock(&new).take()) else {
                return gst::PadProbeReturn::Remove;
            };
            let mut current = lock(&inner.sink);
            let old = std::mem::replace(&mut *current, new);
            let _ = old.1.set_state(gst::State::Null);
            let _ = inner.pipeline.remove(&old.1);
            let linked = inner
                .pipeline
                .add(&current.1)
                .map_err(MediaError::from)
                .and_then(|()| Ok(inner.tail.link(&current.1)?))
                .and_then(|()| Ok(current.1.sync_state_with_parent()?));
            match linked {
                Ok(()) => tracing::info!(speaker = ?current.0, "speaker changed"),
                Err(e) => tracing::error!(error = %e, "the new speaker could not start"),
            }
            let _ = pad
                .parent_element()
                .map(|e| e.post_message(gst::message::Latency::builder().src(&e).build()));
            gst::PadProbeReturn::Remove
        });
    }
}

/// What the mixer makes, the probe reads and the microphone's DSP matches.
fn mix_caps() -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("layout", "interleaved")
        .field("rate", RATE)
        .field("channels", 1i32)
        .build()
}

/// A sink for `speaker`, opened (READY) to see that it works; a fakesink
/// when it does not: the mix, and the echo canceller, go on.
fn open_sink(speaker: &Speaker) -> Result<(Speaker, gst::Element), MediaError> {
    let sink = match speaker {
        Speaker::None => make("fakesink")?,
        Speaker::Auto => make("autoaudiosink")?,
        Speaker::Alsa(device) => {
            let sink = make("alsasink")?;
            sink.set_property("device", device);
            sink
        }
    };
    // Played at its time, which is also when the probe says it is played;
    // never holding the pipeline's state back (it may join a playing one).
    sink.set_property("sync", true);
    sink.set_property("async", false);
    if *speaker != Speaker::None {
        if sink.set_state(gst::State::Ready).is_ok() {
            return Ok((speaker.clone(), sink));
        }
        let _ = sink.set_state(gst::State::Null);
        tracing::error!(
            ?speaker,
            "the speaker will not open: the caller's voice is not played"
        );
    }
    let sink = make("fakesink")?;
    sink.set_property("sync", true);
    sink.set_property("async", false);
    Ok((Speaker::None, sink))
}
