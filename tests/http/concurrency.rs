//! Concurrent writers: one phone registers once, however many ask at the same moment.

use crate::support::pb::*;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

const PHONE: &str = "13000000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_registrations_of_one_phone_make_exactly_one_account() {
    // Arrange: 32 connections, released together
    let app = spawn_app().await;
    let n = 32;
    let barrier = Arc::new(Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let barrier = barrier.clone();
        let addr = app.addr;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await.expect("connect");
            barrier.wait().await;
            conn.post(&json!({"op": 1001, "phone": PHONE, "password": format!("password-{i}")}))
                .await
                .expect("an answer")
        }));
    }

    // Act
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }

    // Assert
    let mut winners = Vec::new();
    let mut refused = 0;
    for (i, r) in answers.iter().enumerate() {
        let v = r.json();
        if v["ret"] == 0 {
            winners.push((i, v["rid"].as_str().unwrap().to_string()));
        } else {
            assert_eq!(r.failure(200), "user had registed");
            refused += 1;
        }
    }
    assert_eq!(winners.len(), 1, "exactly one registration wins");
    assert_eq!(refused, n - 1);
    assert_eq!(
        app.query_i64("SELECT COUNT(*) FROM accounts WHERE phone = ?1", &[&PHONE]),
        1
    );
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM accounts", &[]), 1);
    let (i, rid) = &winners[0];
    let (logged, _) = app.login(PHONE, &format!("password-{i}")).await;
    assert_eq!(&logged, rid, "the winner's password is the one stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_contact_writes_of_two_accounts_all_land_in_the_right_book() {
    let app = spawn_app().await;
    let (_, a) = app.account("13000000001").await;
    let (_, b) = app.account("13000000002").await;
    let per = 10;
    let mut tasks = Vec::new();
    for (who, token) in [("a", a.clone()), ("b", b.clone())] {
        for i in 0..per {
            let addr = app.addr;
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::connect(addr).await.expect("connect");
                let body = json!({"op": 1005, "users": [{"name": format!("{who}-{i}"),
                    "phones": [{"phone": "13500000000"}]}]});
                let auth = format!("JWT {token}");
                conn.send(
                    "POST",
                    "/phonebooks",
                    &[("authorization", auth.as_str())],
                    bytes::Bytes::from(body.to_string()),
                )
                .await
                .expect("an answer")
                .ok_json();
            }));
        }
    }
    for t in tasks {
        t.await.expect("task");
    }

    for (phone, token, who) in [("13000000001", &a, "a-"), ("13000000002", &b, "b-")] {
        assert_eq!(app.contact_count(phone), per);
        let listed = app.list(token).await;
        for u in listed["users"].as_array().unwrap() {
            assert!(u["name"].as_str().unwrap().starts_with(who), "{u}");
        }
    }
}

#[tokio::test]
async fn slow_password_hashing_does_not_stall_other_requests() {
    // Arrange: the default (slow) password cost, and six logins queued behind two hashers
    let app = spawn_app_with(|c| switchboard::config::Config {
        argon2_m_cost_kib: switchboard::config::Config::default().argon2_m_cost_kib,
        argon2_t_cost: switchboard::config::Config::default().argon2_t_cost,
        ..c
    })
    .await;
    app.register(PHONE).await;
    let mut logins = Vec::new();
    for _ in 0..6 {
        let addr = app.addr;
        logins.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await.expect("connect");
            conn.post(&json!({"op": 1003, "phone": PHONE, "password": PASSWORD}))
                .await
                .expect("an answer")
                .ok_json();
            std::time::Instant::now()
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    // Act: a cheap request while the hashers are busy
    let asked = std::time::Instant::now();
    let health = app.get("/healthz").await;
    let answered = std::time::Instant::now();

    // Assert: answered before the queued logins were all done
    assert_eq!(health.status, 200);
    let mut last_login = asked;
    for l in logins {
        last_login = last_login.max(l.await.expect("login task"));
    }
    assert!(
        answered < last_login,
        "healthz waited {:?} for the password hashes",
        answered - asked
    );
}
