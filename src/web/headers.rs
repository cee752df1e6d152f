//! Headers every response carries: the call page holds a secret in its URL
//! and uses the camera, so it must never leak the URL nor run foreign code.
//!
//! The Content-Security-Policy names the page's own WebSocket origin in
//! `connect-src` (`wss://<host>`, from the request's `Host` and transport):
//! Safari before 15.4 does not match `ws:`/`wss:` against `'self'`, and would
//! block the signalling socket. The box and the relay both serve the page
//! and its socket (`/signal`, `/b/<box>/signal`) on the host the page came
//! from, so the request's own `Host` is the socket's origin in both.

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::Transport;

pub async fn security(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    let secure = request
        .extensions()
        .get::<Transport>()
        .is_some_and(|t| t.secure);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        // The token is in the path: no Referer may carry it anywhere.
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(host.as_deref(), secure)) {
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(value);
    }
    headers
        .entry(header::HeaderName::from_static("permissions-policy"))
        .or_insert(HeaderValue::from_static(
            "camera=(self), microphone=(self), fullscreen=(self), geolocation=()",
        ));
    response
}

/// The policy for a request to `host` (its `Host` header) over TLS or not.
///
/// Over TLS the socket is `wss://host`. Over plain HTTP both `ws://host` and
/// `wss://host` are named: a proxy in front of the box may have ended TLS,
/// so the page may be `https:` though the request was not. A missing or
/// malformed host names no socket origin (`'self'` still serves every
/// browser but old Safari).
pub fn content_security_policy(host: Option<&str>, secure: bool) -> String {
    let sockets = match host.filter(|h| is_plain_host(h)) {
        Some(host) if secure => format!(" wss://{host}"),
        Some(host) => format!(" ws://{host} wss://{host}"),
        None => String::new(),
    };
    // The call page's inline scripts (`web::bundle`), by their hashes:
    // those and no other inline one.
    let page_script = super::assets::call_page()
        .map(|page| format!(" {}", page.script_sources))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'{page_script}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; media-src 'self' blob:; connect-src 'self'{sockets}; \
         manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// A host and optional port as a CSP host-source can carry them: a name, an
/// IPv4 address or a bracketed IPv6 address, nothing that could end the
/// directive (`;`, `,`, spaces, quotes).
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_src(policy: &str) -> &str {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("connect-src"))
            .expect("a connect-src directive")
    }

    #[test]
    fn the_pages_socket_origin_is_named_for_old_safari() {
        let policy = content_security_policy(Some("box.example:8443"), true);
        assert_eq!(
            connect_src(&policy),
            "connect-src 'self' wss://box.example:8443"
        );
        let policy = content_security_policy(Some("relay.example.org"), true);
        assert_eq!(
            connect_src(&policy),
            "connect-src 'self' wss://relay.example.org"
        );
        let policy = content_security_policy(Some("127.0.0.1:8080"), false);
        assert_eq!(
            connect_src(&policy),
            "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080"
        );
        let policy = content_security_policy(Some("[fd00::1]:8443"), true);
        assert_eq!(
            connect_src(&policy),
            "connect-src 'self' wss://[fd00::1]:8443"
        );
    }

    #[test]
    fn a_host_that_could_change_the_policy_names_no_socket() {
        for host in [
            None,
            Some(""),
            Some("a; script-src *"),
            Some("a b"),
            Some("a,b"),
            Some("'unsafe-inline'"),
        ] {
            let policy = content_security_policy(host, true);
            assert_eq!(connect_src(&policy), "connect-src 'self'", "{host:?}");
            let script_src = policy
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with("script-src"))
                .expect("a script-src directive");
            let page = super::super::assets::call_page().expect("the call page bundles");
            assert_eq!(
                script_src,
                format!("script-src 'self' {}", page.script_sources),
                "{host:?}: {policy}"
            );
        }
    }
}
