//! Cameras, found through V4L2.

use v4l::capability::Flags;

/// A V4L2 device that captures video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    /// `/dev/videoN`.
    pub path: String,
    /// The driver's name for it ("UVC Camera", "unicam").
    pub name: String,
}

/// Every video capture device, in device order. Encoders and other
/// memory-to-memory devices (the Pi's `bcm2835-codec`) are left out.
pub fn cameras() -> Vec<Camera> {
    let mut found: Vec<Camera> = v4l::context::enum_devices()
        .into_iter()
        .filter_map(|node| {
            let path = node.path().to_string_lossy().into_owned();
            let device = v4l::Device::with_path(&path).ok()?;
            let caps = device.query_caps().ok()?;
            let captures = caps.capabilities.contains(Flags::VIDEO_CAPTURE)
                && !caps.capabilities.contains(Flags::VIDEO_M2M);
            captures.then_some(Camera {
                path,
                name: caps.card,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumeration_never_fails_without_cameras() {
        // This machine has none; a development PC may have some. Either way
        // every entry found must be a device node.
        for camera in cameras() {
            assert!(camera.path.starts_with("/dev/video"), "{camera:?}");
        }
    }
}
