//! The schema and its upgrades: a new database gets `schema.sql`; an older one is brought to
//! [`SCHEMA_VERSION`] step by step, in one transaction, before the store opens.

use crate::error::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// The whole schema, applied to a new database.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Schema version that `schema.sql` creates.
pub const SCHEMA_VERSION: i64 = 9;

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
    // 6 → 7: login throttle counters (login_failures, peer_failures) — new tables, from
    // schema.sql.
    "",
    // 7 → 8: indexes for lookups and cascades that scanned (codes by digest and expiry, outbox
    // by age, captchas by expiry, rooms by owner, reads by account, the login throttle's
    // pruning) and the `counters` table
    // with its triggers — all from schema.sql; the count itself is [`RECOUNT`]'s.
    "",
    // 8 → 9: the outbox keeps its delivery state (state, attempts, last_error, next attempt,
    // delivered_at) and never reuses an id: a table rebuild; index `outbox_state` from schema.sql.
    OUTBOX_DELIVERY_STATE,
];

/// Counts kept by triggers (`counters`), recounted from their tables whenever the version
/// moves (a new database included): a database from before the triggers has rows they never
/// counted. Only here does a start-up count rows.
const RECOUNT: &str = "
    INSERT OR REPLACE INTO counters (name, value)
        SELECT 'active_rooms', COUNT(*) FROM rooms WHERE active = 1;
";

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

/// Rebuilds the outbox with its delivery columns and `AUTOINCREMENT` (a delivery id is never
/// reused, even after every row was pruned), as schema.sql defines it. Every row it held was
/// already handed to the sender of its day, so each becomes `kept`: an upgrade sends nothing.
/// (The indexes went with the old table; schema.sql, applied after the steps, makes them.)
const OUTBOX_DELIVERY_STATE: &str = "
    CREATE TABLE outbox_new (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        phone              TEXT    NOT NULL,
        code               TEXT    NOT NULL,
        purpose            TEXT    NOT NULL,
        created_at         INTEGER NOT NULL,
        state              TEXT    NOT NULL DEFAULT 'kept'
                           CHECK (state IN ('kept', 'queued', 'delivered', 'failed')),
        attempts           INTEGER NOT NULL DEFAULT 0,
        last_error         TEXT,
        next_attempt_at_ms INTEGER,
        delivered_at       INTEGER
    );
    INSERT INTO outbox_new (id, phone, code, purpose, created_at, state)
        SELECT id, phone, code, purpose, created_at, 'kept' FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
";

/// SQLite cannot drop a NOT NULL with ALTER, so the table is rebuilt: create the new table,
/// copy every row (pks kept), drop the old one, rename the new one. [`migrate`] turns foreign
/// keys OFF first (the bundled SQLite defaults them ON; [`super::Store::open`] sets them again
/// after), so the drop cascades to nothing and the tables that reference `accounts(pk)` keep
/// their rows, which then reference the renamed table. The definition is schema.sql's.
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

/// Brings the database to [`SCHEMA_VERSION`] in one transaction, with foreign keys off (the
/// bundled SQLite turns them on by default, and a table rebuild must not cascade its DROP);
/// when a step ran, every reference is checked before the commit. A database already at the
/// version is only re-applied `schema.sql` (every statement a no-op): no step, no recount, no
/// reference check, so a start costs the same at any size (`PRAGMA foreign_key_check` reads
/// every referencing row: 0.5 s at 10⁶ accounts).
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // A no-op inside a transaction, so it comes first; the store's pragmas turn them back on.
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
    if version == SCHEMA_VERSION {
        return Ok(tx.commit()?);
    }
    tx.execute_batch(RECOUNT)?;
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
#[path = "migrations_tests.rs"]
mod tests;
