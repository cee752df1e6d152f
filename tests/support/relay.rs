//! A real `homecall relay` for tests: plain HTTP on a free loopback port, its
//! own state directory, its log printed when a test fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{binary, free_port};

pub struct TestRelay {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    config: PathBuf,
    log: PathBuf,
}

impl TestRelay {
    /// Starts a relay; `extra` is appended to its config.
    pub fn start(extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = dir.path().join("relay.toml");
        std::fs::write(
            &config,
            format!(
                "[relay]\nlisten = \"127.0.0.1:{port}\"\nstate_dir = \"{}\"\n{extra}",
                dir.path().join("state").display()
            ),
        )
        .expect("write relay config");
        let log = dir.path().join("relay.log");
        let mut relay = Self {
            child: None,
            dir,
            port,
            config,
            log,
        };
        relay.restart();
        relay
    }

    /// Starts the relay (again), with the same configuration and state.
    pub fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log");
        let child = Command::new(binary())
            .args(["relay", "--config"])
            .arg(&self.config)
            .env("RUST_LOG", "info,homecall=debug")
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("start the relay");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the relay did not listen within 15 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the relay (SIGKILL: as a crash or a reboot of its server would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `homecall relay pair`: the pairing code it printed last.
    pub fn pair(&self) -> String {
        let out = Command::new(binary())
            .args(["relay", "pair", "--config"])
            .arg(&self.config)
            .stdin(Stdio::null())
            .output()
            .expect("run relay pair");
        assert!(out.status.success(), "relay pair failed: {out:?}");
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .last()
            .expect("a code")
            .trim()
            .to_owned()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "---- relay log ----\n{}\n---- end of relay log ----",
                self.log()
            );
        }
    }
}
