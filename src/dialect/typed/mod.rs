//! HelpAged: `{"id","type","subtype","data"}` → `{"id","status","message","data"}`.
//!
//! ```text
//! POST /api/user/login?token=…   (or POST /)
//! → {"id":1234,"type":"login","subtype":"pass","data":{"phone":"13750687010","pass":"…"}}
//! ← {"id":1234,"status":0,"message":"Successful","data":{"token":"debc454e…"}}
//! ```
//! Every handled failure is HTTP 200 with a status from the document's tables (ORIGINALS.md
//! decides where document and original disagree). `id` echoes an integer, turns a numeric
//! string into its integer, and is -1 otherwise and on every token failure. The token comes
//! in `?token=`. Answers are `text/html; charset=utf-8` unless configured to JSON.

mod decode;
mod encode;

pub use encode::{encode, Echo};

use super::{Reply, Step, Wire};
use crate::command::{CommandKind, Credential, Request};
use crate::error::Error;
use crate::registry::{Registry, Route};
use serde_json::Value;

/// Encoder settings the server passes in.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Content-Type of JSON answers.
    pub content_type: &'static str,
}

impl Options {
    /// The original's content type (`text/html; charset=utf-8`), or JSON when asked.
    pub fn new(json: bool) -> Options {
        Options {
            content_type: if json {
                "application/json"
            } else {
                "text/html; charset=utf-8"
            },
        }
    }
}

/// A POST of a typed body to `/` or to one of the document's `/api/...` paths. `body` is
/// `None` when it was missing or not JSON.
pub fn handle(registry: &Registry, wire: &Wire<'_>, body: Option<&Value>, opts: Options) -> Step {
    let id = body.map_or(-1, |b| echo_id(b.get("id")));
    let reply = |kind, e| Step::Reply(encode(Echo { id, kind, opts }, Err(e)));
    if !is_json(wire.headers) {
        return reply(
            None,
            Error::BadFrame("send the body as application/json".into()),
        );
    }
    let Some(Value::Object(obj)) = body else {
        return reply(
            None,
            Error::BadFrame("the body must be a JSON object".into()),
        );
    };
    let (Some(Value::String(t)), Some(Value::String(s))) = (obj.get("type"), obj.get("subtype"))
    else {
        return reply(
            None,
            Error::BadFrame("`type` and `subtype` must be strings".into()),
        );
    };
    let Some(data) = obj.get("data") else {
        return reply(None, Error::BadFrame("`data` is missing".into()));
    };
    let path = (wire.path != "/").then_some(wire.path);
    let Some(route) = registry.typed(path, t, s) else {
        return reply(None, Error::UnknownCommand);
    };
    let kind = route.command;
    match request(route, wire, Some(data)) {
        Ok(request) => execute(
            request,
            Echo {
                id,
                kind: Some(kind),
                opts,
            },
        ),
        Err(e) => reply(Some(kind), e),
    }
}

/// A GET route of the dialect (`/api/user/info`, `/api/user/doki`, `/api/get/portrait/<id>`).
pub fn handle_get(
    route: &Route,
    wire: &Wire<'_>,
    params: &[(String, String)],
    opts: Options,
) -> Step {
    let echo = Echo {
        id: -1,
        kind: Some(route.command),
        opts,
    };
    match request_get(route, wire, params) {
        Ok(request) => execute(request, echo),
        Err(e) => Step::Reply(encode(echo, Err(e))),
    }
}

/// The dialect's envelope for a failure found before decoding (oversized body, bad method).
pub fn reject(e: Error, opts: Options) -> Reply {
    encode(
        Echo {
            id: -1,
            kind: None,
            opts,
        },
        Err(e),
    )
}

fn execute(request: Request, echo: Echo) -> Step {
    Step::Execute {
        request: Box::new(request),
        encoder: Box::new(move |r| encode(echo, r)),
    }
}

fn request(route: &Route, wire: &Wire<'_>, data: Option<&Value>) -> Result<Request, Error> {
    let credential = credential(route, wire)?;
    let command = decode::command(route, data.unwrap_or(&Value::Null))?;
    Ok(Request {
        command,
        auth: route.auth,
        credential,
        acting_for: None,
    })
}

fn request_get(
    route: &Route,
    wire: &Wire<'_>,
    params: &[(String, String)],
) -> Result<Request, Error> {
    let credential = credential(route, wire)?;
    let command = decode::get_command(route.command, wire, params)?;
    Ok(Request {
        command,
        auth: route.auth,
        credential,
        acting_for: None,
    })
}

/// The `?token=` of a route that needs one: a device token for notice upload, else a user's.
fn credential(route: &Route, wire: &Wire<'_>) -> Result<Option<Credential>, Error> {
    if !route.auth {
        return Ok(None);
    }
    let token = wire
        .query
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|t| !t.is_empty())
        .ok_or(Error::MissingToken)?;
    Ok(Some(match route.command {
        CommandKind::UploadNotice => Credential::Device(token),
        _ => Credential::Typed(token),
    }))
}

/// The document's `id` rule: an integer is echoed, a numeric string becomes its integer,
/// anything else (or nothing) is -1.
pub fn echo_id(id: Option<&Value>) -> i64 {
    match id {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(-1),
        Some(Value::String(s)) => s.parse::<i64>().unwrap_or(-1),
        _ => -1,
    }
}

/// Whether the request says its body is JSON (the original read bodies only then).
fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests;
