//! The HTTP server: accept loop, connection cap, timeouts, graceful shutdown, and each
//! request's way through: routing ([`routes`]), running ([`apply`]), the answer with its
//! request id, its log line ([`request_log`]) and its metrics ([`metrics`]). Nothing below
//! this module knows hyper.

mod answers;
mod apply;
mod backups;
mod body;
mod budget;
pub mod memory;
pub mod metrics;
mod outgoing;
mod pace;
pub mod peer;
mod process;
mod request_log;
mod routes;
mod running;
mod sharded;
mod watchdog;
mod write_lane;

use answers::Answers;
use metrics::Metrics;
use pace::{Pace, LANE_FULL};
pub use running::Running;
use watchdog::Watchdog;
use write_lane::WriteLane;

use crate::app::App;
use crate::dialect::Reply;
use crate::error::Error;
use body::{Loaded, Unread};
use budget::Budget;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Serves `listener` (and runs code delivery) until `shutdown` resolves, then stops accepting,
/// lets in-flight requests finish (up to the configured grace), stops code delivery (the POSTs
/// in flight finish) and checkpoints the store.
pub async fn run(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let config = app.ctx.config.clone();
    let max_connections = config.max_connections.clamp(1, u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(max_connections));
    let mut http = http1::Builder::new();
    // No timer for hyper: the header timeout is the watchdog's (see `watchdog`).
    http.keep_alive(true)
        .half_close(true)
        .writev(false)
        .max_buf_size(outgoing::WRITE_BUFFER)
        .max_header_size(outgoing::WRITE_BUFFER);
    let watchdog = Watchdog::start(Duration::from_millis(config.header_timeout_ms));
    let metrics = Arc::new(Metrics::new(&app.ctx.store));
    let shared = app.ctx.store.is_shared();
    let edge = Arc::new(Edge {
        // One database shared by several nodes (PostgreSQL): nothing kept in this process may
        // answer for it — no answer cache — and every write commits by itself, on the
        // blocking pool (PostgreSQL groups concurrent commits), instead of in the lane's batch.
        write_lane: match shared {
            true => None,
            false => Some(WriteLane::start(app.ctx.clone())?),
        },
        metrics_here: config.metrics && config.metrics_addr.is_none(),
        metrics: metrics.clone(),
        app: app.clone(),
        budget: Budget::for_connections(config.body_memory, max_connections, config.body_limit),
        answers: Answers::new(match shared {
            true => 0,
            false => config.answer_cache_bytes,
        }),
        password_lane: Arc::new(Semaphore::new(
            config.hashing_concurrency.max(1) + config.hash_queue,
        )),
    });
    let housekeeping = housekeeping(edge.clone());
    let backups = backups::Schedule::start(&config);
    let delivery = app.delivery.start(app.ctx.store.clone());
    let metrics_listener = match (&config.metrics_addr, config.metrics) {
        (Some(addr), true) => Some(metrics::serve(TcpListener::bind(addr).await?, metrics)),
        _ => None,
    };
    tokio::pin!(shutdown);
    while let Some((stream, remote, permit)) =
        next_connection(&listener, &slots, shutdown.as_mut()).await
    {
        let open = Open::counted(&edge.metrics.connections);
        let (stream, watch) = watchdog.watch(stream);
        let stop = watch.clone();
        let conn = Arc::new(Conn {
            edge: edge.clone(),
            pace: Pace::default(),
            watch,
            peer: remote,
        });
        let service = service_fn(move |req| {
            let conn = conn.clone();
            async move {
                conn.watch.busy();
                let resp = handle(&conn, req).await;
                conn.watch.waiting();
                Ok::<_, Infallible>(resp)
            }
        });
        let conn = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            tokio::pin!(conn);
            let mut stopping = false;
            // Once the server stops, the connection finishes its request and closes.
            let _ = std::future::poll_fn(|cx| {
                if !stopping && stop.draining() {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
                conn.as_mut().poll(cx)
            })
            .await;
            drop((open, permit));
        });
    }
    drop(listener);
    housekeeping.abort();
    if let Some(task) = metrics_listener {
        task.abort();
    }
    tracing::info!("shutting down: finishing in-flight requests");
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    watchdog.drain();
    // Every connection holds a slot until it has closed.
    let all_closed = slots.acquire_many(max_connections as u32);
    if tokio::time::timeout(grace, all_closed).await.is_err() {
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

/// The next connection once a slot of `slots` is free (`TCP_NODELAY` set), with the slot it
/// holds; `None` once `shutdown` resolves. A failed accept is logged and retried. Shared by
/// `serve` and the migration proxies.
pub async fn next_connection<F: Future<Output = ()>>(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    mut shutdown: std::pin::Pin<&mut F>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("semaphore never closed"),
            _ = shutdown.as_mut() => return None,
        };
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.as_mut() => return None,
        };
        match accepted {
            Ok((stream, remote)) => {
                let _ = stream.set_nodelay(true);
                return Some((stream, remote, permit));
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM: what `serve` and the migration proxies stop on.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Housekeeping every [`answers::WATCH_EVERY`]: asks the store whether another process has
/// committed (the command line against the live file), so that cached answers do not outlive
/// such a write, when the answer cache is on; and once the server has gone a whole tick
/// without a request after serving some, forgets its cached answers, empties SQLite's page
/// caches and returns freed memory to the system ([`memory::trim`]). On a shared database
/// (PostgreSQL) it checks the database is there instead, for `/healthz`.
fn housekeeping(edge: Arc<Edge>) -> tokio::task::JoinHandle<()> {
    let shared = edge.app.ctx.store.is_shared();
    let watch_outside = edge.answers.enabled() || shared;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(answers::WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut untrimmed = false;
        loop {
            tick.tick().await;
            let served = SERVED.swap(false, Ordering::Relaxed);
            let trim = !served && untrimmed;
            untrimmed = served || (untrimmed && !trim);
            if !watch_outside && !trim {
                continue;
            }
            let edge = edge.clone();
            let work = tokio::task::spawn_blocking(move || {
                let store = &edge.app.ctx.store;
                if trim {
                    edge.answers.forget();
                    store.release_memory();
                    memory::trim();
                }
                match (watch_outside, shared) {
                    (true, false) => store.notice_outside_writes(),
                    (true, true) => {
                        store.check();
                        Ok(())
                    }
                    (false, _) => Ok(()),
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
    write_lane: Option<WriteLane>,
    /// Requests, latency, connections, the store and the process, for `/metrics`.
    metrics: Arc<Metrics>,
    /// Whether `GET /metrics` is served on this listener (on by default; off when metrics are
    /// off or served on `metrics_addr`).
    metrics_here: bool,
}

/// A connection being served, counted in the open-connections gauge until dropped.
struct Open(prometheus_client::metrics::gauge::Gauge);

impl Open {
    fn counted(gauge: &prometheus_client::metrics::gauge::Gauge) -> Open {
        gauge.inc();
        Open(gauge.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Edge {
    /// The answer cache's reply to this very request, before it is decoded.
    fn answered_before(&self, parts: &http::request::Parts, body: &[u8]) -> Option<Reply> {
        let ctx = &self.app.ctx;
        let generation = ctx.store.generation();
        self.answers
            .early(parts, body, generation, || ctx.now_secs())
    }

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

/// Whether a request came since the housekeeping task last looked: it trims memory after a
/// tick without one. Set only when clear, so that requests on two cores do not pass its cache
/// line back and forth.
static SERVED: AtomicBool = AtomicBool::new(false);

/// One connection's state, shared by its requests alone.
///
/// Each request used to clone the server's `Arc<Edge>`, bump a global request counter and
/// lock the shared metric handles: read-modify-writes of cache lines that the two worker
/// threads passed back and forth on every request (`perf annotate` put a fifth of the request
/// handler's own samples on them). What a request touches now is its connection's, or is
/// read without being written.
struct Conn {
    /// The server's shared state.
    edge: Arc<Edge>,
    /// The pause after a refusal for a full password lane.
    pace: Pace,
    /// The header timeout's and the drain's view of the connection.
    watch: Arc<watchdog::Watch>,
    /// The client's socket address.
    peer: SocketAddr,
}

/// One request's whole way: routing, the answer with its `X-Request-Id`, its log line and
/// its metrics.
async fn handle(conn: &Conn, req: Request<Incoming>) -> Response<outgoing::Answer> {
    let (edge, pace, peer) = (&*conn.edge, &conn.pace, conn.peer);
    pace.wait().await;
    let started = Instant::now();
    if !SERVED.load(Ordering::Relaxed) {
        SERVED.store(true, Ordering::Relaxed);
    }
    let (parts, body) = req.into_parts();
    let id = request_log::request_id(&parts.headers);
    let trusted = &edge.app.ctx.config.trusted_proxies;
    let client = peer::client(trusted, peer.ip(), || {
        static FORWARDED_FOR: http::HeaderName = http::HeaderName::from_static("x-forwarded-for");
        let forwarded = parts.headers.get_all(&FORWARDED_FOR).iter();
        forwarded.filter_map(|v| v.to_str().ok())
    });
    let reply = routes::route(edge, &parts, Unread::new(body), client).await;
    if reply.detail.as_deref() == Some(LANE_FULL) {
        pace.hold();
    }
    let elapsed = started.elapsed();
    edge.metrics.answered(&reply, elapsed.as_secs_f64());
    request_log::write(&request_log::Line {
        id: &id,
        peer,
        client,
        parts: &parts,
        reply: &reply,
        micros: elapsed.as_micros() as u64,
    });
    outgoing::response(reply, parts.uri.path(), id)
}
