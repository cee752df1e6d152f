//! Cameras: the kernel's video4linux nodes (`/sys/class/video4linux`, one
//! `/dev/videoN` each), kept when V4L2 says they capture video.
//!
//! The root directory and the capability query are parameters
//! ([`cameras_under`], [`Probe`]), so the enumeration runs under test on a
//! fixture tree (no camera exists on CI); [`cameras`] is the real thing.

use std::path::{Path, PathBuf};

use v4l::capability::Flags;

use super::camera_modes::{modes_of, Mode};

/// A V4L2 device that captures video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    /// `/dev/videoN`.
    pub path: String,
    /// The driver's name for it ("UVC Camera", "unicam").
    pub name: String,
}

/// What V4L2 says a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCaps {
    /// The card's name.
    pub card: String,
    /// Captures video, and is not a memory-to-memory device (an encoder).
    pub captures: bool,
}

/// Asks a node what it is (`None`: it does not answer as V4L2).
pub trait Probe {
    fn query(&self, node: &Path) -> Option<NodeCaps>;

    /// The formats, sizes and rates the node captures (empty: it does not say).
    fn modes(&self, _node: &Path) -> Vec<Mode> {
        Vec::new()
    }
}

/// The real query: `VIDIOC_QUERYCAP` on the node.
pub struct V4l2;

impl Probe for V4l2 {
    fn query(&self, node: &Path) -> Option<NodeCaps> {
        let caps = v4l::Device::with_path(node).ok()?.query_caps().ok()?;
        Some(NodeCaps {
            card: caps.card,
            captures: caps.capabilities.contains(Flags::VIDEO_CAPTURE)
                && !caps.capabilities.contains(Flags::VIDEO_M2M),
        })
    }

    fn modes(&self, node: &Path) -> Vec<Mode> {
        modes_of(node)
    }
}

/// What the camera at `path` can capture (VIDIOC_ENUM_FMT and friends).
pub fn camera_modes(path: &str) -> Vec<Mode> {
    V4l2.modes(Path::new(path))
}

/// Every video capture device, in device order. Encoders and other
/// memory-to-memory devices (the Pi's `bcm2835-codec`) are left out.
pub fn cameras() -> Vec<Camera> {
    cameras_under(Path::new("/"), &V4l2)
}

/// The cameras of the system rooted at `root` (its `sys/class/video4linux`
/// and `dev`), as `probe` finds them, ordered by number (`video2` before
/// `video10`).
pub fn cameras_under(root: &Path, probe: &dyn Probe) -> Vec<Camera> {
    let Ok(entries) = std::fs::read_dir(root.join("sys/class/video4linux")) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, Camera)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number = name.strip_prefix("video")?.parse().ok()?;
            let node: PathBuf = root.join("dev").join(&name);
            let caps = probe.query(&node)?;
            caps.captures.then(|| {
                (
                    number,
                    Camera {
                        path: node.to_string_lossy().into_owned(),
                        name: caps.card,
                    },
                )
            })
        })
        .collect();
    found.sort_by_key(|(number, _)| *number);
    found.into_iter().map(|(_, camera)| camera).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fixture tree: `sys/class/video4linux/<node>` and `dev/<node>` for each.
    fn tree(nodes: &[&str]) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        for node in nodes {
            let sys = root.path().join("sys/class/video4linux").join(node);
            std::fs::create_dir_all(&sys).expect("sys");
            std::fs::write(sys.join("name"), format!("{node}\n")).expect("name");
            std::fs::create_dir_all(root.path().join("dev")).expect("dev");
            std::fs::write(root.path().join("dev").join(node), "").expect("node");
        }
        root
    }

    /// Answers for the nodes a Pi with a USB camera has, by file name.
    struct PiNodes(HashMap<&'static str, NodeCaps>);

    impl Probe for PiNodes {
        fn query(&self, node: &Path) -> Option<NodeCaps> {
            let name = node.file_name()?.to_str()?;
            self.0.get(name).cloned()
        }
    }

    fn caps(card: &str, captures: bool) -> NodeCaps {
        NodeCaps {
            card: card.into(),
            captures,
        }
    }

    #[test]
    fn capture_nodes_are_listed_in_number_order_and_codecs_left_out() {
        let root = tree(&[
            "video10",
            "video2",
            "video11",
            "video0",
            "media0",
            "v4l-subdev0",
        ]);
        let probe = PiNodes(HashMap::from([
            ("video0", caps("UVC Camera", true)),
            ("video2", caps("unicam", true)),
            ("video10", caps("bcm2835-codec-decode", false)),
            // video11 does not answer as V4L2 (a metadata node gone, say).
        ]));
        let found = cameras_under(root.path(), &probe);
        let dev = root.path().join("dev");
        assert_eq!(
            found,
            vec![
                Camera {
                    path: dev.join("video0").to_string_lossy().into_owned(),
                    name: "UVC Camera".into()
                },
                Camera {
                    path: dev.join("video2").to_string_lossy().into_owned(),
                    name: "unicam".into()
                },
            ]
        );
    }

    #[test]
    fn the_real_query_skips_a_node_that_is_not_a_v4l2_device() {
        // A regular file where /dev/video0 should be: VIDIOC_QUERYCAP fails.
        let root = tree(&["video0"]);
        assert_eq!(cameras_under(root.path(), &V4l2), vec![]);
    }

    #[test]
    fn no_video4linux_class_means_no_cameras() {
        let root = tempfile::tempdir().expect("temp dir");
        assert_eq!(cameras_under(root.path(), &V4l2), vec![]);
    }
}
