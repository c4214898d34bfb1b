//! The HelpAged frame: the envelope, `id`, `type`/`subtype`/`data`, and the content type
//! under which a body is read at all.

use super::*;

#[test]
fn the_envelope_keys_come_in_the_documents_order() {
    let (_, v) = answer(post(
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
        let (status, v) = answer(post("/", None, body.clone()));
        assert_eq!(status, 200);
        assert_eq!(v["status"], -1, "{body}");
    }
}

#[test]
fn a_non_object_data_or_an_unknown_data_key_is_error_data_key() {
    let (_, v) = answer(post(
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
    let (_, v) = answer(post("/", None, body));
    assert_eq!(v["status"], -203);
}

#[test]
fn a_type_sent_to_another_documented_path_is_error_json_value() {
    let body =
        json!({"id": 1, "type": "login", "subtype": "pass", "data": {"phone": "1", "pass": "x"}});
    let (_, v) = answer(post("/api/device", None, body.clone()));
    assert_eq!(v["status"], -2);
    let r = executed(post("/api/user/login", None, body));
    assert_eq!(r.command.name(), "login");
}

#[test]
fn a_body_is_read_only_under_a_json_content_type_and_otherwise_its_id_is_not_echoed() {
    let body = json!({"id": 5, "type": "img", "subtype": "generate", "data": {}});
    let unread = json!({"id": -1, "status": -1, "message": "Error JSON key", "data": {}});
    for (ct, why) in [
        (None, "no Content-Type"),
        (Some("text/plain"), "is not JSON"),
        (Some("application/x-www-form-urlencoded"), "is not JSON"),
        (Some("multipart/form-data; boundary=x"), "is not JSON"),
        (Some("application/jsonp"), "is not JSON"),
        (Some("json"), "is not JSON"),
    ] {
        let (v, detail) = refusal(post_as(ct, "/api/captcha", None, body.clone()));
        assert_eq!(v, unread, "{ct:?}");
        assert!(detail.contains(why), "{ct:?}: {detail}");
    }
    for ct in [
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/vnd.foo+json",
        "application/problem+json; charset=utf-8",
    ] {
        let r = executed(post_as(Some(ct), "/api/captcha", None, body.clone()));
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
