//! The request log: one line per request, a refused request's line carries why, and no line
//! carries a password or a token.

use crate::support::log::{captured, lines_with};
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
    assert!(!lines_with(&log, "path=\"/api/user/info\"").is_empty());
}
