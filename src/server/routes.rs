//! Routing: which dialect a request belongs to (decided by [`crate::dialect::routing`], which
//! the migration proxies read traffic with too), the body read within its limits, and the
//! decoded step handed to [`super::apply::execute`].
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
use crate::dialect::peek::Peek;
use crate::dialect::routing::{self, Entry};
use crate::dialect::{rooms, typed, Reply, Wire};
use crate::error::Error;
use crate::registry::{Dialect, RestMatch};
use bytes::Bytes;
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
    match routing::entry(&app.registry, &parts.method, parts.uri.path()) {
        // A node whose database is gone says so, so that a load balancer sends elsewhere.
        Entry::Health => match app.ctx.store.is_up() {
            true => Reply::json(200, &serde_json::json!({"status": "ok"})),
            false => Reply::json(503, &serde_json::json!({"status": "unavailable"}))
                .because("the database did not answer"),
        },
        Entry::Metrics if edge.metrics_here => super::metrics::scrape(edge.metrics.clone()).await,
        Entry::Ping => Reply::new(
            200,
            Some("text/html; charset=utf-8"),
            Bytes::from_static(b"<h1>Pong</h1>"),
        ),
        Entry::Rpc => rpc(edge, parts, body, client).await,
        Entry::Preflight => rooms::preflight().from(Dialect::Rooms),
        Entry::TypedPost => typed_post(edge, parts, body, client).await,
        Entry::Metrics | Entry::Rest => rest(edge, parts, body, client).await,
    }
}

/// A REST row of the registry, or the owning dialect's 404 or 405, or a bare 404.
async fn rest(edge: &Edge, parts: &http::request::Parts, body: Unread, client: IpAddr) -> Reply {
    let app = &edge.app;
    let path = parts.uri.path();
    let opts = typed_options(app);
    let (route, params) = match app.registry.rest(parts.method.as_str(), path) {
        RestMatch::Found(route, params) => (route, params),
        found => {
            let wrong_method = matches!(found, RestMatch::WrongMethod);
            return match routing::unmatched(&app.registry, path, wrong_method) {
                Some((dialect, e)) => routing::reject(dialect, None, e, opts),
                None => not_found(),
            };
        }
    };
    // The typed dialect's GET rows read no body.
    let loaded = match route.dialect {
        Dialect::Typed => None,
        _ => match edge.body(parts, body).await {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                let mut refused = routing::reject(route.dialect, Some(route), e, opts);
                refused.command = Some(route.command.as_str());
                return refused;
            }
        },
    };
    let bytes = loaded.as_deref().unwrap_or_default();
    if let Some(hit) = edge.answered_before(parts, bytes) {
        return hit;
    }
    let Some(step) = routing::rest(route, &wire(parts), &params, bytes, opts) else {
        return not_found();
    };
    let mut source = Source::of(parts, bytes, route.dialect);
    source.command = Some(route.command.as_str());
    let mut reply = execute(edge, step, client, source).await;
    reply.command = Some(route.command.as_str());
    reply.from(route.dialect)
}

/// The answer to a path no dialect owns.
fn not_found() -> Reply {
    Reply::json(404, &serde_json::json!({"error": "not found"}))
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
        Err(e) => return routing::reject(Dialect::Typed, None, e, opts),
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
    let opts = typed_options(app);
    let refuse = |e| routing::reject(Dialect::Opcode, None, e, opts);
    if parts.method != http::Method::POST {
        return refuse(Error::MethodNotAllowed);
    }
    let bytes = match edge.body(parts, body).await {
        Ok(b) => b,
        Err(e) => return refuse(e),
    };
    if let Some(hit) = edge.answered_before(parts, &bytes) {
        return hit;
    }
    let peek = match Peek::of(&bytes) {
        Ok(peek) => peek,
        Err(e) => {
            let why = if bytes.is_empty() {
                "the body is empty".to_string()
            } else {
                format!("the body is not valid JSON ({e})")
            };
            return refuse(Error::BadFrame(why));
        }
    };
    let (step, dialect) = routing::rpc(&app.registry, &wire(parts), &peek, &bytes, opts);
    let reply = execute(edge, step, client, Source::of(parts, &bytes, dialect)).await;
    reply.from(dialect)
}
