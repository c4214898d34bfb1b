//! Moving over and checking: a SQLite file migrated to PostgreSQL serves every dialect, and
//! every fixture replays green with its steps alternating between two nodes.

use crate::support::ineww::PASSWORD;
use crate::support::postgres::on_postgres;
use crate::support::{pb, Server};
use std::sync::Arc;

#[tokio::test]
async fn a_sqlite_database_filled_through_every_dialect_is_migrated_and_served_in_each() {
    // Arrange: a SQLite server with an account of every dialect, contacts, a room, a profile
    if !on_postgres() {
        eprintln!("skipped: needs PostgreSQL (SWITCHBOARD_TEST_DATABASE_URL)");
        return;
    }
    let old = Server::builder().sqlite().start().await;
    let (_, jwt) = old.pb().account("13700000040").await;
    old.pb().add_contact(&jwt, "Han Meimei").await;
    old.typed().account("13700000041").await;
    old.ineww().register("18511521095").await;
    let owner = old.rooms().register("roomowner", None).await;
    old.rooms().room(&owner.token, "the-room", true).await;
    let v4 = old
        .v4()
        .login("13700000040", pb::PASSWORD, "device-1")
        .await;
    assert_eq!(v4.status, 200, "{v4:?}");
    let file = old.db_path().clone();
    let keep = old.stop_keeping_files().await;
    let url = crate::support::postgres::fresh_database().expect("a database");

    // Act
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["migrate-store", "--from"])
        .arg(&file)
        .args(["--to", &url])
        .output()
        .expect("run switchboard migrate-store");

    // Assert: every table counted equal on both sides
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for table in switchboard::store::copy::TABLES {
        let line = printed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("no count for {table} in {printed}"));
        let counts: Vec<&str> = line.split_whitespace().skip(1).collect();
        assert_eq!(counts[0], counts[1], "{line}");
    }
    assert!(printed.contains("every count equal"), "{printed}");

    // And: a server on PostgreSQL serves the copied data in every dialect
    let new = Server::builder().on(url.clone()).start().await;
    let (_, jwt) = new.pb().login("13700000040", pb::PASSWORD).await;
    let book = new.pb().list(&jwt).await;
    assert_eq!(book["users"][0]["name"], "Han Meimei", "{book}");
    new.typed()
        .login("13700000041", crate::support::typed::PASS)
        .await;
    let r = new.ineww().login("18511521095", PASSWORD).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = new
        .rooms()
        .login("roomowner", crate::support::rooms::PASSWORD)
        .await;
    assert_eq!((r.status, r.code()), (200, "200".into()), "{r:?}");
    let rooms = new.get("/rooms/?page=1").await;
    assert!(
        String::from_utf8_lossy(&rooms.body).contains("the-room"),
        "{rooms:?}"
    );
    let r = new
        .v4()
        .login("13700000040", pb::PASSWORD, "device-1")
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // New rows get new ids, after the copied ones.
    new.pb().account("13700000042").await;

    // And: a second copy into the same database is refused, nothing changed
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["migrate-store", "--from"])
        .arg(&file)
        .args(["--to", &url])
        .output()
        .expect("run switchboard migrate-store");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    drop(keep);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_replays_green_with_its_steps_alternating_between_two_nodes() {
    // Arrange: two nodes on one database and one clock that wait steps skip
    if !on_postgres() {
        eprintln!("skipped: two nodes need PostgreSQL (SWITCHBOARD_TEST_DATABASE_URL)");
        return;
    }
    let clock = Arc::new(switchboard::ctx::SkippingClock::default());
    let a = Server::builder().clock(clock.clone()).start().await;
    let b = Server::builder()
        .clock(clock.clone())
        .sharing(&a)
        .start()
        .await;
    let files = switchboard::fixtures::discover(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
    );

    // Act: register on one node, log in on the other, revoke on the first, be refused on the
    // second — every documented exchange, each step on the other node than the one before
    let target = switchboard::fixtures::Target {
        base_url: a.base_url().to_string(),
        also: vec![b.base_url().to_string()],
        outbox: Some(Arc::new(switchboard::app::StoreOutbox(a.store().clone()))),
        clock: Some(clock),
    };
    let (passed, failed) = switchboard::fixtures::replay_files(&files, &target).await;

    // Assert
    assert_eq!(failed, 0, "{failed} fixture(s) failed (see output above)");
    assert_eq!(passed, files.len());
}
