//! The TV: what the grandparent sees (what they hear is `media::speaker`).
//!
//! Owns the video output end of the pipeline. With a screen, a compositor
//! shows the waiting screen and, on top of it, each caller's picture full
//! screen. Headless (no display, or `tv_output = "none"`), decoded pictures
//! end in fakesinks: calls are still answered and measured.
//!
//! ```text
//! videotestsrc(black) ─ WxH@F ─ textoverlay("Waiting for a call") ─ compositor ─ videoconvert ─ ximagesink | waylandsink | kmssink
//!                               caller pictures (media::remote) ──────────┘
//! ```

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use gst::prelude::*;

use super::{make, MediaError};

/// The widest picture of the TV the admin's page gets (a thumbnail, cheap to make).
const SNAPSHOT_WIDTH: i32 = 480;

/// Where the picture is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    None,
    /// A window on the desktop (ximagesink, or waylandsink under Wayland).
    Window,
    /// The whole screen through KMS, with no desktop (kmssink): the appliance.
    Kms,
}

#[derive(Debug, Clone, Copy)]
pub struct TvSettings {
    pub width: u32,
    pub height: u32,
    pub framerate: u32,
}

/// The TV output of the pipeline; cheap to clone.
#[derive(Clone)]
pub(super) struct Tv {
    compositor: Option<gst::Element>,
    /// The waiting screen's text.
    text: Option<gst::Element>,
    /// The last picture the screen showed, for a snapshot.
    last_frame: Arc<Mutex<Option<gst::Sample>>>,
    size: (u32, u32),
}

impl Tv {
    /// Builds the output branch into `pipeline`.
    pub fn build(
        pipeline: &gst::Pipeline,
        screen: Screen,
        s: TvSettings,
    ) -> Result<Self, MediaError> {
        let last_frame = Arc::new(Mutex::new(None));
        let (compositor, text) = match screen {
            Screen::None => (None, None),
            Screen::Window | Screen::Kms => {
                let (compositor, text) = build_screen(pipeline, s, screen)?;
                keep_last_frame(&compositor, &last_frame)?;
                (Some(compositor), Some(text))
            }
        };
        Ok(Self {
            compositor,
            text,
            last_frame,
            size: (s.width, s.height),
        })
    }

    /// Changes what the waiting screen says ("Anna is calling…").
    pub fn set_text(&self, text: &str) {
        match &self.text {
            Some(overlay) => overlay.set_property("text", text),
            None => tracing::debug!(text, "TV text (headless)"),
        }
    }

    /// What the screen shows now, as a small PNG (at most
    /// [`SNAPSHOT_WIDTH`] wide, for the admin's page); `None` without a screen.
    pub fn snapshot_png(&self) -> Option<Result<Vec<u8>, MediaError>> {
        let sample = lock(&self.last_frame).clone()?;
        let mut png = gst::Caps::builder("image/png");
        let size = sample.caps().and_then(|caps| {
            let s = caps.structure(0)?;
            Some((s.get::<i32>("width").ok()?, s.get::<i32>("height").ok()?))
        });
        if let Some((width, height)) = size.filter(|(w, _)| *w > SNAPSHOT_WIDTH) {
            let scaled = (height * SNAPSHOT_WIDTH / width.max(1)).max(2) & !1;
            png = png
                .field("width", SNAPSHOT_WIDTH)
                .field("height", scaled)
                .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
        }
        let png = png.build();
        Some(
            gst_video::convert_sample(&sample, &png, Some(gst::ClockTime::from_seconds(2)))
                .map_err(|e| MediaError::Pipeline(e.to_string()))
                .and_then(|png| {
                    let buffer = png
                        .buffer()
                        .ok_or(MediaError::Pipeline("empty snapshot".into()))?;
                    let map = buffer
                        .map_readable()
                        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
                    Ok(map.as_slice().to_vec())
                }),
        )
    }

    /// Shows the picture leaving `src` (a pad inside `bin`) full screen.
    pub fn show_video(&self, bin: &gst::Bin, src: &gst::Pad) -> Result<(), MediaError> {
        let Some(compositor) = &self.compositor else {
            return end_in_fakesink(bin, src);
        };
        let ghost = gst::GhostPad::with_target(src)?;
        bin.add_pad(&ghost)?;
        let input = compositor
            .request_pad_simple("sink_%u")
            .ok_or(MediaError::Pipeline("compositor gave no pad".into()))?;
        input.set_property("zorder", 1u32);
        input.set_property("width", self.size.0 as i32);
        input.set_property("height", self.size.1 as i32);
        ghost.link(&input)?;
        Ok(())
    }
}

fn end_in_fakesink(bin: &gst::Bin, src: &gst::Pad) -> Result<(), MediaError> {
    let sink = make("fakesink")?;
    sink.set_property("sync", false);
    sink.set_property("async", false);
    bin.add(&sink)?;
    sink.sync_state_with_parent()?;
    let input = sink
        .static_pad("sink")
        .ok_or(MediaError::Pipeline("fakesink without pad".into()))?;
    src.link(&input)?;
    Ok(())
}

/// Keeps a reference to each picture leaving the compositor (no copy).
fn keep_last_frame(
    compositor: &gst::Element,
    last: &Arc<Mutex<Option<gst::Sample>>>,
) -> Result<(), MediaError> {
    let pad = compositor
        .static_pad("src")
        .ok_or(MediaError::Pipeline("compositor without src pad".into()))?;
    let last = Arc::downgrade(last);
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        if let (Some(buffer), Some(caps), Some(last)) =
            (info.buffer(), pad.current_caps(), last.upgrade())
        {
            let sample = gst::Sample::builder()
                .buffer(&buffer.to_owned())
                .caps(&caps)
                .build();
            *lock(&last) = Some(sample);
        }
        gst::PadProbeReturn::Ok
    });
    Ok(())
}

fn build_screen(
    pipeline: &gst::Pipeline,
    s: TvSettings,
    screen: Screen,
) -> Result<(gst::Element, gst::Element), MediaError> {
    let background = make("videotestsrc")?;
    background.set_property("is-live", true);
    background.set_property_from_str("pattern", "black");
    let caps = make("capsfilter")?;
    caps.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field("width", s.width as i32)
            .field("height", s.height as i32)
            .field("framerate", gst::Fraction::new(s.framerate as i32, 1))
            .build(),
    );
    let text = make("textoverlay")?;
    text.set_property("text", "Waiting for a call");
    text.set_property("font-desc", "Sans 28");
    text.set_property_from_str("valignment", "center");
    text.set_property_from_str("halignment", "center");
    let compositor = make("compositor")?;
    compositor.set_property_from_str("background", "black");
    let convert = make("videoconvert")?;
    let sink = match screen {
        Screen::Kms => {
            let sink = make("kmssink")?;
            // Scale to the TV, keeping the picture's shape.
            sink.set_property("force-modesetting", false);
            sink.set_property("can-scale", true);
            sink
        }
        // Not autovideosink: with no usable display it falls through to
        // DirectFB, which crashes the process.
        _ if std::env::var_os("WAYLAND_DISPLAY").is_some() => make("waylandsink")?,
        _ => make("ximagesink")?,
    };
    sink.set_property("sync", false);
    let chain = [&background, &caps, &text, &compositor, &convert, &sink];
    pipeline.add_many(chain)?;
    gst::Element::link_many(chain)?;
    Ok((compositor, text))
}
