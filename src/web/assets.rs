//! The pages' scripts, styles and icons (call and admin), embedded in the binary at build time.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// (name, content type, content) of every file under `/assets/`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "call.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call.js"),
    ),
    (
        "call-signal.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-signal.js"),
    ),
    (
        "call-media.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-media.js"),
    ),
    (
        "call-local.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-local.js"),
    ),
    (
        "call-mesh.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-mesh.js"),
    ),
    (
        "call-a11y.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-a11y.js"),
    ),
    (
        "call-install.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-install.js"),
    ),
    (
        "call-quality.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/call-quality.js"),
    ),
    (
        "protocol.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/protocol.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/i18n.js"),
    ),
    (
        "call.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/call.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin.js"),
    ),
    (
        "admin-i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-i18n.js"),
    ),
    (
        "admin-api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-api.js"),
    ),
    (
        "admin-forms.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-forms.js"),
    ),
    (
        "admin-links.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-links.js"),
    ),
    (
        "admin-answering.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-answering.js"),
    ),
    (
        "admin-devices.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-devices.js"),
    ),
    (
        "admin-status.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-status.js"),
    ),
    (
        "admin-relay.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/admin-relay.js"),
    ),
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/admin.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../web/icon.svg"),
    ),
    (
        "icon-192.png",
        "image/png",
        include_bytes!("../../web/icon-192.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../../web/icon-512.png"),
    ),
    (
        "apple-touch-icon.png",
        "image/png",
        include_bytes!("../../web/apple-touch-icon.png"),
    ),
];

/// The call page itself.
pub const CALL_HTML: &str = include_str!("../../web/call.html");
/// The family admin's page.
pub const ADMIN_HTML: &str = include_str!("../../web/admin.html");
/// The page for a sentence and nothing else ("This link is not valid").
pub const MESSAGE_HTML: &str = include_str!("../../web/message.html");

pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                // Small, and must change with the binary: revalidate each time.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/favicon.ico`: what browsers ask for on pages that name no icon (the
/// "not valid" page); a PNG, which every browser takes there.
pub async fn favicon() -> Response {
    serve(Path("icon-192.png".to_owned())).await
}
