//! A real `homecall` box for integration tests: the built binary, a temporary
//! configuration and state directory, a free loopback port. When a test fails
//! the box's log is printed with the directory it ran in.

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod admin;
pub mod h264;
pub mod http;
pub mod relay;
pub mod tls;
pub mod ws;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TestBox {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    config: PathBuf,
    log: PathBuf,
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_homecall")
}

impl TestBox {
    /// Starts a headless box with test sources that answers at once;
    /// `extra` is appended to its config.
    pub fn start(extra: &str) -> Self {
        Self::with_calls("", extra)
    }

    /// Like [`TestBox::start`], with `calls` added to the `[calls]` table.
    pub fn with_calls(calls: &str, extra: &str) -> Self {
        Self::spawn(calls, extra, None)
    }

    /// Like [`TestBox::start`], allowed only `files` open file descriptors
    /// (as systemd's `LimitNOFILE=` would), so exhausting them is quick.
    pub fn with_open_files(files: u32, extra: &str) -> Self {
        Self::spawn("", extra, Some(files))
    }

    fn spawn(calls: &str, extra: &str, open_files: Option<u32>) -> Self {
        // Tests answer at once unless they ask for a countdown.
        let calls = if calls.contains("countdown_secs") {
            calls.to_owned()
        } else {
            format!("countdown_secs = 0\n{calls}")
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = dir.path().join("box.toml");
        std::fs::write(
            &config,
            format!(
                "[web]\nlisten = \"127.0.0.1:{port}\"\n\n[state]\ndir = \"{}\"\n\n\
                 [media]\nvideo_source = \"test\"\naudio_source = \"test\"\nwidth = 320\nheight = 240\n\
                 tv_output = \"none\"\naudio_output = \"none\"\n\n\
                 [calls]\n{calls}\n\n{extra}",
                dir.path().join("state").display()
            ),
        )
        .expect("write config");
        let log = dir.path().join("box.log");
        let child = launch(&config, &log, open_files);
        let mut b = Self {
            child: Some(child),
            dir,
            port,
            config,
            log,
        };
        b.wait_until(Duration::from_secs(15), "the box to answer HTTP", |b| {
            b.get("/api/status").is_some()
        });
        b
    }

    /// Starts the box again after [`TestBox::terminate`], with the same
    /// configuration and state (its log goes on in the same file).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "terminate the box first");
        self.child = Some(launch(&self.config, &self.log, None));
        self.wait_until(
            Duration::from_secs(15),
            "the box to answer HTTP again",
            |b| b.get("/api/status").is_some(),
        );
    }

    /// The box's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the box runs").id()
    }

    /// The box's resident memory in KiB (VmRSS).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the box's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// Whether the box has a library whose file name starts with `name` mapped.
    pub fn has_loaded(&self, name: &str) -> bool {
        let maps = std::fs::read_to_string(format!("/proc/{}/maps", self.pid()))
            .expect("the box's /proc maps");
        maps.lines()
            .filter_map(|l| l.rsplit('/').next())
            .any(|file| file.starts_with(name))
    }

    /// The box's open file descriptors.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    pub fn config_path(&self) -> &Path {
        &self.config
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `homecall link create` and returns the URL it printed last.
    pub fn create_link(&self, label: &str) -> String {
        let out = Command::new(binary())
            .args(["link", "create", "--label", label, "--config"])
            .arg(&self.config)
            .output()
            .expect("run link create");
        assert!(out.status.success(), "link create failed: {out:?}");
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        stdout.lines().last().expect("a line").trim().to_owned()
    }

    /// `GET path` → (status code, body), or `None` when nothing answers.
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let extra: String = headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n"
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let code = response.split(' ').nth(1)?.parse().ok()?;
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
        Some((code, body))
    }

    pub fn status(&self) -> serde_json::Value {
        let (code, body) = self.get("/api/status").expect("status answers");
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).expect("status is JSON")
    }

    /// The first set-up code, from the box's log.
    pub fn setup_code(&self) -> String {
        let log = self.log();
        let at = log
            .find("set-up code ")
            .unwrap_or_else(|| panic!("no set-up code in the log:\n{log}"));
        log[at + "set-up code ".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect()
    }

    pub fn state(&self) -> String {
        self.status()["state"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn wait_until(&mut self, limit: Duration, what: &str, mut ok: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if ok(self) {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("the box exited ({status}) while waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out after {limit:?} waiting for {what}");
    }

    /// Sends SIGTERM and returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        panic!("the box did not stop within 10 s of SIGTERM");
    }
}

impl Drop for TestBox {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- box log ({}) ----\n{}\n---- end of box log ----",
                self.dir.path().display(),
                self.log()
            );
        }
    }
}

/// Runs `homecall run --config config`, its output appended to `log`.
fn launch(config: &Path, log: &Path, open_files: Option<u32>) -> Child {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    let mut command = match open_files {
        Some(n) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--nofile={n}:{n}")).arg(binary());
            c
        }
        None => Command::new(binary()),
    };
    command
        .args(["run", "--config"])
        .arg(config)
        .env("RUST_LOG", "info,homecall=debug")
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .expect("start homecall")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The token part of a link URL.
pub fn token_of(url: &str) -> &str {
    url.rsplit('/').next().expect("token")
}

pub fn run_with_stdio(args: &[&str]) -> std::process::Output {
    Command::new(binary())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run homecall")
}
