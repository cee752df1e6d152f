//! `homecall relay`: builds the relay from `relay.toml` and runs it until
//! SIGTERM. Start-up order: logging; the certificate — from files, or over
//! ACME (the port-80 door for HTTP-01 challenges first, then the certificate
//! kept or ordered, then a renewal task that swaps it in while serving); the
//! paired boxes and the tunnel directory; the web server; "ready" to systemd.
//! See docs/relay.md.

use std::sync::Arc;

use anyhow::Context;

use crate::acme::{self, AcmeSettings, ChallengeResponses, RenewalSchedule};
use crate::limits::Limits;
use crate::relay::config::{AcmeConfig, RelayCertificate, RelayConfig};
use crate::relay::{BoxBook, LocalDirectory};
use crate::tls::{Certificate, CertificateSource};
use crate::web::LiveTls;
use crate::{system, web};

pub fn run(config: RelayConfig) -> anyhow::Result<()> {
    system::init_logging();
    crate::app::runtime()?.block_on(serve(config))
}

async fn serve(config: RelayConfig) -> anyhow::Result<()> {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), public_url = %config.public_url, "relay starting");
    let tls = match &config.certificate {
        RelayCertificate::Files { certificate, key } => {
            let loaded = Certificate::load(&CertificateSource::Files {
                certificate: certificate.clone(),
                key: key.clone(),
            })
            .context("cannot set up HTTPS (no plain-text fall-back)")?;
            tracing::info!(fingerprint = %loaded.fingerprint, "HTTPS certificate");
            Some(LiveTls::new(loaded.config))
        }
        RelayCertificate::Acme(acme) => Some(acme_certificate(&config, acme).await?),
        RelayCertificate::Plain => {
            tracing::warn!(address = %config.listen, "plain HTTP on loopback, for development");
            None
        }
    };
    let state = web::relay::RelayState::new(
        BoxBook::open(&config.state_dir),
        Arc::new(LocalDirectory::default()),
        config.limits.clone(),
        config.callers_per_box,
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(address = %config.listen, "relay listening");
    system::notify_ready();
    web::relay::serve(listener, state, tls, async {
        system::terminated().await;
        tracing::info!("relay stopping");
    })
    .await
    .context("web server failed")?;
    Ok(())
}

/// Opens the port-80 door, gets the certificate (kept, or ordered over
/// ACME), and keeps it renewed; the returned TLS follows each renewal.
async fn acme_certificate(config: &RelayConfig, acme: &AcmeConfig) -> anyhow::Result<LiveTls> {
    let challenges = ChallengeResponses::new();
    let door = tokio::net::TcpListener::bind(acme.http_listen)
        .await
        .with_context(|| format!("cannot listen on {} for ACME challenges", acme.http_listen))?;
    tokio::spawn(web::relay::serve_challenges(
        door,
        challenges.clone(),
        config.public_url.clone(),
        plain_door_limits(&config.limits),
        system::terminated(),
    ));
    let settings = AcmeSettings {
        directory_url: acme.directory.clone(),
        domain: acme.domain.clone(),
        contact_email: acme
            .contact
            .as_deref()
            .map(|c| c.trim_start_matches("mailto:").to_owned()),
        state_dir: config.state_dir.join("acme"),
        server_root: acme.directory_root.clone(),
    };
    let files = acme::ensure_certificate(&settings, &challenges)
        .await
        .with_context(|| format!("cannot get a certificate for {} over ACME", acme.domain))?;
    let load = |files: &acme::CertificateFiles| {
        Certificate::load(&CertificateSource::Files {
            certificate: files.fullchain.clone(),
            key: files.private_key.clone(),
        })
    };
    let certificate = load(&files).context("the certificate from ACME does not load")?;
    tracing::info!(fingerprint = %certificate.fingerprint, domain = %acme.domain, "HTTPS certificate (ACME)");
    let tls = LiveTls::new(certificate.config);
    let renewed = tls.clone();
    tokio::spawn(acme::keep_renewed(
        settings,
        challenges,
        RenewalSchedule::default(),
        move |files| match load(files) {
            Ok(certificate) => {
                tracing::info!(fingerprint = %certificate.fingerprint, "renewed certificate in service");
                renewed.replace(certificate.config);
            }
            Err(e) => {
                tracing::error!(error = %e, "the renewed certificate does not load; keeping the old one")
            }
        },
    ));
    Ok(tls)
}

/// The port-80 door takes only challenges and redirects: a tighter share per source.
fn plain_door_limits(limits: &Limits) -> Limits {
    Limits {
        connections: limits.connections.min(64),
        connections_per_source: limits.connections_per_source.min(8),
        ..limits.clone()
    }
}
