//! The real binary: acknowledged writes survive `kill -9`, and SIGTERM lets in-flight requests
//! finish before a clean exit.

use crate::support::binary::Binary;
use crate::support::pb::*;
use crate::support::{client, Conn};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard::store::{accounts, Store};

const CHEAP: &str = "argon2_m_cost_kib = 64\nargon2_t_cost = 1\nlog = \"warn\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_registration_survives_kill_9_mid_stream() {
    // Arrange: a server and four clients streaming registrations of distinct phones (on the
    // PostgreSQL run, the server's database is a fresh PostgreSQL one)
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let url = crate::support::postgres::fresh_database();
    let config = match &url {
        Some(url) => format!("{CHEAP}database_url = \"{url}\"\n"),
        None => CHEAP.to_string(),
    };
    let mut server = Binary::start(&db, &config).await;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..4u32 {
        let (acked, stop, addr) = (acked.clone(), stop.clone(), server.addr);
        clients.push(tokio::spawn(async move {
            let Ok(mut conn) = Conn::open(addr).await else {
                return;
            };
            for i in 0..100_000u32 {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let phone = format!("139{client:02}{i:06}");
                let body = json!({"op": 1001, "phone": phone, "password": "123456"});
                match conn.post(&body).await {
                    Ok(r) if r.status == 200 && r.json()["ret"] == 0 => {
                        acked.lock().unwrap().push(phone)
                    }
                    Ok(r) => panic!("registration refused: {r:?}"),
                    Err(_) => return, // the server died under us
                }
            }
        }));
    }
    let streaming = async {
        while acked.lock().unwrap().len() < 150 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), streaming)
        .await
        .expect("too few registrations acknowledged");

    // Act: SIGKILL while requests are in flight, then restart on the same database
    server.child.kill().expect("SIGKILL");
    let status = server.child.wait().expect("wait");
    assert!(!status.success(), "killed, not exited: {status}");
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client task");
    }
    let acked = acked.lock().unwrap().clone();
    let restarted = Binary::start(&db, &config).await;

    // Assert: every acknowledged phone logs in
    let mut conn = Conn::open(restarted.addr).await.unwrap();
    for phone in &acked {
        let r = conn
            .post(&json!({"op": 1003, "phone": phone, "password": "123456"}))
            .await
            .expect("an answer");
        assert_eq!(r.json()["ret"], 0, "acknowledged {phone} lost: {r:?}");
    }
    drop(restarted);

    // … and, on SQLite, is in the accounts table when the file is reopened directly.
    if url.is_none() {
        let store = Store::open(&db, 1).expect("reopen");
        for phone in &acked {
            let found = store.read(|c| accounts::by_phone(c, phone)).unwrap();
            assert!(found.is_some(), "{phone} missing after reopen");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_in_flight_requests_finish_and_the_process_exits_zero() {
    // Arrange: the default (slow) password cost, one account
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let mut server = Binary::start(&db, "log = \"warn\"\n").await;
    let mut conn = server.connect().await;
    conn.post(&json!({"op": 1001, "phone": "13000000001", "password": "123456"}))
        .await
        .unwrap()
        .ok_json();
    drop(conn);
    // Four logins in flight. Each asks `Expect: 100-continue`: the server's `100 Continue`
    // says it has read the head and waits for the body, which is sent only after SIGTERM, so
    // every request is in flight during the shutdown, however fast or slow the machine.
    let body = json!({"op": 1003, "phone": "13000000001", "password": "123456"}).to_string();
    let head = [
        ("Host", "t"),
        ("Content-Type", "application/json"),
        ("Expect", "100-continue"),
    ];
    let mut logins = Vec::new();
    for _ in 0..4 {
        let mut conn = server.connect().await;
        let request = client::request("POST", "/phonebooks", &head, body.as_bytes());
        let (head_only, body_bytes) = request.split_at(request.len() - body.len());
        conn.write(head_only).await.unwrap();
        let interim = conn.response().await.expect("an interim answer");
        assert_eq!(interim.status, 100, "{interim:?}");
        logins.push((conn, body_bytes.to_vec()));
    }

    // Act
    server.terminate();

    // Assert: the listener closes, every in-flight login gets its body read and is answered
    // in full, clean exit
    let refused = async {
        while tokio::net::TcpStream::connect(server.addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(client::READ_TIMEOUT, refused)
        .await
        .expect("still accepting connections after SIGTERM");
    for (mut conn, body) in logins {
        conn.write(&body)
            .await
            .expect("the body of an in-flight login");
        let r = conn
            .response()
            .await
            .expect("an in-flight login was cut off");
        let v = r.ok_json();
        assert_eq!(v["token"]["type"], "JWT");
    }
    let status = server.wait_exit().await;
    assert_eq!(status.code(), Some(0), "exit status {status}");
    let wal = dir.path().join("switchboard.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL was checkpointed at shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_idle_keep_alive_connections_at_once_without_waiting_out_the_grace() {
    // Arrange: a long grace and header timeout, two keep-alive connections idle after a request
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let config = "log = \"warn\"\nshutdown_grace_ms = 60000\nheader_timeout_ms = 60000\n";
    let mut server = Binary::start(&db, config).await;
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut conn = server.connect().await;
        let r = conn.post(&json!({"op": 9999})).await.unwrap();
        assert_eq!(r.status, 200);
        idle.push(conn);
    }

    // Act
    let stopped = std::time::Instant::now();
    server.terminate();

    // Assert: each idle connection is closed and the process exits, long before the grace
    for conn in &mut idle {
        assert!(conn.closed().await, "an idle connection was left open");
    }
    let status = server.wait_exit().await;
    assert_eq!(status.code(), Some(0), "exit status {status}");
    let took = stopped.elapsed();
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
}
