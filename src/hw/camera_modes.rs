//! What a camera can capture: its pixel formats, frame sizes and frame
//! rates, from V4L2's `VIDIOC_ENUM_FMT`/`_FRAMESIZES`/`_FRAMEINTERVALS`.
//!
//! A USB webcam at 720p30 usually offers raw YUYV only up to 10 fps or at
//! smaller sizes, and reaches 720p30 only as MJPEG; a Pi camera module's
//! node (`unicam`, `rp1-cfe`) gives raw sensor data (Bayer) that only
//! libcamera (with the Pi's ISP) turns into pictures. How to read a camera
//! is decided by `media::camera_input` from these modes.

use std::path::Path;

use v4l::frameinterval::FrameIntervalEnum;
use v4l::framesize::FrameSizeEnum;
use v4l::video::Capture;

/// The kind of picture data a format carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelKind {
    /// Uncompressed YUV or RGB that `videoconvert` reads (YUYV, NV12, …).
    Raw,
    /// Motion JPEG: a JPEG per frame, decoded by the box.
    Mjpeg,
    /// A sensor's raw Bayer data: needs an ISP (libcamera on a Pi).
    Sensor,
    /// Anything else (H.264 from the camera, metadata).
    Other,
}

impl PixelKind {
    /// The kind of a V4L2 fourcc.
    pub fn of_fourcc(fourcc: &[u8; 4]) -> Self {
        match fourcc {
            b"MJPG" | b"JPEG" => Self::Mjpeg,
            b"YUYV" | b"UYVY" | b"YVYU" | b"VYUY" | b"NV12" | b"NV21" | b"NV16" | b"YU12"
            | b"YV12" | b"RGB3" | b"BGR3" | b"RGB4" | b"BGR4" | b"XR24" | b"AR24" | b"RGBP"
            | b"GREY" => Self::Raw,
            // Bayer: BA81, GBRG, GRBG, RGGB and their 10/12-bit and packed forms.
            [b'B', b'A', ..]
            | [b'B', b'G', ..]
            | [b'G', b'B', ..]
            | [b'G', b'R', ..]
            | [b'R', b'G', ..]
            | [b'p', ..] => Self::Sensor,
            _ => Self::Other,
        }
    }
}

/// One way a camera can capture: a format at a size, up to a frame rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub kind: PixelKind,
    pub width: u32,
    pub height: u32,
    /// The highest whole frame rate it offers at this size.
    pub max_fps: u32,
}

/// The modes of the V4L2 node at `path` (empty when it does not answer).
pub fn modes_of(path: &Path) -> Vec<Mode> {
    let Ok(device) = v4l::Device::with_path(path) else {
        return Vec::new();
    };
    let mut modes = Vec::new();
    for format in device.enum_formats().unwrap_or_default() {
        let kind = PixelKind::of_fourcc(&format.fourcc.repr);
        if kind == PixelKind::Other {
            continue;
        }
        for size in device.enum_framesizes(format.fourcc).unwrap_or_default() {
            // A stepwise range is read at its largest size: what a box wants.
            let (width, height) = match size.size {
                FrameSizeEnum::Discrete(d) => (d.width, d.height),
                FrameSizeEnum::Stepwise(s) => (s.max_width, s.max_height),
            };
            let max_fps = device
                .enum_frameintervals(format.fourcc, width, height)
                .unwrap_or_default()
                .into_iter()
                .map(|i| match i.interval {
                    FrameIntervalEnum::Discrete(f) => fps_of(f.numerator, f.denominator),
                    FrameIntervalEnum::Stepwise(s) => fps_of(s.min.numerator, s.min.denominator),
                })
                .max()
                .unwrap_or(0);
            modes.push(Mode {
                kind,
                width,
                height,
                max_fps,
            });
        }
    }
    modes
}

/// Frames a second of a frame interval `numerator/denominator` seconds.
fn fps_of(numerator: u32, denominator: u32) -> u32 {
    denominator.checked_div(numerator).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PixelKind::*;

    #[test]
    fn fourccs_are_sorted_by_kind() {
        assert_eq!(PixelKind::of_fourcc(b"MJPG"), Mjpeg);
        assert_eq!(PixelKind::of_fourcc(b"YUYV"), Raw);
        assert_eq!(PixelKind::of_fourcc(b"NV12"), Raw);
        assert_eq!(PixelKind::of_fourcc(b"pRAA"), Sensor);
        assert_eq!(PixelKind::of_fourcc(b"RG10"), Sensor);
        assert_eq!(PixelKind::of_fourcc(b"BA81"), Sensor);
        assert_eq!(PixelKind::of_fourcc(b"H264"), Other);
        assert_eq!(fps_of(1, 30), 30);
        assert_eq!(fps_of(1001, 30000), 29);
        assert_eq!(fps_of(0, 30), 0);
    }

    #[test]
    fn a_node_that_is_not_v4l2_has_no_modes() {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        assert_eq!(modes_of(file.path()), vec![]);
    }
}
