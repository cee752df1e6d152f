//! The state machine's calls across sockets and media tries: a caller
//! away and back, reloads, restored calls, media rebuilt and its limit.

use super::*;

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

/// The effects of building media try `n` of `a` again.
fn rebuilt(n: u32) -> Vec<Effect> {
    vec![
        Effect::StopPeer { session: s("a") },
        Effect::StartPeer {
            session: s("a"),
            try_number: n,
        },
        Effect::AwaitConnect {
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
            [
                Effect::StopPeer { .. },
                Effect::StartPeer { .. },
                Effect::AwaitConnect { .. }
            ]
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

/// Try 1 given up on (its deadline), try 2 started and not yet offered.
fn second_try_started() -> State {
    let (state, effects) = step(
        &with_call(Phase::Connecting),
        Event::ConnectDeadline {
            session: s("a"),
            try_number: 1,
        },
    );
    assert_eq!(effects, rebuilt(2));
    state
}

#[test]
fn an_answer_or_candidate_for_a_replaced_try_is_dropped_and_the_call_goes_on() {
    let state = second_try_started();
    // On their way when the box gave try 1 up: let go, not taken for try 2's.
    assert_illegal(
        &state,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: Some(1),
        },
    );
    assert_illegal(
        &state,
        Event::RemoteCandidate {
            session: s("a"),
            candidate: cand(),
            media_try: Some(1),
        },
    );
    // Try 2's own answer and candidates are taken once it is offered.
    let (offered, effects) = step(
        &state,
        Event::OfferReady {
            session: s("a"),
            sdp: OFFER.into(),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::SendOffer {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: 2,
        }]
    );
    assert_illegal(
        &offered,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: Some(1),
        },
    );
    let (_, effects) = step(
        &offered,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: Some(2),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::ApplyAnswer {
            session: s("a"),
            sdp: OFFER.into(),
        }]
    );
    let (_, effects) = step(
        &offered,
        Event::RemoteCandidate {
            session: s("a"),
            candidate: cand(),
            media_try: Some(2),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::ApplyCandidate {
            session: s("a"),
            candidate: cand(),
        }]
    );
}

#[test]
fn a_candidate_naming_no_try_before_the_new_offer_still_ends_the_call() {
    // A page that names no try speaks of the current one, as before the
    // field: try 2 has offered nothing, so its m-lines are none.
    let (next, effects) = step(
        &second_try_started(),
        Event::RemoteCandidate {
            session: s("a"),
            candidate: cand(),
            media_try: None,
        },
    );
    assert_eq!(next, State::waiting(2));
    assert_eq!(
        effects,
        expelled("candidate for an m-line the box did not offer", true)
    );
}

#[test]
fn naming_a_try_the_box_never_made_ends_the_call() {
    for named in [0, 3, u32::MAX] {
        let (next, effects) = step(
            &second_try_started(),
            Event::AnswerReceived {
                session: s("a"),
                sdp: OFFER.into(),
                media_try: Some(named),
            },
        );
        assert_eq!(next, State::waiting(2), "try {named}");
        assert_eq!(
            effects,
            expelled("a media try the box did not make", true),
            "try {named}"
        );
    }
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
        [
            vec![
                Effect::StopPeer { session: s("a") },
                Effect::Welcome {
                    socket: s("p2"),
                    session: s("a"),
                    resumed: true
                },
            ],
            try_started("a", 2).to_vec(),
        ]
        .concat()
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
            Effect::AwaitConnect {
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
            Effect::AwaitConnect {
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
