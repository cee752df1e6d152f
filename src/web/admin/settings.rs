//! Answering settings, and the box's status for the admin.

use super::{blocking, AdminSession, ApiError};
use crate::history::CallRecord;
use crate::settings::{Settings, SettingsError};
use crate::web::status::StatusView;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

pub async fn get(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<Json<Settings>, ApiError> {
    let store = state.settings.clone();
    blocking(move || store.load())
        .await?
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub async fn put(
    State(state): State<AppState>,
    _session: AdminSession,
    body: Result<Json<Settings>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Settings>, ApiError> {
    let Json(settings) = body.map_err(|e| {
        ApiError::BadRequest(format!("Those settings are not valid: {}", e.body_text()))
    })?;
    let store = state.settings.clone();
    let current = blocking(move || store.load())
        .await?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    // Everything is checked before anything changes: a refused save must
    // not have moved the speaker's volume. Only a newly chosen device must
    // be present: an unplugged camera chosen earlier must not block
    // changing the answering settings.
    super::devices::check_choice(&settings.devices, &current.devices).await?;
    state.settings.check(&settings).map_err(refused)?;
    super::devices::apply_volume(&settings.devices, &current.devices).await?;
    let store = state.settings.clone();
    let stored = blocking(move || store.save(&settings).and_then(|()| store.load()))
        .await?
        .map_err(refused)?;
    tracing::info!(?stored, "settings changed");
    Ok(Json(stored))
}

fn refused(e: SettingsError) -> ApiError {
    match e {
        SettingsError::Invalid(reason) => ApiError::BadRequest(capitalise(&reason)),
        e => ApiError::Internal(e.to_string()),
    }
}

pub async fn status(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<Json<StatusView>, ApiError> {
    let status = state
        .device
        .status()
        .await
        .ok_or_else(|| ApiError::Internal("the device is stopping".into()))?;
    let call = state.device.call_stats().await;
    Ok(Json(StatusView::for_admin(
        status,
        &state.capture,
        call,
        state.admin.certificate_fingerprint.clone(),
    )))
}

#[derive(serde::Serialize)]
pub struct RecentCalls {
    calls: Vec<CallRecord>,
}

/// The last calls, newest first.
pub async fn calls(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<Json<RecentCalls>, ApiError> {
    let history = state.history.clone();
    let calls = blocking(move || history.recent())
        .await?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(RecentCalls { calls }))
}

/// What the TV shows now, as a PNG.
pub async fn tv_png(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    match state.device.tv_snapshot().await {
        Some(Ok(png)) => Ok((
            [
                (axum::http::header::CONTENT_TYPE, "image/png"),
                (axum::http::header::CACHE_CONTROL, "no-store"),
            ],
            png,
        )
            .into_response()),
        Some(Err(e)) => Err(ApiError::Internal(e)),
        None => Err(ApiError::NotFound("This box has no screen attached.")),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}
