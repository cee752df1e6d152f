//! The callers' pictures on the TV's compositor: each caller's pad placed by
//! `tv_layout` with its picture's shape kept, placed again when a picture
//! changes shape (a phone turned) or a caller comes or goes; and what the
//! background does: 1 frame a second with the TV's words while nobody is
//! shown (the waiting screen redraws only its clock), a few while a
//! countdown runs, the configured rate and no words (they would show in the
//! bars) while someone is.

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use gst::prelude::*;

use super::tv_layout::{layout, Size};
use super::tv_screen::Overlays;
use super::MediaError;

/// The background's frame rate while nobody is shown.
const WAITING_FPS: i32 = 1;
/// The background's frame rate while a countdown runs: each second shows on time.
const COUNTDOWN_FPS: i32 = 10;

/// The compositor's caller pads; cheap to clone.
#[derive(Clone)]
pub(super) struct Pictures {
    inner: Arc<Inner>,
}

struct Inner {
    compositor: gst::Element,
    /// The background's caps filter (its frame rate follows the callers).
    background: gst::Element,
    /// The TV's words on the background, hidden while a picture is shown.
    overlays: Arc<Overlays>,
    output: Size,
    framerate: i32,
    /// Each caller's pad, in the order they came, and its picture's size once known.
    callers: Mutex<Vec<(gst::Pad, Option<Size>)>>,
    background_state: Mutex<Background>,
}

/// What sets the background's rate besides the callers, and the rate now.
#[derive(Default)]
struct Background {
    /// A countdown is on screen.
    counting: bool,
    /// Frames a second now (0 before the first is set).
    fps: i32,
}

impl Pictures {
    pub fn new(
        compositor: &gst::Element,
        background: &gst::Element,
        overlays: &Arc<Overlays>,
        output: Size,
        framerate: u32,
        background_pad: &gst::Pad,
    ) -> Self {
        let pictures = Self {
            inner: Arc::new(Inner {
                compositor: compositor.clone(),
                background: background.clone(),
                overlays: overlays.clone(),
                output,
                framerate: framerate.max(1) as i32,
                callers: Mutex::default(),
                background_state: Mutex::default(),
            }),
        };
        let weak = Arc::downgrade(&pictures.inner);
        compositor.connect_pad_removed(move |_, pad| {
            if let Some(inner) = weak.upgrade() {
                inner.remove(pad);
            }
        });
        pictures.inner.showing(false);
        pictures.answer_latency_for_the_call_rate(background_pad);
        pictures
    }

    /// The compositor waits, for a picture that is late, as long as its
    /// inputs' latency: the background at 1 frame a second would say one
    /// second (asked once, when the pipeline starts), and a caller's picture
    /// that stalls would then freeze the whole TV for that long. The
    /// background says one frame at the call's rate instead.
    fn answer_latency_for_the_call_rate(&self, background_pad: &gst::Pad) {
        let frame = gst::ClockTime::SECOND / (self.inner.framerate as u64);
        background_pad.add_probe(
            gst::PadProbeType::QUERY_UPSTREAM | gst::PadProbeType::PULL,
            move |_, info| {
                if let Some(query) = info.query_mut() {
                    if let gst::QueryViewMut::Latency(latency) = query.view_mut() {
                        let (live, _, max) = latency.result();
                        latency.set(live, frame, max);
                    }
                }
                gst::PadProbeReturn::Ok
            },
        );
    }

    /// A countdown is on screen (or no longer): the background runs faster
    /// while it does, so each second shows on time.
    pub fn counting(&self, counting: bool) {
        lock(&self.inner.background_state).counting = counting;
        self.inner.set_rate();
    }

    /// The compositor and the screen's size (for the self view).
    pub fn compositor(&self) -> (&gst::Element, Size) {
        (&self.inner.compositor, self.inner.output)
    }

    /// A new compositor pad for a caller's picture, placed at once and
    /// again whenever its picture's size changes.
    pub fn add_caller(&self) -> Result<gst::Pad, MediaError> {
        let pad = self
            .inner
            .compositor
            .request_pad_simple("sink_%u")
            .ok_or(MediaError::Pipeline("compositor gave no pad".into()))?;
        pad.set_property("zorder", 1u32);
        // The compositor stops for good at a buffer without a time
        // ("Need timestamped buffers!"): a decoder flushing at a caller's
        // end must not freeze the TV for everyone.
        pad.add_probe(gst::PadProbeType::BUFFER, |_, info| match info.buffer() {
            Some(buffer) if buffer.pts().is_none() => gst::PadProbeReturn::Drop,
            _ => gst::PadProbeReturn::Ok,
        });
        let weak = Arc::downgrade(&self.inner);
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |pad, info| {
            if let (Some(gst::EventView::Caps(caps)), Some(inner)) =
                (info.event().map(|e| e.view()), weak.upgrade())
            {
                if let Ok(video) = gst_video::VideoInfo::from_caps(caps.caps()) {
                    inner.resized(pad, displayed_size(&video));
                }
            }
            gst::PadProbeReturn::Ok
        });
        let first = {
            let mut callers = lock(&self.inner.callers);
            callers.push((pad.clone(), None));
            callers.len() == 1
        };
        if first {
            self.inner.showing(true);
        }
        self.inner.place();
        Ok(pad)
    }
}

impl Inner {
    fn resized(&self, pad: &gst::Pad, size: Size) {
        {
            let mut callers = lock(&self.callers);
            let Some(entry) = callers.iter_mut().find(|(p, _)| p == pad) else {
                return;
            };
            if entry.1 == Some(size) {
                return;
            }
            entry.1 = Some(size);
        }
        tracing::debug!(
            pad = %pad.name(),
            width = size.width,
            height = size.height,
            "a caller's picture on the TV"
        );
        self.place();
    }

    fn remove(&self, pad: &gst::Pad) {
        let empty = {
            let mut callers = lock(&self.callers);
            let before = callers.len();
            callers.retain(|(p, _)| p != pad);
            if callers.len() == before {
                return;
            }
            callers.is_empty()
        };
        if empty {
            self.showing(false);
        }
        self.place();
    }

    /// Puts every caller's pad where the layout says.
    fn place(&self) {
        let callers = lock(&self.callers);
        // A caller whose size is not known yet takes its whole cell.
        let sizes: Vec<Size> = callers
            .iter()
            .map(|(_, s)| s.unwrap_or(Size::new(0, 0)))
            .collect();
        for ((pad, _), rect) in callers.iter().zip(layout(self.output, &sizes)) {
            pad.set_property("xpos", rect.x);
            pad.set_property("ypos", rect.y);
            pad.set_property("width", rect.width);
            pad.set_property("height", rect.height);
            tracing::debug!(
                pad = %pad.name(),
                x = rect.x,
                y = rect.y,
                width = rect.width,
                height = rect.height,
                "placed on the TV"
            );
        }
    }

    /// The words hidden while a caller is shown, and the background's rate.
    fn showing(&self, calling: bool) {
        self.overlays.cover(calling);
        self.set_rate();
    }

    /// The background at the configured rate while a caller is shown, else
    /// at [`COUNTDOWN_FPS`] during a countdown, else at [`WAITING_FPS`].
    fn set_rate(&self) {
        // Decided and set under the callers' lock: a caller coming at the
        // same moment cannot be overtaken by a stale decision.
        let callers = lock(&self.callers);
        let calling = !callers.is_empty();
        let mut state = lock(&self.background_state);
        let fps = match (calling, state.counting) {
            (true, _) => self.framerate,
            (false, true) => COUNTDOWN_FPS,
            (false, false) => WAITING_FPS,
        }
        .min(self.framerate);
        if state.fps == fps {
            return;
        }
        state.fps = fps;
        self.background
            .set_property("caps", background_caps(self.output, fps));
        tracing::debug!(fps, "TV background rate");
    }
}

/// The background's caps: the whole screen at `fps`, in I420 like the
/// callers' pictures, so the compositor blends 12 bits a pixel (left to
/// itself, videotestsrc picks a 64-bit RGBA format, and the compositor
/// follows: several times the work at every frame).
fn background_caps(output: Size, fps: i32) -> gst::Caps {
    gst::Caps::builder("video/x-raw")
        .field("format", "I420")
        .field("width", output.width as i32)
        .field("height", output.height as i32)
        .field("framerate", gst::Fraction::new(fps, 1))
        .build()
}

/// A picture's size as shown: its pixel aspect ratio applied to its width.
fn displayed_size(video: &gst_video::VideoInfo) -> Size {
    let par = video.par();
    let (n, d) = (par.numer().max(1) as u64, par.denom().max(1) as u64);
    let width = (u64::from(video.width()) * n / d).min(u64::from(u32::MAX)) as u32;
    Size::new(width, video.height())
}
