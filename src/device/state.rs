//! The device state machine: who is in a call, and what must happen next.
//!
//! A pure function, [`transition`], takes the state and one [`Event`] and
//! returns the next state and the [`Effect`]s to carry out. It does no I/O,
//! holds no clock and starts nothing; the actor in `device::actor` owns the
//! state and performs the effects. Illegal events (for a session that does not
//! exist, or at the wrong moment) leave the state untouched and are reported
//! as [`Illegal`] so the actor can log them.
//!
//! ```text
//!         CallerArrived          CallerReady            CountdownElapsed            MediaConnected
//! waiting ────────────► asking ────────────► ringing ────────────────► connecting ──────────────► in call
//!        (ready at once: straight to ringing)
//!    ▲     (countdown 0 goes straight to connecting)      │ ▲  MediaFailed: rebuilt,    │
//!    │                                                    │ └─ at most 3 tries ◄────────┘
//!    └─────────────── ended ◄─────────────────────────────┴─ CallerHungUp, GraceElapsed,
//!                                                            LinkRevoked, Shutdown, …
//! ```
//! A call outlives its caller's socket. A socket that closes without
//! `hangUp` leaves the call *away*: its media keeps going and its place is
//! held for a grace period (the actor's timer reports [`Event::GraceElapsed`]).
//! A page that comes back with the call's session (a reload, a new socket
//! after a network loss) takes the call up again: no announcement, no limit,
//! no link spent; its media is rebuilt unless the page kept its own. A media
//! path that fails is rebuilt for the same call, at most [`MAX_TRIES`] times
//! in a row without connecting; then the call ends for good.
//!
//! Whether and how a caller is answered (after a countdown, not at all in
//! quiet hours, at once for a call the box had before it restarted) is
//! decided by the actor from the settings and the clock, and arrives with the
//! event as an [`Answering`].
//! With a participant limit above 2 several calls run side by side; the box is
//! "waiting" when there is none.

use std::fmt;

pub use super::call::{Call, LinkRef, Phase, Prepared};
pub use super::ice_tally::IceTally;
pub use crate::answering::Answering;
use crate::limits::CandidateLimits;
use crate::protocol::{Camera, EndReason, ErrorCode, IceCandidate};

/// Media tries in a row that may fail (never connect) before a call ends.
pub const MAX_TRIES: u32 = 3;

/// A call's identity in logs and on the wire: random, never a person or a token.
///
/// A caller's socket is named the same way: a new call takes its first
/// socket's id as its session; a socket that resumes a call keeps its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The whole device: the calls in progress and how many are allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    calls: Vec<Call>,
    max_callers: usize,
    candidates: CandidateLimits,
}

/// What the TV and the admin see, derived from the calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    Waiting,
    Ringing,
    Connecting,
    InCall,
}

impl State {
    /// A device waiting for calls; `max_participants` counts the box.
    pub fn waiting(max_participants: usize) -> Self {
        Self::with_limits(max_participants, CandidateLimits::default())
    }

    /// A device waiting for calls, taking at most `candidates` from each caller.
    pub fn with_limits(max_participants: usize, candidates: CandidateLimits) -> Self {
        Self {
            calls: Vec::new(),
            max_callers: max_participants.saturating_sub(1).max(1),
            candidates,
        }
    }

    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    pub fn summary(&self) -> Summary {
        if self.calls.iter().any(|c| c.phase == Phase::InCall) {
            Summary::InCall
        } else if self.calls.iter().any(|c| c.phase == Phase::Connecting) {
            Summary::Connecting
        } else if self.calls.iter().any(|c| c.phase == Phase::Ringing) {
            Summary::Ringing
        } else {
            Summary::Waiting
        }
    }

    /// Whether every place is taken (pages still asking take none).
    fn full(&self) -> bool {
        self.calls.iter().filter(|c| c.phase.placed()).count() >= self.max_callers
    }

    /// Whether one more media try may be built ahead of a press: no more
    /// branches than places, counting the placed calls and those prepared.
    fn may_prepare(&self) -> bool {
        let spoken_for = self
            .calls
            .iter()
            .filter(|c| c.phase.placed() || c.prepared.is_some())
            .count();
        spoken_for < self.max_callers
    }

    /// The call `session`, if the box is in it.
    pub fn call(&self, session: &SessionId) -> Option<&Call> {
        self.calls.iter().find(|c| &c.session == session)
    }

    fn capture_running(&self) -> bool {
        self.calls.iter().any(|c| c.keeps_capture())
    }

    fn phase_of(&self, session: &SessionId) -> Option<Phase> {
        self.call(session).map(|c| c.phase)
    }

    fn call_mut(&mut self, session: &SessionId) -> Option<&mut Call> {
        self.calls.iter_mut().find(|c| &c.session == session)
    }
}

/// Something that happened, from a caller's socket, a timer or the media engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A caller with a valid link said hello on socket `socket`. `session`
    /// is the call it asks for: its socket's id for a new call, or a call the
    /// box had before it restarted (with [`Answering::Restored`]). `resume`
    /// names a call this page had before a reload or a network loss; with
    /// `keeps_media` its media connection still works. With `resume_only`
    /// (a one-time link already used) only that call may be taken up.
    CallerArrived {
        socket: SessionId,
        session: SessionId,
        resume: Option<SessionId>,
        keeps_media: bool,
        resume_only: bool,
        /// The person has pressed Call already (a reload, a return).
        ready: bool,
        link: LinkRef,
        answering: Answering,
    },
    /// The person pressed Call (and the browser has its answer about the camera).
    CallerReady { session: SessionId },
    /// What the caller's page sends now.
    CallerSending {
        session: SessionId,
        camera: Camera,
        microphone: bool,
    },
    /// The announcement of a ringing call is over: answer it.
    CountdownElapsed { session: SessionId },
    /// A page asking since [`Effect::AwaitPress`]: its person has not
    /// pressed Call, and the camera started for it may stop.
    PressOverdue { session: SessionId },
    /// Media try `try_number` has had its time to connect.
    ConnectDeadline { session: SessionId, try_number: u32 },
    /// The family revoked a link: calls through it end.
    LinkRevoked { link_id: String },
    /// The media engine made the offer for this call.
    OfferReady { session: SessionId, sdp: String },
    /// The media engine found a local ICE candidate.
    LocalCandidate {
        session: SessionId,
        candidate: IceCandidate,
    },
    /// The caller answered the offer of media try `media_try` (`None`: a
    /// page that names no try, speaking of the current one).
    AnswerReceived {
        session: SessionId,
        sdp: String,
        media_try: Option<u32>,
    },
    /// The media engine refused the caller's answer.
    AnswerRefused { session: SessionId },
    /// The caller sent an ICE candidate for media try `media_try` (as
    /// with an answer).
    RemoteCandidate {
        session: SessionId,
        candidate: IceCandidate,
        media_try: Option<u32>,
    },
    /// Media flows both ways.
    MediaConnected { session: SessionId },
    /// The media connection could not be made or was lost.
    MediaFailed { session: SessionId },
    /// The caller's browser cannot take the box's offer.
    CallerCannotCall { session: SessionId },
    /// The caller pressed hang up.
    CallerHungUp { session: SessionId },
    /// The caller's page is being closed or reloaded.
    CallerLeaving { session: SessionId },
    /// The caller's socket closed.
    CallerGone { session: SessionId },
    /// The caller's socket was closed by the box for what no page sends
    /// (too fast, too big, not the protocol): its call ends, unheld.
    CallerMisbehaved {
        session: SessionId,
        why: &'static str,
    },
    /// The grace period of absence `absence` is over.
    GraceElapsed { session: SessionId, absence: u32 },
    /// The box is stopping.
    Shutdown,
}

/// Something the actor must do. Effects are carried out in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Join `socket` to the call `session` and tell the caller it is in
    /// (session id and ICE servers). `resumed`: the call existed before this
    /// socket; any socket it had before is told it was taken over, and what
    /// was queued for the caller while it was away goes out now.
    Welcome {
        socket: SessionId,
        session: SessionId,
        resumed: bool,
    },
    /// Refuse the caller on `socket` with this reason and close its socket.
    Refuse {
        socket: SessionId,
        code: ErrorCode,
        until: Option<String>,
    },
    /// The call is really made: count it on its link (a one-time link is spent).
    Placed { session: SessionId },
    /// Announce the caller on the TV (label, chime), tell the caller it rings,
    /// and report [`Event::CountdownElapsed`] after `seconds`.
    Announce { session: SessionId, seconds: u32 },
    /// Start the camera, microphone and encoder.
    StartCapture,
    /// The camera runs ahead for a page still asking: report
    /// [`Event::PressOverdue`] if its person has not pressed Call in a while.
    AwaitPress { session: SessionId },
    /// Stop them: nobody is calling.
    StopCapture,
    /// Build media try `try_number` for this call; it will make the offer.
    StartPeer { session: SessionId, try_number: u32 },
    /// Media try `try_number` was offered to an answered call: report
    /// [`Event::ConnectDeadline`] if it has not connected in time.
    AwaitConnect { session: SessionId, try_number: u32 },
    /// Tear the call's media branch down (and drop what was queued for it).
    StopPeer { session: SessionId },
    /// Send the offer of media try `media_try` to the caller.
    SendOffer {
        session: SessionId,
        sdp: String,
        media_try: u32,
    },
    /// Send a local ICE candidate to the caller.
    SendCandidate {
        session: SessionId,
        candidate: IceCandidate,
    },
    /// Give the caller's answer to the media engine.
    ApplyAnswer { session: SessionId, sdp: String },
    /// Give the caller's ICE candidate to the media engine.
    ApplyCandidate {
        session: SessionId,
        candidate: IceCandidate,
    },
    /// Ask the shared encoder for a keyframe: a caller just connected.
    RequestKeyframe { session: SessionId },
    /// Hold an away caller's place; report [`Event::GraceElapsed`] for
    /// `absence` after the grace period (shorter when it said it was leaving).
    HoldPlace {
        session: SessionId,
        absence: u32,
        leaving: bool,
    },
    /// Tell the caller the call is over and close its socket.
    End {
        session: SessionId,
        reason: EndReason,
    },
    /// Close the caller's socket without a word: it hung up, or (with
    /// `may_return`) it was away longer than the grace period.
    Forget {
        session: SessionId,
        may_return: bool,
    },
    /// Tell the caller `code` and close its socket: it sent what no page
    /// sends (its call is over; `why` is for the log).
    Expel {
        session: SessionId,
        code: ErrorCode,
        why: &'static str,
    },
}

/// An event that makes no sense in the current state; the state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub event: Box<Event>,
    pub why: &'static str,
}

impl fmt::Display for Illegal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?})", self.why, self.event)
    }
}

/// The next state and what to do, or why the event is illegal now.
pub fn transition(state: &State, event: Event) -> Result<(State, Vec<Effect>), Illegal> {
    let mut next = state.clone();
    let mut effects = Vec::new();
    match step(state, &mut next, &mut effects, &event) {
        Ok(()) => Ok((next, effects)),
        Err(why) => Err(Illegal {
            event: Box::new(event),
            why,
        }),
    }
}

/// Works out `event`: `next` starts as a copy of `state`.
fn step(
    state: &State,
    next: &mut State,
    effects: &mut Vec<Effect>,
    event: &Event,
) -> Result<(), &'static str> {
    match event {
        Event::CallerArrived {
            socket,
            session,
            resume,
            keeps_media,
            resume_only,
            ready,
            link,
            answering,
        } => {
            if state.call(session).is_some() || state.call(socket).is_some() {
                return Err("session already exists");
            }
            // Only a page of the same link may take a call up again.
            let resumed = resume
                .as_ref()
                .and_then(|r| state.call(r))
                .filter(|c| c.link.id == link.id);
            match resumed {
                Some(call) => {
                    let session = call.session.clone();
                    take_up(next, effects, socket, &session, *keeps_media);
                    if *ready
                        && next
                            .call(&session)
                            .is_some_and(|c| c.phase == Phase::Asking)
                    {
                        place(next, effects, &session);
                    }
                }
                None if *resume_only => effects.push(Effect::Refuse {
                    socket: socket.clone(),
                    code: ErrorCode::LinkNoLongerValid,
                    until: None,
                }),
                None => admit(
                    state, next, effects, socket, session, link, answering, *ready,
                ),
            }
        }
        Event::CallerReady { session } => match state.phase_of(session) {
            Some(Phase::Asking) => place(next, effects, session),
            Some(_) => return Err("the call is placed already"),
            None => return Err("no such call"),
        },
        Event::CallerSending {
            session,
            camera,
            microphone,
        } => match next.call_mut(session) {
            Some(call) => {
                call.camera = *camera;
                call.microphone = *microphone;
            }
            None => return Err("no such call"),
        },
        Event::PressOverdue { session } => match next.call_mut(session) {
            Some(call) if call.phase == Phase::Asking && call.warm => {
                call.warm = false;
                if call.prepared.take().is_some() {
                    effects.push(Effect::StopPeer {
                        session: session.clone(),
                    });
                }
                stop_capture_if_unneeded(next, effects);
            }
            Some(_) => return Err("the person pressed Call"),
            None => return Err("no such call"),
        },
        Event::CountdownElapsed { session } => match state.phase_of(session) {
            Some(Phase::Ringing) => {
                answer(state, next, effects, session);
            }
            Some(_) => return Err("the call was answered already"),
            None => return Err("no such call"),
        },
        Event::ConnectDeadline {
            session,
            try_number,
        } => match state.call(session) {
            Some(c) if c.phase == Phase::Connecting && c.tries == *try_number => {
                media_failed(next, effects, session);
            }
            Some(_) => return Err("that media try is over"),
            None => return Err("no such call"),
        },
        Event::LinkRevoked { link_id } => {
            let ended: Vec<SessionId> = state
                .calls
                .iter()
                .filter(|c| &c.link.id == link_id)
                .map(|c| c.session.clone())
                .collect();
            for session in &ended {
                end_call(next, effects, session, Some(EndReason::LinkRevoked));
            }
        }
        Event::OfferReady { session, sdp } => match state.call(session) {
            // The engine offers once per try; a second offer would restart
            // the caller's candidate tally.
            Some(c) if c.phase == Phase::Connecting && c.ice.offered() => {
                return Err("the box offered already")
            }
            Some(c) if c.phase == Phase::Connecting => {
                if let Some(call) = next.call_mut(session) {
                    call.ice = IceTally::for_offer(sdp);
                }
                effects.push(Effect::SendOffer {
                    session: session.clone(),
                    sdp: sdp.clone(),
                    media_try: c.tries,
                });
            }
            Some(c) if c.phase == Phase::InCall => return Err("offer after the call connected"),
            Some(c) => match next.call_mut(&c.session).and_then(|c| c.prepared.as_mut()) {
                Some(prepared) if prepared.offer.is_none() => prepared.offer = Some(sdp.clone()),
                Some(_) => return Err("the box offered already"),
                None => return Err("offer before the call was answered"),
            },
            None => return Err("no such call"),
        },
        Event::LocalCandidate { session, candidate } => {
            let Some(call) = next.call_mut(session) else {
                return Err("no such call");
            };
            match (call.prepared.as_mut(), call.phase.has_media()) {
                (Some(prepared), _) => prepared.candidates.push(candidate.clone()),
                (None, true) => effects.push(Effect::SendCandidate {
                    session: session.clone(),
                    candidate: candidate.clone(),
                }),
                // As with an offer: nothing of the box's media reaches a
                // caller before the call is answered.
                (None, false) => return Err("candidate before the call was answered"),
            }
        }
        Event::AnswerReceived {
            session,
            sdp,
            media_try,
        } => {
            let Some(call) = state.call(session) else {
                return Err("no such call");
            };
            let wrong = match (is_current_try(call, *media_try), call.phase) {
                (Err(why), _) => Some(why),
                (Ok(false), _) => return Err("answer to a media try the box replaced"),
                (Ok(true), Phase::Connecting) if !call.ice.offered() => {
                    Some("answer before the box offered")
                }
                // An answer has exactly the offer's m-lines (RFC 8829, 5.3.1).
                (Ok(true), Phase::Connecting) if !call.ice.matches(sdp) => {
                    Some("answer does not match the offer")
                }
                (Ok(true), Phase::Connecting) => None,
                (Ok(true), Phase::InCall) => Some("answer after the call connected"),
                (Ok(true), Phase::Asking | Phase::Ringing) => Some("answer before the box offered"),
            };
            match wrong {
                Some(why) => expel(next, effects, session, why),
                None => effects.push(Effect::ApplyAnswer {
                    session: session.clone(),
                    sdp: sdp.clone(),
                }),
            }
        }
        Event::AnswerRefused { session } | Event::CallerCannotCall { session } => {
            if state.call(session).is_none() {
                return Err("no such call");
            }
            // Nothing another try would change: this browser and this box
            // have no way to talk.
            end_call(next, effects, session, Some(EndReason::Incompatible));
        }
        Event::RemoteCandidate {
            session,
            candidate,
            media_try,
        } => {
            let Some(call) = next.call_mut(session) else {
                return Err("no such call");
            };
            let counted = match is_current_try(call, *media_try) {
                Err(why) => Err(why),
                Ok(false) => return Err("candidate for a media try the box replaced"),
                Ok(true) => call.ice.take(candidate, &state.candidates),
            };
            match counted {
                Err(why) => expel(next, effects, session, why),
                Ok(()) => effects.push(Effect::ApplyCandidate {
                    session: session.clone(),
                    candidate: candidate.clone(),
                }),
            }
        }
        Event::MediaConnected { session } => match state.phase_of(session) {
            Some(Phase::Connecting) => {
                if let Some(call) = next.call_mut(session) {
                    call.phase = Phase::InCall;
                    call.failures = 0;
                }
                effects.push(Effect::RequestKeyframe {
                    session: session.clone(),
                });
            }
            Some(Phase::InCall) => return Err("already connected"),
            Some(Phase::Asking | Phase::Ringing) => {
                return Err("media before the call was answered")
            }
            None => return Err("no such call"),
        },
        Event::MediaFailed { session } => match state.phase_of(session) {
            Some(Phase::Connecting | Phase::InCall) => media_failed(next, effects, session),
            Some(Phase::Asking | Phase::Ringing) => {
                // A try built ahead of the press: gone, and the answer builds
                // another; not one of the call's failed tries.
                match next.call_mut(session).and_then(|c| c.prepared.take()) {
                    Some(_) => effects.push(Effect::StopPeer {
                        session: session.clone(),
                    }),
                    None => return Err("media failed before the call was answered"),
                }
            }
            None => return Err("no such call"),
        },
        Event::CallerHungUp { session } => {
            if !end_call(next, effects, session, None) {
                return Err("no such call");
            }
        }
        Event::CallerLeaving { session } => match next.call_mut(session) {
            Some(call) => call.leaving = true,
            None => return Err("no such call"),
        },
        Event::CallerGone { session } => match next.call_mut(session) {
            Some(call) if call.present => {
                call.present = false;
                call.absences += 1;
                effects.push(Effect::HoldPlace {
                    session: session.clone(),
                    absence: call.absences,
                    leaving: call.leaving,
                });
            }
            Some(_) => return Err("the caller is away already"),
            None => return Err("no such call"),
        },
        Event::CallerMisbehaved { session, why } => {
            if state.call(session).is_none() {
                return Err("no such call");
            }
            expel(next, effects, session, why);
        }
        Event::GraceElapsed { session, absence } => match state.call(session) {
            Some(c) if !c.present && c.absences == *absence => {
                end_call_as(next, effects, session, |session| Effect::Forget {
                    session,
                    may_return: true,
                });
            }
            Some(_) => return Err("the caller came back"),
            None => return Err("no such call"),
        },
        Event::Shutdown => {
            for call in std::mem::take(&mut next.calls) {
                if call.has_branch() {
                    effects.push(Effect::StopPeer {
                        session: call.session.clone(),
                    });
                }
                effects.push(Effect::End {
                    session: call.session,
                    reason: EndReason::BoxShutdown,
                });
            }
            if state.capture_running() {
                effects.push(Effect::StopCapture);
            }
        }
    }
    Ok(())
}

/// A new call on `socket`, answered as `answering` says once the person is
/// `ready` (pressed Call); until then it is asking, and nothing is announced.
#[allow(clippy::too_many_arguments)]
fn admit(
    state: &State,
    next: &mut State,
    effects: &mut Vec<Effect>,
    socket: &SessionId,
    session: &SessionId,
    link: &LinkRef,
    answering: &Answering,
    ready: bool,
) {
    let refuse = |code, until| Effect::Refuse {
        socket: socket.clone(),
        code,
        until,
    };
    let countdown = match answering {
        Answering::Resting { until } => {
            return effects.push(refuse(ErrorCode::Resting, Some(until.clone())))
        }
        Answering::Declined => return effects.push(refuse(ErrorCode::NotAnswering, None)),
        Answering::AfterCountdown { seconds } => *seconds,
        Answering::Restored => 0,
    };
    if state.full() {
        return effects.push(refuse(ErrorCode::Busy, None));
    }
    let restored = *answering == Answering::Restored;
    effects.push(Effect::Welcome {
        socket: socket.clone(),
        session: session.clone(),
        resumed: restored,
    });
    let mut call = Call::new(session.clone(), Phase::Asking, link.clone());
    call.countdown = countdown;
    next.calls.push(call);
    if restored {
        // A call of a moment ago: placed and counted already.
        announce_or_answer(next, effects, session);
    } else if ready {
        place(next, effects, session);
    } else {
        warm_up(state, next, effects, session);
    }
}

/// A page asks its person to press Call: the camera and encoder start now,
/// so that the call's first picture does not wait for them (a camera takes
/// from a tenth of a second to a second to give its first frame), until the
/// person presses Call or [`Event::PressOverdue`].
fn warm_up(state: &State, next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.warm = true;
    if !state.capture_running() {
        effects.push(Effect::StartCapture);
    }
    effects.push(Effect::AwaitPress {
        session: session.clone(),
    });
    if next.may_prepare() {
        prepare(next, effects, session);
    }
}

/// Builds the call's first media try ahead of the press: its offer is made
/// while the person reads the page, and waits ([`Prepared`]).
fn prepare(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.tries += 1;
    call.ice = IceTally::default();
    call.prepared = Some(Prepared::default());
    effects.push(Effect::StartPeer {
        session: session.clone(),
        try_number: call.tries,
    });
}

/// The camera stops when no call needs it any more.
fn stop_capture_if_unneeded(next: &State, effects: &mut Vec<Effect>) {
    if !next.capture_running() {
        effects.push(Effect::StopCapture);
    }
}

/// The person pressed Call: the call takes a place (or is told busy), is
/// counted on its link, and rings.
fn place(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    if next.full() {
        let warm = next.call(session).is_some_and(|c| c.warm);
        if next.call(session).is_some_and(|c| c.prepared.is_some()) {
            effects.push(Effect::StopPeer {
                session: session.clone(),
            });
        }
        next.calls.retain(|c| &c.session != session);
        effects.push(Effect::Refuse {
            socket: session.clone(),
            code: ErrorCode::Busy,
            until: None,
        });
        if warm {
            stop_capture_if_unneeded(next, effects);
        }
        return;
    }
    effects.push(Effect::Placed {
        session: session.clone(),
    });
    announce_or_answer(next, effects, session);
    if next.full() {
        release_prepared(next, effects);
    }
}

/// The last place is taken: tries built ahead for pages still asking could
/// only meet "busy" now, and go (a page gets a new one if it is answered).
fn release_prepared(next: &mut State, effects: &mut Vec<Effect>) {
    for call in next.calls.iter_mut().filter(|c| c.phase == Phase::Asking) {
        if call.prepared.take().is_some() {
            effects.push(Effect::StopPeer {
                session: call.session.clone(),
            });
        }
    }
}

/// Rings (after the call's countdown) or answers at once.
fn announce_or_answer(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    let before = next.clone();
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.phase = Phase::Ringing;
    if call.countdown > 0 {
        effects.push(Effect::Announce {
            session: session.clone(),
            seconds: call.countdown,
        });
    } else {
        answer(&before, next, effects, session);
    }
}

/// A page came back to its call on a new socket: no announcement, no limit
/// (it has its place), no link spent. Its media is rebuilt unless the page
/// kept a working connection.
fn take_up(
    next: &mut State,
    effects: &mut Vec<Effect>,
    socket: &SessionId,
    session: &SessionId,
    keeps_media: bool,
) {
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.present = true;
    call.leaving = false;
    let phase = call.phase;
    let rebuild = phase == Phase::Connecting || (phase == Phase::InCall && !keeps_media);
    if rebuild {
        // What was queued belongs to the branch going away: drop it first.
        effects.push(Effect::StopPeer {
            session: session.clone(),
        });
    }
    effects.push(Effect::Welcome {
        socket: socket.clone(),
        session: session.clone(),
        resumed: true,
    });
    if rebuild {
        // A page that could not keep its media is not a failed try, unless
        // the try it abandons never connected.
        if phase == Phase::Connecting {
            call.failures += 1;
        }
        if call.failures >= MAX_TRIES {
            end_call(next, effects, session, Some(EndReason::ConnectionFailed));
        } else {
            start_try(next, effects, session);
        }
    }
}

/// Answers `session`: the camera starts with the first call that needs it,
/// then the call's first media try.
fn answer(state: &State, next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    if !state.capture_running() {
        effects.push(Effect::StartCapture);
    }
    match next.call_mut(session).and_then(|c| c.prepared.take()) {
        Some(prepared) => offer_prepared(next, effects, session, prepared),
        None => start_try(next, effects, session),
    }
}

/// Answers with the try built ahead of the press: its offer and candidates
/// go out now (or, if the offer is still being made, as it comes).
fn offer_prepared(
    next: &mut State,
    effects: &mut Vec<Effect>,
    session: &SessionId,
    prepared: Prepared,
) {
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.phase = Phase::Connecting;
    effects.push(Effect::AwaitConnect {
        session: session.clone(),
        try_number: call.tries,
    });
    match prepared.offer {
        // The candidates found meanwhile go in the offer (`sdp::with_candidates`).
        Some(sdp) => {
            call.ice = IceTally::for_offer(&sdp);
            effects.push(Effect::SendOffer {
                session: session.clone(),
                sdp: super::sdp::with_candidates(&sdp, &prepared.candidates),
                media_try: call.tries,
            });
        }
        // Counted from the offer when it comes (`Event::OfferReady`).
        None => {
            call.ice = IceTally::default();
            for candidate in prepared.candidates {
                effects.push(Effect::SendCandidate {
                    session: session.clone(),
                    candidate,
                });
            }
        }
    }
}

/// Whether a caller's answer or candidate naming media try `named` is for
/// the call's current try (`Ok(true)`; a page that names none means that
/// one) or for a try the box has since replaced (`Ok(false)`: it was on its
/// way as the box gave up on that try, and is dropped). Naming a try the box
/// never made is the caller's fault.
fn is_current_try(call: &Call, named: Option<u32>) -> Result<bool, &'static str> {
    match named {
        None => Ok(true),
        Some(n) if n == call.tries => Ok(true),
        Some(n) if (1..call.tries).contains(&n) => Ok(false),
        Some(_) => Err("a media try the box did not make"),
    }
}

/// Builds a new media branch for `session` (its capture already runs).
fn start_try(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.phase = Phase::Connecting;
    call.ice = IceTally::default();
    call.tries += 1;
    effects.push(Effect::StartPeer {
        session: session.clone(),
        try_number: call.tries,
    });
    effects.push(Effect::AwaitConnect {
        session: session.clone(),
        try_number: call.tries,
    });
}

/// The media of `session` failed (or never connected in time): another try
/// while the caller is there and tries remain; the end after the last one.
/// An away caller's call waits for its page, which rebuilds on its return.
fn media_failed(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId) {
    let Some(call) = next.call_mut(session) else {
        return;
    };
    call.failures += 1;
    if call.failures >= MAX_TRIES {
        end_call(next, effects, session, Some(EndReason::ConnectionFailed));
    } else if call.present {
        effects.push(Effect::StopPeer {
            session: session.clone(),
        });
        start_try(next, effects, session);
    }
}

/// Ends the call of a caller that sent what no page sends.
fn expel(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId, why: &'static str) {
    end_call_as(next, effects, session, |session| Effect::Expel {
        session,
        code: ErrorCode::BadMessage,
        why,
    });
}

/// Removes `session`, stopping its media, telling the caller `reason` (or
/// nothing when the caller ended it) and stopping capture after the last
/// call. False when there is no such call.
fn end_call(
    next: &mut State,
    effects: &mut Vec<Effect>,
    session: &SessionId,
    reason: Option<EndReason>,
) -> bool {
    end_call_as(next, effects, session, |session| match reason {
        Some(reason) => Effect::End { session, reason },
        None => Effect::Forget {
            session,
            may_return: false,
        },
    })
}

/// Removes `session` as [`end_call`] does; `farewell` is what the caller is told.
fn end_call_as(
    next: &mut State,
    effects: &mut Vec<Effect>,
    session: &SessionId,
    farewell: impl FnOnce(SessionId) -> Effect,
) -> bool {
    let Some(call) = next.call(session).cloned() else {
        return false;
    };
    next.calls.retain(|c| &c.session != session);
    if call.has_branch() {
        effects.push(Effect::StopPeer {
            session: session.clone(),
        });
    }
    effects.push(farewell(session.clone()));
    if call.keeps_capture() {
        stop_capture_if_unneeded(next, effects);
    }
    true
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
