//! The task that owns the device state and carries out its effects.
//!
//! One bounded inbox of [`Command`]s from the callers' sockets, one channel
//! of [`MediaEvent`]s from the media engine; each becomes an [`Event`] for
//! the pure state machine, and the resulting effects are performed here, in
//! order: talking to the media engine and to each caller's outbox. The task
//! is the only owner of the state, so nothing here is locked.
//!
//! Sockets and calls are told apart: a call outlives the socket that started
//! it, and a page coming back joins its call on a new socket. The actor
//! knows which socket speaks for which call (an old socket's last words are
//! ignored), queues what a call has to say while its caller is away, and
//! names each media try's branch so that a torn-down try's late events are
//! dropped.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::branches::Branches;
use super::caller_event::caller_event;
use super::callers::{Callers, Delivery};
use super::engine::{BranchNet, CallMedia, MediaReport};
use super::handle::{Arrival, Command, DeviceSettings, Status, ToCaller};
use super::recent::RecentCalls;
use super::roster::Roster;
use super::state::{transition, Answering, Effect, Event, Phase, SessionId, State, Summary};
use super::tv_words::{tv_show, Reach, Waiting};
use crate::clock::unix_now;
pub use crate::config::TvLanguage;
use crate::history::CallRecord;
use crate::media::{CaptureChoice, MediaError, MediaEvent, RemoteStats, TvShow};
use crate::protocol::{
    ClientMessage, EndReason, IceCandidate, PeerSignal, ServerMessage, PROTOCOL_VERSION,
};
use crate::settings::local_time_of_day;
use crate::turn::TurnCredentials;

/// How often the waiting screen checks that the box has a network.
const NETWORK_CHECK_EVERY: Duration = Duration::from_secs(30);

/// How long the box holds the call of a page that said it was leaving (a
/// closed tab never comes back; a reload does, within a second or two).
const LEAVING_GRACE: Duration = Duration::from_secs(10);
/// How long the camera runs ahead for a page whose person has not pressed
/// Call ([`DeviceSettings::press_wait`]): most press within seconds; a page
/// left open stops holding the camera.
pub const PRESS_WAIT: Duration = Duration::from_secs(60);
/// Messages queued for an away caller; a caller that comes back to more has
/// its media rebuilt anyway.
pub(super) const PENDING_LIMIT: usize = 256;

/// Starts the actor on its own thread (see [`DeviceHandle::spawn`]), with
/// `inbox` the weak end of its commands' channel for the timers it sets.
pub(super) fn start<M: CallMedia + MediaReport>(
    settings: DeviceSettings,
    media: M,
    inbox: mpsc::WeakSender<Command>,
    commands: mpsc::Receiver<Command>,
    media_events: mpsc::UnboundedReceiver<MediaEvent>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let recent = match &settings.state_dir {
        Some(dir) => RecentCalls::open(dir, settings.resume_window_secs, unix_now()),
        None => RecentCalls::in_memory(settings.resume_window_secs),
    };
    let actor = Actor {
        state: State::with_limits(settings.max_participants, settings.candidates),
        settings,
        media,
        callers: Callers::default(),
        branches: Branches::default(),
        roster: Roster::default(),
        recent,
        calls_started: false,
        inbox,
        setup_code: None,
        relay_tunnel: None,
        network_up: true,
        tv_show: TvShow::default(),
        started: HashMap::new(),
        spent_links: HashSet::new(),
        decoded: HashMap::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("device".into())
        .spawn(move || runtime.block_on(actor.run(commands, media_events)))
}

struct Actor<M> {
    state: State,
    settings: DeviceSettings,
    media: M,
    callers: Callers,
    branches: Branches,
    /// Who is in a group call, as its browsers see each other.
    roster: Roster,
    /// Calls of a moment ago whose pages may come back unannounced.
    recent: RecentCalls,
    calls_started: bool,
    /// The actor's own inbox, for timers it sets (weak: it must not keep itself alive).
    inbox: mpsc::WeakSender<Command>,
    /// The admin's first set-up code, shown while waiting until a password is set.
    setup_code: Option<String>,
    /// The relay tunnel: `None` unpaired, else whether it is up.
    relay_tunnel: Option<bool>,
    /// An interface besides loopback has an address (checked every half minute).
    network_up: bool,
    /// What the TV shows now.
    tv_show: TvShow,
    /// When each admitted call began (unix seconds, and a monotonic instant
    /// for its length), and its label, for the record of calls.
    started: HashMap<SessionId, (u64, Instant, String)>,
    /// What each finished call's branch decoded, until the call is recorded.
    decoded: HashMap<SessionId, RemoteStats>,
    /// One-time links that made their call, known at once (the link book is
    /// written a moment later): two pages arriving together get one call.
    spent_links: HashSet<String>,
}

impl<M: CallMedia + MediaReport> Actor<M> {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut media_events: mpsc::UnboundedReceiver<MediaEvent>,
    ) {
        tracing::info!("waiting for a call");
        self.read_tv_language();
        let mut network_check = tokio::time::interval(NETWORK_CHECK_EVERY);
        network_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let event = tokio::select! {
                _ = network_check.tick() => {
                    self.network_up = !crate::hw::loopback_only();
                    self.show_on_tv();
                    continue;
                }
                Some(command) = commands.recv() => match command {
                    Command::Arrive(arrival) => self.arrival(arrival),
                    Command::Timer(event) => event,
                    Command::LinkRevoked(link_id) => Event::LinkRevoked { link_id },
                    Command::SetupCode(code) => {
                        self.setup_code = code;
                        self.show_on_tv();
                        continue;
                    }
                    Command::RelayTunnel(up) => {
                        self.relay_tunnel = up;
                        self.show_on_tv();
                        continue;
                    }
                    Command::PageOpened => {
                        self.media.prepare_for_calls();
                        continue;
                    }
                    Command::SettingsChanged => {
                        self.read_tv_language();
                        self.show_on_tv();
                        continue;
                    }
                    Command::FromCaller { socket, message } => {
                        let Some(session) = self.callers.call_of(&socket).cloned() else {
                            tracing::debug!(socket = %socket, "message from a socket that no longer speaks for a call");
                            continue;
                        };
                        if let ClientMessage::ToPeer { to, signal } = message {
                            self.pass_on(&session, &to, signal);
                            continue;
                        }
                        match caller_event(session, message) {
                            Some(event) => event,
                            None => continue,
                        }
                    }
                    Command::Misbehaved { socket, why } => match self.callers.call_of(&socket) {
                        Some(session) => Event::CallerMisbehaved { session: session.clone(), why },
                        None => continue,
                    },
                    Command::Gone { socket } => match self.callers.closed(&socket) {
                        Some(session) => Event::CallerGone { session },
                        // Refused, replaced or its call ended: nothing more to do.
                        None => continue,
                    },
                    Command::Status(reply) => {
                        let _ = reply.send(self.status());
                        continue;
                    }
                    Command::TvSnapshots(reply) => {
                        let _ = reply.send(self.media.tv_snapshots());
                        continue;
                    }
                    Command::CallStats(reply) => {
                        let branch = self
                            .state
                            .calls()
                            .iter()
                            .find(|c| c.phase == Phase::InCall)
                            .and_then(|c| self.branches.name(&c.session));
                        match branch {
                            Some(branch) => self.media.call_stats(
                                branch,
                                Box::new(move |s| {
                                    let _ = reply.send(s);
                                }),
                            ),
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
                Some(event) = media_events.recv() => match self.media_event(event) {
                    Some(event) => event,
                    None => continue,
                },
                else => return,
            };
            self.handle(event);
            self.share_roster();
            self.show_on_tv();
        }
    }

    /// Tells each browser in a call who else is in it, when that changed
    /// (only where a group call can happen: a limit above 2).
    fn share_roster(&mut self) {
        if self.settings.max_participants <= 2 {
            return;
        }
        let members: Vec<(SessionId, String)> = self
            .state
            .calls()
            .iter()
            .filter(|c| matches!(c.phase, Phase::Connecting | Phase::InCall))
            .map(|c| (c.session.clone(), c.link.label.clone()))
            .collect();
        for (session, message) in self.roster.changes(&members) {
            self.tell(&session, message);
        }
    }

    /// Passes a group call's signalling from `from` to the browser `to`
    /// names, unread; only between browsers both in the call.
    fn pass_on(&mut self, from: &SessionId, to: &str, signal: PeerSignal) {
        let in_call = |s: &SessionId| {
            self.state
                .call(s)
                .is_some_and(|c| matches!(c.phase, Phase::Connecting | Phase::InCall))
        };
        let (Some(target), Some(sender)) = (
            self.roster.session_of(to).cloned(),
            self.roster.id(from).map(str::to_owned),
        ) else {
            tracing::debug!(session = %from, "signalling for a browser not in the call");
            return;
        };
        if in_call(from) && in_call(&target) && &target != from {
            self.tell(
                &target,
                ServerMessage::FromPeer {
                    from: sender,
                    signal,
                },
            );
        }
    }

    /// The event for a new caller, deciding how to answer from the settings and the clock.
    fn arrival(&mut self, arrival: Arrival) -> Event {
        let Arrival {
            caller,
            resume,
            keeps_media,
            resume_only,
            ready,
            link,
        } = arrival;
        let socket = caller.socket;
        self.callers.opened(socket.clone(), caller.outbox);
        let resume_only = resume_only || self.spent_links.contains(&link.id);
        // A call of a moment ago (the box restarted, or its page was away
        // longer than the grace period) comes back as it was.
        let restored = resume
            .as_ref()
            .filter(|r| self.state.call(r).is_none())
            .filter(|r| self.recent.may_return(r, &link.id, unix_now()))
            .cloned();
        if let Some(session) = restored {
            tracing::info!(socket = %socket, session = %session, "a call of a moment ago comes back");
            return Event::CallerArrived {
                socket,
                session,
                resume: None,
                keeps_media: false,
                resume_only: false,
                ready: true,
                link,
                answering: Answering::Restored,
            };
        }
        let mut auto_answer = match self.settings.settings.load() {
            Ok(settings) => settings.auto_answer,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the settings; answering as the factory does");
                crate::settings::AutoAnswer::default()
            }
        };
        if !crate::clock::clock_set() && auto_answer.quiet_hours.take().is_some() {
            // The time of day cannot be known: better a call at night than
            // a grandchild turned away at noon.
            tracing::warn!("the clock is not set yet: quiet hours are not applied");
        }
        let answering = auto_answer.answering(local_time_of_day());
        Event::CallerArrived {
            session: socket.clone(),
            socket,
            resume,
            keeps_media,
            resume_only,
            ready,
            link,
            answering,
        }
    }

    /// The TV's language as the admin chose it (else as configured).
    fn read_tv_language(&mut self) {
        match self.settings.settings.load() {
            Ok(settings) => {
                if let Some(language) = settings.tv_language {
                    self.settings.tv_language = language;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the settings; the TV keeps its language")
            }
        }
    }

    /// Puts on the TV who is calling, or the waiting screen.
    fn show_on_tv(&mut self) {
        let reach = match (self.network_up, self.relay_tunnel) {
            (false, _) => Reach::NoNetwork,
            (true, None) => Reach::HomeNetwork,
            (true, Some(true)) => Reach::Relay,
            (true, Some(false)) => Reach::RelayDown,
        };
        let show = tv_show(
            self.settings.tv_language,
            self.state.calls(),
            Waiting {
                setup_code: self.setup_code.as_deref(),
                box_name: self.settings.box_name.as_deref(),
                reach,
            },
        );
        if show != self.tv_show {
            self.media.show_on_tv(&show);
            self.tv_show = show;
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
            Effect::Welcome {
                socket,
                session,
                resumed,
            } => self.welcome(&socket, &session, resumed),
            Effect::Placed { session } => {
                let one_time = self
                    .state
                    .call(&session)
                    .filter(|c| c.link.one_time)
                    .map(|c| c.link.id.clone());
                if let Some(link) = one_time {
                    self.spent_links.insert(link);
                }
                self.begin(&session);
                self.callers.placed(&session);
            }
            Effect::Refuse {
                socket,
                code,
                until,
            } => {
                tracing::info!(socket = %socket, ?code, "caller refused");
                self.tell(&socket, ServerMessage::Error { code, until });
                self.callers.close(&socket);
            }
            Effect::Announce { session, seconds } => {
                tracing::info!(session = %session, seconds, "call ringing");
                self.tell(&session, ServerMessage::Ringing { seconds });
                self.media.chime();
                self.after(
                    Duration::from_secs(u64::from(seconds)),
                    Event::CountdownElapsed { session },
                );
            }
            Effect::StartCapture => self.start_capture(),
            Effect::AwaitPress { session } => {
                self.after(self.settings.press_wait, Event::PressOverdue { session });
            }
            Effect::StopCapture => self.media.stop_capture(),
            Effect::StartPeer {
                session,
                try_number,
            } => return self.start_peer(session, try_number),
            Effect::AwaitConnect {
                session,
                try_number,
            } => self.after(
                self.settings.connect_limit,
                Event::ConnectDeadline {
                    session,
                    try_number,
                },
            ),
            Effect::StopPeer { session } => {
                self.callers.drop_pending(&session);
                if let Some(branch) = self.branches.stop(&session) {
                    let decoded = self.media.stop_branch(&branch);
                    // Kept for the record of a call that began; a try built
                    // for a page that never called has nothing to record.
                    if let Some(decoded) = decoded.filter(|_| self.started.contains_key(&session)) {
                        self.decoded.insert(session, decoded);
                    }
                }
            }
            Effect::SendOffer {
                session,
                sdp,
                media_try,
            } => {
                tracing::debug!(session = %session, media_try, "offer sent");
                self.tell(&session, ServerMessage::Offer { sdp, media_try });
            }
            Effect::SendCandidate { session, candidate } => {
                self.tell(&session, ServerMessage::Ice(candidate));
            }
            Effect::ApplyAnswer { session, sdp } => {
                let applied = match self.branches.name(&session) {
                    Some(branch) => self.media.apply_answer(branch, &sdp),
                    None => return None,
                };
                match applied {
                    Ok(()) => {}
                    // What no browser sends: the caller's fault.
                    Err(MediaError::BadSdp) => {
                        return Some(Event::CallerMisbehaved {
                            session,
                            why: "an answer the box cannot read",
                        })
                    }
                    Err(e) => {
                        tracing::warn!(session = %session, error = %e, "the answer could not be applied");
                        return Some(Event::MediaFailed { session });
                    }
                }
            }
            Effect::ApplyCandidate { session, candidate } => {
                if let Some(branch) = self.branches.name(&session) {
                    self.media.add_candidate(
                        branch,
                        candidate.sdp_m_line_index,
                        &candidate.candidate,
                    );
                }
            }
            Effect::RequestKeyframe { session } => {
                tracing::info!(session = %session, "in call");
                if let Some(branch) = self.branches.name(&session) {
                    self.media.request_keyframe(branch);
                }
            }
            Effect::HoldPlace {
                session,
                absence,
                leaving,
            } => {
                let grace = if leaving {
                    self.settings.reconnect_grace.min(LEAVING_GRACE)
                } else {
                    self.settings.reconnect_grace
                };
                tracing::info!(session = %session, grace_secs = grace.as_secs(), leaving, "caller away: its place is held");
                self.after(grace, Event::GraceElapsed { session, absence });
            }
            Effect::End { session, reason } => {
                tracing::info!(session = %session, ?reason, "call ended");
                self.tell(&session, ServerMessage::Ended { reason });
                self.callers.close(&session);
                let may_return = matches!(reason, EndReason::BoxShutdown);
                self.record(&session, &format!("{reason:?}"), may_return);
            }
            Effect::Forget {
                session,
                may_return,
            } => {
                // A caller that hung up is gone for good; one whose place was
                // held in vain may still come back for a while.
                tracing::info!(session = %session, may_return, "call ended by the caller");
                self.callers.close(&session);
                self.record(
                    &session,
                    if may_return { "Gone" } else { "HungUp" },
                    may_return,
                );
            }
            Effect::Expel { session, code, why } => {
                tracing::warn!(session = %session, why, "caller expelled: it sent what no page sends");
                self.tell(&session, ServerMessage::Error { code, until: None });
                self.callers.close(&session);
                self.record(&session, "Expelled", false);
            }
        }
        None
    }

    /// Joins `socket` to its call and welcomes the caller.
    fn welcome(&mut self, socket: &SessionId, session: &SessionId, resumed: bool) {
        tracing::info!(socket = %socket, session = %session, resumed, "call admitted");
        self.calls_started = true;
        if let Some(replaced) = self.callers.join(socket, session) {
            tracing::info!(session = %session, "another page took the call over");
            let _ = replaced.try_send(ToCaller::Message(ServerMessage::Ended {
                reason: EndReason::TakenOver,
            }));
            let _ = replaced.try_send(ToCaller::Close);
        }
        if resumed && !self.started.contains_key(session) {
            // A call of a moment ago, back after the box restarted.
            self.begin(session);
        }
        let ice_servers = self
            .settings
            .turn
            .iter()
            .map(|t| TurnCredentials::issue(t, "caller", unix_now()).ice_server(t))
            .collect();
        self.tell(
            session,
            ServerMessage::Welcome {
                version: PROTOCOL_VERSION,
                session: session.to_string(),
                ice_servers,
                resumed,
                box_name: self.settings.box_name.clone(),
            },
        );
        for message in self.callers.take_pending(session) {
            self.tell(session, message);
        }
        self.roster.resend(session);
    }

    /// The call `session` is made: its start is noted for the record and
    /// the recent calls.
    fn begin(&mut self, session: &SessionId) {
        let Some(link) = self.state.call(session).map(|c| c.link.clone()) else {
            return;
        };
        self.recent.began(session, &link.id);
        self.started
            .insert(session.clone(), (unix_now(), Instant::now(), link.label));
    }

    fn start_capture(&mut self) {
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

    /// Builds media try `try_number` of `session` (its connect deadline is
    /// [`Effect::AwaitConnect`], from the moment the call is answered).
    fn start_peer(&mut self, session: SessionId, try_number: u32) -> Option<Event> {
        let turn_url = self
            .settings
            .turn
            .as_ref()
            .map(|t| TurnCredentials::issue(t, "box", unix_now()).webrtcbin_url(t));
        // `[turn] relay_only`: the box's side uses relayed candidates only.
        let relay_only = self.settings.turn.as_ref().is_some_and(|t| t.relay_only);
        let extra_ips = self.ice_addresses();
        let branch = self.branches.start(&session, try_number);
        tracing::debug!(session = %session, try_number, "media try");
        let net = BranchNet {
            turn_url: turn_url.as_deref(),
            relay_only,
            extra_local_ips: &extra_ips,
        };
        if let Err(e) = self.media.start_branch(&branch, net) {
            tracing::error!(session = %session, error = %e, "cannot start the call's media");
            self.branches.stop(&session);
            return Some(Event::MediaFailed { session });
        }
        None
    }

    /// Queues `message` for the caller of `to` (a call, or a socket not yet
    /// admitted); see [`Callers::tell`].
    fn tell(&mut self, to: &SessionId, message: ServerMessage) {
        let exists = self.state.call(to).is_some();
        match self.callers.tell(to, message, exists) {
            Delivery::Sent | Delivery::Queued => {}
            Delivery::Dropped => {
                tracing::warn!(session = %to, "caller not reading its messages: closing its socket")
            }
            Delivery::Lost => tracing::debug!(session = %to, "message for a caller who is gone"),
        }
    }

    /// Reports `event` to the actor after `delay` (unless it has stopped).
    fn after(&self, delay: Duration, event: Event) {
        let inbox = self.inbox.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(inbox) = inbox.upgrade() {
                let _ = inbox.send(Command::Timer(event)).await;
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

    /// Writes a finished call to the record (off the actor's thread), and
    /// remembers for a while a call whose page `may_return`.
    fn record(&mut self, session: &SessionId, ended: &str, may_return: bool) {
        self.callers.drop_pending(session);
        self.roster.forget(session);
        self.recent.ended(session, may_return, unix_now());
        let remote = self.decoded.remove(session).unwrap_or_default();
        let Some((started, since, label)) = self.started.remove(session) else {
            return;
        };
        let mut ended = ended.to_owned();
        if let Some(first) = ended.get_mut(..1) {
            first.make_ascii_lowercase();
        }
        let record = CallRecord {
            started,
            duration_secs: since.elapsed().as_secs(),
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

    /// The state-machine event for what the media engine reported, if it
    /// concerns a call's current media try.
    fn media_event(&self, event: MediaEvent) -> Option<Event> {
        let (MediaEvent::Offer {
            session: branch, ..
        }
        | MediaEvent::Candidate {
            session: branch, ..
        }
        | MediaEvent::Connected { session: branch }
        | MediaEvent::Failed { session: branch }
        | MediaEvent::AnswerRefused { session: branch }) = &event;
        let Some(session) = self.branches.call(branch).cloned() else {
            tracing::debug!(branch = %branch, "event from a media try that is over");
            return None;
        };
        Some(match event {
            MediaEvent::Offer { sdp, .. } => Event::OfferReady { session, sdp },
            MediaEvent::Candidate {
                mline, candidate, ..
            } => Event::LocalCandidate {
                session,
                candidate: IceCandidate {
                    candidate,
                    sdp_m_line_index: mline,
                },
            },
            MediaEvent::Connected { .. } => Event::MediaConnected { session },
            MediaEvent::Failed { .. } => Event::MediaFailed { session },
            MediaEvent::AnswerRefused { .. } => Event::AnswerRefused { session },
        })
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

#[cfg(test)]
#[path = "actor_tests.rs"]
mod tests;
