//! The SQLite store: a pooled, cheap-to-clone handle over one database file.
//!
//! Every call here blocks; handlers run on tokio's blocking pool, never on async workers.
//! Writes go through [`Store::write`]: each command is atomic (its own savepoint) and is
//! acknowledged only once durably committed, while concurrent commands share one COMMIT
//! ([`writer`], group commit). Reads use [`Store::read`] (or [`Store::snapshot`], one read
//! transaction) on pooled connections and run concurrently thanks to WAL.

pub mod accounts;
pub mod codes;
pub mod contacts;
pub mod devices;
pub mod media;
pub mod profiles;
pub mod rooms;
pub mod settings;
pub mod tokens;
pub mod v4_profiles;
pub mod writer;

/// An open connection inside a read or a write transaction, as [`Store::read`] and
/// [`Store::write`] hand it to their closures. Handlers name this, never the SQL driver.
pub type Tx = rusqlite::Connection;

use crate::error::{Error, StoreError};

// The driver's errors stop here: above the store they are a driver-neutral
// `Error::Store(StoreError)`, and only a handful of constraint violations become domain errors
// (in the table modules, before this conversion).
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
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;

/// The whole schema, applied to a new database.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Schema version that `schema.sql` creates.
pub const SCHEMA_VERSION: i64 = 6;

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
    // 3 → 4: rooms register makes the phone optional: `accounts.phone` becomes nullable (a
    // table rebuild); rooms_profiles and rooms are new tables, from schema.sql.
    ACCOUNTS_PHONE_NULLABLE,
    // 4 → 5: v4.0 app fields (v4_profiles) — a new table, from schema.sql.
    "",
    // 5 → 6: HelpAged device/list and device/info show the device_id: `devices.device_id`.
    DEVICES_DEVICE_ID,
];

/// Adds `devices.device_id` (its unique index comes from schema.sql). A database older than
/// version 2 has no `devices` table yet: it is created first in its version-5 shape, so the
/// ALTER leaves every database with the column where schema.sql puts it (last).
const DEVICES_DEVICE_ID: &str = "
    CREATE TABLE IF NOT EXISTS devices (
        pk         INTEGER PRIMARY KEY,
        token_hash BLOB    NOT NULL UNIQUE,
        name       TEXT    NOT NULL,
        owner_pk   INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (owner_pk, name)
    );
    ALTER TABLE devices ADD COLUMN device_id TEXT;
";

/// SQLite cannot drop a NOT NULL with ALTER, so the table is rebuilt: create the new table,
/// copy every row (pks kept), drop the old one, rename the new one. [`migrate`] turns foreign
/// keys OFF first (the bundled SQLite defaults them ON; [`Store::open`] sets them again after),
/// so the drop cascades to nothing and the tables that reference `accounts(pk)` keep their
/// rows, which then reference the renamed table. The definition is schema.sql's.
const ACCOUNTS_PHONE_NULLABLE: &str = "
    CREATE TABLE accounts_new (
        pk            INTEGER PRIMARY KEY,
        uid           TEXT    NOT NULL UNIQUE,
        phone         TEXT    UNIQUE,
        username      TEXT    UNIQUE,
        email         TEXT,
        name          TEXT,
        nickname      TEXT,
        password_hash TEXT    NOT NULL,
        level         INTEGER NOT NULL DEFAULT 1,
        created_at    INTEGER NOT NULL
    );
    INSERT INTO accounts_new
        (pk, uid, phone, username, email, name, nickname, password_hash, level, created_at)
        SELECT pk, uid, phone, username, email, name, nickname, password_hash, level, created_at
        FROM accounts;
    DROP TABLE accounts;
    ALTER TABLE accounts_new RENAME TO accounts;
";

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
    pub fn read<T>(&self, f: impl FnOnce(&Tx) -> Result<T, Error>) -> Result<T, Error> {
        let conn = self.pool.get()?;
        f(&conn)
    }

    /// Runs `f` on a pooled connection inside one read transaction: every statement sees the
    /// same snapshot, so an answer assembled from several queries (a whole book: contacts,
    /// then their phones, then their mails) never mixes states around a concurrent write.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Tx) -> Result<T, Error>) -> Result<T, Error> {
        let conn = self.pool.get()?;
        // DEFERRED: the snapshot is taken at the first read and held until the end.
        let tx = conn.unchecked_transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` atomically: when it returns `Ok` its writes are durably committed before this
    /// returns; when it returns `Err` nothing it wrote remains.
    pub fn write<T>(&self, f: impl FnOnce(&Tx) -> Result<T, Error>) -> Result<T, Error> {
        self.writer.write(f)
    }

    /// Checkpoints the WAL into the main file; called at shutdown.
    pub fn close(&self) {
        self.writer.checkpoint();
    }
}

/// Brings the database to [`SCHEMA_VERSION`] in one transaction, with foreign keys off (the
/// bundled SQLite turns them on by default, and a table rebuild must not cascade its DROP);
/// every reference is checked before the commit.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // A no-op inside a transaction, so it comes first; [`PRAGMAS`] turns them back on.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
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
    let dangling = tx
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if !dangling.is_empty() {
        return Err(StoreError::Other(format!(
            "migration left dangling references in {dangling:?}"
        )));
    }
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

    #[test]
    fn a_version_3_database_keeps_its_accounts_contacts_and_tokens_when_phone_becomes_nullable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let old = Connection::open(&path).unwrap();
        old.execute_batch(include_str!("testdata/schema_v3.sql"))
            .unwrap();
        old.execute_batch(
            "PRAGMA user_version = 3;
             INSERT INTO accounts (pk, uid, phone, username, password_hash, level, created_at)
                 VALUES (7, 'u-7', '13000000007', 'seven', 'h', 2, 1477621635211240);
             INSERT INTO contacts (uid, owner_pk, name, intime) VALUES ('c-1', 7, 'Li', 'x');
             INSERT INTO contact_phones (pid, contact_uid, phone, intime)
                 VALUES ('p-1', 'c-1', '110', 'x');
             INSERT INTO tokens (account_pk, kind, token_hash, created_at, last_used_at)
                 VALUES (7, 'jwt', x'01', 1, 1);",
        )
        .unwrap();
        drop(old);

        let store = Store::open(&path, 1).unwrap();
        let count = |sql: &str| -> i64 {
            store
                .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
                .unwrap()
        };
        assert_eq!(count("PRAGMA user_version"), SCHEMA_VERSION);
        let account = store.read(|c| accounts::by_pk(c, 7)).unwrap().unwrap();
        assert_eq!(account.username.as_deref(), Some("seven"));
        assert_eq!(account.level, 2);
        assert_eq!(account.created_at, 1_477_621_635_211_240);
        assert_eq!(count("SELECT COUNT(*) FROM contacts WHERE owner_pk = 7"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM contact_phones"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM tokens WHERE account_pk = 7"), 1);
        let broken: Vec<String> = store
            .read(|c| {
                let mut st = c.prepare("PRAGMA foreign_key_check")?;
                let rows = st.query_map([], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        assert!(broken.is_empty(), "dangling references: {broken:?}");

        // The phone is optional now, and the links still cascade from the rebuilt table.
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO accounts (uid, phone, password_hash, created_at)
                     VALUES ('u-8', NULL, 'h', 0)",
                    [],
                )?;
                accounts::delete(tx, 7)
            })
            .unwrap();
        assert_eq!(
            count("SELECT COUNT(*) FROM accounts WHERE phone IS NULL"),
            1
        );
        assert_eq!(count("SELECT COUNT(*) FROM contacts"), 0);
        assert_eq!(count("SELECT COUNT(*) FROM contact_phones"), 0);
        assert_eq!(count("SELECT COUNT(*) FROM tokens"), 0);
    }

    #[test]
    fn a_version_5_device_gets_an_empty_device_id_that_its_next_presentation_fills() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let old = Connection::open(&path).unwrap();
        old.execute_batch(include_str!("testdata/schema_v3.sql"))
            .unwrap();
        old.execute_batch(
            "PRAGMA user_version = 5;
             INSERT INTO devices (pk, token_hash, name, owner_pk, created_at)
                 VALUES (3, x'0707070707070707070707070707070707070707070707070707070707070707', 'camera1', NULL, 1);",
        )
        .unwrap();
        drop(old);

        let store = Store::open(&path, 1).unwrap();
        let row = store.read(|c| devices::by_token(c, &[7; 32])).unwrap();
        assert_eq!(row.map(|r| (r.pk, r.device_id)), Some((3, None)));
        store
            .write(|tx| devices::remember_id(tx, 3, "ab12"))
            .unwrap();
        store
            .write(|tx| devices::remember_id(tx, 3, "another"))
            .unwrap();
        let row = store.read(|c| devices::by_token(c, &[7; 32])).unwrap();
        assert_eq!(row.and_then(|r| r.device_id).as_deref(), Some("ab12"));
    }

    #[test]
    fn a_database_from_before_the_device_tables_gets_them_with_device_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let old = Connection::open(&path).unwrap();
        old.execute_batch(include_str!("testdata/schema_v3.sql"))
            .unwrap();
        old.execute_batch(
            "DROP TABLE notice_reads; DROP TABLE notices; DROP TABLE device_bindings;
             DROP TABLE devices; PRAGMA user_version = 1;",
        )
        .unwrap();
        drop(old);

        let store = Store::open(&path, 1).unwrap();
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO devices (token_hash, device_id, name, created_at)
                     VALUES (?1, 'ab', 'camera1', 1)",
                    [&[7u8; 32][..]],
                )?;
                Ok(())
            })
            .unwrap();
        let row = store.read(|c| devices::by_token(c, &[7; 32])).unwrap();
        assert_eq!(row.and_then(|r| r.device_id).as_deref(), Some("ab"));
    }
}
