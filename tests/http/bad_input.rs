//! Bad input of every kind gets the PhoneBooks envelope `{"ret":-1,"msg":…}` with a specific
//! message and the right HTTP status — never a panic, an empty 500 or a dropped connection —
//! and leaves the server healthy.

use crate::support::pb::*;
use bytes::Bytes;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard::config::Config;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const PHONE: &str = "13000000001";
const MIB: usize = 1024 * 1024;

/// Which `Authorization` header a case sends.
#[derive(Clone, Copy)]
enum Auth {
    /// None at all.
    Missing,
    /// `JWT <a valid token>`.
    Valid,
    /// This exact value.
    Raw(&'static str),
}

/// What the `msg` must be.
#[derive(Clone, Copy)]
enum Msg {
    /// Exactly this text.
    Is(&'static str),
    /// Containing every one of these fragments.
    Has(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    auth: Auth,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    msg: Msg,
}

fn case(name: &'static str, body: impl Into<Vec<u8>>, msg: Msg) -> Case {
    Case {
        name,
        method: "POST",
        path: "/phonebooks",
        auth: Auth::Valid,
        content_type: "application/json",
        body: body.into(),
        status: 200,
        msg,
    }
}

impl Case {
    fn at(mut self, method: &'static str, path: &'static str) -> Case {
        self.method = method;
        self.path = path;
        self
    }
    fn auth(mut self, auth: Auth) -> Case {
        self.auth = auth;
        self
    }
    fn status(mut self, status: u16) -> Case {
        self.status = status;
        self
    }
    fn content_type(mut self, ct: &'static str) -> Case {
        self.content_type = ct;
        self
    }
}

fn j(v: serde_json::Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn table() -> Vec<Case> {
    use Msg::{Has, Is};
    const NOT_OBJECT: &str = "invalid request body: the body must be a JSON object";
    const NOT_JSON: &[&str] = &["not valid JSON"];
    let nested = "[".repeat(100_000);
    vec![
        // The frame
        case("not JSON", "hello", Has(NOT_JSON)),
        case(
            "bad UTF-8 bytes",
            b"{\"op\":1003,\"phone\":\"\xff\xfe\",\"password\":\"x\"}".to_vec(),
            Has(NOT_JSON),
        ),
        case("trailing garbage", r#"{"op":1003} xyz"#, Has(NOT_JSON)),
        case(
            "truncated JSON",
            r#"{"op":1003,"phone":"1300"#,
            Has(NOT_JSON),
        ),
        case(
            "a form body",
            "op=1003&phone=13000000001&password=123456",
            Has(NOT_JSON),
        )
        .content_type("application/x-www-form-urlencoded"),
        case("JSON array", "[]", Is(NOT_OBJECT)),
        case("JSON array of an op", r#"[{"op":1003}]"#, Is(NOT_OBJECT)),
        case("JSON string", r#""1003""#, Is(NOT_OBJECT)),
        case("JSON number", "1003", Is(NOT_OBJECT)),
        case("JSON null", "null", Is(NOT_OBJECT)),
        case(
            "empty body",
            "",
            Is("invalid request body: the body is empty"),
        ),
        case(
            "deeply nested JSON",
            nested,
            Has(&["not valid JSON", "recursion"]),
        ),
        // The op
        case("{}", "{}", Is("missing field: op")),
        case(
            "op missing",
            j(json!({"phone": PHONE, "password": "x"})),
            Is("missing field: op"),
        ),
        case("op null", j(json!({"op": null})), Is("missing field: op")),
        case(
            "op float 1003.5",
            r#"{"op":1003.5,"phone":"13000000001","password":"x"}"#,
            Is("no method"),
        ),
        case("op 1e300", r#"{"op":1e300}"#, Is("no method")),
        case(
            "op huge integer",
            r#"{"op":99999999999999999999}"#,
            Is("no method"),
        ),
        case("op negative", r#"{"op":-1003}"#, Is("no method")),
        case("op unknown", j(json!({"op": 9999})), Is("no method")),
        case("op abc", j(json!({"op": "abc"})), Is("no method")),
        case("op empty string", j(json!({"op": ""})), Is("no method")),
        case(
            "op true",
            j(json!({"op": true})),
            Is("field op must be a number"),
        ),
        case(
            "op array",
            j(json!({"op": [1003]})),
            Is("field op must be a number"),
        ),
        case(
            "op object",
            j(json!({"op": {"v": 1003}})),
            Is("field op must be a number"),
        ),
        // Field types
        case(
            "phone as number",
            j(json!({"op": 1001, "phone": 13000000009u64, "password": "123456"})),
            Is("field phone must be a string"),
        ),
        case(
            "password as array",
            j(json!({"op": 1003, "phone": PHONE, "password": ["123456"]})),
            Is("field password must be a string"),
        ),
        case(
            "password as null at login",
            j(json!({"op": 1003, "phone": PHONE, "password": null})),
            Is("missing field: password"),
        ),
        case(
            "users as object",
            j(json!({"op": 1005, "users": {"name": "a"}})),
            Is("field users must be an array"),
        ),
        case(
            "users[0] as string",
            j(json!({"op": 1005, "users": ["a"]})),
            Is("field users[0] must be an object"),
        ),
        case(
            "users[0].phones[0].phone as number",
            j(json!({"op": 1005, "users": [{"name": "a", "phones": [{"phone": 13503768800u64}]}]})),
            Is("field users[0].phones[0].phone must be a string"),
        ),
        case(
            "users[0].mails as string",
            j(json!({"op": 1005, "users": [{"name": "a", "mails": "x@y.z"}]})),
            Is("field users[0].mails must be an array"),
        ),
        case(
            "users[0].name as number (an absent name is \"\")",
            j(json!({"op": 1005, "users": [{"name": 7, "phones": []}]})),
            Is("field users[0].name must be a string"),
        ),
        case(
            "1006 user as string",
            j(json!({"op": 1006, "uid": UNKNOWN_UID, "user": "x"})),
            Is("field user must be an object"),
        ),
        case(
            "1007 uid as number",
            j(json!({"op": 1007, "users": [{"uid": 1}]})),
            Is("field users[0].uid must be a string"),
        ),
        case(
            "action as \"0\"",
            j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": "0",
                                         "phone_info": {"phone": "13000001234"}})),
            Is("field action must be an integer"),
        ),
        case(
            "action 2",
            j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 2,
                                  "phone_info": {"phone": "13000001234"}})),
            Is("invalid action: must be 0 (add) or 1 (delete)"),
        ),
        case(
            "action 0.5",
            r#"{"op":10062,"uid":"x","action":0.5,"mail_info":{"mail":"a@b.c"}}"#,
            Is("field action must be an integer"),
        ),
        case(
            "rid as number",
            j(json!({"op": 1009, "rid": 7})),
            Is("field rid must be a string"),
        ),
        case(
            "q as number",
            j(json!({"op": 1008, "q": 7})),
            Is("field q must be a string"),
        ),
        // Missing required fields
        case(
            "register without phone",
            j(json!({"op": 1001, "password": "123456"})),
            Is("phone empty"),
        ),
        case(
            "register without password",
            j(json!({"op": 1001, "phone": PHONE})),
            Is("missing field: password"),
        ),
        case(
            "login without password",
            j(json!({"op": 1003, "phone": PHONE})),
            Is("missing field: password"),
        ),
        case(
            "1005 without users",
            j(json!({"op": 1005})),
            Is("missing field: users"),
        ),
        case(
            "1006 without uid",
            j(json!({"op": 1006, "user": {"name": "a"}})),
            Is("missing field: uid"),
        ),
        case(
            "1006 without user",
            j(json!({"op": 1006, "uid": UNKNOWN_UID})),
            Is("missing field: user"),
        ),
        case(
            "10061 without action",
            j(json!({"op": 10061, "uid": UNKNOWN_UID,
                                              "phone_info": {"phone": "1"}})),
            Is("missing field: action"),
        ),
        case(
            "10061 add without phone",
            j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 0,
                                                 "phone_info": {}})),
            Is("missing field: phone_info.phone"),
        ),
        case(
            "10062 delete without mid",
            j(json!({"op": 10062, "uid": UNKNOWN_UID, "action": 1,
                                                  "mail_info": {"mail": "a@b.c"}})),
            Is("missing field: mail_info.mid"),
        ),
        case(
            "1007 without users",
            j(json!({"op": 1007})),
            Is("missing field: users"),
        ),
        case(
            "1008 without q",
            j(json!({"op": 1008})),
            Is("missing field: q"),
        ),
        case(
            "1010 without users",
            j(json!({"op": 1010})),
            Is("missing field: users"),
        ),
        case(
            "1002 without phone",
            j(json!({"op": 1002})),
            Has(&["phone"]),
        ),
        case(
            "1002 code without password",
            j(json!({"op": 1002, "phone": PHONE, "code": "123456"})),
            Is("missing field: password"),
        ),
        // Unknown fields
        case(
            "unknown extra field",
            j(json!({"op": 1003, "phone": PHONE, "password": "x", "pasword": "y"})),
            Has(&["pasword", "unknown"]),
        ),
        case(
            "unknown nested field",
            j(json!({"op": 1005, "users": [{"name": "a", "nmae": "b"}]})),
            Has(&["users[0].nmae", "unknown"]),
        ),
        // Values
        case(
            "blank phone at register",
            j(json!({"op": 1001, "phone": "", "password": "123456"})),
            Is("phone empty"),
        ),
        case(
            "malformed phone at 1002",
            j(json!({"op": 1002, "phone": "1300000000a"})),
            Has(&["phone", "11 digits"]),
        ),
        case(
            "empty password at register",
            j(json!({"op": 1001, "phone": PHONE, "password": ""})),
            Has(&["password", "empty"]),
        ),
        case(
            "10061 add of a blank phone",
            j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 0,
                                                    "phone_info": {"phone": " "}})),
            Has(&["phone_info.phone", "empty"]),
        ),
        case(
            "unknown non-ASCII field",
            j(json!({"op": 1003, "phone": PHONE, "password": "x", "名字": "刘可"})),
            Has(&["unknown", "\u{540d}\u{5b57}"]),
        ),
        case(
            "phone_info as string",
            j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 0, "phone_info": "13000001234"})),
            Is("field phone_info must be an object"),
        ),
        // Method and path
        case("GET on /phonebooks", "", Is("only POST is served here"))
            .at("GET", "/phonebooks")
            .status(405),
        case(
            "PUT on /phonebooks",
            j(json!({"op": 1003})),
            Is("only POST is served here"),
        )
        .at("PUT", "/phonebooks")
        .status(405),
        case("DELETE on /", "", Is("only POST is served here"))
            .at("DELETE", "/")
            .status(405),
        // Authorization
        case(
            "garbled JWT",
            j(json!({"op": 1009})),
            Has(&["token", "malformed"]),
        )
        .auth(Auth::Raw("JWT abc.def")),
        case(
            "three garbled segments",
            j(json!({"op": 1009})),
            Has(&["token"]),
        )
        .auth(Auth::Raw("JWT a.b.c")),
        case(
            "Authorization: Basic x",
            j(json!({"op": 1009})),
            Has(&["token", "JWT"]),
        )
        .auth(Auth::Raw("Basic x")),
        case(
            "Authorization: JWT with nothing after",
            j(json!({"op": 1009})),
            Has(&["token"]),
        )
        .auth(Auth::Raw("JWT")),
        case(
            "Authorization: JWT with two tokens",
            j(json!({"op": 1009})),
            Has(&["token"]),
        )
        .auth(Auth::Raw("JWT a b")),
        case(
            "Authorization with non-ASCII bytes",
            j(json!({"op": 1009})),
            Has(&["token", "ASCII"]),
        )
        .auth(Auth::Raw("JWT t\u{f6}ken")),
        case(
            "missing Authorization at 1009",
            j(json!({"op": 1009})),
            Is("missing Authorization header"),
        )
        .auth(Auth::Missing)
        .status(401),
        case(
            "missing Authorization at 1004",
            j(json!({"op": 1004})),
            Is("missing Authorization header"),
        )
        .auth(Auth::Missing)
        .status(401),
        case(
            "empty Authorization at 1005",
            j(json!({"op": 1005, "users": []})),
            Is("missing Authorization header"),
        )
        .auth(Auth::Raw(""))
        .status(401),
        // The same endpoint at POST /
        case("POST / not JSON", "hello", Has(NOT_JSON)).at("POST", "/"),
        case("POST / {}", "{}", Is("missing field: op")).at("POST", "/"),
        case("POST / op unknown", j(json!({"op": 1})), Is("no method")).at("POST", "/"),
        case("POST / JSON array", "[1]", Is(NOT_OBJECT)).at("POST", "/"),
        case(
            "POST / password as number",
            j(json!({"op": 1003, "phone": PHONE, "password": 123456})),
            Is("field password must be a string"),
        )
        .at("POST", "/"),
        case(
            "POST / missing Authorization",
            j(json!({"op": 1010, "users": []})),
            Is("missing Authorization header"),
        )
        .at("POST", "/")
        .auth(Auth::Missing)
        .status(401),
    ]
}

#[tokio::test]
async fn every_bad_request_in_the_table_gets_the_envelope_with_its_status_and_a_specific_message() {
    // Arrange
    let app = spawn_app().await;
    let (_, token) = app.account(PHONE).await;
    let valid = format!("JWT {token}");
    let mut failures = Vec::new();

    for c in table() {
        // Act
        let mut headers: Vec<(&str, &str)> = vec![("content-type", c.content_type)];
        match c.auth {
            Auth::Missing => {}
            Auth::Valid => headers.push(("authorization", &valid)),
            Auth::Raw(v) => headers.push(("authorization", v)),
        }
        let resp = request(app.addr, c.method, c.path, &headers, Bytes::from(c.body)).await;

        // Assert (collected, so one run reports every broken case)
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let msg = resp.failure(c.status);
            match c.msg {
                Msg::Is(want) => assert_eq!(msg, want),
                Msg::Has(parts) => {
                    for p in parts {
                        assert!(msg.contains(p), "msg {msg:?} lacks {p:?}");
                    }
                }
            }
        }));
        if let Err(e) = outcome {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!(
                "{}: {why}\n   got {} {}",
                c.name,
                resp.status,
                String::from_utf8_lossy(&resp.body)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "failing cases:\n{}",
        failures.join("\n")
    );

    // The server is still healthy, and nothing was written by the bad requests.
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok"}));
    app.login(PHONE, PASSWORD).await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM accounts", &[]), 1);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM contacts", &[]), 0);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM codes", &[]), 0);
}

#[tokio::test]
async fn an_unknown_path_is_404_with_a_json_body() {
    let app = spawn_app().await;

    for (method, path) in [
        ("POST", "/phonebook"),
        ("POST", "/phonebooks/"),
        ("GET", "/nope"),
    ] {
        let resp = request(app.addr, method, path, &[], Bytes::from(r#"{"op":1003}"#)).await;
        assert_eq!(resp.status, 404, "{method} {path}");
        resp.json();
    }
}

#[tokio::test]
async fn a_malformed_phone_at_register_gets_a_message_naming_the_phone_rule() {
    let app = spawn_app().await;

    for phone in ["1300000000a", "1300000000", "23000000001", "13000000001 "] {
        let resp = app
            .post(json!({"op": 1001, "phone": phone, "password": "123456"}))
            .await;

        let msg = resp.failure(200);
        assert_ne!(msg, "phone empty", "{phone:?}");
        assert!(msg.contains("phone"), "{msg}");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM accounts", &[]), 0);
}

/// Request head for a POST to /phonebooks with extra header lines.
fn head(extra: &str) -> Vec<u8> {
    format!(
        "POST /phonebooks HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// A JSON login body padded to `len` bytes.
fn padded(len: usize) -> Vec<u8> {
    let start = br#"{"op":1003,"phone":"13000000001","password":"123456","pad":""#;
    let mut body = start.to_vec();
    body.resize(len - 2, b'a');
    body.extend_from_slice(br#""}"#);
    body
}

#[tokio::test]
async fn a_nine_mib_body_is_answered_413_with_the_envelope() {
    let app = spawn_app().await;
    let body = padded(9 * MIB);
    let mut bytes = head(&format!("Content-Length: {}\r\n", body.len()));
    bytes.extend_from_slice(&body);

    let r = raw(app.addr, bytes, Duration::from_secs(10)).await;

    assert_eq!(
        r.status(),
        Some(413),
        "{:?}",
        &r.text()[..r.text().len().min(300)]
    );
    assert_eq!(
        r.json(),
        json!({"ret": -1, "msg": "request body too large"})
    );
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_chunked_body_growing_past_the_limit_is_answered_413_with_the_envelope() {
    let app = spawn_app().await;
    let mut bytes = head("Transfer-Encoding: chunked\r\n");
    let chunk = vec![b' '; 64 * 1024];
    bytes.extend_from_slice(b"1\r\n{\r\n");
    for _ in 0..(9 * 16) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"1\r\n}\r\n0\r\n\r\n");

    let r = raw(app.addr, bytes, Duration::from_secs(10)).await;

    assert_eq!(
        r.status(),
        Some(413),
        "{:?}",
        &r.text()[..r.text().len().min(300)]
    );
    assert_eq!(
        r.json(),
        json!({"ret": -1, "msg": "request body too large"})
    );
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read_and_judged_on_its_content() {
    let app = spawn_app_with(|c| Config {
        body_limit: 64 * 1024,
        ..c
    })
    .await;
    let body = padded(64 * 1024);
    let mut bytes = head(&format!("Content-Length: {}\r\n", body.len()));
    bytes.extend_from_slice(&body);

    let r = raw(app.addr, bytes, Duration::from_secs(5)).await;

    assert_eq!(r.status(), Some(200));
    let v = r.json();
    assert_eq!(v["ret"], -1);
    assert!(v["msg"].as_str().unwrap().contains("pad"), "{v}");
}

#[tokio::test]
async fn a_declared_nine_mib_body_that_never_arrives_is_answered_413_at_once() {
    let app = spawn_app().await;
    let mut bytes = head(&format!("Content-Length: {}\r\n", 9 * MIB));
    bytes.extend_from_slice(br#"{"op":1003"#);
    let start = Instant::now();

    let r = raw(app.addr, bytes, Duration::from_secs(3)).await;

    assert_eq!(r.status(), Some(413), "{:?}", r.text());
    assert_eq!(
        r.json(),
        json!({"ret": -1, "msg": "request body too large"})
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "answered without waiting for the body"
    );
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_with_the_envelope_after_the_request_timeout() {
    let app = spawn_app_with(|c| Config {
        request_timeout_ms: 500,
        ..c
    })
    .await;
    let mut bytes = head("Content-Length: 100\r\n");
    bytes.extend_from_slice(br#"{"op":1003"#);

    let r = raw(app.addr, bytes, Duration::from_secs(5)).await;

    assert_eq!(r.status(), Some(200), "{:?}", r.text());
    let v = r.json();
    assert_eq!(v["ret"], -1);
    assert!(v["msg"].as_str().unwrap().contains("in time"), "{v}");
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected_after_the_header_timeout() {
    let app = spawn_app_with(|c| Config {
        header_timeout_ms: 300,
        ..c
    })
    .await;
    let start = Instant::now();

    let r = raw(
        app.addr,
        b"POST /phonebooks HTTP/1.1\r\nHost: te".to_vec(),
        Duration::from_secs(5),
    )
    .await;

    assert!(r.closed, "the server hung up: {:?}", r.text());
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn bytes_that_are_not_http_get_a_400_and_the_server_stays_healthy() {
    let app = spawn_app().await;

    let r = raw(
        app.addr,
        b"\x00\x01\x02 this is not HTTP\r\n\r\n".to_vec(),
        Duration::from_secs(3),
    )
    .await;

    assert_eq!(r.status(), Some(400), "{:?}", r.text());
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn fifty_idle_connections_do_not_delay_a_normal_request() {
    // Arrange: 50 clients that connect and send nothing
    let app = spawn_app().await;
    app.register(PHONE).await;
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(TcpStream::connect(app.addr).await.expect("connect"));
    }
    // One more that sent half a request line.
    let mut half = TcpStream::connect(app.addr).await.expect("connect");
    half.write_all(b"POST /phonebooks HT").await.unwrap();

    // Act
    let start = Instant::now();
    let health = app.get("/healthz").await;
    let (_, token) = app.login(PHONE, PASSWORD).await;
    app.list(&token).await;
    let took = start.elapsed();

    // Assert
    assert_eq!(health.status, 200);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    drop(idle);
    drop(half);
}

#[tokio::test]
async fn a_half_sent_body_followed_by_a_disconnect_leaves_the_server_healthy() {
    // Arrange
    let app = spawn_app().await;
    app.register(PHONE).await;
    let body = json!({"op": 1001, "phone": "13000000002", "password": "123456"}).to_string();

    // Act: promise the whole body, send half, hang up — several times
    for _ in 0..5 {
        let mut s = TcpStream::connect(app.addr).await.expect("connect");
        let mut bytes = head(&format!("Content-Length: {}\r\n", body.len()));
        bytes.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
        s.write_all(&bytes).await.unwrap();
        s.flush().await.unwrap();
        drop(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Assert
    assert_eq!(app.get("/healthz").await.status, 200);
    app.login(PHONE, PASSWORD).await;
    assert_eq!(
        app.query_i64(
            "SELECT COUNT(*) FROM accounts WHERE phone = '13000000002'",
            &[]
        ),
        0,
        "nothing half-written"
    );
}

#[tokio::test]
async fn a_keep_alive_connection_serves_a_good_request_after_a_bad_one() {
    let app = spawn_app().await;
    app.register(PHONE).await;
    let mut conn = Conn::connect(app.addr).await.unwrap();

    let bad = conn
        .send("POST", "/phonebooks", &[], Bytes::from_static(b"{nope"))
        .await
        .unwrap();
    let good = conn
        .post(&json!({"op": 1003, "phone": PHONE, "password": PASSWORD}))
        .await
        .unwrap();

    bad.failure(200);
    good.ok_json();
}

#[tokio::test]
async fn a_json_body_is_read_whatever_content_type_the_client_declares() {
    let app = spawn_app().await;
    app.register(PHONE).await;
    let body = json!({"op": 1003, "phone": PHONE, "password": PASSWORD}).to_string();

    for ct in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let resp = app.post_raw(body.clone(), ct).await;

        let v = resp.ok_json();
        assert_eq!(v["token"]["type"], "JWT", "{ct:?}");
        assert_eq!(
            resp.headers.get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/json"[..]),
            "{ct:?}"
        );
    }
}

#[tokio::test]
async fn idle_keep_alive_connections_filling_every_slot_are_reaped_so_a_new_client_is_served() {
    // Arrange: as many keep-alive clients as connection slots, each idle after one request
    let app = spawn_app_with(|c| Config {
        max_connections: 4,
        header_timeout_ms: 300,
        ..c
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        let mut conn = Conn::connect(app.addr).await.unwrap();
        let r = conn
            .send("GET", "/healthz", &[], Bytes::new())
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        idle.push(conn);
    }

    // Act
    let start = Instant::now();
    let late = tokio::time::timeout(Duration::from_secs(3), app.get("/healthz")).await;

    // Assert
    let late = late.expect("a fifth client was locked out by idle keep-alive connections");
    assert_eq!(late.status, 200);
    assert!(start.elapsed() < Duration::from_secs(2));
    drop(idle);
}

#[tokio::test]
async fn a_missing_authorization_header_is_401_even_when_the_body_is_also_bad() {
    let app = spawn_app().await;

    for body in [
        json!({"op": 1005}),
        json!({"op": 1005, "users": {"name": "a"}}),
        json!({"op": 1006, "uid": UNKNOWN_UID}),
        json!({"op": 1007, "users": [{"uid": 1}]}),
        json!({"op": 1009, "extra": true}),
    ] {
        let resp = app.post(body.clone()).await;

        assert_eq!(resp.failure(401), "missing Authorization header", "{body}");
    }
}
