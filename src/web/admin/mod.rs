//! The family admin's page and JSON API (`/admin`, `/api/admin/…`).
//!
//! Owns the HTTP side of administration: the guard every admin request passes
//! (source address in the allow-list; Origin checked on anything that
//! changes state), the session cookie, the error type the API answers with,
//! and the routes. The rules themselves (codes, passwords, sessions, back-off)
//! live in `crate::admin`; this module only adapts them to HTTP.
//! docs/admin-api.md documents the API.

mod auth;
mod devices;
mod links;
mod network;
mod relay;
mod settings;
mod status;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use crate::admin::{
    cookie_value, host_is_known, same_origin, AllowList, Credentials, LoginThrottle, Sessions,
    SetupCode,
};

/// The session cookie's name.
const COOKIE: &str = "homecall_admin";

/// Everything the admin routes share.
pub struct AdminState {
    pub credentials: Credentials,
    pub sessions: Sessions,
    pub throttle: LoginThrottle,
    pub allowed: AllowList,
    /// The first set-up code, while the box has no admin password.
    pub setup_code: Option<SetupCode>,
    /// The box is reached over HTTPS: cookies are `Secure`, origins `https`.
    pub https: bool,
    /// Host names the box answers to besides IP addresses and localhost
    /// (its public URL's host, `<hostname>.local`), lower case.
    pub names: Vec<String>,
    /// At most this many password checks (argon2: 19 MiB each) run at once.
    pub password_checks: tokio::sync::Semaphore,
    /// SHA-256 of the HTTPS certificate, for the admin to compare with what
    /// the browser shows; `None` over plain HTTP.
    pub certificate_fingerprint: Option<String>,
    /// The TURN/STUN check the admin runs on demand.
    pub network: crate::netcheck::NetworkCheck,
}

impl AdminState {
    /// Whether `host` (a Host header: name or address, maybe a port) is this box.
    pub fn known_host(&self, host: &str) -> bool {
        host_is_known(&self.names, host)
    }
}

/// The admin routes, behind the guard.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(page))
        .route("/api/admin/session", get(auth::session))
        .route("/api/admin/setup", post(auth::setup))
        .route("/api/admin/login", post(auth::login))
        .route("/api/admin/logout", post(auth::logout))
        .route("/api/admin/password", post(auth::change_password))
        .route("/api/admin/links", get(links::list).post(links::create))
        .route("/api/admin/links/{id}/revoke", post(links::revoke))
        .route("/api/admin/links/{id}/replace", post(links::replace))
        .route("/api/admin/settings", get(settings::get).put(settings::put))
        .route("/api/admin/status", get(status::status))
        .route("/api/admin/devices", get(devices::list))
        .route("/api/admin/calls", get(status::calls))
        .route("/api/admin/tv.png", get(status::tv_png))
        .route("/api/admin/network", get(network::check))
        .route(
            "/api/admin/relay",
            get(relay::get).put(relay::pair).delete(relay::unpair),
        )
        .layer(axum::middleware::from_fn_with_state(state, guard))
}

/// The admin page: the same for every box and version, so it revalidates
/// by its ETag like the scripts (what it shows comes from the API).
async fn page(request: HeaderMap) -> Response {
    super::assets::ADMIN_PAGE.respond(&request)
}

/// Only the home network may ask, and only the admin page may change things.
async fn guard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let admin = &state.admin;
    if let Err(refusal) = super::guard::from_home_network(&state, peer, request.headers()) {
        return refusal.into_response();
    }
    if let Err(wait) = state.admin_rates.take(peer.ip(), std::time::Instant::now()) {
        return ApiError::TooManyTries(wait).into_response();
    }
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if changes {
        let headers = request.headers();
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        if !same_origin(origin, host, admin.https) {
            return ApiError::Forbidden("This request did not come from the box's admin page.")
                .into_response();
        }
    }
    next.run(request).await
}

/// A refusal, answered as `{"error": "<sentence>"}` with its status.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized(String),
    Forbidden(&'static str),
    NotFound(&'static str),
    Conflict(String),
    TooManyTries(Duration),
    Internal(String),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// What the box failed at, for the log; the admin reads a sentence.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, retry) = match self {
            ApiError::BadRequest(s) => (StatusCode::BAD_REQUEST, s, None),
            ApiError::Unauthorized(s) => (StatusCode::UNAUTHORIZED, s, None),
            ApiError::Forbidden(s) => (StatusCode::FORBIDDEN, s.to_owned(), None),
            ApiError::NotFound(s) => (StatusCode::NOT_FOUND, s.to_owned(), None),
            ApiError::Conflict(s) => (StatusCode::CONFLICT, s, None),
            ApiError::TooManyTries(wait) => {
                let secs = wait.as_secs().max(1);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many tries. Please wait {secs} second{} and try again.",
                        if secs == 1 { "" } else { "s" }
                    ),
                    Some(secs),
                )
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "admin request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The box could not do that. Please try again.".to_owned(),
                    None,
                )
            }
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error,
                retry_after_secs: retry,
            }),
        )
            .into_response();
        if let Some(secs) = retry {
            if let Ok(value) = secs.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// A request from a logged-in admin (extracting it checks the cookie).
pub struct AdminSession {
    token: String,
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_cookie(&parts.headers)
            .ok_or_else(|| ApiError::Unauthorized("Please log in.".into()))?;
        if state
            .admin
            .sessions
            .check(&token, std::time::Instant::now())
        {
            Ok(Self { token })
        } else {
            Err(ApiError::Unauthorized(
                "Your session has ended. Please log in again.".into(),
            ))
        }
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    cookie_value(values, COOKIE).map(str::to_owned)
}

/// The `Set-Cookie` value for a new session, or to clear it (`None`).
fn cookie(admin: &AdminState, token: Option<&str>) -> String {
    let secure = if admin.https { "; Secure" } else { "" };
    match token {
        Some(token) => format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}"),
        None => format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"),
    }
}

/// Runs blocking work (argon2, file writes) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}
