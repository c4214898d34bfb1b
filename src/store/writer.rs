//! Group commit: one writer connection shared by every write, so that many commands share one
//! durable COMMIT (one flush of the WAL, by the [syncer](super::syncer)) without losing their
//! atomicity.
//!
//! ```text
//! writer A: lock ─ SAVEPOINT ─ f ─ RELEASE ─ (B queued? wait) ·········· ─ ack
//! writer B:        (queued) ───── lock ─ SAVEPOINT ─ f ─ RELEASE ─ COMMIT ─ ack
//! ```
//! Each command runs inside its own SAVEPOINT: a failing command rolls back to it and leaves
//! nothing behind, while the others in the batch go on. The writer that finds nobody queued
//! behind it commits the batch and wakes the ones waiting; nobody is answered before the COMMIT
//! that holds their change has returned and is on disk, so an acknowledged write survives
//! `kill -9` and power loss.

use super::deferred;
use super::syncer::{AfterDurable, Durability, Syncer};
use crate::error::{Error, StoreError};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use rusqlite::Connection;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// Most commands that share one COMMIT.
const MAX_BATCH: usize = 64;

/// The batching writer.
pub struct Writer {
    /// The writer connection and the batch state; held while a command runs.
    state: Mutex<Batch>,
    /// Signalled after every COMMIT.
    committed: Condvar,
    /// Writers that have arrived and not yet run their command.
    queued: AtomicUsize,
    /// Counts the COMMITs that may have changed the database (see [`Writer::generation`]).
    generation: AtomicU64,
    /// Batch sizes and COMMIT latency, for `/metrics`.
    metrics: WriteMetrics,
    /// Which batches are on disk.
    durability: Arc<Durability>,
    /// Flushes the WAL after each COMMIT, off this path ([`super::syncer`]); `None` when the
    /// database is not in WAL mode (then each COMMIT syncs with `synchronous = FULL`).
    syncer: Option<Syncer>,
}

/// What the writer measures of its batches, as Prometheus histograms (clones share them).
#[derive(Clone, Debug)]
pub struct WriteMetrics {
    /// Commands per COMMIT.
    pub batch_size: Histogram,
    /// How long each COMMIT took (its fsync included), in seconds.
    pub commit_seconds: Histogram,
}

impl WriteMetrics {
    fn new() -> WriteMetrics {
        WriteMetrics {
            batch_size: Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
            commit_seconds: Histogram::new(exponential_buckets(0.000_1, 2.5, 10)),
        }
    }
}

/// The open batch.
struct Batch {
    /// The one connection that writes.
    conn: Connection,
    /// Whether a transaction is open.
    open: bool,
    /// Number of the current batch (incremented at each BEGIN).
    epoch: u64,
    /// Commands in the open batch.
    size: usize,
    /// Highest batch number whose COMMIT has finished (successfully or not).
    done: u64,
    /// Recent batch numbers whose COMMIT failed.
    failed: Vec<u64>,
}

impl Writer {
    /// A writer over `conn` (already configured with pragmas). In WAL mode its COMMITs stop
    /// waiting for the disk (`synchronous = NORMAL`) and a syncer thread flushes the WAL
    /// before anyone is answered.
    pub fn new(conn: Connection) -> Writer {
        let durability = Arc::new(Durability::default());
        let syncer = wal_path(&conn).and_then(|wal| {
            conn.execute_batch("PRAGMA synchronous = NORMAL").ok()?;
            match Syncer::start(wal, durability.clone()) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "no syncer thread: every COMMIT syncs itself");
                    let _ = conn.execute_batch("PRAGMA synchronous = FULL");
                    None
                }
            }
        });
        Writer {
            durability,
            syncer,
            state: Mutex::new(Batch {
                conn,
                open: false,
                epoch: 0,
                size: 0,
                done: 0,
                failed: Vec::new(),
            }),
            committed: Condvar::new(),
            queued: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            metrics: WriteMetrics::new(),
        }
    }

    /// Runs `f` atomically and returns once its effect is durably committed (or rolled back
    /// when `f` fails).
    pub fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        if deferred::active() {
            return self.write_deferred(f);
        }
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut b = self.lock();
        let ran = self.run(&mut b, f);
        let last = self.queued.fetch_sub(1, Ordering::SeqCst) == 1;
        let (result, epoch) = match ran {
            Ok(r) => r,
            Err(panic) => {
                // Nothing of the panicking command stays; let the batch end normally.
                if last && b.open {
                    self.commit(&mut b);
                }
                drop(b);
                resume_unwind(panic);
            }
        };
        if b.open && (last || b.size >= MAX_BATCH) {
            self.commit(&mut b);
        }
        // A failed command was rolled back to its savepoint: nothing to wait for.
        let value = result?;
        while b.done < epoch {
            b = self.committed.wait(b).unwrap_or_else(|p| p.into_inner());
        }
        if b.failed.contains(&epoch) {
            return Err(Error::Store(StoreError::Other("commit failed".into())));
        }
        drop(b);
        self.durable(epoch)?;
        Ok(value)
    }

    /// Waits until batch `epoch` (committed) is on disk.
    fn durable(&self, epoch: u64) -> Result<(), Error> {
        match &self.syncer {
            None => Ok(()),
            Some(_) => self.durability.wait(epoch).map_err(flush_failed),
        }
    }

    /// Runs `then` once batch `epoch`, already committed, is on disk (at once without a
    /// syncer): how the write lane answers without waiting for the disk itself.
    pub fn when_durable(&self, epoch: u64, then: AfterDurable) {
        match &self.syncer {
            None => then(Ok(())),
            Some(s) => s.after(epoch, then),
        }
    }

    /// Runs `f` inside a savepoint of the open batch and returns without committing (the
    /// write lane's way, see [`deferred`]): the batch ends when the lane commits it, when a
    /// writer from another thread finds nobody queued behind it, or at [`MAX_BATCH`].
    fn write_deferred<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        // Counted while it runs, so that a writer ahead of it in the batch leaves the COMMIT
        // to whoever comes last.
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut b = self.lock();
        let ran = self.run(&mut b, f);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        match ran {
            Ok((result, epoch)) => {
                deferred::joined(epoch);
                if b.open && b.size >= MAX_BATCH {
                    self.commit(&mut b);
                }
                result
            }
            Err(panic) => {
                // Rolled back to its savepoint; the batch stays open for the lane to commit.
                drop(b);
                resume_unwind(panic);
            }
        }
    }

    /// Runs `f` on the writer's connection: it sees the open batch, commands not yet committed
    /// included. The write lane's reads.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        let b = self.lock();
        f(&b.conn)
    }

    /// Commits the open batch, if any, and wakes its waiters.
    pub fn commit_open(&self) {
        let mut b = self.lock();
        if b.open {
            self.commit(&mut b);
        }
    }

    /// Whether batch `epoch` committed: `Ok` once its COMMIT succeeded, an error if it failed.
    /// Waits while it is still open (not for the disk).
    fn settled(&self, epoch: u64) -> Result<(), Error> {
        let mut b = self.lock();
        while b.done < epoch {
            b = self.committed.wait(b).unwrap_or_else(|p| p.into_inner());
        }
        if b.failed.contains(&epoch) {
            return Err(Error::Store(StoreError::Other("commit failed".into())));
        }
        Ok(())
    }

    /// Whether batch `epoch` committed, once it has ended; `Err` if its COMMIT failed. Does
    /// not wait for the disk (see [`Writer::when_durable`]).
    pub fn committed(&self, epoch: u64) -> Result<(), Error> {
        self.settled(epoch)
    }

    fn lock(&self) -> MutexGuard<'_, Batch> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` inside a savepoint of the open batch (opening one if needed).
    #[allow(clippy::type_complexity)]
    fn run<T>(
        &self,
        b: &mut Batch,
        f: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<(Result<T, Error>, u64), Box<dyn std::any::Any + Send>> {
        if !b.open {
            if let Err(e) = b.conn.execute_batch("BEGIN IMMEDIATE") {
                return Ok((Err(e.into()), b.epoch));
            }
            b.open = true;
            b.epoch += 1;
            b.size = 0;
        }
        b.size += 1;
        if let Err(e) = b
            .conn
            .prepare_cached("SAVEPOINT cmd")
            .and_then(|mut s| s.execute([]))
        {
            return Ok((Err(e.into()), b.epoch));
        }
        let out = catch_unwind(AssertUnwindSafe(|| f(&b.conn)));
        let undo = !matches!(out, Ok(Ok(_)));
        let ended = if undo {
            b.conn.execute_batch("ROLLBACK TO cmd; RELEASE cmd")
        } else {
            // Cached: a batch of short writes runs it once per command.
            b.conn
                .prepare_cached("RELEASE cmd")
                .and_then(|mut s| s.execute([]))
                .map(|_| ())
        };
        match (out, ended) {
            (Err(panic), _) => Err(panic),
            (Ok(r), Ok(())) => Ok((r, b.epoch)),
            (Ok(_), Err(e)) => Ok((Err(e.into()), b.epoch)),
        }
    }

    /// Commits the open batch and wakes its waiters.
    fn commit(&self, b: &mut Batch) {
        let started = Instant::now();
        // Odd while the COMMIT runs: a read that starts now may or may not see it, so what it
        // answers is not kept (see [`Writer::generation`]).
        self.generation.fetch_add(1, Ordering::AcqRel);
        let committed = b.conn.execute_batch("COMMIT");
        self.metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.batch_size.observe(b.size as f64);
        if let Err(e) = committed {
            tracing::error!(error = %e, batch = b.epoch, "group commit failed");
            let _ = b.conn.execute_batch("ROLLBACK");
            b.failed.push(b.epoch);
            if b.failed.len() > 64 {
                b.failed.remove(0);
            }
        }
        b.open = false;
        b.done = b.epoch;
        if let Some(syncer) = &self.syncer {
            syncer.committed(b.epoch);
        }
        // After the COMMIT, before anyone in the batch is answered: a read that starts after
        // an acknowledgement sees the new (even again) generation.
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.committed.notify_all();
    }

    /// Twice the number of COMMITs so far (and of changes noticed from other processes), plus
    /// one while a COMMIT runs: an answer computed from reads that began at an even `g` is
    /// current while it still reads `g`. At an odd `g` two reads may differ (one saw the
    /// COMMIT, one did not): keeping either could show a client a contact and then lose it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Moves the generation on: the database may have changed.
    pub fn changed(&self) {
        self.generation.fetch_add(2, Ordering::AcqRel);
    }

    /// The writer's histograms.
    pub fn metrics(&self) -> WriteMetrics {
        self.metrics.clone()
    }

    /// Checkpoints the WAL into the main file.
    pub fn checkpoint(&self) {
        let b = self.lock();
        if !b.open {
            let _ = b.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
        }
    }
}

/// The WAL file of `conn`'s database, when it is in WAL mode.
fn wal_path(conn: &Connection) -> Option<PathBuf> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .ok()?;
    let db = conn.path().filter(|p| !p.is_empty())?;
    (mode.eq_ignore_ascii_case("wal")).then(|| PathBuf::from(format!("{db}-wal")))
}

fn flush_failed(why: String) -> Error {
    Error::Store(StoreError::Other(format!(
        "the commit could not be flushed: {why}"
    )))
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
