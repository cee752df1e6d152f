//! The TV's speaker: what the grandparent hears.
//!
//! Owns the audio output end of the pipeline, built once with it: every
//! caller's decoded voice (from `media::remote`) and the chime are mixed
//! into one stream, which passes the echo canceller's probe on its way to
//! the speaker. One output, so the microphone's canceller (`media::echo`)
//! has one far-end reference, and it is what the speaker plays. The mix's
//! elements are locked out of the pipeline's state changes: they play only
//! while there is something to play — a caller's voice or the chime — and
//! go back to READY (the sink still open) when the mixer's last input is
//! released: waiting costs no mixing. While it plays, a live silence keeps the mix (and the
//! canceller's reference) going between words. The canceller holds the probe
//! from its start; a stopped probe gives it nothing to cancel, which is true.
//! Headless (`audio_output = "none"`, or no sound card) the mix ends in a
//! fakesink synchronised to the clock, so the canceller works the same.
//!
//! ```text
//! (PLAYING only while the mixer has an input besides the silence)
//! audiotestsrc(silence, live) ──┐
//! caller voices (media::remote) ┼─ audiomixer ─ S16 48 kHz mono ─ webrtcechoprobe ─ audioconvert ─ audioresample ─ alsasink | autoaudiosink | fakesink
//! chime (660 Hz, 0.5 s) ────────┘
//! ```
//!
//! The sink can be swapped while playing (the admin chose another speaker);
//! one that will not open gives way to a fakesink, never to a failed call.

use crate::sync::lock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
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
    /// The mix from the silence to the last element before the sink,
    /// downstream last; locked out of the pipeline's state changes.
    chain: Vec<gst::Element>,
    /// Held while the mix is started, stopped or given an input.
    running: Mutex<()>,
    /// The pipeline is going: the mix follows it down, never rests again.
    closing: AtomicBool,
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
    /// `pipeline`, at rest (READY) until something is to be played.
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
        for element in chain {
            element.set_locked_state(true);
        }
        pipeline.add_many(chain)?;
        gst::Element::link_many(chain)?;
        for element in chain.iter().rev() {
            element.set_state(gst::State::Ready)?;
        }
        let inner = Arc::new(Inner {
            pipeline: pipeline.clone(),
            chain: [&silence, &mixer, &caps, &probe, &convert, &tail]
                .map(|e| (*e).clone())
                .to_vec(),
            running: Mutex::new(()),
            closing: AtomicBool::new(false),
            mixer,
            probe,
            tail,
            sink: Mutex::new(sink),
            configured: speaker,
        });
        // An input released (a caller gone, the chime over): the mix stops
        // when it was the last. Not here: the mixer releases its pad with
        // its own lock held, which stopping it would take again.
        let weak = Arc::downgrade(&inner);
        inner.mixer.connect_pad_removed(move |_, _| {
            let weak = weak.clone();
            std::thread::spawn(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.rest_if_unused();
                }
            });
        });
        Ok(Self(inner))
    }

    /// The pipeline is going to NULL: the mix goes with it.
    pub(super) fn close(&self) {
        let _running = lock(&self.0.running);
        self.0.closing.store(true, Ordering::Relaxed);
        for element in self.0.elements() {
            element.set_locked_state(false);
        }
    }

    /// Whether the mix is playing (it has something to play).
    #[cfg(test)]
    fn is_playing(&self) -> bool {
        self.0.mixer.current_state() == gst::State::Playing
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
        let _running = lock(&self.0.running);
        self.0.play()?;
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
                        // Not while the pipeline itself is being freed.
                        if let (Some(bin), Some(_pipeline)) = (bin.upgrade(), pipeline.upgrade()) {
                            super::remote::detach(&bin);
                            super::reaper::retire(&[bin.upcast()]);
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
            super::reaper::retire(&[old.1]);
            // It rests or plays with the rest of the mix.
            let playing = !inner.mixer.is_locked_state();
            current.1.set_locked_state(!playing);
            let linked = inner
                .pipeline
                .add(&current.1)
                .map_err(MediaError::from)
                .and_then(|()| Ok(inner.tail.link(&current.1)?))
                .and_then(|()| match playing {
                    true => inner.start(&current.1),
                    false => Ok(()),
                });
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

impl Inner {
    /// The mix's elements, the sink first (the order they start in).
    fn elements(&self) -> Vec<gst::Element> {
        let mut all = vec![lock(&self.sink).1.clone()];
        all.extend(self.chain.iter().rev().cloned());
        all
    }

    /// Starts the mix (no-op when it plays), downstream first.
    fn play(&self) -> Result<(), MediaError> {
        if !self.mixer.is_locked_state() {
            return Ok(());
        }
        for element in self.elements() {
            element.set_locked_state(false);
            if let Err(e) = self.start(&element) {
                self.rest();
                return Err(e);
            }
        }
        tracing::debug!("speaker mix playing");
        Ok(())
    }

    /// Brings an unlocked `element` to the pipeline's state. Before the
    /// pipeline plays it only follows it; in a playing pipeline it takes
    /// the pipeline's clock and base time, so that what it plays and what
    /// the probe reports are on the pipeline's running time, as the
    /// microphone is.
    fn start(&self, element: &gst::Element) -> Result<(), MediaError> {
        let (_, state, pending) = self.pipeline.state(gst::ClockTime::ZERO);
        if state != gst::State::Playing || pending != gst::State::VoidPending {
            element.sync_state_with_parent()?;
            return Ok(());
        }
        element.set_clock(self.pipeline.clock().as_ref())?;
        if let Some(base) = self.pipeline.base_time() {
            element.set_base_time(base);
        }
        element.set_start_time(gst::ClockTime::NONE);
        element.set_state(gst::State::Playing)?;
        Ok(())
    }

    /// Puts the mix at rest (READY), upstream first.
    fn rest(&self) {
        let mut elements = self.elements();
        elements.reverse();
        for element in elements {
            element.set_locked_state(true);
            if let Err(e) = element.set_state(gst::State::Ready) {
                tracing::warn!(element = %element.name(), error = %e, "the speaker mix did not stop");
            }
        }
    }

    /// Stops the mix when only its silence is left in it.
    fn rest_if_unused(&self) {
        let _running = lock(&self.running);
        if self.closing.load(Ordering::Relaxed)
            || self.mixer.is_locked_state()
            || self.mixer.num_sink_pads() > 1
        {
            return;
        }
        self.rest();
        tracing::debug!("speaker mix at rest");
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Waits (up to 10 s, never a figure) for `done`.
    fn wait_for(done: impl Fn() -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        done()
    }

    #[test]
    fn the_mix_plays_only_while_there_is_something_to_play_and_on_the_pipelines_time() {
        gst::init().expect("gstreamer");
        let pipeline = gst::Pipeline::new();
        let speaker = SpeakerOutput::build(&pipeline, Speaker::None).expect("speaker");
        pipeline.set_state(gst::State::Playing).expect("plays");
        // What reaches the probe, and when (the pipeline's running time).
        let first: Arc<Mutex<Option<gst::ClockTime>>> = Arc::default();
        let f = first.clone();
        pad_of(&speaker.0.probe, "src").expect("probe").add_probe(
            gst::PadProbeType::BUFFER,
            move |pad, info| {
                let mut first = lock(&f);
                if first.is_none() {
                    let segment = pad.sticky_event::<gst::event::Segment>(0);
                    *first = segment.and_then(|s| {
                        let s = s.segment().downcast_ref::<gst::ClockTime>()?.clone();
                        s.to_running_time(info.buffer()?.pts()?)
                    });
                }
                gst::PadProbeReturn::Ok
            },
        );
        // Waiting: nothing mixed, nothing played.
        std::thread::sleep(Duration::from_millis(600));
        assert!(!speaker.is_playing());
        assert!(lock(&first).is_none(), "the mix ran while waiting");

        let asked = pipeline.current_running_time().expect("running");
        speaker.chime();
        assert!(speaker.is_playing());
        assert!(
            wait_for(|| lock(&first).is_some()),
            "the chime was not mixed"
        );
        // Mixed from now on, not caught up from the pipeline's start.
        let started = lock(&first).expect("mixed");
        assert!(
            started + gst::ClockTime::from_mseconds(100) >= asked,
            "the mix started at {started}, asked at {asked}"
        );
        // The chime over, the mix rests again; and plays again for the next.
        assert!(wait_for(|| !speaker.is_playing()), "the mix kept playing");
        speaker.chime();
        assert!(speaker.is_playing());
        assert!(wait_for(|| !speaker.is_playing()));
        speaker.close();
        pipeline.set_state(gst::State::Null).expect("stops");
    }

    #[test]
    fn a_speaker_chosen_at_rest_rests_with_the_mix_and_plays_with_it() {
        gst::init().expect("gstreamer");
        let pipeline = gst::Pipeline::new();
        let speaker = SpeakerOutput::build(&pipeline, Speaker::None).expect("speaker");
        pipeline.set_state(gst::State::Playing).expect("plays");
        let new = make("fakesink").expect("fakesink");
        new.set_property("sync", true);
        new.set_property("async", false);
        speaker.swap_sink((Speaker::None, new.clone()));
        // At rest the swap is done at once (nothing flows).
        assert!(
            new.parent().is_some(),
            "the new sink is not in the pipeline"
        );
        assert!(new.is_locked_state());
        assert_ne!(new.current_state(), gst::State::Playing);
        let played = Arc::new(AtomicU32::new(0));
        let p = played.clone();
        pad_of(&new, "sink").expect("sink pad").add_probe(
            gst::PadProbeType::BUFFER,
            move |_, _| {
                p.fetch_add(1, Ordering::Relaxed);
                gst::PadProbeReturn::Ok
            },
        );
        speaker.chime();
        assert_eq!(new.current_state(), gst::State::Playing);
        assert!(
            wait_for(|| played.load(Ordering::Relaxed) > 0),
            "the new sink played nothing"
        );
        assert!(wait_for(|| !speaker.is_playing()));
        // The mix rests upstream first: the sink is the last to lock.
        assert!(
            wait_for(|| new.is_locked_state()),
            "the new sink did not rest with the mix"
        );
        speaker.close();
        pipeline.set_state(gst::State::Null).expect("stops");
    }
}
