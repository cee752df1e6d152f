//! Which source addresses may reach the admin at all.
//!
//! Owns [`AllowList`]: address ranges in CIDR notation from the config, with
//! a default of the ranges a home network uses. An IPv4-mapped IPv6 source
//! (`::ffff:192.168.1.5`, as a dual-stack socket reports IPv4 clients) is
//! judged as its IPv4 address.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// The default ranges: loopback, private IPv4, link-local and unique-local.
const DEFAULT_RANGES: [&str; 8] = [
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "fe80::/10",
    "fc00::/7",
];

/// An allow-list entry that is not an address range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{entry}\" is not an address range such as 192.168.0.0/16 or fd00::/8")]
pub struct AllowListError {
    /// The entry as written.
    pub entry: String,
}

/// The source ranges allowed to reach the admin. An empty list allows no one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    ranges: Vec<IpNet>,
}

impl AllowList {
    /// Parses ranges like `"192.168.0.0/16"` or `"fd00::/8"`; a bare address
    /// (`"127.0.0.1"`) means that address alone. Host bits are ignored
    /// (`"192.168.1.7/24"` is `192.168.1.0/24`). Fails on the first bad entry.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, AllowListError> {
        let ranges = entries
            .iter()
            .map(|e| parse_range(e.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(Self { ranges })
    }

    /// Whether a request from `ip` may be answered.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.ranges.iter().any(|range| range.contains(&ip))
    }

    /// The ranges, normalised, as CIDR text.
    pub fn ranges(&self) -> Vec<String> {
        self.ranges.iter().map(ToString::to_string).collect()
    }
}

impl Default for AllowList {
    fn default() -> Self {
        Self {
            ranges: DEFAULT_RANGES
                .iter()
                .filter_map(|r| r.parse::<IpNet>().ok())
                .collect(),
        }
    }
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ranges().join(", "))
    }
}

fn parse_range(entry: &str) -> Result<IpNet, AllowListError> {
    let text = entry.trim();
    let parsed = if text.contains('/') {
        text.parse::<IpNet>().ok()
    } else {
        text.parse::<IpAddr>().ok().map(IpNet::from)
    };
    parsed.map(|net| net.trunc()).ok_or_else(|| AllowListError {
        entry: entry.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn default_allows_home_networks() {
        let list = AllowList::default();
        assert_eq!(list.ranges().len(), DEFAULT_RANGES.len());
        for allowed in [
            "127.0.0.1",
            "127.0.0.2",
            "::1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.5",
            "169.254.10.10",
            "fe80::1234",
            "fd12:3456::1",
            "fc00::1",
        ] {
            assert!(list.allows(ip(allowed)), "{allowed}");
        }
    }

    #[test]
    fn default_refuses_the_internet() {
        let list = AllowList::default();
        for refused in [
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "2001:db8::1",
            "2a00:1450::1",
            "::",
            "::2",
            "fec0::1",
        ] {
            assert!(!list.allows(ip(refused)), "{refused}");
        }
    }

    #[test]
    fn mapped_addresses_count_as_ipv4() {
        let list = AllowList::default();
        assert!(list.allows(ip("::ffff:192.168.1.5")));
        assert!(list.allows(ip("::ffff:127.0.0.1")));
        assert!(!list.allows(ip("::ffff:8.8.8.8")));
        let only = AllowList::parse(&["127.0.0.1/32"]).expect("parse");
        assert!(only.allows(ip("::ffff:127.0.0.1")));
        assert!(!only.allows(ip("::ffff:127.0.0.2")));
    }

    #[test]
    fn a_configured_list_replaces_the_default() {
        let list = AllowList::parse(&["127.0.0.1/32", " fd00:1::/64 "]).expect("parse");
        assert!(list.allows(ip("127.0.0.1")));
        assert!(!list.allows(ip("127.0.0.2")));
        assert!(!list.allows(ip("192.168.1.5")));
        assert!(list.allows(ip("fd00:1::42")));
        assert!(!list.allows(ip("fd00:2::42")));
        assert!(!list.allows(ip("::1")));
    }

    #[test]
    fn bare_addresses_and_host_bits() {
        let list = AllowList::parse(&["127.0.0.1", "::1", "192.168.1.7/24"]).expect("parse");
        assert_eq!(list.ranges(), ["127.0.0.1/32", "::1/128", "192.168.1.0/24"]);
        assert!(list.allows(ip("192.168.1.200")));
        assert!(!list.allows(ip("127.0.0.2")));
        assert_eq!(list.to_string(), "127.0.0.1/32, ::1/128, 192.168.1.0/24");
    }

    #[test]
    fn everything_and_nothing() {
        let all = AllowList::parse(&["0.0.0.0/0", "::/0"]).expect("parse");
        assert!(all.allows(ip("8.8.8.8")) && all.allows(ip("2001:db8::1")));
        let none = AllowList::parse::<&str>(&[]).expect("parse");
        assert!(!none.allows(ip("127.0.0.1")));
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in [
            "",
            "localhost",
            "192.168.0.0/33",
            "::1/129",
            "192.168.0/16",
            "10.0.0.0/",
            "/8",
            "10.0.0.0/8/8",
            "fc00::/x",
            "300.0.0.0/8",
        ] {
            let err = AllowList::parse(&["127.0.0.0/8", bad]).expect_err(bad);
            assert_eq!(err.entry, bad);
            assert!(err.to_string().contains(&format!("\"{bad}\"")), "{err}");
        }
    }
}
