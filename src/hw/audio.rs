//! Microphones and speakers: the sound cards' PCM devices, as the kernel's
//! ALSA driver lists them in `/proc/asound` (`cards` and `pcm`).
//!
//! Reading the kernel's lists rather than alsa-lib's hints makes the
//! enumeration a parser over text, so it runs under test with a fixture
//! directory (no sound card exists on CI). Only hardware devices are listed,
//! named `hw:CARD=<id>,DEV=<n>` (the names alsa-lib's hints give them).

use std::path::Path;

/// Where the kernel lists its sound cards.
pub const PROC_ASOUND: &str = "/proc/asound";

/// An ALSA PCM device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevice {
    /// The name to open it by (`"hw:CARD=Camera,DEV=0"`).
    pub name: String,
    /// What the card and the device are called ("USB Camera, USB Audio").
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Capture,
    Playback,
}

/// The PCM devices under `asound` (a `/proc/asound`-like directory) that
/// can go `direction`, in card and device order. No directory: none.
pub fn pcm_devices_in(asound: &Path, direction: Direction) -> Vec<AudioDevice> {
    let read = |name| std::fs::read_to_string(asound.join(name)).unwrap_or_default();
    parse(&read("cards"), &read("pcm"), direction)
}

/// `cards`: ` 0 [PCH            ]: HDA-Intel - HDA Intel PCH` (and a
/// second, indented line per card); `pcm`: `00-03: HDMI 0 : HDMI 0 : playback 1`.
fn parse(cards: &str, pcm: &str, direction: Direction) -> Vec<AudioDevice> {
    let cards: Vec<(u32, &str, &str)> = cards
        .lines()
        .filter_map(|line| {
            let (index, rest) = line.trim_start().split_once(' ')?;
            let index = index.parse().ok()?;
            let (id, rest) = rest.trim_start().strip_prefix('[')?.split_once(']')?;
            let long = rest.split_once(" - ").map_or("", |(_, name)| name.trim());
            Some((index, id.trim(), long))
        })
        .collect();
    let wanted = match direction {
        Direction::Capture => "capture",
        Direction::Playback => "playback",
    };
    pcm.lines()
        .filter_map(|line| {
            let (numbers, rest) = line.split_once(':')?;
            let (card, device) = numbers.trim().split_once('-')?;
            let (card, device): (u32, u32) = (card.parse().ok()?, device.parse().ok()?);
            let fields: Vec<&str> = rest.split(" : ").map(str::trim).collect();
            let goes = fields.iter().skip(2).any(|f| {
                f.split_once(' ')
                    .is_some_and(|(what, n)| what == wanted && n.trim() != "0")
            });
            let (_, id, long) = cards.iter().find(|(index, ..)| *index == card)?;
            let pcm_name = fields.get(1).copied().unwrap_or_default();
            goes.then(|| AudioDevice {
                name: format!("hw:CARD={id},DEV={device}"),
                description: [*long, pcm_name]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })
        .collect()
}

/// Devices that can record: microphones, a camera's microphone.
pub fn capture_devices() -> Vec<AudioDevice> {
    pcm_devices_in(Path::new(PROC_ASOUND), Direction::Capture)
}

/// Devices that can play: the TV's HDMI audio, a USB speaker.
pub fn playback_devices() -> Vec<AudioDevice> {
    pcm_devices_in(Path::new(PROC_ASOUND), Direction::Playback)
}

/// Whether any sound card can play.
pub fn has_playback_device() -> bool {
    !playback_devices().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Pi with HDMI sound and a USB camera's microphone, as its kernel lists them.
    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("cards"),
            " 0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0\n\
             \x20                     vc4-hdmi-0\n\
             \x201 [Camera         ]: USB-Audio - USB Camera\n\
             \x20                     Generic USB Camera at usb-0000:01:00.0-1.2, high speed\n",
        )
        .expect("cards");
        std::fs::write(
            dir.path().join("pcm"),
            "00-00: MAI PCM i2s-hifi-0 : MAI PCM i2s-hifi-0 : playback 1\n\
             01-00: USB Audio : USB Audio : capture 1\n",
        )
        .expect("pcm");
        dir
    }

    #[test]
    fn cards_and_devices_are_read_from_the_kernels_lists() {
        let dir = fixture();
        assert_eq!(
            pcm_devices_in(dir.path(), Direction::Capture),
            vec![AudioDevice {
                name: "hw:CARD=Camera,DEV=0".into(),
                description: "USB Camera, USB Audio".into(),
            }]
        );
        assert_eq!(
            pcm_devices_in(dir.path(), Direction::Playback),
            vec![AudioDevice {
                name: "hw:CARD=vc4hdmi0,DEV=0".into(),
                description: "vc4-hdmi-0, MAI PCM i2s-hifi-0".into(),
            }]
        );
    }

    #[test]
    fn a_laptop_card_with_both_directions_and_hdmi_outputs() {
        let cards = " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 32\n";
        let pcm = "00-00: ALC887-VD Analog : ALC887-VD Analog : playback 1 : capture 1\n\
                   00-03: HDMI 0 : HDMI 0 : playback 1\n\
                   00-02: ALC887-VD Alt Analog : ALC887-VD Alt Analog : capture 0\n";
        let names = |d| {
            parse(cards, pcm, d)
                .into_iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Direction::Capture), ["hw:CARD=PCH,DEV=0"]);
        assert_eq!(
            names(Direction::Playback),
            ["hw:CARD=PCH,DEV=0", "hw:CARD=PCH,DEV=3"]
        );
    }

    #[test]
    fn no_sound_cards_and_no_proc_mean_no_devices() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(pcm_devices_in(dir.path(), Direction::Playback), vec![]);
        std::fs::write(dir.path().join("cards"), "--- no soundcards ---\n").expect("cards");
        assert_eq!(pcm_devices_in(dir.path(), Direction::Capture), vec![]);
    }
}
