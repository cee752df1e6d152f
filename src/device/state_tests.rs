//! Every transition of the device state machine, legal and illegal.

use super::*;

fn s(id: &str) -> SessionId {
    SessionId::new(id)
}

fn cand() -> IceCandidate {
    IceCandidate {
        candidate: "candidate:1 1 UDP 1 127.0.0.1 5000 typ host".into(),
        sdp_m_line_index: 0,
    }
}

/// What starts media try `n` of an answered call `id`: its branch, then its
/// connect deadline.
fn try_started(id: &str, n: u32) -> [Effect; 2] {
    [
        Effect::StartPeer {
            session: s(id),
            try_number: n,
        },
        Effect::AwaitConnect {
            session: s(id),
            try_number: n,
        },
    ]
}

/// Answering at once: the factory's countdown set to 0.
const NOW: Answering = Answering::AfterCountdown { seconds: 0 };

fn step(state: &State, event: Event) -> (State, Vec<Effect>) {
    transition(state, event).expect("legal transition")
}

fn link() -> LinkRef {
    LinkRef {
        id: "L1".into(),
        label: "Anna".into(),
        one_time: false,
    }
}

fn arrival(id: &str, answering: Answering) -> Event {
    Event::CallerArrived {
        socket: s(id),
        session: s(id),
        resume: None,
        keeps_media: false,
        resume_only: false,
        ready: true,
        link: link(),
        answering,
    }
}

fn resuming(id: &str, old: &str, resume_only: bool) -> Event {
    Event::CallerArrived {
        socket: s(id),
        session: s(id),
        resume: Some(s(old)),
        keeps_media: false,
        resume_only,
        ready: true,
        link: link(),
        answering: NOW,
    }
}

/// A page back on socket `id` whose media connection to `old` still works.
fn kept(id: &str, old: &str) -> Event {
    Event::CallerArrived {
        socket: s(id),
        session: s(id),
        resume: Some(s(old)),
        keeps_media: true,
        resume_only: false,
        ready: true,
        link: link(),
        answering: NOW,
    }
}

fn arrive(state: &State, id: &str) -> (State, Vec<Effect>) {
    step(state, arrival(id, NOW))
}

/// An offer as webrtcbin makes it, reduced to its two m-lines.
const OFFER: &str = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

/// What a press gives when the TV announces caller `id` for 3 s first.
fn announced(id: &str) -> Vec<Effect> {
    vec![
        Effect::Placed { session: s(id) },
        Effect::Announce {
            session: s(id),
            seconds: 3,
        },
    ]
}

fn offered(state: &State, id: &str) -> State {
    step(
        state,
        Event::OfferReady {
            session: s(id),
            sdp: OFFER.into(),
        },
    )
    .0
}

/// A device with one call in `phase` (its offer made once it connects).
fn with_call(phase: Phase) -> State {
    let (state, _) = arrive(&State::waiting(2), "a");
    let state = offered(&state, "a");
    if phase == Phase::InCall {
        step(&state, Event::MediaConnected { session: s("a") }).0
    } else {
        state
    }
}

fn assert_illegal(state: &State, event: Event) {
    let err = transition(state, event.clone()).expect_err("must be illegal");
    assert_eq!(*err.event, event);
}

#[test]
fn a_new_device_is_waiting() {
    let state = State::waiting(2);
    assert_eq!(state.summary(), Summary::Waiting);
    assert!(state.calls().is_empty());
}

#[test]
fn first_caller_is_welcomed_and_capture_starts() {
    let (state, effects) = arrive(&State::waiting(2), "a");
    assert_eq!(state.summary(), Summary::Connecting);
    assert_eq!(
        effects,
        vec![
            Effect::Welcome {
                socket: s("a"),
                session: s("a"),
                resumed: false
            },
            Effect::Placed { session: s("a") },
            Effect::StartCapture,
            Effect::StartPeer {
                session: s("a"),
                try_number: 1
            },
            Effect::AwaitConnect {
                session: s("a"),
                try_number: 1
            },
        ]
    );
}

#[test]
fn caller_beyond_the_limit_is_told_busy_and_nothing_changes() {
    let state = with_call(Phase::InCall);
    let (next, effects) = arrive(&state, "b");
    assert_eq!(next, state);
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            socket: s("b"),
            code: ErrorCode::Busy,
            until: None,
        }]
    );
}

#[test]
fn a_larger_limit_admits_a_second_caller_without_restarting_capture() {
    let (state, _) = arrive(&State::waiting(3), "a");
    let (state, effects) = arrive(&state, "b");
    assert_eq!(state.calls().len(), 2);
    assert_eq!(
        effects,
        vec![
            Effect::Welcome {
                socket: s("b"),
                session: s("b"),
                resumed: false
            },
            Effect::Placed { session: s("b") },
            Effect::StartPeer {
                session: s("b"),
                try_number: 1
            },
            Effect::AwaitConnect {
                session: s("b"),
                try_number: 1
            },
        ]
    );
    let (_, effects) = arrive(&state, "c");
    assert!(matches!(
        effects.as_slice(),
        [Effect::Refuse {
            code: ErrorCode::Busy,
            ..
        }]
    ));
}

#[test]
fn offer_answer_and_candidates_flow_while_connecting() {
    let (state, _) = arrive(&State::waiting(2), "a");
    let (offered, effects) = step(
        &state,
        Event::OfferReady {
            session: s("a"),
            sdp: OFFER.into(),
        },
    );
    assert_eq!(offered.summary(), state.summary());
    assert_eq!(
        effects,
        vec![Effect::SendOffer {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: 1,
        }]
    );
    let state = offered;
    let (_, effects) = step(
        &state,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: Some(1),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::ApplyAnswer {
            session: s("a"),
            sdp: OFFER.into()
        }]
    );
    let (_, effects) = step(
        &state,
        Event::AnswerReceived {
            session: s("a"),
            sdp: "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n".into(),
            media_try: Some(1),
        },
    );
    assert_eq!(effects, expelled("answer does not match the offer", true));
    let (_, effects) = step(
        &state,
        Event::LocalCandidate {
            session: s("a"),
            candidate: cand(),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::SendCandidate {
            session: s("a"),
            candidate: cand()
        }]
    );
    let (_, effects) = step(
        &state,
        Event::RemoteCandidate {
            session: s("a"),
            candidate: cand(),
            media_try: Some(1),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::ApplyCandidate {
            session: s("a"),
            candidate: cand()
        }]
    );
}

#[test]
fn candidates_still_flow_in_call() {
    let state = with_call(Phase::InCall);
    let (_, effects) = step(
        &state,
        Event::RemoteCandidate {
            session: s("a"),
            candidate: cand(),
            media_try: Some(1),
        },
    );
    assert_eq!(effects.len(), 1);
    let (_, effects) = step(
        &state,
        Event::LocalCandidate {
            session: s("a"),
            candidate: cand(),
        },
    );
    assert_eq!(effects.len(), 1);
}

#[test]
fn media_connected_puts_the_call_in_call() {
    let (state, effects) = step(
        &with_call(Phase::Connecting),
        Event::MediaConnected { session: s("a") },
    );
    assert_eq!(state.summary(), Summary::InCall);
    assert_eq!(state.calls()[0].phase, Phase::InCall);
    assert_eq!(effects, vec![Effect::RequestKeyframe { session: s("a") }]);
}

#[test]
fn hanging_up_ends_the_call_quietly_and_returns_to_waiting() {
    for phase in [Phase::Connecting, Phase::InCall] {
        let (state, effects) = step(&with_call(phase), Event::CallerHungUp { session: s("a") });
        assert_eq!(state.summary(), Summary::Waiting);
        assert_eq!(
            effects,
            vec![
                Effect::StopPeer { session: s("a") },
                Effect::Forget {
                    session: s("a"),
                    may_return: false
                },
                Effect::StopCapture,
            ]
        );
    }
}

#[test]
fn capture_stops_only_after_the_last_call() {
    let (state, _) = arrive(&State::waiting(3), "a");
    let (state, _) = arrive(&state, "b");
    let (state, effects) = step(&state, Event::CallerHungUp { session: s("a") });
    assert_eq!(state.calls().len(), 1);
    assert!(!effects.contains(&Effect::StopCapture));
    let (state, effects) = step(&state, Event::CallerHungUp { session: s("b") });
    assert_eq!(state.summary(), Summary::Waiting);
    assert!(effects.contains(&Effect::StopCapture));
}

#[test]
fn only_a_page_of_the_same_link_takes_a_call_over() {
    let state = with_call(Phase::InCall);
    let stranger = Event::CallerArrived {
        socket: s("b"),
        session: s("b"),
        resume: Some(s("a")),
        keeps_media: false,
        resume_only: false,
        ready: true,
        link: LinkRef {
            id: "other".into(),
            label: "Eve".into(),
            one_time: false,
        },
        answering: NOW,
    };
    let (next, effects) = step(&state, stranger);
    assert_eq!(next, state, "the call stays");
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Refuse {
                code: ErrorCode::Busy,
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn resuming_a_call_that_is_gone_is_an_ordinary_arrival() {
    let (state, effects) = step(&State::waiting(2), resuming("b", "old", false));
    assert_eq!(state.calls().len(), 1);
    assert!(effects.contains(&Effect::StartCapture));
}

#[test]
fn a_spent_link_may_only_resume_its_call() {
    let (same, effects) = step(&State::waiting(2), resuming("b", "old", true));
    assert_eq!(same, State::waiting(2));
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            socket: s("b"),
            code: ErrorCode::LinkNoLongerValid,
            until: None,
        }]
    );
    let (next, _) = step(&with_call(Phase::InCall), resuming("b", "a", true));
    assert_eq!(next.calls()[0].session, s("a"));
}

#[test]
fn a_countdown_rings_first_and_answers_when_it_elapses() {
    let (state, effects) = step(
        &State::waiting(2),
        arrival("a", Answering::AfterCountdown { seconds: 3 }),
    );
    assert_eq!(state.summary(), Summary::Ringing);
    assert_eq!(
        effects,
        vec![
            Effect::Welcome {
                socket: s("a"),
                session: s("a"),
                resumed: false
            },
            Effect::Placed { session: s("a") },
            Effect::Announce {
                session: s("a"),
                seconds: 3
            },
        ],
        "no camera before the countdown ends"
    );
    let (state, effects) = step(&state, Event::CountdownElapsed { session: s("a") });
    assert_eq!(state.summary(), Summary::Connecting);
    assert_eq!(
        effects,
        vec![
            Effect::StartCapture,
            Effect::StartPeer {
                session: s("a"),
                try_number: 1
            },
            Effect::AwaitConnect {
                session: s("a"),
                try_number: 1
            },
        ]
    );
    assert_illegal(&state, Event::CountdownElapsed { session: s("a") });
}

#[test]
fn a_zero_countdown_answers_at_once() {
    let (state, effects) = step(
        &State::waiting(2),
        arrival("a", Answering::AfterCountdown { seconds: 0 }),
    );
    assert_eq!(state.summary(), Summary::Connecting);
    assert!(effects.contains(&Effect::StartPeer {
        session: s("a"),
        try_number: 1
    }));
}

#[test]
fn hanging_up_while_ringing_stops_nothing_that_never_started() {
    let (state, _) = step(
        &State::waiting(2),
        arrival("a", Answering::AfterCountdown { seconds: 5 }),
    );
    let (state, effects) = step(&state, Event::CallerHungUp { session: s("a") });
    assert_eq!(state.summary(), Summary::Waiting);
    assert_eq!(
        effects,
        vec![Effect::Forget {
            session: s("a"),
            may_return: false
        }]
    );
    assert_illegal(&state, Event::CountdownElapsed { session: s("a") });
}

#[test]
fn quiet_hours_and_answering_off_refuse_with_a_reason() {
    let (same, effects) = step(
        &State::waiting(2),
        arrival(
            "a",
            Answering::Resting {
                until: "08:00".into(),
            },
        ),
    );
    assert_eq!(same, State::waiting(2));
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            socket: s("a"),
            code: ErrorCode::Resting,
            until: Some("08:00".into()),
        }]
    );
    let (_, effects) = step(&State::waiting(2), arrival("a", Answering::Declined));
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            socket: s("a"),
            code: ErrorCode::NotAnswering,
            until: None,
        }]
    );
}

#[test]
fn revoking_a_link_ends_its_calls_only() {
    let (state, _) = arrive(&State::waiting(3), "a");
    let other = Event::CallerArrived {
        socket: s("b"),
        session: s("b"),
        resume: None,
        keeps_media: false,
        resume_only: false,
        ready: true,
        link: LinkRef {
            id: "L2".into(),
            label: "Ben".into(),
            one_time: false,
        },
        answering: NOW,
    };
    let (state, _) = step(&state, other);
    let (state, effects) = step(
        &state,
        Event::LinkRevoked {
            link_id: "L1".into(),
        },
    );
    assert_eq!(state.calls().len(), 1);
    assert_eq!(state.calls()[0].session, s("b"));
    assert_eq!(
        effects,
        vec![
            Effect::StopPeer { session: s("a") },
            Effect::End {
                session: s("a"),
                reason: EndReason::LinkRevoked
            },
        ]
    );
    let (_, effects) = step(
        &state,
        Event::LinkRevoked {
            link_id: "unused".into(),
        },
    );
    assert!(effects.is_empty());
}

#[test]
fn shutdown_ends_every_call_and_stops_capture() {
    let (state, _) = arrive(&State::waiting(3), "a");
    let (state, _) = arrive(&state, "b");
    let (state, effects) = step(&state, Event::Shutdown);
    assert_eq!(state.summary(), Summary::Waiting);
    assert_eq!(
        effects,
        vec![
            Effect::StopPeer { session: s("a") },
            Effect::End {
                session: s("a"),
                reason: EndReason::BoxShutdown
            },
            Effect::StopPeer { session: s("b") },
            Effect::End {
                session: s("b"),
                reason: EndReason::BoxShutdown
            },
            Effect::StopCapture,
        ]
    );
}

#[test]
fn shutdown_while_waiting_does_nothing() {
    let (state, effects) = step(&State::waiting(2), Event::Shutdown);
    assert_eq!(state, State::waiting(2));
    assert!(effects.is_empty());
}

#[test]
fn events_for_unknown_sessions_are_illegal() {
    let state = with_call(Phase::InCall);
    let x = || s("nobody");
    for event in [
        Event::OfferReady {
            session: x(),
            sdp: "o".into(),
        },
        Event::LocalCandidate {
            session: x(),
            candidate: cand(),
        },
        Event::AnswerReceived {
            session: x(),
            sdp: "a".into(),
            media_try: Some(1),
        },
        Event::RemoteCandidate {
            session: x(),
            candidate: cand(),
            media_try: Some(1),
        },
        Event::MediaConnected { session: x() },
        Event::CountdownElapsed { session: x() },
        Event::MediaFailed { session: x() },
        Event::CallerHungUp { session: x() },
        Event::CallerGone { session: x() },
    ] {
        assert_illegal(&state, event.clone());
        assert_illegal(&State::waiting(2), event);
    }
}

#[test]
fn events_at_the_wrong_moment_are_illegal() {
    let in_call = with_call(Phase::InCall);
    assert_illegal(
        &in_call,
        Event::OfferReady {
            session: s("a"),
            sdp: "o".into(),
        },
    );
    assert_illegal(&in_call, Event::MediaConnected { session: s("a") });
    assert_illegal(&in_call, arrival("a", NOW));
    let (ringing, _) = step(
        &State::waiting(2),
        arrival("r", Answering::AfterCountdown { seconds: 3 }),
    );
    for event in [
        Event::OfferReady {
            session: s("r"),
            sdp: "o".into(),
        },
        Event::MediaConnected { session: s("r") },
    ] {
        assert_illegal(&ringing, event);
    }
}

/// The effects of expelling the only call, `a`, which had media or not.
fn expelled(why: &'static str, had_media: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    if had_media {
        effects.push(Effect::StopPeer { session: s("a") });
    }
    effects.push(Effect::Expel {
        session: s("a"),
        code: ErrorCode::BadMessage,
        why,
    });
    if had_media {
        effects.push(Effect::StopCapture);
    }
    effects
}

#[test]
fn an_answer_the_box_did_not_ask_for_ends_the_call() {
    let in_call = with_call(Phase::InCall);
    let answer = || Event::AnswerReceived {
        session: s("a"),
        sdp: "a".into(),
        media_try: None,
    };
    let (next, effects) = step(&in_call, answer());
    assert_eq!(next, State::waiting(2));
    assert_eq!(effects, expelled("answer after the call connected", true));
    let (ringing, _) = step(
        &State::waiting(2),
        arrival("a", Answering::AfterCountdown { seconds: 3 }),
    );
    let (next, effects) = step(&ringing, answer());
    assert_eq!(next, State::waiting(2));
    assert_eq!(effects, expelled("answer before the box offered", false));
}

fn candidate(mline: u32, line: &str) -> Event {
    Event::RemoteCandidate {
        session: s("a"),
        candidate: IceCandidate {
            candidate: line.into(),
            sdp_m_line_index: mline,
        },
        media_try: Some(1),
    }
}

#[test]
fn candidates_are_taken_up_to_the_limits_then_the_call_ends() {
    let limits = CandidateLimits {
        per_call: 6,
        per_mline: 4,
        bytes: 100,
    };
    let (state, _) = arrive(&State::with_limits(2, limits), "a");
    let mut state = offered(&state, "a");
    for n in 0..4 {
        let (next, effects) = step(&state, candidate(0, &format!("candidate:{n}")));
        assert!(
            matches!(effects[..], [Effect::ApplyCandidate { .. }]),
            "{effects:?}"
        );
        state = next;
    }
    let (next, effects) = step(&state, candidate(0, "candidate:5"));
    assert_eq!(next.calls().len(), 0);
    assert_eq!(
        effects,
        expelled("too many candidates for one m-line", true)
    );

    for n in 0..2 {
        state = step(&state, candidate(1, &format!("candidate:a{n}"))).0;
    }
    let (_, effects) = step(&state, candidate(1, "candidate:a3"));
    assert_eq!(effects, expelled("too many candidates for one call", true));
}

#[test]
fn a_second_offer_is_illegal_and_keeps_the_tally() {
    let limits = CandidateLimits {
        per_call: 4,
        per_mline: 1,
        bytes: 100,
    };
    let (state, _) = arrive(&State::with_limits(2, limits), "a");
    let state = offered(&state, "a");
    let (state, _) = step(&state, candidate(0, "candidate:1"));
    assert_illegal(
        &state,
        Event::OfferReady {
            session: s("a"),
            sdp: OFFER.into(),
        },
    );
    let (_, effects) = step(&state, candidate(0, "candidate:2"));
    assert_eq!(
        effects,
        expelled("too many candidates for one m-line", true)
    );
}

#[test]
fn a_candidate_too_long_or_for_no_offered_mline_ends_the_call() {
    let limits = CandidateLimits {
        bytes: 100,
        ..CandidateLimits::default()
    };
    let (state, _) = arrive(&State::with_limits(2, limits), "a");
    let (_, effects) = step(&state, candidate(0, "candidate:1"));
    assert_eq!(
        effects,
        expelled("candidate for an m-line the box did not offer", true),
        "no candidate before the offer"
    );
    let state = offered(&state, "a");
    let (_, effects) = step(&state, candidate(2, "candidate:1"));
    assert_eq!(
        effects,
        expelled("candidate for an m-line the box did not offer", true)
    );
    let (_, effects) = step(&state, candidate(0, &"x".repeat(101)));
    assert_eq!(effects, expelled("candidate too long", true));
    let (_, effects) = step(&state, candidate(0, &"x".repeat(100)));
    assert!(matches!(effects[..], [Effect::ApplyCandidate { .. }]));
}

#[test]
fn a_socket_closed_for_misbehaving_ends_its_call_unheld() {
    let (state, effects) = step(
        &with_call(Phase::InCall),
        Event::CallerMisbehaved {
            session: s("a"),
            why: "messages faster than the rate limit",
        },
    );
    assert_eq!(state.summary(), Summary::Waiting);
    assert_eq!(
        effects,
        expelled("messages faster than the rate limit", true)
    );
}

/// A call across sockets and media tries: away, back, rebuilt.
#[path = "state_tests_away.rs"]
mod away;

/// Ask, then ring.
#[path = "state_tests_asking.rs"]
mod asking;
