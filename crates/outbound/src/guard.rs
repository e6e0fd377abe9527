//! Which IP addresses a user-typed URL may reach.
//!
//! [`is_forbidden_ip`] is the one classification used everywhere: by the
//! resolver (after DNS, so the connection goes to the address that was
//! checked), for IP-literal hosts before each request, and by
//! [`GuardedClient::check_url`](crate::GuardedClient::check_url).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// IPv4 ranges no user-typed URL may reach.
const V4_FORBIDDEN: &[Ipv4Net] = &[
    // "This network" (includes the unspecified 0.0.0.0).
    Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8),
    // Private (RFC 1918).
    Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
    // Carrier-grade NAT shared space (RFC 6598).
    Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
    // Loopback.
    Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8),
    // Link-local (cloud metadata endpoints live here).
    Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
    // Private (RFC 1918).
    Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
    // IETF protocol assignments (RFC 6890).
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24),
    // Documentation TEST-NET-1.
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24),
    // Private (RFC 1918).
    Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
    // Benchmarking (RFC 2544).
    Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15),
    // Documentation TEST-NET-2.
    Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24),
    // Documentation TEST-NET-3.
    Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24),
    // Multicast.
    Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4),
    // Reserved, including the limited broadcast 255.255.255.255.
    Ipv4Net::new_assert(Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// IPv6 ranges no user-typed URL may reach (ranges that embed an IPv4
/// address are handled separately, by the embedded address).
const V6_FORBIDDEN: &[Ipv6Net] = &[
    // Unspecified `::` and loopback `::1` (the rest of ::/96 is IPv4-compatible, handled below).
    Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128),
    Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128),
    // Local-use NAT64 (RFC 8215): translates into the local network.
    Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
    // Discard-only (RFC 6666).
    Ipv6Net::new_assert(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    // Documentation.
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    // Unique-local.
    Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    // Link-local.
    Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    // Site-local (deprecated, still routed locally by some stacks).
    Ipv6Net::new_assert(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    // Multicast.
    Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
];

/// IPv4-mapped `::ffff:a.b.c.d`.
const V6_MAPPED: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96);
/// IPv4-compatible `::a.b.c.d` (deprecated).
const V6_COMPATIBLE: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 96);
/// Well-known NAT64 prefix `64:ff9b::/96`.
const V6_NAT64: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);
/// 6to4 `2002::/16`: the next 32 bits are an IPv4 address.
const V6_6TO4: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16);

/// Whether a user-typed URL must not reach `ip` (unless its host is allow-listed).
///
/// Forbidden: loopback, private (10/8, 172.16/12, 192.168/16), link-local
/// (169.254/16, fe80::/10), unique-local (fc00::/7), 0.0.0.0/8, 100.64/10,
/// unspecified, broadcast and multicast, plus IETF, documentation,
/// benchmarking and reserved ranges, local-use NAT64 (64:ff9b:1::/48),
/// site-local and discard-only IPv6. IPv6 forms that embed an IPv4 address
/// (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d`, 6to4 `2002:AABB:CCDD::`) are judged by the embedded
/// IPv4 address. Everything else (public unicast) is permitted.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    V4_FORBIDDEN.iter().any(|net| net.contains(&ip))
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    if V6_FORBIDDEN.iter().any(|net| net.contains(&ip)) {
        return true;
    }
    if V6_MAPPED.contains(&ip) || V6_COMPATIBLE.contains(&ip) || V6_NAT64.contains(&ip) {
        let o = ip.octets();
        return v4_forbidden(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if V6_6TO4.contains(&ip) {
        let o = ip.octets();
        return v4_forbidden(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        is_forbidden_ip(s.parse().unwrap_or_else(|_| panic!("bad test address {s}")))
    }

    #[test]
    fn ipv4_forbidden_ranges() {
        for a in [
            // 0.0.0.0/8 and unspecified
            "0.0.0.0",
            "0.1.2.3",
            "0.255.255.255",
            // 10/8
            "10.0.0.0",
            "10.0.0.1",
            "10.255.255.255",
            // 100.64/10
            "100.64.0.0",
            "100.100.100.100",
            "100.127.255.255",
            // loopback
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.255",
            // link-local (incl. cloud metadata)
            "169.254.0.1",
            "169.254.169.254",
            "169.254.255.255",
            // 172.16/12
            "172.16.0.0",
            "172.20.1.1",
            "172.31.255.255",
            // 192.168/16
            "192.168.0.1",
            "192.168.255.255",
            // IETF / documentation / benchmarking
            "192.0.0.1",
            "192.0.2.10",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            // multicast, reserved, broadcast
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(forbidden(a), "{a} must be forbidden");
        }
    }

    #[test]
    fn ipv4_public_passes() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "17.253.144.10",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(!forbidden(a), "{a} must be permitted");
        }
    }

    #[test]
    fn ipv6_forbidden_ranges() {
        for a in [
            "::",
            "::1",
            // link-local
            "fe80::1",
            "febf:ffff::1",
            // unique-local
            "fc00::1",
            "fd12:3456:789a::1",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            // site-local, multicast, documentation, discard, local NAT64
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "100::1",
            "64:ff9b:1::a00:1",
        ] {
            assert!(forbidden(a), "{a} must be forbidden");
        }
    }

    #[test]
    fn ipv4_mapped_compatible_nat64_and_6to4_forms() {
        for a in [
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:172.16.0.1",
            "::ffff:192.168.1.1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::ffff:224.0.0.1",
            "::ffff:7f00:1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::192.168.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::0.0.0.0",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2002:c0a8:101::1",
        ] {
            assert!(forbidden(a), "{a} must be forbidden");
        }
        for a in ["::ffff:8.8.8.8", "::ffff:1.1.1.1", "64:ff9b::8.8.8.8", "64:ff9b::11.0.0.1", "2002:808:808::1"] {
            assert!(!forbidden(a), "{a} must be permitted");
        }
    }

    #[test]
    fn ipv6_public_passes() {
        for a in [
            "2001:4860:4860::8888",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2620:149:af0::10",
            "fbff::1",
            "fe7f::1",
        ] {
            assert!(!forbidden(a), "{a} must be permitted");
        }
    }
}
