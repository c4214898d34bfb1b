//! Several nodes on one PostgreSQL database (docs/deployment.md): what was safe because one
//! process owned the SQLite file stays safe across processes. Two in-process servers share a
//! database; requests go to either. And a node whose database goes away answers, says so on
//! `/healthz`, and comes back by itself. Only the suite's PostgreSQL pass runs these (on
//! SQLite they say they were skipped).

use crate::support::ineww::{assert_401004, user, PASSWORD};
use crate::support::pb::PbResp;
use crate::support::postgres::{on_postgres, Cuttable};
use crate::support::{pb, Conn, Server};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

/// Two nodes on one fresh database, or `None` (and a note) on a SQLite run.
async fn two_nodes() -> Option<(Server, Server)> {
    if !on_postgres() {
        eprintln!("skipped: two nodes need PostgreSQL (SWITCHBOARD_TEST_DATABASE_URL)");
        return None;
    }
    let a = Server::start().await;
    let b = Server::builder().sharing(&a).start().await;
    Some((a, b))
}

#[tokio::test]
async fn thirty_two_registrations_of_one_phone_over_two_nodes_make_exactly_one_account() {
    // Arrange: 32 connections, every other one to the second node, released together
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    const PHONE: &str = "13700000032";

    // Act
    let answers = pb::register_at_once(&[a.addr, b.addr], PHONE, 32).await;

    // Assert: one winner, everyone else told the phone is taken (never a store failure)
    let mut winners = 0;
    for r in &answers {
        match r.json()["ret"].as_i64() {
            Some(0) => winners += 1,
            _ => assert_eq!(r.failure(200), "user had registed", "{r:?}"),
        }
    }
    assert_eq!(winners, 1, "exactly one registration wins");
    let count = "SELECT COUNT(*) FROM accounts WHERE phone = ?1";
    assert_eq!(b.count(count, &[&PHONE]), 1);
}

#[tokio::test]
async fn registered_on_one_node_logged_in_on_the_other_and_a_logout_there_is_refused_here() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let first = a.ineww().register("18511521090").await;

    let second = user(&b.ineww().login("18511521090", PASSWORD).await);
    assert_eq!(a.ineww().me(&second.headers()).await.status, 200);
    let r = b.ineww().by(&second, "DELETE", "/ineww/session").await;
    assert_eq!(r.status, 204, "{r:?}");

    // The very next request on the other node refuses the revoked token; the other pair lives.
    assert_401004(&a.ineww().me(&second.headers()).await);
    assert_eq!(b.ineww().me(&first.headers()).await.status, 200);
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_refused_by_the_other_node() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let body = || json!({"phone": "18511521091"});
    let first = a.json("POST", "/ineww/code/phone", &[], body()).await;
    assert_eq!(first.status, 204, "{first:?}");

    let r = b.json("POST", "/ineww/code/phone", &[], body()).await;

    assert_eq!((r.status, r.code()), (429, "429001".into()), "{r:?}");
    assert_eq!(b.outbox("18511521091").len(), 1, "one code sent");
}

#[tokio::test]
async fn of_eight_code_requests_at_once_over_two_nodes_one_is_sent() {
    // Arrange: eight connections, half to each node, released together
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let barrier = Arc::new(Barrier::new(8));
    let mut asks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (barrier, addr) = (barrier.clone(), [a.addr, b.addr][i % 2]);
        asks.spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            let json = [("Content-Type", "application/json")];
            barrier.wait().await;
            conn.request(
                "POST",
                "/ineww/code/phone",
                &json,
                br#"{"phone":"18511521093"}"#,
            )
            .await
            .expect("an answer")
        });
    }

    // Act
    let answers = asks.join_all().await;

    // Assert: one sent, seven refused by the one-a-minute rule, one row in the outbox
    let sent = answers.iter().filter(|r| r.status == 204).count();
    let refused = answers
        .iter()
        .filter(|r| r.status == 429 && r.code() == "429001")
        .count();
    assert_eq!((sent, refused), (1, 7), "{answers:?}");
    assert_eq!(a.outbox("18511521093").len(), 1);
}

#[tokio::test]
async fn concurrent_logins_over_two_nodes_leave_an_account_its_ten_newest_pairs() {
    // Arrange: an account, then 16 logins at once, half on each node
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    a.ineww().register("18511521092").await;
    let nodes = [&a, &b];

    // Act
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..16 {
        let addr = nodes[i % 2].addr;
        logins.spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            let body = json!({"account": "18511521092", "password": PASSWORD}).to_string();
            let json = [("Content-Type", "application/json")];
            conn.request("POST", "/ineww/session", &json, body.as_bytes())
                .await
                .expect("an answer")
        });
    }
    let answers = logins.join_all().await;

    // Assert: every login answered with a pair, and the cap held
    for r in &answers {
        assert_eq!(r.status, 200, "{r:?}");
    }
    let pk = a.account("18511521092").expect("the account").pk;
    let live = "SELECT COUNT(*) FROM tokens WHERE account_pk = ?1 AND kind = 'ineww_access'";
    assert_eq!(a.count(live, &[&pk]), 10);
}

#[tokio::test]
async fn a_contact_added_through_one_node_is_in_the_book_the_other_node_lists() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (_, token) = a.pb().account("13700000033").await;

    let uid = b.pb().add_contact(&token, "Li Lei").await;

    let book = a.pb().list(&token).await;
    let listed = book["users"].as_array().expect("users");
    assert!(listed.iter().any(|c| c["uid"] == uid.as_str()), "{book}");
}

#[tokio::test]
async fn a_node_whose_database_goes_away_answers_each_dialects_failure_and_recovers_by_itself() {
    // Arrange: a node reaching its database through a forwarder that can be cut, an account
    // with a session in each dialect
    if !on_postgres() {
        eprintln!("skipped: needs PostgreSQL (SWITCHBOARD_TEST_DATABASE_URL)");
        return;
    }
    let url = crate::support::postgres::fresh_database().expect("a database");
    let link = Cuttable::to(&url).await;
    let through = link.url(&url);
    let s = Server::builder().on(through).start().await;
    let (_, jwt) = s.pb().account("13700000034").await;
    let helpaged_token = s.typed().account("13700000035").await;
    let ineww = s.ineww().register("18511521094").await;
    assert_eq!(s.get("/healthz").await.status, 200);

    // Act: the database goes away
    link.cut();
    let started = std::time::Instant::now();
    let book = s.pb().post_auth(json!({"op": 1009}), &jwt).await.json();
    let me = s.ineww().me(&ineww.headers()).await;
    let helpaged = s.typed().info(&helpaged_token).await;
    let rooms = s.get("/rooms/?page=1").await;
    let v4 = s.v4().login("13700000034", "123456", "device-1").await;
    let health = s.get("/healthz").await;
    let took = started.elapsed();

    // Assert: every dialect's store-failure answer, quickly; the node says it is unwell
    assert_eq!(book["ret"], -1, "{book}");
    assert_eq!(book["msg"], "internal error, nothing was changed", "{book}");
    assert_eq!((me.status, me.code()), (500, "500001".into()), "{me:?}");
    assert_eq!(
        (&helpaged["status"], &helpaged["message"]),
        (&json!(-200), &json!("Failure to operate database")),
        "{helpaged}"
    );
    assert_eq!(rooms.status, 500, "{rooms:?}");
    assert_eq!(
        rooms.json(),
        json!({"status": "FAIL", "code": "500", "msg": "internal error, nothing was changed"})
    );
    assert_eq!(v4.status, 500, "{v4:?}");
    assert_eq!(
        v4.json(),
        json!({"code": 500, "data": "", "msg": "服务器内部错误, 未做任何修改"})
    );
    assert_eq!(health.status, 503, "{health:?}");
    assert!(
        took < std::time::Duration::from_secs(5),
        "answered in {took:?}"
    );

    // And: back by itself once the database is, without a restart
    link.restore();
    let mut healthy = false;
    for _ in 0..50 {
        if s.get("/healthz").await.status == 200 {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy, "/healthz back to 200 within 5 s");
    assert_eq!(s.pb().list_ret(&jwt).await, 0);
    assert_eq!(s.ineww().me(&ineww.headers()).await.status, 200);
}

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

#[tokio::test]
async fn five_wrong_passwords_spread_over_two_nodes_lock_the_account_on_both() {
    use crate::throttle::{assert_throttled, Dialect, PHONE, RIGHT, WRONG};
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    a.pb().register(PHONE).await;

    for i in 0..5 {
        let node = [&a, &b][i % 2];
        let r = Dialect::PhoneBooks.login(node, PHONE, WRONG, None).await;
        assert!(!Dialect::PhoneBooks.accepted(&r), "{r:?}");
    }

    for node in [&a, &b] {
        let r = Dialect::PhoneBooks.login(node, PHONE, RIGHT, None).await;
        assert_throttled(Dialect::PhoneBooks, &r);
    }
}

#[tokio::test]
async fn a_code_used_on_one_node_is_refused_by_the_other() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    a.pb().register("13700000036").await;
    let code = a.pb().reset_code("13700000036").await;

    let first = a.pb().reset("13700000036", &code, "new-password-1").await;
    let again = b.pb().reset("13700000036", &code, "new-password-2").await;

    assert_eq!(first.json()["ret"], 0, "{first:?}");
    assert_ne!(again.json()["ret"], 0, "a used code is refused: {again:?}");
    let (_, _) = b.pb().login("13700000036", "new-password-1").await;
}

#[tokio::test]
async fn connections_ended_under_load_as_a_database_restart_ends_them_are_not_seen_by_clients() {
    // Arrange: two nodes; eight clients, each with an account, alternately add a contact on
    // one node and list the book on the other
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    const CLIENTS: usize = 8;
    const ROUNDS: usize = 25;
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        tokens.push(a.pb().account(&format!("1370000010{i}")).await.1);
    }
    let nodes = [a.addr, b.addr];
    let mut clients = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let auth = format!("JWT {token}");
        clients.push(tokio::spawn(async move {
            let mut conns = [
                Conn::open(nodes[i % 2]).await.expect("connect"),
                Conn::open(nodes[(i + 1) % 2]).await.expect("connect"),
            ];
            let headers = [("authorization", auth.as_str())];
            let (mut acknowledged, mut unsure) = (0usize, 0usize);
            for round in 0..ROUNDS {
                let add = json!({"op": 1005, "users": [{"name": format!("c{round}")}]});
                let r = conns[0]
                    .request("POST", "/phonebooks", &headers, add.to_string().as_bytes())
                    .await
                    .expect("every add is answered");
                match r.json()["ret"].as_i64() {
                    Some(0) => acknowledged += 1,
                    // Only when the connection ended while COMMIT was in flight and the
                    // database could not say whether it committed.
                    _ => {
                        assert_eq!(r.failure(200), "internal error, nothing was changed");
                        unsure += 1;
                    }
                }
                let list = br#"{"op":1009}"#;
                let r = conns[1]
                    .request("POST", "/phonebooks", &headers, list)
                    .await
                    .expect("every list is answered");
                let book = r.ok_json();
                let listed = book["users"].as_array().expect("users").len();
                assert!(
                    (acknowledged..=acknowledged + unsure).contains(&listed),
                    "after {acknowledged} acknowledged adds ({unsure} unsure) the other node lists {listed}"
                );
            }
            (acknowledged, unsure)
        }));
    }

    // Act: every connection of both nodes to the database is ended, again and again
    let mut ended = 0;
    for _ in 0..8 {
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        ended += a.count(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        );
    }

    // Assert: every read answered with the book, every add acknowledged (or, rarely, unsure),
    // every acknowledged add kept
    let mut total = (0, 0);
    for (i, c) in clients.into_iter().enumerate() {
        let (acknowledged, unsure) = c.await.expect("client");
        let kept = b.count(
            "SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.pk = c.owner_pk
             WHERE a.phone = ?1",
            &[&format!("1370000010{i}")],
        );
        let kept = usize::try_from(kept).expect("a count");
        assert!(
            (acknowledged..=acknowledged + unsure).contains(&kept),
            "{kept} kept of {acknowledged} (+{unsure})"
        );
        total = (total.0 + acknowledged, total.1 + unsure);
    }
    assert!(ended > 0, "connections were ended");
    assert!(total.1 <= total.0 / 10, "mostly acknowledged: {total:?}");
    assert_eq!(a.get("/healthz").await.status, 200);
    eprintln!(
        "ended {ended} connections; adds acknowledged {}, unsure {}",
        total.0, total.1
    );
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
