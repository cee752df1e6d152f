//! Media: everything GStreamer. The only module that knows it.
//!
//! Owns one long-lived pipeline holding the TV output (`tv`), the capture
//! branch shared by every caller (`capture`, running only during calls), one
//! WebRTC branch per caller (`peer`) and the decoding of what callers send
//! (`remote`, measured by `analysis`), shown on the TV (`tv`) and mixed into
//! its speaker (`speaker`). The H.264 encoder is chosen once (`encoder`);
//! the picture is encoded once per codec callers chose (`encodes`, `codec`:
//! H.264, and VP8 while a caller takes it).
//! A camera or microphone that is missing or fails is replaced by a
//! placeholder inside the capture branch (`fallback`, `source_bin`), and
//! its state is readable by anyone (`health`). The microphone's echo
//! canceller (`echo`) hears what the speaker plays through its probe.
//!
//! ```text
//! capture ─ H.264 ─ tee ─┬─ peer A (webrtcbin) ─ decode ─┐
//!         ─ (VP8 ── tee ─┼─ peer B …)                     │
//!         ─ Opus ── tee ─┴─ peer B (webrtcbin) ─ decode ─┴─► tv (compositor) | fakesinks
//!    ▲ (echo)                                          └───► speaker (mixer ─ echo probe ─ sink)
//!    └─────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The rest of the box talks to it through [`MediaEngine`]'s methods and
//! hears back through [`MediaEvent`]s on a channel; GStreamer callbacks only
//! forward into that channel. Nothing here touches a socket.

mod adapt;
mod adapt_gcc;
mod adapt_run;
mod analysis;
mod camera_input;
mod capture;
mod codec;
mod echo;
mod echo_align;
mod echo_delay;
pub mod encoder;
mod encodes;
mod fallback;
mod glass_stamp;
mod h264_marker;
mod health;
mod ice_agent;
mod peer;
mod reaper;
mod remote;
mod source_bin;
mod speaker;
mod stats;
mod tv;
mod tv_layout;
mod tv_pictures;
mod tv_screen;
mod tv_self_view;

use crate::sync::lock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use gst::prelude::*;
use tokio::sync::mpsc;

pub use analysis::RemoteStats;
pub use capture::{CaptureSettings, CaptureSource};
pub use echo::{microphone_dsp, VoiceProcessing};
pub use encoder::EncoderKind;
pub use health::{CaptureHealth, Input, InputHealth};
pub use speaker::{Speaker, SpeakerOutput};
pub use stats::CallStats;
pub use tv::{Screen, TvSettings};
pub use tv_screen::{Countdown, TvShow};

use capture::Capture;
use peer::{NetSettings, Peer};
use reaper::Reaper;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer could not start: {0}")]
    Init(String),
    #[error("the GStreamer element {0} is missing (is its plugin package installed?)")]
    MissingElement(&'static str),
    #[error("GStreamer plugins are missing: {0}")]
    MissingPlugins(String),
    #[error("no H.264 encoder works; tried {0}")]
    NoEncoder(String),
    #[error("pipeline: {0}")]
    Pipeline(String),
    #[error("the caller's session description could not be read")]
    BadSdp,
    #[error("no call {0}")]
    NoSuchPeer(String),
    #[error("the camera and microphone are not running")]
    NoCapture,
}

impl From<gst::glib::BoolError> for MediaError {
    fn from(e: gst::glib::BoolError) -> Self {
        Self::Pipeline(e.to_string())
    }
}

impl From<gst::glib::Error> for MediaError {
    fn from(e: gst::glib::Error) -> Self {
        Self::Pipeline(e.to_string())
    }
}

impl From<gst::StateChangeError> for MediaError {
    fn from(_: gst::StateChangeError) -> Self {
        Self::Pipeline("a state change failed".into())
    }
}

impl From<gst::PadLinkError> for MediaError {
    fn from(e: gst::PadLinkError) -> Self {
        Self::Pipeline(format!("pads would not link: {e:?}"))
    }
}

/// Something the media engine reports about a caller's branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    Offer {
        session: String,
        sdp: String,
    },
    Candidate {
        session: String,
        mline: u32,
        candidate: String,
    },
    Connected {
        session: String,
    },
    Failed {
        session: String,
    },
    /// webrtcbin refused the caller's answer (no codec or transport in common).
    AnswerRefused {
        session: String,
    },
}

/// The sending end of the engine's event channel, usable from GStreamer threads.
///
/// Unbounded on purpose: its senders are GStreamer's streaming and signal
/// threads, which must never block (a blocked streaming thread can stall the
/// whole pipeline), and an event must never be dropped (a lost `Connected` or
/// `Failed` leaves a call hanging). What flows is bounded by what the engine
/// makes: per caller one offer, a few state changes, and the local ICE
/// candidates libnice gathers (a handful per network interface).
#[derive(Clone)]
pub(crate) struct EventSink(mpsc::UnboundedSender<MediaEvent>);

impl EventSink {
    fn send(&self, event: MediaEvent) {
        if self.0.send(event).is_err() {
            tracing::debug!("media event after the device stopped");
        }
    }
}

/// Takes pictures of what the TV shows (encoding one blocks for a moment).
#[derive(Clone)]
pub struct TvSnapshots(tv::Tv);

impl TvSnapshots {
    /// What the TV shows now, as a PNG; `None` when the box has no screen.
    pub fn png(&self) -> Option<Result<Vec<u8>, MediaError>> {
        self.0.snapshot_png()
    }
}

/// What the capture sends, where the admin chose other than the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureChoice {
    /// Width, height, frame rate and bitrate (kbit/s).
    pub quality: Option<(u32, u32, u32, u32)>,
    pub camera: Option<String>,
    pub microphone: Option<String>,
}

/// Everything the engine needs to know, decided at start-up.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    pub capture: CaptureSettings,
    pub screen: Screen,
    pub speaker: Speaker,
}

/// Elements the box cannot work without.
const REQUIRED: &[&str] = &[
    "webrtcbin",
    "nicesrc",
    "nicesink",
    "dtlssrtpenc",
    "dtlssrtpdec",
    "srtpenc",
    "srtpdec",
    "rtph264pay",
    "rtpvp8pay",
    "rtpopuspay",
    "rtph264depay",
    "rtpvp8depay",
    "vp8enc",
    "vp8dec",
    "rtpopusdepay",
    "h264parse",
    "opusenc",
    "opusdec",
    "decodebin",
    "tee",
    "queue",
    "capsfilter",
    "videoconvert",
    "videoscale",
    "videorate",
    "audioconvert",
    "audioresample",
    "videotestsrc",
    "audiotestsrc",
    "fakesink",
    "audiomixer",
    "webrtcechoprobe",
    "webrtcdsp",
];

/// Starts GStreamer and fails fast, naming every missing element.
pub fn init() -> Result<String, MediaError> {
    gst::init().map_err(|e| MediaError::Init(e.to_string()))?;
    let missing: Vec<_> = REQUIRED
        .iter()
        .copied()
        .filter(|name| gst::ElementFactory::find(name).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(MediaError::MissingPlugins(missing.join(", ")));
    }
    if ["avdec_h264", "openh264dec"]
        .iter()
        .all(|n| gst::ElementFactory::find(n).is_none())
    {
        return Err(MediaError::MissingPlugins(
            "an H.264 decoder (avdec_h264 or openh264dec)".into(),
        ));
    }
    Ok(gst::version_string().to_string())
}

/// The box's media pipeline.
pub struct MediaEngine {
    pipeline: gst::Pipeline,
    settings: MediaSettings,
    capture: Mutex<Option<Capture>>,
    /// How the camera and microphone are doing (written by the capture).
    health: CaptureHealth,
    peers: Mutex<HashMap<String, Peer>>,
    events: EventSink,
    tv: tv::Tv,
    speaker: speaker::SpeakerOutput,
    /// What the newest caller's branch has decoded (each branch has its own).
    latest_remote: Mutex<Arc<Mutex<RemoteStats>>>,
    bus_task: tokio::task::JoinHandle<()>,
    /// Tears branches down on its own thread (see `reaper`).
    reaper: Reaper,
    /// The warm-up threads, joined before the pipeline goes: a process that
    /// exits while it still loads plugins crashes in GStreamer's exit handlers.
    warming: Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// Fits the shared encode to the callers' links (see `adapt`).
    adapter: adapt_run::Adapter,
}

impl MediaEngine {
    /// Builds the pipeline (TV output only) and sets it playing. Must be
    /// called inside the tokio runtime: the bus is watched by a task.
    pub fn start(
        settings: MediaSettings,
        events: mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<Self, MediaError> {
        let (pipeline, tv, speaker) = match output_pipeline(&settings, settings.screen) {
            Ok(built) => built,
            Err(e) if settings.screen != Screen::None => {
                // No picture is bad; no calls would be worse.
                tracing::error!(error = %e, "the TV output could not start; answering calls without a picture");
                output_pipeline(&settings, Screen::None)?
            }
            Err(e) => return Err(e),
        };
        let events = EventSink(events);
        let bus = pipeline
            .bus()
            .ok_or(MediaError::Pipeline("no bus".into()))?;
        let reaper = Reaper::start()
            .map_err(|e| MediaError::Init(format!("cannot start the teardown thread: {e}")))?;
        let bus_task = tokio::spawn(watch_bus(bus, pipeline.downgrade(), events.clone()));
        let warming = Mutex::new(vec![std::thread::spawn(|| {
            warm_up(&WARM_AT_START);
            // Making the certificate and the first elements leaves a
            // megabyte or two freed but kept by glibc (mostly in this
            // thread's arena); the box now waits, so it goes back.
            crate::system::return_freed_memory();
        })]);
        let adapter = adapt_run::Adapter::start(&pipeline)
            .map_err(|e| MediaError::Init(format!("cannot start the adaptation thread: {e}")))?;
        let health = CaptureHealth::new(
            settings.capture.video.health(),
            settings.capture.audio.health(),
        );
        Ok(Self {
            pipeline,
            settings,
            capture: Mutex::new(None),
            health,
            peers: Mutex::new(HashMap::new()),
            events,
            tv,
            speaker,
            latest_remote: Mutex::new(Arc::default()),
            bus_task,
            reaper,
            warming,
            adapter,
        })
    }

    pub fn encoder(&self) -> &'static str {
        self.settings.capture.encoder.factory()
    }

    /// The GStreamer the box runs on ("GStreamer 1.22.0").
    pub fn gstreamer_version(&self) -> String {
        gst::version_string().to_string()
    }

    /// The camera and microphone used when the admin chose none (`None`: a test source).
    pub fn default_sources(&self) -> (Option<String>, Option<String>) {
        let device = |s: &CaptureSource| match s {
            CaptureSource::Device(d) => Some(d.clone()),
            CaptureSource::Test | CaptureSource::Missing => None,
        };
        (
            device(&self.settings.capture.video),
            device(&self.settings.capture.audio),
        )
    }

    /// A call may come soon (a call page is starting): loads what a call
    /// needs ([`WARM_FOR_CALLS`]) and registers the congestion controller,
    /// once per process, on threads of their own.
    pub fn prepare_for_calls(&self) {
        if LOADED_FOR_CALLS.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let mut warming = lock(&self.warming);
        // The controller on a thread of its own: registering takes 1-15 ms
        // (a loaded machine), which must put off neither the loads nor a
        // branch, whose `adapt_gcc::attach` waits for the register.
        warming.push(std::thread::spawn(adapt_gcc::register));
        warming.push(std::thread::spawn(|| warm_up(&WARM_FOR_CALLS)));
    }

    /// Starts the camera, microphone and encoder (no-op when running), as
    /// configured except where `choice` says otherwise.
    pub fn start_capture(&self, choice: CaptureChoice) -> Result<(), MediaError> {
        // Loaded as the call page started, unless no page was seen first.
        self.prepare_for_calls();
        let mut capture = lock(&self.capture);
        if capture.is_none() {
            // The last capture may still be coming down.
            self.reaper.flush();
            let mut settings = self.settings.capture.clone();
            if let Some((width, height, framerate, kbps)) = choice.quality {
                settings.width = width;
                settings.height = height;
                settings.framerate = framerate;
                settings.video_bitrate_kbps = kbps;
            }
            if let Some(camera) = choice.camera {
                settings.video = CaptureSource::Device(camera);
            }
            if let Some(microphone) = choice.microphone {
                settings.audio = CaptureSource::Device(microphone);
            }
            let started = Capture::start(
                &self.pipeline,
                &settings,
                &self.health,
                &self.speaker.probe_name(),
            )?;
            // A camera (or the test picture) shows in the TV's corner; a
            // missing camera's placeholder does not.
            if settings.video != CaptureSource::Missing {
                let camera = tv_layout::Size::new(settings.width, settings.height);
                if let Err(e) = self
                    .tv
                    .show_self(&self.pipeline, &started.raw_video_tee, camera)
                {
                    tracing::warn!(error = %e, "no self view on the TV");
                }
            }
            *capture = Some(started);
            self.adapter.reset(adapt::Limits {
                max_kbps: settings.video_bitrate_kbps,
                max_fps: settings.framerate,
            });
            tracing::info!(
                width = settings.width,
                height = settings.height,
                framerate = settings.framerate,
                kbps = settings.video_bitrate_kbps,
                "camera and microphone on"
            );
        }
        Ok(())
    }

    /// How the camera and microphone are doing, readable from any thread.
    pub fn capture_health(&self) -> CaptureHealth {
        self.health.clone()
    }

    /// Stops the camera, microphone and encoder (on the teardown thread).
    pub fn stop_capture(&self) {
        if let Some(capture) = lock(&self.capture).take() {
            self.adapter.idle();
            let self_view = self.tv.take_self_view();
            self.reaper.reap("capture", move || {
                if let Some(view) = self_view {
                    view.stop();
                }
                capture.stop();
                tracing::info!("camera and microphone off");
                // The encoders', decoders' and branches' buffers are freed
                // now, but glibc keeps them unless asked.
                crate::system::return_freed_memory();
            });
        }
    }

    /// Builds the branch for a new caller; its offer follows as an event.
    /// `relay_only`: use only candidates relayed by the TURN server.
    /// `extra_local_ips`: addresses for ICE besides those libnice finds.
    pub fn start_peer(
        &self,
        session: &str,
        turn_url: Option<&str>,
        relay_only: bool,
        extra_local_ips: &[IpAddr],
    ) -> Result<(), MediaError> {
        let started = std::time::Instant::now();
        let capture = lock(&self.capture);
        let capture = capture.as_ref().ok_or(MediaError::NoCapture)?;
        let outputs = remote::Outputs {
            stats: Arc::default(),
            tv: self.tv.clone(),
            speaker: self.speaker.clone(),
            building: remote::Building::default(),
        };
        let peer = Peer::start(
            &self.pipeline,
            session,
            &capture.audio_tee,
            &NetSettings {
                turn_url,
                relay_only,
                extra_local_ips,
            },
            &self.events,
            &outputs,
        )?;
        *lock(&self.latest_remote) = outputs.stats;
        lock(&self.peers).insert(session.to_owned(), peer);
        let ms = started.elapsed().as_millis();
        tracing::debug!(session, ms, "caller branch playing");
        Ok(())
    }

    /// Takes a caller's branch out of service and tears it down on the
    /// teardown thread; returns what it had decoded.
    pub fn stop_peer(&self, session: &str) -> Option<RemoteStats> {
        let peer = lock(&self.peers).remove(session)?;
        let decoded = peer.decoded();
        let codec = peer.video_codec();
        self.reaper.reap("caller branch", move || peer.stop());
        // After the branch has left the encode's tee (the reaper keeps order).
        let retired = codec.and_then(|c| lock(&self.capture).as_mut()?.release_video(c));
        if let Some(retired) = retired {
            self.reaper.reap("video encode", move || retired.stop());
        }
        Some(decoded)
    }

    /// How many elements the pipeline holds, counting inside bins: back at
    /// its waiting figure after every call (once teardown is done), or
    /// something was left behind.
    pub fn element_count(&self) -> usize {
        self.pipeline
            .iterate_recurse()
            .into_iter()
            .flatten()
            .count()
    }

    /// Applies a caller's answer and sends it the encode of the codec it chose.
    pub fn set_answer(&self, session: &str, sdp: &str) -> Result<(), MediaError> {
        let mut capture = lock(&self.capture);
        let mut peers = lock(&self.peers);
        let peer = peers
            .get_mut(session)
            .ok_or_else(|| MediaError::NoSuchPeer(session.to_owned()))?;
        peer.set_answer(sdp)?;
        let (Some(codec), Some(capture)) = (codec::chosen_in_answer(sdp), capture.as_mut()) else {
            tracing::warn!(session, "the caller's answer takes none of the box's video");
            return Ok(());
        };
        if peer.video_codec().is_some() {
            return Ok(());
        }
        let tee = capture.video_for(&self.pipeline, codec)?;
        if let Err(e) = peer.send_video(codec, &tee) {
            if let Some(retired) = capture.release_video(codec) {
                retired.stop();
            }
            return Err(e);
        }
        tracing::info!(
            session,
            codec = codec.name(),
            encodes = capture.video_encodes(),
            "sending video"
        );
        Ok(())
    }

    pub fn add_candidate(
        &self,
        session: &str,
        mline: u32,
        candidate: &str,
    ) -> Result<(), MediaError> {
        self.with_peer(session, |p| p.add_candidate(mline, candidate))
    }

    /// A caller's media connected: give it a keyframe at once.
    pub fn request_keyframe(&self, session: &str) -> Result<(), MediaError> {
        self.with_peer(session, Peer::request_keyframe)
    }

    /// Changes what the TV shows.
    pub fn show_on_tv(&self, show: &TvShow) {
        self.tv.show(show);
    }

    /// Plays callers' voices on this ALSA device from the next call on (`None`: as configured).
    pub fn choose_speaker(&self, device: Option<String>) {
        self.speaker.choose_speaker(device);
    }

    /// A handle that takes pictures of the TV, usable from another thread.
    pub fn tv_snapshots(&self) -> TvSnapshots {
        TvSnapshots(self.tv.clone())
    }

    /// Chimes on the TV's speaker: a call is coming.
    pub fn chime(&self) {
        self.speaker.chime();
    }

    /// Reads a call's statistics; `reply` gets them (or `None`) from another thread.
    pub fn call_stats(
        &self,
        session: &str,
        reply: impl FnOnce(Option<CallStats>) + Send + 'static,
    ) {
        match lock(&self.peers).get(session) {
            Some(peer) => peer.stats(reply),
            None => reply(None),
        }
    }

    /// What the box decoded from the current or last caller.
    pub fn remote_stats(&self) -> RemoteStats {
        let latest = lock(&self.latest_remote).clone();
        let stats = lock(&latest).clone();
        stats
    }

    fn with_peer<R>(&self, session: &str, f: impl FnOnce(&Peer) -> R) -> Result<R, MediaError> {
        lock(&self.peers)
            .get(session)
            .map(f)
            .ok_or_else(|| MediaError::NoSuchPeer(session.to_owned()))
    }
}

impl Drop for MediaEngine {
    fn drop(&mut self) {
        for warming in lock(&self.warming).drain(..) {
            let _ = warming.join();
        }
        // Every caller's branch stopped as in a call's end (no decoding
        // element added meanwhile), before the capture and the pipeline.
        let peers: Vec<Peer> = lock(&self.peers).drain().map(|(_, peer)| peer).collect();
        for peer in peers {
            self.reaper.reap("caller branch", move || peer.stop());
        }
        self.stop_capture();
        self.reaper.flush();
        self.speaker.close();
        if self.pipeline.set_state(gst::State::Null).is_err() {
            // Freed while an element still runs, it would crash the exit.
            tracing::warn!("the pipeline would not stop; it is left to the process's end");
            std::mem::forget(self.pipeline.clone());
        }
        self.bus_task.abort();
    }
}

/// The pipeline with its TV output and speaker, playing.
fn output_pipeline(
    settings: &MediaSettings,
    screen: Screen,
) -> Result<(gst::Pipeline, tv::Tv, SpeakerOutput), MediaError> {
    let pipeline = gst::Pipeline::with_name("homecall");
    let speaker = SpeakerOutput::build(&pipeline, settings.speaker.clone())?;
    let tv = tv::Tv::build(
        &pipeline,
        screen,
        TvSettings {
            width: settings.capture.width,
            height: settings.capture.height,
            framerate: settings.capture.framerate,
        },
    )?;
    if let Err(e) = pipeline.set_state(gst::State::Playing) {
        let _ = pipeline.set_state(gst::State::Null);
        return Err(e.into());
    }
    Ok((pipeline, tv, speaker))
}

/// What is made once at start-up, off any call's path: GStreamer's DTLS
/// elements share one certificate per process, made when the first one is
/// created (an RSA key: a few hundred milliseconds, more on a Pi). Only
/// that: each plugin's library loads when its first element is made, and
/// what a call needs besides is loaded when a call page starts
/// ([`WARM_FOR_CALLS`]).
const WARM_AT_START: [&str; 1] = ["dtlsdec"];

/// What a call needs, loaded when a call may come (a call page is
/// starting, or the first capture starts), not while the box waits:
/// webrtcbin with libnice (and what libnice links: UPnP, HTTP, Kerberos,
/// ICU…), the codecs, payloaders and RTP elements, 8.7 MB of the waiting
/// box's 38 MB resident (`bench/cpu`). Then gst-libav's H.264 decoder, which
/// maps libavcodec, libavfilter, libavformat and everything they link
/// (x265, librsvg, flite's voices…), 28 MB more. Once loaded a library
/// stays loaded. GStreamer loads one plugin at a time: a branch built
/// meanwhile waits for the plugin being loaded. So what a branch makes
/// comes first, in the order it makes it, and the decoder, needed only
/// once media flows (after ICE and DTLS), last. A direct link's page comes
/// a round trip or more before its hello builds the first branch; a
/// relayed one's socket, before its hello.
const WARM_FOR_CALLS: [&str; 14] = [
    "webrtcbin",
    "nicesrc",
    "nicesink",
    "rtpbin",
    "srtpenc",
    "srtpdec",
    "opusenc",
    "rtpopuspay",
    "rtph264pay",
    "rtpvp8pay",
    "h264parse",
    "opusdec",
    "decodebin",
    "avdec_h264",
];

/// Whether what a call needs was loaded (once a process).
static LOADED_FOR_CALLS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes one of each of `factories` (called on a thread of its own).
fn warm_up(factories: &[&str]) {
    let started = std::time::Instant::now();
    for factory in factories {
        let _ = gst::ElementFactory::make(factory).build();
    }
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        ?factories,
        "media warmed up"
    );
}

/// Plays a short pipeline until it ends: `Ok` at its end of stream, its
/// error, or "timed out" after five seconds (the caller sets it to NULL).
fn run_to_end(pipeline: &gst::Pipeline) -> Result<(), MediaError> {
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline
        .bus()
        .ok_or(MediaError::Pipeline("no bus".into()))?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(5),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) => Ok(()),
        Some(gst::MessageView::Error(e)) => Err(MediaError::Pipeline(e.error().to_string())),
        _ => Err(MediaError::Pipeline("timed out".into())),
    }
}

/// The static pad `name` of `element`, or why there is none.
fn pad_of(element: &gst::Element, name: &str) -> Result<gst::Pad, MediaError> {
    element
        .static_pad(name)
        .ok_or_else(|| MediaError::Pipeline(format!("{} has no {name} pad", element.name())))
}

/// Makes an element, naming it in the error when its plugin is missing.
fn make(factory: &'static str) -> Result<gst::Element, MediaError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| MediaError::MissingElement(factory))
}

/// Logs the bus, turns an error inside a caller's branch into that call's
/// failure, and gives the pipeline a new latency when an element's changed
/// (a caller's jitter buffer joining the speaker's mix).
async fn watch_bus(bus: gst::Bus, pipeline: gst::glib::WeakRef<gst::Pipeline>, events: EventSink) {
    let mut messages = bus.stream();
    while let Some(message) = messages.next().await {
        match message.view() {
            gst::MessageView::Latency(_) => {
                if let Some(pipeline) = pipeline.upgrade() {
                    if let Err(e) = pipeline.recalculate_latency() {
                        tracing::debug!(error = %e, "latency not recalculated");
                    }
                }
            }
            gst::MessageView::Error(e) => {
                let path = e
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                tracing::error!(element = %path, error = %e.error(), debug = ?e.debug(), "pipeline error");
                if let Some(session) = session_of(&path) {
                    events.send(MediaEvent::Failed { session });
                }
            }
            gst::MessageView::Warning(w) => {
                let path = w
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                tracing::warn!(element = %path, warning = %w.error(), "pipeline warning");
            }
            _ => {}
        }
    }
}

/// The session whose branch holds the element at `path` (`/homecall/peer-<id>/…`).
fn session_of(path: &str) -> Option<String> {
    path.split('/')
        .filter_map(|part| part.rsplit(':').next())
        .find_map(|name| name.strip_prefix("peer-"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_traced_to_their_call() {
        assert_eq!(
            session_of("/GstPipeline:homecall/GstBin:peer-ab12/GstWebRTCBin:webrtcbin0"),
            Some("ab12".into())
        );
        assert_eq!(
            session_of("/GstPipeline:homecall/GstX264Enc:x264enc0"),
            None
        );
    }

    #[test]
    fn this_machine_has_every_required_element() {
        init().expect("the test machine has the GStreamer plugins installed");
    }
}
