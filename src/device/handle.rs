//! The device as the web server holds it: a handle to the actor's inbox.
//!
//! Owns the messages the web server sends the device (`Command`), the
//! types they carry (a caller's arrival and socket, the status), the
//! device's settings, and the handle itself, cheap to clone, whose calls
//! never wait on the media pipeline (the actor runs on its own thread:
//! `actor`).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::engine::{CallMedia, MediaReport};
use super::state::{Call, Event, LinkRef, SessionId, Summary};
use crate::config::{TurnConfig, TvLanguage};
use crate::history::CallHistory;
use crate::limits::CandidateLimits;
use crate::media::{CallStats, MediaEvent, RemoteStats, TvSnapshots};
use crate::protocol::{ClientMessage, ServerMessage};
use crate::settings::SettingsStore;
use crate::sync::lock;

/// What the device sends down a caller's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToCaller {
    Message(ServerMessage),
    /// The call is really made (the person pressed Call): the web server
    /// counts it on its link. Nothing goes to the page.
    Placed,
    /// Close the socket (after the messages before it).
    Close,
}

/// A caller's socket, as the device sees it.
#[derive(Debug)]
pub struct CallerLink {
    /// The socket's own id (random): a new call takes it as its session.
    pub socket: SessionId,
    pub outbox: mpsc::Sender<ToCaller>,
}

/// The device as the admin and the tests see it.
#[derive(Debug, Clone)]
pub struct Status {
    pub summary: Summary,
    pub calls: Vec<Call>,
    /// What was decoded from the current or last caller; `None` before the first call.
    pub remote: Option<RemoteStats>,
    pub encoder: &'static str,
    pub gstreamer: String,
    /// The camera and microphone used unless the admin chose others (`None`: test source).
    pub default_camera: Option<String>,
    pub default_microphone: Option<String>,
    /// Elements in the media pipeline (the same after every call).
    pub pipeline_elements: usize,
}

/// A caller the web server admitted by its link.
#[derive(Debug)]
pub struct Arrival {
    pub caller: CallerLink,
    /// The call this page had before a reload or a network loss.
    pub resume: Option<SessionId>,
    /// The page's media connection to `resume` still works.
    pub keeps_media: bool,
    /// The person has pressed Call (see `ClientMessage::Hello::ready`).
    pub ready: bool,
    /// The link is spent (one-time, used): only `resume` may come back.
    pub resume_only: bool,
    pub link: LinkRef,
}

pub(super) enum Command {
    /// A call page is starting: its call may come.
    PageOpened,
    Arrive(Arrival),
    /// A timer the actor set went off.
    Timer(Event),
    LinkRevoked(String),
    SetupCode(Option<String>),
    /// The relay tunnel: `None` unpaired, else whether it is up.
    RelayTunnel(Option<bool>),
    /// The admin saved the settings (the TV's language may have changed).
    SettingsChanged,
    FromCaller {
        socket: SessionId,
        message: ClientMessage,
    },
    Gone {
        socket: SessionId,
    },
    Misbehaved {
        socket: SessionId,
        why: &'static str,
    },
    Status(oneshot::Sender<Status>),
    CallStats(oneshot::Sender<Option<CallStats>>),
    TvSnapshots(oneshot::Sender<Option<TvSnapshots>>),
    Shutdown(oneshot::Sender<()>),
}

/// The handle the web server holds; cheap to clone.
#[derive(Clone)]
pub struct DeviceHandle {
    inbox: mpsc::Sender<Command>,
    /// The actor's thread, joined by [`DeviceHandle::stopped`].
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

/// Settings the actor needs beyond the media engine.
#[derive(Debug, Clone)]
pub struct DeviceSettings {
    pub max_participants: usize,
    pub turn: Option<TurnConfig>,
    /// Where finished calls are recorded.
    pub history: CallHistory,
    /// Addresses ICE must use besides those it finds; empty: found per call,
    /// plus 127.0.0.1 when only loopback is up (checked at each call, so a
    /// box that booted before its network came up still answers).
    pub ice_local_addresses: Vec<IpAddr>,
    /// How to answer (read at each arrival, so the admin's changes apply at once).
    pub settings: SettingsStore,
    /// What a caller may send of ICE candidates.
    pub candidates: CandidateLimits,
    /// How long a caller's place is held while its socket is gone.
    pub reconnect_grace: Duration,
    /// How long the camera runs ahead for a page still asking ([`super::PRESS_WAIT`]).
    pub press_wait: Duration,
    /// How long after that a page may still take its call up, unannounced.
    pub resume_window_secs: u64,
    /// How long a media try may take to connect (ICE, DTLS) before the box
    /// builds another (or, after the last, gives the call up).
    pub connect_limit: Duration,
    /// Where the calls of a moment ago are kept (`None`: in memory).
    pub state_dir: Option<PathBuf>,
    /// Whom callers call ("Grandma"), shown on their page; `None`: unnamed.
    pub box_name: Option<String>,
    /// The language of what the TV says (the configured one; the admin's
    /// choice in the settings wins).
    pub tv_language: TvLanguage,
}

impl DeviceHandle {
    /// Starts the actor on a thread of its own; it runs until
    /// [`DeviceHandle::shutdown`]. Its own thread, because what it does to
    /// the media pipeline may block (GStreamer state changes, file reads):
    /// the web server's threads must never wait for that, and the actor must
    /// never wait for a busy web server.
    pub fn spawn<M: CallMedia + MediaReport>(
        settings: DeviceSettings,
        media: M,
        media_events: mpsc::UnboundedReceiver<MediaEvent>,
    ) -> std::io::Result<Self> {
        let (inbox, commands) = mpsc::channel(256);
        let thread =
            super::actor::start(settings, media, inbox.downgrade(), commands, media_events)?;
        Ok(Self {
            inbox,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        })
    }

    /// A call page is starting (a valid link's page was fetched, or a page
    /// opened its socket): what a call needs is loaded while the page
    /// loads. Never waits: with the actor's inbox full, the first capture
    /// loads it instead.
    pub fn page_opened(&self) {
        let _ = self.inbox.try_send(Command::PageOpened);
    }

    /// A caller with a valid link arrived.
    pub async fn arrive(&self, arrival: Arrival) {
        self.send(Command::Arrive(arrival)).await;
    }

    /// The family revoked link `id`: calls through it end.
    pub async fn link_revoked(&self, id: String) {
        self.send(Command::LinkRevoked(id)).await;
    }

    /// The admin's first set-up code, shown on the waiting screen (`None`: a password is set).
    pub async fn set_setup_code(&self, code: Option<String>) {
        self.send(Command::SetupCode(code)).await;
    }

    /// The relay tunnel's state, for the waiting screen: `None` when the box
    /// is not paired, else whether the tunnel is up.
    pub async fn relay_tunnel(&self, up: Option<bool>) {
        self.send(Command::RelayTunnel(up)).await;
    }

    /// The admin saved the settings: what the TV says follows at once.
    pub async fn settings_changed(&self) {
        self.send(Command::SettingsChanged).await;
    }

    /// A message from an admitted caller's socket.
    pub async fn from_caller(&self, socket: SessionId, message: ClientMessage) {
        self.send(Command::FromCaller { socket, message }).await;
    }

    /// A caller's socket closed.
    pub async fn gone(&self, socket: SessionId) {
        self.send(Command::Gone { socket }).await;
    }

    /// The web server closes a caller's socket for sending what no page
    /// sends (`why`): its call ends rather than waiting for it.
    pub async fn misbehaved(&self, socket: SessionId, why: &'static str) {
        self.send(Command::Misbehaved { socket, why }).await;
    }

    /// What the TV shows now, as a PNG: `None` when the box has no screen.
    pub async fn tv_snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::TvSnapshots(tx)).await;
        let camera = rx.await.ok()??;
        tokio::task::spawn_blocking(move || camera.png().map(|r| r.map_err(|e| e.to_string())))
            .await
            .ok()
            .flatten()
    }

    /// How the call in progress is going (the first one, with several).
    pub async fn call_stats(&self) -> Option<CallStats> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::CallStats(tx)).await;
        rx.await.ok().flatten()
    }

    pub async fn status(&self) -> Option<Status> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Status(tx)).await;
        rx.await.ok()
    }

    /// Ends every call (telling each caller) and stops the actor.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Shutdown(tx)).await;
        let _ = rx.await;
    }

    /// Waits (at most `limit`) until the actor's thread has ended, and with it
    /// the media engine (its pipeline stopped): the process must not exit
    /// while GStreamer is still tearing down.
    pub async fn stopped(&self, limit: Duration) {
        let thread = lock(&self.thread).take();
        let Some(thread) = thread else { return };
        let joined = tokio::task::spawn_blocking(move || thread.join());
        if tokio::time::timeout(limit, joined).await.is_err() {
            tracing::warn!("the media engine did not stop in time");
        }
    }

    async fn send(&self, command: Command) {
        if self.inbox.send(command).await.is_err() {
            tracing::debug!("device already stopped");
        }
    }
}
