//! The network address a sign-in came from, for the per-address limits. Behind a load balancer
//! or TLS proxy every connection comes from the proxy, so one address would stand for everyone
//! (one person's wrong guesses would turn the whole service away): when the connection is from
//! a proxy the server was told to trust, the address is the one that proxy saw, from
//! `X-Forwarded-For`. From anyone else the header is ignored, so it can't be used to hide.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// The address a request is counted against.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| ApiError::Internal("the server was started without connection addresses".into()))?;
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientAddress(client_ip(peer, forwarded, &state.settings.trusted_proxies).to_string()))
    }
}

/// The first address, from the right, that is not a trusted proxy: each proxy appends the address
/// it was reached from, so anything left of that was written by the caller and proves nothing.
fn client_ip<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|r| r.contains(*ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Unreadable: what the last readable hop said is all that can be trusted.
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An address or a block of them (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    net: IpAddr,
    prefix: u32,
}

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // Both held in the top bits of 128, so the block's leading bits are compared.
        let bits = |ip: IpAddr| match ip.to_canonical() {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)) << 96, true),
            IpAddr::V6(v6) => (u128::from(v6), false),
        };
        let ((net, net_v4), (ip, ip_v4)) = (bits(self.net), bits(ip));
        let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
        net_v4 == ip_v4 && net & mask == ip & mask
    }
}

impl std::str::FromStr for IpRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = s.trim().split_once('/').map_or((s.trim(), None), |(a, p)| (a, Some(p)));
        let given: IpAddr = addr.parse().map_err(|_| format!("'{s}' is not an IP address or block like 10.0.0.0/8"))?;
        let most = if given.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => most,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= most)
                .ok_or_else(|| format!("'{s}': the block size must be 0 to {most}"))?,
        };
        // An IPv4 block written as IPv6 (`::ffff:10.0.0.0/104`) is that IPv4 block.
        let net = given.to_canonical();
        let prefix = if net.is_ipv4() && given.is_ipv6() { prefix.saturating_sub(96) } else { prefix };
        Ok(IpRange { net, prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxies = ranges(&["10.0.0.0/8"]);
        let from = |peer: &str, header: &[&str]| client_ip(ip(peer), header.iter().copied(), &proxies);
        assert_eq!(from("10.1.2.3", &["203.0.113.7"]), ip("203.0.113.7"), "through the load balancer");
        assert_eq!(from("198.51.100.9", &["203.0.113.7"]), ip("198.51.100.9"), "straight in: the header is ignored");
        assert_eq!(from("10.1.2.3", &[]), ip("10.1.2.3"), "no header: the proxy itself");
    }

    #[test]
    fn what_the_caller_wrote_left_of_the_proxies_is_not_believed() {
        let proxies = ranges(&["10.0.0.0/8", "192.0.2.10"]);
        let from = |header: &[&str]| client_ip(ip("10.0.0.5"), header.iter().copied(), &proxies);
        // The caller sent "1.1.1.1" themselves; the edge proxy (192.0.2.10) appended who it saw.
        assert_eq!(from(&["1.1.1.1, 203.0.113.7, 192.0.2.10"]), ip("203.0.113.7"));
        assert_eq!(from(&["1.1.1.1", "203.0.113.7"]), ip("203.0.113.7"), "one header per hop reads the same");
        assert_eq!(from(&["203.0.113.7, not-an-address"]), ip("10.0.0.5"), "an unreadable last hop: the proxy");
    }

    #[test]
    fn blocks_match_their_own_addresses_only() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains(ip("10.255.0.1")) && !r.contains(ip("11.0.0.1")) && !r.contains(ip("::1")));
        assert!(r.contains(ip("::ffff:10.0.0.1")), "an IPv4 address as IPv6 is the same address");
        let mapped: IpRange = "::ffff:10.0.0.0/104".parse().unwrap();
        assert!(mapped.contains(ip("10.9.9.9")) && !mapped.contains(ip("11.0.0.1")), "and so is a block");
        let v6: IpRange = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")));
        let one: IpRange = "192.0.2.10".parse().unwrap();
        assert!(one.contains(ip("192.0.2.10")) && !one.contains(ip("192.0.2.11")));
        assert!("10.0.0.0/33".parse::<IpRange>().is_err() && "proxy".parse::<IpRange>().is_err());
    }
}
