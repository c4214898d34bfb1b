//! The store: the only place that writes SQL or names the SQL driver (SQLite through
//! rusqlite, pooled by r2d2). Above it, code names [`Store`], the handle [`Tx`], the table
//! modules' functions and row structs (plain data), and domain types — nothing else.
//!
//! Every call blocks; handlers run on tokio's blocking pool, never on async workers.
//!
//! # The operation set
//!
//! What handlers rely on, and what a second engine (PostgreSQL is next) implements to serve
//! them unchanged:
//!
//! | operation | contract |
//! |---|---|
//! | open / migrate: [`Store::open`] | create, or upgrade to [`SCHEMA_VERSION`] in one transaction ([`migrations`]); refuse a newer database; a database at the version opens without reading its rows |
//! | read: [`Store::read`] | run a closure on a pooled connection, concurrently with writes; each statement sees committed data |
//! | snapshot: [`Store::snapshot`] | a read whose statements all see one state (one read transaction) |
//! | write: [`Store::write`] | run a closure atomically: on `Ok` its writes are durably committed before it returns, on `Err` none remain; concurrent writes share one COMMIT ([`writer`], group commit) |
//! | close: [`Store::close`] | flush at shutdown (here: checkpoint the WAL) |
//! | backup: [`backup::copy_file`] | copy the live database, as of one moment, to a file that appears whole or not at all, while writes go on |
//! | seed (measurements only): [`seed::seed`] | add filler accounts with contacts, one transaction per 10 000 (`bench seed`); not used by the server |
//!
//! Inside a closure a handler calls only these, each taking the `&Tx` it was handed:
//!
//! | module | tables | functions |
//! |---|---|---|
//! | [`accounts`] | accounts | insert, insert_named; by_phone, by_username, by_login_key, by_pk, by_pk_with_hash, by_uid, all, count; set_phone, set_username, set_password, set_level, update_profile; delete |
//! | [`tokens`] | tokens | insert, insert_pair, find, count, count_of_kind, touch, set_enduring, delete, delete_pair, delete_all, prune_expired, prune_idle, keep_newest |
//! | [`codes`] | codes | insert, latest_unused, last_created, live_digest, add_attempt, mark_used (insert also deletes a few codes past their retention) |
//! | [`outbox`] | outbox | push (also deletes a few rows past their retention, never a queued one), list; for the delivery worker: next_due, claim, mark_delivered, mark_attempt_failed; count, counts (by state) |
//! | [`contacts`] | contacts, contact_phones, contact_mails | insert, insert_phone, insert_mail; owns, count, get, list, search; rename, update_phone, update_mail; delete, delete_phone, delete_mail |
//! | [`devices`] | devices, device_bindings, notices, notice_reads | insert, by_token, remember_id, bind, bound, bound_device, bound_phones; insert_notice, notices, notice, mark_read |
//! | [`media`] | image_captchas, portraits | put_captcha, take_captcha, put_portrait, portrait_by_phone |
//! | [`profiles`] | ineww_profiles | get, update |
//! | [`rooms`] | rooms_profiles, rooms, counters (its triggers keep the open-room count) | profile, ensure_profile, insert_profile, update_profile, user, by_sns, new_roomid, roomid_taken, max_roomid; insert_room, room, update_room, delete_room, count_active, active_page (a page with the count) |
//! | [`v4_profiles`] | v4_profiles | get, count, set_device, open_reset, reset_open, take_reset |
//! | [`settings`] | settings | get, put |
//! | [`throttle`] | login_failures, peer_failures | account, set_account, clear_account, prune_accounts; peer, set_peer |
//!
//! Every engine keeps the same rules:
//! - A taken unique key that a handler must tell apart comes back as the domain error the
//!   function names (`PhoneTaken`, `AlreadyDone`); absence is an `Option` or a `false`; any
//!   other failure is `Error::Store(StoreError)` with the driver's error as its cause (the
//!   conversions are in this file).
//! - Tokens, codes, device ids and captchas arrive as SHA-256 digests (only the outbox keeps a
//!   code in clear); times arrive from the caller (unix seconds; account `created_at` in
//!   microseconds): the store reads no clock.
//! - Deleting an account deletes everything it owns (its devices lose their owner only).
//! - No request's cost grows with the tables: every hot statement is a lookup or a range of an
//!   index (`plans` tests each one's plan), and a count a request shows (the open rooms) is kept
//!   by the writes that change it, in their transaction, not counted per request.

/// A row's columns as the fields of a struct, in the order listed: `columns! { r, Room { pk,
/// roomid } }` reads column 0 into `pk` and column 1 into `roomid` (so the list mirrors the
/// SELECT's), and answers `Ok` of the struct or the first column's error.
macro_rules! columns {
    ($row:expr, $ty:ident { $($field:ident),+ $(,)? }) => {{
        let mut column = 0usize..;
        Ok($ty {
            $($field: $row.get(column.next().unwrap_or_default())?),+
        })
    }};
}

pub mod accounts;
pub mod backup;
pub mod codes;
pub mod contacts;
mod deferred;
pub mod devices;
pub mod media;
pub mod migrations;
pub mod outbox;
#[cfg(test)]
mod plans;
pub mod profiles;
pub mod rooms;
pub mod seed;
pub mod settings;
mod syncer;
#[cfg(test)]
pub(crate) mod testing;
pub mod throttle;
pub mod tokens;
pub mod v4_profiles;
mod waiting;
pub mod writer;

pub use deferred::deferring;
pub use migrations::{SCHEMA, SCHEMA_VERSION};
pub use waiting::without_waiting;

use crate::error::{Error, StoreError};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// An open connection inside a read or a write transaction, as [`Store::read`] and
/// [`Store::write`] hand it to their closures. Handlers name this, never the SQL driver.
pub type Tx = rusqlite::Connection;

// The driver's errors stop here: above the store they are the driver-neutral
// `Error::Store(StoreError)`. The few constraint violations a handler must tell apart become
// domain errors in the table modules, before this conversion.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Engine(Box::new(e))
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Pool(Box::new(e))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.into())
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::Store(e.into())
    }
}

/// The one row `sql` selects with `params` (a cached statement), mapped by `map`; `None` when
/// it selects none.
fn optional_row<T>(
    conn: &Tx,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, Error> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params, map)
        .optional()?)
}

/// The first column of the one row `sql` selects with `params` (a count, a maximum, a test).
fn value<T: rusqlite::types::FromSql>(
    conn: &Tx,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<T, Error> {
    Ok(conn.prepare_cached(sql)?.query_row(params, |r| r.get(0))?)
}

/// Converts a driver error into `taken` when it is a constraint violation (a unique key
/// someone already holds), into a store failure otherwise.
fn taken_as(taken: Error) -> impl FnOnce(rusqlite::Error) -> Error {
    move |e| match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            taken
        }
        _ => e.into(),
    }
}

/// `PRAGMA data_version` of `conn`: it changes when another connection commits.
fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// Set on every connection: durability of every acknowledged commit, foreign keys, a wait
/// instead of an error when another process holds the write lock, and a page cache of 512 KiB
/// (SQLite's default, 2 MiB, held per connection — six of them — kept 1.7 MiB more resident on
/// an idle server after the benchmark's preparation; reads mostly come from the answer cache,
/// and the OS keeps the file's pages anyway).
const PRAGMAS: &str = "PRAGMA foreign_keys = ON;
     PRAGMA synchronous = FULL;
     PRAGMA busy_timeout = 5000;
     PRAGMA cache_size = -512;";

/// Set on the writer's connection only: the journal of each command's SAVEPOINT (the
/// original of every page the command changes, kept so that a failing command can roll back
/// alone) lives in memory, not in a temporary file. In a file it cost 18 `pwrite` calls per
/// op 1005 (one contact): measured with `strace -c` under `wrk`, 213 108 writes for 11 901
/// requests. It holds at most a batch's changed pages and is dropped at each COMMIT.
const WRITER_PRAGMAS: &str = "PRAGMA temp_store = MEMORY;";

/// Cheap-to-clone handle to the database.
#[derive(Clone)]
pub struct Store {
    /// Pooled connections, each set up with WAL, foreign keys and a busy timeout.
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// The one writing connection, batching concurrent commands into shared commits.
    writer: Arc<writer::Writer>,
    /// A connection that only watches `PRAGMA data_version`, and the last value it read: it
    /// changes when another connection — another process's included — commits.
    watch: Arc<Mutex<(Connection, i64)>>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path, pool_size: u32) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        migrations::migrate(&mut conn)?;
        conn.execute_batch(PRAGMAS)?;
        conn.execute_batch(WRITER_PRAGMAS)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PRAGMAS));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .build(manager)?;
        let watcher = Connection::open(path)?;
        let version = data_version(&watcher)?;
        Ok(Store {
            pool,
            writer: Arc::new(writer::Writer::new(conn)),
            watch: Arc::new(Mutex::new((watcher, version))),
        })
    }

    /// The store's generation: it moves on at every COMMIT of this process (before the
    /// writers in it are answered) and when [`Store::notice_outside_writes`] sees another
    /// process's. An answer computed from reads that began at generation `g` is current while
    /// the generation is still `g` (the answer cache's rule).
    pub fn generation(&self) -> u64 {
        self.writer.generation()
    }

    /// Moves the generation on if another process (the command line against the live file)
    /// has committed since the last call. The server calls it a few times a second.
    pub fn notice_outside_writes(&self) -> Result<(), StoreError> {
        let mut watch = self
            .watch
            .lock()
            .map_err(|_| StoreError::Other("watch poisoned".into()))?;
        let version = data_version(&watch.0)?;
        if version != watch.1 {
            watch.1 = version;
            self.writer.changed();
        }
        Ok(())
    }

    /// Hands back what SQLite holds in memory beyond its open statements (each idle
    /// connection's page cache, the writer's included); called when the server goes idle.
    /// Connections busy with a command keep theirs.
    pub fn release_memory(&self) {
        let mut idle = Vec::new();
        while let Some(conn) = self.pool.try_get() {
            let _ = conn.execute_batch("PRAGMA shrink_memory;");
            idle.push(conn); // held, so the next `try_get` returns another one
        }
        drop(idle);
        let _ = self
            .writer
            .read(|conn| Ok(conn.execute_batch("PRAGMA shrink_memory;")?));
    }

    /// Runs `f` on a pooled connection (reads see one consistent snapshot per statement).
    pub fn read<T>(&self, f: impl FnOnce(&Tx) -> Result<T, Error>) -> Result<T, Error> {
        if deferred::active() {
            return self.writer.read(f);
        }
        let conn = self.connection()?;
        f(&conn)
    }

    /// A pooled connection: under [`without_waiting`] only an idle one, else wait for one.
    fn connection(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, Error> {
        if waiting::refused() {
            self.pool
                .try_get()
                .ok_or(Error::Store(StoreError::WouldBlock))
        } else {
            Ok(self.pool.get()?)
        }
    }

    /// Runs `f` on a pooled connection inside one read transaction: every statement sees the
    /// same snapshot, so an answer assembled from several queries (a whole book: contacts,
    /// then their phones, then their mails) never mixes states around a concurrent write.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Tx) -> Result<T, Error>) -> Result<T, Error> {
        if deferred::active() {
            // Inside the writer's transaction, which nobody else changes while `f` runs.
            return self.writer.read(f);
        }
        let conn = self.connection()?;
        // DEFERRED: the snapshot is taken at the first read and held until the end.
        let tx = conn.unchecked_transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` atomically: when it returns `Ok` its writes are durably committed before this
    /// returns; when it returns `Err` nothing it wrote remains.
    pub fn write<T>(&self, f: impl FnOnce(&Tx) -> Result<T, Error>) -> Result<T, Error> {
        if waiting::refused() {
            return Err(Error::Store(StoreError::WouldBlock));
        }
        self.writer.write(f)
    }

    /// The writer's batch sizes and COMMIT latency, for `/metrics`.
    pub fn write_metrics(&self) -> writer::WriteMetrics {
        self.writer.metrics()
    }

    /// Commits the batch the write lane's deferred writes left open (see [`deferred`]).
    pub fn commit_deferred(&self) {
        self.writer.commit_open();
    }

    /// Whether batch `batch` (as [`deferring`] answered it) committed, once it has ended: an
    /// error if its COMMIT failed. It may not be on disk yet: answer its commands from
    /// [`Store::when_durable`].
    pub fn committed(&self, batch: u64) -> Result<(), Error> {
        self.writer.committed(batch)
    }

    /// Runs `then` once batch `batch`, committed, is on disk (`Err` with why if the flush
    /// failed): every acknowledged write is durable, as with `synchronous = FULL`.
    pub fn when_durable(&self, batch: u64, then: impl FnOnce(Result<(), String>) + Send + 'static) {
        self.writer.when_durable(batch, Box::new(then))
    }

    /// Checkpoints the WAL into the main file; called at shutdown.
    pub fn close(&self) {
        self.writer.checkpoint();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_sees_one_state_across_its_statements_where_a_plain_read_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db"), 2).unwrap();
        let put = |v: &[u8]| s.write(|tx| settings::put(tx, "k", v));
        put(b"1").unwrap();
        let around_a_write = |c: &Connection, v: &[u8]| {
            let before = settings::get(c, "k")?;
            put(v)?;
            Ok((before, settings::get(c, "k")?))
        };
        let (before, after) = s.snapshot(|c| around_a_write(c, b"2")).unwrap();
        assert_eq!(before, Some(b"1".to_vec()));
        assert_eq!(after, before, "the snapshot saw a write made during it");
        let (before, after) = s.read(|c| around_a_write(c, b"3")).unwrap();
        assert_eq!((before, after), (Some(b"2".to_vec()), Some(b"3".to_vec())));
    }

    #[test]
    fn opening_twice_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let s = Store::open(&path, 1).unwrap();
        s.write(|tx| settings::put(tx, "k", b"v")).unwrap();
        drop(s);
        let s = Store::open(&path, 1).unwrap();
        assert_eq!(
            s.read(|c| settings::get(c, "k")).unwrap(),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db"), 1).unwrap();
        let r: Result<(), Error> = s.write(|tx| {
            settings::put(tx, "k", b"v")?;
            Err(Error::Forbidden)
        });
        assert!(r.is_err());
        assert_eq!(s.read(|c| settings::get(c, "k")).unwrap(), None);
    }
}
