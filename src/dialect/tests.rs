//! Unit tests of what the dialects share: the registry's decodable sets, [`Fields`] and
//! [`to_ascii_json`].

use super::*;
use crate::error::Error;
use crate::registry::{Registry, REGISTRY_TOML};
use serde_json::json;

#[test]
fn every_builtin_row_names_a_command_its_decoder_builds() {
    let reg = Registry::parse_with(REGISTRY_TOML, decodable).unwrap();
    assert_eq!(
        reg.routes().len(),
        Registry::builtin().unwrap().routes().len()
    );
}

#[test]
fn an_op_row_naming_a_command_no_opcode_arm_builds_is_refused_at_start_up() {
    let text = r#"
        [[route]]
        dialect = "opcode"
        op = 1011
        command = "doki"
        auth = true
        summary = "a typed heartbeat under an op code"
    "#;
    let err = Registry::parse_with(text, decodable).unwrap_err();
    assert!(
        err.starts_with(
            "opcodes.toml route #1 (opcode, `op 1011`): command `doki` cannot be decoded: \
             the opcode decoder builds only register, forgot_password,"
        ),
        "{err}"
    );
}

/// A REST dialect's `owns`, paths it owns, and paths it does not.
type Owned = (
    fn(&str) -> bool,
    &'static [&'static str],
    &'static [&'static str],
);

#[test]
fn each_rest_dialect_owns_its_paths_and_no_others() {
    let cases: [Owned; 3] = [
        (
            ineww::owns,
            &["/ineww", "/ineww/nothing"],
            &["/inewwx", "/api/ineww"],
        ),
        (
            v4::owns,
            &["/api/v4.0", "/api/v4.0/nothing"],
            &["/api/v4.01/login", "/api/user/login"],
        ),
        (
            rooms::owns,
            &[
                "/users",
                "/users/1/",
                "/rooms/",
                "/login",
                "/password/",
                "/phonelogin/x",
            ],
            &["/", "/ineww/user", "/api/v4.0/login", "/usersx", "/healthz"],
        ),
    ];
    for (owns, mine, others) in cases {
        for p in mine {
            assert!(owns(p), "{p}");
        }
        for p in others {
            assert!(!owns(p), "{p}");
        }
    }
}

#[test]
fn non_ascii_is_escaped_like_python_json_dumps() {
    let out = to_ascii_json(&json!({"name": "刘可", "e": "😀"}));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"name":"\u5218\u53ef","e":"\ud83d\ude00"}"#
    );
}

#[test]
fn an_unread_key_fails_finish_with_its_path() {
    let v = json!({"a": "x", "b": 1});
    let f = Fields::of(&v, "users[0].").unwrap();
    f.str("a").unwrap();
    let err = f.finish().unwrap_err().to_string();
    assert!(err.contains("users[0].b"), "{err}");
}

#[test]
fn null_counts_as_missing() {
    let v = json!({"a": null});
    let f = Fields::of(&v, "").unwrap();
    assert!(matches!(f.str("a"), Err(Error::MissingField(_))));
    assert!(f.require(&["a".into()]).is_err());
}

#[test]
fn a_number_where_a_string_belongs_is_a_type_error() {
    let v = json!({"phone": 13000000001u64});
    let f = Fields::of(&v, "").unwrap();
    assert!(matches!(f.str("phone"), Err(Error::WrongType { .. })));
}

#[test]
fn a_dead_upstream_is_http_502_in_each_dialects_server_failure_envelope() {
    let dead = || Error::Upstream("connection refused".into());
    let body = |r: &Reply| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap();
    let r = opcode::encode(None, Err(dead()));
    assert_eq!((r.status, body(&r)["ret"].clone()), (502, json!(-1)));
    let echo = typed::Echo {
        id: 7,
        kind: Some(crate::command::CommandKind::Login),
        opts: typed::Options::new(false),
    };
    let r = typed::encode(echo, Err(dead()));
    assert_eq!(r.status, 502);
    assert_eq!(
        body(&r),
        json!({"id": 7, "status": -200, "message": "Failure to operate database", "data": {}})
    );
    let r = ineww::reject(dead());
    assert_eq!(
        (r.status, body(&r)),
        (502, json!({"code": "502001", "data": {}}))
    );
    let r = rooms::reject(dead());
    let v = body(&r);
    assert_eq!(
        (r.status, &v["status"], &v["code"]),
        (502, &json!("FAIL"), &json!("502"))
    );
    let r = v4::reject(None, dead());
    assert_eq!((r.status, body(&r)["code"].clone()), (502, json!(502)));
    assert!(
        r.detail.unwrap().contains("connection refused"),
        "the detail is logged"
    );
}
