//! Which dialect and command a proxied request is, read by the same registry, routing
//! ([`routing`], shared with the server's routes) and decoders the server uses, and the 502
//! answer in that dialect's envelope when the upstream is gone.
//!
//! ```text
//! POST / | /phonebooks   body {"op":…} → opcode; {"type","subtype"} → typed
//! POST <typed path>      typed
//! <registry REST row>    its dialect's decoder (typed GET rows too)
//! /ineww/… /api/v4.0/… rooms paths: their dialect, even when no row matches
//! ```

use crate::command::{Credential, Lane, Request};
use crate::dialect::peek::{Op, Peek};
use crate::dialect::routing::{self, Entry};
use crate::dialect::{typed, Reply, Step, Wire};
use crate::error::Error;
use crate::registry::{Dialect, Registry, RestMatch, Route};
use http::Method;
use serde_json::Value;

/// A request as the decoders read it.
pub struct Decoded<'r> {
    /// The dialect, when the path (or body) names one.
    pub dialect: Option<Dialect>,
    /// The registry row, when one matched.
    pub route: Option<&'r Route>,
    /// The row's path parameters (`<pk>`, `<uid>`, `<mobile>`), as sent.
    pub params: Vec<(String, String)>,
    /// What the decoder made of it: `None` for paths no dialect owns.
    pub step: Option<Step>,
}

impl Decoded<'_> {
    /// The decoded request, when the decoder accepted it.
    pub fn request(&self) -> Option<&Request> {
        match &self.step {
            Some(Step::Execute { request, .. }) => Some(request),
            _ => None,
        }
    }

    /// The command's name for logs and counts: the decoded command's `name()`, else the
    /// registry row's command, else `unknown`.
    pub fn command(&self) -> &'static str {
        match (self.request(), self.route) {
            (Some(r), _) => r.command.name(),
            (None, Some(route)) => route.command.as_str(),
            (None, None) => "unknown",
        }
    }

    /// The dialect's name, or `none`.
    pub fn dialect_name(&self) -> &'static str {
        self.dialect.map_or("none", Dialect::as_str)
    }

    /// Whether the request changes nothing upstream: a short read, or a request the decoder
    /// refused (Switchboard answers it without running anything). Everything else — logins,
    /// codes, captchas, every write — counts as a write.
    pub fn is_read(&self) -> bool {
        match &self.step {
            Some(Step::Execute { request, .. }) => request.command.lane() == Lane::ShortRead,
            _ => true,
        }
    }

    /// The token the request carried (a person's or a device's), as sent.
    pub fn token(&self) -> Option<&str> {
        match self.request()?.credential.as_ref()? {
            Credential::Token { token, .. } => Some(token),
            Credential::Device(token) => Some(token),
        }
    }
}

/// Decodes a request as the server would route it ([`routing`]).
pub fn decode<'r>(registry: &'r Registry, wire: &Wire<'_>, body: &[u8]) -> Decoded<'r> {
    let opts = typed::Options::new(false);
    let path = wire.path;
    let none = |dialect| Decoded {
        dialect,
        route: None,
        params: Vec::new(),
        step: None,
    };
    let with = |dialect, route, step| Decoded {
        dialect: Some(dialect),
        route,
        params: Vec::new(),
        step: Some(step),
    };
    match routing::entry(registry, wire.method, path) {
        Entry::Health => none(None),
        Entry::Ping => none(Some(Dialect::Typed)),
        Entry::Rpc => {
            if wire.method != Method::POST {
                return none(Some(Dialect::Opcode));
            }
            let Ok(peek) = Peek::of(body) else {
                return none(Some(Dialect::Opcode));
            };
            let (step, dialect) = routing::rpc(registry, wire, &peek, body, opts);
            let route = match (dialect, peek.op) {
                (Dialect::Typed, _) => serde_json::from_slice::<Value>(body)
                    .ok()
                    .as_ref()
                    .and_then(typed_pair)
                    .and_then(|(t, s)| registry.typed(None, t, s)),
                (_, Op::Number(op)) => op.and_then(|op| registry.op(op)),
                _ => None,
            };
            with(dialect, route, step)
        }
        Entry::Preflight => none(Some(Dialect::Rooms)),
        Entry::TypedPost => {
            let json = serde_json::from_slice::<Value>(body).ok();
            let route = json
                .as_ref()
                .and_then(typed_pair)
                .and_then(|(t, s)| registry.typed(Some(path), t, s));
            let step = typed::handle(registry, wire, json.as_ref(), opts);
            with(Dialect::Typed, route, step)
        }
        // A proxy serves no metrics of its own on the forwarded address: `/metrics` is the
        // upstream's, a REST path like any other.
        Entry::Metrics | Entry::Rest => rest(registry, wire, body, opts),
    }
}

fn rest<'r>(
    registry: &'r Registry,
    wire: &Wire<'_>,
    body: &[u8],
    opts: typed::Options,
) -> Decoded<'r> {
    let path = wire.path;
    match registry.rest(wire.method.as_str(), path) {
        RestMatch::Found(route, params) => {
            let step = routing::rest(route, wire, &params, body, opts);
            Decoded {
                dialect: step.is_some().then_some(route.dialect),
                route: step.is_some().then_some(route),
                params,
                step,
            }
        }
        found => {
            let wrong_method = matches!(found, RestMatch::WrongMethod);
            Decoded {
                dialect: routing::unmatched(registry, path, wrong_method).map(|(d, _)| d),
                route: None,
                params: Vec::new(),
                step: None,
            }
        }
    }
}

/// The `type` and `subtype` of a typed body.
fn typed_pair(json: &Value) -> Option<(&str, &str)> {
    Some((json.get("type")?.as_str()?, json.get("subtype")?.as_str()?))
}

/// The proxy's own answer to a request, in its dialect's envelope: for a dead upstream
/// ([`Error::Upstream`]) HTTP 502 in the envelope the dialect answers a server failure with
/// (HelpAged -200 with the request's `id`, INEWW `502001`, rooms and v4 502, PhoneBooks `ret`
/// -1), for an oversized body its 413; a bare JSON answer for a path no dialect owns.
pub fn refusal(decoded: Decoded<'_>, e: Error) -> Reply {
    if let Some(Step::Execute { encoder, .. }) = decoded.step {
        // The command's own encoder: HelpAged echoes the request's `id`, v4 knows sendsms.
        return encoder(Err(e));
    }
    // A request the decoder refused still gets the dialect's answer to `e`, not its refusal.
    if let Some(dialect) = decoded.dialect {
        return routing::reject(dialect, decoded.route, e, typed::Options::new(false));
    }
    let (status, text) = match e {
        Error::TooLarge => (413, "too large"),
        _ => (502, "bad gateway"),
    };
    Reply::json(status, &serde_json::json!({"error": text})).because(e.detail())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded<'r>(reg: &'r Registry, method: &str, target: &str, body: &str) -> Decoded<'r> {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let uri: http::Uri = target.parse().unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        let wire = Wire {
            method: &method,
            path: uri.path(),
            query: uri.query(),
            headers: &headers,
        };
        decode(reg, &wire, body.as_bytes())
    }

    #[test]
    fn each_dialect_and_command_is_told_by_the_servers_own_decoders() {
        let reg = crate::app::registry().unwrap();
        let cases = [
            (
                "POST",
                "/phonebooks",
                r#"{"op":1003,"phone":"13000000001","password":"x"}"#,
                "opcode",
                "login",
            ),
            (
                "POST",
                "/",
                r#"{"id":1,"type":"login","subtype":"pass","data":{"phone":"13000000001","pass":"x"}}"#,
                "typed",
                "login",
            ),
            ("GET", "/api/user/info?token=abc", "", "typed", "profile"),
            ("GET", "/ineww/session", "", "ineww", "profile"),
            ("GET", "/rooms/?page=1", "", "rooms", "list_rooms"),
            (
                "GET",
                "/api/v4.0/isregister/13000000001",
                "",
                "v4",
                "phone_exists",
            ),
            ("GET", "/nowhere", "", "none", "unknown"),
        ];
        for (method, target, body, dialect, command) in cases {
            let d = decoded(&reg, method, target, body);
            assert_eq!(
                (d.dialect_name(), d.command()),
                (dialect, command),
                "{method} {target}"
            );
        }
        let d = decoded(&reg, "GET", "/api/user/info?token=abc", "");
        assert_eq!(d.token(), Some("abc"));
        assert!(d.is_read());
        assert!(!decoded(
            &reg,
            "POST",
            "/phonebooks",
            r#"{"op":1001,"phone":"13000000001","password":"123456"}"#
        )
        .is_read());
    }

    #[test]
    fn a_dead_upstream_answers_502_even_where_the_decoder_refused_the_request() {
        let reg = crate::app::registry().unwrap();
        let dead = || Error::Upstream("connection refused".into());
        let typed_body =
            r#"{"id":5,"type":"login","subtype":"pass","data":{"phone":"13000000001","pass":"x"}}"#;
        let r = refusal(decoded(&reg, "POST", "/", typed_body), dead());
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            (r.status, &v["id"], &v["status"]),
            (502, &Value::from(5), &Value::from(-200))
        );
        let r = refusal(
            decoded(&reg, "POST", "/phonebooks", r#"{"op":1003}"#),
            dead(),
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((r.status, &v["ret"]), (502, &Value::from(-1)));
        let r = refusal(decoded(&reg, "GET", "/nowhere", ""), dead());
        assert_eq!(r.status, 502);
    }
}
