//! The relay's certificate over ACME against a real ACME server: Debian's
//! `pebble`, validating HTTP-01 for real. Pebble resolves the test domain
//! through `pebble-challtestsrv` (to 127.0.0.1), connects to this test's own
//! HTTP server and fetches the key authorization `homecall::acme` published.
//! Everything listens on 127.0.0.1 only; works in a namespace with only `lo`.
//!
//! Checks: the issued chain names the domain and chains to pebble's root (a
//! real TLS handshake); a second call keeps the stored certificate without a
//! new order; a certificate near expiry is renewed by the renewal loop; a
//! failed validation, a wrong directory URL and an unreachable server give
//! errors naming the step.

use std::net::TcpListener as StdTcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use homecall::acme::{
    ensure_certificate, keep_renewed, AcmeError, AcmeSettings, CertificateFiles,
    ChallengeResponses, Obtained, RenewalSchedule,
};
use homecall::tls::{Certificate, CertificateSource};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DOMAIN: &str = "box-relay.test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_over_acme_against_pebble() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");

    // The HTTP-01 responder, as the relay's port 80 will be: it answers from
    // the map that `ensure_certificate` fills, and counts what pebble fetched.
    let challenges = ChallengeResponses::new();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the HTTP-01 responder");
    let http_port = http.local_addr().expect("address").port();
    let fetched = Arc::new(AtomicUsize::new(0));
    tokio::spawn(serve_challenges(http, challenges.clone(), fetched.clone()));

    let pebble = Pebble::start(dir.path(), http_port);
    let pebble_root = dir.path().join("pebble-root.pem");
    std::fs::write(&pebble_root, pebble.issuing_root().await).expect("write pebble's root");

    let settings = AcmeSettings {
        directory_url: pebble.directory_url(),
        domain: DOMAIN.to_owned(),
        contact_email: Some("family@example.org".to_owned()),
        state_dir: dir.path().join("state"),
        server_root: Some(pebble.listener_root.clone()),
    };

    // 1. First call: an account, an order, a real HTTP-01 validation, a certificate.
    let first = ensure_certificate(&settings, &challenges)
        .await
        .expect("a certificate from pebble");
    assert_eq!(first.obtained, Obtained::Ordered);
    assert!(
        fetched.load(Ordering::SeqCst) >= 1,
        "pebble never fetched the key authorization"
    );
    assert!(challenges.is_empty(), "responses left published");
    let chain = CertificateDer::pem_file_iter(&first.fullchain)
        .expect("read the chain")
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM chain");
    assert!(chain.len() >= 2, "leaf and intermediate expected");
    serves_as(&first, DOMAIN, &pebble_root)
        .await
        .expect("the new certificate is trusted for the domain through pebble's root");
    let err = serves_as(&first, "other.test", &pebble_root)
        .await
        .expect_err("the certificate names only the domain");
    assert!(err.contains("NotValidForName"), "{err}");
    let dir_mode = mode(first.fullchain.parent().expect("directory"));
    assert_eq!(dir_mode & 0o777, 0o700, "the key's directory is private");

    // 2. Second call: the stored certificate, no order, no validation.
    let bytes = std::fs::read(&first.fullchain).expect("chain");
    let mtime = modified(&first.fullchain);
    let hits = fetched.load(Ordering::SeqCst);
    let second = ensure_certificate(&settings, &challenges)
        .await
        .expect("the stored certificate");
    assert_eq!(second.obtained, Obtained::Stored);
    assert_eq!(second.fullchain, first.fullchain);
    assert_eq!(second.not_after, first.not_after);
    assert_eq!(std::fs::read(&second.fullchain).expect("chain"), bytes);
    assert_eq!(modified(&second.fullchain), mtime);
    assert_eq!(fetched.load(Ordering::SeqCst), hits, "no new validation");

    // 3. A certificate 10 days from expiry is due for renewal.
    let account = std::fs::read(first.fullchain.with_file_name("account.json")).expect("account");
    let expiring_not_after = store_expiring_certificate(&first);

    //    While the ACME server cannot be used, the stored one still serves.
    let unusable = AcmeSettings {
        directory_url: format!("https://127.0.0.1:{}/no-such-directory", pebble.listen_port),
        ..settings.clone()
    };
    let kept = ensure_certificate(&unusable, &challenges)
        .await
        .expect("the stored certificate while renewal fails");
    match &kept.obtained {
        Obtained::RenewalFailed { error } => {
            assert!(error.contains("not an ACME directory"), "{error}")
        }
        other => panic!("expected a failed renewal, got {other:?}"),
    }
    assert_eq!(kept.fullchain, first.fullchain);
    assert_eq!(kept.not_after, expiring_not_after);

    //    The renewal loop orders a new one (with the stored account) and
    //    reports it.
    let (renewed_tx, mut renewed_rx) = tokio::sync::mpsc::unbounded_channel();
    let renewal = tokio::spawn(keep_renewed(
        settings.clone(),
        challenges.clone(),
        RenewalSchedule {
            check_every: Duration::from_millis(200),
            retry_after_failure: Duration::from_millis(200),
        },
        move |c: &CertificateFiles| {
            let _ = renewed_tx.send(c.clone());
        },
    ));
    let renewed = tokio::time::timeout(Duration::from_secs(20), renewed_rx.recv())
        .await
        .expect("renewed within 20 s")
        .expect("a renewed certificate");
    // The loop goes on checking; the certificate it has is fresh, so no more orders.
    tokio::time::sleep(Duration::from_millis(500)).await;
    renewal.abort();
    assert!(renewed_rx.try_recv().is_err(), "only one renewal");
    assert_eq!(renewed.obtained, Obtained::Ordered);
    assert!(renewed.not_after > in_days(60));
    serves_as(&renewed, DOMAIN, &pebble_root)
        .await
        .expect("the renewed certificate is trusted");
    assert_eq!(
        std::fs::read(renewed.fullchain.with_file_name("account.json")).expect("account"),
        account,
        "the account is reused"
    );

    // 4. Validation fails (the responder does not know the token): the error
    //    names the challenge step and carries pebble's problem detail.
    let unserved = ChallengeResponses::new();
    let other_state = AcmeSettings {
        state_dir: dir.path().join("state-unserved"),
        ..settings.clone()
    };
    let err = ensure_certificate(&other_state, &unserved)
        .await
        .expect_err("pebble cannot validate");
    let text = err.to_string();
    assert!(matches!(err, AcmeError::Challenge { .. }), "{text}");
    assert!(
        text.contains(DOMAIN) && text.contains("urn:ietf:params:acme:error:"),
        "{text}"
    );
    assert!(
        unserved.is_empty(),
        "responses left published after a failure"
    );
    println!("failed validation reads: {text}");

    // 5. A wrong directory URL: the account step fails, saying where.
    let wrong = AcmeSettings {
        directory_url: format!("https://127.0.0.1:{}/no-such-directory", pebble.listen_port),
        state_dir: dir.path().join("state-wrong"),
        ..settings.clone()
    };
    let err = ensure_certificate(&wrong, &challenges)
        .await
        .expect_err("no directory there");
    let text = err.to_string();
    assert!(matches!(err, AcmeError::Account { .. }), "{text}");
    assert!(
        text.contains("could not open the ACME account at https://127.0.0.1:")
            && text.contains("not an ACME directory"),
        "{text}"
    );
    println!("wrong directory reads: {text}");

    // 6. No ACME server at all: the same step, with the connection's reason.
    let [closed] = free_ports();
    let nobody = AcmeSettings {
        directory_url: format!("https://127.0.0.1:{closed}/dir"),
        state_dir: dir.path().join("state-nobody"),
        ..settings.clone()
    };
    let err = ensure_certificate(&nobody, &challenges)
        .await
        .expect_err("nothing listens there");
    let text = err.to_string();
    assert!(matches!(err, AcmeError::Account { .. }), "{text}");
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
    println!("no server reads: {text}");

    drop(pebble);
    println!("ACME test took {:.1} s", started.elapsed().as_secs_f64());
}

/// Answers `/.well-known/acme-challenge/{token}` from `challenges`.
async fn serve_challenges(
    listener: tokio::net::TcpListener,
    challenges: ChallengeResponses,
    fetched: Arc<AtomicUsize>,
) {
    async fn answer(
        State((challenges, fetched)): State<(ChallengeResponses, Arc<AtomicUsize>)>,
        UrlPath(token): UrlPath<String>,
    ) -> Result<String, StatusCode> {
        fetched.fetch_add(1, Ordering::SeqCst);
        challenges
            .key_authorization(&token)
            .ok_or(StatusCode::NOT_FOUND)
    }
    let app = axum::Router::new()
        .route("/.well-known/acme-challenge/{token}", get(answer))
        .with_state((challenges, fetched));
    axum::serve(listener, app)
        .await
        .expect("the HTTP-01 responder stopped");
}

/// Serves `certificate` over TLS on loopback and connects to it as `name`,
/// trusting only `root`: the handshake checks the chain, the name and that
/// the key fits.
async fn serves_as(certificate: &CertificateFiles, name: &str, root: &Path) -> Result<(), String> {
    let served = Certificate::load(&CertificateSource::Files {
        certificate: certificate.fullchain.clone(),
        key: certificate.private_key.clone(),
    })
    .map_err(|e| format!("cannot load the certificate: {e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let acceptor = tokio_rustls::TlsAcceptor::from(served.config);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        if let Ok(mut tls) = acceptor.accept(tcp).await {
            let _ = tls.write_all(b"hello").await;
            let _ = tls.shutdown().await;
        }
    });

    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(root)));
    let tcp = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let server_name = ServerName::try_from(name.to_owned()).expect("server name");
    let result = match connector.connect(server_name, tcp).await {
        Ok(mut tls) => {
            let mut greeting = Vec::new();
            tls.read_to_end(&mut greeting)
                .await
                .map_err(|e| e.to_string())?;
            assert_eq!(greeting, b"hello");
            Ok(())
        }
        Err(e) => Err(format!("{e:?}")),
    };
    server.abort();
    result
}

fn client_config(root: &Path) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(root).expect("read root") {
        roots.add(cert.expect("PEM root")).expect("add root");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Replaces the stored pair with a self-signed certificate for the domain
/// that was issued 80 days ago and expires in 10 days; returns its expiry.
fn store_expiring_certificate(stored: &CertificateFiles) -> std::time::SystemTime {
    let ymd = |days: i64| {
        use chrono::Datelike;
        let date = chrono::Utc::now().date_naive() + chrono::TimeDelta::days(days);
        rcgen::date_time_ymd(date.year(), date.month() as u8, date.day() as u8)
    };
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec![DOMAIN.to_owned()]).expect("params");
    params.not_before = ymd(-80);
    params.not_after = ymd(10);
    let cert = params.self_signed(&key).expect("certificate");
    std::fs::write(&stored.private_key, key.serialize_pem()).expect("write key");
    std::fs::write(&stored.fullchain, cert.pem()).expect("write chain");
    params.not_after.into()
}

fn in_days(days: u64) -> std::time::SystemTime {
    std::time::SystemTime::now() + Duration::from_secs(days * 24 * 3600)
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
}

/// `pebble` and `pebble-challtestsrv` running on loopback ports of their own;
/// both are killed when this is dropped (also when the test panics).
struct Pebble {
    children: Vec<(&'static str, Child, PathBuf)>,
    listen_port: u16,
    management_port: u16,
    /// The root that signed pebble's own HTTPS certificate.
    listener_root: PathBuf,
}

impl Pebble {
    fn start(dir: &Path, http_port: u16) -> Self {
        let pebble = installed("pebble");
        let challtestsrv = installed("pebble-challtestsrv");
        let [listen_port, management_port, tls_port, dns_port, challtest_management] = free_ports();

        // Pebble's own HTTPS certificate, from a CA made here.
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "HomeCall test CA for pebble");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("params")
            .signed_by(&key, &issuer)
            .expect("certificate");
        let listener_root = dir.join("pebble-listener-ca.pem");
        std::fs::write(&listener_root, ca_cert.pem()).expect("write CA");
        std::fs::write(dir.join("pebble-cert.pem"), cert.pem()).expect("write cert");
        std::fs::write(dir.join("pebble-key.pem"), key.serialize_pem()).expect("write key");

        let config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{listen_port}"),
                "managementListenAddress": format!("127.0.0.1:{management_port}"),
                "certificate": dir.join("pebble-cert.pem"),
                "privateKey": dir.join("pebble-key.pem"),
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false
            }
        });
        let config_path = dir.join("pebble-config.json");
        std::fs::write(&config_path, config.to_string()).expect("write config");

        let mut this = Self {
            children: Vec::new(),
            listen_port,
            management_port,
            listener_root,
        };
        // DNS for pebble: every name is 127.0.0.1 (no AAAA); its own
        // challenge servers off: this test answers HTTP-01 itself.
        let dns = format!("127.0.0.1:{dns_port}");
        this.spawn(
            "pebble-challtestsrv",
            dir,
            Command::new(challtestsrv).args([
                "-defaultIPv4",
                "127.0.0.1",
                "-defaultIPv6",
                "",
                "-dns01",
                &dns,
                "-http01",
                "",
                "-https01",
                "",
                "-tlsalpn01",
                "",
                "-management",
                &format!("127.0.0.1:{challtest_management}"),
            ]),
        );
        this.wait_for_port(challtest_management);
        this.spawn(
            "pebble",
            dir,
            Command::new(pebble)
                .arg("-config")
                .arg(&config_path)
                .args(["-dnsserver", &dns])
                // Real validation, without pebble's random delays, nonce
                // rejections or reused authorizations.
                .env("PEBBLE_VA_NOSLEEP", "1")
                .env("PEBBLE_WFE_NONCEREJECT", "0")
                .env("PEBBLE_AUTHZREUSE", "0")
                .env_remove("PEBBLE_VA_ALWAYS_VALID"),
        );
        this.wait_for_port(listen_port);
        this.wait_for_port(management_port);
        this
    }

    fn spawn(&mut self, name: &'static str, dir: &Path, command: &mut Command) {
        let log_path = dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        self.children.push((name, child, log_path));
    }

    fn wait_for_port(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            for (name, child, log) in &mut self.children {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "{name} exited ({status}):\n{}",
                        std::fs::read_to_string(log).unwrap_or_default()
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "nothing listens on port {port} after 10 s"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn directory_url(&self) -> String {
        format!("https://127.0.0.1:{}/dir", self.listen_port)
    }

    /// The root that signs what pebble issues, from its management interface.
    async fn issuing_root(&self) -> Vec<u8> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.management_port))
            .await
            .expect("connect to pebble's management interface");
        let connector =
            tokio_rustls::TlsConnector::from(Arc::new(client_config(&self.listener_root)));
        let name = ServerName::try_from("127.0.0.1").expect("server name");
        let mut tls = connector.connect(name, tcp).await.expect("TLS to pebble");
        // HTTP/1.0: no chunked encoding, the server closes at the end.
        tls.write_all(b"GET /roots/0 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .expect("request");
        let mut response = Vec::new();
        let _ = tls.read_to_end(&mut response).await;
        let text = String::from_utf8(response).expect("UTF-8 response");
        let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        assert!(body.contains("BEGIN CERTIFICATE"), "{body}");
        body.as_bytes().to_vec()
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        for (name, child, log) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
            if std::thread::panicking() {
                eprintln!(
                    "--- {name} log ---\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
        }
    }
}

/// The path of an installed program; the test fails (not skips) without it.
fn installed(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{program} is not installed: `scripts/install-deps.sh --test` installs it \
                 (Debian package pebble)"
            )
        })
}

/// Distinct free loopback ports (held together while chosen).
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<StdTcpListener> = (0..N)
        .map(|_| StdTcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("address").port())
}
