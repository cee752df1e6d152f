//! The actor's decisions, with a recording media engine: what reaches the
//! engine and the callers, in what order, across sockets and media tries.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::device::handle::{CallerLink, DeviceHandle};
use crate::device::recording::RecordingMedia;
use crate::device::state::LinkRef;
use crate::history::CallHistory;
use crate::limits::CandidateLimits;
use crate::protocol::{ErrorCode, ServerMessage};
use crate::settings::SettingsStore;
use crate::settings::{AutoAnswer, Settings};

const OFFER: &str = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
const WAIT: Duration = Duration::from_secs(5);

struct Harness {
    device: DeviceHandle,
    media: RecordingMedia,
    events: mpsc::UnboundedSender<MediaEvent>,
    dir: tempfile::TempDir,
}

impl Harness {
    fn new(max_participants: usize, media: RecordingMedia) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let factory = Settings {
            auto_answer: AutoAnswer {
                countdown_secs: 0,
                ..AutoAnswer::default()
            },
            ..Settings::default()
        };
        let settings = DeviceSettings {
            max_participants,
            turn: None,
            history: CallHistory::open(dir.path()),
            ice_local_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            settings: SettingsStore::open(dir.path(), factory),
            candidates: CandidateLimits::default(),
            reconnect_grace: Duration::from_millis(300),
            press_wait: Duration::from_millis(300),
            resume_window_secs: 300,
            connect_limit: Duration::from_secs(30),
            state_dir: None,
            box_name: Some("Grandma".into()),
            tv_language: TvLanguage::En,
        };
        let (events, events_rx) = mpsc::unbounded_channel();
        let device = DeviceHandle::spawn(settings, media.clone(), events_rx).expect("spawn");
        Self {
            device,
            media,
            events,
            dir,
        }
    }

    /// A caller on socket `socket` through `link`, read through the returned inbox.
    async fn arrive(
        &self,
        socket: &str,
        resume: Option<&str>,
        keeps_media: bool,
        link: &LinkRef,
        outbox: usize,
    ) -> mpsc::Receiver<ToCaller> {
        let (tx, rx) = mpsc::channel(outbox);
        self.device
            .arrive(Arrival {
                caller: CallerLink {
                    socket: SessionId::new(socket),
                    outbox: tx,
                },
                resume: resume.map(SessionId::new),
                keeps_media,
                ready: true,
                resume_only: false,
                link: link.clone(),
            })
            .await;
        rx
    }

    /// A page on socket `socket` whose person has not pressed Call yet.
    async fn ask(&self, socket: &str) -> mpsc::Receiver<ToCaller> {
        let (tx, rx) = mpsc::channel(16);
        self.device
            .arrive(Arrival {
                caller: CallerLink {
                    socket: SessionId::new(socket),
                    outbox: tx,
                },
                resume: None,
                keeps_media: false,
                ready: false,
                resume_only: false,
                link: link("L1", false),
            })
            .await;
        rx
    }

    fn media_event(&self, event: MediaEvent) {
        self.events.send(event).expect("the actor runs");
    }

    /// The engine made the offer of media try `branch`.
    fn offers(&self, branch: &str) {
        self.media_event(MediaEvent::Offer {
            session: branch.into(),
            sdp: OFFER.into(),
        });
    }

    /// The media of try `branch` flows.
    fn connects(&self, branch: &str) {
        self.media_event(MediaEvent::Connected {
            session: branch.into(),
        });
    }

    /// Waits until the engine was asked `line`.
    async fn asked(&self, line: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.media.calls().iter().any(|l| l == line) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the engine was never asked {line:?}: {:?}",
                self.media.calls()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Lets the actor handle what it was sent (a round trip through its inbox).
    async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let _ = self.device.status().await;
    }
}

fn link(id: &str, one_time: bool) -> LinkRef {
    LinkRef {
        id: id.into(),
        label: "Anna".into(),
        one_time,
    }
}

async fn next(rx: &mut mpsc::Receiver<ToCaller>) -> ToCaller {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("a message in time")
        .expect("the socket is open")
}

async fn message(rx: &mut mpsc::Receiver<ToCaller>) -> ServerMessage {
    loop {
        match next(rx).await {
            ToCaller::Message(m) => return m,
            ToCaller::Placed => continue,
            ToCaller::Close => panic!("closed instead of a message"),
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_reaches_the_engine_and_the_caller_in_order_and_is_recorded_once() {
    let b = Harness::new(2, RecordingMedia::default());
    let mut rx = b.arrive("s1", None, false, &link("L1", false), 16).await;
    assert!(
        matches!(message(&mut rx).await, ServerMessage::Welcome { ref session, resumed: false, .. } if session == "s1")
    );
    b.asked("start_branch s1-1-0").await;
    assert_eq!(
        b.media.calls(),
        vec!["start_capture", "start_branch s1-1-0"]
    );
    b.offers("s1-1-0");
    assert!(matches!(
        message(&mut rx).await,
        ServerMessage::Offer { .. }
    ));
    b.device
        .from_caller(
            SessionId::new("s1"),
            ClientMessage::Answer {
                sdp: OFFER.into(),
                media_try: Some(1),
            },
        )
        .await;
    b.asked("answer s1-1-0").await;
    b.connects("s1-1-0");
    b.asked("keyframe s1-1-0").await;
    // A reload: the same call, a new media try, nothing announced.
    let mut again = b
        .arrive("s2", Some("s1"), false, &link("L1", false), 16)
        .await;
    assert!(
        matches!(message(&mut again).await, ServerMessage::Welcome { ref session, resumed: true, .. } if session == "s1")
    );
    assert!(matches!(
        message(&mut rx).await,
        ServerMessage::Ended {
            reason: EndReason::TakenOver
        }
    ));
    b.asked("start_branch s1-2-1").await;
    b.device
        .from_caller(SessionId::new("s2"), ClientMessage::HangUp)
        .await;
    b.asked("stop_capture").await;
    assert_eq!(
        b.media.calls(),
        vec![
            "start_capture",
            "start_branch s1-1-0",
            "answer s1-1-0",
            "keyframe s1-1-0",
            "stop_branch s1-1-0",
            "start_branch s1-2-1",
            "stop_branch s1-2-1",
            "stop_capture",
        ]
    );
    assert_eq!(next(&mut again).await, ToCaller::Close);
    b.settle().await;
    let history = CallHistory::open(b.dir.path());
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let records = history.recent().expect("history");
        if !records.is_empty() {
            assert_eq!(records.len(), 1, "{records:?}");
            assert_eq!(records[0].ended, "hungUp");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the call was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn two_pages_of_a_one_time_link_get_one_call() {
    let b = Harness::new(3, RecordingMedia::default());
    let mut first = b.arrive("a", None, false, &link("once", true), 16).await;
    let mut second = b.arrive("b", None, false, &link("once", true), 16).await;
    assert!(matches!(
        message(&mut first).await,
        ServerMessage::Welcome { .. }
    ));
    assert_eq!(
        message(&mut second).await,
        ServerMessage::Error {
            code: ErrorCode::LinkNoLongerValid,
            until: None
        }
    );
    assert_eq!(next(&mut second).await, ToCaller::Close);
}

#[tokio::test(flavor = "current_thread")]
async fn a_caller_not_reading_is_let_go_and_its_call_waits_for_it() {
    let b = Harness::new(2, RecordingMedia::default());
    let mut rx = b.arrive("s1", None, false, &link("L1", false), 1).await;
    b.asked("start_branch s1-1-0").await;
    b.offers("s1-1-0");
    b.settle().await;
    // The welcome filled its outbox; the offer found it full: the socket is let go.
    assert!(matches!(
        message(&mut rx).await,
        ServerMessage::Welcome { .. }
    ));
    assert!(tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("in time")
        .is_none());
    let status = b.device.status().await.expect("status");
    assert_eq!(
        status.calls.len(),
        1,
        "the call is not ended by a full outbox"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_torn_down_tries_late_events_change_nothing() {
    let b = Harness::new(2, RecordingMedia::default());
    let _rx = b.arrive("s1", None, false, &link("L1", false), 16).await;
    b.asked("start_branch s1-1-0").await;
    let _rx2 = b
        .arrive("s2", Some("s1"), false, &link("L1", false), 16)
        .await;
    b.asked("start_branch s1-2-1").await;
    b.media_event(MediaEvent::Failed {
        session: "s1-1-0".into(),
    });
    b.connects("s1-1-0");
    b.settle().await;
    assert_eq!(
        b.media.calls(),
        vec![
            "start_capture",
            "start_branch s1-1-0",
            "stop_branch s1-1-0",
            "start_branch s1-2-1"
        ]
    );
    let status = b.device.status().await.expect("status");
    assert_eq!(status.calls[0].phase, Phase::Connecting);
}

#[tokio::test(flavor = "current_thread")]
async fn what_an_away_caller_is_told_waits_for_its_return() {
    let b = Harness::new(2, RecordingMedia::default());
    let mut rx = b.arrive("s1", None, false, &link("L1", false), 16).await;
    b.asked("start_branch s1-1-0").await;
    b.offers("s1-1-0");
    b.connects("s1-1-0");
    b.asked("keyframe s1-1-0").await;
    assert!(matches!(
        message(&mut rx).await,
        ServerMessage::Welcome { .. }
    ));
    assert!(matches!(
        message(&mut rx).await,
        ServerMessage::Offer { .. }
    ));
    drop(rx);
    b.device.gone(SessionId::new("s1")).await;
    b.media_event(MediaEvent::Candidate {
        session: "s1-1-0".into(),
        mline: 0,
        candidate: "candidate:late".into(),
    });
    b.settle().await;
    let mut back = b
        .arrive("s2", Some("s1"), true, &link("L1", false), 16)
        .await;
    assert!(matches!(
        message(&mut back).await,
        ServerMessage::Welcome { resumed: true, .. }
    ));
    assert!(
        matches!(message(&mut back).await, ServerMessage::Ice(ref c) if c.candidate == "candidate:late"),
        "the candidate queued while it was away"
    );
    let branches_started = b
        .media
        .calls()
        .iter()
        .filter(|call| call.starts_with("start_branch"))
        .count();
    assert_eq!(branches_started, 1, "media kept");
}

#[tokio::test(flavor = "current_thread")]
async fn an_away_caller_that_does_not_come_back_ends_after_the_grace_period() {
    let b = Harness::new(2, RecordingMedia::default());
    let rx = b.arrive("s1", None, false, &link("L1", false), 16).await;
    b.asked("start_branch s1-1-0").await;
    drop(rx);
    b.device.gone(SessionId::new("s1")).await;
    b.settle().await;
    assert_eq!(
        b.device.status().await.expect("status").calls.len(),
        1,
        "held"
    );
    b.asked("stop_capture").await;
    assert_eq!(
        b.device.status().await.expect("status").summary,
        Summary::Waiting
    );
}

/// Everything `rx` gets until its socket is closed.
async fn last_words(rx: &mut mpsc::Receiver<ToCaller>) -> Vec<ServerMessage> {
    let mut seen = Vec::new();
    loop {
        match next(rx).await {
            ToCaller::Message(m) => seen.push(m),
            ToCaller::Placed => {}
            ToCaller::Close => return seen,
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_answer_the_engine_cannot_read_expels_and_one_it_refuses_is_incompatible() {
    for refused_later in [false, true] {
        let media = if refused_later {
            RecordingMedia::default()
        } else {
            RecordingMedia::refusing_answers()
        };
        let b = Harness::new(2, media);
        let mut rx = b.arrive("s1", None, false, &link("L1", false), 16).await;
        b.asked("start_branch s1-1-0").await;
        b.offers("s1-1-0");
        b.settle().await;
        b.device
            .from_caller(
                SessionId::new("s1"),
                ClientMessage::Answer {
                    sdp: OFFER.into(),
                    media_try: Some(1),
                },
            )
            .await;
        b.asked("answer s1-1-0").await;
        if refused_later {
            // webrtcbin reads it, then finds nothing in common.
            b.media_event(MediaEvent::AnswerRefused {
                session: "s1-1-0".into(),
            });
        }
        b.asked("stop_capture").await;
        let seen = last_words(&mut rx).await;
        let expected = if refused_later {
            ServerMessage::Ended {
                reason: EndReason::Incompatible,
            }
        } else {
            ServerMessage::Error {
                code: ErrorCode::BadMessage,
                until: None,
            }
        };
        assert!(seen.contains(&expected), "{seen:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_camera_runs_ahead_while_a_page_asks_and_stops_if_nobody_presses_call() {
    let b = Harness::new(2, RecordingMedia::default());
    let _idle = b.ask("idle").await;
    b.asked("start_capture").await;
    // The harness's press_wait is 300 ms: nobody pressed Call.
    b.asked("stop_capture").await;
    assert_eq!(
        b.media.calls(),
        vec![
            "start_capture",
            "start_branch idle-1-0",
            "stop_branch idle-1-0",
            "stop_capture"
        ]
    );

    // A person who presses Call in time finds the camera running and the
    // call's media built already.
    let b = Harness::new(2, RecordingMedia::default());
    let _rx = b.ask("s1").await;
    b.asked("start_branch s1-1-0").await;
    b.device
        .from_caller(SessionId::new("s1"), ClientMessage::Ready)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.settle().await;
    assert_eq!(
        b.media.calls(),
        vec!["start_capture", "start_branch s1-1-0"]
    );
}

#[tokio::test]
async fn an_opened_page_readies_the_engine_for_calls_and_starts_nothing() {
    let b = Harness::new(2, RecordingMedia::default());
    b.device.page_opened();
    b.asked("prepare_for_calls").await;
    b.settle().await;
    assert_eq!(b.media.calls(), vec!["prepare_for_calls"]);
    assert_eq!(
        b.device.status().await.map(|s| s.summary),
        Some(Summary::Waiting)
    );
}
