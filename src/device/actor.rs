//! The task that owns the device state and carries out its effects.
//!
//! One bounded inbox of [`Command`]s from the callers' sockets, one channel
//! of [`MediaEvent`]s from the media engine; each becomes an [`Event`] for
//! the pure state machine, and the resulting effects are performed here, in
//! order: talking to the media engine and to each caller's outbox. The task
//! is the only owner of the state, so nothing here is locked.

use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};

use super::state::{transition, Effect, Event, Phase, SessionId, State, Summary};
use crate::config::TurnConfig;
use crate::media::{MediaEngine, MediaEvent, RemoteStats};
use crate::protocol::{ClientMessage, ErrorCode, IceCandidate, ServerMessage, PROTOCOL_VERSION};
use crate::turn::TurnCredentials;

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
    pub calls: Vec<(SessionId, Phase)>,
    /// What was decoded from the current or last caller; `None` before the first call.
    pub remote: Option<RemoteStats>,
    pub encoder: &'static str,
}

enum Command {
    Arrive {
        caller: CallerLink,
        resume: Option<SessionId>,
    },
    FromCaller {
        session: SessionId,
        message: ClientMessage,
    },
    Gone {
        session: SessionId,
    },
    Status(oneshot::Sender<Status>),
    Shutdown(oneshot::Sender<()>),
}

/// The handle the web server holds; cheap to clone.
#[derive(Clone)]
pub struct DeviceHandle {
    inbox: mpsc::Sender<Command>,
}

/// Settings the actor needs beyond the media engine.
#[derive(Debug, Clone)]
pub struct DeviceSettings {
    pub max_participants: usize,
    pub turn: Option<TurnConfig>,
}

impl DeviceHandle {
    /// Starts the actor task; it runs until [`DeviceHandle::shutdown`].
    pub fn spawn(
        settings: DeviceSettings,
        media: MediaEngine,
        media_events: mpsc::Receiver<MediaEvent>,
    ) -> Self {
        let (inbox, commands) = mpsc::channel(256);
        let actor = Actor {
            state: State::waiting(settings.max_participants),
            settings,
            media,
            outboxes: HashMap::new(),
            calls_started: false,
        };
        tokio::spawn(actor.run(commands, media_events));
        Self { inbox }
    }

    /// A caller with a valid link arrived.
    pub async fn arrive(&self, caller: CallerLink, resume: Option<SessionId>) {
        self.send(Command::Arrive { caller, resume }).await;
    }

    /// A message from an admitted caller.
    pub async fn from_caller(&self, session: SessionId, message: ClientMessage) {
        self.send(Command::FromCaller { session, message }).await;
    }

    /// The caller's socket closed.
    pub async fn gone(&self, session: SessionId) {
        self.send(Command::Gone { session }).await;
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
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut media_events: mpsc::Receiver<MediaEvent>,
    ) {
        tracing::info!("waiting for a call");
        loop {
            let event = tokio::select! {
                Some(command) = commands.recv() => match command {
                    Command::Arrive { caller, resume } => {
                        self.outboxes.insert(caller.session.clone(), caller.outbox);
                        Event::CallerArrived { session: caller.session, resume }
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
                tracing::info!(session = %session, "call connecting");
                self.calls_started = true;
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
            Effect::Refuse { session, code } => {
                tracing::info!(session = %session, ?code, "caller refused");
                self.tell(&session, ServerMessage::Error { code });
                self.close(&session);
            }
            Effect::StartCapture => {
                if let Err(e) = self.media.start_capture() {
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
                if let Err(e) = self.media.start_peer(session.as_str(), turn_url.as_deref()) {
                    tracing::error!(session = %session, error = %e, "cannot start the call's media");
                    self.tell(
                        &session,
                        ServerMessage::Error {
                            code: ErrorCode::Unavailable,
                        },
                    );
                    self.close(&session);
                    return Some(Event::MediaFailed { session });
                }
            }
            Effect::StopPeer { session } => self.media.stop_peer(session.as_str()),
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
                    self.tell(
                        &session,
                        ServerMessage::Error {
                            code: ErrorCode::BadMessage,
                        },
                    );
                    self.close(&session);
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
            }
            Effect::Forget { session } => {
                tracing::info!(session = %session, "call ended by the caller");
                self.close(&session);
            }
        }
        None
    }

    fn tell(&self, session: &SessionId, message: ServerMessage) {
        if let Some(outbox) = self.outboxes.get(session) {
            // A full or closed outbox means the socket is gone; its Gone follows.
            let _ = outbox.try_send(ToCaller::Message(message));
        }
    }

    fn close(&mut self, session: &SessionId) {
        if let Some(outbox) = self.outboxes.remove(session) {
            let _ = outbox.try_send(ToCaller::Close);
        }
    }

    fn status(&self) -> Status {
        Status {
            summary: self.state.summary(),
            calls: self
                .state
                .calls()
                .iter()
                .map(|c| (c.session.clone(), c.phase))
                .collect(),
            remote: self.calls_started.then(|| self.media.remote_stats()),
            encoder: self.media.encoder(),
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

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
