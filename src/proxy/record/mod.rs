//! `switchboard record --listen ADDR --upstream URL --out DIR [--redact]`: a reverse proxy in
//! front of a running legacy server that writes the traffic it forwards as fixtures
//! `switchboard replay` runs (docs/migration.md).
//!
//! ```text
//! client ─▶ Forwarder ─▶ legacy server
//!               └─ try_send(Exchange) ─▶ [bounded queue] ─▶ writer thread: Book ─▶ DIR/*.json
//! ```
//! Forwarding never waits for the disk: each completed exchange is offered to a bounded
//! queue, and one that finds it full is dropped and counted (a warning at the first drop
//! and at each doubling). The writer thread decodes each exchange with the server's own
//! decoders, adds it to its session ([`book`]) and rewrites the changed sessions' files once
//! a second (a session of over 500 steps every 30 s) and at exit; a session idle for ten
//! minutes is retired from memory once written, so a day's recording holds only the sessions
//! still active.

mod answer;
mod book;

mod redact;
mod request;

pub use book::Book;

use super::{serve, Exchange, Forwarder, Observer, Settings, Upstream};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// How often changed sessions are written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// A written session without a new exchange for this long is finished and leaves memory
/// ([`Book::retire_idle`]): longer than the originals' clients stay quiet between two
/// requests of one session (their tokens live for hours, but a session that is idle for ten
/// minutes is a user who put the phone away).
const RETIRE_AFTER: Duration = Duration::from_secs(600);

/// What `record` is told besides where to listen and forward.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory the fixtures are written to (made when missing).
    pub out: PathBuf,
    /// Replace passwords and secrets with generated ones.
    pub redact: bool,
    /// Exchanges waiting for the writer at most; more are dropped.
    pub queue: usize,
}

/// What a recording did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Exchanges the writer took in.
    pub exchanges: u64,
    /// Exchanges dropped because the queue was full.
    pub dropped: u64,
    /// Exchanges left out because no replay can answer them (image captchas).
    pub unreplayable: u64,
    /// Fixture files written.
    pub files: usize,
    /// Sessions written as `*.json.incomplete` (they use a token issued before recording).
    pub incomplete: usize,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} exchanges recorded into {} fixture files ({} more sessions incomplete), \
             {} dropped (queue full), {} left out (image captchas)",
            self.exchanges, self.files, self.incomplete, self.dropped, self.unreplayable
        )
    }
}

/// Offers exchanges to the writer without waiting.
struct Recorder {
    /// The queue; `None` once closed.
    queue: Mutex<Option<SyncSender<Exchange>>>,
    /// Exchanges dropped because the queue was full.
    dropped: AtomicU64,
}

impl Observer for Recorder {
    fn observe(&self, exchange: Exchange) {
        let queue = self.queue.lock().ok().and_then(|q| q.clone());
        let Some(queue) = queue else { return };
        if let Err(TrySendError::Full(_)) = queue.try_send(exchange) {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                tracing::warn!(
                    dropped = n,
                    "recording queue full: exchanges dropped, not recorded"
                );
            }
        }
    }
}

/// Records what goes through `listener` to `upstream` until `shutdown`, then writes the
/// last changes and reports.
pub async fn run(
    listener: TcpListener,
    upstream: Upstream,
    settings: Settings,
    options: Options,
    shutdown: impl Future<Output = ()>,
) -> Result<Report, String> {
    let out = options.out.clone();
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot make {}: {e}", out.display()))?;
    let registry = Arc::new(crate::app::registry()?);
    let (tx, rx) = std::sync::mpsc::sync_channel(options.queue.max(1));
    let book = Book::new(out, registry.clone(), options.redact);
    let writer = std::thread::Builder::new()
        .name("switchboard-recorder".into())
        .spawn(move || write(rx, book))
        .map_err(|e| format!("cannot start the recorder thread: {e}"))?;
    let recorder = Arc::new(Recorder {
        queue: Mutex::new(Some(tx)),
        dropped: AtomicU64::new(0),
    });
    let forwarder = Forwarder::new(upstream, settings, registry, recorder.clone());
    serve(listener, Arc::new(forwarder), shutdown).await;
    if let Ok(mut q) = recorder.queue.lock() {
        q.take();
    }
    let mut report = tokio::task::spawn_blocking(move || writer.join())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|_| "the recorder thread panicked".to_string())?;
    report.dropped = recorder.dropped.load(Ordering::Relaxed);
    Ok(report)
}

/// The writer thread: adds each exchange, writes changes once a second and at the end.
fn write(rx: Receiver<Exchange>, mut book: Book) -> Report {
    let mut flushed = Instant::now();
    loop {
        match rx.recv_timeout(FLUSH_EVERY) {
            Ok(exchange) => book.add(exchange),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if flushed.elapsed() >= FLUSH_EVERY {
            book.flush(false);
            book.retire_idle(RETIRE_AFTER);
            flushed = Instant::now();
        }
    }
    book.flush(true);
    book.report()
}
