//! The box's place in the operating system: logging to journald or stdout,
//! systemd readiness and watchdog keep-alives, termination signals, and
//! the C heap given back after a call and after the start-up's warm-up
//! (`heap`).

mod heap;

pub use heap::return_freed_memory;

use std::future::Future;
use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Logs to journald when systemd started us with the journal as stdout
/// (`JOURNAL_STREAM` set and the journal reachable), to stdout otherwise.
/// `RUST_LOG` filters; the default is `info`.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        match tracing_journald::layer() {
            Ok(journald) => {
                registry
                    .with(journald.with_syslog_identifier("homecall".into()))
                    .init();
                return;
            }
            Err(e) => eprintln!("homecall: journald unavailable ({e}); logging to stdout"),
        }
    }
    registry
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(std::io::stdout().is_terminal()),
        )
        .init();
}

/// Tells systemd the box is ready (a no-op outside systemd).
pub fn notify_ready() {
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        tracing::warn!(error = %e, "cannot tell systemd we are ready");
    }
}

/// Feeds systemd's watchdog, when it has one for us, at half its timeout,
/// but only while `alive` says the box still works: a box whose main loop
/// is stuck stops feeding it and systemd restarts it.
pub fn feed_watchdog<F, Fut>(alive: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let Some(timeout) = sd_notify::watchdog_enabled() else {
        return;
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(timeout / 2);
        loop {
            tick.tick().await;
            if alive().await {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            } else {
                tracing::error!("the device is not answering; letting the watchdog restart us");
            }
        }
    });
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn terminated() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
