//! Concurrency: one phone registers once, however many ask at the same moment; every read sees
//! the writes acknowledged before it, whichever connection made them.

use crate::support::pb::*;
use crate::support::{Conn, Server};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use switchboard::config::Config;

const PHONE: &str = "13000000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_registrations_of_one_phone_make_exactly_one_account() {
    // Arrange: 32 connections, released together
    let app = Server::start().await;
    let n = 32;

    // Act
    let answers = register_at_once(&[app.addr], PHONE, n).await;

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
        app.count("SELECT COUNT(*) FROM accounts WHERE phone = ?1", &[&PHONE]),
        1
    );
    assert_eq!(app.rows("accounts"), 1);
    let (i, rid) = &winners[0];
    let (logged, _) = app.pb().login(PHONE, &format!("password-{i}")).await;
    assert_eq!(&logged, rid, "the winner's password is the one stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_contact_writes_of_two_accounts_all_land_in_the_right_book() {
    let app = Server::start().await;
    let (_, a) = app.pb().account("13000000001").await;
    let (_, b) = app.pb().account("13000000002").await;
    let per = 10;
    let mut tasks = Vec::new();
    for (who, token) in [("a", a.clone()), ("b", b.clone())] {
        for i in 0..per {
            let addr = app.addr;
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(addr).await.expect("connect");
                let body = json!({"op": 1005, "users": [{"name": format!("{who}-{i}"),
                    "phones": [{"phone": "13500000000"}]}]});
                let auth = format!("JWT {token}");
                conn.request(
                    "POST",
                    "/phonebooks",
                    &[("authorization", auth.as_str())],
                    body.to_string().as_bytes(),
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
        assert_eq!(app.pb().contact_count(phone), per);
        let listed = app.pb().list(token).await;
        for u in listed["users"].as_array().unwrap() {
            assert!(u["name"].as_str().unwrap().starts_with(who), "{u}");
        }
    }
}

#[tokio::test]
async fn slow_password_hashing_does_not_stall_other_requests() {
    // Arrange: the default (slow) password cost, and six logins queued behind two hashers;
    // each answer takes a ticket, so the order of events is counted, not timed.
    let app = Server::with(|c| {
        (c.argon2_m_cost_kib, c.argon2_t_cost) = (
            Config::default().argon2_m_cost_kib,
            Config::default().argon2_t_cost,
        )
    })
    .await;
    app.pb().register(PHONE).await;
    let tickets = Arc::new(AtomicUsize::new(0));
    let (done, mut answered) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..6 {
        let (addr, tickets, done) = (app.addr, tickets.clone(), done.clone());
        tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            conn.post(&json!({"op": 1003, "phone": PHONE, "password": PASSWORD}))
                .await
                .expect("an answer")
                .ok_json();
            let _ = done.send(tickets.fetch_add(1, Ordering::SeqCst));
        });
    }
    drop(done);

    // Act: once one login is answered (so the hashers are at work on the other five), a
    // cheap request
    let first = answered.recv().await.expect("a login is answered");
    let health = app.get("/healthz").await;
    let health_ticket = tickets.fetch_add(1, Ordering::SeqCst);

    // Assert: answered before the queued logins were all done
    assert_eq!(health.status, 200);
    let mut logins = vec![first];
    while let Some(ticket) = answered.recv().await {
        logins.push(ticket);
    }
    assert_eq!(logins.len(), 6, "every login is answered");
    let last_login = logins.into_iter().max().unwrap();
    assert!(
        health_ticket < last_login,
        "healthz waited for every queued password hash"
    );
}

/// Every read answers at least the writes acknowledged before it was sent, on any connection:
/// four connections add contacts one by one while eight others list the book (op 1009, a short
/// read the server runs on the connection's own thread) and check each answer against the
/// acknowledged count taken just before sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_read_sees_every_write_acknowledged_before_it_on_any_connection() {
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    let auth = format!("JWT {token}");
    let acked = Arc::new(AtomicUsize::new(0));
    let writing = Arc::new(AtomicUsize::new(4));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (acked, writing, auth, addr) = (acked.clone(), writing.clone(), auth.clone(), app.addr);
        writers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            for i in 0..25 {
                let add = json!({"op": 1005, "users": [{"name": format!("w{w}-{i}")}]});
                let r = send(&mut conn, &auth, &add).await;
                assert_eq!(r["ret"], 0, "{r}");
                acked.fetch_add(1, Ordering::SeqCst);
            }
            writing.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (acked, writing, auth, addr) = (acked.clone(), writing.clone(), auth.clone(), app.addr);
        readers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            let (mut reads, mut last) = (0, 0);
            loop {
                let done = writing.load(Ordering::SeqCst) == 0;
                let floor = acked.load(Ordering::SeqCst);
                let r = send(&mut conn, &auth, &json!({"op": 1009})).await;
                let seen = r["users"].as_array().expect("a list").len();
                assert!(
                    seen >= floor,
                    "read {seen} contacts after {floor} were acknowledged"
                );
                assert!(
                    seen >= last,
                    "a later read saw fewer contacts: {seen} < {last}"
                );
                (reads, last) = (reads + 1, seen);
                if done {
                    return reads;
                }
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let mut reads = 0;
    for r in readers {
        reads += r.await.expect("reader");
    }
    assert!(reads >= 8, "every reader read");
    assert_eq!(
        app.pb().list(&token).await["users"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_book_is_read_whole_never_half_way_through_a_delete() {
    // Arrange: two writers add a contact of two phones and two mails and delete it again,
    // over and over; four readers list the book meanwhile
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    let auth = format!("JWT {token}");
    let writing = Arc::new(AtomicUsize::new(2));
    let mut writers = Vec::new();
    for w in 0..2 {
        let (writing, auth, addr) = (writing.clone(), auth.clone(), app.addr);
        writers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            for i in 0..40 {
                let add = json!({"op": 1005, "users": [{"name": format!("w{w}-{i}"),
                    "phones": [{"phone": "13503768800"}, {"phone": "13503768801"}],
                    "mails": [{"mail": "1@qq.com"}, {"mail": "2@qq.com"}]}]});
                let r = send(&mut conn, &auth, &add).await;
                let uid = r["users"][0]["uid"].clone();
                let r = send(
                    &mut conn,
                    &auth,
                    &json!({"op": 1007, "users": [{"uid": uid}]}),
                )
                .await;
                assert_eq!(r["ret"], 0, "{r}");
            }
            writing.fetch_sub(1, Ordering::SeqCst);
        }));
    }

    // Act + Assert: every contact listed comes with both its phones and both its mails
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (writing, auth, addr) = (writing.clone(), auth.clone(), app.addr);
        readers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            let mut contacts_seen = 0;
            while writing.load(Ordering::SeqCst) > 0 {
                let r = send(&mut conn, &auth, &json!({"op": 1009})).await;
                for c in r["users"].as_array().expect("a list") {
                    let counts = (
                        c["phones"].as_array().map(Vec::len),
                        c["mails"].as_array().map(Vec::len),
                    );
                    assert_eq!(counts, (Some(2), Some(2)), "a contact read half-way: {c}");
                    contacts_seen += 1;
                }
            }
            contacts_seen
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let mut seen = 0;
    for r in readers {
        seen += r.await.expect("reader");
    }
    assert!(seen > 0, "the readers saw contacts while they existed");
}

/// One PhoneBooks request with a JWT on a kept-alive connection; the answer's JSON.
async fn send(conn: &mut Conn, auth: &str, body: &serde_json::Value) -> serde_json::Value {
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth),
    ];
    let body = body.to_string();
    let r = conn.request("POST", "/phonebooks", &headers, body.as_bytes());
    r.await.expect("an answer").json()
}

/// Logins cannot starve the store: on a runtime whose blocking pool is capped as `serve` caps
/// it (6 threads here), eight logins at the default (slow) argon2id cost — more than the two
/// hashing threads and the two waiting places of the password lane — race a book read (op
/// 1009) and a write (op 1005, which needs a blocking thread). Both are answered before the
/// third successful login: the password lane (before a blocking thread is taken) and the
/// hashers' bounded queue (after) refuse what they cannot hold, so a thread stays free. With
/// both removed the write queues behind every login waiting for a hasher, and this fails.
#[test]
fn a_read_and_a_write_are_answered_while_more_logins_than_hashers_hash() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(6)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let app = Server::with(|c| {
            (c.argon2_m_cost_kib, c.argon2_t_cost) = (
                Config::default().argon2_m_cost_kib,
                Config::default().argon2_t_cost,
            );
            (c.hashing_concurrency, c.hash_queue, c.blocking_threads) = (2, 2, 6);
        })
        .await;
        let (_, token) = app.pb().account(PHONE).await;
        let auth = format!("JWT {token}");
        let tickets = Arc::new(AtomicUsize::new(0));
        let (done, mut answered) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..8 {
            let (addr, tickets, done) = (app.addr, tickets.clone(), done.clone());
            tokio::spawn(async move {
                let mut conn = Conn::open(addr).await.expect("connect");
                let login = json!({"op": 1003, "phone": PHONE, "password": PASSWORD});
                let r = conn.post(&login).await.expect("an answer").json();
                if r["ret"] == 0 {
                    let _ = done.send(tickets.fetch_add(1, Ordering::SeqCst));
                }
            });
        }
        drop(done);

        // Once one login is answered, the next ones are hashing.
        let first = answered.recv().await.expect("a login succeeds");
        let mut conn = Conn::open(app.addr).await.expect("connect");
        let add = json!({"op": 1005, "users": [{"name": "during"}]});
        assert_eq!(send(&mut conn, &auth, &add).await["ret"], 0);
        let write_ticket = tickets.fetch_add(1, Ordering::SeqCst);
        let book = send(&mut conn, &auth, &json!({"op": 1009})).await;
        assert_eq!(book["users"][0]["name"], "during");
        let read_ticket = tickets.fetch_add(1, Ordering::SeqCst);

        let mut logins = vec![first];
        while let Some(t) = answered.recv().await {
            logins.push(t);
        }
        logins.sort_unstable();
        assert!(
            logins.len() >= 3,
            "the lane let at least three logins hash: {logins:?}"
        );
        assert!(
            write_ticket < logins[2],
            "the write waited for the hashers: {logins:?}"
        );
        assert!(
            read_ticket < logins[2],
            "the read waited for the hashers: {logins:?}"
        );
    });
}
