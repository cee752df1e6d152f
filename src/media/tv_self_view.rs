//! The box's own camera, small in the TV's corner during a call, so the
//! grandparent sees what the callers see. A cheap branch off the capture's
//! raw pictures (before the encoder: no extra decode), at a few frames a
//! second, scaled down before it reaches the compositor. It runs with the
//! capture but is seen only when the TV's words say so (`TvShow::self_view`:
//! a call rings or is on), never for a page that has only opened the link.
//!
//! ```text
//! capture raw tee ─ queue(leaky) ─ videorate ─ videoscale ─ I420 w×h @10 ─► compositor (above the callers)
//! ```

use gst::prelude::*;

use super::tv_layout::{self_view, Size};
use super::{make, pad_of, MediaError};

/// The self view's frame rate: enough to see oneself, little to draw.
const SELF_VIEW_FPS: i32 = 10;

/// The TV's corner: the self view while the capture runs, and whether the
/// TV's words want it seen (`TvShow::self_view`), kept for the next capture.
#[derive(Default)]
pub(super) struct Corner {
    pub view: Option<SelfView>,
    pub visible: bool,
}

impl Corner {
    pub fn set_visible(&mut self, visible: bool) {
        self.visible = visible;
        if let Some(view) = &self.view {
            view.set_visible(visible);
        }
    }
}

/// The running branch; stopped with the capture.
pub(super) struct SelfView {
    elements: Vec<gst::Element>,
    tee_pad: gst::Pad,
    compositor_pad: gst::Pad,
}

impl SelfView {
    /// Draws the pictures of `tee` (raw, `camera`-sized) in the corner of
    /// `compositor`'s `output`, seen if `visible` (see [`Self::set_visible`]).
    pub fn start(
        pipeline: &gst::Pipeline,
        tee: &gst::Element,
        compositor: &gst::Element,
        output: Size,
        camera: Size,
        visible: bool,
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
        view.set_visible(visible);
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

    /// Shows or hides the corner; hidden, the compositor skips it (its
    /// pictures still come, at the self view's few frames a second).
    pub fn set_visible(&self, visible: bool) {
        let alpha: f64 = if visible { 1.0 } else { 0.0 };
        self.compositor_pad.set_property("alpha", alpha);
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
