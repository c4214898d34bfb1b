//! The PostgreSQL schema at start-up: `schema_pg.sql` (the twin of `schema.sql`) applied to a
//! new database, the version kept in `schema_version`, one node at a time.
//!
//! Several nodes may start at once: each takes the same transaction-scoped advisory lock
//! first, so the second waits for the first's COMMIT and then finds the version current.

use crate::error::StoreError;
use crate::store::SCHEMA_VERSION;
use postgres::Client;

/// The whole PostgreSQL schema, applied to a new database.
pub const SCHEMA_PG: &str = include_str!("../../../schema_pg.sql");

/// The advisory lock every node takes while it checks the schema (any constant; this one
/// spells "sboard" in ASCII).
const MIGRATION_LOCK: i64 = 0x7362_6f61_7264;

/// Brings the database to [`SCHEMA_VERSION`] in one transaction under [`MIGRATION_LOCK`];
/// refuses a database whose version is newer than this binary's.
pub(super) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(engine)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(engine)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .map_err(engine)?;
    let version: i64 = tx
        .query_opt("SELECT version FROM schema_version", &[])
        .map_err(engine)?
        .map_or(0, |r| r.get(0));
    if version > SCHEMA_VERSION {
        return Err(StoreError::Other(format!(
            "database schema version {version} is newer than this binary's {SCHEMA_VERSION}"
        )));
    }
    if version == SCHEMA_VERSION {
        return tx.commit().map_err(engine);
    }
    if version != 0 {
        // No PostgreSQL database predates version 9; later versions add their steps here.
        return Err(StoreError::Other(format!(
            "no upgrade from PostgreSQL schema version {version}"
        )));
    }
    tx.batch_execute(SCHEMA_PG).map_err(engine)?;
    tx.execute("DELETE FROM schema_version", &[])
        .map_err(engine)?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES ($1)",
        &[&SCHEMA_VERSION],
    )
    .map_err(engine)?;
    tx.commit().map_err(engine)
}

fn engine(e: postgres::Error) -> StoreError {
    StoreError::Engine(Box::new(e))
}
