//! `/metrics`: Prometheus text exposition (format 0.0.4) through `prometheus-client`, the
//! official Rust client of the Prometheus project (chosen over `metrics` + an exporter: one
//! crate, no global recorder, so each server — and each test server — owns its registry).
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `switchboard_requests_total` | counter | dialect, command, status, outcome (`ok`, `refused`) |
//! | `switchboard_request_duration_seconds` | histogram | dialect, command |
//! | `switchboard_open_connections` | gauge | |
//! | `switchboard_store_write_batch_size` | histogram | commands per COMMIT |
//! | `switchboard_store_commit_duration_seconds` | histogram | each COMMIT, fsync included |
//! | `switchboard_outbox_messages` | gauge | state (`kept`, `queued`, `delivered`, `failed`) |
//! | `process_*` | | resident and virtual memory, open and max fds, CPU seconds, start time |
//!
//! A request that reached no dialect (`/healthz`, an unknown path) is counted with dialect and
//! command `none`. The outbox and process figures are read when scraped (a few index-range
//! counts and `/proc/self`), so a scrape runs on a blocking thread.

use super::sharded::{Counter, Histogram};
use crate::dialect::Reply;
use crate::store::{outbox, Store};
use http_body_util::Full;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::registry::Registry;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The `Content-Type` of a scrape's answer.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    dialect: &'static str,
    command: &'static str,
    status: u16,
    outcome: &'static str,
}

/// Labels of the latency histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Ran {
    dialect: &'static str,
    command: &'static str,
}

/// A request's labels by address: dialect and command (names the registry and the dialects
/// hold for the life of the process), status, refused.
type Seen = (usize, usize, u16, bool);

/// A latency histogram: 50 µs to ~6.5 s.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

/// One server's metrics.
pub struct Metrics {
    /// Everything a scrape encodes.
    registry: Registry,
    /// Requests answered.
    requests: Family<Answered, Counter>,
    /// Their latency.
    latency: Family<Ran, Histogram, fn() -> Histogram>,
    /// Connections being served.
    pub connections: Gauge,
    /// Tells these metrics' handles apart from another server's in [`HANDLES`].
    id: u64,
}

thread_local! {
    /// The counter and histogram of every label set this thread has seen, by server (shared
    /// with the families): each request finds both with one FxHash lookup of four words
    /// instead of two SipHash lookups of its label strings (~650 instructions per request
    /// under callgrind, unknown op under `wrk`), and without taking a lock that the other
    /// worker thread takes too (its cache line moved between cores on every request).
    static HANDLES: RefCell<FxHashMap<(u64, Seen), (Counter, Histogram)>> =
        RefCell::new(FxHashMap::default());
}

impl Metrics {
    /// A registry over `store`'s writer and outbox and this process.
    pub fn new(store: &Store) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<Answered, Counter>::default();
        let latency = Family::<Ran, Histogram, fn() -> Histogram>::new_with_constructor(latency);
        let connections = Gauge::default();
        registry.register(
            "switchboard_requests",
            "Requests answered, by dialect, command, HTTP status and outcome",
            requests.clone(),
        );
        registry.register(
            "switchboard_request_duration_seconds",
            "Time from a request's head to its answer, by dialect and command",
            latency.clone(),
        );
        registry.register(
            "switchboard_open_connections",
            "Connections being served",
            connections.clone(),
        );
        // SQLite's group commit only: on PostgreSQL each command commits by itself.
        if let Some(writes) = store.write_metrics() {
            registry.register(
                "switchboard_store_write_batch_size",
                "Commands committed together by one COMMIT",
                writes.batch_size,
            );
            registry.register(
                "switchboard_store_commit_duration_seconds",
                "Duration of each COMMIT, its fsync included",
                writes.commit_seconds,
            );
        }
        registry.register_collector(Box::new(Outbox(store.clone())));
        registry.register_collector(Box::new(Process));
        Metrics {
            registry,
            requests,
            latency,
            connections,
            id: {
                static NEXT: AtomicU64 = AtomicU64::new(0);
                NEXT.fetch_add(1, Ordering::Relaxed)
            },
        }
    }

    /// Counts one answered request and its latency.
    pub fn answered(&self, reply: &Reply, seconds: f64) {
        let (dialect, command) = (
            reply.dialect.unwrap_or("none"),
            reply.command.unwrap_or("none"),
        );
        let refused = reply.detail.is_some();
        let seen = (
            dialect.as_ptr() as usize,
            command.as_ptr() as usize,
            reply.status,
            refused,
        );
        let key = (self.id, seen);
        let known = HANDLES.with(|handles| match handles.borrow().get(&key) {
            Some((count, latency)) => {
                count.inc();
                latency.observe(seconds);
                true
            }
            None => false,
        });
        if known {
            return;
        }
        let answered = Answered {
            dialect,
            command,
            status: reply.status,
            outcome: if refused { "refused" } else { "ok" },
        };
        let count = self.requests.get_or_create(&answered).clone();
        let latency = self
            .latency
            .get_or_create(&Ran { dialect, command })
            .clone();
        count.inc();
        latency.observe(seconds);
        HANDLES.with(|handles| handles.borrow_mut().insert(key, (count, latency)));
    }
}

/// What a `/metrics` answer shows.
pub trait Exposition: Send + Sync + 'static {
    /// Every metric in the Prometheus text format. May read the store: call it on a blocking
    /// thread.
    fn encode(&self) -> String;
}

impl Exposition for Metrics {
    fn encode(&self) -> String {
        text(&self.registry)
    }
}

/// A registry of some collectors and this process's figures: the `/metrics` of a process
/// that is not the server (the shadow proxy's comparison counts).
pub struct Collected(Registry);

impl Collected {
    /// `collectors`, then the `process_*` figures.
    pub fn new(collectors: Vec<Box<dyn Collector>>) -> Collected {
        let mut registry = Registry::default();
        for c in collectors {
            registry.register_collector(c);
        }
        registry.register_collector(Box::new(Process));
        Collected(registry)
    }
}

impl Exposition for Collected {
    fn encode(&self) -> String {
        text(&self.0)
    }
}

/// `registry` in the Prometheus text format.
fn text(registry: &Registry) -> String {
    let mut out = String::with_capacity(16 * 1024);
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut out, registry) {
        tracing::warn!(error = %e, "metrics could not be encoded");
    }
    out
}

/// Outbox rows by state, counted when scraped.
struct Outbox(Store);

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbox")
    }
}

impl Collector for Outbox {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counts = match self.0.read(outbox::counts) {
            Ok(counts) => counts,
            Err(e) => {
                tracing::warn!(error = %e, "metrics: the outbox could not be counted");
                return Ok(());
            }
        };
        let mut family = encoder.encode_descriptor(
            "switchboard_outbox_messages",
            "Verification codes and fall alerts in the outbox, by delivery state",
            None,
            prometheus_client::metrics::MetricType::Gauge,
        )?;
        for (state, n) in counts {
            let labels = [("state", state.as_str())];
            let gauge = ConstGauge::new(n);
            gauge.encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// This process, read from `/proc/self` when scraped.
#[derive(Debug)]
struct Process;

impl Collector for Process {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let p = super::process::read();
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                p.resident_bytes,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes",
                p.virtual_bytes,
            ),
            ("process_open_fds", "Open file descriptors", p.open_fds),
            ("process_max_fds", "Most open file descriptors", p.max_fds),
            (
                "process_start_time_seconds",
                "Start time of the process since the Unix epoch in seconds",
                p.start_time_seconds,
            ),
        ];
        for (name, help, value) in gauges {
            let Some(value) = value else { continue };
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        if let Some(cpu) = p.cpu_seconds {
            let counter = ConstCounter::new(cpu);
            let name = "process_cpu_seconds";
            let help = "Total user and system CPU time spent in seconds";
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

/// Answers a scrape, encoding on a blocking thread (it reads the store).
pub async fn scrape<E: Exposition>(metrics: Arc<E>) -> Reply {
    match tokio::task::spawn_blocking(move || metrics.encode()).await {
        Ok(text) => Reply::new(200, Some(CONTENT_TYPE), text),
        Err(_) => Reply::new(500, Some(CONTENT_TYPE), "").because("the scrape failed"),
    }
}

/// Serves `GET /metrics` (404 for anything else) on a listener of its own (`metrics_addr`).
pub fn serve<E: Exposition>(listener: TcpListener, metrics: Arc<E>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let metrics = metrics.clone();
            let service = hyper::service::service_fn(move |req: http::Request<_>| {
                let metrics = metrics.clone();
                async move {
                    let found = req.method() == http::Method::GET && req.uri().path() == "/metrics";
                    let reply = match found {
                        true => scrape(metrics).await,
                        false => Reply::json(404, &serde_json::json!({"error": "not found"})),
                    };
                    let mut resp = http::Response::new(Full::new(reply.body));
                    *resp.status_mut() =
                        http::StatusCode::from_u16(reply.status).unwrap_or_default();
                    if let Some(ct) = reply.content_type {
                        let ct = http::HeaderValue::from_static(ct);
                        resp.headers_mut().insert(http::header::CONTENT_TYPE, ct);
                    }
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
                let _ = conn.await;
            });
        }
    })
}
