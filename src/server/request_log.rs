//! The request log: one line per request at `info`, and the request id every answer carries.
//!
//! A line holds the request id (the client's `X-Request-Id` when it sends a usable one,
//! otherwise one made here; either way echoed in the answer's `X-Request-Id`), the peer's
//! socket address and the client address behind trusted proxies, method, the path with its
//! query's secret values replaced by `***`, the dialect and command, the HTTP status and the
//! dialect's own code, the latency in µs, the answer's body bytes, and for a refusal the
//! detail of what was wrong (the part the client's documented message leaves out). Passwords,
//! tokens, codes and password hashes are never logged: the query is redacted, bodies and
//! headers are not logged at all, and a detail never quotes a secret value.

use crate::dialect::Reply;
use http::{HeaderMap, HeaderName, HeaderValue};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The request id header, read and echoed.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client request id kept; a longer (or unprintable) one is replaced.
const MAX_CLIENT_ID: usize = 128;

/// Query keys whose values are secrets (compared without case).
const SECRET_KEYS: &[&str] = &[
    "token",
    "access_token",
    "refresh_token",
    "jwt",
    "password",
    "pwd",
    "pass",
    "passwd",
    "old_password",
    "new_password",
    "re_pwd",
    "code",
    "captcha",
    "hash",
    "secret",
    "sign",
    "signature",
    "key",
    "api_key",
    "auth",
    "authorization",
];

/// The request's id: the client's `X-Request-Id` when it is 1–128 printable ASCII characters
/// without spaces, else a new one (a per-process random prefix and a counter).
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    if let Some(theirs) = headers.get(&REQUEST_ID) {
        let b = theirs.as_bytes();
        if !b.is_empty() && b.len() <= MAX_CLIENT_ID && b.iter().all(u8::is_ascii_graphic) {
            return theirs.clone();
        }
    }
    static PREFIX: OnceLock<u32> = OnceLock::new();
    let prefix = *PREFIX.get_or_init(rand::random);
    let n = next_number();
    // `{prefix:08x}-{n:08x}` without the formatting machinery: this runs for every request.
    let mut id = [b'-'; 17];
    hex(&mut id[..8], u64::from(prefix));
    hex(&mut id[9..], n);
    HeaderValue::from_bytes(&id).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// Numbers handed to threads in blocks: a thread takes the next block from the shared counter
/// once per [`ID_BLOCK`] requests, so the two worker threads do not pass the counter's cache
/// line back and forth on every request. Every number is still used once.
const ID_BLOCK: u64 = 1024;

/// The next request number of this thread (from 1; unique in the process).
fn next_number() -> u64 {
    static NEXT_BLOCK: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        static MINE: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    }
    MINE.with(|mine| {
        let (mut next, mut end) = mine.get();
        if next == end {
            next = NEXT_BLOCK.fetch_add(1, Ordering::Relaxed) * ID_BLOCK + 1;
            end = next + ID_BLOCK;
        }
        mine.set((next + 1, end));
        next
    })
}

/// Writes the low `out.len()` hex digits of `n` into `out`.
fn hex(out: &mut [u8], mut n: u64) {
    for b in out.iter_mut().rev() {
        *b = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
    }
}

/// `path?query` with every secret query value replaced by `***`.
pub fn redacted(path: &str, query: Option<&str>) -> String {
    let Some(query) = query else {
        return path.to_string();
    };
    let mut out = String::with_capacity(path.len() + 1 + query.len());
    out.push_str(path);
    out.push('?');
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_urlencoded::parse(key.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default();
        let secret = SECRET_KEYS.iter().any(|s| name.eq_ignore_ascii_case(s));
        out.push_str(key);
        if pair.contains('=') {
            out.push('=');
            out.push_str(if secret && !value.is_empty() {
                "***"
            } else {
                value
            });
        }
    }
    out
}

/// What the line says of one request.
pub struct Line<'a> {
    /// Its id.
    pub id: &'a HeaderValue,
    /// The socket's peer.
    pub peer: SocketAddr,
    /// The client behind trusted proxies.
    pub client: IpAddr,
    /// Method and target.
    pub parts: &'a http::request::Parts,
    /// The answer.
    pub reply: &'a Reply,
    /// Time from the request's head to its answer, µs.
    pub micros: u64,
}

/// Writes the request's line at `info` (tracing evaluates the fields — the redacted path
/// included — only when that level is on).
pub fn write(line: &Line<'_>) {
    let reply = line.reply;
    tracing::info!(
        request_id = line.id.to_str().unwrap_or("-"),
        peer = %line.peer,
        client = %line.client,
        method = %line.parts.method,
        path = redacted(line.parts.uri.path(), line.parts.uri.query()),
        dialect = reply.dialect.unwrap_or("-"),
        command = reply.command.unwrap_or("-"),
        status = reply.status,
        code = reply.code,
        micros = line.micros,
        bytes = reply.body.len(),
        detail = reply.detail.as_deref(),
        "request"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_are_replaced_and_the_rest_kept() {
        assert_eq!(redacted("/a", None), "/a");
        assert_eq!(
            redacted("/api/user/info", Some("token=abc&x=1&TOKEN=d&code=&pwd")),
            "/api/user/info?token=***&x=1&TOKEN=***&code=&pwd"
        );
        assert_eq!(
            redacted("/p", Some("phone=130&captcha=1234&acc%65ss_token=z")),
            "/p?phone=130&captcha=***&acc%65ss_token=***"
        );
    }

    #[test]
    fn a_usable_client_id_is_kept_and_any_other_replaced() {
        let mut h = HeaderMap::new();
        h.insert(&REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(request_id(&h), "abc-123");
        for bad in ["", "has space", &"x".repeat(129)] {
            h.insert(&REQUEST_ID, HeaderValue::from_str(bad).unwrap());
            let made = request_id(&h);
            assert_ne!(made.as_bytes(), bad.as_bytes());
            assert_eq!(made.len(), 17, "{made:?}");
        }
        let (a, b) = (request_id(&HeaderMap::new()), request_id(&HeaderMap::new()));
        assert_ne!(a, b, "two requests, two ids");
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        assert_eq!(a[..9], b[..9], "one prefix per process: {a} {b}");
        let (na, nb) = (
            u64::from_str_radix(&a[9..], 16),
            u64::from_str_radix(&b[9..], 16),
        );
        assert!(na.unwrap() < nb.unwrap(), "then a counter");
    }

    #[test]
    fn ids_made_on_many_threads_are_all_different() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..3 * ID_BLOCK)
                        .map(|_| request_id(&HeaderMap::new()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = std::collections::HashSet::new();
        for t in threads {
            for id in t.join().unwrap() {
                assert!(all.insert(id.clone()), "{id:?} made twice");
            }
        }
        assert_eq!(all.len() as u64, 4 * 3 * ID_BLOCK);
    }
}
