//! What the admin sees of the box: its status, the last calls, and a
//! picture of the TV (`/api/admin/status`, `/calls`, `/tv.png`).

use axum::extract::State;
use axum::Json;

use super::{blocking, AdminSession, ApiError};
use crate::history::CallRecord;
use crate::web::status::StatusView;
use crate::web::AppState;

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
        .map_err(ApiError::internal)?;
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
