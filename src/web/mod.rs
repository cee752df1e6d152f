//! The web server: the only module that knows HTTP.
//!
//! Owns the routes: the call page behind each link (`pages`), its embedded
//! scripts and styles (`assets`), the signalling WebSocket (`signal`) and the
//! technical status (`status`). It talks to the rest of the box through
//! [`crate::device::DeviceHandle`] and [`crate::links::LinkBook`] only.

mod assets;
mod headers;
mod i18n;
mod pages;
mod signal;
mod status;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;

use crate::device::DeviceHandle;
use crate::links::LinkBook;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub device: DeviceHandle,
    pub links: LinkBook,
    open_sockets: Arc<AtomicUsize>,
}

impl AppState {
    pub fn new(device: DeviceHandle, links: LinkBook) -> Self {
        Self {
            device,
            links,
            open_sockets: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Waits (at most `limit`) until every signalling socket has closed, so
    /// the callers' last messages leave before the process exits.
    pub async fn sockets_closed(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.open_sockets.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Every route of the box.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/r/{token}", get(pages::call))
        .route("/signal", get(signal::upgrade))
        .route("/assets/{name}", get(assets::serve))
        .route("/api/status", get(status::status))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(headers::security))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
