//! Who a request comes from, as the box's limits count it.
//!
//! Owns [`source_key`]: IPv4-mapped IPv6 addresses count as their IPv4
//! address, and other IPv6 addresses by their /64 (one home network or one
//! phone, which can take any number of addresses inside it). The login
//! back-off and every per-source cap of the web server count by this key, so
//! an attacker cannot dodge them by hopping addresses inside one network.

use std::net::{IpAddr, Ipv6Addr};

/// The key a source address is counted under.
pub fn source_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv4_counts_as_ipv4() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("address");
        assert_eq!(
            source_key(mapped),
            "192.0.2.7".parse::<IpAddr>().expect("address")
        );
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(source_key(a), source_key(b));
        assert_ne!(source_key(a), source_key(other));
    }
}
