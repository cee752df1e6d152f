//! The pages' scripts, styles and icons (call and admin), embedded in the
//! binary at build time, and served so browsers revalidate them: each
//! carries an ETag (the SHA-256 of its content, computed on first use) with
//! `Cache-Control: no-cache`, and `If-None-Match` with the current tag gets
//! `304 Not Modified`. A new binary changes the tag of what it changed.

use std::sync::{LazyLock, OnceLock};

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::bundle::{self, BundleError, Bundled};

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// A file built into the binary, with its entity tag made on first use.
pub struct StaticFile {
    content_type: &'static str,
    body: &'static [u8],
    etag: OnceLock<HeaderValue>,
}

impl StaticFile {
    const fn new(content_type: &'static str, body: &'static [u8]) -> Self {
        Self {
            content_type,
            body,
            etag: OnceLock::new(),
        }
    }

    /// `"<first 128 bits of SHA-256, hex>"`: a strong tag, the content's own.
    fn etag(&self) -> &HeaderValue {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(self.body);
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header")
        })
    }

    /// The file, or `304` when the request's `If-None-Match` names its tag.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let etag = self.etag().clone();
        // Small, and must change with the binary: revalidate each time.
        let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if matches_etag(request, &etag) {
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
        }
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
                (header::ETAG, etag),
                cache,
            ],
            self.body,
        )
            .into_response()
    }
}

/// Whether any `If-None-Match` header lists `etag` (or is `*`). RFC 9110
/// 13.1.2: the comparison is weak, so `W/"x"` matches `"x"`.
fn matches_etag(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == ours)
}

/// (name, file) of every file under `/assets/`.
static ASSETS: [(&str, StaticFile); 28] = [
    (
        "call-early.js",
        StaticFile::new(JS, include_bytes!("../../web/call-early.js")),
    ),
    (
        "call.js",
        StaticFile::new(JS, include_bytes!("../../web/call.js")),
    ),
    (
        "call-signal.js",
        StaticFile::new(JS, include_bytes!("../../web/call-signal.js")),
    ),
    (
        "call-media.js",
        StaticFile::new(JS, include_bytes!("../../web/call-media.js")),
    ),
    (
        "call-remote.js",
        StaticFile::new(JS, include_bytes!("../../web/call-remote.js")),
    ),
    (
        "call-local.js",
        StaticFile::new(JS, include_bytes!("../../web/call-local.js")),
    ),
    (
        "call-mesh.js",
        StaticFile::new(JS, include_bytes!("../../web/call-mesh.js")),
    ),
    (
        "call-a11y.js",
        StaticFile::new(JS, include_bytes!("../../web/call-a11y.js")),
    ),
    (
        "call-install.js",
        StaticFile::new(JS, include_bytes!("../../web/call-install.js")),
    ),
    (
        "call-quality.js",
        StaticFile::new(JS, include_bytes!("../../web/call-quality.js")),
    ),
    (
        "i18n-core.js",
        StaticFile::new(JS, include_bytes!("../../web/i18n-core.js")),
    ),
    (
        "protocol.js",
        StaticFile::new(JS, include_bytes!("../../web/protocol.js")),
    ),
    (
        "i18n.js",
        StaticFile::new(JS, include_bytes!("../../web/i18n.js")),
    ),
    (
        "call.css",
        StaticFile::new(CSS, include_bytes!("../../web/call.css")),
    ),
    (
        "admin.js",
        StaticFile::new(JS, include_bytes!("../../web/admin.js")),
    ),
    (
        "admin-i18n.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-i18n.js")),
    ),
    (
        "admin-api.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-api.js")),
    ),
    (
        "admin-forms.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-forms.js")),
    ),
    (
        "admin-links.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-links.js")),
    ),
    (
        "admin-answering.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-answering.js")),
    ),
    (
        "admin-devices.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-devices.js")),
    ),
    (
        "admin-status.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-status.js")),
    ),
    (
        "admin-relay.js",
        StaticFile::new(JS, include_bytes!("../../web/admin-relay.js")),
    ),
    (
        "admin.css",
        StaticFile::new(CSS, include_bytes!("../../web/admin.css")),
    ),
    (
        "icon.svg",
        StaticFile::new("image/svg+xml", include_bytes!("../../web/icon.svg")),
    ),
    (
        "icon-192.png",
        StaticFile::new("image/png", include_bytes!("../../web/icon-192.png")),
    ),
    (
        "icon-512.png",
        StaticFile::new("image/png", include_bytes!("../../web/icon-512.png")),
    ),
    (
        "apple-touch-icon.png",
        StaticFile::new(
            "image/png",
            include_bytes!("../../web/apple-touch-icon.png"),
        ),
    ),
];

/// The call page as written, loading its files from `/assets/`.
pub const CALL_HTML: &str = include_str!("../../web/call.html");

/// The call page with its stylesheet and scripts written in (`web::bundle`):
/// one request before it runs. Bundled once, on first use.
pub fn call_page() -> Result<&'static Bundled, &'static BundleError> {
    static PAGE: LazyLock<Result<Bundled, BundleError>> =
        LazyLock::new(|| bundle::bundle(CALL_HTML, text));
    PAGE.as_ref()
}

/// The call page to send: bundled, or as written if bundling failed (its
/// unit test makes that a failed build check, so only a logged error here).
pub fn call_html() -> &'static str {
    match call_page() {
        Ok(page) => &page.html,
        Err(e) => {
            static LOGGED: OnceLock<()> = OnceLock::new();
            LOGGED.get_or_init(|| tracing::error!(error = %e, "the call page cannot be bundled"));
            CALL_HTML
        }
    }
}

/// The call page to send to a browser that takes gzip (`web::gzip`),
/// compressed once, on first use.
pub fn call_html_gzip() -> &'static [u8] {
    static GZIPPED: LazyLock<Vec<u8>> =
        LazyLock::new(|| super::gzip::compress(call_html().as_bytes()));
    &GZIPPED
}

/// Bundles and compresses the call page now, so that the first relative
/// after a start does not wait for it.
pub fn warm_call_page() {
    call_html_gzip();
}

/// The text of the file `/assets/{name}`, if it is text.
fn text(name: &str) -> Option<&'static str> {
    let (_, file) = ASSETS.iter().find(|(n, _)| *n == name)?;
    std::str::from_utf8(file.body).ok()
}
/// The family admin's page.
pub static ADMIN_PAGE: StaticFile = StaticFile::new(HTML, include_bytes!("../../web/admin.html"));
/// The page for a sentence and nothing else ("This link is not valid").
pub const MESSAGE_HTML: &str = include_str!("../../web/message.html");

pub async fn serve(Path(name): Path<String>, request: HeaderMap) -> Response {
    match ASSETS.iter().find(|(n, _)| *n == name) {
        Some((_, file)) => file.respond(&request),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/favicon.ico`: what browsers ask for on pages that name no icon (the
/// "not valid" page); a PNG, which every browser takes there.
pub async fn favicon(request: HeaderMap) -> Response {
    serve(Path("icon-192.png".to_owned()), request).await
}
