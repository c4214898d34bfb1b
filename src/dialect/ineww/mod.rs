//! INEWW: REST under `/ineww/` → `{"code":"<6 digits>","data":…}`.
//!
//! ```text
//! POST /ineww/session            {"account":"18511521921","password":"123456"}
//! ← 200 {"code": "200001", "data": {"token": {…}, "user": {…}}}
//! PUT  /ineww/user/pwd           USER-ID: e880ddce…  ACCESS-TOKEN: 07e84670…
//! ← 204 (no body: every 204xxx)
//! POST /ineww/user               {"username":"小王子"}
//! ← 422 {"code": "422001", "data": [{"field": "phone", "code": "missing_field"}, …]}
//! ```
//! The HTTP status is the code's first three digits, except `201001` (HTTP 200) and every
//! `204xxx` (HTTP 204, no body). Answers are 4-space indented UTF-8 JSON served as
//! `text/html; charset=utf-8`, as the original's. The token comes in `USER-ID` +
//! `ACCESS-TOKEN`, or `Authorization: Bearer <access_token>`. Bodies are JSON objects (`[]`
//! and an empty body count as `{}`); only `POST /ineww/code/phone` also takes a form, when it
//! is not sent as `application/json`.

mod decode;
mod encode;

pub use decode::DECODABLE;
pub use encode::{encode, FieldIssue};

use super::{Fields, Reply, Step, Wire};
use crate::command::{CommandKind, Credential, Request};
use crate::domain::{RefreshPolicy, SessionExtras, TokenPolicy};
use crate::error::Error;
use crate::registry::Route;
use decode::Refusal;
use serde_json::{Map, Value};

/// INEWW tokens: a 32-hex access token (30 days) with a 32-hex refresh token (60 days), as the
/// original issued them; at most 10 live pairs per account (a new one drops the oldest).
pub const TOKENS: TokenPolicy = TokenPolicy {
    kind: "ineww_access",
    jwt: false,
    lifetime_secs: Some(2_592_000),
    idle_secs: None,
    cap: Some(10),
    refresh: Some(RefreshPolicy {
        kind: "ineww_refresh",
        lifetime_secs: 5_184_000,
    }),
};

/// What an INEWW session answers besides its tokens: the member.
fn session_extras() -> SessionExtras {
    SessionExtras {
        member: true,
        ..SessionExtras::default()
    }
}

/// Whether `path` belongs to this dialect (so an unknown one answers `404000`).
pub fn owns(path: &str) -> bool {
    path == "/ineww" || path.starts_with("/ineww/")
}

/// Decodes a request to one of the dialect's routes, or answers it at once.
pub fn handle(route: &Route, wire: &Wire<'_>, params: &[(String, String)], body: &[u8]) -> Step {
    let kind = route.command;
    let refuse = |r: Refusal| {
        Step::Reply(match r {
            Refusal::Fields(issues) => encode::invalid(&issues),
            Refusal::Error(e) => encode(Some(kind), Err(e)),
        })
    };
    let credential = match credential(route, wire) {
        Ok(c) => c,
        // The client did send a token: tell the operator why it counts as none.
        Err(Error::MissingToken) if wire.headers.contains_key("access-token") => {
            let reply = encode(Some(kind), Err(Error::MissingToken));
            return Step::Reply(reply.because("missing token: ACCESS-TOKEN without USER-ID"));
        }
        Err(e) => return refuse(Refusal::Error(e)),
    };
    let input = match input(kind, wire, body) {
        Ok(v) => v,
        Err(e) => return refuse(Refusal::Error(e)),
    };
    let fields = match Fields::of(&input, "") {
        Ok(f) => f,
        Err(e) => return refuse(Refusal::Error(e)),
    };
    match decode::command(route, &fields, params) {
        Ok(command) => Step::Execute {
            request: Box::new(Request {
                command,
                auth: route.auth,
                credential,
                acting_for: None,
            }),
            encoder: Box::new(move |r| encode(Some(kind), r)),
        },
        Err(r) => refuse(r),
    }
}

/// The dialect's envelope for a failure found before a route was decoded (unknown path,
/// wrong method, oversized body).
pub fn reject(e: Error) -> Reply {
    encode(None, Err(e))
}

/// The request's fields as one JSON object: the query of a GET or DELETE (whose body is
/// ignored), else the body. The body is read as JSON whatever its `Content-Type` (as the
/// original parsed it); a code request's body that is not JSON is read as a form — unless it
/// was sent as JSON (`application/json`, parameters or not, or any `+json` type): a body
/// sent as JSON that does not parse, invalid UTF-8 included, is `400010` before any field
/// is looked at, on every endpoint.
fn input(kind: CommandKind, wire: &Wire<'_>, body: &[u8]) -> Result<Value, Error> {
    let pairs = |bytes: &[u8]| {
        let map: Map<String, Value> = form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        Value::Object(map)
    };
    if matches!(*wire.method, http::Method::GET | http::Method::DELETE) {
        return Ok(pairs(wire.query.unwrap_or_default().as_bytes()));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let sent_as_json = sent_as_json(wire.headers);
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(a)) if a.is_empty() => Ok(Value::Object(Map::new())),
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Error::BadFrame("the body must be a JSON object".into())),
        Err(_) if !sent_as_json && decode::takes_form(kind) => Ok(pairs(body)),
        Err(_) if std::str::from_utf8(body).is_err() => {
            Err(Error::BadFrame("the body is not UTF-8, so not JSON".into()))
        }
        Err(e) => Err(Error::BadFrame(format!(
            "the body is not a JSON object ({e})"
        ))),
    }
}

/// Whether the request says its body is JSON: `application/json` with or without
/// parameters (`; charset=utf-8`), or a `+json` type.
fn sent_as_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"))
}

/// The access token of a route that needs one: `USER-ID` with `ACCESS-TOKEN` (the original's
/// pair; `ACCESS-TOKEN` without `USER-ID` is no credential at all, `401001`), or
/// `Authorization: Bearer <access_token>`, which stands alone (a `USER-ID` sent with it must
/// still be the token's owner).
fn credential(route: &Route, wire: &Wire<'_>) -> Result<Option<Credential>, Error> {
    if !route.auth {
        return Ok(None);
    }
    let header = |name: &str| -> Result<Option<&str>, Error> {
        match wire.headers.get(name).map(|v| v.to_str()) {
            None => Ok(None),
            Some(Ok(v)) => Ok(Some(v.trim()).filter(|v| !v.is_empty())),
            Some(Err(_)) => Err(Error::BadToken(format!("{name} is not ASCII"))),
        }
    };
    let user_id = header("user-id")?;
    let token = match (user_id, header("access-token")?, header("authorization")?) {
        (Some(_), Some(t), _) => t,
        (_, _, Some(auth)) => match auth.split_once(char::is_whitespace) {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => {
                return Err(Error::BadToken(
                    "use Authorization: Bearer <access_token>".into(),
                ))
            }
        },
        (_, _, None) => return Err(Error::MissingToken),
    };
    Ok(Some(Credential::Token {
        policy: TOKENS,
        user_id: user_id.map(str::to_string),
        token: token.to_string(),
    }))
}

#[cfg(test)]
mod tests;
