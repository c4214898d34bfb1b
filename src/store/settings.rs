//! Key/value settings kept with the data (the generated JWT secret).

use super::optional_row;
use super::sql::{params, Tx};
use crate::error::Error;

/// The value stored under `key`.
pub fn get(conn: &Tx<'_>, key: &str) -> Result<Option<Vec<u8>>, Error> {
    optional_row(
        conn,
        "SELECT value FROM settings WHERE key = ?1",
        params![key],
        |r| r.get(0),
    )
}

/// Stores `value` under `key`, replacing any earlier value.
pub fn put(conn: &Tx<'_>, key: &str, value: &[u8]) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
