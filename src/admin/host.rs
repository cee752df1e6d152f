//! Which `Host` the box answers to on the admin side.
//!
//! Owns [`host_is_known`]: a request must name the box by an IP address,
//! `localhost` or one of its own names, so that a rebound DNS name
//! (evil.example made to resolve to the box) cannot borrow the admin's
//! browser. Plain strings only: `web` reads the header.

use std::net::IpAddr;

/// Whether `host` (a `Host` header: a name or an address, maybe with a port,
/// IPv6 in brackets) names this box: an IP address, `localhost`, or one of
/// `names` (lower case). Names compare case-insensitively; the port is not
/// looked at.
pub fn host_is_known(names: &[String], host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    let name = name.to_ascii_lowercase();
    !name.is_empty()
        && (name.parse::<IpAddr>().is_ok() || name == "localhost" || names.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_localhost_and_own_names_are_known() {
        let names = vec!["box.lan".to_owned(), "homecall.local".to_owned()];
        for host in [
            "192.168.1.20",
            "192.168.1.20:8080",
            "[::1]",
            "[::1]:8080",
            "localhost",
            "LocalHost:8080",
            "box.lan",
            "BOX.LAN:443",
            "homecall.local",
        ] {
            assert!(host_is_known(&names, host), "{host:?}");
        }
        for host in [
            "",
            ":8080",
            "[]",
            "evil.example",
            "evil.example:8080",
            "box.lan.evil.example",
            "localhost.evil.example",
            "box.lan.",
        ] {
            assert!(!host_is_known(&names, host), "{host:?}");
        }
    }
}
