//! The PostgreSQL schema at start-up: `schema_pg.sql` (the twin of `schema.sql`) applied to a
//! new database, the version kept in `schema_version`, one node at a time.
//!
//! Several nodes may start at once: each takes the same transaction-scoped advisory lock
//! first, so the second waits for the first's COMMIT and then finds the version current.

use super::PgConn;
use crate::error::{Error, StoreError};
use crate::store::sql::{params, Tx};
use crate::store::SCHEMA_VERSION;

/// The whole PostgreSQL schema, applied to a new database.
pub const SCHEMA_PG: &str = include_str!("../../../schema_pg.sql");

/// The advisory lock every node takes while it checks the schema (any constant; this one
/// spells "sboard" in ASCII).
const MIGRATION_LOCK: i64 = 0x7362_6f61_7264;

/// Brings the database to [`SCHEMA_VERSION`] in one transaction under [`MIGRATION_LOCK`];
/// refuses a database whose version is newer than this binary's.
pub(super) fn migrate(conn: &mut PgConn) -> Result<(), StoreError> {
    let tx = Tx::postgres(conn);
    tx.batch("BEGIN").map_err(store)?;
    let done = steps(&tx).and_then(|()| tx.batch("COMMIT").map_err(store));
    if done.is_err() {
        let _ = tx.batch("ROLLBACK");
    }
    done
}

fn steps(tx: &Tx<'_>) -> Result<(), StoreError> {
    tx.one(
        "SELECT pg_advisory_xact_lock(?1)",
        params![MIGRATION_LOCK],
        |_| Ok(()),
    )
    .map_err(store)?;
    tx.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .map_err(store)?;
    let version: i64 = tx
        .first("SELECT version FROM schema_version", params![], |r| {
            r.get(0)
        })
        .map_err(store)?
        .unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Err(StoreError::Other(format!(
            "database schema version {version} is newer than this binary's {SCHEMA_VERSION}"
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if version != 0 {
        // No PostgreSQL database predates version 9; later versions add their steps here.
        return Err(StoreError::Other(format!(
            "no upgrade from PostgreSQL schema version {version}"
        )));
    }
    tx.batch(SCHEMA_PG).map_err(store)?;
    tx.execute("DELETE FROM schema_version", params![])
        .map_err(store)?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        params![SCHEMA_VERSION],
    )
    .map_err(store)?;
    Ok(())
}

/// A store error as it is, anything else (none is expected here) as its text.
pub(crate) fn store(e: Error) -> StoreError {
    match e {
        Error::Store(e) => e,
        other => StoreError::Other(other.to_string()),
    }
}
