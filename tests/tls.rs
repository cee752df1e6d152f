//! HTTPS on the real binary: a self-signed certificate made once and kept,
//! or the configured one; plain HTTP only redirects; a call over wss://; a
//! broken certificate stops start-up, naming the file.

mod support;

use std::path::Path;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::{json, Value};
use support::{run_with_stdio, token_of, TestBox};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

fn fingerprint_of(pem_file: &Path) -> String {
    let pem = std::fs::read(pem_file).expect("certificate file");
    let cert = CertificateDer::from_pem_slice(&pem).expect("a PEM certificate");
    homecall::tls::fingerprint(&cert)
}

/// `GET path` over TLS, trusting only `fingerprint`: (status, body).
async fn get_tls(port: u16, fingerprint: &str, path: &str) -> (u16, String) {
    let mut stream = support::tls::connect(port, fingerprint)
        .await
        .expect("TLS handshake with the box");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("write");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_self_signed_certificate_kept_across_restarts() {
    let mut b = TestBox::start("[tls]\nmode = \"on\"\n");
    let cert = b.dir.path().join("state/tls/cert.pem");
    let fingerprint = fingerprint_of(&cert);
    assert!(
        b.log().contains(&format!("fingerprint={fingerprint}")),
        "the log names the fingerprint the browser will show"
    );

    let (code, body) = get_tls(b.port, &fingerprint, "/api/status").await;
    assert_eq!(code, 200, "{body}");
    let status: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(status["state"], "waiting");

    // Plain HTTP on the same port: only a redirect to the same place over https.
    let (code, _) = b.get("/r/abc?x=1").expect("plain HTTP answers");
    assert_eq!(code, 308);
    let raw = plain_head(b.port, "/r/abc?x=1").await;
    assert!(
        raw.contains(&format!("location: https://127.0.0.1:{}/r/abc?x=1", b.port)),
        "{raw}"
    );

    // Restarted, the box keeps its certificate (the admin checked it once).
    assert_eq!(b.terminate(), Some(0));
    b.restart();
    let (code, _) = get_tls(b.port, &fingerprint, "/api/status").await;
    assert_eq!(code, 200, "the same certificate after a restart");
}

async fn plain_head(port: u16, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("write");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    String::from_utf8_lossy(&raw).to_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_over_wss() {
    let b = TestBox::start("[tls]\nmode = \"on\"\n");
    let fingerprint = fingerprint_of(&b.dir.path().join("state/tls/cert.pem"));
    let link = b.create_link("Anna");
    assert!(link.starts_with("https://"), "links are https: {link}");
    let tls = support::tls::connect(b.port, &fingerprint)
        .await
        .expect("TLS");
    let (mut socket, _) =
        tokio_tungstenite::client_async(format!("wss://127.0.0.1:{}/signal", b.port), tls)
            .await
            .expect("wss upgrade");
    let hello = json!({"type": "hello", "version": 1, "token": token_of(&link)});
    socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .expect("send");
    let mut saw = Vec::new();
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(Duration::from_secs(10), socket.next()).await
    {
        let Message::Text(text) = frame else {
            continue;
        };
        let m: Value = serde_json::from_str(&text).expect("JSON");
        saw.push(m["type"].as_str().unwrap_or_default().to_owned());
        if m["type"] == "offer" {
            break;
        }
    }
    assert_eq!(saw.first().map(String::as_str), Some("welcome"), "{saw:?}");
    assert_eq!(saw.last().map(String::as_str), Some("offer"), "{saw:?}");
    socket
        .send(Message::Text(json!({"type": "hangUp"}).to_string().into()))
        .await
        .expect("send");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_certificate_is_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let made = rcgen::generate_simple_self_signed(vec!["box.example".to_owned()]).expect("rcgen");
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("write");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write");
    let b = TestBox::start(&format!(
        "[tls]\nmode = \"on\"\ncertificate = \"{}\"\nkey = \"{}\"\n",
        cert.display(),
        key.display()
    ));
    let (code, _) = get_tls(b.port, &fingerprint_of(&cert), "/api/status").await;
    assert_eq!(code, 200);
    assert!(
        !b.dir.path().join("state/tls").exists(),
        "no self-signed certificate is made when one is configured"
    );
}

#[test]
fn a_broken_certificate_stops_start_up_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("missing-key.pem"));
    let made = rcgen::generate_simple_self_signed(vec!["box.example".to_owned()]).expect("rcgen");
    std::fs::write(&cert, made.cert.pem()).expect("write");
    let config = dir.path().join("box.toml");
    std::fs::write(
        &config,
        format!(
            "[web]\nlisten = \"127.0.0.1:{}\"\n[state]\ndir = \"{}\"\n\
             [media]\nvideo_source = \"test\"\naudio_source = \"test\"\ntv_output = \"none\"\naudio_output = \"none\"\n\
             [tls]\nmode = \"on\"\ncertificate = \"{}\"\nkey = \"{}\"\n",
            support::free_port(),
            dir.path().join("state").display(),
            cert.display(),
            key.display()
        ),
    )
    .expect("config");
    let out = run_with_stdio(&["run", "--config", config.to_str().expect("utf-8")]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the box must not start: {said}");
    assert!(said.contains("cannot set up HTTPS"), "{said}");
    assert!(
        said.contains(&key.display().to_string()),
        "names the file: {said}"
    );
}
