//! Verification codes (stored as digests) and the outbox of codes "sent".

use super::optional_row;
use crate::error::Error;
use rusqlite::{params, Connection};
use serde::Serialize;

/// The newest usable code for a phone and purpose.
#[derive(Debug, Clone)]
pub struct CodeRow {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the code.
    pub code_hash: Vec<u8>,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// Wrong tries so far.
    pub attempts: i64,
}

/// When the newest code for this phone (any purpose) was created.
pub fn last_created(conn: &Connection, phone: &str) -> Result<Option<i64>, Error> {
    Ok(optional_row(
        conn,
        "SELECT MAX(created_at) FROM codes WHERE phone = ?1",
        [phone],
        |r| r.get(0),
    )?
    .flatten())
}

/// Stores a new code digest, retiring older unused codes for the same phone and purpose.
pub fn insert(
    conn: &Connection,
    phone: &str,
    purpose: &str,
    code_hash: &[u8; 32],
    now: i64,
    expires_at: i64,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE codes SET used = 1 WHERE phone = ?1 AND purpose = ?2 AND used = 0",
        params![phone, purpose],
    )?;
    conn.execute(
        "INSERT INTO codes (phone, purpose, code_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![phone, purpose, &code_hash[..], now, expires_at],
    )?;
    Ok(())
}

/// The newest unused code for a phone and purpose.
pub fn latest_unused(
    conn: &Connection,
    phone: &str,
    purpose: &str,
) -> Result<Option<CodeRow>, Error> {
    optional_row(
        conn,
        "SELECT id, code_hash, expires_at, attempts FROM codes
         WHERE phone = ?1 AND purpose = ?2 AND used = 0
         ORDER BY id DESC LIMIT 1",
        params![phone, purpose],
        |r| {
            columns! { r, CodeRow { id, code_hash, expires_at, attempts } }
        },
    )
}

/// Whether an unused, unexpired, not exhausted code has this digest (any phone).
pub fn live_digest(conn: &Connection, digest: &[u8; 32], now: i64) -> Result<bool, Error> {
    Ok(optional_row(
        conn,
        "SELECT 1 FROM codes WHERE code_hash = ?1 AND used = 0 AND expires_at > ?2
         AND attempts < 5 LIMIT 1",
        params![&digest[..], now],
        |_| Ok(()),
    )?
    .is_some())
}

/// Counts one wrong try against a code.
pub fn add_attempt(conn: &Connection, id: i64) -> Result<(), Error> {
    conn.execute(
        "UPDATE codes SET attempts = attempts + 1 WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Uses a code up.
pub fn mark_used(conn: &Connection, id: i64) -> Result<(), Error> {
    conn.execute("UPDATE codes SET used = 1 WHERE id = ?1", [id])?;
    Ok(())
}

/// One message the outbox sender "sent", as `switchboard outbox` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutboxEntry {
    /// Destination phone.
    pub phone: String,
    /// The code in clear (the outbox is the delivery channel).
    pub code: String,
    /// What the code is for.
    pub purpose: String,
    /// When it was queued, RFC 3339 UTC.
    pub created_at: String,
}

/// Appends a message to the outbox.
pub fn push_outbox(
    conn: &Connection,
    phone: &str,
    code: &str,
    purpose: &str,
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO outbox (phone, code, purpose, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![phone, code, purpose, now],
    )?;
    Ok(())
}

/// The outbox in queue order, optionally for one phone.
pub fn outbox(conn: &Connection, phone: Option<&str>) -> Result<Vec<OutboxEntry>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT phone, code, purpose, created_at FROM outbox
         WHERE ?1 IS NULL OR phone = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([phone], |r| {
        let secs: i64 = r.get(3)?;
        Ok(OutboxEntry {
            phone: r.get(0)?,
            code: r.get(1)?,
            purpose: r.get(2)?,
            created_at: chrono::DateTime::from_timestamp(secs, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
