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
