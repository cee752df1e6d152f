//! One input (camera or microphone) that never stops the call: a switch
//! between the device and a placeholder, and the thread that works it.
//!
//! ```text
//! placeholder: videotestsrc | audiotestsrc ─ … ─ same raw caps ─┐ always there
//!                                                                ├─ input-selector ─► encoder
//! SourceBin "camera-N": v4l2src | alsasrc ─ … ─ same raw caps ───┘ added, removed, added again
//! ```
//!
//! Owns the device's bin while the capture runs. The supervisor (a thread
//! per device, living as long as the capture) opens the device, switches
//! the selector to it once its first buffer arrives, and on an error
//! switches back to the placeholder and takes the bin out; then it tries
//! again every [`RETRY_EVERY`] (a camera's node must be back first). The
//! encoder, the tees and the callers' branches never notice.
//!
//! While the device's buffers are the ones selected, the placeholder's
//! source rests (READY): a still picture made 30 times a second and
//! silence 100 times a second, only to be dropped by the selector, cost a
//! call for nothing. It plays again the moment the device is taken out.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use gst::prelude::*;

use super::health::{CaptureHealth, Input, InputHealth};
use super::source_bin::{Note, SourceBin};
use super::{make, MediaError};

/// How often a missing or failed device is tried again while capture runs.
pub(super) const RETRY_EVERY: Duration = Duration::from_secs(2);

/// Builds a device's chain, source first, ending in the placeholder's caps.
pub(super) type BuildChain = Arc<dyn Fn() -> Result<Vec<gst::Element>, MediaError> + Send + Sync>;

/// The device an input uses when it can.
pub(super) struct Device {
    /// Its name for people: `/dev/video0`, `hw:1`.
    pub name: String,
    pub build: BuildChain,
    /// Whether it is there to try (a camera's node exists).
    pub present: Box<dyn Fn() -> bool + Send>,
}

/// The selector, its placeholder and (while a device is used) the supervisor.
pub(super) struct Fallback {
    pub selector: gst::Element,
    /// The placeholder's elements and the selector, for the capture to start and stop.
    pub elements: Vec<gst::Element>,
    /// The placeholder's source, which rests while the device is selected.
    placeholder: gst::Element,
    placeholder_pad: gst::Pad,
    supervisor: Option<(Sender<Note>, JoinHandle<()>)>,
}

impl Fallback {
    /// Adds the selector and the `placeholder` chain (source first) to
    /// `pipeline`, linked, not started; the placeholder is selected.
    pub fn new(
        pipeline: &gst::Pipeline,
        placeholder: Vec<gst::Element>,
    ) -> Result<Self, MediaError> {
        let selector = make("input-selector")?;
        // Inactive inputs must neither wait for the active one (a dead
        // camera would stall the placeholder) nor be told "not linked"
        // (a source told so stops for good).
        selector.set_property("sync-streams", false);
        let source = placeholder
            .first()
            .cloned()
            .ok_or_else(|| MediaError::Pipeline("an empty placeholder".into()))?;
        let mut elements = placeholder;
        elements.push(selector.clone());
        pipeline.add_many(&elements)?;
        gst::Element::link_many(&elements[..elements.len() - 1])?;
        let placeholder_pad = link_input(&elements[elements.len() - 2], &selector)?;
        selector.set_property("active-pad", &placeholder_pad);
        Ok(Self {
            selector,
            elements,
            placeholder: source,
            placeholder_pad,
            supervisor: None,
        })
    }

    /// Starts using `device` for `input`, once the placeholder plays.
    pub fn supervise(
        &mut self,
        pipeline: &gst::Pipeline,
        input: Input,
        device: Device,
        health: CaptureHealth,
    ) -> Result<(), MediaError> {
        let (notes, inbox) = mpsc::channel();
        let supervisor = Supervisor {
            input,
            pipeline: pipeline.clone(),
            selector: self.selector.clone(),
            placeholder: self.placeholder.clone(),
            placeholder_pad: self.placeholder_pad.clone(),
            device,
            health,
            notes: notes.clone(),
            live: None,
            generation: 0,
            backlog: VecDeque::new(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("{}-watch", input.noun()))
            .spawn(move || supervisor.run(inbox))
            .map_err(|e| MediaError::Pipeline(format!("cannot start a thread: {e}")))?;
        self.supervisor = Some((notes, thread));
        Ok(())
    }

    /// Stops the supervisor and takes the device's bin out (the placeholder
    /// and the selector stay, for the capture to stop).
    pub fn stop(&mut self) {
        if let Some((notes, thread)) = self.supervisor.take() {
            let _ = notes.send(Note::Stop);
            let _ = thread.join();
        }
        // Resting or not, it goes down with the rest of the capture.
        self.placeholder.set_locked_state(false);
    }
}

/// Links `upstream`'s src pad to a new input of `selector`.
fn link_input(upstream: &gst::Element, selector: &gst::Element) -> Result<gst::Pad, MediaError> {
    let sink = selector
        .request_pad_simple("sink_%u")
        .ok_or_else(|| MediaError::Pipeline("the input selector gave no pad".into()))?;
    // An inactive input's source is told "ok", never "not linked".
    sink.set_property("always-ok", true);
    let src = upstream
        .static_pad("src")
        .ok_or_else(|| MediaError::Pipeline("a capture chain has no output".into()))?;
    src.link(&sink)?;
    Ok(sink)
}

/// The device's bin while it is in the pipeline.
struct Live {
    bin: SourceBin,
    sink: gst::Pad,
    generation: u64,
}

struct Supervisor {
    input: Input,
    pipeline: gst::Pipeline,
    selector: gst::Element,
    placeholder: gst::Element,
    placeholder_pad: gst::Pad,
    device: Device,
    health: CaptureHealth,
    notes: Sender<Note>,
    live: Option<Live>,
    /// Counts the device's bins, so a late note from a removed one is ignored.
    generation: u64,
    /// Notes read while opening the device, handled next.
    backlog: VecDeque<Note>,
}

impl Supervisor {
    fn run(mut self, inbox: Receiver<Note>) {
        self.attach(&inbox);
        loop {
            let note = match self.backlog.pop_front() {
                Some(note) => Ok(note),
                None => inbox.recv_timeout(RETRY_EVERY),
            };
            match note {
                Ok(Note::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Note::Flowing { generation }) if self.is_live(generation) => {
                    if let Some(live) = &self.live {
                        self.selector.set_property("active-pad", &live.sink);
                        self.rest_placeholder();
                    }
                    self.set_health(InputHealth::Working {
                        device: self.device.name.clone(),
                    });
                }
                Ok(Note::Failed { generation, reason }) if self.is_live(generation) => {
                    self.detach();
                    self.wake_placeholder();
                    self.set_health(InputHealth::Failed {
                        device: self.device.name.clone(),
                        reason,
                    });
                }
                Ok(_) => {} // from a bin already removed
                Err(RecvTimeoutError::Timeout) => {
                    if self.live.is_none() {
                        self.attach(&inbox);
                    }
                }
            }
        }
        self.detach();
        let name = self.device.name.clone();
        if matches!(
            self.health.get(self.input),
            InputHealth::Working { .. } | InputHealth::Starting { .. }
        ) {
            // A failure stays on show between calls; a working device rests.
            self.set_health(InputHealth::Idle { device: name });
        }
    }

    fn is_live(&self, generation: u64) -> bool {
        self.live
            .as_ref()
            .is_some_and(|l| l.generation == generation)
    }

    fn set_health(&self, health: InputHealth) {
        self.health.set(self.input, health);
    }

    /// Puts a fresh bin for the device into the pipeline and starts it;
    /// the selector switches to it when its first buffer arrives.
    fn attach(&mut self, inbox: &Receiver<Note>) {
        let device = self.device.name.clone();
        if !(self.device.present)() {
            self.set_health(InputHealth::Missing { device });
            return;
        }
        if self.generation == 0 {
            self.set_health(InputHealth::Starting {
                device: device.clone(),
            });
        }
        self.generation += 1;
        let generation = self.generation;
        let added = (|| {
            let chain = (self.device.build)()?;
            let name = format!("{}-{generation}", self.input.noun());
            let bin = SourceBin::new(&name, &chain, self.notes.clone(), generation)?;
            self.pipeline.add(&bin)?;
            let sink = match link_input(bin.upcast_ref(), &self.selector) {
                Ok(sink) => sink,
                Err(e) => {
                    let _ = self.pipeline.remove(&bin);
                    return Err(e);
                }
            };
            self.live = Some(Live {
                bin: bin.clone(),
                sink,
                generation,
            });
            bin.sync_state_with_parent()?;
            Ok::<_, MediaError>(())
        })();
        if let Err(e) = added {
            // The device's own words were posted inside its bin: prefer them.
            let mut reason = None;
            for note in inbox.try_iter() {
                match note {
                    Note::Failed {
                        generation: g,
                        reason: r,
                    } if g == generation => {
                        reason.get_or_insert(r);
                    }
                    other => self.backlog.push_back(other),
                }
            }
            self.detach();
            self.wake_placeholder();
            self.set_health(InputHealth::Failed {
                device,
                reason: reason.unwrap_or_else(|| e.to_string()),
            });
        }
    }

    /// Stops the placeholder's source while the device is selected: the
    /// pipeline's state changes leave it alone until it is woken.
    fn rest_placeholder(&self) {
        self.placeholder.set_locked_state(true);
        if let Err(e) = self.placeholder.set_state(gst::State::Ready) {
            tracing::debug!(error = %e, "the placeholder would not rest");
        }
    }

    /// Plays the placeholder's source again (the device is out), as it
    /// played when the capture started: from READY, with the pipeline.
    fn wake_placeholder(&self) {
        self.placeholder.set_locked_state(false);
        if let Err(e) = self.placeholder.sync_state_with_parent() {
            tracing::warn!(error = %e, "the placeholder would not play again");
        }
    }

    /// Selects the placeholder and takes the device's bin out, if any (the
    /// caller wakes the placeholder unless the capture is stopping).
    fn detach(&mut self) {
        let Some(live) = self.live.take() else {
            return;
        };
        self.selector
            .set_property("active-pad", &self.placeholder_pad);
        // Stopped before it leaves (which unlinks it from the selector).
        super::reaper::retire(&[live.bin.clone().upcast()]);
        self.selector.release_request_pad(&live.sink);
    }
}

#[cfg(test)]
mod tests {
    //! Real pipelines: the "device" is `videotestsrc` behind `identity
    //! error-after=N`, which fails its stream as an unplugged `v4l2src`
    //! does (an error message, then end-of-stream), since no camera exists
    //! here to unplug.

    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::Instant;

    const WHITE: u8 = 235; // Y of videotestsrc's white
    const BLACK: u8 = 16;

    fn caps() -> gst::Caps {
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", 64i32)
            .field("height", 48i32)
            .field("framerate", gst::Fraction::new(30, 1))
            .build()
    }

    fn source(pattern: &str) -> Result<gst::Element, MediaError> {
        let src = make("videotestsrc")?;
        src.set_property("is-live", true);
        src.set_property_from_str("pattern", pattern);
        Ok(src)
    }

    /// A device that sends white frames, then fails after `frames` of them.
    fn failing_device(frames: i32, present: Arc<AtomicBool>) -> Device {
        Device {
            name: "/dev/video-test".into(),
            build: Arc::new(move || {
                let fail = make("identity")?;
                fail.set_property("error-after", frames);
                let filter = make("capsfilter")?;
                filter.set_property("caps", caps());
                Ok(vec![source("white")?, filter, fail])
            }),
            present: Box::new(move || present.load(Ordering::SeqCst)),
        }
    }

    /// The pipeline a call would see after the selector: a sink counting
    /// frames and remembering the last one's brightness.
    struct Rig {
        pipeline: gst::Pipeline,
        fallback: Fallback,
        frames: Arc<AtomicU64>,
        luma: Arc<AtomicU64>,
        health: CaptureHealth,
    }

    impl Rig {
        fn start(device: Device) -> Self {
            gst::init().expect("gstreamer");
            let pipeline = gst::Pipeline::new();
            let filter = make("capsfilter").expect("capsfilter");
            filter.set_property("caps", caps());
            let mut fallback =
                Fallback::new(&pipeline, vec![source("black").expect("src"), filter])
                    .expect("fallback");
            let sink = make("fakesink").expect("fakesink");
            sink.set_property("sync", false);
            pipeline.add(&sink).expect("add");
            fallback.selector.link(&sink).expect("link");
            let (frames, luma) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let (f, l) = (frames.clone(), luma.clone());
            sink.static_pad("sink").expect("pad").add_probe(
                gst::PadProbeType::BUFFER,
                move |_, info| {
                    if let Some(buffer) = info.buffer() {
                        if let Ok(map) = buffer.map_readable() {
                            l.store(u64::from(map[map.len() / 8]), Ordering::SeqCst);
                        }
                        f.fetch_add(1, Ordering::SeqCst);
                    }
                    gst::PadProbeReturn::Ok
                },
            );
            pipeline.set_state(gst::State::Playing).expect("playing");
            // As in the box, whose pipeline plays long before any capture.
            let (playing, ..) = pipeline.state(gst::ClockTime::from_seconds(5));
            playing.expect("the pipeline plays");
            let health = CaptureHealth::new(
                InputHealth::Idle {
                    device: "/dev/video-test".into(),
                },
                InputHealth::Test,
            );
            fallback
                .supervise(&pipeline, Input::Camera, device, health.clone())
                .expect("supervise");
            Self {
                pipeline,
                fallback,
                frames,
                luma,
                health,
            }
        }

        fn wait(&self, what: &str, limit: Duration, ok: impl Fn(&Self) -> bool) {
            let start = Instant::now();
            while !ok(self) {
                assert!(
                    start.elapsed() < limit,
                    "timed out after {limit:?} waiting for {what}; camera: {:?}, frames {}, last luma {}, bus: {:?}, pipeline {:?}",
                    self.health.get(Input::Camera),
                    self.frames.load(Ordering::SeqCst),
                    self.luma.load(Ordering::SeqCst),
                    self.errors(), self.pipeline.state(gst::ClockTime::ZERO)
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }

        fn frames(&self) -> u64 {
            self.frames.load(Ordering::SeqCst)
        }

        fn luma(&self) -> u8 {
            self.luma.load(Ordering::SeqCst) as u8
        }

        /// Errors that reached the pipeline's bus (none should).
        fn errors(&self) -> Vec<String> {
            let bus = self.pipeline.bus().expect("bus");
            std::iter::from_fn(|| bus.pop_filtered(&[gst::MessageType::Error]))
                .map(|m| format!("{m:?}"))
                .collect()
        }
    }

    impl Drop for Rig {
        fn drop(&mut self) {
            self.fallback.stop();
            let _ = self.pipeline.set_state(gst::State::Null);
        }
    }

    #[test]
    fn a_device_failing_mid_stream_gives_way_to_the_placeholder_and_is_tried_again() {
        let rig = Rig::start(failing_device(45, Arc::new(AtomicBool::new(true))));
        rig.wait("the device's picture", Duration::from_secs(5), |r| {
            r.luma() == WHITE && matches!(r.health.get(Input::Camera), InputHealth::Working { .. })
        });
        rig.wait("the placeholder to rest", Duration::from_secs(1), |r| {
            r.fallback.placeholder.current_state() == gst::State::Ready
        });
        rig.wait(
            "the device to fail and the placeholder to take over",
            Duration::from_secs(5),
            |r| {
                r.luma() == BLACK
                    && matches!(r.health.get(Input::Camera), InputHealth::Failed { .. })
            },
        );
        let InputHealth::Failed { reason, .. } = rig.health.get(Input::Camera) else {
            unreachable!()
        };
        assert!(!reason.is_empty(), "the failure says why");
        let after_failure = rig.frames();
        rig.wait(
            "frames to keep flowing after the failure",
            Duration::from_secs(1),
            |r| r.frames() >= after_failure + 10,
        );
        // Tried again every RETRY_EVERY: the device's picture comes back.
        rig.wait("the device to be picked up again", RETRY_EVERY * 3, |r| {
            r.luma() == WHITE
        });
        rig.wait(
            "the placeholder to rest again",
            Duration::from_secs(1),
            |r| r.fallback.placeholder.current_state() == gst::State::Ready,
        );
        assert_eq!(
            rig.errors(),
            Vec::<String>::new(),
            "no error reached the pipeline"
        );
    }

    #[test]
    fn a_missing_device_is_looked_for_until_it_appears() {
        let present = Arc::new(AtomicBool::new(false));
        let rig = Rig::start(failing_device(i32::MAX, present.clone()));
        rig.wait("the placeholder", Duration::from_secs(5), |r| {
            r.frames() > 10 && r.luma() == BLACK
        });
        assert!(
            matches!(rig.health.get(Input::Camera), InputHealth::Missing { .. }),
            "{:?}",
            rig.health.get(Input::Camera)
        );
        present.store(true, Ordering::SeqCst);
        rig.wait("the device once it is there", RETRY_EVERY * 3, |r| {
            r.luma() == WHITE && matches!(r.health.get(Input::Camera), InputHealth::Working { .. })
        });
    }

    #[test]
    fn a_device_that_cannot_open_says_why_and_the_placeholder_flows() {
        let rig = Rig::start(Device {
            name: "/nowhere/video9".into(),
            build: Arc::new(|| {
                let src = make("v4l2src")?;
                src.set_property("device", "/nowhere/video9");
                Ok(vec![src])
            }),
            present: Box::new(|| true),
        });
        rig.wait("the failure", Duration::from_secs(5), |r| {
            matches!(r.health.get(Input::Camera), InputHealth::Failed { .. }) && r.frames() > 10
        });
        let sentence = rig.health.get(Input::Camera).sentence(Input::Camera);
        assert!(
            sentence.starts_with("camera /nowhere/video9 failed: "),
            "{sentence}"
        );
        assert!(
            sentence.contains("/nowhere/video9'"),
            "v4l2src's own words: {sentence}"
        );
        assert_eq!(
            rig.errors(),
            Vec::<String>::new(),
            "no error reached the pipeline"
        );
    }
}
