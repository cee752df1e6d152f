//! Pages: the call page behind a valid link (and its manifest, `?manifest`),
//! and a plain sentence otherwise.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use super::assets::{call_html, call_html_gzip, MESSAGE_HTML};
use super::gzip;
use super::i18n::{text, Lang, Text};
use super::manifest;
use super::AppState;
use crate::links::{CheckError, Refusal};

/// `/r/{token}`: the call page, or why the link does not open one;
/// `/r/{token}?manifest`: the link's web app manifest, or 404.
pub async fn call(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    let wants_manifest = manifest::wanted(query.as_deref());
    let links = state.links.clone();
    let checked = tokio::task::spawn_blocking(move || links.check(&token)).await;
    match checked {
        Ok(Ok(link)) if wants_manifest => manifest::manifest(uri.path(), Some(&link.label), lang),
        Ok(Ok(_)) => {
            state.device.page_opened();
            call_page(&headers)
        }
        Ok(Err(CheckError::Refused(_))) if wants_manifest => manifest::none(),
        Ok(Err(CheckError::Refused(Refusal::Unknown))) => {
            message(StatusCode::NOT_FOUND, lang, Text::InvalidLink)
        }
        Ok(Err(CheckError::Refused(Refusal::NoLongerValid))) => {
            message(StatusCode::GONE, lang, Text::NoLongerValid)
        }
        // The page itself: its socket says "try again in a few minutes".
        Ok(Err(CheckError::Refused(Refusal::ClockNotSet))) => call_page(&headers),
        Ok(Err(CheckError::Store(e))) => {
            tracing::error!(error = %e, "cannot read the links");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "link check failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The call page, gzipped for a browser that takes it. `no-store`, not an
/// ETag: the URL is the secret, and a stored response would keep it in the
/// browser's cache index.
pub(super) fn call_page(headers: &HeaderMap) -> Response {
    let no_store = (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if gzip::accepted(headers) {
        let html = HeaderValue::from_static("text/html; charset=utf-8");
        let gzipped = HeaderValue::from_static("gzip");
        let headers = [
            no_store,
            gzip::VARY,
            (header::CONTENT_TYPE, html),
            (header::CONTENT_ENCODING, gzipped),
        ];
        (headers, call_html_gzip()).into_response()
    } else {
        ([no_store, gzip::VARY], Html(call_html())).into_response()
    }
}

pub async fn home(headers: HeaderMap) -> Response {
    message(StatusCode::OK, lang_of(&headers), Text::Home)
}

pub async fn not_found(headers: HeaderMap) -> Response {
    message(StatusCode::NOT_FOUND, lang_of(&headers), Text::NotFound)
}

pub(super) fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

pub(super) fn message(status: StatusCode, lang: Lang, sentence: Text) -> Response {
    let page = MESSAGE_HTML
        .replace("{{lang}}", lang.code())
        .replace("{{title}}", &escape(text(lang, Text::PageTitle)))
        .replace("{{text}}", &escape(text(lang, sentence)));
    (status, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
