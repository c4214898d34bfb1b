//! Verification codes (stored as digests) and the outbox of codes "sent".
//!
//! Neither table keeps rows for ever: each new code deletes up to [`PRUNE_BATCH`] codes that
//! expired more than [`CODE_RETENTION_SECS`] ago, and each new outbox row up to as many rows
//! queued more than [`OUTBOX_RETENTION_SECS`] ago, in the same transaction, each by an index
//! range (`codes_expires`, `outbox_created`), never a scan. A backlog (a database from before
//! version 8) drains by that many rows per new one.

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

/// How long a code is kept after it expired, in seconds: a day, so that an operator can still
/// see what was issued yesterday; no answer depends on an expired code's row.
pub const CODE_RETENTION_SECS: i64 = 86_400;

/// How long an outbox row is kept after it was queued, in seconds: 7 days, for `switchboard
/// outbox` and the webhook's record. Every row is delivered when it is written.
pub const OUTBOX_RETENTION_SECS: i64 = 7 * 86_400;

/// Most rows one write deletes from either table.
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

/// [`push_outbox`]'s pruning: a few rows queued before ?1 (index `outbox_created`).
pub(crate) const PRUNE_OUTBOX: &str = "DELETE FROM outbox WHERE id IN
     (SELECT id FROM outbox WHERE created_at < ?1 LIMIT ?2)";

/// [`outbox`]'s statement for one phone (index `outbox_phone`).
pub(crate) const OUTBOX_OF_PHONE: &str =
    "SELECT phone, code, purpose, created_at FROM outbox WHERE phone = ?1 ORDER BY id";

/// [`outbox`]'s statement for every phone: the whole table, for the operator's command.
pub(crate) const OUTBOX_ALL: &str =
    "SELECT phone, code, purpose, created_at FROM outbox ORDER BY id";

/// When the newest code for this phone (any purpose) was created.
pub fn last_created(conn: &Connection, phone: &str) -> Result<Option<i64>, Error> {
    Ok(optional_row(conn, LAST_CREATED, [phone], |r| r.get(0))?.flatten())
}

/// Stores a new code digest, retiring older unused codes for the same phone and purpose and
/// deleting a few codes past their retention.
pub fn insert(
    conn: &Connection,
    phone: &str,
    purpose: &str,
    code_hash: &[u8; 32],
    now: i64,
    expires_at: i64,
) -> Result<(), Error> {
    conn.prepare_cached(RETIRE)?
        .execute(params![phone, purpose])?;
    conn.prepare_cached(PRUNE_CODES)?
        .execute(params![now - CODE_RETENTION_SECS, PRUNE_BATCH])?;
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
    optional_row(conn, LATEST_UNUSED, params![phone, purpose], |r| {
        columns! { r, CodeRow { id, code_hash, expires_at, attempts } }
    })
}

/// Whether an unused, unexpired, not exhausted code has this digest (any phone).
pub fn live_digest(conn: &Connection, digest: &[u8; 32], now: i64) -> Result<bool, Error> {
    Ok(optional_row(conn, LIVE_DIGEST, params![&digest[..], now], |_| Ok(()))?.is_some())
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

/// Appends a message to the outbox, deleting a few rows past their retention.
pub fn push_outbox(
    conn: &Connection,
    phone: &str,
    code: &str,
    purpose: &str,
    now: i64,
) -> Result<(), Error> {
    conn.prepare_cached(PRUNE_OUTBOX)?
        .execute(params![now - OUTBOX_RETENTION_SECS, PRUNE_BATCH])?;
    conn.execute(
        "INSERT INTO outbox (phone, code, purpose, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![phone, code, purpose, now],
    )?;
    Ok(())
}

/// The outbox in queue order, optionally for one phone. Two statements, not one with
/// `?1 IS NULL OR phone = ?1`, which no index serves.
pub fn outbox(conn: &Connection, phone: Option<&str>) -> Result<Vec<OutboxEntry>, Error> {
    let mut stmt = conn.prepare_cached(match phone {
        Some(_) => OUTBOX_OF_PHONE,
        None => OUTBOX_ALL,
    })?;
    let entry = |r: &rusqlite::Row<'_>| {
        let secs: i64 = r.get(3)?;
        Ok(OutboxEntry {
            phone: r.get(0)?,
            code: r.get(1)?,
            purpose: r.get(2)?,
            created_at: chrono::DateTime::from_timestamp(secs, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
        })
    };
    let rows = match phone {
        Some(phone) => stmt.query_map([phone], entry)?,
        None => stmt.query_map([], entry)?,
    };
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::store_with_account;

    fn rows(store: &crate::store::Store, sql: &str) -> i64 {
        store
            .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
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

    #[test]
    fn the_outbox_keeps_a_week_and_lists_one_phone_or_all() {
        let (store, _pk, _d) = store_with_account();
        let week = OUTBOX_RETENTION_SECS;
        store
            .write(|tx| {
                push_outbox(tx, "13000000001", "111111", "register", 0)?;
                push_outbox(tx, "13000000002", "222222", "register", 10)?;
                push_outbox(tx, "13000000001", "333333", "reset", week)
            })
            .unwrap();
        let codes = |phone| {
            let all = store.read(|c| outbox(c, phone)).unwrap();
            all.into_iter().map(|e| e.code).collect::<Vec<_>>()
        };
        assert_eq!(codes(None), ["111111", "222222", "333333"]);
        assert_eq!(codes(Some("13000000001")), ["111111", "333333"]);
        store
            .write(|tx| push_outbox(tx, "13000000002", "444444", "reset", week + 5))
            .unwrap();
        assert_eq!(codes(None), ["222222", "333333", "444444"]);
        assert_eq!(codes(Some("13000000002")), ["222222", "444444"]);
    }
}
