//! The web server: the only module that knows HTTP.
//!
//! Owns the routes: the call page behind each link (`pages`), its embedded
//! scripts and styles (`assets`), the signalling WebSocket (`signal`) and the
//! technical status (`status`). It talks to the rest of the box through
//! [`crate::device::DeviceHandle`] and [`crate::links::LinkBook`] only.

pub mod admin;
mod assets;
mod headers;
mod i18n;
mod pages;
mod signal;
pub mod status;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;

use crate::device::DeviceHandle;
use crate::history::CallHistory;
use crate::links::LinkBook;
use crate::settings::SettingsStore;

pub use admin::AdminState;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub device: DeviceHandle,
    pub links: LinkBook,
    pub settings: SettingsStore,
    pub history: CallHistory,
    pub admin: Arc<AdminState>,
    /// How relatives reach the box (for the links it hands out).
    pub public_url: String,
    open_sockets: Arc<AtomicUsize>,
}

impl AppState {
    pub fn new(
        device: DeviceHandle,
        links: LinkBook,
        settings: SettingsStore,
        history: CallHistory,
        admin: AdminState,
        public_url: String,
    ) -> Self {
        Self {
            device,
            links,
            settings,
            history,
            admin: Arc::new(admin),
            public_url,
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
        .merge(admin::routes(state.clone()))
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
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
