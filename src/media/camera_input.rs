//! How the box reads its camera for the picture it sends: raw frames,
//! MJPEG decoded (a USB webcam that reaches 720p30 only as MJPEG), or
//! libcamera (a Pi camera module, whose node gives only Bayer data).
//!
//! [`choose_input`] decides from the camera's modes (`hw::camera_modes`),
//! pure and tested on fixtures; [`source_elements`] builds the chain.
//!
//! ```text
//! Raw:       v4l2src ─────────────────────────────────────────────┐
//! Mjpeg:     v4l2src ─ image/jpeg WxH@F ─ v4l2jpegdec | jpegdec ───┼─ videoconvert ─ videoscale ─ videorate ─ caps
//! Libcamera: libcamerasrc ────────────────────────────────────────┘
//! ```

use crate::hw::{Mode, PixelKind};

use super::{make, MediaError};

/// What the box wants from its camera: the configured picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// How to read the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraInput {
    /// Raw frames, converted, scaled and rated to the picture.
    Raw,
    /// MJPEG at this size and rate, decoded, then as raw.
    Mjpeg { width: u32, height: u32, fps: u32 },
    /// Through libcamera (`libcamerasrc`): a Pi camera module.
    Libcamera,
}

/// Whether `mode` gives at least the wanted size at the wanted rate.
fn reaches(mode: &Mode, want: Wanted) -> bool {
    mode.width >= want.width && mode.height >= want.height && mode.max_fps >= want.fps
}

/// How to read a camera with `modes` for the picture `want`.
///
/// Raw when a raw mode reaches the size and rate (no decoding cost); else
/// MJPEG at the smallest mode that does; else, for a sensor that gives only
/// Bayer data, libcamera when `libcamera` says it is there. A camera that
/// reaches the picture in no way is read raw (scaled and rated up), or
/// MJPEG at its largest mode when it has no raw format. Nothing known (the
/// node did not answer): raw, as before.
pub fn choose_input(modes: &[Mode], want: Wanted, libcamera: bool) -> CameraInput {
    let of = |kind| modes.iter().filter(move |m| m.kind == kind);
    if of(PixelKind::Raw).any(|m| reaches(m, want)) {
        return CameraInput::Raw;
    }
    let mjpeg = |m: &Mode| CameraInput::Mjpeg {
        width: m.width,
        height: m.height,
        fps: m.max_fps.min(want.fps),
    };
    if let Some(m) = of(PixelKind::Mjpeg)
        .filter(|m| reaches(m, want))
        .min_by_key(|m| (m.width * m.height, m.max_fps))
    {
        return mjpeg(m);
    }
    let sensor_only = of(PixelKind::Sensor).next().is_some()
        && of(PixelKind::Raw)
            .chain(of(PixelKind::Mjpeg))
            .next()
            .is_none();
    if sensor_only && libcamera {
        return CameraInput::Libcamera;
    }
    if of(PixelKind::Raw).next().is_none() {
        if let Some(m) = of(PixelKind::Mjpeg).max_by_key(|m| (m.width * m.height, m.max_fps)) {
            return mjpeg(m);
        }
    }
    CameraInput::Raw
}

/// The elements that read the camera at `device` as `input`, up to (not
/// including) the conversion to the picture's caps.
pub(super) fn source_elements(
    device: &str,
    input: CameraInput,
) -> Result<Vec<gst::Element>, MediaError> {
    use gst::prelude::*;
    Ok(match input {
        CameraInput::Raw => {
            let src = make("v4l2src")?;
            src.set_property("device", device);
            vec![src]
        }
        CameraInput::Mjpeg { width, height, fps } => {
            let src = make("v4l2src")?;
            src.set_property("device", device);
            let jpeg = make("capsfilter")?;
            jpeg.set_property(
                "caps",
                gst::Caps::builder("image/jpeg")
                    .field("width", width as i32)
                    .field("height", height as i32)
                    .field("framerate", gst::Fraction::new(fps as i32, 1))
                    .build(),
            );
            // The Pi's hardware JPEG decoder where it exists, else software.
            let decoder = if gst::ElementFactory::find("v4l2jpegdec").is_some() {
                make("v4l2jpegdec")?
            } else {
                make("jpegdec")?
            };
            vec![src, jpeg, decoder]
        }
        // libcamera names its cameras itself; the only one a box has is the default.
        CameraInput::Libcamera => vec![make("libcamerasrc")?],
    })
}

/// Whether libcamera can be used here (its GStreamer element is installed).
pub(super) fn libcamera_available() -> bool {
    gst::ElementFactory::find("libcamerasrc").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::PixelKind::*;

    fn mode(kind: PixelKind, width: u32, height: u32, max_fps: u32) -> Mode {
        Mode {
            kind,
            width,
            height,
            max_fps,
        }
    }

    const HD30: Wanted = Wanted {
        width: 1280,
        height: 720,
        fps: 30,
    };
    const VGA30: Wanted = Wanted {
        width: 640,
        height: 360,
        fps: 30,
    };

    /// A Logitech C920's list, as `v4l2-ctl --list-formats-ext` gives it (trimmed).
    fn c920() -> Vec<Mode> {
        vec![
            mode(Raw, 640, 480, 30),
            mode(Raw, 800, 600, 24),
            mode(Raw, 1280, 720, 10),
            mode(Raw, 1920, 1080, 5),
            mode(Mjpeg, 640, 480, 30),
            mode(Mjpeg, 1280, 720, 30),
            mode(Mjpeg, 1920, 1080, 30),
        ]
    }

    #[test]
    fn a_webcam_at_720p30_is_read_as_mjpeg_at_720p() {
        assert_eq!(
            choose_input(&c920(), HD30, false),
            CameraInput::Mjpeg {
                width: 1280,
                height: 720,
                fps: 30
            }
        );
    }

    #[test]
    fn raw_is_kept_when_it_reaches_the_picture() {
        assert_eq!(choose_input(&c920(), VGA30, false), CameraInput::Raw);
        let fast_raw = [mode(Raw, 1280, 720, 30), mode(Mjpeg, 1280, 720, 30)];
        assert_eq!(choose_input(&fast_raw, HD30, false), CameraInput::Raw);
    }

    #[test]
    fn a_camera_that_cannot_reach_the_picture_is_read_as_well_as_it_can() {
        let slow = [mode(Raw, 640, 480, 15), mode(Mjpeg, 640, 480, 15)];
        assert_eq!(
            choose_input(&slow, HD30, false),
            CameraInput::Raw,
            "raw, scaled"
        );
        let mjpeg_only = [mode(Mjpeg, 320, 240, 30), mode(Mjpeg, 640, 480, 25)];
        assert_eq!(
            choose_input(&mjpeg_only, HD30, false),
            CameraInput::Mjpeg {
                width: 640,
                height: 480,
                fps: 25
            }
        );
    }

    #[test]
    fn a_pi_camera_module_goes_through_libcamera_when_it_is_there() {
        // unicam with an imx219: Bayer only.
        let imx219 = [mode(Sensor, 3280, 2464, 21), mode(Sensor, 1920, 1080, 47)];
        assert_eq!(choose_input(&imx219, HD30, true), CameraInput::Libcamera);
        assert_eq!(
            choose_input(&imx219, HD30, false),
            CameraInput::Raw,
            "no libcamerasrc: v4l2src, as before"
        );
        // A webcam never goes through libcamera, even where it exists.
        assert_eq!(
            choose_input(&c920(), HD30, true),
            CameraInput::Mjpeg {
                width: 1280,
                height: 720,
                fps: 30
            }
        );
    }

    #[test]
    fn an_unanswering_node_is_read_raw() {
        assert_eq!(choose_input(&[], HD30, true), CameraInput::Raw);
    }

    #[test]
    fn the_mjpeg_chain_decodes_to_the_picture() {
        use gst::prelude::*;
        gst::init().expect("gstreamer");
        let input = CameraInput::Mjpeg {
            width: 1280,
            height: 720,
            fps: 30,
        };
        let chain = source_elements("/dev/video-none", input).expect("elements");
        let names: Vec<_> = chain
            .iter()
            .filter_map(|e| e.factory().map(|f| f.name().to_string()))
            .collect();
        let decoder = if gst::ElementFactory::find("v4l2jpegdec").is_some() {
            "v4l2jpegdec"
        } else {
            "jpegdec"
        };
        assert_eq!(names, ["v4l2src", "capsfilter", decoder]);
        // No camera here: a JPEG test picture stands in for v4l2src.
        let make = |f: &str| gst::ElementFactory::make(f).build().expect(f);
        let src = make("videotestsrc");
        src.set_property("num-buffers", 3i32);
        let raw = make("capsfilter");
        raw.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("width", 1280i32)
                .field("height", 720i32)
                .field("framerate", gst::Fraction::new(30, 1))
                .build(),
        );
        let out = make("capsfilter");
        out.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .field("width", 640i32)
                .field("height", 360i32)
                .build(),
        );
        let mut elements = vec![src, raw, make("jpegenc")];
        elements.extend(chain.into_iter().skip(1));
        elements.extend([
            make("videoconvert"),
            make("videoscale"),
            out,
            make("fakesink"),
        ]);
        let pipeline = gst::Pipeline::new();
        pipeline.add_many(&elements).expect("add");
        gst::Element::link_many(&elements).expect("link");
        let ended = super::super::run_to_end(&pipeline);
        let _ = pipeline.set_state(gst::State::Null);
        ended.expect("three JPEG frames decoded and scaled");
    }
}
