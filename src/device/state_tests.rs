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
            sdp: OFFER.into()
        }]
    );
    let state = offered;
    let (_, effects) = step(
        &state,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
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
fn a_closed_socket_holds_the_callers_place_and_keeps_the_media() {
    for phase in [Phase::Connecting, Phase::InCall] {
        let (away, effects) = step(&with_call(phase), Event::CallerGone { session: s("a") });
        assert_eq!(away.calls().len(), 1, "the call goes on");
        assert_eq!(away.calls()[0].phase, phase, "its media too");
        assert!(!away.calls()[0].present);
        assert_eq!(
            effects,
            vec![Effect::HoldPlace {
                session: s("a"),
                absence: 1,
                leaving: false
            }]
        );
        assert_illegal(&away, Event::CallerGone { session: s("a") });
        // Nobody came back: the call ends, and its page may still return a while.
        let (state, effects) = step(
            &away,
            Event::GraceElapsed {
                session: s("a"),
                absence: 1,
            },
        );
        assert_eq!(state.summary(), Summary::Waiting);
        assert_eq!(
            effects,
            vec![
                Effect::StopPeer { session: s("a") },
                Effect::Forget {
                    session: s("a"),
                    may_return: true
                },
                Effect::StopCapture,
            ]
        );
    }
}

#[test]
fn a_page_that_said_it_is_leaving_is_held_for_less() {
    let (state, effects) = step(
        &with_call(Phase::InCall),
        Event::CallerLeaving { session: s("a") },
    );
    assert!(effects.is_empty());
    let (_, effects) = step(&state, Event::CallerGone { session: s("a") });
    assert_eq!(
        effects,
        vec![Effect::HoldPlace {
            session: s("a"),
            absence: 1,
            leaving: true
        }]
    );
}

#[test]
fn a_page_back_within_the_grace_period_keeps_its_call_and_an_old_timer_ends_nothing() {
    let (away, _) = step(
        &with_call(Phase::InCall),
        Event::CallerGone { session: s("a") },
    );
    let (back, effects) = step(&away, kept("p2", "a"));
    assert_eq!(
        effects,
        vec![Effect::Welcome {
            socket: s("p2"),
            session: s("a"),
            resumed: true
        }],
        "media kept: nothing rebuilt, nothing announced"
    );
    assert_eq!(back.calls()[0].phase, Phase::InCall);
    assert!(back.calls()[0].present);
    assert_illegal(
        &back,
        Event::GraceElapsed {
            session: s("a"),
            absence: 1,
        },
    );
    let (away_again, _) = step(&back, Event::CallerGone { session: s("a") });
    assert_illegal(
        &away_again,
        Event::GraceElapsed {
            session: s("a"),
            absence: 1,
        },
    );
    let (ended, _) = step(
        &away_again,
        Event::GraceElapsed {
            session: s("a"),
            absence: 2,
        },
    );
    assert_eq!(ended.summary(), Summary::Waiting);
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

/// The effects of building media try `n` of `a` again.
fn rebuilt(n: u32) -> Vec<Effect> {
    vec![
        Effect::StopPeer { session: s("a") },
        Effect::StartPeer {
            session: s("a"),
            try_number: n,
        },
    ]
}

#[test]
fn failed_media_is_rebuilt_for_the_same_call_then_the_call_ends() {
    let mut state = with_call(Phase::Connecting);
    for n in 2..=MAX_TRIES {
        let (next, effects) = step(&state, Event::MediaFailed { session: s("a") });
        assert_eq!(effects, rebuilt(n), "try {n}");
        assert_eq!(next.calls()[0].phase, Phase::Connecting);
        state = offered(&next, "a");
    }
    let (state, effects) = step(&state, Event::MediaFailed { session: s("a") });
    assert_eq!(state.summary(), Summary::Waiting);
    assert_eq!(
        effects,
        vec![
            Effect::StopPeer { session: s("a") },
            Effect::End {
                session: s("a"),
                reason: EndReason::ConnectionFailed
            },
            Effect::StopCapture,
        ]
    );
}

#[test]
fn a_call_that_connected_starts_counting_its_failures_afresh() {
    let mut state = with_call(Phase::InCall);
    for _ in 0..5 {
        let (next, effects) = step(&state, Event::MediaFailed { session: s("a") });
        assert!(matches!(
            effects[..],
            [Effect::StopPeer { .. }, Effect::StartPeer { .. }]
        ));
        state = step(
            &offered(&next, "a"),
            Event::MediaConnected { session: s("a") },
        )
        .0;
    }
    assert_eq!(state.summary(), Summary::InCall);
}

#[test]
fn only_the_latest_tries_deadline_counts() {
    let state = with_call(Phase::Connecting);
    let (next, effects) = step(
        &state,
        Event::ConnectDeadline {
            session: s("a"),
            try_number: 1,
        },
    );
    assert_eq!(effects, rebuilt(2));
    assert_illegal(
        &next,
        Event::ConnectDeadline {
            session: s("a"),
            try_number: 1,
        },
    );
    assert_illegal(
        &with_call(Phase::InCall),
        Event::ConnectDeadline {
            session: s("a"),
            try_number: 1,
        },
    );
}

#[test]
fn an_away_callers_failed_media_waits_for_its_page() {
    let (away, _) = step(
        &with_call(Phase::InCall),
        Event::CallerGone { session: s("a") },
    );
    let (state, effects) = step(&away, Event::MediaFailed { session: s("a") });
    assert!(effects.is_empty(), "{effects:?}");
    let (_, effects) = step(&state, resuming("p2", "a", false));
    assert_eq!(
        effects,
        vec![
            Effect::StopPeer { session: s("a") },
            Effect::Welcome {
                socket: s("p2"),
                session: s("a"),
                resumed: true
            },
            Effect::StartPeer {
                session: s("a"),
                try_number: 2
            },
        ]
    );
}

#[test]
fn a_browser_that_cannot_call_ends_the_call_at_once() {
    for event in [
        Event::CallerCannotCall { session: s("a") },
        Event::AnswerRefused { session: s("a") },
    ] {
        let (state, effects) = step(&with_call(Phase::Connecting), event);
        assert_eq!(state.summary(), Summary::Waiting);
        assert_eq!(
            effects,
            vec![
                Effect::StopPeer { session: s("a") },
                Effect::End {
                    session: s("a"),
                    reason: EndReason::Incompatible
                },
                Effect::StopCapture,
            ]
        );
    }
}

#[test]
fn a_reloaded_page_takes_its_call_up_even_at_the_limit_with_new_media() {
    let state = with_call(Phase::InCall);
    let (next, effects) = step(&state, resuming("b", "a", false));
    assert_eq!(next.calls().len(), 1);
    assert_eq!(next.calls()[0].session, s("a"), "the same call");
    assert_eq!(next.calls()[0].phase, Phase::Connecting);
    assert_eq!(
        effects,
        vec![
            Effect::StopPeer { session: s("a") },
            Effect::Welcome {
                socket: s("b"),
                session: s("a"),
                resumed: true
            },
            Effect::StartPeer {
                session: s("a"),
                try_number: 2
            },
        ],
        "capture keeps running, nothing is announced"
    );
}

#[test]
fn a_ringing_call_taken_up_goes_on_ringing() {
    let (ringing, _) = step(
        &State::waiting(2),
        arrival("a", Answering::AfterCountdown { seconds: 3 }),
    );
    let (away, _) = step(&ringing, Event::CallerGone { session: s("a") });
    let (back, effects) = step(&away, resuming("b", "a", true));
    assert_eq!(back.summary(), Summary::Ringing);
    assert_eq!(
        effects,
        vec![Effect::Welcome {
            socket: s("b"),
            session: s("a"),
            resumed: true
        }]
    );
}

#[test]
fn a_call_of_a_moment_ago_comes_back_unannounced_whatever_the_settings() {
    let restored = Event::CallerArrived {
        socket: s("p"),
        session: s("old"),
        resume: None,
        keeps_media: false,
        resume_only: false,
        ready: true,
        link: link(),
        answering: Answering::Restored,
    };
    let (state, effects) = step(&State::waiting(2), restored.clone());
    assert_eq!(state.calls()[0].session, s("old"));
    assert_eq!(
        effects,
        vec![
            Effect::Welcome {
                socket: s("p"),
                session: s("old"),
                resumed: true
            },
            Effect::StartCapture,
            Effect::StartPeer {
                session: s("old"),
                try_number: 1
            },
        ]
    );
    let (_, effects) = step(&with_call(Phase::InCall), restored);
    assert!(
        matches!(
            effects[..],
            [Effect::Refuse {
                code: ErrorCode::Busy,
                ..
            }]
        ),
        "it takes a place like any call: {effects:?}"
    );
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
            }
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
        },
        Event::RemoteCandidate {
            session: x(),
            candidate: cand(),
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

/// A page that has not pressed Call yet.
fn asking(id: &str, countdown: u32) -> Event {
    Event::CallerArrived {
        socket: s(id),
        session: s(id),
        resume: None,
        keeps_media: false,
        resume_only: false,
        ready: false,
        link: link(),
        answering: Answering::AfterCountdown { seconds: countdown },
    }
}

#[test]
fn a_page_asking_its_person_is_admitted_quietly_and_rings_when_ready() {
    let (state, effects) = step(&State::waiting(2), asking("a", 3));
    assert_eq!(
        effects,
        vec![Effect::Welcome {
            socket: s("a"),
            session: s("a"),
            resumed: false
        }],
        "nothing announced, nothing started, the link not spent"
    );
    assert_eq!(state.summary(), Summary::Waiting);
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert_eq!(
        effects,
        vec![
            Effect::Placed { session: s("a") },
            Effect::Announce {
                session: s("a"),
                seconds: 3
            },
        ]
    );
    assert_eq!(state.summary(), Summary::Ringing);
    assert_illegal(&state, Event::CallerReady { session: s("a") });
}

#[test]
fn pages_still_asking_take_no_place_and_the_first_ready_gets_it() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, effects) = step(&state, asking("b", 0));
    assert!(
        matches!(effects[..], [Effect::Welcome { .. }]),
        "{effects:?}"
    );
    let (state, _) = step(&state, Event::CallerReady { session: s("b") });
    assert_eq!(state.summary(), Summary::Connecting);
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            socket: s("a"),
            code: ErrorCode::Busy,
            until: None
        }]
    );
    assert_eq!(state.calls().len(), 1);
    // And a page arriving while the place is taken hears so before it asks.
    let (_, effects) = step(&state, asking("c", 0));
    assert!(matches!(
        effects[..],
        [Effect::Refuse {
            code: ErrorCode::Busy,
            ..
        }]
    ));
}

#[test]
fn what_the_caller_sends_is_kept_for_the_tv() {
    let (state, _) = step(
        &with_call(Phase::InCall),
        Event::CallerSending {
            session: s("a"),
            camera: Camera::None,
            microphone: true,
        },
    );
    assert_eq!(state.calls()[0].camera, Camera::None);
}
