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
//! alsasrc ─ convert/resample ─ S16 48 kHz mono ─ webrtcdsp(probe = the speaker's, input lined up by echo_align) ─► the microphone's input-selector
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
    // timestamp and the pipeline's latency); what the sink and the room add
    // after that is measured from the sound and taken off the microphone's
    // timestamps (`echo_align`). Delay-agnostic mode, the library's own
    // answer to an unknown delay, measured worse than either (bench/echo:
    // ERLE 0.4 dB against 5.9 dB median, 30–120 ms, before the alignment).
    dsp.set_property("delay-agnostic", false);
    // Lined up, the canceller removes the echo at the default (moderate)
    // suppressor as well as at `high`, and keeps more of the near end in
    // double talk (bench/echo, 60/120 ms: ERLE 46.7 dB against 46.2; the
    // near end kept −4.0 dB against −6.2).
    dsp.set_property_from_str("echo-suppression-level", "moderate");
    if settings.echo_cancellation {
        super::echo_align::align_microphone(&dsp, probe);
    }
    Ok(Some(dsp))
}
