//! The admin's network check (`GET /api/admin/network`) against the real
//! binary and a real coturn on loopback: the right secret gets a relay and
//! the public address (127.0.0.1 here), a wrong secret a clear 401, no
//! `[turn]` says so, a closed port says so, and the check needs a session.
//! coturn's own log proves the relay was made for the check's credentials
//! and freed at once.

mod support;

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::admin::set_up;
use support::http::{Request, Response};
use support::TestBox;

const SECRET: &str = "north-wind-secret";

/// A real coturn (Debian's `turnserver`) on 127.0.0.1, as TESTING.md says:
/// TURN REST credentials (`use-auth-secret`), loopback peers allowed, no
/// TLS, no CLI; its pid file, database and log in a temp dir.
struct Coturn {
    child: Child,
    port: u16,
    relay_ports: (u16, u16),
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Coturn {
    async fn start(secret: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = support::free_port();
        // Relay ports below the ephemeral range, a block per instance.
        let min = 20_000 + (port % 120) * 100;
        let relay_ports = (min, min + 99);
        let log = dir.path().join("turnserver.log");
        // What coturn says before it opens its log file (and on stdout).
        let out = File::create(dir.path().join("turnserver.out")).expect("output file");
        let child = Command::new("turnserver")
            .args([
                "-n",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                &format!("--min-port={}", relay_ports.0),
                &format!("--max-port={}", relay_ports.1),
                "--use-auth-secret",
                &format!("--static-auth-secret={secret}"),
                "--realm=homecall.test",
                "--allow-loopback-peers",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                "--no-rfc5780",
                "--fingerprint",
                "--simple-log",
                "--verbose",
            ])
            .arg(format!("--log-file={}", log.display()))
            .arg(format!(
                "--pidfile={}",
                dir.path().join("turnserver.pid").display()
            ))
            .arg(format!("--userdb={}", dir.path().join("turndb").display()))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("start turnserver (Debian package coturn; scripts/install-deps.sh --test)");
        let coturn = Self {
            child,
            port,
            relay_ports,
            log,
            _dir: dir,
        };
        coturn.wait_until_it_answers().await;
        coturn
    }

    /// Asks for a STUN binding until coturn answers (it starts in ~100 ms).
    async fn wait_until_it_answers(&self) {
        let server = format!("127.0.0.1:{}", self.port).parse().expect("address");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            let probe = homecall::netcheck::probe::binding(server, Duration::from_millis(300));
            if probe.await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("coturn did not answer within 10 s:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (a little) until coturn's log has a line containing every one of `words`.
    fn wait_for_line(&self, words: &[&str]) -> String {
        let started = Instant::now();
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| words.iter().all(|w| l.contains(w))) {
                return line.to_owned();
            }
            if started.elapsed() > Duration::from_secs(5) {
                panic!("no line with {words:?} in coturn's log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() || std::env::var_os("HOMECALL_SHOW_COTURN_LOG").is_some() {
            eprintln!(
                "---- coturn log ({}) ----\n{}\n---- end of coturn log ----",
                self.log.display(),
                self.log()
            );
        }
    }
}

fn turn_config(port: u16, secret: &str) -> String {
    format!("[turn]\nserver = \"127.0.0.1:{port}\"\nsecret = \"{secret}\"\n")
}

async fn network(b: &TestBox, cookie: &str) -> (Response, Value) {
    let r = Request::new("GET", "/api/admin/network")
        .header("Cookie", cookie)
        .send(b.port)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let value = r.json();
    (r, value)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test]
async fn the_right_secret_gets_a_relay_and_the_public_address() {
    let coturn = Coturn::start(SECRET).await;
    let b = TestBox::start(&turn_config(coturn.port, SECRET));
    let cookie = set_up(&b).await;

    let started = Instant::now();
    let (_, report) = network(&b, &cookie).await;
    assert!(started.elapsed() < Duration::from_secs(5), "{report}");
    let turn = &report["turn"];
    assert_eq!(turn["configured"], true, "{report}");
    assert_eq!(turn["ok"], true, "{report}");
    assert_eq!(turn["server"], format!("127.0.0.1:{}", coturn.port));
    assert!(turn.get("error").is_none(), "{report}");
    let relayed: std::net::SocketAddr = turn["relayedAddress"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("a relayed address: {report}"));
    assert_eq!(relayed.ip().to_string(), "127.0.0.1");
    let (min, max) = coturn.relay_ports;
    assert!(
        (min..=max).contains(&relayed.port()),
        "relay port {} outside coturn's {min}-{max}",
        relayed.port()
    );
    // On loopback the world sees the box at 127.0.0.1.
    assert_eq!(report["publicAddress"], "127.0.0.1", "{report}");
    assert!(report.get("publicAddressError").is_none(), "{report}");
    let checked_at = report["checkedAt"].as_u64().expect("unix seconds");
    assert!(checked_at.abs_diff(now()) < 60, "{report}");

    // coturn made the relay for the check's REST username ("<expiry>:check")
    // at the address the API reported, and the check freed it at once
    // (Refresh with lifetime 0), long before its 10 minutes were up.
    coturn.wait_for_line(&[&format!("Local relay addr: {relayed}")]);
    coturn.wait_for_line(&["new, realm=<homecall.test>", ":check>", "lifetime=600"]);
    coturn.wait_for_line(&["ALLOCATE processed, success", ":check>"]);
    coturn.wait_for_line(&["refreshed", ":check>", "lifetime=0"]);
    coturn.wait_for_line(&["delete: realm=<homecall.test>", ":check>"]);
}

#[tokio::test]
async fn a_wrong_secret_is_a_clear_401() {
    let coturn = Coturn::start(SECRET).await;
    let b = TestBox::start(&turn_config(coturn.port, "not-the-secret"));
    let cookie = set_up(&b).await;

    let (_, report) = network(&b, &cookie).await;
    let turn = &report["turn"];
    assert_eq!(turn["configured"], true, "{report}");
    assert_eq!(turn["ok"], false, "{report}");
    assert!(turn.get("relayedAddress").is_none(), "{report}");
    let error = turn["error"].as_str().expect("an error sentence");
    assert!(
        error.starts_with("the TURN server answered 401 Unauthorized: it refused the credentials"),
        "{error}"
    );
    assert!(error.contains("static-auth-secret"), "{error}");
    // A Binding needs no credentials: the public address is still found.
    assert_eq!(report["publicAddress"], "127.0.0.1", "{report}");
    // The box says nothing of the secret it used.
    assert!(!report.to_string().contains("not-the-secret"), "{report}");
    assert!(
        !b.log().contains("not-the-secret"),
        "the secret reached the log"
    );
}

#[tokio::test]
async fn no_turn_configured_is_said_and_the_check_needs_a_session() {
    let b = TestBox::start("");
    let no_session = Request::new("GET", "/api/admin/network").send(b.port).await;
    assert_eq!(no_session.status, 401, "{no_session:?}");

    let cookie = set_up(&b).await;
    let (_, report) = network(&b, &cookie).await;
    assert_eq!(report["turn"], json!({"configured": false, "ok": false}));
    assert!(report.get("publicAddress").is_none(), "{report}");
    assert!(report.get("publicAddressError").is_none(), "{report}");
    assert!(report["checkedAt"].is_u64(), "{report}");
}

#[tokio::test]
async fn a_server_that_is_not_running_is_said() {
    // A port nothing listens on: loopback answers "port unreachable" at once.
    let closed = support::free_port();
    let b = TestBox::start(&turn_config(closed, SECRET));
    let cookie = set_up(&b).await;

    let started = Instant::now();
    let (_, report) = network(&b, &cookie).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{report}");
    assert_eq!(report["turn"]["ok"], false, "{report}");
    let expected = format!(
        "nothing listens at 127.0.0.1:{closed} over UDP (the port is closed: connection refused)"
    );
    assert_eq!(report["turn"]["error"], expected.as_str(), "{report}");
    assert_eq!(report["publicAddressError"], expected.as_str(), "{report}");
}
