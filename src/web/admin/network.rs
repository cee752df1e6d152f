//! The network check for the admin (`GET /api/admin/network`): runs
//! `crate::netcheck` on demand (TURN allocation and STUN public address,
//! a few seconds at most, on the async threads without blocking them).

use axum::extract::State;
use axum::Json;

use super::AdminSession;
use crate::netcheck::NetworkReport;
use crate::web::AppState;

pub async fn check(State(state): State<AppState>, _session: AdminSession) -> Json<NetworkReport> {
    Json(state.admin.network.run().await)
}
