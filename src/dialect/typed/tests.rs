use super::*;
use crate::command::Command;
use serde_json::json;

fn reg() -> Registry {
    Registry::builtin().unwrap()
}

fn post(path: &str, query: Option<&str>, body: Value) -> Step {
    post_as(Some("application/json"), path, query, body)
}

/// A POST with the given Content-Type (none when `None`).
fn post_as(content_type: Option<&str>, path: &str, query: Option<&str>, body: Value) -> Step {
    let mut headers = http::HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
    }
    let wire = Wire {
        method: &http::Method::POST,
        path,
        query,
        headers: &headers,
    };
    handle(&reg(), &wire, Some(&body), Options::new(false))
}

fn reply(s: Step) -> (u16, Value) {
    let r = refused(s);
    (r.status, serde_json::from_slice(&r.body).unwrap())
}

/// The immediate answer of a refused request (its body and the detail for the log).
fn refused(s: Step) -> Reply {
    match s {
        Step::Reply(r) => r,
        Step::Execute { request, .. } => panic!("expected a reply, got {request:?}"),
    }
}

/// The envelope of a refused request and its log detail.
fn refusal(s: Step) -> (Value, String) {
    let r = refused(s);
    let detail = r.detail.clone().expect("a refusal carries a detail");
    (serde_json::from_slice(&r.body).unwrap(), detail)
}

fn command(s: Step) -> Request {
    match s {
        Step::Execute { request, .. } => *request,
        Step::Reply(r) => panic!("expected a command, got {:?}", r.body),
    }
}

#[test]
fn the_envelope_keys_come_in_the_documents_order() {
    let (_, v) = reply(post(
        "/",
        None,
        json!({"id": 7, "type": "x", "subtype": "y", "data": {}}),
    ));
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["id", "status", "message", "data"]);
    assert_eq!(v["status"], -2);
    assert_eq!(v["id"], 7);
}

#[test]
fn a_numeric_string_id_is_echoed_as_an_integer_and_other_ids_as_minus_one() {
    assert_eq!(echo_id(Some(&json!("123"))), 123);
    assert_eq!(echo_id(Some(&json!(12))), 12);
    assert_eq!(echo_id(Some(&json!("abc"))), -1);
    assert_eq!(echo_id(Some(&json!(1.5))), -1);
    assert_eq!(echo_id(None), -1);
}

#[test]
fn missing_type_subtype_or_data_is_error_json_key() {
    for body in [
        json!({"id": 1, "subtype": "pass", "data": {}}),
        json!({"id": 1, "type": "login", "data": {}}),
        json!({"id": 1, "type": "login", "subtype": "pass"}),
        json!([1, 2]),
    ] {
        let (status, v) = reply(post("/", None, body.clone()));
        assert_eq!(status, 200);
        assert_eq!(v["status"], -1, "{body}");
    }
}

#[test]
fn a_non_object_data_or_an_unknown_data_key_is_error_data_key() {
    let (_, v) = reply(post(
        "/",
        None,
        json!({"id": 1, "type": "login", "subtype": "pass", "data": 5}),
    ));
    assert_eq!(v["status"], -3);
    let body = json!({"id": 1, "type": "login", "subtype": "pass",
                      "data": {"phone": "13750687010", "pass": "x", "extra": 1}});
    let (v, detail) = refusal(post("/", None, body));
    assert_eq!(v["status"], -3);
    assert_eq!(v["message"], "Error data key");
    assert_eq!(detail, "unknown field: data.extra");
}

#[test]
fn a_wrong_value_type_is_minus_203() {
    let body = json!({"id": 1, "type": "login", "subtype": "pass", "data": {"phone": 13750687010u64, "pass": "x"}});
    let (_, v) = reply(post("/", None, body));
    assert_eq!(v["status"], -203);
}

#[test]
fn a_type_sent_to_another_documented_path_is_error_json_value() {
    let body =
        json!({"id": 1, "type": "login", "subtype": "pass", "data": {"phone": "1", "pass": "x"}});
    let (_, v) = reply(post("/api/device", None, body.clone()));
    assert_eq!(v["status"], -2);
    let r = command(post("/api/user/login", None, body));
    assert_eq!(r.command.name(), "login");
}

#[test]
fn a_bad_phone_for_an_sms_code_is_1016() {
    let body = json!({"id": 3, "type": "sms", "subtype": "generate", "data": {"phone": "12345"}});
    let (_, v) = reply(post("/api/captcha", None, body));
    assert_eq!(v["status"], 1016);
    assert_eq!(v["message"], "手机号格式错误");
}

#[test]
fn a_command_type_other_than_1_or_2_is_minus_204() {
    let body = json!({"id": 3, "type": "sms", "subtype": "generate",
                      "data": {"phone": "13750687010", "command_type": 3}});
    let (_, v) = reply(post("/api/captcha", None, body));
    assert_eq!(v["status"], -204);
}

#[test]
fn a_missing_token_is_minus_100_with_id_minus_one() {
    let body = json!({"id": 9, "type": "device", "subtype": "add", "data": {"device": "camera1"}});
    let (_, v) = reply(post("/api/device", None, body));
    assert_eq!(v["status"], -100);
    assert_eq!(v["id"], -1);
}

#[test]
fn notice_upload_takes_a_device_token_and_other_routes_a_user_token() {
    let body = json!({"id": 1, "type": "notice", "subtype": "upload", "data": {"base64": "x"}});
    let r = command(post("/api/notice", Some("token=abc"), body));
    assert!(matches!(r.credential, Some(Credential::Device(ref t)) if t == "abc"));
    let body = json!({"id": 1, "type": "device", "subtype": "list", "data": {}});
    let r = command(post("/api/device", Some("token=abc"), body));
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
        let r = command(post("/", None, body));
        let Command::Login(l) = r.command else {
            panic!()
        };
        assert_eq!(l.enduring, want, "{v}");
        assert_eq!(l.policy, super::TOKENS);
    }
}

#[test]
fn mode_out_of_range_is_102_and_missing_mode_is_minus_3() {
    let body = json!({"id": 1, "type": "notice", "subtype": "get", "data": {"mode": 5}});
    let (_, v) = reply(post("/api/get/notice", Some("token=t"), body));
    assert_eq!(v["status"], 102);
    let body = json!({"id": 1, "type": "notice", "subtype": "get", "data": {}});
    let (_, v) = reply(post("/api/get/notice", Some("token=t"), body));
    assert_eq!(v["status"], -3);
}

#[test]
fn a_body_not_sent_as_json_is_error_json_key() {
    let headers = http::HeaderMap::new();
    let wire = Wire {
        method: &http::Method::POST,
        path: "/api/user/login",
        query: None,
        headers: &headers,
    };
    let body = json!({"id": 1, "type": "login", "subtype": "pass", "data": {}});
    let (v, detail) = refusal(handle(&reg(), &wire, Some(&body), Options::new(false)));
    assert_eq!(
        v,
        json!({"id": -1, "status": -1, "message": "Error JSON key", "data": {}})
    );
    assert!(detail.contains("no Content-Type"), "{detail}");
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
        let r = command(post(&path, Some("token=t"), body));
        assert_eq!(r.auth, route.auth, "{t}/{s}");
    }
}

#[test]
fn a_body_under_another_content_type_is_not_read_so_its_id_is_not_echoed() {
    let body = json!({"id": 5, "type": "img", "subtype": "generate", "data": {}});
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "json",
    ] {
        let (v, detail) = refusal(post_as(Some(ct), "/api/captcha", None, body.clone()));
        assert_eq!(
            v,
            json!({"id": -1, "status": -1, "message": "Error JSON key", "data": {}}),
            "{ct}"
        );
        assert!(detail.contains("is not JSON"), "{ct}: {detail}");
    }
}

#[test]
fn json_with_parameters_and_any_plus_json_type_is_read() {
    let body = json!({"id": 5, "type": "img", "subtype": "generate", "data": {}});
    for ct in [
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/vnd.foo+json",
        "application/problem+json; charset=utf-8",
    ] {
        let r = command(post_as(Some(ct), "/api/captcha", None, body.clone()));
        assert_eq!(r.command.name(), "image_captcha", "{ct}");
    }
}

#[test]
fn a_type_or_subtype_that_is_not_a_known_string_is_error_json_value() {
    for (body, what) in [
        (
            json!({"id": 4, "type": 1, "subtype": "generate", "data": {}}),
            "a number",
        ),
        (
            json!({"id": 4, "type": "img", "subtype": null, "data": {}}),
            "null",
        ),
        (
            json!({"id": 4, "type": ["img"], "subtype": "generate", "data": {}}),
            "an array",
        ),
    ] {
        let (v, detail) = refusal(post("/api/captcha", None, body));
        assert_eq!(
            v,
            json!({"id": 4, "status": -2, "message": "Error JSON value", "data": {}})
        );
        assert!(detail.contains(what), "{what}: {detail}");
    }
    let body = json!({"id": 4, "type": "img", "subtype": "nothing", "data": {}});
    let (v, detail) = refusal(post("/api/captcha", None, body));
    assert_eq!(v["message"], "Error JSON value");
    assert_eq!(
        detail,
        "unknown command: \"img\"/\"nothing\" is not served at /api/captcha"
    );
}

#[test]
fn a_missing_type_subtype_or_data_is_named_in_the_detail_only() {
    let body = json!({"id": 2, "type": "img"});
    let (v, detail) = refusal(post("/api/captcha", None, body));
    assert_eq!(
        v,
        json!({"id": 2, "status": -1, "message": "Error JSON key", "data": {}})
    );
    assert_eq!(detail, "invalid request body: missing key: subtype, data");
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
    let r = command(post_info(json!({"device_id": "ABCDEF"})));
    let Command::DeviceInfo(d) = r.command else {
        panic!("{:?}", r.command)
    };
    assert_eq!(d.device_id.as_deref(), Some("abcdef"));
    assert_eq!(d.device_name, None);
    let r = command(post_info(
        json!({"device_id": "ab", "device_name": "camera1"}),
    ));
    let Command::DeviceInfo(d) = r.command else {
        panic!()
    };
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

/// Every `message` the typed encoder may send for a failure: the document's texts.
const DOCUMENTED: &[&str] = &[
    "Error JSON key",
    "Error JSON value",
    "Error data key",
    "Error Hash",
    "Error hash",
    "Missing necessary args",
    "Error token",
    "Error Token",
    "Token not existed",
    "No permission to operate",
    "Error device_id token",
    "Failure to operate database",
    "Arg's value type error",
    "Arg's value error",
    "Error captcha hash",
    "手机号格式错误",
    "单个手机号30秒内下发短信条数超过设定的上限",
    "Incorrect user",
    "Error password",
    "Phone number existed",
    "user not existed",
    "Duplicate device",
    "The device has already be bind",
    "device_id not exist",
    "No Such Device",
    "not bind device",
    "mode value error",
    "GetNotice error",
    "Error event_id",
    "event_id has been signed",
];

fn every_error() -> Vec<crate::error::Error> {
    use crate::error::{Error, StoreError};
    vec![
        Error::BadFrame("the body must be a JSON object".into()),
        Error::UnknownCommand,
        Error::MethodNotAllowed,
        Error::MissingField("data.pass".into()),
        Error::UnknownField("data.x".into()),
        Error::wrong_type("data.phone", "a string"),
        Error::invalid("phone", "must match ^1\\d{10}$"),
        Error::invalid("mode", "must be 0, 1 or 2"),
        Error::invalid("base64", "not an image"),
        Error::TooLarge,
        Error::MissingToken,
        Error::BadToken("token not found".into()),
        Error::TokenExpired,
        Error::TokenMismatch,
        Error::PhoneTaken,
        Error::UnknownAccount,
        Error::WrongPassword,
        Error::BadDeviceToken,
        Error::AlreadyDone("duplicate device"),
        Error::NotFound("account"),
        Error::NotFound("device"),
        Error::NotFound("phone"),
        Error::Forbidden,
        Error::BadCode,
        Error::Throttled,
        Error::Unavailable,
        Error::Store(StoreError::Other("disk I/O error".into())),
    ]
}

#[test]
fn every_failure_message_is_a_documented_text_and_the_detail_goes_to_the_log() {
    let reg = reg();
    let mut kinds: Vec<Option<CommandKind>> = vec![None];
    kinds.extend(
        reg.routes()
            .iter()
            .filter(|r| r.dialect == crate::registry::Dialect::Typed)
            .map(|r| Some(r.command)),
    );
    for kind in kinds {
        for e in every_error() {
            let why = e.to_string();
            let echo = Echo {
                id: 7,
                kind,
                opts: Options::new(false),
            };
            let r = encode(echo, Err(e));
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            let message = v["message"].as_str().unwrap();
            assert!(
                DOCUMENTED.contains(&message),
                "{kind:?} / {why}: message {message:?} is not a documented text"
            );
            assert_eq!(r.detail.as_deref(), Some(why.as_str()), "{kind:?}");
        }
    }
}

#[test]
fn the_throttle_answers_tencents_frequency_limit_code_and_text() {
    let echo = Echo {
        id: 3,
        kind: Some(CommandKind::SmsCode),
        opts: Options::new(false),
    };
    let r = encode(echo, Err(crate::error::Error::Throttled));
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"id": 3, "status": 1023,
               "message": "单个手机号30秒内下发短信条数超过设定的上限", "data": {}})
    );
    assert_eq!(
        r.detail.as_deref(),
        Some("a code was sent to this phone less than a minute ago")
    );
}

#[test]
fn device_info_not_found_is_101_no_such_device() {
    let echo = Echo {
        id: 3,
        kind: Some(CommandKind::DeviceInfo),
        opts: Options::new(false),
    };
    let r = encode(echo, Err(crate::error::Error::NotFound("device")));
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"id": 3, "status": 101, "message": "No Such Device", "data": {}})
    );
}

#[test]
fn the_decodable_sets_are_exactly_the_commands_the_matches_build() {
    use crate::dialect::testing::{assert_set_is_the_match, route};
    use crate::registry::{Dialect, WireKey};
    let key = WireKey::Typed("t".into(), "s".into());
    assert_set_is_the_match("typed body", BODY_DECODABLE, |kind| {
        let r = route(Dialect::Typed, key.clone(), kind);
        matches!(decode::command(&r, &json!({})),
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
        matches!(decode::get_command(kind, &wire, &[]),
            Err(e) if e.to_string().contains("is not served by GET"))
    });
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let echo = Echo {
        id: 7,
        kind: Some(CommandKind::Login),
        opts: Options::new(false),
    };
    let r = encode(echo, Ok(crate::command::Outcome::Exists(true)));
    assert_eq!(r.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"id": 7, "status": -200, "message": "Failure to operate database", "data": {}})
    );
    assert!(r.detail.unwrap().contains("Outcome::Exists"));
}
