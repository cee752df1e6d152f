//! The TV: what the grandparent sees and hears.
//!
//! Owns the output end of the pipeline. With a screen, a compositor shows the
//! waiting screen and, on top of it, each caller's picture full screen; the
//! caller's voice goes to the speaker. Headless (no display, or `tv_output =
//! "none"`), decoded media ends in fakesinks: calls are still answered and
//! measured.
//!
//! ```text
//! videotestsrc(black) ─ WxH@F ─ textoverlay("Waiting for a call") ─ compositor ─ videoconvert ─ ximagesink | waylandsink | kmssink
//!                               caller pictures (media::remote) ──────────┘
//! caller voice ─► alsasink | autoaudiosink | fakesink
//! ```

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use gst::prelude::*;

use super::{make, run_to_end, MediaError};

/// The widest picture of the TV the admin's page gets (a thumbnail, cheap to make).
const SNAPSHOT_WIDTH: i32 = 480;

/// Where the caller's voice is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    /// Nowhere: decoded, measured, dropped.
    None,
    /// GStreamer's choice of audio output.
    Auto,
    /// This ALSA device.
    Alsa(String),
}

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
    /// Where callers' voices go: as configured, or as the admin chose.
    speaker: Arc<Mutex<Speaker>>,
    configured_speaker: Speaker,
    size: (u32, u32),
}

impl Tv {
    /// Builds the output branch into `pipeline`.
    pub fn build(
        pipeline: &gst::Pipeline,
        screen: Screen,
        speaker: Speaker,
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
            speaker: Arc::new(Mutex::new(speaker.clone())),
            configured_speaker: speaker,
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

    /// Plays a short two-tone chime on the speaker, if there is one.
    pub fn chime(&self) {
        let sink = match &self.speaker() {
            Speaker::None => return,
            Speaker::Auto => "autoaudiosink".to_owned(),
            Speaker::Alsa(device) => format!("alsasink device={device:?}"),
        };
        let description = format!(
            "audiotestsrc wave=sine freq=660 volume=0.4 num-buffers=15 samplesperbuffer=1600 ! \
             audioconvert ! audioresample ! {sink}"
        );
        std::thread::spawn(move || {
            if let Err(e) = play_to_end(&description) {
                tracing::warn!(error = %e, "chime failed");
            }
        });
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

    /// Plays callers' voices on this ALSA device from the next call on
    /// (`None`: as configured).
    pub fn choose_speaker(&self, device: Option<String>) {
        let chosen = match device {
            Some(device) if self.configured_speaker != Speaker::None => Speaker::Alsa(device),
            _ => self.configured_speaker.clone(),
        };
        *lock(&self.speaker) = chosen;
    }

    fn speaker(&self) -> Speaker {
        lock(&self.speaker).clone()
    }

    /// Plays the sound leaving `src` (a pad inside `bin`).
    pub fn play_audio(&self, bin: &gst::Bin, src: &gst::Pad) -> Result<(), MediaError> {
        let sink = match &self.speaker() {
            Speaker::None => return end_in_fakesink(bin, src),
            Speaker::Auto => make("autoaudiosink")?,
            Speaker::Alsa(device) => {
                let sink = make("alsasink")?;
                sink.set_property("device", device);
                sink
            }
        };
        sink.set_property("sync", true);
        bin.add(&sink)?;
        sink.sync_state_with_parent()?;
        let input = sink
            .static_pad("sink")
            .ok_or(MediaError::Pipeline("audio sink without pad".into()))?;
        src.link(&input)?;
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

/// Runs a short pipeline until it ends (at most five seconds).
fn play_to_end(description: &str) -> Result<(), MediaError> {
    let pipeline = gst::parse::launch(description)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| MediaError::Pipeline("not a pipeline".into()))?;
    let result = run_to_end(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    result
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
