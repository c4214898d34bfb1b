//! The request log: one line per request, a refused request's line carries why, and no line
//! carries a password or a token.

use crate::support::log::{captured, line_with, lines_with};
use crate::support::Server;
use serde_json::json;

#[tokio::test]
async fn a_refused_requests_log_line_carries_its_detail_and_the_wire_does_not() {
    let (log, _capture) = captured();
    let app = Server::start().await;
    // A unique path: the line is told apart by what it carries, not by being the only one.
    let uid = uuid::Uuid::new_v4().simple().to_string();
    let path = format!("/ineww/user/{uid}");
    let r = app.send("PUT", &path, &[("USER-ID", &uid)], b"{}").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json(), json!({"code": "401001", "data": {}}));

    let lines = lines_with(&log, &path);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.contains("INFO"), "{line}");
    assert!(line.contains("status=401"), "{line}");
    assert!(line.contains("detail=\"missing token\""), "{line}");
}

#[tokio::test]
async fn no_line_carries_a_password_or_a_token() {
    let (log, _capture) = captured();
    let app = Server::start().await;
    let password = format!("pw{}", uuid::Uuid::new_v4().simple());
    let phone = "13000000077";
    let r = app
        .pb()
        .post(json!({"op": 1001, "phone": phone, "password": password}))
        .await;
    assert_eq!(r.json()["ret"], 0);
    let r = app
        .pb()
        .post_to(
            "/api/user/login",
            json!({"id": 1, "type": "login", "subtype": "pass",
                   "data": {"phone": phone, "pass": password}}),
            None,
        )
        .await;
    let token = r.json()["data"]["token"].as_str().unwrap().to_string();
    // A wrong password, and a token in a query string.
    app.pb()
        .post(json!({"op": 1003, "phone": phone, "password": format!("{password}x")}))
        .await;
    app.get(&format!("/api/user/info?token={token}")).await;

    assert!(lines_with(&log, &password).is_empty());
    assert!(lines_with(&log, &token).is_empty());
    assert!(!lines_with(&log, "path=\"/api/user/info?token=***\"").is_empty());
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_clients_own_is_kept_and_logged() {
    let (log, _capture) = captured();
    let app = Server::start().await;
    let theirs = format!("trace-{}", uuid::Uuid::new_v4().simple());
    let r = app
        .send("POST", "/", &[("X-Request-Id", &theirs)], br#"{"op":9999}"#)
        .await;
    assert_eq!(r.header("x-request-id"), Some(theirs.as_str()));
    let lines = lines_with(&log, &theirs);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    for field in [
        "dialect=\"opcode\"",
        "command=\"-\"",
        "status=200",
        "code=-1",
        "method=POST",
        "path=\"/\"",
        "detail=\"unknown command\"",
    ] {
        assert!(line.contains(field), "{field} missing: {line}");
    }
    assert!(line.contains(&format!("bytes={}", r.body.len())), "{line}");
    assert!(line.contains("peer=127.0.0.1:"), "{line}");
    assert!(line.contains("micros="), "{line}");

    // Without one (or with one that is not a printable token), the server makes one.
    let a = app.get("/healthz").await;
    let b = app
        .send("GET", "/healthz", &[("X-Request-Id", "two words")], b"")
        .await;
    let (a, b) = (
        a.header("x-request-id").unwrap(),
        b.header("x-request-id").unwrap(),
    );
    assert_ne!(a, b);
    assert_ne!(b, "two words");
    assert_eq!(lines_with(&log, &format!("request_id=\"{a}\"")).len(), 1);
}

#[tokio::test]
async fn a_commands_line_names_its_dialect_command_and_code() {
    let (log, _capture) = captured();
    let app = Server::start().await;
    let id = format!("reg-{}", uuid::Uuid::new_v4().simple());
    let body = json!({"op": 1001, "phone": "13000000078", "password": "123456"});
    let r = app
        .send(
            "POST",
            "/",
            &[("X-Request-Id", &id)],
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.json()["ret"], 0);
    let line = &line_with(&log, &id).await;
    assert!(line.contains("command=\"register\""), "{line}");
    assert!(line.contains("code=0"), "{line}");
    assert!(!line.contains("detail="), "a success has no detail: {line}");

    let id = format!("ineww-{}", uuid::Uuid::new_v4().simple());
    let r = app
        .send("GET", "/ineww/session", &[("X-Request-Id", &id)], b"")
        .await;
    assert_eq!(r.status, 401);
    let line = &line_with(&log, &id).await;
    assert!(line.contains("dialect=\"ineww\""), "{line}");
    assert!(line.contains("command=\"profile\""), "{line}");
    assert!(line.contains("code=401001"), "{line}");
}
