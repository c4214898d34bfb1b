//! The SQLite store: a pooled, cheap-to-clone handle over one database file.
//!
//! Every call here blocks; handlers run on tokio's blocking pool, never on async workers.
//! Writes go through [`Store::write`]: each command is atomic (its own savepoint) and is
//! acknowledged only once durably committed, while concurrent commands share one COMMIT
//! ([`writer`], group commit). Reads use [`Store::read`] on pooled connections and run
//! concurrently thanks to WAL.

pub mod accounts;
pub mod codes;
pub mod contacts;
pub mod devices;
pub mod media;
pub mod profiles;
pub mod settings;
pub mod tokens;
pub mod writer;

use crate::error::{Error, StoreError};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;

/// The whole schema, applied to a new database.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Schema version that `schema.sql` creates.
pub const SCHEMA_VERSION: i64 = 3;

/// Set on every connection: durability of every acknowledged commit, foreign keys, and a
/// wait instead of an error when another process holds the write lock.
const PRAGMAS: &str = "PRAGMA foreign_keys = ON;
     PRAGMA synchronous = FULL;
     PRAGMA busy_timeout = 5000;";

/// Upgrade steps: `MIGRATIONS[i]` takes a database from version `i + 1` to `i + 2`. Only
/// changes to existing tables belong here (ALTER …): new tables and indexes come from
/// re-applying `schema.sql`, whose statements are all `IF NOT EXISTS`.
const MIGRATIONS: &[&str] = &[
    // 1 → 2: HelpAged tables (captchas, portraits, devices, notices) — all new, from schema.sql.
    "", // 2 → 3: INEWW profile fields (ineww_profiles) — a new table, from schema.sql.
    "",
];

/// Cheap-to-clone handle to the database.
#[derive(Clone)]
pub struct Store {
    /// Pooled connections, each set up with WAL, foreign keys and a busy timeout.
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// The one writing connection, batching concurrent commands into shared commits.
    writer: Arc<writer::Writer>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path, pool_size: u32) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        migrate(&mut conn)?;
        conn.execute_batch(PRAGMAS)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PRAGMAS));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .build(manager)?;
        Ok(Store {
            pool,
            writer: Arc::new(writer::Writer::new(conn)),
        })
    }

    /// Runs `f` on a pooled connection (reads see one consistent snapshot per statement).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        let conn = self.pool.get()?;
        f(&conn)
    }

    /// Runs `f` atomically: when it returns `Ok` its writes are durably committed before this
    /// returns; when it returns `Err` nothing it wrote remains.
    pub fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        self.writer.write(f)
    }

    /// Checkpoints the WAL into the main file; called at shutdown.
    pub fn close(&self) {
        self.writer.checkpoint();
    }
}

/// Brings the database to [`SCHEMA_VERSION`] in one transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Other(format!(
            "database schema version {version} is newer than this binary's {SCHEMA_VERSION}"
        )));
    }
    if version > 0 {
        for step in &MIGRATIONS[(version as usize - 1)..] {
            tx.execute_batch(step)?;
        }
    }
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_cover_every_version_up_to_the_schema_version() {
        assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION - 1);
    }

    #[test]
    fn a_new_database_gets_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), 2).unwrap();
        let v: i64 = store
            .read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn opening_twice_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let s = Store::open(&path, 1).unwrap();
        s.write(|tx| Ok(settings::put(tx, "k", b"v")?)).unwrap();
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

    #[test]
    fn a_database_from_a_newer_binary_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        assert!(Store::open(&path, 1).is_err());
    }
}
