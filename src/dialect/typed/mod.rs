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

pub use decode::{BODY_DECODABLE, GET_DECODABLE};
pub use encode::{encode, Echo};

use super::wire::{is_json, media_type};
use super::{form, Reply, Step, Wire};
use crate::command::{CommandKind, Credential, Request};
use crate::domain::TokenPolicy;
use crate::error::Error;
use crate::registry::{Registry, Route};
use serde_json::Value;

/// HelpAged tokens: 32-hex, dead after 10 idle minutes unless the login was `enduring`, at
/// most 10 live non-enduring ones per account (a new login drops the oldest).
pub const TOKENS: TokenPolicy = TokenPolicy::opaque("typed").idle(600).cap(10);

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
/// `None` when it was missing or not JSON. A body sent under a content type that is not JSON
/// is not read at all (not even its `id`).
pub fn handle(registry: &Registry, wire: &Wire<'_>, body: Option<&Value>, opts: Options) -> Step {
    let refuse = |id, kind, r: Refusal| {
        Step::Reply(encode(Echo { id, kind, opts }, Err(r.error)).because(r.detail))
    };
    if let Err(e) = json_content_type(wire) {
        return refuse(-1, None, e.into());
    }
    let id = body.map_or(-1, |b| echo_id(b.get("id")));
    let (t, s, data) = match frame(body) {
        Ok(frame) => frame,
        Err(r) => return refuse(id, None, r),
    };
    let path = (wire.path != "/").then_some(wire.path);
    let Some(route) = registry.typed(path, t, s) else {
        let detail = format!(
            "unknown command: {:?}/{:?} is not served at {}",
            clip(t),
            clip(s),
            path.unwrap_or("POST /")
        );
        let error = Error::UnknownCommand;
        return refuse(id, None, Refusal { error, detail });
    };
    let echo = Echo {
        id,
        kind: Some(route.command),
        opts,
    };
    match request(route, wire, Some(data)) {
        Ok(request) => execute(request, echo),
        Err(e) => Step::Reply(encode(echo, Err(e))),
    }
}

/// Why a frame was refused: the error picks the status and message, `detail` goes to the log.
struct Refusal {
    /// [`Error::BadFrame`] (-1) or [`Error::UnknownCommand`] (-2).
    error: Error,
    /// What exactly was wrong, for the request's log line.
    detail: String,
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Refusal {
        Refusal {
            detail: error.to_string(),
            error,
        }
    }
}

/// The frame's `type`, `subtype` and `data`. A missing key (or a body that is not an object)
/// is -1 "Error JSON key"; a `type` or `subtype` present but not a string is -2 "Error JSON
/// value", as a present string naming nothing is.
fn frame(body: Option<&Value>) -> Result<(&str, &str, &Value), Refusal> {
    let bad_frame = |why: String| Refusal::from(Error::BadFrame(why));
    let obj = match body {
        None => return Err(bad_frame("the body is empty or not JSON".into())),
        Some(Value::Object(obj)) => obj,
        Some(v) => {
            let why = format!("the body must be a JSON object, not {}", kind_of(v));
            return Err(bad_frame(why));
        }
    };
    let (Some(t), Some(s), Some(data)) = (obj.get("type"), obj.get("subtype"), obj.get("data"))
    else {
        let missing: Vec<&str> = ["type", "subtype", "data"]
            .into_iter()
            .filter(|k| !obj.contains_key(*k))
            .collect();
        return Err(bad_frame(format!("missing key: {}", missing.join(", "))));
    };
    match (t, s) {
        (Value::String(t), Value::String(s)) => Ok((t, s, data)),
        _ => Err(Refusal {
            error: Error::UnknownCommand,
            detail: format!(
                "unknown command: `type` and `subtype` must be strings, not {} and {}",
                kind_of(t),
                kind_of(s)
            ),
        }),
    }
}

/// A JSON value's kind, for details (never the value: it could be anything, of any size).
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// At most 40 characters of a client's string, for details.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
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
    Step::execute(request, move |r| encode(echo, r))
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
/// Only an absent `token` parameter is missing; a present but empty one is a wrong token.
fn credential(route: &Route, wire: &Wire<'_>) -> Result<Option<Credential>, Error> {
    if !route.auth {
        return Ok(None);
    }
    let query = form::lenient_pairs(wire.query.unwrap_or_default().as_bytes());
    let (_, token) = query
        .into_iter()
        .find(|(k, _)| k == "token")
        .ok_or(Error::MissingToken)?;
    let device = route.command == CommandKind::UploadNotice;
    if token.is_empty() {
        return Err(if device {
            Error::BadDeviceToken
        } else {
            Error::BadToken("the `token` parameter is empty".into())
        });
    }
    Ok(Some(if device {
        Credential::Device(token)
    } else {
        Credential::token(TOKENS, token)
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

/// Whether the request says its body is JSON (the original, Flask, read bodies only then):
/// `application/json` or any `+json` type (`application/vnd.x+json`), parameters
/// (`; charset=utf-8`) allowed, case ignored. Anything else, a missing Content-Type
/// included, is refused with the reason.
fn json_content_type(wire: &Wire<'_>) -> Result<(), Error> {
    let text = match wire.header(http::header::CONTENT_TYPE) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Err(Error::BadFrame(
                "no Content-Type: the body was not read (send application/json)".into(),
            ))
        }
        Err(_) => "(not text)",
    };
    let mime = media_type(text);
    if mime.contains('/') && is_json(&mime) {
        return Ok(());
    }
    let shown: String = text.chars().take(80).collect();
    Err(Error::BadFrame(format!(
        "Content-Type {shown:?} is not JSON: the body was not read"
    )))
}

#[cfg(test)]
mod tests;
