//! The admin's relay page: pair the box with the family's relay by pasting
//! the code `homecall relay pair` printed, see whether the tunnel is up, or
//! unpair. Once paired, new links point at the relay.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{blocking, AdminSession, ApiError};
use crate::relay::PairingCode;
use crate::web::tunnel_client::TunnelStatus;
use crate::web::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelayView {
    paired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    relay_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    box_id: Option<String>,
    /// Where new links point.
    link_base: String,
    tunnel: TunnelStatus,
}

fn view(state: &AppState) -> RelayView {
    let code = state.relay.code();
    RelayView {
        paired: code.is_some(),
        relay_url: code.as_ref().map(|c| c.relay_url.clone()),
        box_id: code.map(|c| c.box_id.to_string()),
        link_base: state.link_base(),
        tunnel: state.relay.tunnel_status(),
    }
}

pub async fn get(State(state): State<AppState>, _session: AdminSession) -> Json<RelayView> {
    Json(view(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    code: String,
}

pub async fn pair(
    State(state): State<AppState>,
    _session: AdminSession,
    body: Result<Json<PairRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RelayView>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    // Plain http:// only for a relay on this machine (development, tests).
    let loopback = ["http://127.", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| body.code.trim().starts_with(p));
    let code = PairingCode::parse(&body.code, loopback)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    tracing::info!(relay = %code.relay_url, box_id = %code.box_id, "paired with a relay");
    let relay = state.relay.clone();
    blocking(move || relay.set(Some(code)))
        .await?
        .map_err(ApiError::internal)?;
    Ok(Json(view(&state)))
}

pub async fn unpair(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<Json<RelayView>, ApiError> {
    let relay = state.relay.clone();
    blocking(move || relay.set(None))
        .await?
        .map_err(ApiError::internal)?;
    tracing::info!("unpaired from the relay");
    Ok(Json(view(&state)))
}
