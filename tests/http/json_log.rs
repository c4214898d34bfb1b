//! The real binary with `log_format = "json"` and its own events at every level: every line of
//! a whole run parses as JSON, each request has one line with every field, and no line carries
//! a password, a token or a password hash used in the run — in any dialect.

use crate::support::binary::Binary;
use crate::support::Conn;
use serde_json::{json, Value};

/// Every string in `v` under a key that names a token.
fn tokens(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::String(s) if k.contains("token") && s.len() >= 16 => out.push(s.clone()),
                    _ => tokens(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| tokens(v, out)),
        _ => {}
    }
}

async fn post(conn: &mut Conn, path: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let all = [&[("Content-Type", "application/json")], headers].concat();
    let r = conn
        .request("POST", path, &all, body.to_string().as_bytes())
        .await
        .expect("an answer");
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn json_lines_parse_carry_every_field_and_no_secret_of_any_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // Every level of the server's own events: no secret at any level.
    let config = "log_format = \"json\"\nlog = \"info,switchboard=trace\"\n";
    let server = Binary::start(&db, config).await;
    let mut conn = server.connect().await;
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let phone = "13000000091";
    let mut seen = Vec::new();
    let register = json!({"op": 1001, "phone": phone, "password": password});
    post(&mut conn, "/", &[], register).await;
    let logins = [
        (
            "/",
            json!({"op": 1003, "phone": phone, "password": password}),
        ),
        (
            "/api/user/login",
            json!({"id": 1, "type": "login", "subtype": "pass",
                   "data": {"phone": phone, "pass": password}}),
        ),
        (
            "/ineww/session",
            json!({"account": phone, "password": password}),
        ),
        ("/login/", json!({"username": phone, "password": password})),
        (
            "/api/v4.0/login",
            json!({"phone": phone, "password": password, "device_identifier": "d1"}),
        ),
    ];
    for (path, body) in logins {
        tokens(&post(&mut conn, path, &[], body).await, &mut seen);
    }
    assert!(seen.len() >= 5, "a token from every dialect: {seen:?}");
    // Tokens used where clients put them: a query string, headers, a body.
    for t in &seen {
        let target = format!("/api/user/info?token={t}");
        conn.request("GET", &target, &[("X-Request-Id", "q")], b"")
            .await
            .unwrap();
        let auth = format!("JWT {t}");
        post(
            &mut conn,
            "/",
            &[("Authorization", &auth)],
            json!({"op": 1009}),
        )
        .await;
        conn.request("GET", "/ineww/session", &[("ACCESS-TOKEN", t)], b"")
            .await
            .unwrap();
    }
    drop(conn);
    drop(server);
    let hash: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT password_hash FROM accounts WHERE phone = ?1",
            [phone],
            |r| r.get(0),
        )
        .unwrap();

    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    let mut requests = 0;
    for line in log.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        // Start-up's readiness probes aside.
        if v["fields"]["message"] == "request" && v["fields"]["path"] != "/healthz" {
            requests += 1;
            let f = &v["fields"];
            for key in [
                "request_id",
                "peer",
                "client",
                "method",
                "path",
                "dialect",
                "command",
                "status",
                "micros",
                "bytes",
            ] {
                assert!(!f[key].is_null(), "{key} missing: {line}");
            }
        }
    }
    assert_eq!(requests, 1 + 5 + 3 * seen.len(), "one line per request");
    for secret in seen.iter().chain([&password, &hash]) {
        assert!(
            !log.contains(secret.as_str()),
            "a secret reached the log: {secret}"
        );
    }
    assert!(
        log.contains("token=***"),
        "the query's token is redacted, not dropped"
    );
}
