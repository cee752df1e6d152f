//! The pages' scripts and styles (call and admin), embedded in the binary at build time.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// (name, content type, content) of every file under `/assets/`.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "call.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/call.js"),
    ),
    (
        "call-signal.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/call-signal.js"),
    ),
    (
        "call-media.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/call-media.js"),
    ),
    (
        "call-mesh.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/call-mesh.js"),
    ),
    (
        "call-a11y.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/call-a11y.js"),
    ),
    (
        "protocol.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/protocol.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/i18n.js"),
    ),
    (
        "call.css",
        "text/css; charset=utf-8",
        include_str!("../../web/call.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin.js"),
    ),
    (
        "admin-i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-i18n.js"),
    ),
    (
        "admin-api.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-api.js"),
    ),
    (
        "admin-forms.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-forms.js"),
    ),
    (
        "admin-links.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-links.js"),
    ),
    (
        "admin-answering.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-answering.js"),
    ),
    (
        "admin-devices.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-devices.js"),
    ),
    (
        "admin-status.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-status.js"),
    ),
    (
        "admin-relay.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/admin-relay.js"),
    ),
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_str!("../../web/admin.css"),
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
