//! Verification codes, stored as digests. (The outbox, where a code travels in clear, is
//! [`super::outbox`]; its listing is re-exported here under its older names.)
//!
//! Codes are not kept for ever: each new code deletes up to [`PRUNE_BATCH`] codes that expired
//! more than [`CODE_RETENTION_SECS`] ago, in the same transaction, by an index range
//! (`codes_expires`), never a scan. A backlog (a database from before version 8) drains by
//! that many rows per new one.

use super::optional_row;
use super::sql::{params, Tx};
use crate::error::Error;

pub use super::outbox::{list as outbox, OutboxEntry};

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

/// How long a code is kept after it expired, in seconds: a day, so that an operator can still
/// see what was issued yesterday; no answer depends on an expired code's row.
pub const CODE_RETENTION_SECS: i64 = 86_400;

/// Most codes one new code deletes.
pub const PRUNE_BATCH: i64 = 32;

/// [`last_created`]'s statement.
pub(crate) const LAST_CREATED: &str = "SELECT MAX(created_at) FROM codes WHERE phone = ?1";

/// [`latest_unused`]'s statement.
pub(crate) const LATEST_UNUSED: &str = "SELECT id, code_hash, expires_at, attempts FROM codes
     WHERE phone = ?1 AND purpose = ?2 AND used = 0
     ORDER BY id DESC LIMIT 1";

/// [`live_digest`]'s statement (index `codes_hash`).
pub(crate) const LIVE_DIGEST: &str =
    "SELECT 1 FROM codes WHERE code_hash = ?1 AND used = 0 AND expires_at > ?2
     AND attempts < 5 LIMIT 1";

/// [`insert`]'s retirement of the older codes of a phone and purpose.
pub(crate) const RETIRE: &str =
    "UPDATE codes SET used = 1 WHERE phone = ?1 AND purpose = ?2 AND used = 0";

/// [`insert`]'s pruning: a few codes expired before ?1 (index `codes_expires`).
pub(crate) const PRUNE_CODES: &str = "DELETE FROM codes WHERE id IN
     (SELECT id FROM codes WHERE expires_at < ?1 LIMIT ?2)";

/// When the newest code for this phone (any purpose) was created.
pub fn last_created(conn: &Tx<'_>, phone: &str) -> Result<Option<i64>, Error> {
    Ok(optional_row(conn, LAST_CREATED, params![phone], |r| r.get(0))?.flatten())
}

/// Stores a new code digest, retiring older unused codes for the same phone and purpose and
/// deleting a few codes past their retention.
pub fn insert(
    conn: &Tx<'_>,
    phone: &str,
    purpose: &str,
    code_hash: &[u8; 32],
    now: i64,
    expires_at: i64,
) -> Result<(), Error> {
    conn.execute(RETIRE, params![phone, purpose])?;
    conn.execute(PRUNE_CODES, params![now - CODE_RETENTION_SECS, PRUNE_BATCH])?;
    conn.execute(
        "INSERT INTO codes (phone, purpose, code_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![phone, purpose, &code_hash[..], now, expires_at],
    )?;
    Ok(())
}

/// The newest unused code for a phone and purpose.
pub fn latest_unused(conn: &Tx<'_>, phone: &str, purpose: &str) -> Result<Option<CodeRow>, Error> {
    optional_row(conn, LATEST_UNUSED, params![phone, purpose], |r| {
        columns! { r, CodeRow { id, code_hash, expires_at, attempts } }
    })
}

/// Whether an unused, unexpired, not exhausted code has this digest (any phone).
pub fn live_digest(conn: &Tx<'_>, digest: &[u8; 32], now: i64) -> Result<bool, Error> {
    Ok(optional_row(conn, LIVE_DIGEST, params![&digest[..], now], |_| Ok(()))?.is_some())
}

/// Counts one wrong try against a code.
pub fn add_attempt(conn: &Tx<'_>, id: i64) -> Result<(), Error> {
    conn.execute(
        "UPDATE codes SET attempts = attempts + 1 WHERE id = ?1",
        params![id],
    )?;
    Ok(())
}

/// Uses a code up.
pub fn mark_used(conn: &Tx<'_>, id: i64) -> Result<(), Error> {
    conn.execute("UPDATE codes SET used = 1 WHERE id = ?1", params![id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::store_with_account;

    fn rows(store: &crate::store::Store, sql: &str) -> i64 {
        store.read(|c| c.one(sql, params![], |r| r.get(0))).unwrap()
    }

    #[test]
    fn a_new_code_deletes_a_batch_of_codes_a_day_past_expiry_and_keeps_younger_ones() {
        let (store, _pk, _d) = store_with_account();
        let day = CODE_RETENTION_SECS;
        let n = PRUNE_BATCH + 3;
        store
            .write(|tx| {
                // Expired at `now` below, but within its day.
                insert(
                    tx,
                    "13900000000",
                    "register",
                    &[2; 32],
                    3 * day,
                    3 * day + 180,
                )?;
                for i in 0..n {
                    let phone = format!("130{i:08}");
                    insert(tx, &phone, "register", &[1; 32], i, i + 180)?;
                }
                Ok(())
            })
            .unwrap();
        let now = 4 * day + 100;
        store
            .write(|tx| insert(tx, "13900000001", "reset", &[3; 32], now, now + 180))
            .unwrap();
        assert_eq!(rows(&store, "SELECT COUNT(*) FROM codes"), 3 + 2);
        store
            .write(|tx| insert(tx, "13900000002", "reset", &[4; 32], now, now + 180))
            .unwrap();
        assert_eq!(rows(&store, "SELECT COUNT(*) FROM codes"), 3);
        assert_eq!(
            rows(
                &store,
                "SELECT COUNT(*) FROM codes WHERE phone = '13900000000'"
            ),
            1
        );
        assert!(store.read(|c| live_digest(c, &[4; 32], now)).unwrap());
    }
}
