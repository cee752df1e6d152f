//! The task that owns the device state and carries out its effects.
//!
//! One bounded inbox of [`Command`]s from the callers' sockets, one channel
//! of [`MediaEvent`]s from the media engine; each becomes an [`Event`] for
//! the pure state machine, and the resulting effects are performed here, in
//! order: talking to the media engine and to each caller's outbox. The task
//! is the only owner of the state, so nothing here is locked.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};

use super::state::{transition, Call, Effect, Event, LinkRef, Phase, SessionId, State, Summary};
use crate::clock::unix_now;
use crate::config::TurnConfig;
use crate::history::{CallHistory, CallRecord};
use crate::limits::CandidateLimits;
use crate::media::{CallStats, CaptureChoice, MediaEngine, MediaEvent, RemoteStats, TvCamera};
use crate::protocol::{ClientMessage, ErrorCode, IceCandidate, ServerMessage, PROTOCOL_VERSION};
use crate::settings::{local_time_of_day, SettingsStore};
use crate::turn::TurnCredentials;

/// How long an answered call may take to get its media through (ICE, DTLS)
/// before the box gives up on it; the page starts again by itself.
const CONNECT_LIMIT: Duration = Duration::from_secs(30);

/// What the device sends down a caller's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToCaller {
    Message(ServerMessage),
    /// Close the socket (after the messages before it).
    Close,
}

/// A caller's socket, as the device sees it.
#[derive(Debug)]
pub struct CallerLink {
    pub session: SessionId,
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
    /// The link is spent (one-time, used): only `resume` may come back.
    pub resume_only: bool,
    pub link: LinkRef,
}

enum Command {
    Arrive(Arrival),
    CountdownElapsed(SessionId),
    ConnectDeadline(SessionId),
    LinkRevoked(String),
    Notice(Option<String>),
    FromCaller {
        session: SessionId,
        message: ClientMessage,
    },
    Gone {
        session: SessionId,
    },
    Status(oneshot::Sender<Status>),
    CallStats(oneshot::Sender<Option<CallStats>>),
    TvCamera(oneshot::Sender<TvCamera>),
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
}

impl DeviceHandle {
    /// Starts the actor on a thread of its own; it runs until
    /// [`DeviceHandle::shutdown`]. Its own thread, because what it does to
    /// the media pipeline may block (GStreamer state changes, file reads):
    /// the web server's threads must never wait for that, and the actor must
    /// never wait for a busy web server.
    pub fn spawn(
        settings: DeviceSettings,
        media: MediaEngine,
        media_events: mpsc::UnboundedReceiver<MediaEvent>,
    ) -> std::io::Result<Self> {
        let (inbox, commands) = mpsc::channel(256);
        let actor = Actor {
            state: State::with_limits(settings.max_participants, settings.candidates),
            settings,
            media,
            outboxes: HashMap::new(),
            calls_started: false,
            inbox: inbox.downgrade(),
            notice: None,
            tv_text: String::new(),
            started: HashMap::new(),
            spent_links: HashSet::new(),
            decoded: HashMap::new(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("device".into())
            .spawn(move || runtime.block_on(actor.run(commands, media_events)))?;
        Ok(Self {
            inbox,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        })
    }

    /// A caller with a valid link arrived.
    pub async fn arrive(&self, arrival: Arrival) {
        self.send(Command::Arrive(arrival)).await;
    }

    /// The family revoked link `id`: calls through it end.
    pub async fn link_revoked(&self, id: String) {
        self.send(Command::LinkRevoked(id)).await;
    }

    /// A line the waiting screen shows under "Waiting for a call" (the set-up code).
    pub async fn set_notice(&self, notice: Option<String>) {
        self.send(Command::Notice(notice)).await;
    }

    /// A message from an admitted caller.
    pub async fn from_caller(&self, session: SessionId, message: ClientMessage) {
        self.send(Command::FromCaller { session, message }).await;
    }

    /// The caller's socket closed.
    pub async fn gone(&self, session: SessionId) {
        self.send(Command::Gone { session }).await;
    }

    /// What the TV shows now, as a PNG: `None` when the box has no screen.
    pub async fn tv_snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::TvCamera(tx)).await;
        let camera = rx.await.ok()?;
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
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
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

struct Actor {
    state: State,
    settings: DeviceSettings,
    media: MediaEngine,
    outboxes: HashMap<SessionId, mpsc::Sender<ToCaller>>,
    calls_started: bool,
    /// The actor's own inbox, for timers it sets (weak: it must not keep itself alive).
    inbox: mpsc::WeakSender<Command>,
    notice: Option<String>,
    /// What the TV's text says now.
    tv_text: String,
    /// When each admitted call began, for the record of calls.
    started: HashMap<SessionId, (SystemTime, String)>,
    /// What each finished call's branch decoded, until the call is recorded.
    decoded: HashMap<SessionId, RemoteStats>,
    /// One-time links that made their call, known at once (the link book is
    /// written a moment later): two pages arriving together get one call.
    spent_links: HashSet<String>,
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut media_events: mpsc::UnboundedReceiver<MediaEvent>,
    ) {
        tracing::info!("waiting for a call");
        self.show_on_tv();
        loop {
            let event = tokio::select! {
                Some(command) = commands.recv() => match command {
                    Command::Arrive(arrival) => self.arrival(arrival),
                    Command::CountdownElapsed(session) => Event::CountdownElapsed { session },
                    Command::ConnectDeadline(session) => {
                        let stuck = self
                            .state
                            .calls()
                            .iter()
                            .any(|c| c.session == session && c.phase == Phase::Connecting);
                        if !stuck {
                            continue;
                        }
                        tracing::warn!(session = %session, "no media connection in time");
                        Event::MediaFailed { session }
                    }
                    Command::LinkRevoked(link_id) => Event::LinkRevoked { link_id },
                    Command::Notice(notice) => {
                        self.notice = notice;
                        self.show_on_tv();
                        continue;
                    }
                    Command::FromCaller { session, message } => match caller_event(session, message) {
                        Some(event) => event,
                        None => continue,
                    },
                    Command::Gone { session } => {
                        if self.state.calls().iter().all(|c| c.session != session) {
                            // Refused or already ended: only its outbox is left.
                            self.outboxes.remove(&session);
                            continue;
                        }
                        Event::CallerGone { session }
                    }
                    Command::Status(reply) => {
                        let _ = reply.send(self.status());
                        continue;
                    }
                    Command::TvCamera(reply) => {
                        let _ = reply.send(self.media.tv_camera());
                        continue;
                    }
                    Command::CallStats(reply) => {
                        match self.state.calls().iter().find(|c| c.phase == Phase::InCall) {
                            Some(call) => self.media.call_stats(call.session.as_str(), move |s| {
                                let _ = reply.send(s);
                            }),
                            None => {
                                let _ = reply.send(None);
                            }
                        }
                        continue;
                    }
                    Command::Shutdown(reply) => {
                        self.handle(Event::Shutdown);
                        let _ = reply.send(());
                        return;
                    }
                },
                Some(event) = media_events.recv() => media_event(event),
                else => return,
            };
            self.handle(event);
            self.show_on_tv();
        }
    }

    /// The event for a new caller, deciding how to answer from the settings and the clock.
    fn arrival(&mut self, arrival: Arrival) -> Event {
        let Arrival {
            caller,
            resume,
            resume_only,
            link,
        } = arrival;
        self.outboxes.insert(caller.session.clone(), caller.outbox);
        let resume_only = resume_only || self.spent_links.contains(&link.id);
        let answering = match self.settings.settings.load() {
            Ok(settings) => settings.auto_answer.answering(local_time_of_day()),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the settings; answering as the factory does");
                crate::settings::AutoAnswer::default().answering(local_time_of_day())
            }
        };
        Event::CallerArrived {
            session: caller.session,
            resume,
            resume_only,
            link,
            answering,
        }
    }

    /// Puts on the TV who is calling, or the waiting screen with its notice.
    fn show_on_tv(&mut self) {
        let ringing = self
            .state
            .calls()
            .iter()
            .find(|c| c.phase == Phase::Ringing)
            .map(|c| format!("{} is calling…", c.link.label));
        let text = ringing.unwrap_or_else(|| match &self.notice {
            Some(notice) => format!("Waiting for a call\n{notice}"),
            None => "Waiting for a call".to_owned(),
        });
        if text != self.tv_text {
            self.media.set_tv_text(&text);
            self.tv_text = text;
        }
    }

    /// Runs `event` and every event its effects cause, in order.
    fn handle(&mut self, event: Event) {
        let mut queue = VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            let before = self.state.summary();
            match transition(&self.state, event) {
                Ok((next, effects)) => {
                    self.state = next;
                    for effect in effects {
                        if let Some(follow_up) = self.perform(effect) {
                            queue.push_back(follow_up);
                        }
                    }
                }
                Err(illegal) => tracing::debug!(%illegal, "event ignored"),
            }
            let after = self.state.summary();
            if before != after && after == Summary::Waiting {
                tracing::info!("waiting for a call");
            }
        }
    }

    /// Carries out one effect; a failure may cause a follow-up event.
    fn perform(&mut self, effect: Effect) -> Option<Event> {
        match effect {
            Effect::Welcome { session } => {
                tracing::info!(session = %session, "call admitted");
                self.calls_started = true;
                let link = self
                    .state
                    .calls()
                    .iter()
                    .find(|c| c.session == session)
                    .map(|c| c.link.clone());
                if let Some(link) = link.as_ref().filter(|l| l.one_time) {
                    self.spent_links.insert(link.id.clone());
                }
                let label = link.map(|l| l.label).unwrap_or_default();
                self.started
                    .insert(session.clone(), (SystemTime::now(), label));
                let ice_servers = self
                    .settings
                    .turn
                    .iter()
                    .map(|t| TurnCredentials::issue(t, "caller", unix_now()).ice_server(t))
                    .collect();
                self.tell(
                    &session,
                    ServerMessage::Welcome {
                        version: PROTOCOL_VERSION,
                        session: session.to_string(),
                        ice_servers,
                    },
                );
            }
            Effect::Refuse {
                session,
                code,
                until,
            } => {
                tracing::info!(session = %session, ?code, "caller refused");
                self.tell(&session, ServerMessage::Error { code, until });
                self.close(&session);
            }
            Effect::Announce { session, seconds } => {
                tracing::info!(session = %session, seconds, "call ringing");
                self.tell(&session, ServerMessage::Ringing { seconds });
                self.media.chime();
                self.after(
                    Duration::from_secs(u64::from(seconds)),
                    Command::CountdownElapsed(session),
                );
            }
            Effect::StartCapture => {
                let choice = match self.settings.settings.load() {
                    Ok(s) => {
                        self.media.choose_speaker(s.devices.speaker.clone());
                        CaptureChoice {
                            quality: s
                                .quality
                                .map(|q| (q.width, q.height, q.framerate, q.max_bitrate_kbps)),
                            camera: s.devices.camera,
                            microphone: s.devices.microphone,
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the settings; capturing as configured");
                        CaptureChoice::default()
                    }
                };
                if let Err(e) = self.media.start_capture(choice) {
                    tracing::error!(error = %e, "cannot start the camera and microphone");
                }
            }
            Effect::StopCapture => self.media.stop_capture(),
            Effect::StartPeer { session } => {
                let turn_url = self
                    .settings
                    .turn
                    .as_ref()
                    .map(|t| TurnCredentials::issue(t, "box", unix_now()).webrtcbin_url(t));
                // `[turn] relay_only`: the box's side uses relayed candidates only.
                let relay_only = self.settings.turn.as_ref().is_some_and(|t| t.relay_only);
                self.after(CONNECT_LIMIT, Command::ConnectDeadline(session.clone()));
                let extra_ips = self.ice_addresses();
                if let Err(e) = self.media.start_peer(
                    session.as_str(),
                    turn_url.as_deref(),
                    relay_only,
                    &extra_ips,
                ) {
                    tracing::error!(session = %session, error = %e, "cannot start the call's media");
                    self.refuse(&session, ErrorCode::Unavailable);
                    return Some(Event::MediaFailed { session });
                }
            }
            Effect::StopPeer { session } => {
                if let Some(decoded) = self.media.stop_peer(session.as_str()) {
                    self.decoded.insert(session, decoded);
                }
            }
            Effect::SendOffer { session, sdp } => {
                tracing::debug!(session = %session, "offer sent");
                self.tell(&session, ServerMessage::Offer { sdp });
            }
            Effect::SendCandidate { session, candidate } => {
                self.tell(&session, ServerMessage::Ice(candidate));
            }
            Effect::ApplyAnswer { session, sdp } => {
                if let Err(e) = self.media.set_answer(session.as_str(), &sdp) {
                    tracing::warn!(session = %session, error = %e, "caller's answer refused");
                    self.refuse(&session, ErrorCode::BadMessage);
                    return Some(Event::MediaFailed { session });
                }
            }
            Effect::ApplyCandidate { session, candidate } => {
                let _ = self.media.add_candidate(
                    session.as_str(),
                    candidate.sdp_m_line_index,
                    &candidate.candidate,
                );
            }
            Effect::RequestKeyframe { session } => {
                tracing::info!(session = %session, "in call");
                let _ = self.media.peer_connected(session.as_str());
            }
            Effect::End { session, reason } => {
                tracing::info!(session = %session, ?reason, "call ended");
                self.tell(&session, ServerMessage::Ended { reason });
                self.close(&session);
                self.record(&session, &format!("{reason:?}"));
            }
            Effect::Forget { session } => {
                tracing::info!(session = %session, "call ended by the caller");
                self.close(&session);
                self.record(&session, "HungUp");
            }
            Effect::Expel { session, code, why } => {
                tracing::warn!(session = %session, why, "caller expelled: it sent what no page sends");
                self.refuse(&session, code);
                self.record(&session, "Expelled");
            }
        }
        None
    }

    /// Queues `message` for the caller. A caller whose queue is full is not
    /// reading (a dead or hostile page): its outbox is dropped, so its socket
    /// closes and the call ends when its `Gone` comes back.
    fn tell(&mut self, session: &SessionId, message: ServerMessage) {
        let Some(outbox) = self.outboxes.get(session) else {
            return;
        };
        match outbox.try_send(ToCaller::Message(message)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(session = %session, "caller not reading its messages: closing its socket");
                self.outboxes.remove(session);
            }
            // The socket is closing already; its Gone follows.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Sends the actor `command` after `delay` (unless it has stopped).
    fn after(&self, delay: Duration, command: Command) {
        let inbox = self.inbox.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(inbox) = inbox.upgrade() {
                let _ = inbox.send(command).await;
            }
        });
    }

    /// The addresses ICE needs besides those libnice finds, for a call now.
    fn ice_addresses(&self) -> Vec<IpAddr> {
        if !self.settings.ice_local_addresses.is_empty() {
            self.settings.ice_local_addresses.clone()
        } else if crate::hw::loopback_only() {
            tracing::info!("only loopback is up: this call is answered on 127.0.0.1");
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
        } else {
            Vec::new()
        }
    }

    /// Writes a finished call to the record (off the actor's thread).
    fn record(&mut self, session: &SessionId, ended: &str) {
        let remote = self.decoded.remove(session).unwrap_or_default();
        let Some((started, label)) = self.started.remove(session) else {
            return;
        };
        let mut ended = ended.to_owned();
        if let Some(first) = ended.get_mut(..1) {
            first.make_ascii_lowercase();
        }
        let record = CallRecord {
            started: started
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            duration_secs: started.elapsed().map_or(0, |d| d.as_secs()),
            label,
            ended,
            video_frames: remote.video_frames,
            width: remote.width,
            height: remote.height,
            audio_buffers: remote.audio_buffers,
        };
        let history = self.settings.history.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = history.add(record) {
                tracing::warn!(error = %e, "cannot record the call");
            }
        });
    }

    /// Tells the caller why it is refused and closes its socket.
    fn refuse(&mut self, session: &SessionId, code: ErrorCode) {
        self.tell(session, ServerMessage::Error { code, until: None });
        self.close(session);
    }

    fn close(&mut self, session: &SessionId) {
        if let Some(outbox) = self.outboxes.remove(session) {
            let _ = outbox.try_send(ToCaller::Close);
        }
    }

    fn status(&self) -> Status {
        Status {
            summary: self.state.summary(),
            calls: self.state.calls().to_vec(),
            remote: self.calls_started.then(|| self.media.remote_stats()),
            encoder: self.media.encoder(),
            gstreamer: self.media.gstreamer_version(),
            default_camera: self.media.default_sources().0,
            default_microphone: self.media.default_sources().1,
            pipeline_elements: self.media.element_count(),
        }
    }
}

/// The state-machine event for a message from an admitted caller.
fn caller_event(session: SessionId, message: ClientMessage) -> Option<Event> {
    Some(match message {
        ClientMessage::Answer { sdp } => Event::AnswerReceived { session, sdp },
        ClientMessage::Ice(candidate) => Event::RemoteCandidate { session, candidate },
        ClientMessage::HangUp => Event::CallerHungUp { session },
        ClientMessage::Hello { .. } => {
            tracing::debug!(session = %session, "second hello ignored");
            return None;
        }
    })
}

fn media_event(event: MediaEvent) -> Event {
    match event {
        MediaEvent::Offer { session, sdp } => Event::OfferReady {
            session: SessionId::new(session),
            sdp,
        },
        MediaEvent::Candidate {
            session,
            mline,
            candidate,
        } => Event::LocalCandidate {
            session: SessionId::new(session),
            candidate: IceCandidate {
                candidate,
                sdp_m_line_index: mline,
            },
        },
        MediaEvent::Connected { session } => Event::MediaConnected {
            session: SessionId::new(session),
        },
        MediaEvent::Failed { session } => Event::MediaFailed {
            session: SessionId::new(session),
        },
    }
}
