//! v4.0 app: REST under `/api/v4.0/` → `{"code":200,"data":…,"msg":"…"}`.
//!
//! ```text
//! POST /api/v4.0/sendsms/13126939916?expect=1
//! ← 200 {"code":"200","msg":"\u53d1\u9001\u6210\u529f"}
//! GET  /api/v4.0/login?phone=13126939916&password=111111&device_identifier=uuid
//! ← 200 {"code":200,"data":{"apply":{},"change_device":false,"enterprise_id":"-1",
//!        "token":"5a2d…","user_id":"f223…","name":"asdasd"},"msg":"\u767b\u5f55\u6210\u529f"}
//! GET  /api/v4.0/forget_password?phone=13126939916&password=123456     (no verify_code first)
//! ← 200 {"code":-1,"data":"","msg":"…"}
//! ```
//! Parameters come from the query string, a form body or a JSON body (a body wins over the
//! query, a path parameter over both). `sendsms` answers its `code` as a string and has no
//! `data`, as its sample; every other endpoint answers a number. Handled answers are HTTP
//! 200; an unknown path, a wrong method, an oversized body and a store failure carry their
//! HTTP status (404, 405, 413, 500) as both status and `code`. Non-ASCII is escaped
//! (`\uXXXX`), as the samples show.

mod decode;
mod encode;

pub use decode::DECODABLE;
pub use encode::{encode, Endpoint};

use super::{Fields, Reply, Step, Wire};
use crate::command::Request;
use crate::domain::TokenPolicy;
use crate::error::Error;
use crate::registry::Route;
use serde_json::Value;

/// v4.0 tokens: 32-hex, 30 days (the document is silent), at most 10 live per account. The
/// document names no endpoint that uses one after login, but each is a real row: a password
/// change revokes it.
pub const TOKENS: TokenPolicy = TokenPolicy::opaque("v4").lifetime(2_592_000).cap(10);

/// Whether `path` belongs to this dialect (so an unknown one answers the v4 envelope).
pub fn owns(path: &str) -> bool {
    path == "/api/v4.0" || path.starts_with("/api/v4.0/")
}

/// Decodes a request to one of the dialect's routes, or answers it at once.
pub fn handle(route: &Route, wire: &Wire<'_>, params: &[(String, String)], body: &[u8]) -> Step {
    match request(route, wire, params, body) {
        Ok((request, endpoint)) => Step::execute(request, move |r| encode(Some(endpoint), r)),
        Err(e) => Step::Reply(encode(Endpoint::of(route.command), Err(e))),
    }
}

/// The request, with the endpoint its answer is shaped for.
fn request(
    route: &Route,
    wire: &Wire<'_>,
    params: &[(String, String)],
    body: &[u8],
) -> Result<(Request, Endpoint), Error> {
    let input = Value::Object(decode::gather(wire, params, body)?);
    let (command, endpoint) = decode::command(route, &Fields::of(&input, "")?)?;
    let request = Request {
        command,
        auth: route.auth,
        credential: None,
        acting_for: None,
    };
    Ok((request, endpoint))
}

/// The dialect's envelope for a failure found before a request was decoded: an unknown path
/// or a wrong method (`route` `None`), or an oversized body on a known route.
pub fn reject(route: Option<&Route>, e: Error) -> Reply {
    encode(route.and_then(|r| Endpoint::of(r.command)), Err(e))
}

#[cfg(test)]
mod tests;
