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

mod answers;
mod apply;
mod backups;
mod body;
pub mod memory;
mod pace;
pub mod peer;
mod running;
mod write_lane;

use answers::Answers;
use apply::{execute, Source};
use pace::{Pace, LANE_FULL};
pub use running::Running;
use write_lane::WriteLane;

use crate::app::App;
use crate::dialect::{ineww, opcode, rooms, typed, v4, Reply, Wire};
use crate::error::Error;
use crate::registry::{Dialect, RestMatch};
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

/// Serves `listener` (and runs code delivery) until `shutdown` resolves, then stops accepting,
/// lets in-flight requests finish (up to the configured grace), stops code delivery (the POSTs
/// in flight finish) and checkpoints the store.
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
        write_lane: WriteLane::start(app.ctx.clone())?,
        app: app.clone(),
        budget: Budget::new(config.body_memory),
        answers: Answers::new(config.answer_cache_bytes),
        password_lane: Arc::new(Semaphore::new(
            config.hashing_concurrency.max(1) + config.hash_queue,
        )),
    });
    let housekeeping = housekeeping(&app, edge.answers.enabled());
    let backups = backups::Schedule::start(&config);
    let delivery = app.delivery.start(app.ctx.store.clone());
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
    housekeeping.abort();
    tracing::info!("shutting down: finishing in-flight requests");
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace expired with connections still open");
    }
    backups.stop().await;
    if let Some(delivery) = delivery {
        delivery.stop().await;
    }
    let store = app.ctx.store.clone();
    let _ = tokio::task::spawn_blocking(move || store.close()).await;
    Ok(())
}

/// Housekeeping every [`answers::WATCH_EVERY`]: asks the store whether another process has
/// committed (the command line against the live file), so that cached answers do not outlive
/// such a write, when the answer cache is on; and returns freed memory to the system once the
/// server has gone a whole tick without a request after serving some ([`memory::trim`]).
fn housekeeping(app: &App, watch_outside: bool) -> tokio::task::JoinHandle<()> {
    let store = app.ctx.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(answers::WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let (mut seen, mut trimmed) = (0, 0);
        loop {
            tick.tick().await;
            let served = REQUEST_IDS.load(Ordering::Relaxed);
            let trim = served == seen && served != trimmed;
            (seen, trimmed) = (served, if trim { served } else { trimmed });
            if !watch_outside && !trim {
                continue;
            }
            let store = store.clone();
            let work = tokio::task::spawn_blocking(move || {
                if trim {
                    memory::trim();
                }
                match watch_outside {
                    true => store.notice_outside_writes(),
                    false => Ok(()),
                }
            });
            if let Ok(Err(e)) = work.await {
                tracing::warn!(error = %e, "could not check for outside writes");
            }
        }
    })
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
    /// Answers of short reads, kept while the store does not change.
    answers: Answers,
    /// The thread that runs short writes in the writer's batch.
    write_lane: WriteLane,
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
    let (parts, body) = req.into_parts();
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = peer::client(&edge.app.ctx.config.trusted_proxies, remote, &forwarded);
    let (resp, detail) = route(&edge, &parts, Unread::new(body), client).await;
    let (method, path) = (&parts.method, parts.uri.path());
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
    parts: &http::request::Parts,
    body: Unread,
    client: IpAddr,
) -> (Response<Full<Bytes>>, Option<String>) {
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
        (_, "/" | "/phonebooks") => rpc(edge, parts, body, client).await,
        (&Method::OPTIONS, _) if rooms::owns(path) => rooms::preflight(),
        (&Method::POST, _) if app.registry.is_typed_path(path) => {
            typed_post(edge, parts, body, client).await
        }
        _ => rest(edge, parts, body, client).await,
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
            // The typed dialect's GET rows read no body.
            let loaded = match route.dialect {
                Dialect::Typed => None,
                _ => match edge.body(parts, body).await {
                    Ok(bytes) => Some(bytes),
                    Err(e) if route.dialect == Dialect::Ineww => return ineww::reject(e),
                    Err(e) if route.dialect == Dialect::V4 => return v4::reject(Some(route), e),
                    Err(e) => return rooms::reject(e),
                },
            };
            let bytes = loaded.as_deref().unwrap_or_default();
            let step = match route.dialect {
                Dialect::Typed => typed::handle_get(route, &wire, &params, opts),
                Dialect::Ineww => ineww::handle(route, &wire, &params, bytes),
                Dialect::V4 => v4::handle(route, &wire, &params, bytes),
                Dialect::Rooms => rooms::handle(route, &wire, &params, bytes),
                Dialect::Opcode => {
                    return Reply::json(404, &serde_json::json!({"error": "not found"}))
                }
            };
            execute(edge, step, client, Source::of(parts, bytes)).await
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
    execute(edge, step, client, Source::of(parts, &bytes)).await
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
    execute(edge, step, client, Source::of(parts, &bytes)).await
}
