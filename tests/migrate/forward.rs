//! The forwarding `record` and `shadow` share: requests and answers go through unchanged, and
//! a dead or silent upstream is answered with 502 in the client's own dialect envelope.

use crate::support::front::{self, Kept};
use crate::support::Server;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use switchboard::proxy::Settings;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_answers_go_through_unchanged_and_are_observed_whole() {
    let legacy = Server::start().await;
    let kept = Arc::new(Kept::default());
    let front = front::forwarder(legacy.base_url(), Settings::default(), kept.clone()).await;
    let register = json!({"op": 1001, "phone": "13000000201", "password": "123456"});
    let r = front.json("POST", "/phonebooks", &register).await;
    assert_eq!(
        (r.status, r.json()["ret"].clone()),
        (200, json!(0)),
        "{r:?}"
    );
    // The write reached the upstream: a direct login works.
    let r = legacy.pb().login_resp("13000000201", "123456").await;
    assert_eq!(r.json()["ret"], 0, "{r:?}");
    // A bodiless INEWW 204 and a rooms preflight keep their status and headers.
    let r = front
        .json(
            "POST",
            "/ineww/code/phone",
            &json!({"phone": "13000000202"}),
        )
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0), "{r:?}");
    let direct = legacy.send("OPTIONS", "/rooms/", &[], b"").await;
    let through = front.send("OPTIONS", "/rooms/", &[], b"").await;
    assert_eq!(through.status, direct.status);
    for name in [
        "access-control-allow-origin",
        "access-control-allow-methods",
    ] {
        assert_eq!(through.header(name), direct.header(name), "{name}");
    }
    let direct = legacy
        .get("/api/v4.0/isregister/13000000201?expect=1")
        .await;
    let through = front
        .send("GET", "/api/v4.0/isregister/13000000201?expect=1", &[], b"")
        .await;
    assert_eq!(
        (through.status, &through.body),
        (direct.status, &direct.body)
    );
    assert_eq!(
        through.header("content-type"),
        direct.header("content-type")
    );
    front.stop().await;
    let seen = kept.0.lock().unwrap();
    assert_eq!(seen.len(), 4, "every exchange is observed once");
    assert_eq!(seen[0].request_body, register.to_string().as_bytes());
    assert_eq!(seen[0].status, 200);
    assert!(seen[0].response_body.starts_with(b"{\"msg\":\"success\""));
    assert_eq!(seen[1].status, 204);
    assert_eq!(seen[3].uri, "/api/v4.0/isregister/13000000201?expect=1");
}

/// One request of each dialect and the envelope of its 502: (method, target, body, check).
type Case = (
    &'static str,
    &'static str,
    serde_json::Value,
    serde_json::Value,
);

fn cases() -> Vec<Case> {
    vec![
        (
            "POST",
            "/phonebooks",
            json!({"op": 1009}),
            json!({"ret": -1}),
        ),
        (
            "POST",
            "/api/user/login",
            json!({"id": 42, "type": "login", "subtype": "pass",
                   "data": {"phone": "13000000203", "pass": "123456"}}),
            json!({"id": 42, "status": -200, "message": "Failure to operate database", "data": {}}),
        ),
        (
            "GET",
            "/ineww/session",
            json!(null),
            json!({"code": "502001", "data": {}}),
        ),
        (
            "GET",
            "/rooms/?page=1",
            json!(null),
            json!({"status": "FAIL", "code": "502"}),
        ),
        (
            "POST",
            "/api/v4.0/sendsms/13000000203",
            json!(null),
            json!({"code": "502"}),
        ),
    ]
}

/// Sends each case through `front` and checks its 502 envelope.
async fn each_dialect_gets_its_502(front: &front::Front<()>) {
    for (method, target, body, want) in cases() {
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let ct = [("Content-Type", "application/json")];
        let r = front.send(method, target, &ct, &body).await;
        assert_eq!(r.status, 502, "{method} {target}: {r:?}");
        let got = r.json();
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(&got[k], v, "{method} {target}: {got}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_upstream_is_answered_502_in_each_dialects_envelope() {
    let kept = Arc::new(Kept::default());
    let front = front::forwarder(&front::dead_url(), Settings::default(), kept.clone()).await;
    // A hang would fail here: the test client gives up after its read timeout.
    each_dialect_gets_its_502(&front).await;
    front.stop().await;
    assert!(
        kept.0.lock().unwrap().is_empty(),
        "the proxy's own answers are not observed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_never_answers_is_answered_502_when_the_timeout_passes() {
    // Accepts connections and reads nothing: a hung legacy server.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            open.push(s);
        }
    });
    let settings = Settings {
        timeout: Duration::from_millis(300),
        ..Settings::default()
    };
    let front = front::forwarder(&url, settings, Arc::new(Kept::default())).await;
    each_dialect_gets_its_502(&front).await;
    front.stop().await;
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_in_its_dialect_and_never_forwarded() {
    let legacy = Server::start().await;
    let kept = Arc::new(Kept::default());
    let settings = Settings {
        body_limit: 64,
        ..Settings::default()
    };
    let front = front::forwarder(legacy.base_url(), settings, kept.clone()).await;
    let big = json!({"op": 1001, "phone": "13000000204", "password": "x".repeat(100)});
    let r = front.json("POST", "/phonebooks", &big).await;
    assert_eq!(
        (r.status, r.json()["ret"].clone()),
        (413, json!(-1)),
        "{r:?}"
    );
    assert!(legacy.account("13000000204").is_none());
    front.stop().await;
}
