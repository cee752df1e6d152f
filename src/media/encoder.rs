//! Choosing the H.264 encoder, once, at start-up.
//!
//! Owns the knowledge of each encoder's properties. The configured list is
//! tried in order; the first encoder whose factory exists *and* encodes one
//! test frame wins (a hardware encoder may be registered yet unusable). Every
//! encoder is set up for calls: low latency, no B-frames, a keyframe at least
//! every two seconds, constrained-baseline output that iPhones play.
//!
//! ```text
//! videotestsrc num-buffers=1 ! I420 ! <encoder> ! video/x-h264,constrained-baseline ! fakesink
//! ```

use gst::prelude::*;

use super::{run_to_end, MediaError};

/// An H.264 encoder the box knows how to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncoderKind {
    /// The Raspberry Pi's V4L2 memory-to-memory encoder.
    V4l2,
    /// VA-API through the `va` plugin.
    Va,
    /// VA-API through the older `vaapi` plugin.
    Vaapi,
    /// NVIDIA NVENC.
    Nvenc,
    /// Software: x264.
    X264,
    /// Software: Cisco's OpenH264.
    OpenH264,
}

impl EncoderKind {
    pub fn from_factory(name: &str) -> Option<Self> {
        Some(match name {
            "v4l2h264enc" => Self::V4l2,
            "vah264enc" => Self::Va,
            "vaapih264enc" => Self::Vaapi,
            "nvh264enc" => Self::Nvenc,
            "x264enc" => Self::X264,
            "openh264enc" => Self::OpenH264,
            _ => return None,
        })
    }

    pub fn factory(self) -> &'static str {
        match self {
            Self::V4l2 => "v4l2h264enc",
            Self::Va => "vah264enc",
            Self::Vaapi => "vaapih264enc",
            Self::Nvenc => "nvh264enc",
            Self::X264 => "x264enc",
            Self::OpenH264 => "openh264enc",
        }
    }

    /// A configured encoder element.
    pub fn make(self, bitrate_kbps: u32, framerate: u32) -> Result<gst::Element, MediaError> {
        let gop = framerate * 2;
        let v4l2_controls = v4l2_controls(bitrate_kbps, gop);
        let builder = gst::ElementFactory::make(self.factory());
        let builder = match self {
            Self::V4l2 => builder.property_from_str("extra-controls", &v4l2_controls),
            Self::Va => builder
                .property("bitrate", bitrate_kbps)
                .property("key-int-max", gop)
                .property("b-frames", 0u32)
                .property_from_str("rate-control", "cbr"),
            Self::Vaapi => builder
                .property("bitrate", bitrate_kbps)
                .property("keyframe-period", gop)
                .property("max-bframes", 0u32),
            Self::Nvenc => builder
                .property("bitrate", bitrate_kbps)
                .property("gop-size", gop as i32)
                .property("bframes", 0u32)
                .property_from_str("preset", "low-latency-hq"),
            Self::X264 => builder
                .property_from_str("tune", "zerolatency")
                .property_from_str("speed-preset", "ultrafast")
                .property("key-int-max", gop)
                .property("bitrate", bitrate_kbps),
            Self::OpenH264 => builder
                .property_from_str("complexity", "low")
                .property_from_str("rate-control", "bitrate")
                .property("bitrate", bitrate_kbps * 1000)
                .property("gop-size", gop),
        };
        builder
            .build()
            .map_err(|_| MediaError::MissingElement(self.factory()))
    }
}

/// v4l2h264enc's `extra-controls`: bitrate, keyframe period, headers with
/// every keyframe, and constrained baseline level 3.1 as V4L2's enums
/// (linux/v4l2-controls.h) number them.
fn v4l2_controls(bitrate_kbps: u32, gop: u32) -> String {
    format!(
        "controls,video_bitrate={},h264_i_frame_period={gop},repeat_sequence_header=1,\
         h264_profile={V4L2_CONSTRAINED_BASELINE},h264_level={V4L2_LEVEL_3_1}",
        bitrate_kbps * 1000
    )
}

/// Changes a running video encoder's bitrate to `kbps` (bandwidth
/// adaptation, `media::adapt_run`); `false` when `element` is no encoder
/// this knows. Each encoder takes the change while playing.
pub fn set_bitrate(element: &gst::Element, kbps: u32) -> bool {
    let Some(factory) = element.factory() else {
        return false;
    };
    match factory.name().as_str() {
        "x264enc" | "vah264enc" | "vaapih264enc" | "nvh264enc" => {
            element.set_property("bitrate", kbps)
        }
        "openh264enc" => element.set_property("bitrate", kbps * 1000),
        "vp8enc" => element.set_property("target-bitrate", (kbps * 1000) as i32),
        "v4l2h264enc" => {
            let controls = gst::Structure::builder("controls")
                .field("video_bitrate", (kbps * 1000) as i32)
                .build();
            element.set_property("extra-controls", controls)
        }
        _ => return false,
    }
    true
}

/// `V4L2_MPEG_VIDEO_H264_PROFILE_CONSTRAINED_BASELINE`.
const V4L2_CONSTRAINED_BASELINE: u32 = 1;
/// `V4L2_MPEG_VIDEO_H264_LEVEL_3_1` (3.0 is 8, 4.0 is 11).
const V4L2_LEVEL_3_1: u32 = 9;

/// The H.264 level every encoder is held to: 3.1 carries 720p30, the most
/// the box sends, and is what browsers offer for constrained baseline
/// (`profile-level-id=42e01f`).
pub const LEVEL: &str = "3.1";

/// The caps every encoder must produce: what the box offers and iPhones
/// play. x264enc and openh264enc take the level from these caps,
/// v4l2h264enc from its controls above; an encoder that picks another level
/// shows it in the offer (see `media::peer`), where the tests look.
pub fn output_caps() -> gst::Caps {
    gst::Caps::builder("video/x-h264")
        .field("profile", "constrained-baseline")
        .field("level", LEVEL)
        .field("stream-format", "byte-stream")
        .build()
}

/// The first of `names` that exists and encodes a frame.
pub fn choose(
    names: &[String],
    bitrate_kbps: u32,
    framerate: u32,
) -> Result<EncoderKind, MediaError> {
    let mut tried = Vec::new();
    for name in names {
        let Some(kind) = EncoderKind::from_factory(name) else {
            tracing::warn!(encoder = %name, "unknown encoder in the configuration, skipped");
            continue;
        };
        if gst::ElementFactory::find(name).is_none() {
            tried.push(format!("{name} (not installed)"));
            continue;
        }
        match encodes_a_frame(kind, bitrate_kbps, framerate) {
            Ok(()) => {
                tracing::info!(encoder = %name, "H.264 encoder chosen");
                return Ok(kind);
            }
            Err(e) => tried.push(format!("{name} ({e})")),
        }
    }
    Err(MediaError::NoEncoder(tried.join(", ")))
}

fn encodes_a_frame(kind: EncoderKind, bitrate_kbps: u32, framerate: u32) -> Result<(), MediaError> {
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("videotestsrc")
        .property("num-buffers", 1i32)
        .build()
        .map_err(|_| MediaError::MissingElement("videotestsrc"))?;
    let raw = gst::ElementFactory::make("capsfilter")
        .property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .field("width", 320i32)
                .field("height", 240i32)
                .build(),
        )
        .build()
        .map_err(|_| MediaError::MissingElement("capsfilter"))?;
    let encoder = kind.make(bitrate_kbps, framerate)?;
    let out = gst::ElementFactory::make("capsfilter")
        .property("caps", output_caps())
        .build()
        .map_err(|_| MediaError::MissingElement("capsfilter"))?;
    let sink = gst::ElementFactory::make("fakesink")
        .build()
        .map_err(|_| MediaError::MissingElement("fakesink"))?;
    let elements = [&src, &raw, &encoder, &out, &sink];
    pipeline.add_many(elements)?;
    gst::Element::link_many(elements)?;
    let result = run_to_end(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factory_names_round_trip() {
        for kind in [
            EncoderKind::V4l2,
            EncoderKind::Va,
            EncoderKind::Vaapi,
            EncoderKind::Nvenc,
            EncoderKind::X264,
            EncoderKind::OpenH264,
        ] {
            assert_eq!(EncoderKind::from_factory(kind.factory()), Some(kind));
        }
        assert_eq!(EncoderKind::from_factory("h265enc"), None);
    }

    #[test]
    fn missing_encoders_are_skipped_and_a_software_one_is_chosen() {
        gst::init().expect("gstreamer");
        let names = ["v4l2h264enc", "nonsense", "x264enc"].map(String::from);
        // v4l2h264enc exists only where a V4L2 encoder device does; x264 always here.
        let kind = choose(&names, 800, 30).expect("an encoder");
        assert!(matches!(kind, EncoderKind::X264 | EncoderKind::V4l2));
    }

    #[test]
    fn openh264_works_too() {
        gst::init().expect("gstreamer");
        let kind = choose(&["openh264enc".into()], 800, 30).expect("openh264");
        assert_eq!(kind, EncoderKind::OpenH264);
    }

    /// The level the SPS of `kind`'s output says, as h264parse reads it.
    fn level_of_a_frame(kind: EncoderKind) -> String {
        let make = |f: &str| gst::ElementFactory::make(f).build().expect(f);
        let src = make("videotestsrc");
        src.set_property("num-buffers", 1i32);
        let raw = make("capsfilter");
        raw.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .field("width", 320i32)
                .field("height", 240i32)
                .build(),
        );
        let encoder = kind.make(800, 30).expect("encoder");
        let out = make("capsfilter");
        out.set_property("caps", output_caps());
        let (parse, sink) = (make("h264parse"), make("fakesink"));
        let pipeline = gst::Pipeline::new();
        let elements = [&src, &raw, &encoder, &out, &parse, &sink];
        pipeline.add_many(elements).expect("add");
        gst::Element::link_many(elements).expect("link");
        run_to_end(&pipeline).expect("encodes a frame");
        let caps = sink
            .static_pad("sink")
            .and_then(|p| p.current_caps())
            .expect("caps at the sink");
        let _ = pipeline.set_state(gst::State::Null);
        let s = caps.structure(0).expect("a structure");
        assert_eq!(
            s.get::<&str>("profile"),
            Ok("constrained-baseline"),
            "{caps}"
        );
        s.get::<String>("level").expect("a level")
    }

    #[test]
    fn software_encoders_are_held_to_level_3_1() {
        gst::init().expect("gstreamer");
        // Left to choose, x264 picks the lowest level the picture fits (2 here).
        for kind in [EncoderKind::X264, EncoderKind::OpenH264] {
            assert_eq!(level_of_a_frame(kind), LEVEL, "{kind:?}");
        }
    }

    /// The value `name` has in linux/v4l2-controls.h (`NAME = N,`).
    fn kernel_enum(header: &str, name: &str) -> u32 {
        header
            .lines()
            .find_map(|l| {
                let (key, value) = l.trim().split_once('=')?;
                (key.trim() == name).then(|| value.trim().trim_end_matches(',').parse().ok())?
            })
            .unwrap_or_else(|| panic!("{name} in linux/v4l2-controls.h"))
    }

    #[test]
    fn v4l2_is_told_constrained_baseline_level_3_1() {
        let controls = v4l2_controls(1500, 60);
        assert!(
            controls.starts_with("controls,video_bitrate=1500000,h264_i_frame_period=60,"),
            "{controls}"
        );
        // The kernel's own numbers (linux-libc-dev, there wherever the box builds).
        let header = std::fs::read_to_string("/usr/include/linux/v4l2-controls.h")
            .expect("/usr/include/linux/v4l2-controls.h (linux-libc-dev)");
        let profile = kernel_enum(&header, "V4L2_MPEG_VIDEO_H264_PROFILE_CONSTRAINED_BASELINE");
        let level = kernel_enum(&header, "V4L2_MPEG_VIDEO_H264_LEVEL_3_1");
        assert!(
            controls.contains(&format!(",h264_profile={profile},")),
            "{controls}"
        );
        assert!(
            controls.ends_with(&format!(",h264_level={level}")),
            "{controls}"
        );
    }

    #[test]
    fn nothing_usable_is_a_clear_error() {
        gst::init().expect("gstreamer");
        let err = choose(&["nvh264enc".into()], 800, 30).expect_err("no GPU here");
        assert!(err.to_string().contains("nvh264enc"), "{err}");
    }
}
