//! Connections that misbehave or idle — fifty that never speak, bodies cut off by a hang-up,
//! keep-alive clients filling every slot — do not keep anyone else from being served.

use crate::support::pb::*;
use crate::support::{client, Conn, Server};
use serde_json::json;

const PHONE: &str = "13000000001";

#[tokio::test]
async fn fifty_idle_connections_do_not_delay_a_normal_request() {
    // Arrange: 50 clients that connect and send nothing, and one that sent half a request
    // line, under a header timeout far longer than the test: none of them is hung up on.
    let app = Server::with(|c| c.header_timeout_ms = 600_000).await;
    app.pb().register(PHONE).await;
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(app.connect().await);
    }
    let mut half = app.connect().await;
    half.write(b"POST /phonebooks HT").await.unwrap();

    // Act
    let health = app.get("/healthz").await;
    let (_, token) = app.pb().login(PHONE, PASSWORD).await;
    app.pb().list(&token).await;

    // Assert: answered while every idle connection was still held open
    assert_eq!(health.status, 200);
    idle.push(half);
    let open = idle
        .into_iter()
        .map(Conn::still_open)
        .filter(|o| *o)
        .count();
    assert_eq!(
        open, 51,
        "the server hung up on idle clients to serve others"
    );
}

#[tokio::test]
async fn a_half_sent_body_followed_by_a_disconnect_leaves_the_server_healthy() {
    // Arrange: one connection slot, so the server takes each connection only once it is done
    // with the one before: the health check below comes after every hang-up was dealt with.
    let app = Server::with(|c| c.max_connections = 1).await;
    app.pb().register(PHONE).await;
    let body = json!({"op": 1001, "phone": "13000000002", "password": "123456"}).to_string();
    let half = &body.as_bytes()[..body.len() / 2];

    // Act: promise the whole body, send half, hang up — several times
    for _ in 0..5 {
        let mut conn = app.connect().await;
        let head = [("Host", "t"), ("Content-Type", "application/json")];
        let mut bytes = client::request("POST", "/phonebooks", &head, body.as_bytes());
        bytes.truncate(bytes.len() - (body.len() - half.len()));
        conn.write(&bytes).await.unwrap();
        drop(conn);
    }

    // Assert
    app.healthy().await;
    app.pb().login(PHONE, PASSWORD).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE phone = '13000000002'",
            &[]
        ),
        0,
        "nothing half-written"
    );
}

#[tokio::test]
async fn idle_keep_alive_connections_filling_every_slot_are_reaped_so_a_new_client_is_served() {
    // Arrange: as many keep-alive clients as connection slots, each idle after one request
    let app = Server::with(|c| (c.max_connections, c.header_timeout_ms) = (4, 300)).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        let mut conn = app.connect().await;
        let r = conn.request("GET", "/healthz", &[], b"").await.unwrap();
        assert_eq!(r.status, 200);
        idle.push(conn);
    }

    // Act: a fifth client, waiting for a slot
    let mut fifth = app.connect().await;
    let late = fifth
        .request("GET", "/healthz", &[], b"")
        .await
        .expect("a fifth client was locked out by idle keep-alive connections");

    // Assert: served, because the idle ones were hung up on
    assert_eq!(late.status, 200);
    for mut conn in idle {
        assert!(
            conn.closed().await,
            "an idle keep-alive client kept its slot"
        );
    }
}
