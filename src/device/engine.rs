//! The seam between the device actor and the media engine.
//!
//! The actor drives media only through [`CallMedia`] — what calls do to the
//! pipeline: capture on and off, a call's media branch built and torn down,
//! an answer and candidates applied, the TV's text and chime — and reads it
//! through [`MediaReport`] for the status. `media::MediaEngine` is the real
//! implementation, used by the binary and by every end-to-end test; the
//! actor's own tests use a recording one (`device::recording`).

use std::net::IpAddr;

use crate::media::{
    CallStats, CaptureChoice, MediaEngine, MediaError, RemoteStats, TvShow, TvSnapshots,
};

/// How a call's media branch reaches the caller.
#[derive(Debug, Clone, Copy)]
pub struct BranchNet<'a> {
    /// webrtcbin's `turn-server` URL, if the family has a coturn.
    pub turn_url: Option<&'a str>,
    /// Relayed candidates only.
    pub relay_only: bool,
    /// Addresses for ICE besides those libnice finds.
    pub extra_local_ips: &'a [IpAddr],
}

/// What a call does to the media pipeline. Branches are named by the actor
/// (one name per media try), never by a session.
pub trait CallMedia: Send + 'static {
    /// A call may come soon (a relative opened a link): load what it needs.
    fn prepare_for_calls(&self);
    fn start_capture(&self, choice: CaptureChoice) -> Result<(), MediaError>;
    fn stop_capture(&self);
    /// Builds `branch`; its offer, candidates and state come back as `MediaEvent`s.
    fn start_branch(&self, branch: &str, net: BranchNet<'_>) -> Result<(), MediaError>;
    /// Tears `branch` down; returns what it had decoded.
    fn stop_branch(&self, branch: &str) -> Option<RemoteStats>;
    fn apply_answer(&self, branch: &str, sdp: &str) -> Result<(), MediaError>;
    fn add_candidate(&self, branch: &str, mline: u32, candidate: &str);
    /// The branch just connected: the shared encoder sends a keyframe.
    fn request_keyframe(&self, branch: &str);
    /// What the TV shows: words, clock, countdown.
    fn show_on_tv(&self, show: &TvShow);
    fn chime(&self);
    fn choose_speaker(&self, device: Option<String>);
}

/// What the status reads of the media engine.
pub trait MediaReport {
    /// Pictures of the TV; `None` without a screen.
    fn tv_snapshots(&self) -> Option<TvSnapshots>;
    fn call_stats(&self, branch: &str, reply: Box<dyn FnOnce(Option<CallStats>) + Send>);
    fn remote_stats(&self) -> RemoteStats;
    fn encoder(&self) -> &'static str;
    fn gstreamer_version(&self) -> String;
    /// The camera and microphone used unless the admin chose others.
    fn default_sources(&self) -> (Option<String>, Option<String>);
    fn element_count(&self) -> usize;
}

impl CallMedia for MediaEngine {
    fn prepare_for_calls(&self) {
        MediaEngine::prepare_for_calls(self);
    }

    fn start_capture(&self, choice: CaptureChoice) -> Result<(), MediaError> {
        MediaEngine::start_capture(self, choice)
    }

    fn stop_capture(&self) {
        MediaEngine::stop_capture(self);
    }

    fn start_branch(&self, branch: &str, net: BranchNet<'_>) -> Result<(), MediaError> {
        self.start_peer(branch, net.turn_url, net.relay_only, net.extra_local_ips)
    }

    fn stop_branch(&self, branch: &str) -> Option<RemoteStats> {
        self.stop_peer(branch)
    }

    fn apply_answer(&self, branch: &str, sdp: &str) -> Result<(), MediaError> {
        self.set_answer(branch, sdp)
    }

    fn add_candidate(&self, branch: &str, mline: u32, candidate: &str) {
        if let Err(e) = MediaEngine::add_candidate(self, branch, mline, candidate) {
            tracing::debug!(branch, error = %e, "candidate not applied");
        }
    }

    fn request_keyframe(&self, branch: &str) {
        if let Err(e) = MediaEngine::request_keyframe(self, branch) {
            tracing::debug!(branch, error = %e, "no keyframe asked");
        }
    }

    fn show_on_tv(&self, show: &TvShow) {
        MediaEngine::show_on_tv(self, show);
    }

    fn chime(&self) {
        MediaEngine::chime(self);
    }

    fn choose_speaker(&self, device: Option<String>) {
        MediaEngine::choose_speaker(self, device);
    }
}

impl MediaReport for MediaEngine {
    fn tv_snapshots(&self) -> Option<TvSnapshots> {
        Some(MediaEngine::tv_snapshots(self))
    }

    fn call_stats(&self, branch: &str, reply: Box<dyn FnOnce(Option<CallStats>) + Send>) {
        MediaEngine::call_stats(self, branch, reply);
    }

    fn remote_stats(&self) -> RemoteStats {
        MediaEngine::remote_stats(self)
    }

    fn encoder(&self) -> &'static str {
        MediaEngine::encoder(self)
    }

    fn gstreamer_version(&self) -> String {
        MediaEngine::gstreamer_version(self)
    }

    fn default_sources(&self) -> (Option<String>, Option<String>) {
        MediaEngine::default_sources(self)
    }

    fn element_count(&self) -> usize {
        MediaEngine::element_count(self)
    }
}
