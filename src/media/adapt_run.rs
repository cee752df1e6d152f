//! Runs the bandwidth controller (`adapt`) against the live pipeline: ten
//! times a second it reads every caller's estimate (`adapt_gcc`), asks the
//! controller for a target, and applies a changed target to the shared
//! encode — the encoders' bitrate (`encoder::set_bitrate`) and the frame
//! rate of the capture's `videorate` (named [`RATE_NAME`]).
//!
//! One thread (`adapt`) for the engine's life; it holds the pipeline weakly
//! and does nothing while no capture runs.

use crate::sync::lock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::adapt::{Controller, Limits, Target};
use super::{adapt_gcc, encoder};

/// How often the controller runs.
const TICK: Duration = Duration::from_millis(100);

/// The name of the capture's frame-rate limiter (a `videorate`, drop-only).
pub(super) const RATE_NAME: &str = "adapt-rate";

/// The running controller.
pub(super) struct Adapter {
    controller: Arc<Mutex<Option<Controller>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Adapter {
    pub fn start(pipeline: &gst::Pipeline) -> std::io::Result<Self> {
        let controller: Arc<Mutex<Option<Controller>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (weak, c, s) = (pipeline.downgrade(), controller.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("adapt".into())
            .spawn(move || {
                let epoch = Instant::now();
                let mut applied: Option<(Target, usize)> = None;
                while !s.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    let Some(pipeline) = weak.upgrade() else {
                        break;
                    };
                    let (target, estimates) = {
                        let mut c = lock(&c);
                        // While waiting there is nothing to drive, and the
                        // pipeline is not walked for estimates.
                        let Some(controller) = c.as_mut() else {
                            applied = None;
                            continue;
                        };
                        let estimates = adapt_gcc::estimates(&pipeline);
                        (controller.update(epoch.elapsed(), &estimates), estimates)
                    };
                    // Again when elements come or go: an encode that has
                    // just started (a VP8 caller's) takes the target too.
                    let now = (target, pipeline.children().len());
                    if applied != Some(now) && apply(&pipeline, target) {
                        tracing::debug!(
                            kbps = target.video_kbps,
                            fps = target.fps,
                            ?estimates,
                            "video target"
                        );
                        applied = Some(now);
                    }
                }
            })?;
        Ok(Self {
            controller,
            stop,
            thread: Some(thread),
        })
    }

    /// A new capture: start again from its configured quality.
    pub fn reset(&self, limits: Limits) {
        *lock(&self.controller) = Some(Controller::new(limits));
    }

    /// No capture: nothing to drive.
    pub fn idle(&self) {
        *lock(&self.controller) = None;
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sets `target` on the pipeline's encoders and frame-rate limiters (one in
/// front of each encode, at the pipeline's top level); `false` when there
/// was none yet.
fn apply(pipeline: &gst::Pipeline, target: Target) -> bool {
    let mut any = false;
    for element in pipeline.iterate_elements().into_iter().flatten() {
        if element.name().starts_with(RATE_NAME) {
            element.set_property("max-rate", target.fps as i32);
        } else if encoder::set_bitrate(&element, target.video_kbps) {
            any = true;
        }
    }
    any
}
