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
//!            CallerArrived              CountdownElapsed              MediaConnected
//! waiting ─────────────────► ringing ─────────────────► connecting ─────────────────► in call
//!    ▲     (countdown 0 goes straight to connecting)      │  MediaFailed, CallerHungUp,   │
//!    └─────────────── ended ◄─────────────────────────────┴─ CallerGone, LinkRevoked, ◄───┘
//!                                                             Shutdown
//! ```
//! Whether and how a caller is answered (now, after a countdown, not at all
//! in quiet hours) is decided by the actor from the settings and the clock,
//! and arrives with the event as an [`Answering`].
//! With a participant limit above 2 several calls run side by side; the box is
//! "waiting" when there is none.

use std::fmt;

use crate::limits::CandidateLimits;
use crate::protocol::{EndReason, ErrorCode, IceCandidate};

/// A call's identity in logs and on the wire: random, never a person or a token.
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

/// Where one call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Admitted; the TV announces the caller before the box answers.
    Ringing,
    /// Answered; offer, answer and ICE under way.
    Connecting,
    /// Media flows.
    InCall,
}

impl Phase {
    /// Whether the call has a media branch (and needs the camera).
    fn has_media(self) -> bool {
        !matches!(self, Phase::Ringing)
    }
}

/// The link a call came through: its id and the label the TV shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub id: String,
    pub label: String,
    /// Good for one call.
    pub one_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub session: SessionId,
    pub phase: Phase,
    pub link: LinkRef,
    /// What the caller has sent of ICE candidates, against the limits.
    pub ice: IceTally,
}

/// The m-lines the box offered and the candidates the caller sent for each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceTally {
    /// Candidates received per m-line of the box's offer (empty before it).
    per_mline: Vec<u32>,
}

impl IceTally {
    /// Why `candidate` must not reach the media engine, if it must not: the
    /// box offered no such m-line, the line is too long, or the caller sent
    /// more than a browser ever gathers. A page never meets these.
    fn refuses(&self, candidate: &IceCandidate, limits: &CandidateLimits) -> Option<&'static str> {
        let total: u32 = self.per_mline.iter().sum();
        match self.per_mline.get(candidate.sdp_m_line_index as usize) {
            None => Some("candidate for an m-line the box did not offer"),
            Some(_) if candidate.candidate.len() > limits.bytes => Some("candidate too long"),
            Some(&n) if n >= limits.per_mline => Some("too many candidates for one m-line"),
            Some(_) if total >= limits.per_call => Some("too many candidates for one call"),
            Some(_) => None,
        }
    }
}

/// How the box answers a new caller, decided from the settings and the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answering {
    /// At once.
    Now,
    /// After announcing the caller on the TV for this many seconds.
    AfterCountdown { seconds: u32 },
    /// Not now: quiet hours until this time ("HH:MM").
    Resting { until: String },
    /// Not at all: automatic answering is off.
    Declined,
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
        } else if self.calls.is_empty() {
            Summary::Waiting
        } else {
            Summary::Ringing
        }
    }

    fn capture_running(&self) -> bool {
        self.calls.iter().any(|c| c.phase.has_media())
    }

    fn find(&self, session: &SessionId) -> Option<&Call> {
        self.calls.iter().find(|c| &c.session == session)
    }

    fn phase_of(&self, session: &SessionId) -> Option<Phase> {
        self.find(session).map(|c| c.phase)
    }

    fn find_mut(&mut self, session: &SessionId) -> Option<&mut Call> {
        self.calls.iter_mut().find(|c| &c.session == session)
    }
}

/// Something that happened, from a caller's socket or from the media engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A caller with a valid link said hello; `resume` names the call it had
    /// before a reload or a network loss. With `resume_only` (a one-time link
    /// already used) only that call may be taken over.
    CallerArrived {
        session: SessionId,
        resume: Option<SessionId>,
        resume_only: bool,
        link: LinkRef,
        answering: Answering,
    },
    /// The announcement of a ringing call is over: answer it.
    CountdownElapsed { session: SessionId },
    /// The family revoked a link: calls through it end.
    LinkRevoked { link_id: String },
    /// The media engine made the offer for this call.
    OfferReady { session: SessionId, sdp: String },
    /// The media engine found a local ICE candidate.
    LocalCandidate {
        session: SessionId,
        candidate: IceCandidate,
    },
    /// The caller answered the offer.
    AnswerReceived { session: SessionId, sdp: String },
    /// The caller sent an ICE candidate.
    RemoteCandidate {
        session: SessionId,
        candidate: IceCandidate,
    },
    /// Media flows both ways.
    MediaConnected { session: SessionId },
    /// The media connection could not be made or was lost for good.
    MediaFailed { session: SessionId },
    /// The caller pressed hang up.
    CallerHungUp { session: SessionId },
    /// The caller's socket closed.
    CallerGone { session: SessionId },
    /// The box is stopping.
    Shutdown,
}

/// Something the actor must do. Effects are carried out in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell the caller it is admitted (session id and ICE servers).
    Welcome { session: SessionId },
    /// Refuse the caller with this reason and close its socket.
    Refuse {
        session: SessionId,
        code: ErrorCode,
        until: Option<String>,
    },
    /// Announce the caller on the TV (label, chime), tell the caller it rings,
    /// and report [`Event::CountdownElapsed`] after `seconds`.
    Announce { session: SessionId, seconds: u32 },
    /// Start the camera, microphone and encoder.
    StartCapture,
    /// Stop them: nobody is calling.
    StopCapture,
    /// Build the media branch for this call; it will make the offer.
    StartPeer { session: SessionId },
    /// Tear the call's media branch down.
    StopPeer { session: SessionId },
    /// Send the offer to the caller.
    SendOffer { session: SessionId, sdp: String },
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
    /// Tell the caller the call is over and close its socket.
    End {
        session: SessionId,
        reason: EndReason,
    },
    /// Close the caller's socket without a word (it left already).
    Forget { session: SessionId },
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
    let illegal = |event, why| {
        Err(Illegal {
            event: Box::new(event),
            why,
        })
    };
    let mut next = state.clone();
    let mut effects = Vec::new();
    match &event {
        Event::CallerArrived {
            session,
            resume,
            resume_only,
            link,
            answering,
        } => {
            if state.find(session).is_some() {
                return illegal(event, "session already exists");
            }
            let refuse = |code, until| {
                Ok((
                    state.clone(),
                    vec![Effect::Refuse {
                        session: session.clone(),
                        code,
                        until,
                    }],
                ))
            };
            // Only a page of the same link may take a call over.
            let taken_over = resume
                .as_ref()
                .and_then(|r| state.find(r))
                .filter(|c| c.link.id == link.id)
                .cloned();
            let Some(old) = taken_over else {
                if *resume_only {
                    return refuse(ErrorCode::LinkNoLongerValid, None);
                }
                match answering {
                    Answering::Resting { until } => {
                        return refuse(ErrorCode::Resting, Some(until.clone()))
                    }
                    Answering::Declined => return refuse(ErrorCode::NotAnswering, None),
                    Answering::Now | Answering::AfterCountdown { .. } => {}
                }
                if state.calls.len() >= state.max_callers {
                    return refuse(ErrorCode::Busy, None);
                }
                effects.push(Effect::Welcome {
                    session: session.clone(),
                });
                let phase = match answering {
                    Answering::AfterCountdown { seconds } if *seconds > 0 => {
                        effects.push(Effect::Announce {
                            session: session.clone(),
                            seconds: *seconds,
                        });
                        Phase::Ringing
                    }
                    _ => {
                        answer(state, &mut effects, session);
                        Phase::Connecting
                    }
                };
                next.calls.push(Call {
                    session: session.clone(),
                    phase,
                    link: link.clone(),
                    ice: IceTally::default(),
                });
                return Ok((next, effects));
            };
            // A reload or a reconnection takes its call over at once: no
            // announcement, no limit (it frees its own place), camera kept.
            next.calls.retain(|c| c.session != old.session);
            if old.phase.has_media() {
                effects.push(Effect::StopPeer {
                    session: old.session.clone(),
                });
            }
            effects.push(Effect::End {
                session: old.session.clone(),
                reason: EndReason::TakenOver,
            });
            effects.push(Effect::Welcome {
                session: session.clone(),
            });
            if !next.capture_running() && !old.phase.has_media() {
                effects.push(Effect::StartCapture);
            }
            effects.push(Effect::StartPeer {
                session: session.clone(),
            });
            next.calls.push(Call {
                session: session.clone(),
                phase: Phase::Connecting,
                link: link.clone(),
                ice: IceTally::default(),
            });
        }
        Event::CountdownElapsed { session } => match state.phase_of(session) {
            Some(Phase::Ringing) => {
                answer(state, &mut effects, session);
                for call in &mut next.calls {
                    if &call.session == session {
                        call.phase = Phase::Connecting;
                    }
                }
            }
            Some(_) => return illegal(event, "the call was answered already"),
            None => return illegal(event, "no such call"),
        },
        Event::LinkRevoked { link_id } => {
            let ended: Vec<SessionId> = state
                .calls
                .iter()
                .filter(|c| &c.link.id == link_id)
                .map(|c| c.session.clone())
                .collect();
            for session in &ended {
                end_call(
                    &mut next,
                    &mut effects,
                    session,
                    Some(EndReason::LinkRevoked),
                )
                .map_err(|why| Illegal {
                    event: Box::new(event.clone()),
                    why,
                })?;
            }
        }
        Event::OfferReady { session, sdp } => match state.phase_of(session) {
            // The engine offers once per call; a second offer would restart
            // the caller's candidate tally.
            Some(Phase::Connecting)
                if state
                    .find(session)
                    .is_some_and(|c| !c.ice.per_mline.is_empty()) =>
            {
                return illegal(event, "the box offered already")
            }
            Some(Phase::Connecting) => {
                if let Some(call) = next.find_mut(session) {
                    call.ice.per_mline = vec![0; mline_count(sdp)];
                }
                effects.push(Effect::SendOffer {
                    session: session.clone(),
                    sdp: sdp.clone(),
                });
            }
            Some(Phase::InCall) => return illegal(event, "offer after the call connected"),
            Some(Phase::Ringing) => return illegal(event, "offer before the call was answered"),
            None => return illegal(event, "no such call"),
        },
        Event::LocalCandidate { session, candidate } => {
            if state.find(session).is_none() {
                return illegal(event, "no such call");
            }
            effects.push(Effect::SendCandidate {
                session: session.clone(),
                candidate: candidate.clone(),
            });
        }
        Event::AnswerReceived { session, sdp } => {
            match state.find(session).map(|c| (c.phase, &c.ice)) {
                Some((Phase::Connecting, ice)) if ice.per_mline.is_empty() => {
                    expel(
                        &mut next,
                        &mut effects,
                        session,
                        "answer before the box offered",
                    );
                }
                Some((Phase::Connecting, ice)) if mline_count(sdp) != ice.per_mline.len() => {
                    // An answer has exactly the offer's m-lines (RFC 8829, 5.3.1).
                    expel(
                        &mut next,
                        &mut effects,
                        session,
                        "answer does not match the offer",
                    );
                }
                Some((Phase::Connecting, _)) => effects.push(Effect::ApplyAnswer {
                    session: session.clone(),
                    sdp: sdp.clone(),
                }),
                Some((phase, _)) => {
                    let why = match phase {
                        Phase::InCall => "answer after the call connected",
                        _ => "answer before the box offered",
                    };
                    expel(&mut next, &mut effects, session, why);
                }
                None => return illegal(event, "no such call"),
            }
        }
        Event::RemoteCandidate { session, candidate } => {
            let Some(call) = next.find_mut(session) else {
                return illegal(event, "no such call");
            };
            match call.ice.refuses(candidate, &state.candidates) {
                Some(why) => expel(&mut next, &mut effects, session, why),
                None => {
                    if let Some(n) = call
                        .ice
                        .per_mline
                        .get_mut(candidate.sdp_m_line_index as usize)
                    {
                        *n += 1;
                    }
                    effects.push(Effect::ApplyCandidate {
                        session: session.clone(),
                        candidate: candidate.clone(),
                    });
                }
            }
        }
        Event::MediaConnected { session } => match state.phase_of(session) {
            Some(Phase::Connecting) => {
                for call in &mut next.calls {
                    if &call.session == session {
                        call.phase = Phase::InCall;
                    }
                }
                effects.push(Effect::RequestKeyframe {
                    session: session.clone(),
                });
            }
            Some(Phase::InCall) => return illegal(event, "already connected"),
            Some(Phase::Ringing) => return illegal(event, "media before the call was answered"),
            None => return illegal(event, "no such call"),
        },
        Event::MediaFailed { session } => {
            end_call(
                &mut next,
                &mut effects,
                session,
                Some(EndReason::ConnectionFailed),
            )
            .map_err(|why| Illegal {
                event: Box::new(event.clone()),
                why,
            })?;
        }
        Event::CallerHungUp { session } | Event::CallerGone { session } => {
            end_call(&mut next, &mut effects, session, None).map_err(|why| Illegal {
                event: Box::new(event.clone()),
                why,
            })?;
        }
        Event::Shutdown => {
            for call in std::mem::take(&mut next.calls) {
                if call.phase.has_media() {
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
    Ok((next, effects))
}

/// Answers `session`: the camera starts with the first call that needs it,
/// then the call's media branch (which makes the offer).
fn answer(state: &State, effects: &mut Vec<Effect>, session: &SessionId) {
    if !state.capture_running() {
        effects.push(Effect::StartCapture);
    }
    effects.push(Effect::StartPeer {
        session: session.clone(),
    });
}

/// How many media sections (`m=` lines) a session description has.
fn mline_count(sdp: &str) -> usize {
    sdp.lines().filter(|l| l.starts_with("m=")).count()
}

/// Ends the call of a caller that sent what no page sends.
fn expel(next: &mut State, effects: &mut Vec<Effect>, session: &SessionId, why: &'static str) {
    // The call exists: the callers of this function found it.
    let _ = end_call_as(next, effects, session, |session| Effect::Expel {
        session,
        code: ErrorCode::BadMessage,
        why,
    });
}

/// Removes `session`, stopping its media, telling the caller `reason` (or
/// nothing when the caller ended it) and stopping capture after the last call.
fn end_call(
    next: &mut State,
    effects: &mut Vec<Effect>,
    session: &SessionId,
    reason: Option<EndReason>,
) -> Result<(), &'static str> {
    end_call_as(next, effects, session, |session| match reason {
        Some(reason) => Effect::End { session, reason },
        None => Effect::Forget { session },
    })
}

/// Removes `session` as [`end_call`] does; `farewell` is what the caller is told.
fn end_call_as(
    next: &mut State,
    effects: &mut Vec<Effect>,
    session: &SessionId,
    farewell: impl FnOnce(SessionId) -> Effect,
) -> Result<(), &'static str> {
    let Some(call) = next.find(session).cloned() else {
        return Err("no such call");
    };
    next.calls.retain(|c| &c.session != session);
    if call.phase.has_media() {
        effects.push(Effect::StopPeer {
            session: session.clone(),
        });
    }
    effects.push(farewell(session.clone()));
    if call.phase.has_media() && !next.capture_running() {
        effects.push(Effect::StopCapture);
    }
    Ok(())
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
