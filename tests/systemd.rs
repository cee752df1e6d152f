//! The real binary under a stand-in for systemd: a Unix datagram socket as
//! NOTIFY_SOCKET. The box must say READY only once it listens, and feed the
//! watchdog while it runs.
//!
//! How the order is made observable: before the box starts, the test fills
//! the notify socket's queue, so the box's READY=1 (a blocking send on a
//! connected datagram socket) waits until the test reads. While it waits the
//! box can do nothing after it; a box that listens before READY is seen
//! listening then, one that says READY first never listens until the test
//! drains the queue. No timing decides the outcome.

mod support;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{binary, free_port};

const FILLER: &[u8] = b"FILLER";

#[test]
fn ready_after_listening_then_watchdog_keepalives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let fillers = fill_queue(&socket_path);
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

    // The queue is full: any notification the box sends now waits, and so
    // does the box. It must be listening all the same.
    let started = Instant::now();
    let mut listening = false;
    while started.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            listening = true;
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the box exited ({status}) before it listened");
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut buf = [0u8; 256];
    let mut first = None;
    let mut watchdogs = 0;
    let mut skipped = 0;
    let draining = Instant::now();
    while watchdogs < 3 && draining.elapsed() < Duration::from_secs(15) {
        let Ok(n) = socket.recv(&mut buf) else { break };
        if &buf[..n] == FILLER {
            skipped += 1;
            continue;
        }
        let message = String::from_utf8_lossy(&buf[..n]).to_string();
        if first.is_none() {
            first = Some(message.clone());
        }
        if message.contains("WATCHDOG=1") {
            watchdogs += 1;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(skipped, fillers, "the queue held only the test's fillers");
    assert!(
        listening,
        "the box did not listen while its first notification waited: READY came before the bind"
    );
    let first = first.unwrap_or_default();
    assert!(first.contains("READY=1"), "first notification: {first:?}");
    assert_eq!(watchdogs, 3, "the watchdog was not fed");
}

/// Sends datagrams to `path` until its queue is full; returns how many.
fn fill_queue(path: &std::path::Path) -> usize {
    let filler = UnixDatagram::unbound().expect("socket");
    filler.connect(path).expect("connect to the notify socket");
    filler.set_nonblocking(true).expect("non-blocking");
    let mut sent = 0;
    loop {
        match filler.send(FILLER) {
            Ok(_) => sent += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => panic!("filling the notify queue: {e}"),
        }
    }
    assert!(sent > 0, "the notify queue took nothing");
    sent
}
