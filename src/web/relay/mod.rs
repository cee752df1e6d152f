//! The relay's web side (`homecall relay`): the call page for each paired
//! box, relatives' signalling sockets, and the boxes' tunnels.
//!
//! Routes:
//! - `/b/{box}/r/{token}`: the call page, or "the box is not connected right
//!   now" (RU/EN) when its tunnel is down. The relay never checks the token:
//!   the box does, on hello. With `?manifest`, the link's web app manifest
//!   (without its label, which only the box knows), 404 when the tunnel is down.
//! - `/b/{box}/signal`: a relative's signalling socket, passed through the
//!   box's tunnel message by message (`caller`).
//! - `/tunnel`: a box's tunnel, authenticated by its key (`tunnel`).
//! - `/assets/{name}`, `/favicon.ico`: the call page's scripts, styles and
//!   icons (the box's own).
//!
//! Limits: the connection caps and timeouts of `web::serve`; signalling
//! sockets per source, message size and rate as on the box; callers per box
//! (`callers_per_box`); tunnel logins per source per minute.

mod caller;
mod tunnel;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::assets;
use super::gate::{Gate, SourceRates};
use super::i18n::Text;
use super::manifest;
use super::pages::{lang_of, message};
use super::LiveTls;
use crate::acme::ChallengeResponses;
use crate::limits::Limits;
use crate::relay::{BoxBook, BoxId, TunnelDirectory};

/// What every relay handler can reach.
#[derive(Clone)]
pub struct RelayState {
    pub boxes: BoxBook,
    pub directory: Arc<dyn TunnelDirectory>,
    pub limits: Arc<Limits>,
    pub callers_per_box: usize,
    /// Relatives' signalling sockets per source.
    sockets: Gate,
    /// Tunnel logins per source.
    tunnel_logins: Arc<SourceRates>,
}

/// Tunnel logins a source may try per minute (a key is 256 bits: this only
/// keeps floods of hashing off the relay).
const TUNNEL_LOGINS_PER_MINUTE: u32 = 30;

impl RelayState {
    pub fn new(
        boxes: BoxBook,
        directory: Arc<dyn TunnelDirectory>,
        limits: Limits,
        callers_per_box: usize,
    ) -> Self {
        Self {
            boxes,
            directory,
            sockets: Gate::new(usize::MAX, limits.sockets_per_source),
            tunnel_logins: Arc::new(SourceRates::per_minute(TUNNEL_LOGINS_PER_MINUTE)),
            limits: Arc::new(limits),
            callers_per_box,
        }
    }
}

/// Every route of the relay.
pub fn relay_app(state: RelayState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/b/{box_id}/r/{token}", get(call_page))
        .route("/b/{box_id}/signal", get(caller::upgrade))
        .route("/tunnel", get(tunnel::upgrade))
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(super::pages::not_found)
        .layer(axum::middleware::from_fn(super::headers::security))
        .with_state(state)
}

/// Serves the relay on `listener` (over TLS with `tls`, whose certificate
/// may be replaced while it runs) until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: RelayState,
    tls: Option<LiveTls>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    tokio::task::spawn_blocking(assets::warm_call_page);
    super::serve::serve(listener, relay_app(state), tls, &limits, shutdown).await
}

/// The relay's plain-HTTP door (port 80): the ACME server's HTTP-01
/// challenges, and a redirect to https:// for everything else.
pub async fn serve_challenges(
    listener: tokio::net::TcpListener,
    challenges: ChallengeResponses,
    public_url: String,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = Router::new()
        .route(
            "/.well-known/acme-challenge/{token}",
            get(
                |State(c): State<ChallengeResponses>, Path(token): Path<String>| async move {
                    c.key_authorization(&token).ok_or(StatusCode::NOT_FOUND)
                },
            ),
        )
        .fallback(move |uri: axum::http::Uri| {
            let to = format!(
                "{public_url}{}",
                uri.path_and_query().map_or("/", |p| p.as_str())
            );
            async move { axum::response::Redirect::permanent(&to) }
        })
        .with_state(challenges);
    super::serve::serve(listener, app, None, &limits, shutdown).await
}

async fn home(headers: HeaderMap) -> Response {
    message(StatusCode::OK, lang_of(&headers), Text::RelayHome)
}

/// The call page of a paired box whose tunnel is up; a plain sentence otherwise.
async fn call_page(
    State(state): State<RelayState>,
    Path((box_id, _token)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    let wants_manifest = manifest::wanted(query.as_deref());
    let Some(id) = BoxId::parse(&box_id) else {
        return message(StatusCode::NOT_FOUND, lang, Text::InvalidLink);
    };
    let online = state.directory.find(&id).is_some();
    if wants_manifest {
        return if online {
            manifest::manifest(uri.path(), None, lang)
        } else {
            manifest::none()
        };
    }
    if online {
        return super::pages::call_page(&headers);
    }
    let boxes = state.boxes.clone();
    let known = tokio::task::spawn_blocking(move || boxes.knows(&id))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(false);
    if known {
        message(StatusCode::SERVICE_UNAVAILABLE, lang, Text::BoxOffline)
    } else {
        message(StatusCode::NOT_FOUND, lang, Text::InvalidLink)
    }
}
