//! The admin API on the real binary: first set-up, sessions, every refusal
//! (no session, wrong Origin, too many logins, a source outside the
//! allow-list), links (create, revoke ending a call, replace) and settings.

mod support;

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{json, Value};
use support::http::{Request, Response};
use support::ws::{hello, join, recv};
use support::{token_of, TestBox};

fn origin(b: &TestBox) -> String {
    format!("http://127.0.0.1:{}", b.port)
}

async fn post(b: &TestBox, path: &str, body: Value, cookie: Option<&str>) -> Response {
    let mut request = Request::new("POST", path)
        .header("Origin", origin(b))
        .json(body);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send(b.port).await
}

async fn get(b: &TestBox, path: &str, cookie: &str) -> Response {
    Request::new("GET", path)
        .header("Cookie", cookie)
        .send(b.port)
        .await
}

/// Sets the box up and returns the session cookie.
async fn set_up(b: &TestBox) -> String {
    let r = post(
        b,
        "/api/admin/setup",
        json!({"code": b.setup_code(), "password": "correct horse battery"}),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{r:?}");
    let set_cookie = r.headers.get("set-cookie").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP on loopback: {set_cookie}"
    );
    r.cookie().expect("cookie")
}

#[tokio::test]
async fn first_set_up_works_once_with_the_code_from_the_tv() {
    let b = TestBox::start("");
    let session = Request::new("GET", "/api/admin/session").send(b.port).await;
    assert_eq!(session.json(), json!({"setUp": false, "loggedIn": false}));
    let code = b.setup_code();
    assert_eq!(code.len(), 8, "{code}");

    let wrong = post(
        &b,
        "/api/admin/setup",
        json!({"code": "00000000", "password": "correct horse battery"}),
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["error"], "That set-up code is not right.");

    let weak = post(
        &b,
        "/api/admin/setup",
        json!({"code": code, "password": "short"}),
        None,
    )
    .await;
    assert_eq!(weak.status, 400);
    assert!(weak.json()["error"]
        .as_str()
        .expect("sentence")
        .contains("at least 10"));

    let cookie = set_up(&b).await;
    let session = get(&b, "/api/admin/session", &cookie).await;
    assert_eq!(session.json(), json!({"setUp": true, "loggedIn": true}));

    let again = post(
        &b,
        "/api/admin/setup",
        json!({"code": code, "password": "another long password"}),
        None,
    )
    .await;
    assert_eq!(again.status, 409, "the code works once: {again:?}");
    let stored = std::fs::read_to_string(b.dir.path().join("state/admin.json")).expect("stored");
    assert!(stored.contains("$argon2id$"), "{stored}");
    assert!(
        !stored.contains("correct horse"),
        "never the password itself"
    );
}

#[tokio::test]
async fn refusals_without_session_origin_or_from_elsewhere() {
    let b = TestBox::with_calls("", "[admin]\nallowed_sources = [\"127.0.0.1/32\"]\n");
    let cookie = set_up(&b).await;

    let no_session = Request::new("GET", "/api/admin/links").send(b.port).await;
    assert_eq!(no_session.status, 401);
    assert_eq!(no_session.json()["error"], "Please log in.");
    let forged = get(&b, "/api/admin/links", "homecall_admin=forged").await;
    assert_eq!(forged.status, 401);

    let no_origin = Request::new("POST", "/api/admin/links")
        .header("Cookie", cookie.clone())
        .json(json!({"label": "Anna"}))
        .send(b.port)
        .await;
    assert_eq!(no_origin.status, 403);
    let foreign = Request::new("POST", "/api/admin/links")
        .header("Cookie", cookie.clone())
        .header("Origin", "http://evil.example")
        .json(json!({"label": "Anna"}))
        .send(b.port)
        .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(
        foreign.json()["error"],
        "This request did not come from the box's admin page."
    );

    let elsewhere = Request::new("GET", "/api/admin/session")
        .from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .send(b.port)
        .await;
    assert_eq!(elsewhere.status, 403);
    assert_eq!(
        elsewhere.json()["error"],
        "The admin page can only be used from the home network."
    );
    let page = Request::new("GET", "/admin")
        .from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .send(b.port)
        .await;
    assert_eq!(page.status, 403);
    // Through a proxy, the internet would look local: refused.
    let proxied = Request::new("GET", "/api/admin/session")
        .header("X-Forwarded-For", "203.0.113.9")
        .send(b.port)
        .await;
    assert_eq!(proxied.status, 403);
    // A rebound DNS name pointing at the box is not the box's name: refused,
    // even with a matching Origin.
    let rebound = Request::new("POST", "/api/admin/login")
        .header("Host", "evil.example:8080")
        .header("Origin", "http://evil.example:8080")
        .json(json!({"password": "guess"}))
        .send(b.port)
        .await;
    assert_eq!(rebound.status, 403);
    let status_elsewhere = Request::new("GET", "/api/status")
        .from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .send(b.port)
        .await;
    assert_eq!(
        status_elsewhere.status, 403,
        "the status is for the home network too"
    );
    // Callers are not the admin: the call page still answers everyone.
    let call_page = Request::new("GET", "/r/unknown")
        .from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .send(b.port)
        .await;
    assert_eq!(call_page.status, 404);
}

#[tokio::test]
async fn too_many_wrong_passwords_back_off() {
    let b = TestBox::start("");
    set_up(&b).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = post(
            &b,
            "/api/admin/login",
            json!({"password": "not it at all"}),
            None,
        )
        .await;
        statuses.push(r.status);
        if r.status == 429 {
            let body = r.json();
            assert!(
                body["retryAfterSecs"].as_u64().expect("retry after") >= 1,
                "{body}"
            );
            assert!(body["error"]
                .as_str()
                .expect("sentence")
                .starts_with("Too many tries"));
            assert!(r.headers.contains_key("retry-after"));
        }
    }
    assert_eq!(statuses[..3], [401, 401, 401], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    // Even the right password waits out the back-off.
    let right = post(
        &b,
        "/api/admin/login",
        json!({"password": "correct horse battery"}),
        None,
    )
    .await;
    assert_eq!(right.status, 429);
}

#[tokio::test]
async fn logout_and_password_change_end_sessions() {
    let b = TestBox::start("");
    let first = set_up(&b).await;
    let login = post(
        &b,
        "/api/admin/login",
        json!({"password": "correct horse battery"}),
        None,
    )
    .await;
    assert_eq!(login.status, 204);
    let second = login.cookie().expect("cookie");

    let logout = post(&b, "/api/admin/logout", json!({}), Some(&second)).await;
    assert_eq!(logout.status, 204);
    assert!(logout.headers["set-cookie"].contains("Max-Age=0"));
    assert_eq!(get(&b, "/api/admin/links", &second).await.status, 401);

    let wrong_old = post(
        &b,
        "/api/admin/password",
        json!({"old": "nope nope nope", "new": "a brand new password"}),
        Some(&first),
    )
    .await;
    assert_eq!(wrong_old.status, 401);
    let changed = post(
        &b,
        "/api/admin/password",
        json!({"old": "correct horse battery", "new": "a brand new password"}),
        Some(&first),
    )
    .await;
    assert_eq!(changed.status, 204);
    let renewed = changed.cookie().expect("a new session");
    assert_eq!(get(&b, "/api/admin/links", &first).await.status, 401);
    assert_eq!(get(&b, "/api/admin/links", &renewed).await.status, 200);
    let old = post(
        &b,
        "/api/admin/login",
        json!({"password": "correct horse battery"}),
        None,
    )
    .await;
    assert_eq!(old.status, 401);
}

#[tokio::test]
async fn links_are_made_listed_revoked_and_replaced() {
    let b = TestBox::start("");
    let cookie = set_up(&b).await;
    let bad = post(
        &b,
        "/api/admin/links",
        json!({"label": "  "}),
        Some(&cookie),
    )
    .await;
    assert_eq!(bad.status, 400);
    let bad = post(
        &b,
        "/api/admin/links",
        json!({"label": "Anna", "expiresInHours": 0}),
        Some(&cookie),
    )
    .await;
    assert_eq!(bad.status, 400);

    let made = post(
        &b,
        "/api/admin/links",
        json!({"label": "Anna", "expiresInHours": 48, "oneTime": false}),
        Some(&cookie),
    )
    .await;
    assert_eq!(made.status, 201, "{made:?}");
    let made = made.json();
    let url = made["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&origin(&b)), "{url}");
    assert!(made["qrSvg"].as_str().expect("svg").contains("<svg"));
    let id = made["link"]["id"].as_str().expect("id").to_owned();
    assert_eq!(made["link"]["label"], "Anna");
    assert!(made["link"]["expires"].as_u64().is_some());

    let list = get(&b, "/api/admin/links", &cookie).await.json();
    assert_eq!(list["links"][0]["id"], id.as_str());
    assert!(
        !list.to_string().contains(token_of(&url)),
        "the list never holds the secret"
    );

    // A call through the link, then the link is revoked: the call ends.
    let (mut caller, _, _) = join(&b, token_of(&url)).await;
    let revoke = post(
        &b,
        &format!("/api/admin/links/{id}/revoke"),
        json!({}),
        Some(&cookie),
    )
    .await;
    assert_eq!(revoke.status, 204);
    let ended = loop {
        let m = recv(&mut caller).await.expect("the caller is told");
        if m["type"] == "ended" {
            break m;
        }
    };
    assert_eq!(ended["reason"], "linkRevoked");
    let mut again = hello(&b, token_of(&url)).await;
    assert_eq!(
        recv(&mut again).await.expect("refusal")["code"],
        "linkNoLongerValid"
    );
    let page = Request::new("GET", &format!("/r/{}", token_of(&url)))
        .send(b.port)
        .await;
    assert_eq!(page.status, 410);
    assert!(
        page.body
            .contains("This link is no longer valid — ask your family for a new one."),
        "{}",
        page.body
    );

    let missing = post(&b, "/api/admin/links/nope/revoke", json!({}), Some(&cookie)).await;
    assert_eq!(missing.status, 404);

    let replaced = post(
        &b,
        &format!("/api/admin/links/{id}/replace"),
        json!({}),
        Some(&cookie),
    )
    .await;
    assert_eq!(replaced.status, 201);
    let new_url = replaced.json()["url"].as_str().expect("url").to_owned();
    let (_caller, _, _) = join(&b, token_of(&new_url)).await;

    let calls = get(&b, "/api/admin/calls", &cookie).await.json();
    assert_eq!(calls["calls"][0]["label"], "Anna", "{calls}");
    assert_eq!(calls["calls"][0]["ended"], "linkRevoked", "{calls}");
}

#[tokio::test]
async fn settings_are_validated_and_kept() {
    let b = TestBox::start("");
    let cookie = set_up(&b).await;
    let put = |body: Value| {
        Request::new("PUT", "/api/admin/settings")
            .header("Origin", origin(&b))
            .header("Cookie", cookie.clone())
            .json(body)
            .send(b.port)
    };
    let too_long =
        put(json!({"autoAnswer": {"enabled": true, "countdownSecs": 11, "quietHours": null}}))
            .await;
    assert_eq!(too_long.status, 400);
    assert!(too_long.json()["error"]
        .as_str()
        .expect("sentence")
        .contains("0 to 10"));
    let bad_time = put(json!({"autoAnswer": {"enabled": true, "countdownSecs": 3,
        "quietHours": {"from": "25:00", "until": "08:00"}}}))
    .await;
    assert_eq!(bad_time.status, 400);

    let no_screen = get(&b, "/api/admin/tv.png", &cookie).await;
    assert_eq!(no_screen.status, 404);
    assert_eq!(
        no_screen.json()["error"],
        "This box has no screen attached."
    );

    // This machine has no camera, microphone or sound card: the admin is told so.
    let devices = get(&b, "/api/admin/devices", &cookie).await.json();
    assert_eq!(
        devices,
        json!({"cameras": [], "microphones": [], "speakers": [], "speaker": false,
               "automatic": {"camera": null, "microphone": null, "speaker": null,
                             "volumePercent": null}})
    );
    let no_such_camera = put(
        json!({"autoAnswer": {"enabled": true, "countdownSecs": 0, "quietHours": null},
        "devices": {"camera": "/dev/video9", "microphone": null}}),
    )
    .await;
    assert_eq!(no_such_camera.status, 400);
    assert_eq!(
        no_such_camera.json()["error"],
        "There is no camera /dev/video9 on the box."
    );

    let no_speaker = put(
        json!({"autoAnswer": {"enabled": true, "countdownSecs": 0, "quietHours": null},
        "devices": {"camera": null, "microphone": null, "volumePercent": 50}}),
    )
    .await;
    assert_eq!(no_speaker.status, 400);
    assert_eq!(no_speaker.json()["error"], "No speaker found on the box.");
    // Everything is checked before the speaker's volume is touched: a save
    // refused for its countdown is refused for that, before the mixer is
    // opened (which would have answered "No speaker found" here).
    let bad_countdown = put(
        json!({"autoAnswer": {"enabled": true, "countdownSecs": 11, "quietHours": null},
        "devices": {"camera": null, "microphone": null, "volumePercent": 50}}),
    )
    .await;
    assert_eq!(bad_countdown.status, 400);
    assert_eq!(
        bad_countdown.json()["error"],
        "The countdown can be 0 to 10 seconds."
    );

    let factory = get(&b, "/api/admin/settings", &cookie).await.json();
    assert_eq!(
        factory["quality"],
        json!({"width": 320, "height": 240, "framerate": 30, "maxBitrateKbps": 1500}),
        "the configuration's picture until the admin chooses"
    );
    // What the page shows can be saved back as it is (the configured 320x240
    // is not one of the admin's choices, and must not block a save).
    let mut round_trip = factory.clone();
    round_trip["autoAnswer"]["countdownSecs"] = json!(4);
    let saved = put(round_trip.clone()).await;
    assert_eq!(saved.status, 200, "{saved:?}");
    assert_eq!(
        get(&b, "/api/admin/settings", &cookie).await.json(),
        round_trip
    );

    let odd_size = put(
        json!({"autoAnswer": {"enabled": true, "countdownSecs": 0, "quietHours": null},
        "quality": {"width": 333, "height": 200, "framerate": 30, "maxBitrateKbps": 1000}}),
    )
    .await;
    assert_eq!(odd_size.status, 400);
    assert!(odd_size.json()["error"]
        .as_str()
        .expect("sentence")
        .contains("picture size"));

    let wanted = json!({"autoAnswer": {"enabled": true, "countdownSecs": 0,
        "quietHours": {"from": "03:00", "until": "03:01"}},
        "quality": {"width": 640, "height": 360, "framerate": 15, "maxBitrateKbps": 600},
        "devices": {"camera": null, "microphone": null, "speaker": null, "volumePercent": null}});
    let ok = put(wanted.clone()).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(get(&b, "/api/admin/settings", &cookie).await.json(), wanted);
    // The next call sends the chosen picture.
    let url = b.create_link("Anna");
    let (_caller, _, _offer) = join(&b, token_of(&url)).await;
    // The offer is made from codec preferences (media::codec), before any
    // picture is encoded: the capture says what it started.
    let log = b.log();
    assert!(
        log.contains("camera and microphone on width=640 height=360 framerate=15 kbps=600"),
        "the capture's settings:\n{log}"
    );
    let status = get(&b, "/api/admin/status", &cookie).await.json();
    assert_eq!(status["state"], "connecting", "{status}");
    assert_eq!(
        status["calls"][0]["label"], "Anna",
        "the admin sees who calls"
    );
    assert!(status["calls"][0]["session"].is_string());
    let version = status["version"].as_str().expect("version");
    assert!(
        version.starts_with(&format!(
            "HomeCall {} on GStreamer 1.",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
}
