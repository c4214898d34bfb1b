//! The rooms app's tables: an account's rooms-only fields (`rooms_profiles`) and the rooms
//! (`rooms`). Room numbers (`roomid`) of accounts and of rooms come from one space.

use super::sql::{params, Row, Tx};
use super::{optional_row, taken_as, value};
use crate::domain::{Account, Room, RoomsChanges, RoomsProfile, RoomsUser};
use crate::error::Error;

/// The rooms-only fields of an account, when it has them.
pub fn profile(conn: &Tx<'_>, account_pk: i64) -> Result<Option<RoomsProfile>, Error> {
    optional_row(
        conn,
        "SELECT roomid, sex, age, country, province, city, career, login_type, img
         FROM rooms_profiles WHERE account_pk = ?1",
        params![account_pk],
        |r| {
            columns! { r, RoomsProfile {
                roomid, sex, age, country, province, city, career, login_type, img,
            } }
        },
    )
}

/// Random 4-digit room numbers drawn before falling back to one above the highest in use.
const ROOMID_DRAWS: usize = 8;

/// A room number no account and no room has: a random one of 1000–9999 from `draw` (the
/// document's numbers have 4 digits), or, when `ROOMID_DRAWS` draws all hit taken numbers,
/// one above the highest in use. Run inside the writing transaction, so no one else takes it
/// meanwhile.
pub fn new_roomid(conn: &Tx<'_>, draw: &mut dyn FnMut() -> i64) -> Result<i64, Error> {
    for _ in 0..ROOMID_DRAWS {
        let n = draw();
        if n >= 1000 && !roomid_taken(conn, n)? {
            return Ok(n);
        }
    }
    Ok(max_roomid(conn)?.max(999) + 1)
}

/// The account's rooms row, made first (with a new room number) when it has none.
pub fn ensure_profile(
    conn: &Tx<'_>,
    account_pk: i64,
    now: i64,
    draw: &mut dyn FnMut() -> i64,
) -> Result<RoomsProfile, Error> {
    if let Some(p) = profile(conn, account_pk)? {
        return Ok(p);
    }
    let roomid = new_roomid(conn, draw)?;
    insert_profile(
        conn,
        account_pk,
        roomid,
        0,
        None,
        &RoomsChanges::default(),
        now,
    )?;
    Ok(profile(conn, account_pk)?.unwrap_or(RoomsProfile {
        roomid,
        ..RoomsProfile::default()
    }))
}

/// The rooms view of an account: its rooms row, or the defaults (room number 0).
pub fn user(conn: &Tx<'_>, account: Account) -> Result<RoomsUser, Error> {
    let profile = profile(conn, account.pk)?.unwrap_or_default();
    Ok(RoomsUser { account, profile })
}

/// Creates an account's rooms row with its room number, login type, third-party id and the
/// given fields (defaults for the others). A third-party id already linked to an account gives
/// [`Error::AlreadyDone`].
pub fn insert_profile(
    conn: &Tx<'_>,
    account_pk: i64,
    roomid: i64,
    login_type: i64,
    snsid: Option<&str>,
    c: &RoomsChanges,
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO rooms_profiles (account_pk, roomid, login_type, snsid, sex, age, country,
                 province, city, career, img, updated_at)
             VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 2), COALESCE(?6, 0), COALESCE(?7, ''),
                 COALESCE(?8, ''), COALESCE(?9, ''), COALESCE(?10, ''), COALESCE(?11, ''), ?12)",
        params![
            account_pk, roomid, login_type, snsid, c.sex, c.age, c.country, c.province, c.city,
            c.career, c.img, now
        ],
    )
    .map_err(taken_as(Error::AlreadyDone(
        "this third-party identity already has an account",
    )))?;
    Ok(())
}

/// Writes the given fields of an existing rooms row; a `None` field keeps its value.
pub fn update_profile(
    conn: &Tx<'_>,
    account_pk: i64,
    c: &RoomsChanges,
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE rooms_profiles SET
             sex = COALESCE(?2, sex), age = COALESCE(?3, age),
             country = COALESCE(?4, country), province = COALESCE(?5, province),
             city = COALESCE(?6, city), career = COALESCE(?7, career),
             img = COALESCE(?8, img), updated_at = ?9
         WHERE account_pk = ?1",
        params![account_pk, c.sex, c.age, c.country, c.province, c.city, c.career, c.img, now],
    )?;
    Ok(())
}

/// The account linked to a third-party identity.
pub fn by_sns(conn: &Tx<'_>, login_type: i64, snsid: &str) -> Result<Option<i64>, Error> {
    optional_row(
        conn,
        "SELECT account_pk FROM rooms_profiles WHERE login_type = ?1 AND snsid = ?2",
        params![login_type, snsid],
        |r| r.get(0),
    )
}

/// Whether an account or a room already has this room number.
pub fn roomid_taken(conn: &Tx<'_>, roomid: i64) -> Result<bool, Error> {
    value(
        conn,
        "SELECT EXISTS (SELECT 1 FROM rooms_profiles WHERE roomid = ?1)
             OR EXISTS (SELECT 1 FROM rooms WHERE roomid = ?1)",
        params![roomid],
    )
}

/// The highest room number in use by an account or a room (0 when none is).
pub fn max_roomid(conn: &Tx<'_>) -> Result<i64, Error> {
    let highest = |sql| value::<Option<i64>>(conn, sql, params![]).map(Option::unwrap_or_default);
    Ok(highest("SELECT MAX(roomid) FROM rooms_profiles")?
        .max(highest("SELECT MAX(roomid) FROM rooms")?))
}

/// [`room`]'s statement; its columns are [`room_row`]'s.
pub(crate) const ROOM: &str =
    "SELECT pk, owner_pk, roomid, room_alias, active FROM rooms WHERE pk = ?1";

fn room_row(r: &Row<'_>) -> Result<Room, Error> {
    columns! { r, Room { pk, owner_pk, roomid, room_alias, active } }
}

fn alias_taken(e: Error) -> Error {
    taken_as(Error::AlreadyDone("room_alias already taken"))(e)
}

/// Creates a room; a `room_alias` another room has gives [`Error::AlreadyDone`].
pub fn insert_room(
    conn: &Tx<'_>,
    owner_pk: i64,
    roomid: i64,
    room_alias: &str,
    active: bool,
    now: i64,
) -> Result<i64, Error> {
    conn.one(
        "INSERT INTO rooms (owner_pk, roomid, room_alias, active, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING pk",
        params![owner_pk, roomid, room_alias, active, now],
        |r| r.get(0),
    )
    .map_err(alias_taken)
}

/// One room by pk, open or not.
pub fn room(conn: &Tx<'_>, pk: i64) -> Result<Option<Room>, Error> {
    optional_row(conn, ROOM, params![pk], room_row)
}

/// Changes a room's alias and open state; `None` keeps the value.
pub fn update_room(
    conn: &Tx<'_>,
    pk: i64,
    room_alias: Option<&str>,
    active: Option<bool>,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE rooms SET room_alias = COALESCE(?2, room_alias), active = COALESCE(?3, active)
         WHERE pk = ?1",
        params![pk, room_alias, active],
    )
    .map_err(alias_taken)?;
    Ok(())
}

/// Deletes a room.
pub fn delete_room(conn: &Tx<'_>, pk: i64) -> Result<(), Error> {
    conn.execute("DELETE FROM rooms WHERE pk = ?1", params![pk])?;
    Ok(())
}

/// [`count_active`]'s statement: the count the `rooms` triggers keep (schema.sql), one row
/// read instead of every open room's (1.8 ms at 75 000 open rooms).
pub(crate) const COUNT_ACTIVE: &str = "SELECT value FROM counters WHERE name = 'active_rooms'";

/// [`active_page`]'s statement (index `rooms_active`).
pub(crate) const ACTIVE_PAGE: &str = "SELECT pk, owner_pk, roomid, room_alias, active FROM rooms
     WHERE active = 1 ORDER BY pk LIMIT ?1 OFFSET ?2";

/// How many rooms are open.
pub fn count_active(conn: &Tx<'_>) -> Result<i64, Error> {
    value(conn, COUNT_ACTIVE, params![])
}

/// Open rooms by pk, `limit` of them after skipping `offset`, and how many are open. A page
/// that starts past the last open room is empty without being read: OFFSET walks every row it
/// skips, and `page` has no upper bound (2.9 ms for a far page over 75 000 open rooms).
pub fn active_page(conn: &Tx<'_>, limit: i64, offset: i64) -> Result<(Vec<Room>, i64), Error> {
    let total = count_active(conn)?;
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    let rows = conn.rows(ACTIVE_PAGE, params![limit, offset], room_row)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::accounts;
    use crate::store::testing::store_with_account;

    #[test]
    fn a_new_profile_has_the_defaults_for_fields_not_given() {
        let (store, pk, _d) = store_with_account();
        let given = RoomsChanges {
            city: Some("南京".into()),
            ..Default::default()
        };
        store
            .write(|tx| insert_profile(tx, pk, 8696, 0, None, &given, 1))
            .unwrap();
        let p = store.read(|c| profile(c, pk)).unwrap().unwrap();
        assert_eq!((p.roomid, p.sex, p.age, p.login_type), (8696, 2, 0, 0));
        assert_eq!((p.city.as_str(), p.country.as_str()), ("南京", ""));
    }

    #[test]
    fn room_numbers_are_one_space_for_accounts_and_rooms() {
        let (store, pk, _d) = store_with_account();
        assert_eq!(store.read(max_roomid).unwrap(), 0);
        store
            .write(|tx| insert_profile(tx, pk, 1234, 0, None, &RoomsChanges::default(), 1))
            .unwrap();
        store
            .write(|tx| insert_room(tx, pk, 1300, "a", true, 1))
            .unwrap();
        assert!(store.read(|c| roomid_taken(c, 1234)).unwrap());
        assert!(store.read(|c| roomid_taken(c, 1300)).unwrap());
        assert!(!store.read(|c| roomid_taken(c, 1299)).unwrap());
        assert_eq!(store.read(max_roomid).unwrap(), 1300);
    }

    #[test]
    fn a_taken_alias_is_refused_and_only_open_rooms_are_paged() {
        let (store, pk, _d) = store_with_account();
        let a = store
            .write(|tx| insert_room(tx, pk, 1001, "a", true, 1))
            .unwrap();
        let r = store.write(|tx| insert_room(tx, pk, 1002, "a", true, 1));
        assert!(matches!(r, Err(Error::AlreadyDone(_))));
        store
            .write(|tx| insert_room(tx, pk, 1003, "b", false, 1))
            .unwrap();
        store
            .write(|tx| insert_room(tx, pk, 1004, "c", true, 1))
            .unwrap();
        assert_eq!(store.read(count_active).unwrap(), 2);
        let (page, total) = store.read(|c| active_page(c, 1, 1)).unwrap();
        assert_eq!((page.len(), total), (1, 2));
        let far = store.read(|c| active_page(c, 1, i64::MAX)).unwrap();
        assert_eq!((far.0.len(), far.1), (0, 2));
        assert_eq!(page[0].room_alias, "c");
        store
            .write(|tx| update_room(tx, a, None, Some(false)))
            .unwrap();
        assert_eq!(store.read(count_active).unwrap(), 1);
        assert_eq!(store.read(|c| room(c, a)).unwrap().unwrap().room_alias, "a");
    }

    #[test]
    fn the_kept_count_follows_every_write_including_an_account_deletion() {
        let (store, pk, _d) = store_with_account();
        let other = store
            .write(|tx| crate::store::testing::account(tx, uuid::Uuid::from_u128(2), "13000000002"))
            .unwrap();
        let counted = || {
            let sql = "SELECT COUNT(*) FROM rooms WHERE active = 1";
            let real: i64 = store.read(|c| c.one(sql, params![], |r| r.get(0))).unwrap();
            assert_eq!(store.read(count_active).unwrap(), real);
            real
        };
        assert_eq!(counted(), 0);
        let a = store
            .write(|tx| insert_room(tx, pk, 1001, "a", true, 1))
            .unwrap();
        let b = store
            .write(|tx| insert_room(tx, pk, 1002, "b", false, 1))
            .unwrap();
        store
            .write(|tx| insert_room(tx, other, 1003, "c", true, 1))
            .unwrap();
        assert_eq!(counted(), 2);
        store
            .write(|tx| update_room(tx, a, Some("a2"), None))
            .unwrap();
        store
            .write(|tx| update_room(tx, a, None, Some(true)))
            .unwrap();
        assert_eq!(counted(), 2);
        store
            .write(|tx| update_room(tx, b, None, Some(true)))
            .unwrap();
        assert_eq!(counted(), 3);
        store
            .write(|tx| update_room(tx, a, None, Some(false)))
            .unwrap();
        assert_eq!(counted(), 2);
        store.write(|tx| delete_room(tx, a)).unwrap();
        assert_eq!(counted(), 2);
        let refused = store.write(|tx| insert_room(tx, pk, 1004, "c", true, 1));
        assert!(refused.is_err());
        assert_eq!(counted(), 2);
        store.write(|tx| accounts::delete(tx, pk)).unwrap();
        assert_eq!(counted(), 1);
    }

    #[test]
    fn deleting_the_account_deletes_its_profile_and_rooms() {
        let (store, pk, _d) = store_with_account();
        store
            .write(|tx| insert_profile(tx, pk, 1234, 1, Some("wx"), &RoomsChanges::default(), 1))
            .unwrap();
        let room_pk = store
            .write(|tx| insert_room(tx, pk, 1300, "a", true, 1))
            .unwrap();
        assert_eq!(store.read(|c| by_sns(c, 1, "wx")).unwrap(), Some(pk));
        store.write(|tx| accounts::delete(tx, pk)).unwrap();
        assert_eq!(store.read(|c| profile(c, pk)).unwrap(), None);
        assert_eq!(store.read(|c| room(c, room_pk)).unwrap(), None);
        assert_eq!(store.read(|c| by_sns(c, 1, "wx")).unwrap(), None);
    }
}
