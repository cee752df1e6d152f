//! The web server: the only module that knows HTTP.
//!
//! Owns the routes: the call page behind each link (`pages`) and its web
//! app manifest (`manifest`), its embedded scripts, styles and icons (`assets`), written into the call page
//! itself (`bundle`), the signalling WebSocket (`signal`) and the
//! technical status (`status`). Connections come in through `serve` (caps
//! and timeouts, counted by `gate`).

pub mod admin;
mod assets;
mod bundle;
pub mod gate;
mod guard;
mod gzip;
mod headers;
mod i18n;
mod manifest;
mod pages;
pub mod relay;
mod serve;
mod signal;
pub mod status;
pub mod tunnel_client;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;

use crate::device::DeviceHandle;
use crate::history::CallHistory;
use crate::limits::Limits;
use crate::links::LinkBook;
use crate::media::CaptureHealth;
use crate::settings::SettingsStore;
use crate::tls::Certificate;
use gate::{Gate, SourceRates};

pub use admin::AdminState;
pub use serve::{LiveTls, Transport};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub device: DeviceHandle,
    pub links: LinkBook,
    pub settings: SettingsStore,
    pub history: CallHistory,
    pub admin: Arc<AdminState>,
    /// How relatives reach the box on the home network (or through a port forward).
    pub public_url: String,
    /// The relay this box is paired with, if any (links then point there).
    pub relay: tunnel_client::RelayLink,
    pub limits: Arc<Limits>,
    /// How the camera and microphone are doing, for the status pages.
    pub capture: CaptureHealth,
    open_sockets: Arc<AtomicUsize>,
    /// Signalling sockets per source.
    sockets: Gate,
    /// Signalling sockets that have not said hello yet.
    before_hello: Gate,
    /// Admin requests per source.
    admin_rates: Arc<SourceRates>,
}

/// What the web server is built from (see [`AppState`]'s fields).
pub struct Parts {
    pub device: DeviceHandle,
    pub links: LinkBook,
    pub settings: SettingsStore,
    pub history: CallHistory,
    pub admin: AdminState,
    pub public_url: String,
    pub relay: tunnel_client::RelayLink,
    pub limits: Limits,
    pub capture: CaptureHealth,
}

impl AppState {
    pub fn new(parts: Parts) -> Self {
        let Parts {
            device,
            links,
            settings,
            history,
            admin,
            public_url,
            relay,
            limits,
            capture,
        } = parts;
        Self {
            device,
            links,
            settings,
            history,
            admin: Arc::new(admin),
            public_url,
            relay,
            capture,
            open_sockets: Arc::new(AtomicUsize::new(0)),
            sockets: Gate::new(usize::MAX, limits.sockets_per_source),
            before_hello: Gate::new(limits.waiting_for_hello, limits.waiting_for_hello),
            admin_rates: Arc::new(SourceRates::per_minute(limits.admin_requests_per_minute)),
            limits: Arc::new(limits),
        }
    }

    /// Where a new link points: the relay's address for this box when it is
    /// paired with one, the box's own address otherwise.
    pub fn link_base(&self) -> String {
        self.relay
            .link_base()
            .unwrap_or_else(|| self.public_url.clone())
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
        .route("/favicon.ico", get(assets::favicon))
        .route("/api/status", get(status::status))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(headers::security))
        .with_state(state)
}

/// Serves every route on `listener` (over TLS with `certificate`), under
/// the state's limits, until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    certificate: Option<&Certificate>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    let tls = certificate.map(|c| LiveTls::new(c.config.clone()));
    // Off the start's path: waiting comes first, the page a moment later.
    tokio::task::spawn_blocking(assets::warm_call_page);
    serve::serve(listener, app(state), tls, &limits, shutdown).await
}
