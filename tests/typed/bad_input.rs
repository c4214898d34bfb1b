//! HelpAged (the `typed` dialect) bad input, one table: for each refusal the exact answer
//! bytes — `id`, `status`, and `message` exactly the document's text (legacy clients compare
//! it with `==`; what was wrong goes to the request's log line only) — on the documented
//! `/api/...` path and on `POST /`, which the PhoneBooks dialect shares: there a body that is
//! not a JSON object with `type` and `subtype` is PhoneBooks' to answer.

use crate::support::typed::*;
use crate::support::{Resp, Server};
use serde_json::{json, Value};
use switchboard::dialect::to_ascii_json;

/// What `POST /` (with the same query) must answer for the same request.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Root {
    /// The same typed answer.
    Same,
    /// PhoneBooks' failure envelope (`ret` -1): the body is not recognisably typed.
    PhoneBooks,
    /// Not asked (GET routes, path-specific refusals, the 9 MiB body).
    Skip,
}

/// One request and the answer it must get.
struct Case {
    what: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    http: u16,
    status: i64,
    message: &'static str,
    id: i64,
    root: Root,
}

fn case(what: &'static str, path: &str, body: Vec<u8>, want: (i64, &'static str, i64)) -> Case {
    let (status, message, id) = want;
    Case {
        what,
        method: "POST",
        path: path.to_string(),
        content_type: Some("application/json"),
        body,
        http: 200,
        status,
        message,
        id,
        root: Root::Same,
    }
}

impl Case {
    fn ct(self, content_type: Option<&'static str>) -> Case {
        Case {
            content_type,
            ..self
        }
    }
    fn root(self, root: Root) -> Case {
        Case { root, ..self }
    }
    fn get(self) -> Case {
        Case {
            method: "GET",
            content_type: None,
            root: Root::Skip,
            ..self
        }
    }
    fn http(self, http: u16) -> Case {
        Case {
            http,
            root: Root::Skip,
            ..self
        }
    }
}

fn j(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn t(type_: &str, subtype: &str, data: Value) -> Vec<u8> {
    j(body(type_, subtype, data))
}

// The answers, as (status, message, id).
const JSON_KEY: (i64, &str, i64) = (-1, "Error JSON key", -1);
const JSON_VALUE: (i64, &str, i64) = (-2, "Error JSON value", 1);
const DATA_KEY: (i64, &str, i64) = (-3, "Error data key", 1);
const VALUE_TYPE: (i64, &str, i64) = (-203, "Arg's value type error", 1);
const VALUE: (i64, &str, i64) = (-204, "Arg's value error", 1);
const NO_TOKEN: (i64, &str, i64) = (-100, "Missing necessary args", -1);
const BAD_TOKEN: (i64, &str, i64) = (-101, "Error token", -1);
const BAD_DEVICE_TOKEN: (i64, &str, i64) = (-104, "Error device_id token", -1);
const INFO_BAD_TOKEN: (i64, &str, i64) = (1, "Error Token", -1);
const DOKI_BAD_TOKEN: (i64, &str, i64) = (1, "Token not existed", -1);
/// Login of an unknown phone: the body was read.
const UNKNOWN_USER: (i64, &str, i64) = (100, "Incorrect user", 1);

/// The cases that need no token.
#[rustfmt::skip]
fn open_cases() -> Vec<Case> {
    let login = |data: Value| t("login", "pass", data);
    let unknown = || login(json!({"phone": "13750687099", "pass": "x"}));
    vec![
        // The frame: -1 and -2.
        case("not JSON", "/api/captcha", "{\"id\":1,".into(), JSON_KEY).root(Root::PhoneBooks),
        case("invalid UTF-8", "/api/captcha", vec![0xff, 0xfe, b'{'], JSON_KEY).root(Root::PhoneBooks),
        case("an empty body", "/api/captcha", Vec::new(), JSON_KEY).root(Root::PhoneBooks),
        case("a JSON array", "/api/captcha", "[1,2,3]".into(), JSON_KEY).root(Root::PhoneBooks),
        case("a JSON string", "/api/user/login", "\"login\"".into(), JSON_KEY).root(Root::PhoneBooks),
        case("text/plain", "/api/user/login", unknown(), JSON_KEY).ct(Some("text/plain")),
        case("no Content-Type", "/api/user/login", unknown(), JSON_KEY).ct(None),
        case("a JSON body sent as a form", "/api/user/login", unknown(), JSON_KEY).ct(Some("application/x-www-form-urlencoded")),
        case("a form body", "/api/user/login", "phone=13750687099&pass=x".into(), JSON_KEY).ct(Some("application/x-www-form-urlencoded")).root(Root::PhoneBooks),
        case("application/json; charset=utf-8", "/api/user/login", unknown(), UNKNOWN_USER).ct(Some("application/json; charset=utf-8")),
        case("application/vnd.foo+json", "/api/user/login", unknown(), UNKNOWN_USER).ct(Some("application/vnd.foo+json")),
        case("missing type", "/api/captcha", j(json!({"id": 3, "subtype": "generate", "data": {}})), (-1, "Error JSON key", 3)).root(Root::PhoneBooks),
        case("missing subtype", "/api/captcha", j(json!({"id": 3, "type": "img", "data": {}})), (-1, "Error JSON key", 3)).root(Root::PhoneBooks),
        case("missing data", "/api/captcha", j(json!({"id": "3", "type": "img", "subtype": "generate"})), (-1, "Error JSON key", 3)),
        case("a numeric type", "/api/captcha", j(json!({"id": "4", "type": 1, "subtype": "generate", "data": {}})), (-2, "Error JSON value", 4)),
        case("a null subtype", "/api/captcha", j(json!({"id": 4, "type": "img", "subtype": null, "data": {}})), (-2, "Error JSON value", 4)),
        case("an unknown subtype", "/api/captcha", t("img", "nothing", json!({})), JSON_VALUE),
        case("an unknown type", "/api/captcha", t("x", "y", json!({})), JSON_VALUE),
        case("a type/subtype of another path", "/api/user/login", t("img", "generate", json!({})), JSON_VALUE).root(Root::Skip),
        case("an id that is not a number", "/api/captcha", j(json!({"id": [1], "type": "img", "subtype": "nothing", "data": {}})), (-2, "Error JSON value", -1)),
        // `data`: -3.
        case("data is an array", "/api/captcha", t("img", "generate", json!([])), DATA_KEY),
        case("data is a string", "/api/user/login", login(json!("13750687090")), DATA_KEY),
        case("data is null", "/api/user/login", login(Value::Null), DATA_KEY),
        case("a missing data key", "/api/user/login", login(json!({"phone": "1"})), DATA_KEY),
        case("a missing data key (password change)", "/api/user/password", t("password", "change", json!({"phone": "13750687090", "old": "x"})), DATA_KEY),
        case("a null required key", "/api/user/login", login(json!({"phone": null, "pass": "x"})), DATA_KEY),
        case("an unknown data key (login)", "/api/user/login", login(json!({"phone": "13750687099", "pass": "x", "code": 1})), DATA_KEY),
        case("an unknown data key (captcha validate)", "/api/captcha", t("img", "validate", json!({"hash": "a", "code": "b"})), DATA_KEY),
        case("an unknown data key (register)", "/api/user/register", t("register", "phone", json!({"phone": "13750687091", "hash": "a", "pass": "b", "name": "c"})), DATA_KEY),
        case("an unknown data key (password forget)", "/api/user/password", t("password", "forget", json!({"phone": "13750687091", "hash": "a", "pass": "b", "x": 1})), DATA_KEY),
        // Values: -203, -204 and the endpoints' own codes.
        case("a numeric phone", "/api/captcha", t("sms", "generate", json!({"phone": 13750687091_i64})), VALUE_TYPE),
        case("a numeric password", "/api/user/login", login(json!({"phone": "13750687090", "pass": 123456})), VALUE_TYPE),
        case("an object hash", "/api/user/register", t("register", "phone", json!({"phone": "13750687091", "hash": {}, "pass": "x"})), VALUE_TYPE),
        case("a command_type other than 1 or 2", "/api/captcha", t("sms", "generate", json!({"phone": "13750687091", "command_type": "1"})), VALUE),
        case("a bad phone", "/api/captcha", t("sms", "generate", json!({"phone": "+8613750687091"})), (1016, "手机号格式错误", 1)),
        case("a 9 MiB body", "/api/captcha", vec![b' '; 9 * 1024 * 1024], (-204, "Arg's value error", -1)).http(413),
        case("GET on a POST-only path", "/api/captcha", Vec::new(), JSON_KEY).get().http(405),
        case("GET on /api/user/login", "/api/user/login", Vec::new(), JSON_KEY).get().http(405),
    ]
}

/// The cases that carry `token` (a live user token) or none.
#[rustfmt::skip]
fn token_cases(token: &str) -> Vec<Case> {
    let at = |p: &str| format!("{p}?token={token}");
    let list = || t("device", "list", json!({}));
    let notices = || t("notice", "get", json!({"mode": 0}));
    let update = |data: Value| t("info", "update", data);
    vec![
        case("an unknown data key (info update)", &at("/api/user/info"), update(json!({"phone": "13750687090", "password": "x"})), DATA_KEY),
        case("an unknown data key (admin update)", &at("/api/admin/user"), t("user", "update", json!({"phone": "13750687090", "x": 1})), DATA_KEY),
        case("device info with neither key", &at("/api/device"), t("device", "info", json!({})), DATA_KEY),
        case("a numeric device_name", &at("/api/device"), t("device", "info", json!({"device_name": 1})), VALUE_TYPE),
        case("a numeric event_id", &at("/api/get/notice"), t("notice", "sign", json!({"event_id": 5})), VALUE_TYPE),
        case("a string level", &at("/api/user/info"), update(json!({"phone": "13750687090", "level": "9"})), VALUE_TYPE),
        case("a bad base64 portrait", &at("/api/portrait"), t("portrait", "upload", json!({"base64": "***"})), VALUE),
        case("a device name of 65 characters", &at("/api/device"), t("device", "add", json!({"device": "x".repeat(65)})), VALUE),
        case("a notice mode out of range", &at("/api/get/notice"), t("notice", "get", json!({"mode": 7})), (102, "mode value error", 1)),
        // Tokens: missing (absent parameter), wrong (empty or unknown); id -1 on every one.
        case("no token (device list)", "/api/device", list(), NO_TOKEN),
        case("no token (notice get)", "/api/get/notice", notices(), NO_TOKEN),
        case("a token-less query", "/api/device?x=1", list(), NO_TOKEN),
        case("no token (info update)", "/api/user/info", update(json!({"phone": "1"})), NO_TOKEN),
        case("an empty token (device list)", "/api/device?token=", list(), BAD_TOKEN),
        case("a bare token key", "/api/device?token", list(), BAD_TOKEN),
        case("an empty token (notice get)", "/api/get/notice?token=", notices(), BAD_TOKEN),
        case("an empty token (admin list)", "/api/admin/user?token=", t("user", "list", json!({})), BAD_TOKEN),
        case("an empty token (notice upload)", "/api/notice?token=", t("notice", "upload", json!({"base64": "x"})), BAD_DEVICE_TOKEN),
        case("an unknown token", "/api/device?token=ffffffffffffffffffffffffffffffff", list(), BAD_TOKEN),
        case("a user token for a notice upload", &at("/api/notice"), t("notice", "upload", json!({"base64": "x"})), BAD_DEVICE_TOKEN),
        case("doki without token", "/api/user/doki", Vec::new(), (-1000, "Missing necessary args", -1)).get(),
        case("doki with an empty token", "/api/user/doki?token=", Vec::new(), DOKI_BAD_TOKEN).get(),
        case("doki with a bad token", "/api/user/doki?token=abc", Vec::new(), DOKI_BAD_TOKEN).get(),
        case("user info without token", "/api/user/info", Vec::new(), NO_TOKEN).get(),
        case("user info with an empty token", "/api/user/info?token=", Vec::new(), INFO_BAD_TOKEN).get(),
        case("user info with a bad token", "/api/user/info?token=abc", Vec::new(), INFO_BAD_TOKEN).get(),
        case("POST on /api/user/doki", &at("/api/user/doki"), t("img", "generate", json!({})), JSON_KEY).http(405),
    ]
}

/// What went wrong with one exchange, if anything.
fn check(case: &Case, root: bool, r: &Resp) -> Option<String> {
    let shown = String::from_utf8_lossy(&r.body[..r.body.len().min(300)]).into_owned();
    let fail = |why: &str| {
        Some(format!(
            "{}{}: {why}: HTTP {} {shown}",
            case.what,
            if root { " (POST /)" } else { "" },
            r.status
        ))
    };
    if root && case.root == Root::PhoneBooks {
        let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let phonebooks = r.status == 200 && keys == ["ret", "msg"] && v["ret"] == -1;
        return if phonebooks {
            None
        } else {
            fail("expected PhoneBooks' ret -1")
        };
    }
    if r.status != case.http || r.header("content-type") != Some(HTML) {
        return fail(&format!("expected HTTP {} {HTML}", case.http));
    }
    let want = to_ascii_json(&json!({
        "id": case.id, "status": case.status, "message": case.message, "data": {}
    }));
    if r.body != want {
        return fail(&format!("expected {}", String::from_utf8_lossy(&want)));
    }
    None
}

#[tokio::test]
async fn every_refusal_answers_the_documents_exact_message_status_and_id() {
    let s = Server::start().await;
    let token = s.typed().account("13750687090").await;
    let mut cases = open_cases();
    cases.extend(token_cases(&token));
    let mut failures = Vec::new();
    for case in &cases {
        let headers: Vec<(&str, &str)> = case
            .content_type
            .iter()
            .map(|ct| ("Content-Type", *ct))
            .collect();
        let r = s.send(case.method, &case.path, &headers, &case.body).await;
        failures.extend(check(case, false, &r));
        if case.root != Root::Skip {
            let root = match case.path.split_once('?') {
                Some((_, query)) => format!("/?{query}"),
                None => "/".to_string(),
            };
            let r = s.send(case.method, &root, &headers, &case.body).await;
            failures.extend(check(case, true, &r));
        }
        s.healthy().await;
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // Nothing was half-done by any of them.
    assert!(s.outbox("13750687091").is_empty());
    assert!(s.account("13750687091").is_none());
    ok(s.typed().doki(&token).await);
}
