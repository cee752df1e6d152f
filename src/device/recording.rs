//! A media engine that only writes down what the actor asks of it, for the
//! actor's own tests (`actor_tests.rs`). The real engine is the one the
//! integration and end-to-end tests use.

use crate::sync::lock;
use std::sync::{Arc, Mutex};

use super::engine::{BranchNet, CallMedia, MediaReport};
use crate::media::{CallStats, CaptureChoice, MediaError, RemoteStats, TvShow, TvSnapshots};

/// Every call made, in order, as short lines ("start_branch s1-1-0").
#[derive(Clone, Default)]
pub struct RecordingMedia {
    log: Arc<Mutex<Vec<String>>>,
    /// Answers the engine refuses (as webrtcbin refuses an answer it cannot read).
    refuse_answers: bool,
}

impl RecordingMedia {
    /// An engine that refuses every answer.
    pub fn refusing_answers() -> Self {
        Self {
            refuse_answers: true,
            ..Self::default()
        }
    }

    /// What was asked so far, without the TV's text.
    pub fn calls(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| !l.starts_with("text "))
            .collect()
    }

    /// Everything asked so far.
    pub fn lines(&self) -> Vec<String> {
        lock(&self.log).clone()
    }

    fn note(&self, line: String) {
        lock(&self.log).push(line);
    }
}

impl CallMedia for RecordingMedia {
    fn prepare_for_calls(&self) {
        self.note("prepare_for_calls".into());
    }

    fn start_capture(&self, _choice: CaptureChoice) -> Result<(), MediaError> {
        self.note("start_capture".into());
        Ok(())
    }

    fn stop_capture(&self) {
        self.note("stop_capture".into());
    }

    fn start_branch(&self, branch: &str, _net: BranchNet<'_>) -> Result<(), MediaError> {
        self.note(format!("start_branch {branch}"));
        Ok(())
    }

    fn stop_branch(&self, branch: &str) -> Option<RemoteStats> {
        self.note(format!("stop_branch {branch}"));
        Some(RemoteStats::default())
    }

    fn apply_answer(&self, branch: &str, _sdp: &str) -> Result<(), MediaError> {
        self.note(format!("answer {branch}"));
        if self.refuse_answers {
            return Err(MediaError::BadSdp);
        }
        Ok(())
    }

    fn add_candidate(&self, branch: &str, mline: u32, _candidate: &str) {
        self.note(format!("candidate {branch} {mline}"));
    }

    fn request_keyframe(&self, branch: &str) {
        self.note(format!("keyframe {branch}"));
    }

    fn show_on_tv(&self, show: &TvShow) {
        self.note(format!("text {}", show.text()));
    }

    fn chime(&self) {
        self.note("chime".into());
    }

    fn choose_speaker(&self, _device: Option<String>) {}
}

impl MediaReport for RecordingMedia {
    fn tv_snapshots(&self) -> Option<TvSnapshots> {
        None
    }

    fn call_stats(&self, _branch: &str, reply: Box<dyn FnOnce(Option<CallStats>) + Send>) {
        reply(None);
    }

    fn remote_stats(&self) -> RemoteStats {
        RemoteStats::default()
    }

    fn encoder(&self) -> &'static str {
        "recording"
    }

    fn gstreamer_version(&self) -> String {
        "none".into()
    }

    fn default_sources(&self) -> (Option<String>, Option<String>) {
        (None, None)
    }

    fn element_count(&self) -> usize {
        0
    }
}
