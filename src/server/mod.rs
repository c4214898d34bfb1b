//! The HTTP server: accept loop, connection cap, timeouts, body limit, routing and graceful
//! shutdown, all here. Nothing below this module knows hyper.
//!
//! ```text
//! POST / | /phonebooks   body {"op":…} → opcode; body {"type","subtype",…} → typed
//! POST /api/…            the typed dialect's documented paths
//! GET|… <registry path>  REST rows of opcodes.toml (typed GET routes, ineww, later rooms/v4)
//! any  /ineww/…          unknown path → 404 `404000`, other method → 405 `405001` (ineww)
//! any  /api/v4.0/…       unknown path → 404, other method → 405, in the v4 envelope
//! any  /users/… /rooms/… /login … (rooms)  OPTIONS → 204 CORS preflight; unknown path → 404,
//!                        other method → 405, in the rooms envelope; CORS headers on every answer
//! GET  /healthz          → 200 {"status":"ok"}
//! ```

mod body;
mod pace;
pub mod peer;
mod running;

use pace::{Pace, LANE_FULL};
pub use running::Running;

use crate::app::App;
use crate::command::Outcome;
use crate::dialect::{ineww, opcode, rooms, typed, v4, Encoder, Reply, Step, Wire};
use crate::error::{Error, StoreError};
use crate::handlers;
use crate::registry::{Dialect, RestMatch};
use crate::store;
use body::{Budget, Loaded, Unread};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::Value;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Serves `listener` until `shutdown` resolves, then stops accepting, lets in-flight requests
/// finish (up to the configured grace) and checkpoints the store.
pub async fn run(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let config = app.ctx.config.clone();
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(config.header_timeout_ms))
        .keep_alive(true)
        .half_close(true);
    let edge = Arc::new(Edge {
        app: app.clone(),
        budget: Budget::new(config.body_memory),
        password_lane: Arc::new(Semaphore::new(
            config.hashing_concurrency.max(1) + config.hash_queue,
        )),
    });
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("semaphore never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let edge = edge.clone();
        let pace = Pace::default();
        let service = service_fn(move |req| {
            let (edge, pace) = (edge.clone(), pace.clone());
            async move { Ok::<_, Infallible>(handle(edge, req, remote.ip(), pace).await) }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace expired with connections still open");
    }
    let store = app.ctx.store.clone();
    let _ = tokio::task::spawn_blocking(move || store.close()).await;
    Ok(())
}

/// What every request's routing needs.
struct Edge {
    /// The registry, the store and the configuration.
    app: Arc<App>,
    /// Memory for request bodies, shared by every connection.
    budget: Budget,
    /// The password lane: commands that hash (logins, registrations, password changes) run
    /// only while one of its `hashing_concurrency + hash_queue` slots is free, so they never
    /// hold more blocking threads than that; the rest stay free for reads and writes.
    password_lane: Arc<Semaphore>,
}

impl Edge {
    /// Reads a request's body within the configured limits and the shared budget.
    async fn body(&self, parts: &http::request::Parts, body: Unread) -> Result<Loaded, Error> {
        let config = &self.app.ctx.config;
        let limits = body::Limits {
            max: config.body_limit,
            timeout: Duration::from_millis(config.request_timeout_ms),
            budget: &self.budget,
        };
        body::read(&limits, &parts.headers, body).await
    }
}

/// Numbers requests for the log, from 1 at each start.
static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// Routes one request and writes its log line: one line per request at info level, with why
/// it was refused (`detail`). The query is never logged: it may carry a token.
async fn handle(
    edge: Arc<Edge>,
    req: Request<Incoming>,
    remote: IpAddr,
    pace: Pace,
) -> Response<Full<Bytes>> {
    pace.wait().await;
    let started = Instant::now();
    let id = REQUEST_IDS.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = peer::client(&edge.app.ctx.config.trusted_proxies, remote, &forwarded);
    let (resp, detail) = route(&edge, req, client).await;
    if detail.as_deref() == Some(LANE_FULL) {
        pace.hold();
    }
    tracing::info!(
        id,
        %method,
        path,
        %client,
        status = resp.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        detail = detail.as_deref(),
        "request"
    );
    resp
}

/// Routes one request; answers the response and the detail of a refusal.
async fn route(
    edge: &Edge,
    req: Request<Incoming>,
    client: IpAddr,
) -> (Response<Full<Bytes>>, Option<String>) {
    let (parts, body) = req.into_parts();
    let body = Unread::new(body);
    let app = &edge.app;
    let path = parts.uri.path();
    let reply = match (&parts.method, path) {
        (&Method::GET, "/healthz") => Reply::json(200, &serde_json::json!({"status": "ok"})),
        (&Method::GET, "/api/ping") => Reply {
            detail: None,
            status: 200,
            content_type: Some("text/html; charset=utf-8"),
            body: Bytes::from_static(b"<h1>Pong</h1>"),
        },
        (_, "/" | "/phonebooks") => rpc(edge, &parts, body, client).await,
        (&Method::OPTIONS, _) if rooms::owns(path) => rooms::preflight(),
        (&Method::POST, _) if app.registry.is_typed_path(path) => {
            typed_post(edge, &parts, body, client).await
        }
        _ => rest(edge, &parts, body, client).await,
    };
    let mut resp = Response::new(Full::new(reply.body));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    if let Some(ct) = reply.content_type {
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(ct),
        );
    }
    if reply.status == 413 {
        // What the client still sends is discarded, then the connection closes.
        resp.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
    }
    if rooms::owns(path) {
        for (name, value) in rooms::CORS {
            resp.headers_mut()
                .insert(*name, http::HeaderValue::from_static(value));
        }
    }
    (resp, reply.detail)
}

/// A REST row of the registry, a 405 for a known path with another method, or a 404.
async fn rest(edge: &Edge, parts: &http::request::Parts, body: Unread, client: IpAddr) -> Reply {
    let app = &edge.app;
    let path = parts.uri.path();
    let opts = typed_options(app);
    match app.registry.rest(parts.method.as_str(), path) {
        RestMatch::Found(route, params) => {
            let wire = wire(parts);
            let step = match route.dialect {
                Dialect::Typed => typed::handle_get(route, &wire, &params, opts),
                Dialect::Ineww => match edge.body(parts, body).await {
                    Ok(bytes) => ineww::handle(route, &wire, &params, &bytes),
                    Err(e) => return ineww::reject(e),
                },
                Dialect::V4 => match edge.body(parts, body).await {
                    Ok(bytes) => v4::handle(route, &wire, &params, &bytes),
                    Err(e) => return v4::reject(Some(route), e),
                },
                Dialect::Rooms => match edge.body(parts, body).await {
                    Ok(bytes) => rooms::handle(route, &wire, &params, &bytes),
                    Err(e) => return rooms::reject(e),
                },
                _ => return Reply::json(404, &serde_json::json!({"error": "not found"})),
            };
            execute(edge, step, client).await
        }
        RestMatch::WrongMethod if ineww::owns(path) => ineww::reject(Error::MethodNotAllowed),
        RestMatch::NotFound if ineww::owns(path) => ineww::reject(Error::UnknownCommand),
        // Before the typed arms: `/api/v4.0/…` is never the typed dialect's.
        RestMatch::WrongMethod if v4::owns(path) => v4::reject(None, Error::MethodNotAllowed),
        RestMatch::NotFound if v4::owns(path) => v4::reject(None, Error::UnknownCommand),
        RestMatch::WrongMethod if rooms::owns(path) => rooms::reject(Error::MethodNotAllowed),
        RestMatch::NotFound if rooms::owns(path) => rooms::reject(Error::UnknownCommand),
        RestMatch::WrongMethod => typed::reject(Error::MethodNotAllowed, opts),
        RestMatch::NotFound if app.registry.is_typed_path(path) => {
            typed::reject(Error::MethodNotAllowed, opts)
        }
        RestMatch::NotFound => Reply::json(404, &serde_json::json!({"error": "not found"})),
    }
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
        Err(e) => return typed::reject(e, opts),
    };
    let json = serde_json::from_slice::<Value>(&bytes).ok();
    let step = typed::handle(&app.registry, &wire(parts), json.as_ref(), opts);
    drop(json);
    execute(edge, step, client).await
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
    if parts.method != Method::POST {
        return opcode::encode(None, Err(Error::MethodNotAllowed));
    }
    let bytes = match edge.body(parts, body).await {
        Ok(b) => b,
        Err(e) => return opcode::encode(None, Err(e)),
    };
    let json: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            let why = if bytes.is_empty() {
                "the body is empty".to_string()
            } else {
                format!("the body is not valid JSON ({e})")
            };
            return opcode::encode(None, Err(Error::BadFrame(why)));
        }
    };
    let is_typed =
        json.get("op").is_none() && json.get("type").is_some() && json.get("subtype").is_some();
    let step = if is_typed {
        typed::handle(&app.registry, &wire(parts), Some(&json), typed_options(app))
    } else {
        opcode::handle(&app.registry, &wire(parts), &json)
    };
    drop(json);
    execute(edge, step, client).await
}

/// Runs a decoded request and encodes its real outcome. A short read (a command flagged
/// `short_read`: no write, no hash, bounded by what it answers) runs right here, on the thread
/// that owns the connection, when an idle pooled connection is at hand and authenticating it
/// needs no write; otherwise, and for every other command, it runs on the blocking pool. The
/// hand-off to the pool and back costs two thread wake-ups per request, which for a 10-contact
/// 1009 was about half the CPU (README "Benchmark"); a short read costs tens of microseconds,
/// less than the hand-off. Blocking work is not cut off by the request timeout: it cannot be
/// cancelled, and answering "failed" for a command that then commits would make clients
/// retry it twice.
async fn execute(edge: &Edge, step: Step, client: IpAddr) -> Reply {
    let (request, encoder) = match step {
        Step::Reply(r) => return r,
        Step::Execute { request, encoder } => (request, encoder),
    };
    let name = request.command.name();
    if request.command.short_read() {
        let attempt = (*request).clone();
        let ctx = &edge.app.ctx;
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store::without_waiting(|| handlers::execute(ctx, attempt, Some(client)))
        }));
        match ran {
            Ok(Err(Error::Store(StoreError::WouldBlock))) => {}
            Ok(result) => return finish(name, result, encoder),
            Err(_) => {
                let failed = StoreError::Other(format!("handler {name} panicked"));
                return finish(name, Err(Error::Store(failed)), encoder);
            }
        }
    }
    // A command that hashes waits for nothing: with the lane full it is refused at once,
    // before it takes a blocking thread.
    let lane = match request.command.hashes_password() {
        false => None,
        true => match edge.password_lane.clone().try_acquire_owned() {
            Ok(slot) => Some(slot),
            Err(_) => return encoder(Err(Error::Unavailable)).because(LANE_FULL),
        },
    };
    let ctx = edge.app.ctx.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _lane = lane;
        handlers::execute(&ctx, *request, Some(client))
    });
    let result = match job.await {
        Ok(r) => r,
        Err(join) => Err(Error::Store(StoreError::Other(format!(
            "handler {name} failed: {join}"
        )))),
    };
    finish(name, result, encoder)
}

/// Encodes a command's result, noting a failure at debug level.
fn finish(name: &str, result: Result<Outcome, Error>, encoder: Encoder) -> Reply {
    if let Err(e) = &result {
        tracing::debug!(command = name, error = %e, "command failed");
    }
    encoder(result)
}
