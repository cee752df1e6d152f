//! The Origin check on requests that change something.
//!
//! Owns [`same_origin`]: a mutating request is accepted only when the
//! browser's `Origin` names the very scheme, host and port the request was
//! sent to (`Host`), which a page on another site cannot forge. Requests
//! without `Origin` are refused: every current browser sends it on
//! POST/PUT/DELETE fetches.

/// Whether `origin_header` names the same origin as `host_header`, for a
/// request that arrived over HTTPS when `https`. Default ports are
/// normalised (http 80, https 443); host names compare case-insensitively.
/// Anything missing, malformed or `null` is false.
pub fn same_origin(origin_header: Option<&str>, host_header: Option<&str>, https: bool) -> bool {
    let (Some(origin), Some(host)) = (origin_header, host_header) else {
        return false;
    };
    let expected_scheme = if https { "https" } else { "http" };
    let default_port = if https { 443 } else { 80 };
    let Some((scheme, authority)) = origin.trim().split_once("://") else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(expected_scheme) {
        return false;
    }
    match (
        host_port(authority, default_port),
        host_port(host.trim(), default_port),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `host[:port]` or `[v6]:port` → lower-case host and port.
fn host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    if authority.is_empty()
        || authority
            .bytes()
            .any(|b| matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\') || !b.is_ascii_graphic())
    {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (&authority[..inside.len() + 2], port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() || (host.contains(':') && !host.starts_with('[')) {
        return None;
    }
    let port = match port {
        None => default_port,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(origin: &str, host: &str, https: bool) -> bool {
        same_origin(Some(origin), Some(host), https)
    }

    #[test]
    fn same_scheme_host_and_port_is_accepted() {
        assert!(ok("http://192.168.1.20:8080", "192.168.1.20:8080", false));
        assert!(ok("https://homecall.local", "homecall.local", true));
        assert!(ok("http://[::1]:8080", "[::1]:8080", false));
        assert!(ok("http://[fe80::1]", "[fe80::1]", false));
    }

    #[test]
    fn default_ports_are_normalised() {
        assert!(ok("http://box.lan", "box.lan:80", false));
        assert!(ok("http://box.lan:80", "box.lan", false));
        assert!(ok("https://box.lan:443", "box.lan", true));
        assert!(ok("https://box.lan", "box.lan:443", true));
        assert!(ok("http://[::1]:80", "[::1]", false));
        assert!(!ok("https://box.lan", "box.lan:80", true));
        assert!(!ok("http://box.lan", "box.lan:443", false));
    }

    #[test]
    fn case_is_ignored_in_scheme_and_host() {
        assert!(ok("HTTP://Box.LAN:8080", "box.lan:8080", false));
    }

    #[test]
    fn scheme_mismatch_is_refused() {
        assert!(!ok("http://box.lan", "box.lan", true));
        assert!(!ok("https://box.lan", "box.lan", false));
        assert!(!ok("https://box.lan:8443", "box.lan:8443", false));
        assert!(!ok("ws://box.lan", "box.lan", false));
        assert!(!ok("file://box.lan", "box.lan", false));
    }

    #[test]
    fn port_mismatch_is_refused() {
        assert!(!ok("http://box.lan:8081", "box.lan:8080", false));
        assert!(!ok("http://box.lan", "box.lan:8080", false));
        assert!(!ok("http://box.lan:8080", "box.lan", false));
    }

    #[test]
    fn host_mismatch_is_refused() {
        assert!(!ok("http://evil.example:8080", "192.168.1.20:8080", false));
        assert!(!ok("http://192.168.1.21:8080", "192.168.1.20:8080", false));
        assert!(!ok("http://box.lan.evil.example", "box.lan", false));
        assert!(!ok("http://localhost:8080", "127.0.0.1:8080", false));
        assert!(!ok("http://[::1]:8080", "127.0.0.1:8080", false));
    }

    #[test]
    fn missing_headers_are_refused() {
        assert!(!same_origin(None, Some("box.lan"), false));
        assert!(!same_origin(Some("http://box.lan"), None, false));
        assert!(!same_origin(None, None, true));
    }

    #[test]
    fn malformed_values_are_refused() {
        for origin in [
            "null",
            "",
            "box.lan",
            "http://",
            "http://box.lan/",
            "http://box.lan/admin",
            "http://box.lan?x",
            "http://box.lan#x",
            "http://user@box.lan",
            "http://box.lan:",
            "http://box.lan:80x",
            "http://box.lan:99999",
            "http://box.lan:-1",
            "http://::1",
            "http://[::1",
            "http://[::1]x",
            "http://box .lan",
            "http:/box.lan",
        ] {
            assert!(!ok(origin, "box.lan", false), "{origin:?}");
        }
        for host in ["", ":80", "box.lan:", "box.lan/x", "[::1", "::1"] {
            assert!(!ok("http://box.lan", host, false), "{host:?}");
        }
    }
}
