//! `signal::run` over channels, as its docs promise: no socket, a real
//! device and media engine (test sources, headless) behind it. The clocks
//! (hello, pings, silence) run on tokio's paused time, so 20 s of silence
//! take milliseconds.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use axum::extract::ws::Message;
use futures::channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use futures::StreamExt;
use tokio::time::Instant;

use super::run;
use crate::config::Config;
use crate::links::NewLink;
use crate::web::AppState;

/// A box's web state, as `homecall run` builds it, in a temporary directory.
fn box_state(dir: &std::path::Path) -> AppState {
    crate::media::init().expect("GStreamer and its plugins");
    let text = format!(
        "[web]\nlisten = \"127.0.0.1:1\"\n[state]\ndir = \"{}\"\n\
         [media]\nvideo_source = \"test\"\naudio_source = \"test\"\nwidth = 320\nheight = 240\n\
         tv_output = \"none\"\naudio_output = \"none\"\n[calls]\ncountdown_secs = 0\n",
        dir.display()
    );
    let config = Config::parse(&dir.join("box.toml"), &text).expect("config");
    crate::app::web_state(&config, None).expect("the box's parts")
}

/// Ends the box's calls and waits for its media engine: its threads must
/// end before the test process does.
async fn stop(state: &AppState) {
    state.device.shutdown().await;
    state.device.stopped(Duration::from_secs(5)).await;
}

/// The caller's ends of the two channels `run` talks over.
struct Caller {
    to_box: UnboundedSender<Result<Message, Infallible>>,
    from_box: UnboundedReceiver<Message>,
}

/// Starts `run` on its own task; returns the caller's ends and the task.
fn connect(state: &AppState) -> (Caller, tokio::task::JoinHandle<()>) {
    let (to_box, rx) = mpsc::unbounded();
    let (tx, from_box) = mpsc::unbounded();
    let pass = state
        .before_hello
        .enter(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .expect("room before hello");
    let state = state.clone();
    let task = tokio::spawn(async move { run(tx, rx, &state, pass).await });
    (Caller { to_box, from_box }, task)
}

impl Caller {
    fn send(&self, json: serde_json::Value) {
        self.to_box
            .unbounded_send(Ok(Message::Text(json.to_string().into())))
            .expect("run reads");
    }

    /// The next JSON message from the box (pings are answered when `pong`).
    async fn next_json(&mut self) -> Option<serde_json::Value> {
        loop {
            match self.from_box.next().await? {
                Message::Text(text) => return Some(serde_json::from_str(&text).expect("JSON")),
                Message::Ping(payload) => {
                    let _ = self.to_box.unbounded_send(Ok(Message::Pong(payload)));
                }
                _ => {}
            }
        }
    }
}

fn hello(state: &AppState) -> serde_json::Value {
    let (_, token) = state
        .links
        .create(&NewLink::lasting("Anna"))
        .expect("a link");
    serde_json::json!({"type": "hello", "version": 1, "token": token.expose()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_over_channels_is_welcomed_offered_and_hangs_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = box_state(dir.path());
    let (mut caller, task) = connect(&state);
    caller.send(hello(&state));
    let welcome = caller.next_json().await.expect("welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let offer = loop {
        let m = tokio::time::timeout(Duration::from_secs(10), caller.next_json())
            .await
            .expect("an offer within 10 s")
            .expect("the box still talks");
        if m["type"] == "offer" {
            break m;
        }
        assert_eq!(m["type"], "ice", "{m}");
    };
    assert!(offer["sdp"].as_str().is_some_and(|s| s.contains("H264")));
    caller.send(serde_json::json!({"type": "hangUp"}));
    // The box closes: `run` ends once the caller's side is gone too.
    while caller.next_json().await.is_some() {}
    drop(caller);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("run ends")
        .expect("run did not panic");
    stop(&state).await;
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_never_says_hello_is_let_go_at_the_hello_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = box_state(dir.path());
    let started = Instant::now();
    let (mut caller, task) = connect(&state);
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("run ends within a minute")
        .expect("run did not panic");
    // The limit the doors table documents: 10 s.
    assert_eq!(started.elapsed(), Duration::from_secs(10));
    assert!(
        caller.from_box.next().await.is_none(),
        "nothing sent, and closed"
    );
    stop(&state).await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_caller_is_pinged_then_let_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = box_state(dir.path());
    let (mut caller, task) = connect(&state);
    caller.send(hello(&state));
    let joined = Instant::now();
    tokio::time::timeout(Duration::from_secs(120), task)
        .await
        .expect("run ends within two minutes")
        .expect("run did not panic");
    let gone = joined.elapsed();
    // 20 s of silence, noticed at the next ping (every 5 s).
    assert!(
        gone > Duration::from_secs(20) && gone <= Duration::from_secs(25),
        "let go after {gone:?}"
    );
    let mut pings = 0;
    while let Some(m) = caller.from_box.next().await {
        pings += usize::from(matches!(m, Message::Ping(_)));
    }
    assert!(pings >= 4, "{pings} pings in {gone:?}");
    stop(&state).await;
}

/// On real time, not paused: the box's pings come from its runtime while
/// the device and media run on threads of their own, and a paused clock
/// that jumps while those work is not what a page meets. 26 s: past the
/// 20 s silence limit and its next ping.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_answers_pings_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = box_state(dir.path());
    let (mut caller, task) = connect(&state);
    caller.send(hello(&state));
    // The box's pings, each answered, and nothing else said.
    let kept = tokio::time::timeout(Duration::from_secs(26), async {
        while caller.next_json().await.is_some() {}
    })
    .await;
    assert!(
        kept.is_err(),
        "the box let a caller go that answered every ping"
    );
    assert!(!task.is_finished());
    task.abort();
    stop(&state).await;
}

/// A page that hangs up and closes at once: its hang-up is acted on even
/// when the box's next write finds the socket gone (before it read the
/// hang-up), so the call ends instead of waiting for a page that will not
/// come back. Which the box meets first is up to its `select!`; eight
/// calls meet both orders all but surely.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_up_before_the_socket_closes_is_not_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = box_state(dir.path());
    for round in 0..8 {
        let (caller, task) = connect(&state);
        caller.send(hello(&state));
        caller.send(serde_json::json!({"type": "hangUp"}));
        // The page is gone: nothing it is sent can be written any more.
        drop(caller.from_box);
        let waiting = async {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let status = state.device.status().await.expect("status");
                let record = state.history.recent().expect("history");
                if status.calls.is_empty() && record.len() == round + 1 {
                    return record;
                }
            }
        };
        let record = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap_or_else(|_| panic!("round {round}: the call was held, not ended"));
        assert_eq!(record[0].ended, "hungUp", "round {round}: {record:?}");
        drop(caller.to_box);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("run ends")
            .expect("run did not panic");
    }
    stop(&state).await;
}
