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

use super::body::{self, NotObject};
use super::form::{self, Repeated};
use super::wire::{is_json, scheme_token};
use super::{Fields, Reply, Step, Wire};
use crate::command::{CommandKind, Credential, Request};
use crate::domain::{SessionExtras, TokenPolicy};
use crate::error::Error;
use crate::registry::Route;
use decode::Refusal;
use serde_json::{Map, Value};

/// INEWW tokens: a 32-hex access token (30 days) with a 32-hex refresh token (60 days), as the
/// original issued them; at most 10 live pairs per account (a new one drops the oldest).
pub const TOKENS: TokenPolicy = TokenPolicy::opaque("ineww_access")
    .lifetime(2_592_000)
    .cap(10)
    .refresh("ineww_refresh", 5_184_000);

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
    match request(route, wire, params, body) {
        Ok(request) => Step::execute(request, move |r| encode(Some(kind), r)),
        Err(Refusal::Fields(issues)) => Step::Reply(encode::invalid(&issues)),
        // The client did send a token: tell the operator why it counts as none.
        Err(Refusal::Error(Error::MissingToken)) if wire.headers.contains_key("access-token") => {
            let reply = encode(Some(kind), Err(Error::MissingToken));
            Step::Reply(reply.because("missing token: ACCESS-TOKEN without USER-ID"))
        }
        Err(Refusal::Error(e)) => Step::Reply(encode(Some(kind), Err(e))),
    }
}

/// The request, or why it cannot be run.
fn request(
    route: &Route,
    wire: &Wire<'_>,
    params: &[(String, String)],
    body: &[u8],
) -> Result<Request, Refusal> {
    let credential = credential(route, wire)?;
    let input = Value::Object(input(route.command, wire, body)?);
    let command = decode::command(route, &Fields::of(&input, "")?, params)?;
    Ok(Request {
        command,
        auth: route.auth,
        credential,
        acting_for: None,
    })
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
/// is looked at, on every endpoint. Forms and queries are read leniently, the last of a
/// repeated name winning.
fn input(kind: CommandKind, wire: &Wire<'_>, body: &[u8]) -> Result<Map<String, Value>, Error> {
    let pairs = |bytes: &[u8]| form::object(form::lenient_pairs(bytes), Repeated::Last);
    if matches!(*wire.method, http::Method::GET | http::Method::DELETE) {
        return Ok(pairs(wire.query.unwrap_or_default().as_bytes()));
    }
    let sent_as_json = wire.media_type().is_some_and(|t| is_json(&t));
    match body::object(body) {
        Ok(map) => Ok(map),
        Err(NotObject::Other(Value::Array(a))) if a.is_empty() => Ok(Map::new()),
        Err(NotObject::NotJson(_)) if !sent_as_json && decode::takes_form(kind) => Ok(pairs(body)),
        Err(NotObject::NotJson(_)) if std::str::from_utf8(body).is_err() => {
            Err(Error::BadFrame("the body is not UTF-8, so not JSON".into()))
        }
        Err(why) => Err(why.into()),
    }
}

/// The access token of a route that needs one: `USER-ID` with `ACCESS-TOKEN` (the original's
/// pair; `ACCESS-TOKEN` without `USER-ID` is no credential at all, `401001`), or
/// `Authorization: Bearer <access_token>`, which stands alone (a `USER-ID` sent with it must
/// still be the token's owner).
fn credential(route: &Route, wire: &Wire<'_>) -> Result<Option<Credential>, Error> {
    if !route.auth {
        return Ok(None);
    }
    let header = |name: &'static str| -> Result<Option<&str>, Error> {
        let text = wire
            .header(name)
            .map_err(|_| Error::BadToken(format!("{name} is not ASCII")))?;
        Ok(text.map(str::trim).filter(|v| !v.is_empty()))
    };
    let user_id = header("user-id")?;
    let token = match (user_id, header("access-token")?, header("authorization")?) {
        (Some(_), Some(t), _) => t,
        (_, _, Some(auth)) => scheme_token(auth, &["bearer"])
            .ok_or_else(|| Error::BadToken("use Authorization: Bearer <access_token>".into()))?,
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
