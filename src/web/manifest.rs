//! Each link's web app manifest: the link installs as an app of its own
//! ("Call home (Anna)"), opening on the link itself.
//!
//! The call page names its manifest `?manifest` (`<link rel="manifest"
//! href="?manifest">`): relative to the page, that is the link with a query,
//! so the page's HTML never carries the token, and the same page works on
//! the box (`/r/<token>`) and through a relay (`/b/<box>/r/<token>`). The
//! manifest itself carries the link as `start_url`, `scope` and `id`: it is
//! served only to whoever has the link, like the page. Nothing here logs.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::i18n::Lang;

/// The query that asks a link for its manifest instead of its page.
pub const QUERY: &str = "manifest";

/// Whether a request to a link asks for its manifest.
pub fn wanted(query: Option<&str>) -> bool {
    query == Some(QUERY)
}

/// The manifest of the link at `path` (`/r/<token>` or `/b/<box>/r/<token>`),
/// for `label` when the server knows it (the box; a relay does not).
pub fn manifest(path: &str, label: Option<&str>, lang: Lang) -> Response {
    let (short_name, named, lang_code) = match lang {
        Lang::En => ("Call home", "Call home ({label})", "en"),
        Lang::Ru => ("Звонок домой", "Звонок домой ({label})", "ru"),
    };
    let name = match label.map(str::trim).filter(|l| !l.is_empty()) {
        Some(label) => named.replace("{label}", label),
        None => short_name.to_owned(),
    };
    let body = json!({
        "name": name,
        "short_name": short_name,
        "lang": lang_code,
        "id": path,
        "start_url": path,
        "scope": path,
        "display": "standalone",
        "orientation": "any",
        "background_color": "#000000",
        "theme_color": "#000000",
        // PNG only: a browser reads the manifest as the page loads and draws
        // its chosen icon on the page's main thread, which for an SVG is a
        // 5-35 ms task while a call starts (bench/first-frame's trace).
        "icons": [
            {"src": "/assets/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/assets/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/assets/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// What a link that opens no call gets for its manifest.
pub fn none() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_query_asks_for_the_manifest() {
        assert!(wanted(Some("manifest")));
        for q in [None, Some(""), Some("manifest=1"), Some("x&manifest")] {
            assert!(!wanted(q), "{q:?}");
        }
    }
}
