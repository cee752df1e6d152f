//! Microphones and speakers, found through ALSA.

use alsa::device_name::HintIter;
use alsa::Direction;

/// An ALSA PCM device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevice {
    /// The name to open it by (`"hw:CARD=Camera,DEV=0"`, `"default"`).
    pub name: String,
    /// What ALSA says it is.
    pub description: String,
}

fn pcm_devices(direction: Direction) -> Vec<AudioDevice> {
    let Ok(hints) = HintIter::new_str(None, "pcm") else {
        return Vec::new();
    };
    hints
        .filter(|h| h.direction.is_none_or(|d| d == direction))
        .filter_map(|h| {
            let name = h.name?;
            // Real cards only: plugins ("null", "pulse", "default" without a card) are not devices.
            name.starts_with("hw:").then(|| AudioDevice {
                description: h.desc.unwrap_or_default().replace('\n', " "),
                name,
            })
        })
        .collect()
}

/// Devices that can record: microphones, a camera's microphone.
pub fn capture_devices() -> Vec<AudioDevice> {
    pcm_devices(Direction::Capture)
}

/// Devices that can play: the TV's HDMI audio, a USB speaker.
pub fn playback_devices() -> Vec<AudioDevice> {
    pcm_devices(Direction::Playback)
}

/// Whether any sound card can play.
pub fn has_playback_device() -> bool {
    !playback_devices().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hardware_devices_are_listed() {
        for device in capture_devices() {
            assert!(device.name.starts_with("hw:"), "{device:?}");
        }
    }
}
