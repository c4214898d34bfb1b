//! Which address a request comes from, for per-peer limits and the log. A request from a
//! trusted proxy (configured; by default the loopback addresses, where a reverse proxy on the
//! same box connects from) comes from the last address in `X-Forwarded-For` that is not itself
//! a trusted proxy; from anywhere else the header is ignored, so a client cannot choose its
//! own address.

use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`127.0.0.1`) and networks (`10.0.0.0/8`); names the first bad one.
    pub fn parse(items: &[String]) -> Result<TrustedProxies, String> {
        items
            .iter()
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("trusted_proxies: `{s}` is not an address or a network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request that arrived from `peer` with `forwarded_for` (the
    /// `X-Forwarded-For` values, in order).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer.to_canonical();
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty());
        let mut client = peer.to_canonical();
        for hop in hops.rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // An unreadable hop: nothing before it can be believed.
                return client;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> TrustedProxies {
        TrustedProxies::parse(&["127.0.0.0/8".into(), "::1".into()]).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_direct_client_is_its_own_address_whatever_header_it_sends() {
        let p = loopback();
        assert_eq!(p.client(ip("203.0.113.7"), &["1.2.3.4"]), ip("203.0.113.7"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop() {
        let p = TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        // The client forged the first entry; the proxies appended the rest.
        let xff = ["6.6.6.6, 198.51.100.9", "10.1.2.3"];
        assert_eq!(p.client(ip("127.0.0.1"), &xff), ip("198.51.100.9"));
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        assert_eq!(loopback().client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(loopback().client(ip("::1"), &[" "]), ip("::1"));
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk_at_the_last_trusted_one() {
        let p = loopback();
        assert_eq!(
            p.client(ip("127.0.0.1"), &["1.1.1.1, garbage, 127.0.0.2"]),
            ip("127.0.0.2")
        );
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_count_as_their_ipv4_address() {
        let p = loopback();
        assert_eq!(
            p.client(ip("::ffff:127.0.0.1"), &["198.51.100.9"]),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn a_bad_entry_is_refused_by_name() {
        let e = TrustedProxies::parse(&["localhost".into()]).unwrap_err();
        assert!(e.contains("`localhost`"), "{e}");
    }
}
