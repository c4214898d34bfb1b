//! Unit tests of the INEWW decoder and encoder, by topic: the fields each endpoint reads
//! ([`fields`]), bodies, queries and credentials ([`input`]), and the answers ([`encode`]).

mod encode;
mod fields;
mod input;

use super::*;
use crate::dialect::testing::{self, answer, executed, json};
use serde_json::json;

const UID: &str = "e880ddce5ecd4a05b9d7603af10370e7";

fn send(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    testing::send(handle, method, target, headers, body)
}

fn json_body(method: &str, path: &str, body: Value) -> Step {
    send(
        method,
        path,
        &[("user-id", UID), ("access-token", "t")],
        body.to_string().as_bytes(),
    )
}

fn issues(v: &Value) -> Vec<(String, String)> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap().to_string();
            (s("field"), s("code"))
        })
        .collect()
}

/// A body each command decodes from, and the name of the command it decodes into.
fn sample(kind: CommandKind) -> (Value, &'static str) {
    use CommandKind::*;
    let phone = json!({"phone": "18511521921"});
    match kind {
        Register => (
            json!({"username": "小王子", "phone": "18511521921",
                   "pwd": "123456", "code": "1234", "agree": 1}),
            "sign_up",
        ),
        ChangePhone => (
            json!({"phone": "18511521921", "code": "1234"}),
            "change_phone",
        ),
        ChangePassword => (
            json!({"re_pwd": "123456", "pwd": "654321"}),
            "change_own_password",
        ),
        Login => (
            json!({"account": "18511521921", "password": "123456"}),
            "login",
        ),
        SmsCode => (phone, "request_code"),
        PhoneExists => (phone, "phone_exists"),
        UpdateProfile => (json!({"gender": "1", "signature": "hi"}), "update_member"),
        UserIndex | UserDetail | Profile => (json!({}), "show_member"),
        Logout => (json!({}), "logout"),
        other => panic!("unexpected ineww command {}", other.as_str()),
    }
}

fn valid_body(kind: CommandKind) -> Value {
    sample(kind).0
}

fn kind_of(method: &str, path: &str) -> CommandKind {
    let reg = crate::registry::Registry::builtin().unwrap();
    match reg.rest(method, path) {
        crate::registry::RestMatch::Found(r, _) => r.command,
        other => panic!("{method} {path}: {other:?}"),
    }
}
