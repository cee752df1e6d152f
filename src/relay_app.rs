//! `homecall relay`: builds the relay from `relay.toml` and runs it until
//! SIGTERM. Start-up order: logging, the certificate (files or ACME), the
//! paired boxes and the tunnel directory, the web server, then "ready" to
//! systemd. See docs/relay.md.

use std::sync::Arc;

use anyhow::Context;

use crate::relay::config::{RelayCertificate, RelayConfig};
use crate::relay::{BoxBook, LocalDirectory};
use crate::tls::{Certificate, CertificateSource};
use crate::{system, web};

pub fn run(config: RelayConfig) -> anyhow::Result<()> {
    system::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: RelayConfig) -> anyhow::Result<()> {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), public_url = %config.public_url, "relay starting");
    let certificate = match &config.certificate {
        RelayCertificate::Files { certificate, key } => Some(
            Certificate::load(&CertificateSource::Files {
                certificate: certificate.clone(),
                key: key.clone(),
            })
            .context("cannot set up HTTPS (no plain-text fall-back)")?,
        ),
        RelayCertificate::Acme(acme) => Some(acme_certificate(&config, acme).await?),
        RelayCertificate::Plain => {
            tracing::warn!(address = %config.listen, "plain HTTP on loopback, for development");
            None
        }
    };
    if let Some(c) = &certificate {
        tracing::info!(fingerprint = %c.fingerprint, "HTTPS certificate");
    }
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
    web::relay::serve(listener, state, certificate.as_ref(), async {
        system::terminated().await;
        tracing::info!("relay stopping");
    })
    .await
    .context("web server failed")?;
    Ok(())
}

async fn acme_certificate(
    _config: &RelayConfig,
    acme: &crate::relay::config::AcmeConfig,
) -> anyhow::Result<Certificate> {
    anyhow::bail!("ACME for {} is not wired yet", acme.domain)
}
