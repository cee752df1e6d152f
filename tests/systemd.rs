//! The real binary under a stand-in for systemd: a Unix datagram socket as
//! NOTIFY_SOCKET. The box must say READY only once it answers HTTP, and feed
//! the watchdog while it runs.

mod support;

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{binary, free_port};

#[test]
fn ready_after_listening_then_watchdog_keepalives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let port = free_port();
    let config = dir.path().join("box.toml");
    std::fs::write(
        &config,
        format!(
            "[web]\nlisten = \"127.0.0.1:{port}\"\n[state]\ndir = \"{}\"\n[media]\n\
             video_source = \"test\"\naudio_source = \"test\"\ntv_output = \"none\"\naudio_output = \"none\"\n",
            dir.path().join("state").display()
        ),
    )
    .expect("config");
    let mut child = Command::new(binary())
        .args(["run", "--config"])
        .arg(&config)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");

    let mut buf = [0u8; 256];
    let started = Instant::now();
    let n = socket.recv(&mut buf).expect("a notification");
    let first = String::from_utf8_lossy(&buf[..n]).to_string();
    let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    let mut watchdogs = 0;
    while watchdogs < 3 && started.elapsed() < Duration::from_secs(10) {
        let n = socket.recv(&mut buf).expect("keep-alives follow");
        if String::from_utf8_lossy(&buf[..n]).contains("WATCHDOG=1") {
            watchdogs += 1;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("READY=1"), "first notification: {first:?}");
    assert!(listening, "READY came before the web server listened");
    assert_eq!(watchdogs, 3, "the watchdog was not fed");
}
