//! A node whose database goes away answers each dialect's failure, says so on `/healthz` and
//! comes back by itself; connections a database restart ends are not seen by clients.

use super::two_nodes;
use crate::support::pb::PbResp;
use crate::support::postgres::{on_postgres, Cuttable};
use crate::support::{Conn, Server};
use serde_json::json;

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
