//! The bounded password-hash queue: with `hashing_concurrency` hashes running and
//! `hash_queue` waiting, one more login is refused at once with the dialect's busy answer
//! instead of queueing; with a thread idle, a login is hashed whatever the queue's size.
//!
//! What no test here can do is hold a hashing thread at will from outside the server. The
//! flood test therefore makes each hash costly (argon2id at 16 MiB × 4 passes, much longer
//! than the loopback round trips of a few small requests) and asserts by order of arrival,
//! not by durations: every refusal comes back before the first admitted login's hash has
//! finished. Its one assumption is that ten requests released together all reach the server
//! within one such hash.

use super::*;
use crate::support::pb::PbResp;
use crate::support::Conn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Barrier;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_hash_queue_a_login_is_refused_at_once_while_the_admitted_hashes_run() {
    // Arrange: one hashing thread, one waiting place, costly hashes (the stored hash carries
    // its cost, so every check of this account costs as much), ten connections
    let s = Server::with(|c| {
        c.hashing_concurrency = 1;
        c.hash_queue = 1;
        c.argon2_m_cost_kib = 16 * 1024;
        c.argon2_t_cost = 4;
    })
    .await;
    s.pb().register(PHONE).await;
    let n = 10;
    let barrier = Arc::new(Barrier::new(n));
    let arrivals = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..n {
        let d = DIALECTS[i % DIALECTS.len()];
        let req = d.request(PHONE, RIGHT, None);
        let (addr, barrier, arrivals) = (s.addr, barrier.clone(), arrivals.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            let headers: Vec<(&str, &str)> =
                req.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            barrier.wait().await;
            let r = conn
                .request("POST", req.path, &headers, &req.body)
                .await
                .expect("an answer");
            (d, arrivals.fetch_add(1, Ordering::SeqCst), r)
        }));
    }

    // Act: all ten logins at once, the right password each time
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }

    // Assert: each is a login or exactly its dialect's busy answer...
    let (mut admitted, mut refused) = (Vec::new(), Vec::new());
    for (d, arrived, r) in &answers {
        if d.accepted(r) {
            admitted.push(*arrived);
        } else {
            assert_answer(r, d.busy(), &format!("{d:?}: refused as busy"));
            refused.push(*arrived);
        }
    }
    assert!(!refused.is_empty(), "a full queue refuses: {answers:?}");
    assert!(!admitted.is_empty(), "admitted logins get their hash");
    // ...the refusals came back while the admitted hashes were still running...
    let first_admitted = admitted.iter().min().expect("one admitted");
    assert!(
        refused.iter().all(|r| r < first_admitted),
        "every refusal arrives before the first admitted login is done: refused {refused:?}, \
         admitted {admitted:?} (orders of arrival)"
    );
    // ...and no more were admitted than one running and one waiting
    assert!(admitted.len() <= 2, "admitted {admitted:?}");
    // The refused did not count as failures, and the queue frees once the hashes are done
    let r = Dialect::Ineww.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::Ineww, &r);
}

#[tokio::test]
async fn with_no_waiting_place_a_password_is_still_hashed_when_a_thread_is_idle() {
    // Arrange: one hashing thread and no place to wait for it
    let s = Server::with(|c| {
        c.hashing_concurrency = 1;
        c.hash_queue = 0;
    })
    .await;

    // Act: a registration, then a login, one at a time: the thread is idle for each
    let registered = s
        .pb()
        .post(json!({"op": 1001, "phone": PHONE, "password": RIGHT}))
        .await;
    let login = Dialect::PhoneBooks.login(&s, PHONE, RIGHT, None).await;

    // Assert: nothing waited, so nothing is refused
    registered.ok_json();
    assert_accepted(Dialect::PhoneBooks, &login);
}
