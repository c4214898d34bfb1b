//! INEWW profile fields of an account (`ineww_profiles`): one row per account, written on its
//! first INEWW profile update. An account without a row has [`MemberProfile::default`].

use super::optional_row;
use super::sql::{params, Tx};
use crate::domain::{MemberChanges, MemberProfile};
use crate::error::Error;

/// [`get`]'s statement (INEWW session and member reads).
pub(crate) const GET: &str =
    "SELECT gender, signature, avatar, tags, address, company, birthday, balance_cents
     FROM ineww_profiles WHERE account_pk = ?1";

/// The profile fields of an account, when it ever set any.
pub fn get(conn: &Tx<'_>, account_pk: i64) -> Result<Option<MemberProfile>, Error> {
    optional_row(conn, GET, params![account_pk], |r| {
        columns! { r, MemberProfile {
            gender, signature, avatar, tags, address, company, birthday, balance_cents,
        } }
    })
}

/// Writes the given fields, creating the row with defaults for the others when there is none;
/// a `None` field keeps its value.
pub fn update(conn: &Tx<'_>, account_pk: i64, c: &MemberChanges, now: i64) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO ineww_profiles
             (account_pk, gender, signature, avatar, tags, address, company, birthday, updated_at)
         VALUES (?1, COALESCE(?2, 2), COALESCE(?3, ''), COALESCE(?4, ''), COALESCE(?5, ''),
                 COALESCE(?6, ''), COALESCE(?7, ''), ?8, ?9)
         ON CONFLICT(account_pk) DO UPDATE SET
             gender = COALESCE(?2, ineww_profiles.gender),
             signature = COALESCE(?3, ineww_profiles.signature),
             avatar = COALESCE(?4, ineww_profiles.avatar),
             tags = COALESCE(?5, ineww_profiles.tags),
             address = COALESCE(?6, ineww_profiles.address),
             company = COALESCE(?7, ineww_profiles.company),
             birthday = COALESCE(?8, ineww_profiles.birthday),
             updated_at = ?9",
        params![
            account_pk,
            c.gender,
            c.signature,
            c.avatar,
            c.tags,
            c.address,
            c.company,
            c.birthday,
            now
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::accounts;
    use crate::store::testing::store_with_account;

    #[test]
    fn an_account_without_a_row_has_no_profile() {
        let (store, pk, _d) = store_with_account();
        assert_eq!(store.read(|c| get(c, pk)).unwrap(), None);
    }

    #[test]
    fn an_update_keeps_the_fields_it_does_not_name() {
        let (store, pk, _d) = store_with_account();
        let first = MemberChanges {
            signature: Some("hello".into()),
            birthday: Some("2013-01-23".into()),
            ..Default::default()
        };
        store.write(|tx| update(tx, pk, &first, 1)).unwrap();
        let second = MemberChanges {
            gender: Some(1),
            ..Default::default()
        };
        store.write(|tx| update(tx, pk, &second, 2)).unwrap();
        let p = store.read(|c| get(c, pk)).unwrap().unwrap();
        assert_eq!(p.gender, 1);
        assert_eq!(p.signature, "hello");
        assert_eq!(p.birthday.as_deref(), Some("2013-01-23"));
        assert_eq!(p.avatar, "");
        assert_eq!(p.balance_cents, 0);
    }

    #[test]
    fn deleting_the_account_deletes_its_profile() {
        let (store, pk, _d) = store_with_account();
        store
            .write(|tx| update(tx, pk, &MemberChanges::default(), 1))
            .unwrap();
        store.write(|tx| accounts::delete(tx, pk)).unwrap();
        assert_eq!(store.read(|c| get(c, pk)).unwrap(), None);
    }
}
