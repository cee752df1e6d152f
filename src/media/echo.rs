//! The microphone's voice processing: echo cancellation, noise suppression
//! and gain control (`[audio]`), by WebRTC's audio processing (`webrtcdsp`).
//!
//! Owns the switches and the element that applies them. The canceller
//! reads what the speaker plays from the speaker's `webrtcechoprobe`
//! (`media::speaker`), found by its name; both run at the same rate and
//! format (S16 48 kHz mono, 10 ms frames; webrtcdsp regroups whatever it
//! gets into those).
//!
//! ```text
//! alsasrc ─ convert/resample ─ S16 48 kHz mono ─ webrtcdsp(probe = the speaker's) ─► the microphone's input-selector
//!                                                      ▲
//!          the speaker's mix ─ webrtcechoprobe ────────┘ (what was played, and when)
//! ```
//!
//! It sits in the microphone device's own chain (`capture`), not after the
//! input-selector: only a real microphone hears the room. The placeholder
//! (silence) and the test tone are passed untouched: noise suppression
//! takes a steady tone for noise and would remove it, and the gain control
//! would change its level, which the tests measure.

use gst::prelude::*;

use super::{make, MediaError};

/// What is done to the microphone's sound; each switch from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceProcessing {
    /// Remove what the speaker plays from what the microphone hears.
    pub echo_cancellation: bool,
    /// Lower steady background noise.
    pub noise_suppression: bool,
    /// Bring the voice to an even level.
    pub gain_control: bool,
}

impl Default for VoiceProcessing {
    fn default() -> Self {
        Self {
            echo_cancellation: true,
            noise_suppression: true,
            gain_control: true,
        }
    }
}

impl VoiceProcessing {
    /// Nothing to do: the sound passes as it is.
    pub const OFF: Self = Self {
        echo_cancellation: false,
        noise_suppression: false,
        gain_control: false,
    };
}

/// The element that processes the microphone's S16 48 kHz mono sound as
/// `settings` say, its canceller reading the speaker's probe named `probe`
/// (`SpeakerOutput::probe_name`); `None` when every switch is off. It must
/// start after the probe exists and, until it stops, has that probe to itself.
pub fn microphone_dsp(
    settings: VoiceProcessing,
    probe: &str,
) -> Result<Option<gst::Element>, MediaError> {
    if settings == VoiceProcessing::OFF {
        return Ok(None);
    }
    let dsp = make("webrtcdsp")?;
    dsp.set_property("echo-cancel", settings.echo_cancellation);
    dsp.set_property("noise-suppression", settings.noise_suppression);
    dsp.set_property("gain-control", settings.gain_control);
    dsp.set_property("probe", probe);
    // The probe tells the canceller when each far-end frame is played (its
    // timestamp and the pipeline's latency); the extended filter covers the
    // room beyond that. Delay-agnostic mode measured worse (bench/echo:
    // ERLE 0.4 dB against 5.9 dB median, 30–120 ms).
    dsp.set_property("delay-agnostic", false);
    // A grandparent's TV is loud and the room echoes: the relative must not
    // hear themselves. The high suppressor trades some double talk for it
    // (bench/echo, 30/60/120 ms: ERLE median 13.9 dB against 8.1 at the
    // default level; the near end kept in double talk −3.6 dB against −0.8).
    dsp.set_property_from_str("echo-suppression-level", "high");
    Ok(Some(dsp))
}
