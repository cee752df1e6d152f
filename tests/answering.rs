//! How the real box answers: the announcement countdown, automatic answering
//! turned off, quiet hours from the admin's settings, one-time links.

mod support;

use std::time::{Duration, Instant};

use chrono::Timelike;
use serde_json::json;
use support::ws::{hello, join, recv, send};
use support::{run_with_stdio, token_of, TestBox};

#[tokio::test]
async fn a_countdown_rings_before_the_box_answers() {
    let b = TestBox::with_calls("countdown_secs = 1", "");
    let url = b.create_link("Anna");
    let started = Instant::now();
    let mut socket = hello(&b, token_of(&url)).await;
    assert_eq!(recv(&mut socket).await.expect("welcome")["type"], "welcome");
    assert_eq!(
        recv(&mut socket).await,
        Some(json!({"type": "ringing", "seconds": 1}))
    );
    assert_eq!(b.state(), "ringing", "announcing, camera still off");
    loop {
        let m = recv(&mut socket)
            .await
            .expect("the offer follows the countdown");
        if m["type"] == "offer" {
            break;
        }
    }
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "answered before the countdown ended: {:?}",
        started.elapsed()
    );
    assert_eq!(b.state(), "connecting");
}

#[tokio::test]
async fn answering_turned_off_refuses_callers_with_a_reason() {
    let b = TestBox::with_calls("auto_answer = false", "");
    let url = b.create_link("Anna");
    let mut socket = hello(&b, token_of(&url)).await;
    assert_eq!(
        recv(&mut socket).await,
        Some(json!({"type": "error", "code": "notAnswering"}))
    );
    assert_eq!(b.state(), "waiting");
}

#[tokio::test]
async fn quiet_hours_in_the_stored_settings_tell_the_caller_when_to_call() {
    let b = TestBox::start("");
    let now = chrono::Local::now();
    let at = |minutes: i64| {
        let t = now + chrono::Duration::minutes(minutes);
        format!("{:02}:{:02}", t.hour(), t.minute())
    };
    let (from, until) = (at(-60), at(60));
    std::fs::create_dir_all(b.dir.path().join("state")).expect("state dir");
    std::fs::write(
        b.dir.path().join("state/settings.json"),
        json!({"autoAnswer": {"enabled": true, "countdownSecs": 0,
                              "quietHours": {"from": from, "until": until}}})
        .to_string(),
    )
    .expect("write settings");
    let url = b.create_link("Anna");
    let mut socket = hello(&b, token_of(&url)).await;
    assert_eq!(
        recv(&mut socket).await,
        Some(json!({"type": "error", "code": "resting", "until": until}))
    );
}

#[tokio::test]
async fn two_pages_of_a_one_time_link_arriving_together_get_one_call() {
    let b = TestBox::with_calls("max_participants = 3", "");
    let out = run_with_stdio(&[
        "link",
        "create",
        "--one-time",
        "--config",
        b.config_path().to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let url = stdout.lines().last().expect("a URL").to_owned();
    let (mut first, mut second) =
        tokio::join!(hello(&b, token_of(&url)), hello(&b, token_of(&url)));
    let (a, b2) = tokio::join!(recv(&mut first), recv(&mut second));
    let kinds: Vec<_> = [a, b2]
        .iter()
        .map(|m| {
            m.as_ref()
                .map(|m| m["type"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    let welcomed = kinds
        .iter()
        .filter(|k| k.as_deref() == Some("welcome"))
        .count();
    assert_eq!(welcomed, 1, "{kinds:?}");
    assert!(kinds.contains(&Some("error".into())), "{kinds:?}");
}

#[tokio::test]
async fn a_one_time_link_makes_one_call_and_may_resume_it() {
    let b = TestBox::start("");
    let out = run_with_stdio(&[
        "link",
        "create",
        "--one-time",
        "--label",
        "Once",
        "--config",
        b.config_path().to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let url = stdout.lines().last().expect("a URL").to_owned();
    let token = token_of(&url);

    let (_first, session, _) = join(&b, token).await;
    // A reload of that call comes back in.
    let mut reload = support::ws::connect(&b).await;
    send(
        &mut reload,
        json!({"type": "hello", "version": 1, "token": token, "resume": session}),
    )
    .await;
    assert_eq!(recv(&mut reload).await.expect("welcome")["type"], "welcome");
    drop(reload);
    // Any other caller with the link is told it is used up.
    let mut again = hello(&b, token).await;
    let refusal = loop {
        let m = recv(&mut again).await.expect("an answer");
        if m["type"] == "error" {
            break m;
        }
    };
    assert_eq!(refusal["code"], "linkNoLongerValid");
}
