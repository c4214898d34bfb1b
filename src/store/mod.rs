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
pub mod copy;
mod deferred;
pub mod devices;
pub mod media;
pub mod migrations;
pub mod outbox;
#[cfg(test)]
mod plans;
pub mod postgres;
pub mod profiles;
pub mod rooms;
pub mod seed;
pub mod settings;
pub mod sql;
mod sqlite;
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
pub use postgres::PgSettings;
pub use sql::{Engine, Tx};
pub use waiting::without_waiting;

use crate::error::{Error, StoreError};
use postgres::PgStore;
use sql::{Column, Param, Row};
use sqlite::SqliteStore;
use std::path::Path;

// The drivers' errors stop here: above the store they are the driver-neutral
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

/// The one row `sql` selects with `params`, mapped by `map`; `None` when it selects none.
fn optional_row<T>(
    conn: &Tx<'_>,
    sql: &str,
    params: &[&dyn Param],
    map: impl FnOnce(&Row<'_>) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    conn.first(sql, params, map)
}

/// The first column of the one row `sql` selects with `params` (a count, a maximum, a test).
fn value<T: Column>(conn: &Tx<'_>, sql: &str, params: &[&dyn Param]) -> Result<T, Error> {
    conn.first(sql, params, |r| r.get(0))?
        .ok_or_else(|| Error::Store(StoreError::Other(format!("no row from {sql}"))))
}

/// Converts a store error into `taken` when it is a constraint violation (a unique key
/// someone already holds), leaves it as it is otherwise.
fn taken_as(taken: Error) -> impl FnOnce(Error) -> Error {
    move |e| match sql::is_constraint(&e) {
        true => taken,
        false => e,
    }
}

/// Cheap-to-clone handle to the database: the SQLite file, or PostgreSQL when the server is
/// given a `database_url`. The engine is chosen once, when the store opens; every call below
/// means the same on both (see the operation set above).
#[derive(Clone)]
pub struct Store {
    engine: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// Opens (creating if needed) and migrates the SQLite database at `path`.
    pub fn open(path: &Path, pool_size: u32) -> Result<Store, StoreError> {
        Ok(Store {
            engine: Backend::Sqlite(SqliteStore::open(path, pool_size)?),
        })
    }

    /// Connects to PostgreSQL, brings its schema to this binary's version, opens the pool.
    pub fn connect(settings: &PgSettings) -> Result<Store, StoreError> {
        Ok(Store {
            engine: Backend::Postgres(PgStore::open(settings)?),
        })
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> Engine {
        match self.engine {
            Backend::Sqlite(_) => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// Whether several processes may write the database, so that nothing a process keeps in
    /// memory may be trusted past a request (the answer cache, the write lane).
    pub fn is_shared(&self) -> bool {
        matches!(self.engine, Backend::Postgres(_))
    }

    /// The store's generation: it moves on at every COMMIT of this process (before the
    /// writers in it are answered) and when [`Store::notice_outside_writes`] sees another
    /// process's. An answer computed from reads that began at generation `g` is current while
    /// the generation is still `g` (the answer cache's rule). Always 0 on PostgreSQL, where
    /// nothing is cached.
    pub fn generation(&self) -> u64 {
        match &self.engine {
            Backend::Sqlite(s) => s.generation(),
            Backend::Postgres(_) => 0,
        }
    }

    /// Moves the generation on if another process (the command line against the live file)
    /// has committed since the last call. The server calls it a few times a second.
    pub fn notice_outside_writes(&self) -> Result<(), StoreError> {
        match &self.engine {
            Backend::Sqlite(s) => s.notice_outside_writes(),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Asks the database whether it is there (PostgreSQL; a file always is) and remembers the
    /// answer for [`Store::is_up`]. The server calls it a few times a second, so that a node
    /// notices its database come back without a request to try it.
    pub fn check(&self) -> bool {
        match &self.engine {
            Backend::Sqlite(_) => true,
            Backend::Postgres(p) => p.check(),
        }
    }

    /// Whether the database answered the last time it was used: always on SQLite (a file);
    /// on PostgreSQL the last statement's or check's outcome.
    pub fn is_up(&self) -> bool {
        match &self.engine {
            Backend::Sqlite(_) => true,
            Backend::Postgres(p) => p.is_up(),
        }
    }

    /// Hands back what SQLite holds in memory beyond its open statements (each idle
    /// connection's page cache, the writer's included); called when the server goes idle.
    pub fn release_memory(&self) {
        if let Backend::Sqlite(s) = &self.engine {
            s.release_memory();
        }
    }

    /// Runs `f` on a pooled connection (each statement sees everything committed before it).
    pub fn read<T>(&self, f: impl Fn(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        match &self.engine {
            Backend::Sqlite(s) => s.read(f),
            Backend::Postgres(p) => p.read(f),
        }
    }

    /// Runs `f` on a pooled connection inside one read transaction: every statement sees the
    /// same snapshot, so an answer assembled from several queries (contacts by uid, then each
    /// one's phones and mails) never mixes states around a concurrent write.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        match &self.engine {
            Backend::Sqlite(s) => s.snapshot(f),
            Backend::Postgres(p) => p.snapshot(f),
        }
    }

    /// Runs `f` atomically: when it returns `Ok` its writes are durably committed before this
    /// returns; when it returns `Err` nothing it wrote remains. On PostgreSQL `f` may run more
    /// than once (a conflict with another node's write runs it again from the start).
    pub fn write<T>(&self, f: impl FnMut(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        match &self.engine {
            Backend::Sqlite(s) => s.write(f),
            Backend::Postgres(p) => p.write(f),
        }
    }

    /// The writer's batch sizes and COMMIT latency, for `/metrics` (none on PostgreSQL).
    pub fn write_metrics(&self) -> Option<writer::WriteMetrics> {
        match &self.engine {
            Backend::Sqlite(s) => Some(s.write_metrics()),
            Backend::Postgres(_) => None,
        }
    }

    /// Commits the batch the write lane's deferred writes left open (see [`deferred`]).
    pub fn commit_deferred(&self) {
        if let Backend::Sqlite(s) = &self.engine {
            s.commit_deferred();
        }
    }

    /// Whether batch `batch` (as [`deferring`] answered it) committed, once it has ended: an
    /// error if its COMMIT failed. It may not be on disk yet: answer its commands from
    /// [`Store::when_durable`].
    pub fn committed(&self, batch: u64) -> Result<(), Error> {
        match &self.engine {
            Backend::Sqlite(s) => s.committed(batch),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Runs `then` once batch `batch`, committed, is on disk (`Err` with why if the flush
    /// failed): every acknowledged write is durable, as with `synchronous = FULL`.
    pub fn when_durable(&self, batch: u64, then: impl FnOnce(Result<(), String>) + Send + 'static) {
        match &self.engine {
            Backend::Sqlite(s) => s.when_durable(batch, then),
            Backend::Postgres(_) => then(Ok(())),
        }
    }

    /// Checkpoints the WAL into the main file; called at shutdown.
    pub fn close(&self) {
        if let Backend::Sqlite(s) = &self.engine {
            s.close();
        }
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
        let around_a_write = |c: &Tx<'_>, v: &[u8]| {
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
