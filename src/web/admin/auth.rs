//! First set-up, login, logout and password change.

use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use super::{blocking, cookie, AdminSession, ApiError};
use crate::admin::AdminError;
use crate::web::AppState;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    set_up: bool,
    logged_in: bool,
}

pub async fn session(
    State(state): State<AppState>,
    session: Result<AdminSession, ApiError>,
) -> Result<Json<SessionView>, ApiError> {
    let credentials = state.admin.credentials.clone();
    let set_up = blocking(move || credentials.is_set_up())
        .await?
        .map_err(ApiError::internal)?;
    Ok(Json(SessionView {
        set_up,
        logged_in: session.is_ok(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    code: String,
    password: String,
}

pub async fn setup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<SetupRequest>,
) -> Result<Response, ApiError> {
    let ip = peer.ip();
    let _check = checking_turn(&state, ip)?;
    let admin = state.admin.clone();
    let result = blocking(move || match &admin.setup_code {
        Some(code) => admin.credentials.set_up(&body.code, code, &body.password),
        None => Err(AdminError::AlreadySetUp),
    })
    .await?;
    settle(&state, ip, &result);
    match result {
        Ok(()) => {
            tracing::info!("first set-up done: the admin password is set");
            state.device.set_setup_code(None).await;
            log_in(&state)
        }
        Err(e @ AdminError::AlreadySetUp) => Err(ApiError::Conflict(e.to_string())),
        Err(e) => Err(refusal(e)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let ip = peer.ip();
    let _check = checking_turn(&state, ip)?;
    let credentials = state.admin.credentials.clone();
    let result = blocking(move || {
        if !credentials.is_set_up().unwrap_or(true) {
            Err(AdminError::NotSetUp)
        } else if credentials.verify(&body.password) {
            Ok(())
        } else {
            Err(AdminError::WrongPassword)
        }
    })
    .await?;
    settle(&state, ip, &result);
    match result {
        Ok(()) => log_in(&state),
        Err(AdminError::NotSetUp) => Err(ApiError::Conflict(
            "The box is not set up yet: use the code shown on the TV.".into(),
        )),
        Err(e) => Err(refusal(e)),
    }
}

pub async fn logout(State(state): State<AppState>, session: AdminSession) -> Response {
    state.admin.sessions.end(&session.token);
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie(&state.admin, None))],
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    old: String,
    new: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    _session: AdminSession,
    Json(body): Json<PasswordRequest>,
) -> Result<Response, ApiError> {
    let ip = peer.ip();
    let _check = checking_turn(&state, ip)?;
    let credentials = state.admin.credentials.clone();
    let result = blocking(move || credentials.change_password(&body.old, &body.new)).await?;
    settle(&state, ip, &result);
    match result {
        Ok(()) => {
            state.admin.sessions.end_all();
            log_in(&state)
        }
        Err(e) => Err(refusal(e)),
    }
}

/// A turn to check a password or code, or "wait": every check (login,
/// set-up, password change) takes one of a few slots (argon2 needs 19 MiB
/// each, so a burst must not eat the box's memory) and is counted against its
/// source before it runs ([`crate::admin::LoginThrottle::attempt`]).
fn checking_turn(
    state: &AppState,
    ip: IpAddr,
) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    let slot = state
        .admin
        .password_checks
        .try_acquire()
        .map_err(|_| ApiError::TooManyTries(std::time::Duration::from_secs(1)))?;
    state
        .admin
        .throttle
        .attempt(ip, Instant::now())
        .map_err(ApiError::TooManyTries)?;
    Ok(slot)
}

/// Settles the attempt [`checking_turn`] counted: a right answer clears the
/// source's failures, a wrong one stays counted, and anything that was not a
/// guess at all (not set up, a weak new password, a storage error) is taken back.
fn settle(state: &AppState, ip: IpAddr, result: &Result<(), AdminError>) {
    let throttle = &state.admin.throttle;
    match result {
        Ok(()) => throttle.succeeded(ip),
        Err(AdminError::WrongPassword | AdminError::WrongSetupCode) => {}
        Err(_) => throttle.withdraw(ip),
    }
}

/// A new session, answered with its cookie.
fn log_in(state: &AppState) -> Result<Response, ApiError> {
    let token = state
        .admin
        .sessions
        .create(Instant::now())
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            cookie(&state.admin, Some(token.expose())),
        )],
    )
        .into_response())
}

/// The answer for an admin error that is the request's fault or the box's.
fn refusal(e: AdminError) -> ApiError {
    match e {
        AdminError::PasswordTooShort { .. } | AdminError::PasswordTooLong { .. } => {
            ApiError::BadRequest(e.to_string())
        }
        AdminError::NotSetUp | AdminError::AlreadySetUp => ApiError::Conflict(e.to_string()),
        AdminError::WrongSetupCode | AdminError::WrongPassword => {
            ApiError::Unauthorized(e.to_string())
        }
        AdminError::Storage(_) | AdminError::Random(_) | AdminError::Hashing(_) => {
            ApiError::Internal(e.to_string())
        }
    }
}
