//! The outbox: verification codes and fall alerts to deliver, each row written by the command
//! that issued it, in that command's transaction, and its delivery state.
//!
//! ```text
//! push ──▶ kept                      (no webhook: the table is the channel)
//! push ──▶ queued ──claim──▶ (POST) ──delivered──▶ delivered
//!            ▲                  └──failed──▶ queued (retry at next_attempt_at_ms) | failed
//!            └──────── a claim whose process died is due again when its lease ends
//! ```
//! A claim counts the attempt and moves `next_attempt_at_ms` to the end of a lease, in one
//! write, so that nothing else (another delivery thread, another process on the same file)
//! takes the row while it is in flight. A delivered or failed row never changes again.
//!
//! Rows are deleted [`OUTBOX_RETENTION_SECS`] after they were queued, up to [`PRUNE_BATCH`] at
//! each new row, by the `outbox_created` index, except rows still queued, whatever their age.

use super::sql::{params, Row, Tx};
use crate::error::Error;
use serde::Serialize;

/// How long an outbox row is kept after it was queued, in seconds: 7 days, for `switchboard
/// outbox`. A row still queued is kept until it is delivered or has failed.
pub const OUTBOX_RETENTION_SECS: i64 = 7 * 86_400;

/// Most rows one new row deletes.
pub const PRUNE_BATCH: i64 = 32;

/// Where a row is in its delivery. Stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// No webhook was configured when it was written: the table itself is the channel.
    Kept,
    /// Waiting for the webhook to take it (or in flight).
    Queued,
    /// The webhook answered 2xx.
    Delivered,
    /// Every attempt failed.
    Failed,
}

impl State {
    /// Every state, in the order a row moves through them.
    pub const ALL: [State; 4] = [State::Kept, State::Queued, State::Delivered, State::Failed];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Kept => "kept",
            State::Queued => "queued",
            State::Delivered => "delivered",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> State {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .unwrap_or(State::Kept)
    }
}

/// [`push`]'s pruning: a few rows queued before ?1 and no longer queued (index
/// `outbox_created`).
pub(crate) const PRUNE: &str = "DELETE FROM outbox WHERE id IN
     (SELECT id FROM outbox WHERE created_at < ?1 AND state <> 'queued' LIMIT ?2)";

/// The columns [`list`] reads, in [`Entry`]'s order.
macro_rules! entry_columns {
    () => {
        "SELECT id, phone, code, purpose, created_at, state, attempts, last_error, delivered_at
         FROM outbox"
    };
}

/// [`list`]'s statement for one phone (index `outbox_phone`).
pub(crate) const OF_PHONE: &str = concat!(entry_columns!(), " WHERE phone = ?1 ORDER BY id");

/// [`list`]'s statement for every phone: the whole table, for the operator's command.
pub(crate) const ALL: &str = concat!(entry_columns!(), " ORDER BY id");

/// [`next_due`]'s statement (index `outbox_state`).
pub(crate) const NEXT_DUE: &str =
    "SELECT MIN(next_attempt_at_ms) FROM outbox WHERE state = 'queued'";

/// [`claim`]'s statement: counts an attempt on the rows due at ?1 (oldest due first, at most
/// ?3) and leases them until ?2 (index `outbox_state`).
pub(crate) const CLAIM: &str = "UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2
     WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at_ms <= ?1
                  ORDER BY next_attempt_at_ms LIMIT ?3)
     RETURNING id, phone, code, purpose, created_at, attempts";

/// [`count`]'s statement (index `outbox_state`, covering).
pub(crate) const COUNT: &str = "SELECT COUNT(*) FROM outbox WHERE state = ?1";

/// One row as `switchboard outbox` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutboxEntry {
    /// The row id (the webhook's delivery id).
    pub id: i64,
    /// Destination phone.
    pub phone: String,
    /// The code in clear (the outbox is the delivery channel when no webhook is set).
    pub code: String,
    /// What the code is for.
    pub purpose: String,
    /// When it was queued, RFC 3339 UTC.
    pub created_at: String,
    /// Where its delivery is.
    pub state: State,
    /// Delivery attempts started.
    pub attempts: i64,
    /// Why the latest failed attempt failed (kept after a later success).
    pub last_error: Option<String>,
    /// When the webhook took it, RFC 3339 UTC.
    pub delivered_at: Option<String>,
}

/// A claimed row, to POST.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The row id.
    pub id: i64,
    /// Destination phone.
    pub phone: String,
    /// The code (or event id) in clear.
    pub code: String,
    /// What it is for.
    pub purpose: String,
    /// When it was queued, unix seconds.
    pub created_at: i64,
    /// Attempts started, this one included.
    pub attempts: i64,
}

/// A message to put in the outbox.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Destination phone.
    pub phone: &'a str,
    /// The code (or event id) in clear.
    pub code: &'a str,
    /// What it is for.
    pub purpose: &'a str,
}

/// Appends a message in the caller's transaction — [`State::Queued`] (due at once) when
/// `deliver`, else [`State::Kept`] — deleting a few rows past their retention.
pub fn push(conn: &Tx<'_>, msg: &Message<'_>, deliver: bool, now: i64) -> Result<(), Error> {
    conn.execute(PRUNE, params![now - OUTBOX_RETENTION_SECS, PRUNE_BATCH])?;
    let (state, due) = match deliver {
        true => (State::Queued, Some(0)),
        false => (State::Kept, None),
    };
    conn.execute(
        "INSERT INTO outbox (phone, code, purpose, created_at, state, next_attempt_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![msg.phone, msg.code, msg.purpose, now, state.as_str(), due],
    )?;
    Ok(())
}

/// The outbox in queue order, optionally for one phone. Two statements, not one with
/// `?1 IS NULL OR phone = ?1`, which no index serves.
pub fn list(conn: &Tx<'_>, phone: Option<&str>) -> Result<Vec<OutboxEntry>, Error> {
    let entry = |r: &Row<'_>| {
        let state: String = r.get(5)?;
        Ok(OutboxEntry {
            id: r.get(0)?,
            phone: r.get(1)?,
            code: r.get(2)?,
            purpose: r.get(3)?,
            created_at: rfc3339(r.get(4)?),
            state: State::parse(&state),
            attempts: r.get(6)?,
            last_error: r.get(7)?,
            delivered_at: r.get::<Option<i64>>(8)?.map(rfc3339),
        })
    };
    match phone {
        Some(phone) => conn.rows(OF_PHONE, params![phone], entry),
        None => conn.rows(ALL, params![], entry),
    }
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// When the earliest queued row is due (unix ms), in flight ones included (at their lease's
/// end); `None` when nothing is queued.
pub fn next_due(conn: &Tx<'_>) -> Result<Option<i64>, Error> {
    super::value(conn, NEXT_DUE, params![])
}

/// Takes up to `limit` rows due at `now_ms` for delivery: counts an attempt on each and leases
/// it until `lease_until_ms`.
pub fn claim(
    conn: &Tx<'_>,
    now_ms: i64,
    lease_until_ms: i64,
    limit: usize,
) -> Result<Vec<Claimed>, Error> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = conn.rows(CLAIM, params![now_ms, lease_until_ms, limit], |r| {
        columns! { r, Claimed { id, phone, code, purpose, created_at, attempts } }
    })?;
    rows.sort_by_key(|c| c.id);
    Ok(rows)
}

/// Records that the webhook took row `id` at `now` (unix seconds). Answers whether the row was
/// still queued (a row delivered or failed is never changed again).
pub fn mark_delivered(conn: &Tx<'_>, id: i64, now: i64) -> Result<bool, Error> {
    let n = conn.execute(
        "UPDATE outbox SET state = 'delivered', delivered_at = ?2, next_attempt_at_ms = NULL
             WHERE id = ?1 AND state = 'queued'",
        params![id, now],
    )?;
    Ok(n == 1)
}

/// Records a failed attempt on row `id`: due again at `retry_at_ms`, or [`State::Failed`]
/// when `None`. Answers whether the row was still queued.
pub fn mark_attempt_failed(
    conn: &Tx<'_>,
    id: i64,
    error: &str,
    retry_at_ms: Option<i64>,
) -> Result<bool, Error> {
    let state = match retry_at_ms {
        Some(_) => State::Queued,
        None => State::Failed,
    };
    let n = conn.execute(
        "UPDATE outbox SET state = ?2, last_error = ?3, next_attempt_at_ms = ?4
             WHERE id = ?1 AND state = 'queued'",
        params![id, state.as_str(), error, retry_at_ms],
    )?;
    Ok(n == 1)
}

/// How many rows are in `state` (for metrics; a range of the `outbox_state` index).
pub fn count(conn: &Tx<'_>, state: State) -> Result<i64, Error> {
    super::value(conn, COUNT, params![state.as_str()])
}

/// How many rows are in each state, in [`State::ALL`]'s order.
pub fn counts(conn: &Tx<'_>) -> Result<Vec<(State, i64)>, Error> {
    State::ALL
        .into_iter()
        .map(|s| Ok((s, count(conn, s)?)))
        .collect()
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
