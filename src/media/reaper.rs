//! Tearing branches down off the caller's path, and taking elements out of
//! the pipeline for good ([`retire`]).
//!
//! Owns one thread that runs teardown jobs in order: a caller's branch or
//! the capture branch going to NULL can wait on GStreamer's and libnice's
//! threads for a long while, and nobody — not the device actor, not a web
//! worker — should wait with it. Jobs run in the order they were given, and
//! [`Reaper::flush`] waits for those given so far (before the capture starts
//! again, so old and new elements never meet in the pipeline).

use std::sync::mpsc;
use std::time::Instant;

use gst::prelude::*;

type Job = Box<dyn FnOnce() + Send>;

/// The handle to the teardown thread; dropping the last one ends the thread
/// after its remaining jobs.
#[derive(Debug)]
pub(super) struct Reaper {
    jobs: mpsc::Sender<Job>,
}

impl Reaper {
    pub fn start() -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("media-teardown".into())
            .spawn(move || {
                for job in queue {
                    job();
                }
            })?;
        Ok(Self { jobs })
    }

    /// Runs `what` on the teardown thread, after the jobs before it.
    pub fn reap(&self, label: &'static str, what: impl FnOnce() + Send + 'static) {
        let job = Box::new(move || {
            let started = Instant::now();
            what();
            tracing::debug!(
                what = label,
                ms = started.elapsed().as_millis() as u64,
                "torn down"
            );
        });
        if let Err(mpsc::SendError(job)) = self.jobs.send(job) {
            // The thread is gone (it only ends with the engine): do it here.
            tracing::warn!(what = label, "teardown thread gone; tearing down in place");
            job();
        }
    }

    /// Waits until every job given so far has run.
    pub fn flush(&self) {
        let (done, finished) = mpsc::channel();
        self.reap("flush", move || {
            let _ = done.send(());
        });
        let _ = finished.recv();
    }
}

/// Takes `elements` out of the pipeline for good: all of them to NULL (each
/// tried twice), then out of their bins. An element that will not reach
/// NULL still leaves its bin but is never freed, with a warning: freed while
/// PAUSED or PLAYING, it would leave its streaming threads running in freed
/// memory, and left in the pipeline it would fail the pipeline's own stop
/// the same way. Whether every element stopped.
pub(super) fn retire(elements: &[gst::Element]) -> bool {
    let stopped: Vec<bool> = elements
        .iter()
        .map(|e| e.set_state(gst::State::Null).is_ok() || e.set_state(gst::State::Null).is_ok())
        .collect();
    for (element, &stopped) in elements.iter().zip(&stopped) {
        if let Some(bin) = element.parent().and_downcast::<gst::Bin>() {
            let _ = bin.remove(element);
        }
        if !stopped {
            tracing::warn!(
                element = %element.name(),
                state = ?element.current_state(),
                "an element would not stop; it is left to run out, never freed"
            );
            std::mem::forget(element.clone());
        }
    }
    stopped.into_iter().all(|s| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playing_pair() -> (gst::Pipeline, [gst::Element; 2]) {
        crate::media::init().expect("GStreamer");
        let pipeline = gst::Pipeline::new();
        let source = gst::ElementFactory::make("videotestsrc")
            .property("is-live", true)
            .build()
            .expect("videotestsrc");
        let sink = gst::ElementFactory::make("fakesink")
            .build()
            .expect("fakesink");
        pipeline.add_many([&source, &sink]).expect("added");
        source.link(&sink).expect("linked");
        pipeline.set_state(gst::State::Playing).expect("plays");
        let (changed, _, _) = pipeline.state(gst::ClockTime::from_seconds(5));
        changed.expect("playing");
        (pipeline, [source, sink])
    }

    #[test]
    fn retired_elements_stop_leave_their_bin_and_are_freed() {
        let (pipeline, elements) = playing_pair();
        assert!(retire(&elements));
        for element in &elements {
            assert_eq!(element.current_state(), gst::State::Null);
            assert!(
                element.parent().is_none(),
                "{} left its bin",
                element.name()
            );
        }
        assert!(pipeline.children().is_empty());
        pipeline
            .set_state(gst::State::Null)
            .expect("the pipeline stops");
        let gone = elements.map(|e| e.downgrade());
        drop(pipeline);
        assert!(
            gone.iter().all(|e| e.upgrade().is_none()),
            "stopped elements are freed"
        );
    }

    #[test]
    fn an_element_that_will_not_stop_leaves_the_pipeline_and_is_never_freed() {
        let (pipeline, elements) = playing_pair();
        let wedged: gst::Element = gst::glib::Object::new::<wedged::Wedged>().upcast();
        pipeline.add(&wedged).expect("added");
        wedged.sync_state_with_parent().expect("plays");
        assert!(!retire(std::slice::from_ref(&wedged)), "it did not stop");
        assert!(wedged.parent().is_none(), "it left the pipeline");
        // The rest of the pipeline is unharmed and stops.
        assert!(retire(&elements));
        pipeline
            .set_state(gst::State::Null)
            .expect("the pipeline stops");
        let kept = wedged.downgrade();
        drop((wedged, elements, pipeline));
        assert!(kept.upgrade().is_some(), "never freed");
    }

    /// An element whose way down fails, as a wedged device's can.
    mod wedged {
        use gst::glib;
        use gst::subclass::prelude::*;

        glib::wrapper! {
            pub struct Wedged(ObjectSubclass<imp::Wedged>) @extends gst::Bin, gst::Element, gst::Object;
        }

        mod imp {
            use super::*;

            #[derive(Default)]
            pub struct Wedged;

            #[glib::object_subclass]
            impl ObjectSubclass for Wedged {
                const NAME: &'static str = "HomeCallTestWedged";
                type Type = super::Wedged;
                type ParentType = gst::Bin;
            }

            impl ObjectImpl for Wedged {}
            impl GstObjectImpl for Wedged {}
            impl BinImpl for Wedged {}
            impl ElementImpl for Wedged {
                fn change_state(
                    &self,
                    transition: gst::StateChange,
                ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
                    if transition == gst::StateChange::PausedToReady {
                        return Err(gst::StateChangeError);
                    }
                    self.parent_change_state(transition)
                }
            }
        }
    }
}
