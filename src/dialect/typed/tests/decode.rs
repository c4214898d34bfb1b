//! The HelpAged decoder: `data` for each command, and the `?token=` credential.

use super::*;

#[test]
fn a_bad_phone_for_an_sms_code_is_1016() {
    let body = json!({"id": 3, "type": "sms", "subtype": "generate", "data": {"phone": "12345"}});
    let (_, v) = answer(post("/api/captcha", None, body));
    assert_eq!(v["status"], 1016);
    assert_eq!(v["message"], "手机号格式错误");
}

#[test]
fn a_command_type_other_than_1_or_2_is_minus_204() {
    let body = json!({"id": 3, "type": "sms", "subtype": "generate",
                      "data": {"phone": "13750687010", "command_type": 3}});
    let (_, v) = answer(post("/api/captcha", None, body));
    assert_eq!(v["status"], -204);
}

#[test]
fn a_missing_token_is_minus_100_with_id_minus_one() {
    let body = json!({"id": 9, "type": "device", "subtype": "add", "data": {"device": "camera1"}});
    let (_, v) = answer(post("/api/device", None, body));
    assert_eq!(v["status"], -100);
    assert_eq!(v["id"], -1);
}

#[test]
fn notice_upload_takes_a_device_token_and_other_routes_a_user_token() {
    let body = json!({"id": 1, "type": "notice", "subtype": "upload", "data": {"base64": "x"}});
    let r = executed(post("/api/notice", Some("token=abc"), body));
    assert!(matches!(r.credential, Some(Credential::Device(ref t)) if t == "abc"));
    let body = json!({"id": 1, "type": "device", "subtype": "list", "data": {}});
    let r = executed(post("/api/device", Some("token=abc"), body));
    assert!(matches!(r.credential, Some(Credential::Token { ref token, .. }) if token == "abc"));
}

#[test]
fn enduring_follows_the_originals_rule() {
    for (v, want) in [
        (json!(true), true),
        (json!(1), true),
        (json!(0), false),
        (json!("1"), false),
        (json!(false), false),
    ] {
        let body = json!({"id": 1, "type": "login", "subtype": "pass",
                          "data": {"phone": "13750687010", "pass": "x", "enduring": v}});
        let r = executed(post("/", None, body));
        let l = crate::command::sessions::Login::try_from(r.command).unwrap();
        assert_eq!(l.enduring, want, "{v}");
        assert_eq!(l.policy, super::TOKENS);
    }
}

#[test]
fn mode_out_of_range_is_102_and_missing_mode_is_minus_3() {
    let body = json!({"id": 1, "type": "notice", "subtype": "get", "data": {"mode": 5}});
    let (_, v) = answer(post("/api/get/notice", Some("token=t"), body));
    assert_eq!(v["status"], 102);
    let body = json!({"id": 1, "type": "notice", "subtype": "get", "data": {}});
    let (_, v) = answer(post("/api/get/notice", Some("token=t"), body));
    assert_eq!(v["status"], -3);
}

#[test]
fn every_typed_row_of_the_registry_decodes_into_a_command() {
    let reg = reg();
    for route in reg
        .routes()
        .iter()
        .filter(|r| r.dialect == crate::registry::Dialect::Typed)
    {
        let crate::registry::WireKey::Typed(t, s) = &route.key else {
            continue;
        };
        let mut data = serde_json::Map::new();
        for k in &route.required {
            let v = match k.as_str() {
                "mode" => json!(0),
                "phone" => json!("13750687010"),
                _ => json!("x"),
            };
            data.insert(k.clone(), v);
        }
        if route.command == CommandKind::Nickname {
            data.insert("user_id".into(), json!("13750687010"));
        }
        if route.command == CommandKind::DeviceInfo {
            data.insert("device_id".into(), json!("x"));
        }
        let body = json!({"id": 1, "type": t, "subtype": s, "data": data});
        let path = route.path.clone().unwrap();
        let r = executed(post(&path, Some("token=t"), body));
        assert_eq!(r.auth, route.auth, "{t}/{s}");
    }
}

#[test]
fn an_empty_token_is_a_wrong_token_and_only_an_absent_one_is_missing() {
    let list = json!({"id": 9, "type": "device", "subtype": "list", "data": {}});
    let (v, detail) = refusal(post("/api/device", Some("token="), list.clone()));
    assert_eq!(
        v,
        json!({"id": -1, "status": -101, "message": "Error token", "data": {}})
    );
    assert!(detail.contains("empty"), "{detail}");
    let (v, _) = refusal(post("/api/device", Some("token"), list.clone()));
    assert_eq!(v["status"], -101);
    let (v, _) = refusal(post("/api/device", Some("other=1"), list));
    assert_eq!(
        v,
        json!({"id": -1, "status": -100, "message": "Missing necessary args", "data": {}})
    );
    // A device token: an empty one is as wrong as any other wrong device token.
    let upload = json!({"id": 9, "type": "notice", "subtype": "upload", "data": {"base64": "x"}});
    let (v, _) = refusal(post("/api/notice", Some("token="), upload));
    assert_eq!(
        v,
        json!({"id": -1, "status": -104, "message": "Error device_id token", "data": {}})
    );
}

#[test]
fn an_empty_token_on_the_get_routes_answers_their_wrong_token_status() {
    let reg = reg();
    let headers = http::HeaderMap::new();
    for (path, status, message) in [
        ("/api/user/doki", 1, "Token not existed"),
        ("/api/user/info", 1, "Error Token"),
    ] {
        let crate::registry::RestMatch::Found(route, params) = reg.rest("GET", path) else {
            panic!("{path}")
        };
        for (query, status, message) in [
            (Some("token="), status, message),
            (
                None,
                if path.ends_with("doki") { -1000 } else { -100 },
                "Missing necessary args",
            ),
        ] {
            let wire = Wire {
                method: &http::Method::GET,
                path,
                query,
                headers: &headers,
            };
            let (v, _) = refusal(handle_get(route, &wire, &params, Options::new(false)));
            assert_eq!(
                v,
                json!({"id": -1, "status": status, "message": message, "data": {}}),
                "{path} {query:?}"
            );
        }
    }
}

#[test]
fn device_info_takes_a_device_id_a_device_name_or_both_and_needs_one() {
    let post_info = |data: Value| {
        let body = json!({"id": 1, "type": "device", "subtype": "info", "data": data});
        post("/api/device", Some("token=t"), body)
    };
    let r = executed(post_info(json!({"device_id": "ABCDEF"})));
    let d = crate::command::devices::DeviceInfo::try_from(r.command).unwrap();
    assert_eq!(d.device_id.as_deref(), Some("abcdef"));
    assert_eq!(d.device_name, None);
    let r = executed(post_info(
        json!({"device_id": "ab", "device_name": "camera1"}),
    ));
    let d = crate::command::devices::DeviceInfo::try_from(r.command).unwrap();
    assert_eq!(d.device_name.as_deref(), Some("camera1"));
    for data in [json!({}), json!({"device_id": null})] {
        let (v, detail) = refusal(post_info(data));
        assert_eq!(v["status"], -3);
        assert_eq!(v["message"], "Error data key");
        assert!(detail.contains("device_name"), "{detail}");
    }
    let (v, _) = refusal(post_info(json!({"device_name": 1})));
    assert_eq!(v["status"], -203);
    let (v, _) = refusal(post_info(json!({"device_id": "ab", "x": 1})));
    assert_eq!(v["status"], -3);
}

#[test]
fn the_decodable_sets_are_exactly_the_commands_the_matches_build() {
    use crate::dialect::testing::{assert_set_is_the_match, route};
    use crate::registry::{Dialect, WireKey};
    let key = WireKey::Typed("t".into(), "s".into());
    assert_set_is_the_match("typed body", BODY_DECODABLE, |kind| {
        let r = route(Dialect::Typed, key.clone(), kind);
        matches!(super::super::decode::command(&r, &json!({})),
            Err(e) if e.to_string().contains("is not a typed command"))
    });
    let headers = http::HeaderMap::new();
    let wire = Wire {
        method: &http::Method::GET,
        path: "/",
        query: None,
        headers: &headers,
    };
    assert_set_is_the_match("typed GET", GET_DECODABLE, |kind| {
        matches!(super::super::decode::get_command(kind, &wire, &[]),
            Err(e) if e.to_string().contains("is not served by GET"))
    });
}
