//! The TV: what the grandparent sees (what they hear is `media::speaker`).
//!
//! Owns the picture's output end of the pipeline. With a screen, one full-screen
//! compositor shows the background with the TV's words (`tv_screen`: clock,
//! who calls, countdown) and, on top of it, each caller's picture with its
//! shape kept, one to four in a grid (`tv_pictures`, placed by `tv_layout`).
//! Headless (no display, or
//! `tv_output = "none"`), the words are logged and decoded media ends in
//! fakesinks: calls are still answered and measured.
//!
//! ```text
//! videotestsrc(black) ─ WxH@1 (F in a call) ─ tv_screen overlays ─ compositor ─ videoconvert ─ ximagesink | waylandsink | kmssink
//!                              caller pictures (media::remote) ─ tv_pictures ─┘
//! ```

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use gst::prelude::*;

use super::tv_layout::{text_sizes, Size};
use super::tv_pictures::Pictures;
use super::tv_screen::{Overlays, TvShow};
use super::tv_self_view::{Corner, SelfView};
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
    /// Where callers' pictures go on the screen; `None` when headless.
    pictures: Option<Pictures>,
    /// The TV's words on the screen; `None` when headless.
    overlays: Option<Arc<Overlays>>,
    /// The last picture the screen showed, for a snapshot.
    last_frame: Arc<Mutex<Option<gst::Sample>>>,
    /// The box's own camera in a corner, while the capture runs.
    corner: Arc<Mutex<Corner>>,
}

impl Tv {
    /// Builds the output branch into `pipeline`.
    pub fn build(
        pipeline: &gst::Pipeline,
        screen: Screen,
        s: TvSettings,
    ) -> Result<Self, MediaError> {
        let last_frame = Arc::new(Mutex::new(None));
        let (pictures, overlays) = match screen {
            Screen::None => (None, None),
            Screen::Window | Screen::Kms => {
                let (compositor, pictures, overlays) = build_screen(pipeline, s, screen)?;
                keep_last_frame(&compositor, &last_frame)?;
                (Some(pictures), Some(overlays))
            }
        };
        Ok(Self {
            pictures,
            overlays,
            last_frame,
            corner: Arc::default(),
        })
    }

    /// Changes what the TV says ("Anna is calling…", the clock, a countdown).
    pub fn show(&self, show: &TvShow) {
        lock(&self.corner).set_visible(show.self_view);
        if let Some(pictures) = &self.pictures {
            pictures.counting(show.countdown.is_some());
        }
        match &self.overlays {
            Some(overlays) => overlays.show(show),
            None => tracing::debug!(
                text = show.text().as_str(),
                countdown = show.countdown.as_ref().map(|c| c.seconds),
                footer = show.footer.as_str(),
                "TV text (headless)"
            ),
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

    /// Shows the picture leaving `src` (a pad inside `bin`) on the screen,
    /// beside the other callers', its shape kept.
    pub fn show_video(&self, bin: &gst::Bin, src: &gst::Pad) -> Result<(), MediaError> {
        let Some(pictures) = &self.pictures else {
            return end_in_fakesink(bin, src);
        };
        // Named: the caller's bin also leads its voice out (`speaker`).
        let ghost = gst::GhostPad::builder_with_target(src)?
            .name("to-tv")
            .build();
        bin.add_pad(&ghost)?;
        let input = pictures.add_caller()?;
        ghost.link(&input)?;
        Ok(())
    }

    /// Draws the box's own camera (the raw pictures of `tee`, `camera`
    /// sized) small in a corner, seen while the TV's words say so
    /// (`TvShow::self_view`); nothing when headless.
    pub fn show_self(
        &self,
        pipeline: &gst::Pipeline,
        tee: &gst::Element,
        camera: Size,
    ) -> Result<(), MediaError> {
        let Some(pictures) = &self.pictures else {
            return Ok(());
        };
        let (compositor, output) = pictures.compositor();
        let mut corner = lock(&self.corner);
        let view = SelfView::start(pipeline, tee, compositor, output, camera, corner.visible)?;
        corner.view = Some(view);
        Ok(())
    }

    /// The self view, taken off the TV to be stopped with the capture.
    pub fn take_self_view(&self) -> Option<SelfView> {
        lock(&self.corner).view.take()
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
) -> Result<(gst::Element, Pictures, Arc<Overlays>), MediaError> {
    let output = Size::new(s.width, s.height);
    let background = make("videotestsrc")?;
    background.set_property("is-live", true);
    background.set_property_from_str("pattern", "black");
    let caps = make("capsfilter")?;
    let overlays = Overlays::new(text_sizes(s.height))?;
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
    let [clock, centre, footer] = overlays.elements();
    let chain = [
        &background,
        &caps,
        clock,
        centre,
        footer,
        &compositor,
        &convert,
        &sink,
    ];
    pipeline.add_many(chain)?;
    gst::Element::link_many(chain)?;
    // The compositor's pad for the background (the last overlay's peer).
    let background_pad = super::pad_of(footer, "src")?
        .peer()
        .ok_or(MediaError::Pipeline("the background is not linked".into()))?;
    let pictures = Pictures::new(
        &compositor,
        &caps,
        &overlays,
        output,
        s.framerate,
        &background_pad,
    );
    Ok((compositor, pictures, overlays))
}
