//! rooms app: REST `/users/`, `/login/`, `/rooms/`… → flat answers, as its Django REST
//! framework server sent them.
//!
//! ```text
//! POST /users/       {"username":"12345","password":"…","nickname":"never"}
//! ← 200 {"pk":"1","username":"12345","password":"","token":"8ca6…",…,"roomid":"8696",
//!        "date_joined":"2016-10-28T02:27:15.211240Z","status":"SUCCESS","msg":"创建成功","code":"200"}
//! GET  /rooms/?page=1&pageSize=3
//! ← 200 {"status":"SUCCESS","code":"200","msg":"查询成功","pageSize":"3","currentPage":"1",
//!        "totalPage":"1","total":"2","results":[{"pk":"1","roomid":"1263","room_alias":"1262","active":true}]}
//! DELETE /rooms/1/   Authorization: Token 8ca6…
//! ← 204 (no body)
//! PUT  /rooms/1/     (another user's token)
//! ← 403 {"status":"FAIL","code":"403","msg":"permission denied: only the owner may do this"}
//! ```
//! `code` is the HTTP status as a string. Answers are UTF-8 JSON (`application/json`, non-ASCII
//! as is). The token comes in `Authorization: Token <t>` (or `Bearer <t>`), the body's
//! `token`, or `?token=`. Bodies are JSON objects (a declared form that is not JSON is read as a form); every
//! path answers `OPTIONS` as a CORS preflight, and every answer allows any origin.

mod decode;
mod encode;

pub use decode::DECODABLE;
pub use encode::encode;

use super::body::{self, NotObject};
use super::form::{self, Malformed, Repeated};
use super::wire::scheme_token;
use super::{Fields, Reply, Step, Wire};
use crate::command::{Credential, Request};
use crate::domain::{SessionExtras, TokenPolicy};
use crate::error::Error;
use crate::registry::Route;
use bytes::Bytes;
use serde_json::Value;

/// rooms tokens: 32-hex, 24 hours (as the document says), at most 10 live per account (a
/// new one drops the oldest).
pub const TOKENS: TokenPolicy = TokenPolicy::opaque("rooms").lifetime(86_400).cap(10);

/// What a rooms session answers besides its token: the rooms user.
fn session_extras() -> SessionExtras {
    SessionExtras {
        rooms: true,
        ..SessionExtras::default()
    }
}

/// The first path segments this dialect serves.
const SEGMENTS: &[&str] = &[
    "users",
    "rooms",
    "login",
    "logout",
    "snslogin",
    "phonelogin",
    "password",
];

/// CORS headers sent with every answer to a rooms path (the preflight included).
pub const CORS: &[(&str, &str)] = &[
    ("access-control-allow-origin", "*"),
    (
        "access-control-allow-methods",
        "GET, POST, PUT, DELETE, OPTIONS",
    ),
    (
        "access-control-allow-headers",
        "Authorization, Content-Type, Accept",
    ),
    ("access-control-max-age", "86400"),
];

/// Whether `path` belongs to this dialect (so its failures use this envelope).
pub fn owns(path: &str) -> bool {
    let rest = path.trim_start_matches('/');
    // A byte scan: `split_once`'s searcher cost ~100 instructions on every answer.
    let end = rest.bytes().position(|b| b == b'/').unwrap_or(rest.len());
    SEGMENTS.contains(&&rest[..end])
}

/// The answer to an `OPTIONS` preflight: 204, no body (the server adds [`CORS`]).
pub fn preflight() -> Reply {
    Reply::new(204, None, Bytes::new())
}

/// The envelope of a failure found before a route was decoded (unknown path, wrong method,
/// oversized body).
pub fn reject(e: Error) -> Reply {
    encode(None, None, Err(e))
}

/// Decodes a request to one of the dialect's routes, or answers it at once.
pub fn handle(route: &Route, wire: &Wire<'_>, params: &[(String, String)], body: &[u8]) -> Step {
    let kind = route.command;
    match request(route, wire, params, body) {
        Ok((request, token)) => {
            Step::execute(request, move |r| encode(Some(kind), token.as_deref(), r))
        }
        Err(e) => Step::Reply(encode(Some(kind), None, Err(e))),
    }
}

/// The request, and the token it presented (answers that issue none show it back).
fn request(
    route: &Route,
    wire: &Wire<'_>,
    params: &[(String, String)],
    body: &[u8],
) -> Result<(Request, Option<String>), Error> {
    let is_get = *wire.method == http::Method::GET;
    let (object, query) = input(wire, body, is_get)?;
    let fields = Fields::of(&object, "")?;
    let token = token(route, wire, &fields, &query)?;
    let request = Request {
        command: decode::command(route, &fields, params, is_get)?,
        auth: route.auth,
        credential: token.clone().map(|t| Credential::token(TOKENS, t)),
        acting_for: None,
    };
    Ok((request, token))
}

/// The request's fields as one JSON object — the body (`{}` when empty), and for a GET the
/// query's pairs over it — and the query's pairs. A query or form with a bad `%` escape or
/// bad UTF-8 is refused; the last of a repeated name wins.
fn input(
    wire: &Wire<'_>,
    body: &[u8],
    is_get: bool,
) -> Result<(Value, Vec<(String, String)>), Error> {
    let query = form::strict_pairs(wire.query.unwrap_or_default().as_bytes()).map_err(|why| {
        let why = match why {
            Malformed::Escape => "has a bad %-escape",
            Malformed::NotUtf8 => "is not UTF-8 once %-decoded",
        };
        Error::invalid("query", why)
    })?;
    let declared_form = wire
        .header(http::header::CONTENT_TYPE)
        .ok()
        .flatten()
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let mut object = match body::object(body) {
        Ok(map) => map,
        Err(NotObject::NotJson(_)) if declared_form => {
            let pairs =
                form::strict_pairs(body).map_err(|why| Error::BadFrame(why.detail("form body")))?;
            form::object(pairs, Repeated::Last)
        }
        Err(why) => return Err(why.into()),
    };
    if is_get {
        object.extend(form::object(query.clone(), Repeated::Last));
    }
    Ok((Value::Object(object), query))
}

/// The token of a route that needs one, from `Authorization: Token <t>` (Django REST
/// framework's scheme) or `Bearer <t>`, else the body's `token`, else `?token=`. A body
/// `token` is read (so never an unknown field) on every route.
fn token(
    route: &Route,
    wire: &Wire<'_>,
    f: &Fields<'_>,
    query: &[(String, String)],
) -> Result<Option<String>, Error> {
    let body = match f.raw("token") {
        None => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => return Err(Error::wrong_type("token", "a string")),
    };
    if !route.auth {
        return Ok(None);
    }
    let header = match wire.header(http::header::AUTHORIZATION) {
        Err(_) => return Err(Error::BadToken("Authorization is not ASCII".into())),
        Ok(None) => None,
        Ok(Some(v)) => Some(scheme_token(v, &["token", "bearer"]).ok_or_else(|| {
            Error::BadToken("use Authorization: Token <token> (or Bearer <token>)".into())
        })?),
    };
    let from_query = query
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone());
    header
        .map(str::to_string)
        .or(body)
        .or(from_query)
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or(Error::MissingToken)
}

#[cfg(test)]
mod tests;
