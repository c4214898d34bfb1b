//! Live tokens of every dialect, stored as SHA-256 digests. Deleting a row revokes a token.

use super::sql::{params, Tx};
use super::{optional_row, value};
use crate::error::Error;

/// A token row found by its digest.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Row id (what logout deletes).
    pub id: i64,
    /// The owning account.
    pub account_pk: i64,
    /// The owning account's UUID, dashed.
    pub account_uid: String,
    /// Absolute expiry, unix seconds, when the kind has one.
    pub expires_at: Option<i64>,
    /// Last use, unix seconds (for idle expiry).
    pub last_used_at: i64,
    /// Exempt from idle expiry and from the live-token cap.
    pub enduring: bool,
}

/// [`find`]'s statement: every authenticated request's.
pub(crate) const FIND: &str =
    "SELECT t.id, t.account_pk, a.uid, t.expires_at, t.last_used_at, t.enduring
     FROM tokens t JOIN accounts a ON a.pk = t.account_pk
     WHERE t.token_hash = ?1 AND t.kind = ?2";
/// [`touch`]'s statement.
pub(crate) const TOUCH: &str = "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1";
/// [`prune_expired`]'s statement (each session opened).
pub(crate) const PRUNE_EXPIRED: &str =
    "DELETE FROM tokens WHERE account_pk = ?1 AND expires_at IS NOT NULL AND expires_at <= ?2";
/// [`prune_idle`]'s statement (each session opened).
pub(crate) const PRUNE_IDLE: &str =
    "DELETE FROM tokens WHERE account_pk = ?1 AND kind = ?2 AND enduring = 0
     AND last_used_at < ?3";
/// [`keep_newest`]'s statement (each session opened).
pub(crate) const KEEP_NEWEST: &str = "DELETE FROM tokens WHERE id IN (
     SELECT id FROM tokens WHERE account_pk = ?1 AND kind = ?2 AND enduring = 0
     ORDER BY id DESC LIMIT 9223372036854775807 OFFSET ?3)";

/// [`delete_pair`]'s statement for the refresh row.
pub(crate) const DELETE_PAIR: &str = "DELETE FROM tokens WHERE id = ?1 + 1 AND kind = ?2
     AND account_pk = (SELECT account_pk FROM tokens WHERE id = ?1)";

/// Stores the digest of a new token; returns its row id.
pub fn insert(
    conn: &Tx<'_>,
    account_pk: i64,
    kind: &str,
    digest: &[u8; 32],
    now: i64,
    expires_at: Option<i64>,
) -> Result<i64, Error> {
    conn.one(
        "INSERT INTO tokens (account_pk, kind, token_hash, created_at, expires_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?4) RETURNING id",
        params![account_pk, kind, &digest[..], now, expires_at],
        |r| r.get(0),
    )
}

/// The live row of a token of `kind` with this digest.
pub fn find(conn: &Tx<'_>, kind: &str, digest: &[u8; 32]) -> Result<Option<TokenRow>, Error> {
    optional_row(conn, FIND, params![&digest[..], kind], |r| {
        columns! { r, TokenRow {
            id, account_pk, account_uid, expires_at, last_used_at, enduring,
        } }
    })
}

/// How many token rows are stored, of every kind (expired ones not yet dropped included).
pub fn count(conn: &Tx<'_>) -> Result<i64, Error> {
    value(conn, "SELECT COUNT(*) FROM tokens", params![])
}

/// How many token rows of `kind` are stored (expired ones not yet dropped included).
pub fn count_of_kind(conn: &Tx<'_>, kind: &str) -> Result<i64, Error> {
    value(
        conn,
        "SELECT COUNT(*) FROM tokens WHERE kind = ?1",
        params![kind],
    )
}

/// Revokes one token.
pub fn delete(conn: &Tx<'_>, id: i64) -> Result<(), Error> {
    conn.execute("DELETE FROM tokens WHERE id = ?1", params![id])?;
    Ok(())
}

/// Revokes every token of an account, of every dialect.
pub fn delete_all(conn: &Tx<'_>, account_pk: i64) -> Result<usize, Error> {
    conn.execute(
        "DELETE FROM tokens WHERE account_pk = ?1",
        params![account_pk],
    )
}

/// Drops expired tokens of an account (kept tidy at each login).
pub fn prune_expired(conn: &Tx<'_>, account_pk: i64, now: i64) -> Result<(), Error> {
    conn.execute(PRUNE_EXPIRED, params![account_pk, now])?;
    Ok(())
}

/// Marks a token as enduring (no idle expiry, outside the cap).
pub fn set_enduring(conn: &Tx<'_>, id: i64) -> Result<(), Error> {
    conn.execute("UPDATE tokens SET enduring = 1 WHERE id = ?1", params![id])?;
    Ok(())
}

/// Records a use of a token now.
pub fn touch(conn: &Tx<'_>, id: i64, now: i64) -> Result<(), Error> {
    conn.execute(TOUCH, params![id, now])?;
    Ok(())
}

/// Drops an account's non-enduring tokens of `kind` last used before `before`.
pub fn prune_idle(conn: &Tx<'_>, account_pk: i64, kind: &str, before: i64) -> Result<(), Error> {
    conn.execute(PRUNE_IDLE, params![account_pk, kind, before])?;
    Ok(())
}

/// Keeps only the `keep` newest non-enduring tokens of `kind` of an account.
pub fn keep_newest(conn: &Tx<'_>, account_pk: i64, kind: &str, keep: i64) -> Result<(), Error> {
    conn.execute(KEEP_NEWEST, params![account_pk, kind, keep.max(0)])?;
    Ok(())
}

/// Stores an INEWW pair: the access token's digest, then the refresh token's at the next id,
/// in the caller's transaction. Returns the access row's id, which names the pair.
///
/// The refresh row's id is given, not drawn: on SQLite the one writer's access row took the
/// highest id, so the next is free; on PostgreSQL ids are drawn by twos (`schema_pg.sql`), so
/// no other row ever takes it, whatever other transactions draw meanwhile.
pub fn insert_pair(
    conn: &Tx<'_>,
    account_pk: i64,
    access: (&str, &[u8; 32], i64),
    refresh: (&str, &[u8; 32], i64),
    now: i64,
) -> Result<i64, Error> {
    let id = insert(conn, account_pk, access.0, access.1, now, Some(access.2))?;
    let (kind, digest, expires_at) = refresh;
    conn.execute(
        "INSERT INTO tokens (id, account_pk, kind, token_hash, created_at, expires_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        params![id + 1, account_pk, kind, &digest[..], now, expires_at],
    )?;
    Ok(id)
}

/// Revokes a token and, when the next row is its pair's `refresh_kind` row (same account),
/// that one too. A token that is not the first of a pair is revoked alone.
pub fn delete_pair(conn: &Tx<'_>, id: i64, refresh_kind: &str) -> Result<(), Error> {
    conn.execute(DELETE_PAIR, params![id, refresh_kind])?;
    delete(conn, id)
}
