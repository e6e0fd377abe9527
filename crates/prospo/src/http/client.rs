//! Who a request comes from, for rate limits and logs: the TCP peer, or, when that peer is a
//! trusted reverse proxy (`--trusted-proxies`), the rightmost `X-Forwarded-For` address that is
//! not itself a trusted proxy. From anyone else `X-Forwarded-For` is ignored: it is whatever the
//! client wrote.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let state = AppState::from_ref(state);
        // Requests built in-process (tests of single handlers) have no peer: they are local.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(addr)| addr.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientIp(client_of(peer, forwarded, &state.trusted_proxies)))
    }
}

/// The client behind `peer`: walks `X-Forwarded-For` from the right (the hop nearest us) while the
/// hop is a trusted proxy.
pub fn client_of<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> =
        forwarded.flat_map(|value| value.split(',')).filter_map(|hop| hop.trim().parse::<IpAddr>().ok()).collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    canonical(client)
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = |v: &'static str| std::iter::once(v);
        assert_eq!(client_of(ip("203.0.113.9"), xff("198.51.100.1"), &trusted), ip("203.0.113.9"), "not a proxy");
        assert_eq!(client_of(ip("10.0.0.2"), xff("198.51.100.1"), &trusted), ip("198.51.100.1"));
        // A client that writes its own X-Forwarded-For cannot choose its address: the proxy appends.
        assert_eq!(client_of(ip("10.0.0.2"), xff("1.2.3.4, 198.51.100.1"), &trusted), ip("198.51.100.1"));
        assert_eq!(
            client_of(ip("10.0.0.2"), xff("198.51.100.1, 10.0.0.3"), &trusted),
            ip("198.51.100.1"),
            "two proxies"
        );
        assert_eq!(client_of(ip("10.0.0.2"), std::iter::empty(), &trusted), ip("10.0.0.2"));
        assert_eq!(client_of(ip("::ffff:10.0.0.2"), xff("198.51.100.1"), &trusted), ip("198.51.100.1"), "mapped");
    }
}
