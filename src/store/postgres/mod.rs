//! The PostgreSQL engine, for several Switchboard nodes on one database
//! (docs/deployment.md): a pool of connections (r2d2) used from the blocking threads, as the
//! SQLite engine's pool is, running the same SQL ([`super::sql`]).
//!
//! Why the synchronous `postgres` client and not `tokio-postgres` on the server's runtime:
//! every handler already runs on a blocking thread with its store calls in one closure, so a
//! blocking client slots in behind the same [`super::Store`] calls with no handler changed.
//! The pool's manager is ours rather than `r2d2_postgres`'s so that each connection keeps its
//! prepared statements ([`conn::PgConn`]): without them every statement costs a second
//! round trip to prepare it.
//!
//! Transactions, and why at these levels:
//! - a write runs in one `SERIALIZABLE` transaction: commands read, decide, then write (is the
//!   phone free? was a code sent this minute? how many tokens does the account hold?), and on
//!   one file the single writer made that safe; across nodes only serializable isolation
//!   keeps it so without a lock per rule. PostgreSQL aborts one of two transactions that
//!   would not have been serial; the store runs it again from the start, up to
//!   `write_attempts` times, after a short random pause. A command therefore sees either all
//!   of another node's command or none of it.
//! - a snapshot (an answer read by several statements: contacts by uid or by search, a page
//!   of rooms with its total, notices with the caller's devices) runs in one `REPEATABLE READ
//!   READ ONLY` transaction: one state for all its statements.
//! - a plain read runs its statements each in its own transaction (autocommit, `READ
//!   COMMITTED`): each sees everything committed before it began, on any node. Plain reads
//!   are those of one statement (a token, an account, a whole book: `contacts::BOOK` is one
//!   statement), and the cheap checks made before a password hash, which the write that
//!   follows makes again in its own transaction.
//!
//! Nothing is cached in a node: no answer cache (the server turns it off with this engine), no
//! generation (it stays 0), no write lane (every write commits itself; PostgreSQL groups
//! concurrent commits on its own). A COMMIT returns once PostgreSQL has flushed it
//! (`synchronous_commit` as the server has it, `on` by default), so an acknowledged write
//! survives the node's `kill -9`.

mod conn;
mod migrate;
mod pool;

pub(crate) use migrate::store as store_error;

#[cfg(test)]
pub(crate) use conn::numbered;
pub use conn::PgConn;
pub(crate) use conn::{column, violated};
pub(crate) use pool::connection;
pub use pool::PgSettings;

use super::sql::{params, Tx};
use super::waiting;
use crate::error::{Error, StoreError};
use pool::{engine, Manager};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The current transaction's id, if it has one (it wrote something).
const XID: &str = "SELECT txid_current_if_assigned()";

/// What became of a transaction whose COMMIT's answer was lost.
enum Fate {
    Committed,
    Aborted,
}

/// The longest a request waits for a connection while the database is known to be away.
const WHILE_DOWN: Duration = Duration::from_millis(50);

/// The PostgreSQL engine's handle (cheap to clone).
#[derive(Clone)]
pub struct PgStore {
    pool: r2d2::Pool<Manager>,
    write_attempts: u32,
    /// Whether the last use of the database worked (for `/healthz`).
    up: Arc<AtomicBool>,
}

impl PgStore {
    /// Connects, brings the schema to the binary's version (one node at a time, under an
    /// advisory lock), and opens the pool.
    pub fn open(settings: &PgSettings) -> Result<PgStore, StoreError> {
        let manager = Manager::new(settings)?;
        let mut first = r2d2::ManageConnection::connect(&manager).map_err(engine)?;
        migrate::migrate(&mut first)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(settings.pool_wait)
            .test_on_check_out(false)
            .build_unchecked(manager);
        Ok(PgStore {
            pool,
            write_attempts: settings.write_attempts.max(1),
            up: Arc::new(AtomicBool::new(true)),
        })
    }

    /// A pooled connection (none under [`super::without_waiting`]: every statement here is a
    /// network round trip, never run on an async worker). While the database is known to be
    /// away, a request waits at most [`WHILE_DOWN`] for one instead of `pool_wait`: it gets its
    /// failure answer at once, and the server's check brings the pool back.
    fn connection(&self) -> Result<r2d2::PooledConnection<Manager>, Error> {
        if waiting::refused() {
            return Err(Error::Store(StoreError::WouldBlock));
        }
        let got = match self.is_up() {
            true => self.pool.get(),
            false => self.pool.get_timeout(WHILE_DOWN),
        };
        got.map_err(|e| self.noted(Error::Store(StoreError::Pool(Box::new(e)))))
    }

    /// Notes whether `e` says the database is unreachable — no connection could be had — and
    /// hands it back. A connection the database ended is not that (a restart or
    /// `pg_terminate_backend` ends every one while the database is there): marking the store
    /// down for it made every request wait only [`WHILE_DOWN`] for a connection, and under
    /// load some of them failed though the database was up.
    fn noted(&self, e: Error) -> Error {
        if matches!(e, Error::Store(StoreError::Pool(_))) {
            self.up.store(false, Ordering::Relaxed);
        }
        e
    }

    /// Whether the database answered the last time it was used (or checked).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Asks the database whether it is there, and remembers the answer for [`PgStore::is_up`].
    /// An idle pooled connection the database ended (a restart, `pg_terminate_backend`) is
    /// not the database being away: it is dropped and the next one asked, as a read does.
    /// (Asking only the first once marked a working database down under such a restart, and
    /// for that moment every request waited just [`WHILE_DOWN`] for a connection.)
    pub fn check(&self) -> bool {
        let mut up = false;
        for _ in 0..self.write_attempts {
            let Ok(mut conn) = self.pool.get() else {
                break;
            };
            match conn.client().simple_query("").map_err(conn::engine) {
                Ok(_) => up = true,
                Err(e) if conn::is_closed(&e) => continue,
                Err(_) => {}
            }
            break;
        }
        self.up.store(up, Ordering::Relaxed);
        up
    }

    /// Runs `f`, its statements each in their own transaction. A read that found its pooled
    /// connection dead (the database restarted: every idle connection in the pool may be)
    /// runs again on another, up to `write_attempts` times in all.
    pub fn read<T>(&self, f: impl Fn(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        erased(f, |f| self.read_dyn(f))
    }

    fn read_dyn(&self, f: &mut dyn FnMut(&Tx<'_>) -> Result<(), Error>) -> Result<(), Error> {
        let mut attempt = 1;
        loop {
            let mut conn = self.connection()?;
            match f(&Tx::postgres(&mut conn)) {
                Err(e) if conn::is_closed(&e) && attempt < self.write_attempts => attempt += 1,
                other => return self.seen(other),
            }
        }
    }

    /// Runs `f` in one `REPEATABLE READ READ ONLY` transaction (begun again on another
    /// connection while the pooled ones prove dead).
    pub fn snapshot<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        let mut f = Some(f);
        let once = |tx: &Tx<'_>| f.take().expect("a snapshot runs its closure once")(tx);
        erased(once, |f| self.snapshot_dyn(f))
    }

    /// Runs `f` once (see [`PgStore::snapshot`]).
    fn snapshot_dyn(&self, f: &mut dyn FnMut(&Tx<'_>) -> Result<(), Error>) -> Result<(), Error> {
        let mut conn = self.begun("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let tx = Tx::postgres(&mut conn);
        let out = f(&tx);
        let end = match out {
            Ok(_) => tx.batch("COMMIT"),
            Err(_) => tx.batch("ROLLBACK"),
        };
        self.seen(end)?;
        out
    }

    /// Runs `f` in one `SERIALIZABLE` transaction, again from the start when PostgreSQL
    /// aborted it for a conflict with another transaction (see the module doc), or when the
    /// connection ended before the transaction committed (the database restarted).
    ///
    /// A COMMIT whose answer is lost with the connection is looked up by the transaction's id
    /// (asked just before COMMIT) on a new connection (`txid_status`): committed, the
    /// command's answer stands; aborted, it runs again; unknown (the database still away), it
    /// fails.
    pub fn write<T>(&self, f: impl FnMut(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        erased(f, |f| self.write_dyn(f))
    }

    fn write_dyn(&self, f: &mut dyn FnMut(&Tx<'_>) -> Result<(), Error>) -> Result<(), Error> {
        let mut attempt = 1;
        loop {
            let again = attempt < self.write_attempts;
            let mut conn = self.begun("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
            let tx = Tx::postgres(&mut conn);
            // The transaction's id (none if it wrote nothing), asked before COMMIT: not with
            // BEGIN, where taking an id at once made conflicting writers abort one another until
            // some ran out of attempts (64 clients adding to one account over two nodes: 17
            // failures in 3 s, p99 324 ms; asked here: none, p99 64 ms).
            let ran = f(&tx).and_then(|out| Ok((out, tx.one(XID, params![], |r| r.get(0))?)));
            let (e, open) = match ran {
                Ok((out, xid)) => match tx.batch("COMMIT") {
                    Ok(()) => {
                        self.up.store(true, Ordering::Relaxed);
                        return Ok(out);
                    }
                    Err(e) if conn::is_closed(&e) => {
                        drop(conn);
                        let fate = match xid {
                            // Nothing was written: the COMMIT changed nothing either way.
                            None => Some(Fate::Committed),
                            Some(xid) => self.fate(xid),
                        };
                        match fate {
                            Some(Fate::Committed) => {
                                tracing::info!("a COMMIT's answer was lost; it had committed (or had nothing to)");
                                return Ok(out);
                            }
                            Some(Fate::Aborted) if again => {
                                tracing::debug!(attempt, "a COMMIT was lost; run again");
                                attempt += 1;
                                continue;
                            }
                            _ => return Err(self.noted(e)),
                        }
                    }
                    // A failed COMMIT ends the transaction.
                    Err(e) => (e, false),
                },
                // The connection ended before COMMIT (the database restarted under it):
                // nothing was committed.
                Err(e) if conn::is_closed(&e) && again => {
                    tracing::debug!(attempt, error = %e, "a write lost its connection; run again");
                    attempt += 1;
                    continue;
                }
                Err(e) => (e, true),
            };
            if open {
                let _ = tx.batch("ROLLBACK");
            }
            if conn::is_conflict(&e) && again {
                tracing::debug!(attempt, "a write conflicted with another; run again");
                drop(conn);
                pause(attempt);
                attempt += 1;
                continue;
            }
            return Err(self.noted(e));
        }
    }

    /// A pooled connection on which `begin` ran, taking another while the pooled ones prove
    /// dead (a restart ends every idle one), up to `write_attempts` in all.
    fn begun(&self, begin: &str) -> Result<r2d2::PooledConnection<Manager>, Error> {
        let mut attempt = 1;
        loop {
            let mut conn = self.connection()?;
            match Tx::postgres(&mut conn).batch(begin) {
                Ok(()) => return Ok(conn),
                Err(e) if conn::is_closed(&e) && attempt < self.write_attempts => attempt += 1,
                Err(e) => return Err(self.noted(e)),
            }
        }
    }

    /// Whether the transaction `xid` committed, asked on a new connection; `None` when that
    /// cannot be known (the database is still away, or the transaction is still running).
    fn fate(&self, xid: i64) -> Option<Fate> {
        // The ended connection's server process may still be finishing: ask a few times.
        for _ in 0..10 {
            let mut status: Option<String> = None;
            self.read_dyn(&mut |tx| {
                status = tx.one("SELECT txid_status(?1)", params![xid], |r| r.get(0))?;
                Ok(())
            })
            .ok()?;
            match status.as_deref() {
                Some("committed") => return Some(Fate::Committed),
                Some("aborted") => return Some(Fate::Aborted),
                Some("in progress") => std::thread::sleep(Duration::from_millis(10)),
                _ => return None,
            }
        }
        None
    }

    /// Notes what `r` says of the database and hands it back.
    fn seen<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        match r {
            Ok(v) => {
                self.up.store(true, Ordering::Relaxed);
                Ok(v)
            }
            Err(e) => Err(self.noted(e)),
        }
    }
}

/// Runs `f` through `core`, which takes it as a `dyn` closure and may run it more than once;
/// `f`'s last value. The store's loops (`*_dyn`) are so compiled once, not once per caller's
/// closure: as generics they took the release binary from 8 167 896 to 8 334 488 bytes.
fn erased<T>(
    mut f: impl FnMut(&Tx<'_>) -> Result<T, Error>,
    core: impl FnOnce(&mut dyn FnMut(&Tx<'_>) -> Result<(), Error>) -> Result<(), Error>,
) -> Result<T, Error> {
    let mut out = None;
    core(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    Ok(out.expect("a store call that succeeded ran its closure"))
}

/// A short random pause before attempt `attempt + 1`, so that two conflicting nodes do not
/// meet again at once: up to 1, 2, 4 … 32 ms.
fn pause(attempt: u32) {
    use rand::Rng;
    let most = 1u64 << attempt.min(5);
    let micros = rand::thread_rng().gen_range(0..most * 1000);
    std::thread::sleep(Duration::from_micros(micros));
}

#[cfg(test)]
mod tests;
