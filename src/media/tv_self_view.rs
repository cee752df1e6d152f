//! The box's own camera, small in the TV's corner during a call, so the
//! grandparent sees what the callers see. A cheap branch off the capture's
//! raw pictures (before the encoder: no extra decode), at a few frames a
//! second, scaled down before it reaches the compositor.
//!
//! ```text
//! capture raw tee ─ queue(leaky) ─ videorate ─ videoscale ─ I420 w×h @10 ─► compositor (above the callers)
//! ```

use gst::prelude::*;

use super::tv_layout::{self_view, Size};
use super::{make, pad_of, MediaError};

/// The self view's frame rate: enough to see oneself, little to draw.
const SELF_VIEW_FPS: i32 = 10;

/// The running branch; stopped with the capture.
pub(super) struct SelfView {
    elements: Vec<gst::Element>,
    tee_pad: gst::Pad,
    compositor_pad: gst::Pad,
}

impl SelfView {
    /// Shows the pictures of `tee` (raw, `camera`-sized) in the corner of
    /// `compositor`'s `output`.
    pub fn start(
        pipeline: &gst::Pipeline,
        tee: &gst::Element,
        compositor: &gst::Element,
        output: Size,
        camera: Size,
    ) -> Result<Self, MediaError> {
        let place = self_view(output, camera);
        let queue = make("queue")?;
        queue.set_property_from_str("leaky", "downstream");
        queue.set_property("max-size-buffers", 1u32);
        queue.set_property("max-size-bytes", 0u32);
        queue.set_property("max-size-time", 0u64);
        let rate = make("videorate")?;
        rate.set_property("drop-only", true);
        let scale = make("videoscale")?;
        let caps = make("capsfilter")?;
        caps.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .field("width", place.width)
                .field("height", place.height)
                .field("framerate", gst::Fraction::new(SELF_VIEW_FPS, 1))
                .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
                .build(),
        );
        let elements = vec![queue, rate, scale, caps];
        pipeline.add_many(&elements)?;
        gst::Element::link_many(&elements)?;
        let compositor_pad = compositor
            .request_pad_simple("sink_%u")
            .ok_or(MediaError::Pipeline("compositor gave no pad".into()))?;
        compositor_pad.set_property("zorder", 2u32);
        compositor_pad.set_property("xpos", place.x);
        compositor_pad.set_property("ypos", place.y);
        compositor_pad.set_property("width", place.width);
        compositor_pad.set_property("height", place.height);
        let tee_pad = tee
            .request_pad_simple("src_%u")
            .ok_or(MediaError::Pipeline("tee gave no pad".into()))?;
        let view = Self {
            elements,
            tee_pad,
            compositor_pad,
        };
        let linked = (|| {
            pad_of(&view.elements[3], "src")?.link(&view.compositor_pad)?;
            for e in view.elements.iter().rev() {
                e.sync_state_with_parent()?;
            }
            view.tee_pad.link(&pad_of(&view.elements[0], "sink")?)?;
            Ok::<_, MediaError>(())
        })();
        match linked {
            Ok(()) => Ok(view),
            Err(e) => {
                view.stop();
                Err(e)
            }
        }
    }

    /// Takes the branch out of the pipeline (before the capture goes).
    pub fn stop(self) {
        if let Some(peer) = self.tee_pad.peer() {
            let _ = self.tee_pad.unlink(&peer);
        }
        if let Some(tee) = self.tee_pad.parent_element() {
            tee.release_request_pad(&self.tee_pad);
        }
        super::reaper::retire(&self.elements);
        if let Some(compositor) = self.compositor_pad.parent_element() {
            compositor.release_request_pad(&self.compositor_pad);
        }
    }
}
