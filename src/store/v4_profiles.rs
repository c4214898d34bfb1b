//! v4.0 app fields of an account (`v4_profiles`): the device of its last v4 session, its
//! enterprise (none yet: no endpoint sets one), and the password-reset window a successful
//! `verify_code` opens. One row per account, created on first use.

use super::sql::{params, Tx};
use super::{optional_row, value};
use crate::error::Error;

/// The v4 fields of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V4Row {
    /// The `device_identifier` of the last v4 register or login.
    pub device_identifier: Option<String>,
    /// The account's enterprise; `None` is shown as -1.
    pub enterprise_id: Option<i64>,
}

/// The v4 fields of an account, when it has a row.
pub fn get(conn: &Tx<'_>, account_pk: i64) -> Result<Option<V4Row>, Error> {
    optional_row(
        conn,
        "SELECT device_identifier, enterprise_id FROM v4_profiles WHERE account_pk = ?1",
        params![account_pk],
        |r| {
            columns! { r, V4Row { device_identifier, enterprise_id } }
        },
    )
}

/// How many accounts have a v4 row.
pub fn count(conn: &Tx<'_>) -> Result<i64, Error> {
    value(conn, "SELECT COUNT(*) FROM v4_profiles", params![])
}

/// Records `device` as the account's last device, creating the row when there is none.
pub fn set_device(conn: &Tx<'_>, account_pk: i64, device: &str, now: i64) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO v4_profiles (account_pk, device_identifier, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(account_pk) DO UPDATE SET device_identifier = ?2, updated_at = ?3",
        params![account_pk, device, now],
    )?;
    Ok(())
}

/// Opens (or reopens) the password-reset window of an account for `phone` until `until`.
pub fn open_reset(
    conn: &Tx<'_>,
    account_pk: i64,
    phone: &str,
    until: i64,
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO v4_profiles (account_pk, reset_phone, reset_until, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(account_pk) DO UPDATE SET reset_phone = ?2, reset_until = ?3, updated_at = ?4",
        params![account_pk, phone, until, now],
    )?;
    Ok(())
}

/// Whether the account's reset window is open for `phone` at `now`.
pub fn reset_open(conn: &Tx<'_>, account_pk: i64, phone: &str, now: i64) -> Result<bool, Error> {
    Ok(optional_row(
        conn,
        "SELECT 1 FROM v4_profiles
         WHERE account_pk = ?1 AND reset_phone = ?2 AND reset_until > ?3",
        params![account_pk, phone, now],
        |_| Ok(()),
    )?
    .is_some())
}

/// Closes the account's reset window if it is open for `phone` at `now`; answers whether it
/// was (so that it serves once).
pub fn take_reset(conn: &Tx<'_>, account_pk: i64, phone: &str, now: i64) -> Result<bool, Error> {
    let changed = conn.execute(
        "UPDATE v4_profiles SET reset_phone = NULL, reset_until = NULL, updated_at = ?3
             WHERE account_pk = ?1 AND reset_phone = ?2 AND reset_until > ?3",
        params![account_pk, phone, now],
    )?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::store_with_account;

    #[test]
    fn an_account_without_a_row_has_no_device_and_no_enterprise() {
        let (store, pk, _d) = store_with_account();
        assert_eq!(store.read(|c| get(c, pk)).unwrap(), None);
        store.write(|tx| set_device(tx, pk, "uuid", 1)).unwrap();
        let row = store.read(|c| get(c, pk)).unwrap().unwrap();
        assert_eq!(row.device_identifier.as_deref(), Some("uuid"));
        assert_eq!(row.enterprise_id, None);
    }

    #[test]
    fn a_reset_window_serves_once_for_its_phone_and_only_until_it_closes() {
        let (store, pk, _d) = store_with_account();
        let phone = "13126939900";
        store.write(|tx| set_device(tx, pk, "uuid", 1)).unwrap();
        store.write(|tx| open_reset(tx, pk, phone, 600, 0)).unwrap();
        assert!(!store.read(|c| reset_open(c, pk, "13126939901", 1)).unwrap());
        assert!(!store.read(|c| reset_open(c, pk, phone, 600)).unwrap());
        assert!(store.read(|c| reset_open(c, pk, phone, 599)).unwrap());
        assert!(store.write(|tx| take_reset(tx, pk, phone, 599)).unwrap());
        assert!(!store.write(|tx| take_reset(tx, pk, phone, 599)).unwrap());
        // Opening a window keeps the device.
        let row = store.read(|c| get(c, pk)).unwrap().unwrap();
        assert_eq!(row.device_identifier.as_deref(), Some("uuid"));
    }
}
