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
/// `X-Forwarded-For` values, in order — read only when `peer` is trusted), given the
/// `trusted` proxies.
pub fn client<'a, I>(trusted: &[IpNet], peer: IpAddr, forwarded_for: impl FnOnce() -> I) -> IpAddr
where
    I: DoubleEndedIterator<Item = &'a str>,
{
    let peer = peer.to_canonical();
    if !trusts(trusted, peer) {
        return peer;
    }
    let hops = forwarded_for()
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
    fn the_client_address_is_believed_only_through_trusted_proxies() {
        let two = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        // (what, trusted proxies, connecting peer, X-Forwarded-For values, client)
        type Case<'a> = (&'a str, &'a [IpNet], &'a str, &'a [&'a str], &'a str);
        let cases: &[Case] = &[
            (
                "a direct client is its own address whatever header it sends",
                &loopback(),
                "203.0.113.7",
                &["1.2.3.4"],
                "203.0.113.7",
            ),
            (
                // The client forged the first entry; the proxies appended the rest.
                "behind trusted proxies the client is the last untrusted hop",
                &two,
                "127.0.0.1",
                &["6.6.6.6, 198.51.100.9", "10.1.2.3"],
                "198.51.100.9",
            ),
            (
                "a trusted proxy without the header is the client",
                &loopback(),
                "127.0.0.1",
                &[],
                "127.0.0.1",
            ),
            (
                "a blank header is no header",
                &loopback(),
                "::1",
                &[" "],
                "::1",
            ),
            (
                "an unreadable hop stops the walk at the last trusted one",
                &loopback(),
                "127.0.0.1",
                &["1.1.1.1, garbage, 127.0.0.2"],
                "127.0.0.2",
            ),
            (
                "an IPv4-mapped IPv6 peer counts as its IPv4 address",
                &loopback(),
                "::ffff:127.0.0.1",
                &["198.51.100.9"],
                "198.51.100.9",
            ),
        ];
        for (name, trusted, peer, forwarded, want) in cases {
            let hops = || forwarded.iter().copied();
            assert_eq!(client(trusted, ip(peer), hops), ip(want), "{name}");
        }
    }
}
