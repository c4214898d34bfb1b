//! v4.0: every endpoint answers GET and POST alike. One scenario that reaches every v4 row of
//! the registry runs three times — parameters in a GET query, in a POST form body, in a POST
//! JSON body — each on a fresh server, and every answer must be the documented one, byte for
//! byte (escaping and key order included; the token and user id the server chose aside).

use crate::support::Server;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use switchboard::dialect::to_ascii_json;
use switchboard::registry::{Dialect, Registry, WireKey};

const PHONE: &str = "13126939960";
const NAME: &str = "于连林";

/// How a request carries its parameters.
#[derive(Debug, Clone, Copy)]
enum Way {
    /// `GET path?a=1&b=2`.
    Query,
    /// `POST path`, body `a=1&b=2` (`application/x-www-form-urlencoded`).
    Form,
    /// `POST path`, body `{"a":"1","b":"2"}` (`application/json`).
    Json,
}

/// A server on a manual clock, and what the scenario has seen on it.
struct Run {
    s: Server,
    way: Way,
    /// The registry patterns reached.
    reached: BTreeSet<String>,
    /// The account's user id, once an answer showed it.
    user_id: Option<String>,
}

impl Run {
    async fn start(way: Way) -> Run {
        let s = Server::builder().manual_clock().start().await;
        Run {
            s,
            way,
            reached: BTreeSet::new(),
            user_id: None,
        }
    }

    /// Sends `params` to `pattern` (its `<mobile>`/`<phone>` filled with the phone) this run's
    /// way, and checks the answer is `want` byte for byte, where `"<token>"` and
    /// `"<user_id>"` stand for the values the server chose.
    async fn check(&mut self, pattern: &str, params: &[(&str, &str)], want: Value) {
        let path = pattern.replace("<mobile>", PHONE).replace("<phone>", PHONE);
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            form.append_pair(k, v);
        }
        let form = form.finish();
        let resp = match self.way {
            Way::Query => {
                self.s
                    .send("GET", &format!("{path}?{form}"), &[], b"")
                    .await
            }
            Way::Form => {
                let ct = [("Content-Type", "application/x-www-form-urlencoded")];
                self.s.send("POST", &path, &ct, form.as_bytes()).await
            }
            Way::Json => {
                let body: serde_json::Map<String, Value> = params
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                let ct = [("Content-Type", "application/json")];
                let body = Value::Object(body).to_string();
                self.s.send("POST", &path, &ct, body.as_bytes()).await
            }
        };
        let what = format!("{:?} {path} {params:?}", self.way);
        assert_eq!(resp.status, 200, "{what}: {resp:?}");
        assert_eq!(
            resp.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        let mut text = String::from_utf8(resp.body.clone()).unwrap();
        let data = &resp.json()["data"];
        if let Some(token) = data["token"].as_str() {
            assert!(is_hex32(token), "{what}: token {token}");
            text = text.replace(token, "<token>");
        }
        if let Some(user_id) = data["user_id"].as_str() {
            assert!(is_hex32(user_id), "{what}: user_id {user_id}");
            let first = self.user_id.get_or_insert_with(|| user_id.to_string());
            assert_eq!(user_id, first, "{what}: one account throughout");
            text = text.replace(user_id, "<user_id>");
        }
        let want = String::from_utf8(to_ascii_json(&want)).unwrap();
        assert_eq!(text, want, "{what}");
        self.reached.insert(pattern.to_string());
    }
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Register, check, log in, reset the password with a verified code, log in with the new
/// one: every v4 endpoint, documented answers only. Answers the patterns it reached.
async fn scenario(way: Way) -> BTreeSet<String> {
    let mut r = Run::start(way).await;
    let sent = json!({"code": "200", "msg": "发送成功"});
    let state = |code: i64, msg: &str| json!({"code": code, "data": "", "msg": msg});
    let logged_in = json!({"code": 200, "data": {"apply": {}, "change_device": false,
        "enterprise_id": "-1", "token": "<token>", "user_id": "<user_id>", "name": NAME},
        "msg": "登录成功"});
    let login = |password| {
        [
            ("phone", PHONE),
            ("password", password),
            ("device_identifier", "uuid"),
        ]
    };

    r.check(
        "/api/v4.0/sendsms/<mobile>",
        &[("expect", "0")],
        sent.clone(),
    )
    .await;
    r.check(
        "/api/v4.0/isregister/<phone>",
        &[("expect", "0")],
        state(200, "手机号没有被注册"),
    )
    .await;
    let code = r.s.code_for(PHONE);
    let params = [
        ("phone", PHONE),
        ("name", NAME),
        ("password", "123456"),
        ("device_identifier", "uuid"),
        ("code", code.as_str()),
    ];
    let registered = json!({"code": 200, "data": {"change_device": false, "enterprise_id": -1,
        "token": "<token>", "user_id": "<user_id>", "name": NAME, "apply": {}},
        "msg": "注册成功"});
    r.check("/api/v4.0/register", &params, registered).await;
    // The document's example: expect 0 (not registered) for a registered phone.
    r.check(
        "/api/v4.0/isregister/<phone>",
        &[("expect", "0")],
        state(-1, "手机号已经被注册"),
    )
    .await;
    r.check("/api/v4.0/login", &login("123456"), logged_in.clone())
        .await;

    // A minute on, the phone may have another code: a reset code.
    r.s.advance(60);
    r.check("/api/v4.0/sendsms/<mobile>", &[("expect", "1")], sent)
        .await;
    let code = r.s.code_for(PHONE);
    r.check(
        "/api/v4.0/verify_code",
        &[("phone", PHONE), ("code", code.as_str())],
        state(200, "验证码正确"),
    )
    .await;
    r.check(
        "/api/v4.0/forget_password",
        &[("phone", PHONE), ("password", "654321")],
        state(200, "修改成功"),
    )
    .await;
    r.check("/api/v4.0/login", &login("654321"), logged_in)
        .await;
    r.s.healthy().await;
    r.reached
}

#[tokio::test]
async fn every_v4_endpoint_answers_alike_by_get_query_post_form_and_post_json() {
    let every_row: BTreeSet<String> = Registry::builtin()
        .unwrap()
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::V4)
        .map(|r| match &r.key {
            WireKey::Rest(_, p) => p.clone(),
            other => panic!("a v4 row keyed {other}"),
        })
        .collect();
    for way in [Way::Query, Way::Form, Way::Json] {
        let reached = scenario(way).await;
        assert_eq!(
            reached, every_row,
            "{way:?}: the scenario reaches every v4 row"
        );
    }
}

#[tokio::test]
async fn a_refusal_is_the_same_answer_each_way_too() {
    for way in [Way::Query, Way::Form, Way::Json] {
        let mut r = Run::start(way).await;
        let wrong = json!({"code": -1, "data": "", "msg": "手机号或密码错误"});
        let params = [
            ("phone", PHONE),
            ("password", "123456"),
            ("device_identifier", "uuid"),
        ];
        r.check("/api/v4.0/login", &params, wrong).await;
        let bad = json!({"code": -1, "data": "", "msg": "手机号没有被注册"});
        let params = [("phone", PHONE), ("code", "000000")];
        r.check("/api/v4.0/verify_code", &params, bad).await;
    }
}
