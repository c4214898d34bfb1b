//! Unit tests of the schema migrations: every version upgrades to the current one, keeping its
//! data.

use super::*;
use crate::store::outbox::{self, State};
use crate::store::sql::params;
use crate::store::{accounts, devices, rooms, Store};

/// A store opened (so migrated) over a database made by `schema_v3.sql` and then `sql`
/// (which sets the `user_version` to start from).
fn upgraded_from_v3(sql: &str) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let old = Connection::open(&path).unwrap();
    old.execute_batch(include_str!("testdata/schema_v3.sql"))
        .unwrap();
    old.execute_batch(sql).unwrap();
    drop(old);
    (Store::open(&path, 1).unwrap(), dir)
}

/// A store opened (so migrated) over a database made by version 7's schema and then `sql`.
fn upgraded_from_v7(sql: &str) -> Result<(Store, tempfile::TempDir), StoreError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let old = Connection::open(&path).unwrap();
    old.execute_batch(include_str!("testdata/schema_v7.sql"))
        .unwrap();
    old.execute_batch("PRAGMA user_version = 7;").unwrap();
    old.execute_batch(sql).unwrap();
    drop(old);
    Ok((Store::open(&path, 1)?, dir))
}

const V7_ROOMS: &str = "
    INSERT INTO accounts (pk, uid, phone, password_hash, created_at)
        VALUES (7, 'u-7', '13000000007', 'h', 1);
    INSERT INTO rooms (owner_pk, roomid, room_alias, active, created_at) VALUES
        (7, 1001, 'a', 1, 1), (7, 1002, 'b', 0, 1), (7, 1003, 'c', 1, 1);";

#[test]
fn a_version_7_database_gets_its_active_room_count_and_the_new_indexes() {
    let (store, _dir) = upgraded_from_v7(V7_ROOMS).unwrap();
    let one = |sql: &str| -> i64 { store.read(|c| c.one(sql, params![], |r| r.get(0))).unwrap() };
    assert_eq!(one("PRAGMA user_version"), SCHEMA_VERSION);
    assert_eq!(store.read(rooms::count_active).unwrap(), 2);
    let indexes = "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name IN
        ('codes_hash', 'codes_expires', 'outbox_created', 'image_captchas_expires',
         'notice_reads_account', 'rooms_owner')";
    assert_eq!(one(indexes), 6);
    // The triggers count from the recounted value on.
    store
        .write(|tx| rooms::insert_room(tx, 7, 1004, "d", true, 2).map(drop))
        .unwrap();
    assert_eq!(store.read(rooms::count_active).unwrap(), 3);
}

#[test]
fn a_version_8_outbox_keeps_its_rows_as_kept_gets_its_delivery_columns_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let old = Connection::open(&path).unwrap();
    old.execute_batch(include_str!("testdata/schema_v8.sql"))
        .unwrap();
    old.execute_batch(
        "PRAGMA user_version = 8;
         INSERT INTO outbox (id, phone, code, purpose, created_at) VALUES
             (4, '13000000001', '111111', 'register', 100),
             (9, '13000000002', '222222', 'reset', 200);",
    )
    .unwrap();
    drop(old);
    let store = Store::open(&path, 1).unwrap();
    let one = |sql: &str| -> i64 { store.read(|c| c.one(sql, params![], |r| r.get(0))).unwrap() };
    assert_eq!(one("PRAGMA user_version"), SCHEMA_VERSION);
    let rows = store.read(|c| outbox::list(c, None)).unwrap();
    let seen: Vec<_> = rows
        .iter()
        .map(|r| (r.id, r.code.as_str(), r.state))
        .collect();
    assert_eq!(
        seen,
        [(4, "111111", State::Kept), (9, "222222", State::Kept)]
    );
    assert!(rows
        .iter()
        .all(|r| r.attempts == 0 && r.last_error.is_none()));
    assert_eq!(store.read(outbox::next_due).unwrap(), None);
    let indexes = "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name IN
        ('outbox_phone', 'outbox_created', 'outbox_state')";
    assert_eq!(one(indexes), 3);
    // AUTOINCREMENT: the delivery ids of deleted rows are never handed out again.
    store
        .write(|tx| {
            tx.execute("DELETE FROM outbox", params![])?;
            let msg = outbox::Message {
                phone: "13000000003",
                code: "333333",
                purpose: "register",
            };
            outbox::push(tx, &msg, true, 300)
        })
        .unwrap();
    assert_eq!(one("SELECT id FROM outbox WHERE state = 'queued'"), 10);
}

#[test]
fn only_an_upgrade_checks_references_so_a_start_at_the_version_does_not_read_every_row() {
    // A reference left dangling by hand (foreign keys off) stops an upgrade…
    let dangling = "PRAGMA foreign_keys = OFF;
        INSERT INTO rooms (owner_pk, roomid, room_alias, active, created_at)
            VALUES (99, 1009, 'z', 1, 1);";
    let refused = upgraded_from_v7(dangling).map(drop);
    assert!(
        matches!(&refused, Err(StoreError::Other(m)) if m.contains("dangling")),
        "{refused:?}"
    );
    // …while a database already at the version opens without looking.
    let (store, dir) = upgraded_from_v7(V7_ROOMS).unwrap();
    let path = dir.path().join("db");
    drop(store);
    let c = Connection::open(&path).unwrap();
    c.execute_batch(dangling).unwrap();
    drop(c);
    let store = Store::open(&path, 1).unwrap();
    assert_eq!(store.read(rooms::count_active).unwrap(), 3);
}

#[test]
fn migrations_cover_every_version_up_to_the_schema_version() {
    assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION - 1);
}

#[test]
fn a_new_database_gets_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db"), 2).unwrap();
    let v: i64 = store
        .read(|c| c.one("PRAGMA user_version", params![], |r| r.get(0)))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
}

#[test]
fn a_database_from_a_newer_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    assert!(Store::open(&path, 1).is_err());
}

#[test]
fn a_version_3_database_keeps_its_accounts_contacts_and_tokens_when_phone_becomes_nullable() {
    let (store, _dir) = upgraded_from_v3(
        "PRAGMA user_version = 3;
         INSERT INTO accounts (pk, uid, phone, username, password_hash, level, created_at)
             VALUES (7, 'u-7', '13000000007', 'seven', 'h', 2, 1477621635211240);
         INSERT INTO contacts (uid, owner_pk, name, intime) VALUES ('c-1', 7, 'Li', 'x');
         INSERT INTO contact_phones (pid, contact_uid, phone, intime)
             VALUES ('p-1', 'c-1', '110', 'x');
         INSERT INTO tokens (account_pk, kind, token_hash, created_at, last_used_at)
             VALUES (7, 'jwt', x'01', 1, 1);",
    );
    let count = |sql: &str| -> i64 { store.read(|c| c.one(sql, params![], |r| r.get(0))).unwrap() };
    assert_eq!(count("PRAGMA user_version"), SCHEMA_VERSION);
    let account = store.read(|c| accounts::by_pk(c, 7)).unwrap().unwrap();
    assert_eq!(account.username.as_deref(), Some("seven"));
    assert_eq!(account.level, 2);
    assert_eq!(account.created_at, 1_477_621_635_211_240);
    assert_eq!(count("SELECT COUNT(*) FROM contacts WHERE owner_pk = 7"), 1);
    assert_eq!(count("SELECT COUNT(*) FROM contact_phones"), 1);
    assert_eq!(count("SELECT COUNT(*) FROM tokens WHERE account_pk = 7"), 1);
    let broken: Vec<String> = store
        .read(|c| {
            let mut st = c.as_sqlite().unwrap().prepare("PRAGMA foreign_key_check")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert!(broken.is_empty(), "dangling references: {broken:?}");

    // The phone is optional now, and the links still cascade from the rebuilt table.
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO accounts (uid, phone, password_hash, created_at)
                 VALUES ('u-8', NULL, 'h', 0)",
                params![],
            )?;
            accounts::delete(tx, 7)
        })
        .unwrap();
    assert_eq!(
        count("SELECT COUNT(*) FROM accounts WHERE phone IS NULL"),
        1
    );
    assert_eq!(count("SELECT COUNT(*) FROM contacts"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM contact_phones"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM tokens"), 0);
}

#[test]
fn a_version_5_device_gets_an_empty_device_id_that_its_next_presentation_fills() {
    let (store, _dir) = upgraded_from_v3(
        "PRAGMA user_version = 5;
         INSERT INTO devices (pk, token_hash, name, owner_pk, created_at)
             VALUES (3, x'0707070707070707070707070707070707070707070707070707070707070707', 'camera1', NULL, 1);",
    );
    let row = store.read(|c| devices::by_token(c, &[7; 32])).unwrap();
    assert_eq!(row.map(|r| (r.pk, r.device_id)), Some((3, None)));
    store
        .write(|tx| devices::remember_id(tx, 3, "ab12"))
        .unwrap();
    store
        .write(|tx| devices::remember_id(tx, 3, "another"))
        .unwrap();
    let row = store.read(|c| devices::by_token(c, &[7; 32])).unwrap();
    assert_eq!(row.and_then(|r| r.device_id).as_deref(), Some("ab12"));
}

#[test]
fn a_database_from_before_the_device_tables_gets_them_with_device_id() {
    let (store, _dir) = upgraded_from_v3(
        "DROP TABLE notice_reads; DROP TABLE notices; DROP TABLE device_bindings;
         DROP TABLE devices; PRAGMA user_version = 1;",
    );
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO devices (token_hash, device_id, name, created_at)
                 VALUES (?1, 'ab', 'camera1', 1)",
                params![&[7u8; 32][..]],
            )?;
            Ok(())
        })
        .unwrap();
    let row = store.read(|c| devices::by_token(c, &[7; 32])).unwrap();
    assert_eq!(row.and_then(|r| r.device_id).as_deref(), Some("ab"));
}
