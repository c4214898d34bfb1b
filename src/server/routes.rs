//! Routing: which dialect a request belongs to, by path, method and (on the single RPC
//! endpoint) body shape, and the decoded step handed to [`super::apply::execute`].
//!
//! ```text
//! POST / | /phonebooks   body {"op":…} → opcode; body {"type","subtype",…} → typed
//! POST /api/…            the typed dialect's documented paths
//! GET|… <registry path>  REST rows of opcodes.toml (typed GET routes, ineww, rooms, v4)
//! any  /ineww/…          unknown path → 404 `404000`, other method → 405 `405001` (ineww)
//! any  /api/v4.0/…       unknown path → 404, other method → 405, in the v4 envelope
//! any  /users/… /rooms/… /login … (rooms)  OPTIONS → 204 CORS preflight; unknown path → 404,
//!                        other method → 405, in the rooms envelope
//! GET  /healthz          → 200 {"status":"ok"}
//! ```

use super::apply::{execute, Source};
use super::body::Unread;
use super::Edge;
use crate::app::App;
use crate::dialect::{ineww, opcode, rooms, typed, v4, Reply, Wire};
use crate::error::Error;
use crate::registry::{Dialect, RestMatch};
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use std::net::IpAddr;

/// Routes one request to its dialect: the answer, with what the log line needs.
pub(super) async fn route(
    edge: &Edge,
    parts: &http::request::Parts,
    body: Unread,
    client: IpAddr,
) -> Reply {
    let app = &edge.app;
    let path = parts.uri.path();
    match (&parts.method, path) {
        (&Method::GET, "/healthz") => Reply::json(200, &serde_json::json!({"status": "ok"})),
        (&Method::GET, "/metrics") if edge.metrics_here => {
            super::metrics::scrape(edge.metrics.clone()).await
        }
        (&Method::GET, "/api/ping") => Reply::new(
            200,
            Some("text/html; charset=utf-8"),
            Bytes::from_static(b"<h1>Pong</h1>"),
        ),
        (_, "/" | "/phonebooks") => rpc(edge, parts, body, client).await,
        (&Method::OPTIONS, _) if rooms::owns(path) => rooms::preflight().from(Dialect::Rooms),
        (&Method::POST, _) if app.registry.is_typed_path(path) => {
            typed_post(edge, parts, body, client).await
        }
        _ => rest(edge, parts, body, client).await,
    }
}

/// A REST row of the registry, a 405 for a known path with another method, or a 404.
async fn rest(edge: &Edge, parts: &http::request::Parts, body: Unread, client: IpAddr) -> Reply {
    let app = &edge.app;
    let path = parts.uri.path();
    let opts = typed_options(app);
    let (reply, dialect) = match app.registry.rest(parts.method.as_str(), path) {
        RestMatch::Found(route, params) => {
            let wire = wire(parts);
            // The typed dialect's GET rows read no body.
            let loaded = match route.dialect {
                Dialect::Typed => None,
                _ => match edge.body(parts, body).await {
                    Ok(bytes) => Some(bytes),
                    Err(e) => {
                        let refused = match route.dialect {
                            Dialect::Ineww => ineww::reject(e),
                            Dialect::V4 => v4::reject(Some(route), e),
                            _ => rooms::reject(e),
                        };
                        let mut refused = refused.from(route.dialect);
                        refused.command = Some(route.command.as_str());
                        return refused;
                    }
                },
            };
            let bytes = loaded.as_deref().unwrap_or_default();
            if let Some(hit) = edge.answered_before(parts, bytes) {
                return hit;
            }
            let step = match route.dialect {
                Dialect::Typed => typed::handle_get(route, &wire, &params, opts),
                Dialect::Ineww => ineww::handle(route, &wire, &params, bytes),
                Dialect::V4 => v4::handle(route, &wire, &params, bytes),
                Dialect::Rooms => rooms::handle(route, &wire, &params, bytes),
                Dialect::Opcode => {
                    return Reply::json(404, &serde_json::json!({"error": "not found"}))
                }
            };
            let mut source = Source::of(parts, bytes, route.dialect);
            source.command = Some(route.command.as_str());
            let mut reply = execute(edge, step, client, source).await;
            reply.command = Some(route.command.as_str());
            (reply, route.dialect)
        }
        RestMatch::WrongMethod if ineww::owns(path) => {
            (ineww::reject(Error::MethodNotAllowed), Dialect::Ineww)
        }
        RestMatch::NotFound if ineww::owns(path) => {
            (ineww::reject(Error::UnknownCommand), Dialect::Ineww)
        }
        // Before the typed arms: `/api/v4.0/…` is never the typed dialect's.
        RestMatch::WrongMethod if v4::owns(path) => {
            (v4::reject(None, Error::MethodNotAllowed), Dialect::V4)
        }
        RestMatch::NotFound if v4::owns(path) => {
            (v4::reject(None, Error::UnknownCommand), Dialect::V4)
        }
        RestMatch::WrongMethod if rooms::owns(path) => {
            (rooms::reject(Error::MethodNotAllowed), Dialect::Rooms)
        }
        RestMatch::NotFound if rooms::owns(path) => {
            (rooms::reject(Error::UnknownCommand), Dialect::Rooms)
        }
        RestMatch::WrongMethod => (typed::reject(Error::MethodNotAllowed, opts), Dialect::Typed),
        RestMatch::NotFound if app.registry.is_typed_path(path) => {
            (typed::reject(Error::MethodNotAllowed, opts), Dialect::Typed)
        }
        RestMatch::NotFound => return Reply::json(404, &serde_json::json!({"error": "not found"})),
    };
    reply.from(dialect)
}

/// A POST to one of the typed dialect's documented paths.
async fn typed_post(
    edge: &Edge,
    parts: &http::request::Parts,
    body: Unread,
    client: IpAddr,
) -> Reply {
    let app = &edge.app;
    let opts = typed_options(app);
    let bytes = match edge.body(parts, body).await {
        Ok(b) => b,
        Err(e) => return typed::reject(e, opts).from(Dialect::Typed),
    };
    if let Some(hit) = edge.answered_before(parts, &bytes) {
        return hit;
    }
    let json = serde_json::from_slice::<Value>(&bytes).ok();
    let step = typed::handle(&app.registry, &wire(parts), json.as_ref(), opts);
    drop(json);
    let source = Source::of(parts, &bytes, Dialect::Typed);
    let reply = execute(edge, step, client, source).await;
    reply.from(Dialect::Typed)
}

fn typed_options(app: &App) -> typed::Options {
    typed::Options::new(app.ctx.config.typed_json)
}

fn wire(parts: &http::request::Parts) -> Wire<'_> {
    Wire {
        method: &parts.method,
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
    }
}

/// The single RPC endpoint: a body with `op` is the opcode dialect, one with `type` and
/// `subtype` the typed dialect.
async fn rpc(edge: &Edge, parts: &http::request::Parts, body: Unread, client: IpAddr) -> Reply {
    let app = &edge.app;
    let refuse = |e| opcode::encode(None, Err(e)).from(Dialect::Opcode);
    if parts.method != Method::POST {
        return refuse(Error::MethodNotAllowed);
    }
    let bytes = match edge.body(parts, body).await {
        Ok(b) => b,
        Err(e) => return refuse(e),
    };
    if let Some(hit) = edge.answered_before(parts, &bytes) {
        return hit;
    }
    let json: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            let why = if bytes.is_empty() {
                "the body is empty".to_string()
            } else {
                format!("the body is not valid JSON ({e})")
            };
            return refuse(Error::BadFrame(why));
        }
    };
    let is_typed =
        json.get("op").is_none() && json.get("type").is_some() && json.get("subtype").is_some();
    let (step, dialect) = if is_typed {
        let opts = typed_options(app);
        let step = typed::handle(&app.registry, &wire(parts), Some(&json), opts);
        (step, Dialect::Typed)
    } else {
        let step = opcode::handle(&app.registry, &wire(parts), &json);
        (step, Dialect::Opcode)
    };
    drop(json);
    let reply = execute(edge, step, client, Source::of(parts, &bytes, dialect)).await;
    reply.from(dialect)
}
