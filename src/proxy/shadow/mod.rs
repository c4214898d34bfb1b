//! `switchboard shadow --listen ADDR --primary URL --shadow URL [--out DIFFS.jsonl]
//! [--mirror-writes]`: every client is answered by the primary; the same request is mirrored
//! to the shadow in the background and the two answers compared per dialect
//! ([`compare`]), deliberate differences named by the rules file ([`rules`]).
//!
//! ```text
//! client ─▶ Forwarder ─▶ primary ─▶ client          (the answer never waits for the shadow)
//!               └─ try_send ─▶ [bounded queue] ─▶ mirror task ─▶ shadow (own timeouts)
//!                                                     └─ compare ─▶ Counters, DIFFS.jsonl
//! ```
//! The mirror never slows the primary: exchanges are offered to a bounded queue once the
//! primary's answer went out, and one that finds it full is dropped and counted. One task
//! mirrors them in arrival order (so a mirrored login precedes the reads that use its
//! token), with the shadow's own connect and answer timeouts. By default only reads — short
//! reads, and requests the decoders refuse — are mirrored; `--mirror-writes` mirrors every
//! request, for a test deployment of the shadow. The shadow's own tokens and ids are put in
//! place of the primary's in each mirrored request ([`mapping`]).
//!
//! A shadow that fails (refuses, times out) is left alone for a while ([`Backoff`]: 200 ms,
//! doubling to 10 s, reset by its next answer): what comes meanwhile is counted `failed`
//! without being sent. Trying a refused connection for every request cost the primary's
//! clients on 2 shared cores, with 16 connections back to back, 20 307 requests/s and +4.08 ms
//! p99 over going direct; backed off, 34 947 requests/s and +0.48 ms
//! (`BENCH_ONLY=proxy cargo run --release --example bench`; docs/migration.md "Overhead").

pub mod compare;
pub mod counters;
mod diffs;
mod mapping;
pub mod report;
pub mod rules;

pub use counters::Counters;
pub use rules::Rules;

use super::forward::{chain, client, forwarded_headers, UpstreamClient};
use super::{classify, codes, serve, Exchange, Forwarder, Observer, Settings, Upstream};
use crate::dialect::Wire;
use crate::registry::{Dialect, Registry};
use bytes::Bytes;
use compare::{compare, media, Answer};
use diffs::Diffs;
use http_body_util::{BodyExt, Full, Limited};
use mapping::Mapping;
use serde_json::{json, Value};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What `shadow` is told besides where to listen and the primary.
pub struct Options {
    /// The server mirrored to.
    pub shadow: Upstream,
    /// The mirror's own timeouts (and how much of an answer is compared).
    pub shadow_settings: Settings,
    /// The JSON-lines file of differences, if any.
    pub out: Option<PathBuf>,
    /// Mirror writes too (a test deployment of the shadow).
    pub mirror_writes: bool,
    /// The deliberate differences.
    pub rules: Rules,
    /// Exchanges waiting to be mirrored at most; more are dropped and counted.
    pub queue: usize,
    /// How often the summary line is logged (and written to the diff file).
    pub summary_every: Duration,
}

/// Offers exchanges to the mirror task without waiting.
struct Mirror {
    queue: Mutex<Option<mpsc::Sender<Exchange>>>,
    counters: Arc<Counters>,
}

impl Observer for Mirror {
    fn observe(&self, exchange: Exchange) {
        let queue = self.queue.lock().ok().and_then(|q| q.clone());
        let Some(queue) = queue else { return };
        if queue.try_send(exchange).is_err() {
            self.counters.add("all", "all", "dropped");
        }
    }
}

/// Answers from `primary` through `listener` and mirrors to the shadow until `shutdown`;
/// counts into `counters`.
pub async fn run(
    listener: TcpListener,
    primary: Upstream,
    settings: Settings,
    options: Options,
    counters: Arc<Counters>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let registry = Arc::new(crate::app::registry()?);
    let diffs = match &options.out {
        Some(path) => Some(Arc::new(Diffs::open(path)?)),
        None => None,
    };
    let (tx, rx) = mpsc::channel(options.queue.max(1));
    let mirror = Arc::new(Mirror {
        queue: Mutex::new(Some(tx)),
        counters: counters.clone(),
    });
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = Worker {
        stopping,
        client: client(&options.shadow_settings),
        registry: registry.clone(),
        counters: counters.clone(),
        diffs: diffs.clone(),
        mapping: Mapping::default(),
        backoff: Backoff::default(),
        options,
    };
    let grace = (worker.options.shadow_settings.timeout + Duration::from_secs(1))
        .min(Duration::from_secs(3));
    let every = worker.options.summary_every;
    let mirroring = tokio::spawn(worker.run(rx));
    let summaries = tokio::spawn(summarise(counters.clone(), diffs.clone(), every));
    let forwarder = Forwarder::new(primary, settings, registry, mirror.clone());
    serve(listener, Arc::new(forwarder), shutdown).await;
    if let Ok(mut q) = mirror.queue.lock() {
        q.take();
    }
    // The queue gets a short while to drain, never the shadow's full timeout; what is left
    // then is counted, not sent.
    let mut mirroring = mirroring;
    if tokio::time::timeout(grace, &mut mirroring).await.is_err() {
        let _ = stop.send(true);
        if tokio::time::timeout(Duration::from_secs(1), &mut mirroring)
            .await
            .is_err()
        {
            mirroring.abort();
            let _ = mirroring.await;
        }
        tracing::warn!("the mirror queue was not drained in time: the rest is counted as dropped");
    }
    summaries.abort();
    // Both tasks are gone (their handles on the diff file dropped) before it is closed.
    let _ = summaries.await;
    summary(&counters, diffs.as_deref());
    if let Some(d) = diffs.and_then(Arc::into_inner) {
        tokio::task::spawn_blocking(move || d.close())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Logs (and writes) the summary line every `every`.
async fn summarise(counters: Arc<Counters>, diffs: Option<Arc<Diffs>>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        summary(&counters, diffs.as_deref());
    }
}

fn summary(counters: &Counters, diffs: Option<&Diffs>) {
    tracing::info!(counts = %counters.summary(), "shadow summary");
    if let Some(d) = diffs {
        let rows: Vec<Value> = counters
            .rows()
            .into_iter()
            .map(|(d, c, v, n)| json!({"dialect": d, "command": c, "verdict": v, "count": n}))
            .collect();
        d.line(json!({"summary": rows, "at": now()}));
    }
}

fn now() -> String {
    use crate::ctx::Clock as _;
    crate::ctx::SystemClock
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The mirror task's state.
struct Worker {
    /// Becomes true at shutdown: the rest of the queue is counted as dropped.
    stopping: tokio::sync::watch::Receiver<bool>,
    client: UpstreamClient,
    registry: Arc<Registry>,
    counters: Arc<Counters>,
    diffs: Option<Arc<Diffs>>,
    mapping: Mapping,
    backoff: Backoff,
    options: Options,
}

/// How long a failing shadow is left alone.
#[derive(Debug, Default)]
struct Backoff {
    /// Not tried before this instant.
    until: Option<tokio::time::Instant>,
    /// The wait after the next failure.
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(200);
    const MOST: Duration = Duration::from_secs(10);

    /// Whether the shadow is being left alone now.
    fn waiting(&self) -> bool {
        self.until.is_some_and(|t| tokio::time::Instant::now() < t)
    }

    /// The shadow failed: leave it alone for the next wait, then twice as long.
    fn failed(&mut self, why: &str) {
        let wait = self.next.max(Self::FIRST);
        if self.until.is_none() {
            tracing::warn!(error = %why, "the shadow failed: mirroring paused, retried with backoff");
        }
        self.until = Some(tokio::time::Instant::now() + wait);
        self.next = (wait * 2).min(Self::MOST);
    }

    /// The shadow answered: mirror everything again.
    fn answered(&mut self) {
        if self.until.take().is_some() {
            tracing::info!("the shadow answers again: mirroring resumed");
        }
        self.next = Self::FIRST;
    }
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::Receiver<Exchange>) {
        while let Some(ex) = rx.recv().await {
            self.mirror(ex).await;
        }
    }

    /// Mirrors one exchange, compares, counts and writes its line.
    async fn mirror(&mut self, ex: Exchange) {
        let wire = Wire {
            method: &ex.method,
            path: ex.uri.path(),
            query: ex.uri.query(),
            headers: &ex.request_headers,
        };
        let decoded = classify::decode(&self.registry, &wire, &ex.request_body);
        let (dialect, command, read) =
            (decoded.dialect_name(), decoded.command(), decoded.is_read());
        let salted = decoded.dialect == Some(Dialect::Typed);
        let proof = decoded
            .request()
            .and_then(|r| codes::proof(&r.command, salted))
            .is_some();
        drop(decoded);
        if *self.stopping.borrow() {
            self.counters.add(dialect, command, "dropped");
            return;
        }
        if !read && !self.options.mirror_writes {
            self.counters.add(dialect, command, "skipped");
            return;
        }
        let line = |verdict: &str, extra: Value| {
            let mut v = json!({"id": ex.id, "at": now(), "dialect": dialect, "command": command,
                "verdict": verdict, "request": {"method": ex.method.as_str(), "path": ex.uri.path()}});
            if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
                m.extend(e);
            }
            v
        };
        if self.backoff.waiting() {
            self.counters.add(dialect, command, "failed");
            return;
        }
        let primary = answer_json(ex.status, &ex.response_headers, &ex.response_body);
        let mut stopping = self.stopping.clone();
        let sent = tokio::select! {
            sent = self.send(&ex) => sent,
            _ = stopping.wait_for(|s| *s) => Err("the proxy stopped first".to_string()),
        };
        let (status, headers, body) = match sent {
            Ok(answer) => {
                self.backoff.answered();
                answer
            }
            Err(why) => {
                self.backoff.failed(&why);
                self.counters.add(dialect, command, "failed");
                tracing::debug!(id = ex.id, error = %why, "mirror failed");
                let extra = json!({"error": why, "primary": primary});
                self.write(line("failed", extra));
                return;
            }
        };
        let ct = |h: &http::HeaderMap| {
            media(
                h.get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok()),
            )
        };
        let p = Answer {
            status: ex.status,
            media: ct(&ex.response_headers),
            body: &ex.response_body,
        };
        let s = Answer {
            status,
            media: ct(&headers),
            body: &body,
        };
        if let (Ok(pj), Ok(sj)) = (
            serde_json::from_slice::<Value>(&ex.response_body),
            serde_json::from_slice::<Value>(&body),
        ) {
            self.mapping.learn(None, &pj, &sj);
        }
        let Some(diff) = compare(&p, &s) else {
            self.counters.add(dialect, command, "match");
            return;
        };
        let seen = rules::Seen {
            dialect,
            command,
            proof,
            shadow_body: &body,
        };
        let rule = self.options.rules.explain(&diff, &seen).map(str::to_string);
        let verdict = if rule.is_some() { "expected" } else { "differ" };
        self.counters.add(dialect, command, verdict);
        let extra = json!({"rule": rule, "path": diff.path, "at_primary": diff.primary,
            "at_shadow": diff.shadow, "primary": primary, "shadow": answer_json(status, &headers, &body)});
        self.write(line(verdict, extra));
    }

    fn write(&self, line: Value) {
        if let Some(d) = &self.diffs {
            d.line(line);
        }
    }

    /// Sends the mirrored request (the shadow's names in place of the primary's) and reads
    /// the answer within the shadow's timeout.
    async fn send(&self, ex: &Exchange) -> Result<(u16, http::HeaderMap, Bytes), String> {
        let target = ex.uri.path_and_query().map_or("/", |p| p.as_str());
        let uri: http::Uri = self
            .mapping
            .target(target)
            .parse()
            .map_err(|e| format!("{e}"))?;
        let mut headers = forwarded_headers(&ex.request_headers, ex.client);
        for value in headers.values_mut() {
            if let Ok(text) = value.to_str() {
                if let Ok(v) = http::HeaderValue::from_str(&self.mapping.text(text)) {
                    *value = v;
                }
            }
        }
        let body = match std::str::from_utf8(&ex.request_body) {
            Ok(text) => Bytes::from(self.mapping.text(text)),
            Err(_) => ex.request_body.clone(),
        };
        headers.remove(http::header::CONTENT_LENGTH);
        let mut req = http::Request::new(Full::new(body).map_err(|e| match e {}).boxed_unsync());
        *req.method_mut() = ex.method.clone();
        *req.uri_mut() = self.options.shadow.uri(&uri)?;
        *req.headers_mut() = headers;
        let settings = &self.options.shadow_settings;
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|e| chain(&e))?;
            let (parts, body) = resp.into_parts();
            let body = Limited::new(body, settings.keep).collect().await;
            let body = body
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok((parts.status.as_u16(), parts.headers, body))
        };
        tokio::time::timeout(settings.timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {} ms", settings.timeout.as_millis()))?
    }
}

/// An answer for the diff file: status, content type, and the body as JSON or text.
fn answer_json(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Value {
    let ct = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = serde_json::from_slice::<Value>(body).unwrap_or_else(|_| compare::text(body));
    json!({"status": status, "content_type": ct, "body": body})
}
