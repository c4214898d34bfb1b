//! Bad input of every kind gets the PhoneBooks envelope `{"ret":-1,"msg":…}` with a specific
//! message and the right HTTP status — never a panic, an empty 500 or a dropped connection —
//! and leaves the server healthy.

use crate::support::pb::*;
use crate::support::Server;
use serde_json::json;

const PHONE: &str = "13000000001";

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

#[rustfmt::skip]
fn table() -> Vec<Case> {
    use Msg::{Has, Is};
    const NOT_OBJECT: &str = "invalid request body: the body must be a JSON object";
    const NOT_JSON: &[&str] = &["not valid JSON"];
    let nested = "[".repeat(100_000);
    vec![
        // The frame
        case("not JSON", "hello", Has(NOT_JSON)),
        case("bad UTF-8 bytes", b"{\"op\":1003,\"phone\":\"\xff\xfe\",\"password\":\"x\"}".to_vec(), Has(NOT_JSON)),
        case("trailing garbage", r#"{"op":1003} xyz"#, Has(NOT_JSON)),
        case("truncated JSON", r#"{"op":1003,"phone":"1300"#, Has(NOT_JSON)),
        case("a form body", "op=1003&phone=13000000001&password=123456", Has(NOT_JSON)).content_type("application/x-www-form-urlencoded"),
        case("JSON array", "[]", Is(NOT_OBJECT)),
        case("JSON array of an op", r#"[{"op":1003}]"#, Is(NOT_OBJECT)),
        case("JSON string", r#""1003""#, Is(NOT_OBJECT)),
        case("JSON number", "1003", Is(NOT_OBJECT)),
        case("JSON null", "null", Is(NOT_OBJECT)),
        case("empty body", "", Is("invalid request body: the body is empty")),
        case("deeply nested JSON", nested, Has(&["not valid JSON", "recursion"])),
        // The op
        case("{}", "{}", Is("missing field: op")),
        case("op missing", j(json!({"phone": PHONE, "password": "x"})), Is("missing field: op")),
        case("op null", j(json!({"op": null})), Is("missing field: op")),
        case("op float 1003.5", r#"{"op":1003.5,"phone":"13000000001","password":"x"}"#, Is("no method")),
        case("op 1e300", r#"{"op":1e300}"#, Is("no method")),
        case("op huge integer", r#"{"op":99999999999999999999}"#, Is("no method")),
        case("op negative", r#"{"op":-1003}"#, Is("no method")),
        case("op unknown", j(json!({"op": 9999})), Is("no method")),
        case("op abc", j(json!({"op": "abc"})), Is("no method")),
        case("op empty string", j(json!({"op": ""})), Is("no method")),
        case("op true", j(json!({"op": true})), Is("field op must be a number")),
        case("op array", j(json!({"op": [1003]})), Is("field op must be a number")),
        case("op object", j(json!({"op": {"v": 1003}})), Is("field op must be a number")),
        // Field types
        case("phone as number", j(json!({"op": 1001, "phone": 13000000009u64, "password": "123456"})), Is("field phone must be a string")),
        case("password as array", j(json!({"op": 1003, "phone": PHONE, "password": ["123456"]})), Is("field password must be a string")),
        case("password as null at login", j(json!({"op": 1003, "phone": PHONE, "password": null})), Is("missing field: password")),
        case("users as object", j(json!({"op": 1005, "users": {"name": "a"}})), Is("field users must be an array")),
        case("users[0] as string", j(json!({"op": 1005, "users": ["a"]})), Is("field users[0] must be an object")),
        case("users[0].phones[0].phone as number", j(json!({"op": 1005, "users": [{"name": "a", "phones": [{"phone": 13503768800u64}]}]})), Is("field users[0].phones[0].phone must be a string")),
        case("users[0].mails as string", j(json!({"op": 1005, "users": [{"name": "a", "mails": "x@y.z"}]})), Is("field users[0].mails must be an array")),
        case("users[0].name as number (an absent name is \"\")", j(json!({"op": 1005, "users": [{"name": 7, "phones": []}]})), Is("field users[0].name must be a string")),
        case("1006 user as string", j(json!({"op": 1006, "uid": UNKNOWN_UID, "user": "x"})), Is("field user must be an object")),
        case("1007 uid as number", j(json!({"op": 1007, "users": [{"uid": 1}]})), Is("field users[0].uid must be a string")),
        case("action as \"0\"", j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": "0", "phone_info": {"phone": "13000001234"}})), Is("field action must be an integer")),
        case("action 2", j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 2, "phone_info": {"phone": "13000001234"}})), Is("invalid action: must be 0 (add) or 1 (delete)")),
        case("action 0.5", r#"{"op":10062,"uid":"x","action":0.5,"mail_info":{"mail":"a@b.c"}}"#, Is("field action must be an integer")),
        case("rid as number", j(json!({"op": 1009, "rid": 7})), Is("field rid must be a string")),
        case("q as number", j(json!({"op": 1008, "q": 7})), Is("field q must be a string")),
        // Missing required fields
        case("register without phone", j(json!({"op": 1001, "password": "123456"})), Is("phone empty")),
        case("register without password", j(json!({"op": 1001, "phone": PHONE})), Is("missing field: password")),
        case("login without password", j(json!({"op": 1003, "phone": PHONE})), Is("missing field: password")),
        case("1005 without users", j(json!({"op": 1005})), Is("missing field: users")),
        case("1006 without uid", j(json!({"op": 1006, "user": {"name": "a"}})), Is("missing field: uid")),
        case("1006 without user", j(json!({"op": 1006, "uid": UNKNOWN_UID})), Is("missing field: user")),
        case("10061 without action", j(json!({"op": 10061, "uid": UNKNOWN_UID, "phone_info": {"phone": "1"}})), Is("missing field: action")),
        case("10061 add without phone", j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 0, "phone_info": {}})), Is("missing field: phone_info.phone")),
        case("10062 delete without mid", j(json!({"op": 10062, "uid": UNKNOWN_UID, "action": 1, "mail_info": {"mail": "a@b.c"}})), Is("missing field: mail_info.mid")),
        case("1007 without users", j(json!({"op": 1007})), Is("missing field: users")),
        case("1008 without q", j(json!({"op": 1008})), Is("missing field: q")),
        case("1010 without users", j(json!({"op": 1010})), Is("missing field: users")),
        case("1002 without phone", j(json!({"op": 1002})), Has(&["phone"])),
        case("1002 code without password", j(json!({"op": 1002, "phone": PHONE, "code": "123456"})), Is("missing field: password")),
        // Unknown fields
        case("unknown extra field", j(json!({"op": 1003, "phone": PHONE, "password": "x", "pasword": "y"})), Has(&["pasword", "unknown"])),
        case("unknown nested field", j(json!({"op": 1005, "users": [{"name": "a", "nmae": "b"}]})), Has(&["users[0].nmae", "unknown"])),
        // Values
        case("blank phone at register", j(json!({"op": 1001, "phone": "", "password": "123456"})), Is("phone empty")),
        case("malformed phone at 1002", j(json!({"op": 1002, "phone": "1300000000a"})), Has(&["phone", "11 digits"])),
        case("empty password at register", j(json!({"op": 1001, "phone": PHONE, "password": ""})), Has(&["password", "empty"])),
        case("10061 add of a blank phone", j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 0, "phone_info": {"phone": " "}})), Has(&["phone_info.phone", "empty"])),
        case("unknown non-ASCII field", j(json!({"op": 1003, "phone": PHONE, "password": "x", "名字": "刘可"})), Has(&["unknown", "\u{540d}\u{5b57}"])),
        case("phone_info as string", j(json!({"op": 10061, "uid": UNKNOWN_UID, "action": 0, "phone_info": "13000001234"})), Is("field phone_info must be an object")),
        // Method and path
        case("GET on /phonebooks", "", Is("only POST is served here")).at("GET", "/phonebooks").status(405),
        case("PUT on /phonebooks", j(json!({"op": 1003})), Is("only POST is served here")).at("PUT", "/phonebooks").status(405),
        case("DELETE on /", "", Is("only POST is served here")).at("DELETE", "/").status(405),
        // Authorization
        case("garbled JWT", j(json!({"op": 1009})), Has(&["token", "malformed"])).auth(Auth::Raw("JWT abc.def")),
        case("three garbled segments", j(json!({"op": 1009})), Has(&["token"])).auth(Auth::Raw("JWT a.b.c")),
        case("Authorization: Basic x", j(json!({"op": 1009})), Has(&["token", "JWT"])).auth(Auth::Raw("Basic x")),
        case("Authorization: JWT with nothing after", j(json!({"op": 1009})), Has(&["token"])).auth(Auth::Raw("JWT")),
        case("Authorization: JWT with two tokens", j(json!({"op": 1009})), Has(&["token"])).auth(Auth::Raw("JWT a b")),
        case("Authorization with non-ASCII bytes", j(json!({"op": 1009})), Has(&["token", "ASCII"])).auth(Auth::Raw("JWT t\u{f6}ken")),
        case("missing Authorization at 1009", j(json!({"op": 1009})), Is("missing Authorization header")).auth(Auth::Missing).status(401),
        case("missing Authorization at 1004", j(json!({"op": 1004})), Is("missing Authorization header")).auth(Auth::Missing).status(401),
        case("empty Authorization at 1005", j(json!({"op": 1005, "users": []})), Is("missing Authorization header")).auth(Auth::Raw("")).status(401),
        // The same endpoint at POST /
        case("POST / not JSON", "hello", Has(NOT_JSON)).at("POST", "/"),
        case("POST / {}", "{}", Is("missing field: op")).at("POST", "/"),
        case("POST / op unknown", j(json!({"op": 1})), Is("no method")).at("POST", "/"),
        case("POST / JSON array", "[1]", Is(NOT_OBJECT)).at("POST", "/"),
        case("POST / password as number", j(json!({"op": 1003, "phone": PHONE, "password": 123456})), Is("field password must be a string")).at("POST", "/"),
        case("POST / missing Authorization", j(json!({"op": 1010, "users": []})), Is("missing Authorization header")).at("POST", "/").auth(Auth::Missing).status(401),
    ]
}

#[tokio::test]
async fn every_bad_request_in_the_table_gets_the_envelope_with_its_status_and_a_specific_message() {
    // Arrange
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
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
        let resp = app.send(c.method, c.path, &headers, &c.body).await;

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
    app.healthy().await;
    app.pb().login(PHONE, PASSWORD).await;
    assert_eq!(app.rows("accounts"), 1);
    assert_eq!(app.rows("contacts"), 0);
    assert_eq!(app.rows("codes"), 0);
}

#[tokio::test]
async fn an_unknown_path_is_404_with_a_json_body() {
    let app = Server::start().await;

    for (method, path) in [
        ("POST", "/phonebook"),
        ("POST", "/phonebooks/"),
        ("GET", "/nope"),
    ] {
        let resp = app.send(method, path, &[], br#"{"op":1003}"#).await;
        assert_eq!(resp.status, 404, "{method} {path}");
        resp.json();
    }
}

#[tokio::test]
async fn a_malformed_phone_at_register_gets_a_message_naming_the_phone_rule() {
    let app = Server::start().await;

    for phone in ["1300000000a", "1300000000", "23000000001", "13000000001 "] {
        let resp = app
            .pb()
            .post(json!({"op": 1001, "phone": phone, "password": "123456"}))
            .await;

        let msg = resp.failure(200);
        assert_ne!(msg, "phone empty", "{phone:?}");
        assert!(msg.contains("phone"), "{msg}");
    }
    assert_eq!(app.rows("accounts"), 0);
}

#[tokio::test]
async fn a_keep_alive_connection_serves_a_good_request_after_a_bad_one() {
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let mut conn = app.connect().await;

    let bad = conn
        .request("POST", "/phonebooks", &[], b"{nope")
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
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let body = json!({"op": 1003, "phone": PHONE, "password": PASSWORD}).to_string();

    for ct in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let resp = app.pb().post_raw(body.as_bytes(), ct).await;

        let v = resp.ok_json();
        assert_eq!(v["token"]["type"], "JWT", "{ct:?}");
        assert_eq!(
            resp.header("content-type"),
            Some("application/json"),
            "{ct:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_authorization_header_is_401_even_when_the_body_is_also_bad() {
    let app = Server::start().await;

    for body in [
        json!({"op": 1005}),
        json!({"op": 1005, "users": {"name": "a"}}),
        json!({"op": 1006, "uid": UNKNOWN_UID}),
        json!({"op": 1007, "users": [{"uid": 1}]}),
        json!({"op": 1009, "extra": true}),
    ] {
        let resp = app.pb().post(body.clone()).await;

        assert_eq!(resp.failure(401), "missing Authorization header", "{body}");
    }
}
