//! The speaker's volume, through the ALSA mixer of its sound card.
//!
//! A playback device is named for PCM (`plughw:1,0`, `default:CARD=vc4hdmi`,
//! `hw:CARD=PCH,DEV=3`); ALSA's control interface, which the mixer opens,
//! takes only the card (`hw:1`, `hw:CARD=vc4hdmi`): [`control_name`] turns
//! one into the other.

use std::path::Path;

use alsa::mixer::{Mixer, Selem};

use super::audio::{pcm_devices_in, Direction, PROC_ASOUND};

/// Why the volume could not be set.
#[derive(Debug, thiserror::Error)]
pub enum MixerError {
    #[error("No speaker found on the box.")]
    NoCard,
    #[error("The sound card has no volume control.")]
    NoControl,
    #[error("The sound card {card} refused the volume ({reason}).")]
    Alsa { card: String, reason: String },
}

/// Controls tried first, in order; otherwise the first with a playback volume.
const PREFERRED: [&str; 5] = ["Master", "PCM", "Speaker", "Headphone", "Digital"];

/// The control device (the card) a PCM device name is on: `plughw:1,0` →
/// `hw:1`, `default:CARD=x` → `hw:CARD=x`. A name without arguments
/// (`default`) is a control name too, and is kept.
pub fn control_name(device: &str) -> String {
    let Some((_, args)) = device.split_once(':') else {
        return device.to_owned();
    };
    let card = args
        .split(',')
        .find_map(|arg| arg.strip_prefix("CARD="))
        .map(|card| format!("CARD={}", card.trim_matches('"')))
        .or_else(|| {
            args.split(',')
                .next()
                .filter(|first| !first.contains('='))
                .map(str::to_owned)
        });
    match card {
        Some(card) => format!("hw:{card}"),
        None => device.to_owned(),
    }
}

/// Sets the playback volume of the card `device` (an ALSA playback device
/// name, or "default") is on to `percent` of its range.
pub fn set_volume(device: &str, percent: u8) -> Result<(), MixerError> {
    set_volume_in(Path::new(PROC_ASOUND), device, percent)
}

/// [`set_volume`], with the sound cards listed under `asound`.
fn set_volume_in(asound: &Path, device: &str, percent: u8) -> Result<(), MixerError> {
    if pcm_devices_in(asound, Direction::Playback).is_empty() {
        return Err(MixerError::NoCard);
    }
    let card = control_name(device);
    let refused = |e: alsa::Error| MixerError::Alsa {
        card: card.clone(),
        reason: e.to_string(),
    };
    let mixer = Mixer::new(&card, false).map_err(refused)?;
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
    control.set_playback_volume_all(value).map_err(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mixer_is_opened_by_card() {
        for (device, card) in [
            ("plughw:1,0", "hw:1"),
            ("hw:1,0", "hw:1"),
            ("hw:0", "hw:0"),
            ("default:CARD=vc4hdmi", "hw:CARD=vc4hdmi"),
            ("sysdefault:CARD=PCH", "hw:CARD=PCH"),
            ("hw:CARD=PCH,DEV=3", "hw:CARD=PCH"),
            ("plughw:DEV=0,CARD=Camera", "hw:CARD=Camera"),
            ("hdmi:CARD=\"vc4hdmi0\",DEV=0", "hw:CARD=vc4hdmi0"),
            ("default", "default"),
        ] {
            assert_eq!(control_name(device), card, "for {device}");
        }
    }

    #[test]
    fn a_box_without_a_sound_card_says_so() {
        let none = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            set_volume_in(none.path(), "default", 50),
            Err(MixerError::NoCard)
        ));
    }

    #[test]
    fn a_playback_device_name_reaches_alsa_as_its_card() {
        // A card is listed (a fixture), so alsa-lib itself is asked to open
        // the card's control device; no such card exists here, and its
        // refusal names what it was asked for.
        let asound = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            asound.path().join("cards"),
            " 7 [Nowhere        ]: USB-Audio - Nowhere\n",
        )
        .expect("cards");
        std::fs::write(
            asound.path().join("pcm"),
            "07-00: USB Audio : USB Audio : playback 1\n",
        )
        .expect("pcm");
        match set_volume_in(asound.path(), "plughw:CARD=Nowhere,DEV=0", 50) {
            Err(MixerError::Alsa { card, .. }) => assert_eq!(card, "hw:CARD=Nowhere"),
            other => panic!("expected ALSA to refuse hw:CARD=Nowhere, got {other:?}"),
        }
    }
}
