//! What the admin changes: answering, picture quality, devices (`/api/admin/settings`).

use super::{blocking, AdminSession, ApiError};
use crate::settings::{Settings, SettingsError};
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
        .map_err(ApiError::internal)
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
        .map_err(ApiError::internal)?;
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
    state.device.settings_changed().await;
    Ok(Json(stored))
}

fn refused(e: SettingsError) -> ApiError {
    match e {
        SettingsError::Invalid(reason) => ApiError::BadRequest(capitalise(&reason)),
        e => ApiError::Internal(e.to_string()),
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
