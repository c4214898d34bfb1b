//! Accounts: one table for every dialect.

use super::sql::{params, Param, Row, Tx};
use super::{optional_row, taken_as, value};
use crate::domain::Account;
use crate::error::Error;
use uuid::Uuid;

/// An account SELECT: the columns [`from_row`] reads, then `$tail` (a literal), so each
/// statement below is a `const` the plan test ([`super::plans`]) reads too.
macro_rules! select_accounts {
    ($tail:literal) => {
        concat!(
            "SELECT pk, uid, phone, username, email, name, nickname, level, created_at, ",
            "password_hash FROM accounts ",
            $tail
        )
    };
}

/// [`by_phone`]'s statement.
pub(crate) const BY_PHONE: &str = select_accounts!("WHERE phone = ?1");
/// [`by_username`]'s statement.
pub(crate) const BY_USERNAME: &str = select_accounts!("WHERE username = ?1");
/// [`by_pk`]'s and [`by_pk_with_hash`]'s statement.
pub(crate) const BY_PK: &str = select_accounts!("WHERE pk = ?1");
/// [`by_uid`]'s statement.
pub(crate) const BY_UID: &str = select_accounts!("WHERE uid = ?1");
/// [`all`]'s statement: every account, for the HelpAged admin list (whose wire has no paging).
pub(crate) const ALL: &str = select_accounts!("ORDER BY phone");

/// The fields of a new account.
pub struct NewAccount<'a> {
    /// The account's UUID.
    pub uid: Uuid,
    /// Login phone (already validated).
    pub phone: &'a str,
    /// Contact e-mail.
    pub email: Option<&'a str>,
    /// Display name.
    pub name: Option<&'a str>,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Creation time, unix microseconds.
    pub created_at: i64,
}

fn from_row(r: &Row<'_>) -> Result<(Account, String), Error> {
    let uid: String = r.get(1)?;
    Ok((
        Account {
            pk: r.get(0)?,
            uid: Uuid::parse_str(&uid).unwrap_or_default(),
            phone: r.get(2)?,
            username: r.get(3)?,
            email: r.get(4)?,
            name: r.get(5)?,
            nickname: r.get(6)?,
            level: r.get(7)?,
            created_at: r.get(8)?,
        },
        r.get(9)?,
    ))
}

/// The fields of a new account made by login name (rooms): the phone is optional.
pub struct NewNamedAccount<'a> {
    /// The account's UUID.
    pub uid: Uuid,
    /// Login name (unique).
    pub username: &'a str,
    /// Nickname.
    pub nickname: Option<&'a str>,
    /// Login phone (already validated), if any.
    pub phone: Option<&'a str>,
    /// Contact e-mail.
    pub email: Option<&'a str>,
    /// argon2id PHC string (or a string no password matches).
    pub password_hash: &'a str,
    /// Creation time, unix microseconds.
    pub created_at: i64,
}

/// The domain error of a UNIQUE violation on `accounts`: which key was taken.
fn taken(e: Error) -> Error {
    let username = super::sql::is_unique_on(&e, "accounts", "username");
    taken_as(match username {
        true => Error::AlreadyDone("username already taken"),
        false => Error::PhoneTaken,
    })(e)
}

/// Inserts an account by login name; a taken username gives [`Error::AlreadyDone`], a taken
/// phone [`Error::PhoneTaken`].
pub fn insert_named(conn: &Tx<'_>, a: &NewNamedAccount<'_>) -> Result<i64, Error> {
    conn.one(
        "INSERT INTO accounts (uid, username, nickname, phone, email, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING pk",
        params![
            a.uid.hyphenated().to_string(),
            a.username,
            a.nickname,
            a.phone,
            a.email,
            a.password_hash,
            a.created_at
        ],
        |r| r.get(0),
    )
    .map_err(taken)
}

/// The account `sql` (one of this module's lookups by a unique column) selects with `key`,
/// with its password hash.
fn by_key(conn: &Tx<'_>, sql: &str, key: impl Param) -> Result<Option<(Account, String)>, Error> {
    optional_row(conn, sql, params![key], from_row)
}

/// The account with this login name, with its password hash.
pub fn by_username(conn: &Tx<'_>, username: &str) -> Result<Option<(Account, String)>, Error> {
    by_key(conn, BY_USERNAME, username)
}

/// The account a rooms login key names: the account with that username, else the one with
/// that phone.
pub fn by_login_key(conn: &Tx<'_>, key: &str) -> Result<Option<(Account, String)>, Error> {
    match by_username(conn, key)? {
        Some(found) => Ok(Some(found)),
        None => by_phone(conn, key),
    }
}

/// Sets an account's login name; one another account has gives [`Error::AlreadyDone`].
pub fn set_username(conn: &Tx<'_>, pk: i64, username: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE accounts SET username = ?2 WHERE pk = ?1",
        params![pk, username],
    )
    .map_err(taken)?;
    Ok(())
}

/// Inserts an account; a phone that already has one gives [`Error::PhoneTaken`].
pub fn insert(conn: &Tx<'_>, a: &NewAccount<'_>) -> Result<i64, Error> {
    conn.one(
        "INSERT INTO accounts (uid, phone, email, name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING pk",
        params![
            a.uid.hyphenated().to_string(),
            a.phone,
            a.email,
            a.name,
            a.password_hash,
            a.created_at
        ],
        |r| r.get(0),
    )
    .map_err(taken_as(Error::PhoneTaken))
}

/// The account with this login phone, with its password hash.
pub fn by_phone(conn: &Tx<'_>, phone: &str) -> Result<Option<(Account, String)>, Error> {
    by_key(conn, BY_PHONE, phone)
}

/// The account with this integer id, with its password hash.
pub fn by_pk_with_hash(conn: &Tx<'_>, pk: i64) -> Result<Option<(Account, String)>, Error> {
    by_key(conn, BY_PK, pk)
}

/// The account with this integer id.
pub fn by_pk(conn: &Tx<'_>, pk: i64) -> Result<Option<Account>, Error> {
    Ok(by_key(conn, BY_PK, pk)?.map(|(a, _)| a))
}

/// The account with this UUID.
pub fn by_uid(conn: &Tx<'_>, uid: &Uuid) -> Result<Option<Account>, Error> {
    Ok(by_key(conn, BY_UID, uid.hyphenated().to_string())?.map(|(a, _)| a))
}

/// Moves an account to a new login phone; a phone that already has an account gives
/// [`Error::PhoneTaken`].
pub fn set_phone(conn: &Tx<'_>, pk: i64, phone: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE accounts SET phone = ?2 WHERE pk = ?1",
        params![pk, phone],
    )
    .map_err(taken_as(Error::PhoneTaken))?;
    Ok(())
}

/// Replaces the password hash of an account.
pub fn set_password(conn: &Tx<'_>, pk: i64, hash: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE pk = ?1",
        params![pk, hash],
    )?;
    Ok(())
}

/// Sets the level of the account with this phone; false when there is none.
pub fn set_level(conn: &Tx<'_>, phone: &str, level: i64) -> Result<bool, Error> {
    let n = conn.execute(
        "UPDATE accounts SET level = ?2 WHERE phone = ?1",
        params![phone, level],
    )?;
    Ok(n == 1)
}

/// Applies a profile patch to an account.
pub fn update_profile(
    conn: &Tx<'_>,
    pk: i64,
    patch: &crate::domain::ProfilePatch,
) -> Result<(), Error> {
    use crate::domain::Patch;
    for (column, value) in [
        ("name", &patch.name),
        ("nickname", &patch.nickname),
        ("email", &patch.email),
    ] {
        let v = match value {
            Patch::Keep => continue,
            Patch::Clear => None,
            Patch::Set(v) => Some(v.as_str()),
        };
        // `column` comes from the fixed list above, never from the request.
        conn.execute(
            &format!("UPDATE accounts SET {column} = ?2 WHERE pk = ?1"),
            params![pk, v],
        )?;
    }
    if let Some(level) = patch.level {
        conn.execute(
            "UPDATE accounts SET level = ?2 WHERE pk = ?1",
            params![pk, level],
        )?;
    }
    Ok(())
}

/// Every account, by phone.
pub fn all(conn: &Tx<'_>) -> Result<Vec<Account>, Error> {
    conn.rows(ALL, params![], |r| Ok(from_row(r)?.0))
}

/// How many accounts there are.
pub fn count(conn: &Tx<'_>) -> Result<i64, Error> {
    value(conn, "SELECT COUNT(*) FROM accounts", params![])
}

/// Deletes an account with everything it owns; false when there was none.
pub fn delete(conn: &Tx<'_>, pk: i64) -> Result<bool, Error> {
    Ok(conn.execute("DELETE FROM accounts WHERE pk = ?1", params![pk])? == 1)
}
