//! Tearing branches down off the caller's path.
//!
//! Owns one thread that runs teardown jobs in order: a caller's branch or
//! the capture branch going to NULL can wait on GStreamer's and libnice's
//! threads for a long while, and nobody — not the device actor, not a web
//! worker — should wait with it. Jobs run in the order they were given, and
//! [`Reaper::flush`] waits for those given so far (before the capture starts
//! again, so old and new elements never meet in the pipeline).

use std::sync::mpsc;
use std::time::Instant;

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
