//! Several nodes on one PostgreSQL database (docs/deployment.md): what was safe because one
//! process owned the SQLite file stays safe across processes. Two in-process servers share a
//! database; requests go to either. Only the suite's PostgreSQL pass runs these (on SQLite
//! they say they were skipped). The database going away or restarting is in `failure`;
//! moving a SQLite file over and replaying every fixture across nodes in `moving`.

mod failure;
mod moving;

use crate::support::ineww::{assert_401004, user, PASSWORD};
use crate::support::pb::PbResp;
use crate::support::postgres::on_postgres;
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
