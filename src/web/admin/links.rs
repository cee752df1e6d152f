//! Links: list, create (with the URL and its QR code, shown once), revoke, replace.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{blocking, AdminSession, ApiError};
use crate::clock::unix_now;
use crate::links::{Link, NewLink, Token};
use crate::web::AppState;

/// The longest lifetime a link may be given: a year.
const MAX_EXPIRY_HOURS: u64 = 24 * 366;
const MAX_LABEL_CHARS: usize = 40;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    id: String,
    label: String,
    created: u64,
    expires: Option<u64>,
    one_time: bool,
    spent: bool,
    revoked: bool,
    calls: u64,
    last_used: Option<u64>,
}

impl From<Link> for LinkView {
    fn from(l: Link) -> Self {
        Self {
            id: l.id,
            label: l.label,
            created: l.created,
            expires: l.expires,
            one_time: l.one_time,
            spent: l.spent,
            revoked: l.revoked,
            calls: l.calls,
            last_used: l.last_used,
        }
    }
}

#[derive(Serialize)]
pub struct LinkList {
    links: Vec<LinkView>,
}

pub async fn list(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<Json<LinkList>, ApiError> {
    let links = state.links.clone();
    let all = blocking(move || links.list())
        .await?
        .map_err(ApiError::internal)?;
    Ok(Json(LinkList {
        links: all.into_iter().map(LinkView::from).collect(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRequest {
    label: String,
    #[serde(default)]
    expires_in_hours: Option<u64>,
    #[serde(default)]
    one_time: bool,
}

/// A link just made: the only moment its URL exists outside the caller's hands.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedLink {
    link: LinkView,
    url: String,
    qr_svg: String,
}

pub async fn create(
    State(state): State<AppState>,
    _session: AdminSession,
    Json(body): Json<CreateRequest>,
) -> Result<Response, ApiError> {
    let label = body.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(ApiError::BadRequest(format!(
            "Give the link a name of 1 to {MAX_LABEL_CHARS} characters, like \"Anna\"."
        )));
    }
    if body
        .expires_in_hours
        .is_some_and(|h| h == 0 || h > MAX_EXPIRY_HOURS)
    {
        return Err(ApiError::BadRequest(
            "A link can last from one hour to a year.".into(),
        ));
    }
    if body.expires_in_hours.is_some() && !crate::clock::clock_set() {
        return Err(ApiError::Conflict(
            "The box's clock is not set yet (it sets itself from the internet), so a link cannot be given an end yet. Try again in a minute, or make a link that lasts."
                .into(),
        ));
    }
    let new = NewLink {
        label,
        expires: body.expires_in_hours.map(|h| unix_now() + h * 3600),
        one_time: body.one_time,
    };
    let links = state.links.clone();
    let (link, token) = blocking(move || links.create(&new))
        .await?
        .map_err(ApiError::internal)?;
    tracing::info!(link = %link.id, "link created");
    created(&state, link, &token)
}

pub async fn revoke(
    State(state): State<AppState>,
    _session: AdminSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let links = state.links.clone();
    let target = id.clone();
    let found = blocking(move || links.revoke(&target))
        .await?
        .map_err(ApiError::internal)?;
    if !found {
        return Err(ApiError::NotFound("There is no such link."));
    }
    tracing::info!(link = %id, "link revoked");
    state.device.link_revoked(id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn replace(
    State(state): State<AppState>,
    _session: AdminSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let links = state.links.clone();
    let target = id.clone();
    let (link, token) = blocking(move || links.replace(&target))
        .await?
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("There is no such link."))?;
    tracing::info!(old = %id, new = %link.id, "link replaced");
    state.device.link_revoked(id).await;
    created(&state, link, &token)
}

fn created(state: &AppState, link: Link, token: &Token) -> Result<Response, ApiError> {
    let url = format!("{}/r/{}", state.link_base(), token.expose());
    let qr_svg = qr_svg(&url)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedLink {
            link: link.into(),
            url,
            qr_svg,
        }),
    )
        .into_response())
}

/// The URL as a QR code, an SVG drawn on the box (nothing leaves it).
fn qr_svg(url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(ApiError::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_codes_are_svg() {
        let svg = qr_svg("https://box.example/r/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
            .expect("encodes");
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "{svg}");
    }
}
