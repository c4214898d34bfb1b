//! `GET /metrics`: the counters move by exactly the requests sent, the store's batches and
//! the outbox are there, the output passes `promtool check metrics`, and the endpoint can be
//! turned off or moved to its own address.

use crate::support::Server;
use serde_json::json;
use std::collections::HashMap;

/// Every sample of a scrape: `name{labels}` → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect()
}

async fn scrape(app: &Server) -> (String, HashMap<String, f64>) {
    let r = app.get("/metrics").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(r.body).unwrap();
    let parsed = samples(&text);
    (text, parsed)
}

fn get(s: &HashMap<String, f64>, key: &str) -> f64 {
    s.get(key).copied().unwrap_or(0.0)
}

#[tokio::test]
async fn counters_move_by_exactly_the_requests_sent() {
    let app = Server::start().await;
    let (_, before) = scrape(&app).await;
    for _ in 0..3 {
        app.json("POST", "/", &[], json!({"op": 9999})).await;
    }
    let r = app
        .json(
            "POST",
            "/",
            &[],
            json!({"op": 1001, "phone": "13000000093", "password": "123456"}),
        )
        .await;
    assert_eq!(r.json()["ret"], 0);
    app.get("/ineww/session").await;
    app.get("/ineww/session").await;
    let code = json!({"op": 1002, "phone": "13000000093"});
    assert_eq!(app.json("POST", "/", &[], code).await.json()["ret"], 0);
    let (text, after) = scrape(&app).await;

    let moved = |key: &str| get(&after, key) - get(&before, key);
    let unknown = r#"switchboard_requests_total{dialect="opcode",command="none",status="200",outcome="refused"}"#;
    let register = r#"switchboard_requests_total{dialect="opcode",command="register",status="200",outcome="ok"}"#;
    let no_token = r#"switchboard_requests_total{dialect="ineww",command="profile",status="401",outcome="refused"}"#;
    assert_eq!(moved(unknown), 3.0, "{text}");
    assert_eq!(moved(register), 1.0, "{text}");
    assert_eq!(moved(no_token), 2.0, "{text}");
    let latency =
        r#"switchboard_request_duration_seconds_count{dialect="ineww",command="profile"}"#;
    assert_eq!(moved(latency), 2.0, "{text}");
    // The first scrape is counted too (dialect and command "none").
    let scrapes =
        r#"switchboard_requests_total{dialect="none",command="none",status="200",outcome="ok"}"#;
    assert_eq!(moved(scrapes), 1.0, "{text}");
    assert!(
        get(&after, "switchboard_open_connections") >= 1.0,
        "this scrape's own"
    );
    // SQLite's group commit only (PostgreSQL commits each command by itself).
    if !crate::support::postgres::on_postgres() {
        assert!(
            moved("switchboard_store_write_batch_size_count") >= 1.0,
            "{text}"
        );
        assert!(moved("switchboard_store_commit_duration_seconds_count") >= 1.0);
    }
    let kept = r#"switchboard_outbox_messages{state="kept"}"#;
    assert_eq!(
        moved(kept),
        1.0,
        "the reset code waits in the outbox: {text}"
    );
    assert!(get(&after, "process_resident_memory_bytes") > 1e6);
    assert!(get(&after, "process_open_fds") >= 3.0);
    assert!(get(&after, "process_max_fds") >= get(&after, "process_open_fds"));
}

#[tokio::test]
async fn promtool_accepts_the_scrape() {
    let app = Server::start().await;
    app.json("POST", "/", &[], json!({"op": 9999})).await;
    let (text, _) = scrape(&app).await;
    crate::support::checks::promtool_accepts(&text);
}

#[tokio::test]
async fn metrics_can_be_turned_off_or_moved_to_their_own_address() {
    let off = Server::with(|c| c.metrics = false).await;
    assert_eq!(off.get("/metrics").await.status, 404);

    let port = crate::support::binary::free_port();
    let addr = format!("127.0.0.1:{port}");
    let moved = Server::with({
        let addr = addr.clone();
        move |c| c.metrics_addr = Some(addr)
    })
    .await;
    assert_eq!(
        moved.get("/metrics").await.status,
        404,
        "not on the main address"
    );
    let mut conn = crate::support::Conn::open(addr.parse().unwrap())
        .await
        .unwrap();
    let r = conn.request("GET", "/metrics", &[], b"").await.unwrap();
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("switchboard_open_connections"));
    let r = conn.request("GET", "/", &[], b"").await.unwrap();
    assert_eq!(r.status, 404);
}
