//! The TV's speaker: what the grandparent hears.
//!
//! Owns the audio output end of the pipeline: each caller's decoded voice
//! (from `media::remote`) and the chime that announces a call. Headless
//! (`audio_output = "none"`, or no sound card), voices end in fakesinks:
//! calls are still answered and measured.
//!
//! ```text
//! caller voice ─► alsasink | autoaudiosink | fakesink
//! audiotestsrc(660 Hz, 0.5 s) ─ audioconvert ─ audioresample ─► alsasink | autoaudiosink   (the chime)
//! ```

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use gst::prelude::*;

use super::{make, run_to_end, MediaError};

/// Where the caller's voice is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    /// Nowhere: decoded, measured, dropped.
    None,
    /// GStreamer's choice of audio output.
    Auto,
    /// This ALSA device.
    Alsa(String),
}

/// The speaker output of the pipeline; cheap to clone.
#[derive(Clone)]
pub(super) struct SpeakerOutput {
    /// Where callers' voices go: as configured, or as the admin chose.
    speaker: Arc<Mutex<Speaker>>,
    configured_speaker: Speaker,
}

impl SpeakerOutput {
    pub fn build(speaker: Speaker) -> Self {
        Self {
            speaker: Arc::new(Mutex::new(speaker.clone())),
            configured_speaker: speaker,
        }
    }

    /// Plays a short two-tone chime on the speaker, if there is one.
    pub fn chime(&self) {
        let sink = match &self.speaker() {
            Speaker::None => return,
            Speaker::Auto => "autoaudiosink".to_owned(),
            Speaker::Alsa(device) => format!("alsasink device={device:?}"),
        };
        let description = format!(
            "audiotestsrc wave=sine freq=660 volume=0.4 num-buffers=15 samplesperbuffer=1600 ! \
             audioconvert ! audioresample ! {sink}"
        );
        std::thread::spawn(move || {
            if let Err(e) = play_to_end(&description) {
                tracing::warn!(error = %e, "chime failed");
            }
        });
    }

    /// Plays callers' voices on this ALSA device from the next call on
    /// (`None`: as configured).
    pub fn choose_speaker(&self, device: Option<String>) {
        let chosen = match device {
            Some(device) if self.configured_speaker != Speaker::None => Speaker::Alsa(device),
            _ => self.configured_speaker.clone(),
        };
        *lock(&self.speaker) = chosen;
    }

    fn speaker(&self) -> Speaker {
        lock(&self.speaker).clone()
    }

    /// Plays the sound leaving `src` (a pad inside `bin`).
    pub fn play_audio(&self, bin: &gst::Bin, src: &gst::Pad) -> Result<(), MediaError> {
        let sink = match &self.speaker() {
            Speaker::None => make("fakesink")?,
            Speaker::Auto => make("autoaudiosink")?,
            Speaker::Alsa(device) => {
                let sink = make("alsasink")?;
                sink.set_property("device", device);
                sink
            }
        };
        if self.speaker() == Speaker::None {
            sink.set_property("sync", false);
            sink.set_property("async", false);
        } else {
            sink.set_property("sync", true);
        }
        bin.add(&sink)?;
        sink.sync_state_with_parent()?;
        let input = sink
            .static_pad("sink")
            .ok_or(MediaError::Pipeline("audio sink without pad".into()))?;
        src.link(&input)?;
        Ok(())
    }
}

/// Runs a short pipeline until it ends (at most five seconds).
fn play_to_end(description: &str) -> Result<(), MediaError> {
    let pipeline = gst::parse::launch(description)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| MediaError::Pipeline("not a pipeline".into()))?;
    let result = run_to_end(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    result
}
