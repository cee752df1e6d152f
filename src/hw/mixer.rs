//! The speaker's volume, through the ALSA mixer of its sound card.

use alsa::mixer::{Mixer, Selem};

/// Why the volume could not be set.
#[derive(Debug, thiserror::Error)]
pub enum MixerError {
    #[error("No speaker found on the box.")]
    NoCard,
    #[error("The sound card has no volume control.")]
    NoControl,
    #[error("The sound card refused the volume ({0}).")]
    Alsa(String),
}

/// Controls tried first, in order; otherwise the first with a playback volume.
const PREFERRED: [&str; 5] = ["Master", "PCM", "Speaker", "Headphone", "Digital"];

/// Sets the playback volume of `card` (an ALSA name such as "hw:0" or
/// "default") to `percent` of its range.
pub fn set_volume(card: &str, percent: u8) -> Result<(), MixerError> {
    if !super::has_playback_device() {
        return Err(MixerError::NoCard);
    }
    let mixer = Mixer::new(card, false).map_err(|e| MixerError::Alsa(e.to_string()))?;
    let controls: Vec<Selem<'_>> = mixer
        .iter()
        .filter_map(Selem::new)
        .filter(Selem::has_playback_volume)
        .collect();
    let name_of = |s: &Selem<'_>| s.get_id().get_name().map(str::to_owned).unwrap_or_default();
    let control = PREFERRED
        .iter()
        .find_map(|wanted| controls.iter().find(|s| name_of(s) == *wanted))
        .or_else(|| controls.first())
        .ok_or(MixerError::NoControl)?;
    let (min, max) = control.get_playback_volume_range();
    let value = min + (max - min) * i64::from(percent.min(100)) / 100;
    control
        .set_playback_volume_all(value)
        .map_err(|e| MixerError::Alsa(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_without_a_sound_card_says_so() {
        // This machine has no sound card; a development PC may have one.
        if !crate::hw::has_playback_device() {
            assert!(matches!(set_volume("default", 50), Err(MixerError::NoCard)));
        }
    }
}
