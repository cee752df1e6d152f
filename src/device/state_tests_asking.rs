//! The state machine's first phase: a page admitted before its person
//! pressed Call, quiet until ready; what the caller sends, for the TV.

use super::*;

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
        vec![
            Effect::Welcome {
                socket: s("a"),
                session: s("a"),
                resumed: false
            },
            Effect::StartCapture,
            Effect::AwaitPress { session: s("a") },
            Effect::StartPeer {
                session: s("a"),
                try_number: 1
            },
        ],
        "nothing announced, the link not spent; the camera warms up and the offer is made"
    );
    assert_eq!(state.summary(), Summary::Waiting);
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert_eq!(effects, announced("a"));
    assert_eq!(state.summary(), Summary::Ringing);
    assert_illegal(&state, Event::CallerReady { session: s("a") });
}

#[test]
fn pages_still_asking_take_no_place_and_the_first_ready_gets_it() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, effects) = step(&state, asking("b", 0));
    assert!(
        matches!(
            effects[..],
            [Effect::Welcome { .. }, Effect::AwaitPress { .. }]
        ),
        "the camera runs already: {effects:?}"
    );
    let (state, effects) = step(&state, Event::CallerReady { session: s("b") });
    assert_eq!(state.summary(), Summary::Connecting);
    assert!(
        effects.contains(&Effect::StopPeer { session: s("a") }),
        "the last place is taken: the try made ahead for the first page goes: {effects:?}"
    );
    // What that try still finds as it goes reaches no page still asking.
    assert_illegal(
        &state,
        Event::LocalCandidate {
            session: s("a"),
            candidate: cand(),
        },
    );
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

#[test]
fn the_camera_warmed_for_an_asking_page_is_used_by_its_call_and_not_started_twice() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert_eq!(
        effects,
        vec![
            Effect::Placed { session: s("a") },
            Effect::AwaitConnect {
                session: s("a"),
                try_number: 1
            },
        ],
        "the try made while the page asked is the call's"
    );
    // The wait for the press is over long since: nothing changes.
    assert_illegal(&state, Event::PressOverdue { session: s("a") });
    // The call's end stops the camera, as for any call.
    let (_, effects) = step(&state, Event::CallerHungUp { session: s("a") });
    assert!(effects.contains(&Effect::StopCapture), "{effects:?}");
}

#[test]
fn the_camera_stops_when_nobody_presses_call_and_starts_again_at_the_press() {
    let (state, _) = step(&State::waiting(2), asking("a", 3));
    let (state, effects) = step(&state, Event::PressOverdue { session: s("a") });
    assert_eq!(
        effects,
        vec![Effect::StopPeer { session: s("a") }, Effect::StopCapture]
    );
    assert_eq!(
        state.calls()[0].phase,
        Phase::Asking,
        "the page may still call"
    );
    assert_illegal(&state, Event::PressOverdue { session: s("a") });
    let (state, _) = step(&state, Event::CallerReady { session: s("a") });
    let (_, effects) = step(&state, Event::CountdownElapsed { session: s("a") });
    assert!(effects.contains(&Effect::StartCapture), "{effects:?}");
}

#[test]
fn the_camera_warmed_for_an_asking_page_stops_when_it_leaves_or_is_refused() {
    // The page goes and its place is not held any longer.
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, _) = step(&state, Event::CallerGone { session: s("a") });
    let (state, effects) = step(
        &state,
        Event::GraceElapsed {
            session: s("a"),
            absence: 1,
        },
    );
    assert!(effects.contains(&Effect::StopCapture), "{effects:?}");
    assert_eq!(state.calls().len(), 0);

    // A second page, warm but refused busy at its press: the camera stays
    // for the call in progress, and stops with it.
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, _) = step(&state, asking("b", 0));
    let (state, _) = step(&state, Event::CallerReady { session: s("a") });
    let (state, effects) = step(&state, Event::CallerReady { session: s("b") });
    assert!(!effects.contains(&Effect::StopCapture), "{effects:?}");
    let (_, effects) = step(&state, Event::CallerHungUp { session: s("a") });
    assert!(effects.contains(&Effect::StopCapture), "{effects:?}");

    // Refused busy while the one place rings with nothing started for it
    // yet: the camera warmed for the refused page stops.
    let (state, _) = step(&State::waiting(2), asking("a", 3));
    let (state, _) = step(&state, Event::PressOverdue { session: s("a") });
    let (state, effects) = step(&state, asking("b", 0));
    assert!(effects.contains(&Effect::StartCapture), "{effects:?}");
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert!(!effects.contains(&Effect::StopCapture), "{effects:?}");
    assert!(
        effects.contains(&Effect::StopPeer { session: s("b") }),
        "the one place taken, the try made ahead for the other page goes: {effects:?}"
    );
    let (_, effects) = step(&state, Event::CallerReady { session: s("b") });
    assert_eq!(
        effects,
        vec![
            Effect::Refuse {
                socket: s("b"),
                code: ErrorCode::Busy,
                until: None
            },
            Effect::StopCapture,
        ]
    );
}

/// Steps `event` from the try built ahead, which must send nothing yet.
fn held(state: &State, event: Event) -> State {
    let (next, effects) = step(state, event);
    assert_eq!(effects, vec![], "nothing goes to a caller not yet answered");
    next
}

/// What the answer of page `id` sends when its first try's offer and one
/// candidate were made ahead: the deadline starts, then the offer with the
/// candidate written in its first media section.
fn held_ones_sent(id: &str) -> Vec<Effect> {
    vec![
        Effect::AwaitConnect {
            session: s(id),
            try_number: 1,
        },
        Effect::SendOffer {
            session: s(id),
            sdp: "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n\
                  a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host\r\n\
                  m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                .into(),
            media_try: 1,
        },
    ]
}

#[test]
fn an_asking_pages_offer_is_made_ahead_and_goes_out_at_the_press() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    // The branch built for the page makes its offer and finds a candidate:
    // both wait, for the person has not pressed Call.
    let state = held(
        &state,
        Event::OfferReady {
            session: s("a"),
            sdp: OFFER.into(),
        },
    );
    let state = held(
        &state,
        Event::LocalCandidate {
            session: s("a"),
            candidate: cand(),
        },
    );
    assert_illegal(
        &state,
        Event::OfferReady {
            session: s("a"),
            sdp: OFFER.into(),
        },
    );
    // A page answering what it was never sent is no page.
    let (_, effects) = step(
        &state,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: Some(1),
        },
    );
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Expel { .. })),
        "{effects:?}"
    );

    // The press answers with them, and the connect deadline starts now.
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert_eq!(
        effects,
        [
            vec![Effect::Placed { session: s("a") }],
            held_ones_sent("a")
        ]
        .concat()
    );
    assert_eq!(state.summary(), Summary::Connecting);
    // The caller's answer to it is taken as to any offer.
    let (_, effects) = step(
        &state,
        Event::AnswerReceived {
            session: s("a"),
            sdp: OFFER.into(),
            media_try: Some(1),
        },
    );
    assert!(
        matches!(effects[..], [Effect::ApplyAnswer { .. }]),
        "{effects:?}"
    );
}

#[test]
fn an_offer_still_being_made_at_the_press_goes_out_as_it_comes() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::StartPeer { .. } | Effect::SendOffer { .. })),
        "{effects:?}"
    );
    let (_, effects) = step(
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
            media_try: 1,
        }]
    );
}

#[test]
fn a_try_made_ahead_that_fails_is_built_again_at_the_press_without_counting() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (state, effects) = step(&state, Event::MediaFailed { session: s("a") });
    assert_eq!(effects, vec![Effect::StopPeer { session: s("a") }]);
    assert_eq!(state.calls()[0].failures, 0);
    assert_illegal(&state, Event::MediaFailed { session: s("a") });
    let (_, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert!(effects.ends_with(&try_started("a", 2)), "{effects:?}");
}

#[test]
fn a_page_that_goes_before_its_press_takes_its_try_with_it() {
    let (state, _) = step(&State::waiting(2), asking("a", 0));
    let (_, effects) = step(&state, Event::CallerHungUp { session: s("a") });
    assert_eq!(effects[0], Effect::StopPeer { session: s("a") });
    assert!(effects.contains(&Effect::StopCapture), "{effects:?}");

    // Its socket closes: the try waits with its place, then goes with it.
    let (state, effects) = step(&state, Event::CallerGone { session: s("a") });
    assert!(
        !effects.contains(&Effect::StopPeer { session: s("a") }),
        "{effects:?}"
    );
    let (_, effects) = step(
        &state,
        Event::GraceElapsed {
            session: s("a"),
            absence: 1,
        },
    );
    assert_eq!(effects[0], Effect::StopPeer { session: s("a") });
}

#[test]
fn with_a_countdown_the_offer_made_ahead_goes_out_when_it_ends() {
    let (state, _) = step(&State::waiting(2), asking("a", 3));
    let state = offered(&state, "a");
    let (state, effects) = step(&state, Event::CallerReady { session: s("a") });
    assert_eq!(
        effects,
        announced("a"),
        "the TV announces; the caller gets nothing yet"
    );
    // A candidate found while the TV rings waits as well.
    let state = held(
        &state,
        Event::LocalCandidate {
            session: s("a"),
            candidate: cand(),
        },
    );
    let (_, effects) = step(&state, Event::CountdownElapsed { session: s("a") });
    assert_eq!(effects, held_ones_sent("a"));
}
