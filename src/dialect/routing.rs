//! Which dialect a request belongs to, decided in one place for the server's routes and the
//! migration proxies' classifier (which must read traffic exactly as the server would):
//!
//! ```text
//! GET  /healthz /metrics /api/ping   the server's own answers
//! any  / | /phonebooks               body {"type","subtype"} without "op" → typed, else opcode
//! OPTIONS on a rooms path            CORS preflight
//! POST <typed path>                  typed
//! <registry REST row>                its dialect's decoder
//! unmatched /ineww/… /api/v4.0/… rooms paths, typed paths: that dialect's 404 or 405
//! ```

use super::peek::{Op, Peek};
use super::{ineww, opcode, rooms, typed, v4, Reply, Step, Wire};
use crate::error::Error;
use crate::registry::{Dialect, Registry, Route};
use http::Method;
use serde_json::Value;

/// Where a request goes, by method and path alone (before its body is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `GET /healthz`.
    Health,
    /// `GET /metrics` (served by the server when metrics are on here, else a REST path).
    Metrics,
    /// `GET /api/ping`, HelpAged's liveness page.
    Ping,
    /// The single RPC endpoint: `/` or `/phonebooks`, any method.
    Rpc,
    /// An `OPTIONS` preflight on a rooms path.
    Preflight,
    /// A POST to one of HelpAged's documented `type`/`subtype` paths.
    TypedPost,
    /// Everything else: the registry's REST rows.
    Rest,
}

/// The entry of a request with `method` and `path`.
pub fn entry(registry: &Registry, method: &Method, path: &str) -> Entry {
    match (method, path) {
        (&Method::GET, "/healthz") => Entry::Health,
        (&Method::GET, "/metrics") => Entry::Metrics,
        (&Method::GET, "/api/ping") => Entry::Ping,
        (_, "/" | "/phonebooks") => Entry::Rpc,
        (&Method::OPTIONS, _) if rooms::owns(path) => Entry::Preflight,
        (&Method::POST, _) if registry.is_typed_path(path) => Entry::TypedPost,
        _ => Entry::Rest,
    }
}

/// Which dialect an RPC body is: `type` and `subtype` without `op` → typed, else opcode.
pub fn rpc_dialect(peek: &Peek) -> Dialect {
    if peek.op == Op::Absent && peek.has_type && peek.has_subtype {
        Dialect::Typed
    } else {
        Dialect::Opcode
    }
}

/// The decoded step of an RPC body (`body`, read as `peek`), and its dialect.
pub fn rpc(
    registry: &Registry,
    wire: &Wire<'_>,
    peek: &Peek,
    body: &[u8],
    opts: typed::Options,
) -> (Step, Dialect) {
    match rpc_dialect(peek) {
        Dialect::Typed => {
            let json = serde_json::from_slice::<Value>(body).ok();
            let step = typed::handle(registry, wire, json.as_ref(), opts);
            (step, Dialect::Typed)
        }
        _ => (opcode::handle(registry, wire, peek, body), Dialect::Opcode),
    }
}

/// The decoded step of a matched REST row (`None` for a row of the RPC dialect, which has
/// no REST rows).
pub fn rest(
    route: &Route,
    wire: &Wire<'_>,
    params: &[(String, String)],
    body: &[u8],
    opts: typed::Options,
) -> Option<Step> {
    Some(match route.dialect {
        Dialect::Typed => typed::handle_get(route, wire, params, opts),
        Dialect::Ineww => ineww::handle(route, wire, params, body),
        Dialect::V4 => v4::handle(route, wire, params, body),
        Dialect::Rooms => rooms::handle(route, wire, params, body),
        Dialect::Opcode => return None,
    })
}

/// The dialect that answers a path no REST row serves — or none with this method
/// (`wrong_method`) — and what it answers: its 405 or its unknown-command 404. `None` for a
/// path no dialect owns.
pub fn unmatched(registry: &Registry, path: &str, wrong_method: bool) -> Option<(Dialect, Error)> {
    let refusal = |dialect| {
        let e = match wrong_method || dialect == Dialect::Typed {
            true => Error::MethodNotAllowed,
            false => Error::UnknownCommand,
        };
        Some((dialect, e))
    };
    // `/api/v4.0/…` is tried before the typed paths: it is never the typed dialect's.
    if ineww::owns(path) {
        refusal(Dialect::Ineww)
    } else if v4::owns(path) {
        refusal(Dialect::V4)
    } else if rooms::owns(path) {
        refusal(Dialect::Rooms)
    } else if wrong_method || registry.is_typed_path(path) {
        refusal(Dialect::Typed)
    } else {
        None
    }
}

/// `e` in `dialect`'s envelope, for a request refused before (or instead of) its command:
/// an unmatched path, an unreadable body, a dead upstream behind a proxy.
pub fn reject(dialect: Dialect, route: Option<&Route>, e: Error, opts: typed::Options) -> Reply {
    let reply = match dialect {
        Dialect::Opcode => opcode::encode(route.map(|r| r.command), Err(e)),
        Dialect::Typed => typed::reject(e, opts),
        Dialect::Ineww => ineww::reject(e),
        Dialect::Rooms => rooms::reject(e),
        Dialect::V4 => v4::reject(route, e),
    };
    reply.from(dialect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_and_path_pick_the_entry() {
        let r = crate::app::registry().unwrap();
        let cases = [
            ("GET", "/healthz", Entry::Health),
            ("POST", "/healthz", Entry::Rest),
            ("GET", "/metrics", Entry::Metrics),
            ("GET", "/api/ping", Entry::Ping),
            ("POST", "/", Entry::Rpc),
            ("GET", "/phonebooks", Entry::Rpc),
            ("OPTIONS", "/rooms/", Entry::Preflight),
            ("OPTIONS", "/ineww/session", Entry::Rest),
            ("POST", "/api/user/login", Entry::TypedPost),
            ("GET", "/api/user/info", Entry::Rest),
            ("GET", "/rooms/", Entry::Rest),
        ];
        for (method, path, want) in cases {
            let method: Method = method.parse().unwrap();
            assert_eq!(entry(&r, &method, path), want, "{method} {path}");
        }
    }

    #[test]
    fn an_rpc_body_is_typed_only_with_type_and_subtype_and_no_op() {
        let dialect = |body: &str| rpc_dialect(&Peek::of(body.as_bytes()).unwrap());
        assert_eq!(
            dialect(r#"{"type":"login","subtype":"pass"}"#),
            Dialect::Typed
        );
        assert_eq!(dialect(r#"{"type":1,"subtype":2}"#), Dialect::Typed);
        let opcode = [
            r#"{"op":1003,"type":"login","subtype":"pass"}"#,
            r#"{"op":null,"type":"login","subtype":"pass"}"#,
            r#"{"type":"login"}"#,
            r#"{"op":9999}"#,
            "[1]",
        ];
        for body in opcode {
            assert_eq!(dialect(body), Dialect::Opcode, "{body}");
        }
    }

    #[test]
    fn an_unmatched_path_is_refused_by_the_dialect_that_owns_it() {
        let r = crate::app::registry().unwrap();
        let (nf, na) = (Error::UnknownCommand, Error::MethodNotAllowed);
        let cases = [
            ("/ineww/nothing", false, Some((Dialect::Ineww, &nf))),
            ("/ineww/session", true, Some((Dialect::Ineww, &na))),
            ("/api/v4.0/nothing", false, Some((Dialect::V4, &nf))),
            ("/api/v4.0/nothing", true, Some((Dialect::V4, &na))),
            ("/rooms/nothing/at/all", false, Some((Dialect::Rooms, &nf))),
            ("/api/user/login", false, Some((Dialect::Typed, &na))),
            ("/somewhere", true, Some((Dialect::Typed, &na))),
            ("/somewhere", false, None),
        ];
        for (path, wrong_method, want) in cases {
            let got = unmatched(&r, path, wrong_method);
            let got = got.as_ref().map(|(d, e)| (*d, e.to_string()));
            let want = want.map(|(d, e)| (d, e.to_string()));
            assert_eq!(got, want, "{path} wrong_method={wrong_method}");
        }
    }
}
