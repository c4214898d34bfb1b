//! Which address a request comes from, for per-peer limits and the log. A request from a
//! trusted proxy (configured; by default the loopback addresses, where a reverse proxy on the
//! same box connects from) comes from the last address in `X-Forwarded-For` that is not itself
//! a trusted proxy; from anywhere else the header is ignored, so a client cannot choose its
//! own address.

use ipnet::IpNet;
use std::net::IpAddr;

/// Whether `ip` is one of the trusted proxies.
fn trusts(trusted: &[IpNet], ip: IpAddr) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// The client address of a request that arrived from `peer` with `forwarded_for` (the
/// `X-Forwarded-For` values, in order), given the `trusted` proxies.
pub fn client(trusted: &[IpNet], peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusts(trusted, peer) {
        return peer;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty());
    let mut client = peer;
    for hop in hops.rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // An unreadable hop: nothing before it can be believed.
            return client;
        };
        client = ip.to_canonical();
        if !trusts(trusted, client) {
            return client;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn loopback() -> Vec<IpNet> {
        nets(&["127.0.0.0/8", "::1/128"])
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_direct_client_is_its_own_address_whatever_header_it_sends() {
        let p = loopback();
        assert_eq!(
            client(&p, ip("203.0.113.7"), &["1.2.3.4"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop() {
        let p = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        // The client forged the first entry; the proxies appended the rest.
        let xff = ["6.6.6.6, 198.51.100.9", "10.1.2.3"];
        assert_eq!(client(&p, ip("127.0.0.1"), &xff), ip("198.51.100.9"));
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        assert_eq!(client(&loopback(), ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(client(&loopback(), ip("::1"), &[" "]), ip("::1"));
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk_at_the_last_trusted_one() {
        let p = loopback();
        assert_eq!(
            client(&p, ip("127.0.0.1"), &["1.1.1.1, garbage, 127.0.0.2"]),
            ip("127.0.0.2")
        );
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_count_as_their_ipv4_address() {
        let p = loopback();
        assert_eq!(
            client(&p, ip("::ffff:127.0.0.1"), &["198.51.100.9"]),
            ip("198.51.100.9")
        );
    }
}
