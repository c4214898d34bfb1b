//! The login throttle's counters: failed password checks per account (`login_failures`) and
//! failed logins per client address and minute (`peer_failures`). The rules that read and
//! change them are `domain::throttle`'s; this module only keeps the states.

use super::optional_row;
use super::sql::{params, Engine, Tx};
use crate::domain::{AccountFailures, PeerFailures};
use crate::error::Error;

/// [`account`]'s statement (every password check).
pub(crate) const ACCOUNT: &str =
    "SELECT failures, last_failure, locked_until FROM login_failures WHERE account_pk = ?1";
/// [`set_peer`]'s pruning (every failed login; index `peer_failures_minute`).
pub(crate) const PRUNE_PEERS: &str = "DELETE FROM peer_failures WHERE minute < ?1";
/// [`prune_accounts`]'s statement (every failed login; index `login_failures_quiet`, on this
/// very expression).
pub(crate) const PRUNE_ACCOUNTS: &str =
    "DELETE FROM login_failures WHERE MAX(last_failure, locked_until) < ?1";
/// [`PRUNE_ACCOUNTS`] on PostgreSQL, where the scalar maximum is `GREATEST` (and so is the
/// index's expression in `schema_pg.sql`).
pub(crate) const PRUNE_ACCOUNTS_PG: &str =
    "DELETE FROM login_failures WHERE GREATEST(last_failure, locked_until) < ?1";

/// An account's failures, or none.
pub fn account(conn: &Tx<'_>, account_pk: i64) -> Result<AccountFailures, Error> {
    let row = optional_row(conn, ACCOUNT, params![account_pk], |r| {
        Ok(AccountFailures {
            failures: r.get(0)?,
            last_failure: r.get(1)?,
            locked_until: r.get(2)?,
        })
    })?;
    Ok(row.unwrap_or_default())
}

/// Stores an account's failures.
pub fn set_account(conn: &Tx<'_>, account_pk: i64, s: &AccountFailures) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO login_failures (account_pk, failures, last_failure, locked_until)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(account_pk) DO UPDATE SET failures = excluded.failures,
             last_failure = excluded.last_failure, locked_until = excluded.locked_until",
        params![account_pk, s.failures, s.last_failure, s.locked_until],
    )?;
    Ok(())
}

/// Forgets an account's failures (a success, a reset by code, an operator's unlock). Answers
/// whether there were any.
pub fn clear_account(conn: &Tx<'_>, account_pk: i64) -> Result<bool, Error> {
    let n = conn.execute(
        "DELETE FROM login_failures WHERE account_pk = ?1",
        params![account_pk],
    )?;
    Ok(n > 0)
}

/// A client address's failures, or none.
pub fn peer(conn: &Tx<'_>, peer: &str) -> Result<PeerFailures, Error> {
    let row = optional_row(
        conn,
        "SELECT minute, failures FROM peer_failures WHERE peer = ?1",
        params![peer],
        |r| {
            Ok(PeerFailures {
                minute: r.get(0)?,
                failures: r.get(1)?,
            })
        },
    )?;
    Ok(row.unwrap_or_default())
}

/// Stores a client address's failures, and drops the rows of minutes before `s.minute - 1`
/// (nobody reads them again).
pub fn set_peer(conn: &Tx<'_>, peer: &str, s: &PeerFailures) -> Result<(), Error> {
    conn.execute(PRUNE_PEERS, params![s.minute - 1])?;
    conn.execute(
        "INSERT INTO peer_failures (peer, minute, failures) VALUES (?1, ?2, ?3)
         ON CONFLICT(peer) DO UPDATE SET minute = excluded.minute, failures = excluded.failures",
        params![peer, s.minute, s.failures],
    )?;
    Ok(())
}

/// Drops account rows quiet for longer than `quiet_secs` before `now` (neither failing nor
/// locked since): their next failure starts the count again anyway.
pub fn prune_accounts(conn: &Tx<'_>, now: i64, quiet_secs: i64) -> Result<(), Error> {
    let sql = match conn.engine() {
        Engine::Sqlite => PRUNE_ACCOUNTS,
        Engine::Postgres => PRUNE_ACCOUNTS_PG,
    };
    conn.execute(sql, params![now - quiet_secs])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{testing, Store};

    /// A store whose one account has these failures stored: the store, the account's pk, the
    /// failures, and the directory to keep alive.
    fn stored(
        failures: u32,
        last_failure: i64,
        locked_until: i64,
    ) -> (Store, i64, AccountFailures, tempfile::TempDir) {
        let (store, pk, dir) = testing::store_with_account();
        let s = AccountFailures {
            failures,
            last_failure,
            locked_until,
        };
        store.write(|tx| set_account(tx, pk, &s)).unwrap();
        (store, pk, s, dir)
    }

    #[test]
    fn account_failures_round_trip_and_clear() {
        let (store, pk, s, _d) = stored(3, 100, 160);
        assert_eq!(store.read(|c| account(c, pk)).unwrap(), s);
        assert!(store.write(|tx| clear_account(tx, pk)).unwrap());
        let none = store.read(|c| account(c, pk)).unwrap();
        assert_eq!(none, AccountFailures::default());
        assert!(!store.write(|tx| clear_account(tx, pk)).unwrap());
    }

    #[test]
    fn quiet_account_rows_and_old_peer_minutes_are_pruned() {
        let (store, pk, s, _d) = stored(1, 100, 0);
        store.write(|tx| prune_accounts(tx, 1000, 900)).unwrap();
        assert_eq!(store.read(|c| account(c, pk)).unwrap(), s);
        store.write(|tx| prune_accounts(tx, 1001, 900)).unwrap();
        let none = store.read(|c| account(c, pk)).unwrap();
        assert_eq!(none, AccountFailures::default());

        let old = PeerFailures {
            minute: 10,
            failures: 3,
        };
        store.write(|tx| set_peer(tx, "10.0.0.1", &old)).unwrap();
        let now = PeerFailures {
            minute: 12,
            failures: 1,
        };
        store.write(|tx| set_peer(tx, "10.0.0.2", &now)).unwrap();
        assert_eq!(
            store.read(|c| peer(c, "10.0.0.1")).unwrap(),
            PeerFailures::default()
        );
        assert_eq!(store.read(|c| peer(c, "10.0.0.2")).unwrap(), now);
    }
}
