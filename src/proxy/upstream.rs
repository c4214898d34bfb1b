//! [`Upstream`]: where a proxy forwards, as `http://host:port[/prefix]`, and the hop-by-hop
//! headers that never cross it.
//!
//! Only `http://` upstreams are served: the proxy runs beside the legacy server, on its plain
//! HTTP port (or behind the TLS terminator that already fronts it), so the hot path carries
//! no TLS stack; an `https://` upstream is refused at start-up with that advice.

use http::{HeaderMap, Uri};
use std::fmt;

/// An `http://` upstream.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// `host:port`.
    authority: String,
    /// A path prefix put before every request path (no trailing slash), or empty.
    prefix: String,
}

impl Upstream {
    /// Reads `http://host[:port][/prefix]`.
    pub fn parse(url: &str) -> Result<Upstream, String> {
        if url.starts_with("https://") {
            return Err(format!(
                "{url}: https upstreams are not supported; point the proxy at the legacy \
                 server's plain HTTP port (or at the TLS terminator's backend side)"
            ));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: an upstream is http://host[:port][/prefix]"))?;
        let (authority, prefix) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let checked: http::uri::Authority = authority
            .parse()
            .map_err(|e| format!("{url}: bad host or port: {e}"))?;
        let authority = match checked.port() {
            Some(_) => checked.to_string(),
            None => format!("{checked}:80"),
        };
        Ok(Upstream {
            authority,
            prefix: prefix.trim_end_matches('/').to_string(),
        })
    }

    /// The upstream URI of a request's path and query.
    pub fn uri(&self, request: &Uri) -> Result<Uri, String> {
        let target = request.path_and_query().map_or("/", |p| p.as_str());
        let uri = format!("http://{}{}{target}", self.authority, self.prefix);
        uri.parse()
            .map_err(|e| format!("bad request target {target:?}: {e}"))
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.prefix)
    }
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1): `Connection`
/// and the headers it names, `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`,
/// `Transfer-Encoding`, `Upgrade`. Each side of the proxy frames its own messages.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    for name in named {
        headers.remove(name.as_str());
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_url_keeps_its_prefix_and_gets_a_port() {
        let u = Upstream::parse("http://legacy.local/app/").unwrap();
        let uri = u.uri(&"/phonebooks?x=1".parse().unwrap()).unwrap();
        assert_eq!(uri.to_string(), "http://legacy.local:80/app/phonebooks?x=1");
        assert!(Upstream::parse("https://legacy.local")
            .unwrap_err()
            .contains("not supported"));
        assert!(Upstream::parse("legacy.local:80").is_err());
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut h = HeaderMap::new();
        h.insert("connection", "keep-alive, x-secret-hop".parse().unwrap());
        h.insert("x-secret-hop", "1".parse().unwrap());
        h.insert("transfer-encoding", "chunked".parse().unwrap());
        h.insert("authorization", "JWT t".parse().unwrap());
        strip_hop_by_hop(&mut h);
        let left: Vec<_> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(left, ["authorization"]);
    }
}
