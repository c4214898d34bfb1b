//! Unit tests of the PhoneBooks decoder and encoder: op routing, credentials, field errors
//! and a sample body for every opcode row of the registry.

use super::*;
use crate::dialect::testing::{answer, executed};
use crate::registry::Dialect;
use serde_json::json;

fn reg() -> Registry {
    Registry::builtin().unwrap()
}

fn step(body: Value, auth: Option<&str>) -> Step {
    let mut headers = http::HeaderMap::new();
    if let Some(a) = auth {
        headers.insert(http::header::AUTHORIZATION, a.parse().unwrap());
    }
    let wire = Wire {
        method: &http::Method::POST,
        path: "/",
        query: None,
        headers: &headers,
    };
    let bytes = serde_json::to_vec(&body).unwrap();
    handle(&reg(), &wire, &Peek::of(&bytes).unwrap(), &bytes)
}

#[test]
fn an_unknown_op_answers_no_method() {
    let (status, v) = answer(step(json!({"op": 9999}), None));
    assert_eq!(status, 200);
    assert_eq!(v, json!({"ret": -1, "msg": "no method"}));
}

#[test]
fn an_op_as_a_numeric_string_or_integral_float_is_accepted() {
    for op in [json!("1003"), json!(1003.0)] {
        let r = executed(step(json!({"op": op, "phone": "1", "password": "x"}), None));
        assert_eq!(r.command.name(), "login");
    }
}

#[test]
fn a_fractional_op_is_unknown() {
    let (_, v) = answer(step(json!({"op": 1003.5}), None));
    assert_eq!(v["msg"], "no method");
}

#[test]
fn a_missing_phone_at_register_says_phone_empty() {
    let (_, v) = answer(step(json!({"op": 1001, "password": "x"}), None));
    assert_eq!(v["msg"], "phone empty");
}

#[test]
fn a_missing_authorization_header_is_http_401_with_the_envelope() {
    let (status, v) = answer(step(json!({"op": 1009}), None));
    assert_eq!(status, 401);
    assert_eq!(v["ret"], -1);
}

#[test]
fn the_jwt_prefix_is_case_insensitive_and_bearer_is_accepted() {
    for h in ["JWT abc", "jwt abc", "Bearer abc", "abc"] {
        let r = executed(step(json!({"op": 1009}), Some(h)));
        assert!(
            r.credential.as_ref().map(crate::dialect::testing::token_of) == Some(("abc", None)),
            "{h}"
        );
    }
}

#[test]
fn another_auth_scheme_is_refused() {
    let (status, v) = answer(step(json!({"op": 1009}), Some("Basic abc")));
    assert_eq!(status, 200);
    assert_eq!(v["ret"], -1);
}

#[test]
fn an_unknown_top_level_field_is_refused_by_name() {
    let (_, v) = answer(step(
        json!({"op": 1003, "phone": "1", "password": "x", "pasword": "y"}),
        None,
    ));
    assert!(v["msg"].as_str().unwrap().contains("pasword"), "{v}");
}

#[test]
fn a_wrong_field_type_names_the_nested_field() {
    let body = json!({"op": 1005, "users": [{"name": "a", "phones": [{"phone": 1}]}]});
    let (_, v) = answer(step(body, Some("JWT t")));
    assert_eq!(v["msg"], "field users[0].phones[0].phone must be a string");
}

#[test]
fn an_action_other_than_0_or_1_is_refused() {
    let body = json!({"op": 10061, "uid": "u", "action": 2, "phone_info": {"phone": "1"}});
    let (_, v) = answer(step(body, Some("JWT t")));
    assert!(v["msg"].as_str().unwrap().contains("action"), "{v}");
}

#[test]
fn rid_is_carried_as_the_account_the_request_acts_for() {
    let r = executed(step(json!({"op": 1009, "rid": "abc"}), Some("JWT t")));
    assert_eq!(r.acting_for.as_deref(), Some("abc"));
}

#[test]
fn a_1005_contact_without_a_name_is_named_empty() {
    let body = json!({"op": 1005, "users": [
        {"phones": [{"phone": "13503768800"}]},
        {"name": null},
        {"name": "a"}
    ]});
    let r = executed(step(body, Some("JWT t")));
    let add = crate::command::contacts::AddContacts::try_from(r.command).unwrap();
    let names: Vec<_> = add.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["", "", "a"]);
    assert_eq!(add.users[0].phones, ["13503768800"]);
    let (_, v) = answer(step(
        json!({"op": 1005, "users": [{"name": ["a"]}]}),
        Some("JWT t"),
    ));
    assert_eq!(v["msg"], "field users[0].name must be a string");
}

#[test]
fn phone_and_mail_edits_answer_the_contacts_uid_after_msg_and_before_the_item() {
    use crate::command::Outcome;
    use crate::domain::{ContactMail, ContactPhone};
    let text = |o: Outcome| String::from_utf8(encode(None, Ok(o)).body.to_vec()).unwrap();
    let phone = ContactPhone {
        pid: "p1".into(),
        phone: "13000001234".into(),
        intime: "20170511170304".into(),
    };
    assert_eq!(
        text(Outcome::PhoneAdded {
            uid: "c1".into(),
            phone
        }),
        r#"{"msg":"success","uid":"c1","phone_info":{"phone":"13000001234","pid":"p1","intime":"20170511170304"},"ret":0}"#
    );
    assert_eq!(
        text(Outcome::PhoneRemoved {
            uid: "c1".into(),
            pid: "p1".into()
        }),
        r#"{"msg":"success","uid":"c1","phone_info":{"pid":"p1"},"ret":0}"#
    );
    let mail = ContactMail {
        mid: "m1".into(),
        mail: "1@qq.com".into(),
        intime: "20170511170307".into(),
    };
    assert_eq!(
        text(Outcome::MailAdded {
            uid: "c1".into(),
            mail
        }),
        r#"{"msg":"success","uid":"c1","mail_info":{"mail":"1@qq.com","mid":"m1","intime":"20170511170307"},"ret":0}"#
    );
    assert_eq!(
        text(Outcome::MailRemoved {
            uid: "c1".into(),
            mid: "m1".into()
        }),
        r#"{"msg":"success","uid":"c1","mail_info":{"mid":"m1"},"ret":0}"#
    );
}

#[test]
fn an_export_is_1009s_answer_with_count_and_exported_at_after_rid() {
    use crate::command::Outcome;
    use crate::domain::{Contact, ContactMail, ContactPhone};
    let owner = uuid::Uuid::parse_str("70a26ec0-3626-11e7-b6da-3010b3c7bffa").unwrap();
    let book = vec![Contact {
        uid: "6796a5c0-3627-11e7-95ab-3010b3c7bffa".into(),
        name: "刘可".into(),
        intime: "20170511165412".into(),
        phones: vec![ContactPhone {
            pid: "p1".into(),
            phone: "13503768800".into(),
            intime: "20170511165412".into(),
        }],
        mails: vec![ContactMail {
            mid: "m1".into(),
            mail: "1@qq.com".into(),
            intime: "20170511165412".into(),
        }],
    }];
    let text = |kind, o| String::from_utf8(encode(Some(kind), Ok(o)).body.to_vec()).unwrap();
    let listed = text(
        CommandKind::ListContacts,
        Outcome::Contacts {
            owner,
            contacts: book.clone(),
        },
    );
    let exported = text(
        CommandKind::ExportContacts,
        Outcome::ContactsExport {
            owner,
            contacts: book,
            exported_at: "20170511170304".into(),
        },
    );
    assert_eq!(
        exported,
        r#"{"msg":"success","rid":"70a26ec0-3626-11e7-b6da-3010b3c7bffa","count":1,"exported_at":"20170511170304","users":[{"phones":[{"intime":"20170511165412","pid":"p1","phone":"13503768800"}],"mails":[{"mail":"1@qq.com","intime":"20170511165412","mid":"m1"}],"intime":"20170511165412","uid":"6796a5c0-3627-11e7-95ab-3010b3c7bffa","name":"\u5218\u53ef"}],"ret":0}"#
    );
    let users = |s: &str| s[s.find(r#","users":"#).unwrap()..].to_string();
    assert_eq!(
        users(&exported),
        users(&listed),
        "1009's serialiser, unchanged"
    );
}

/// A valid body for every op code; a registry row without one fails the test below.
fn samples() -> Vec<(i64, Value)> {
    vec![
        (
            1001,
            json!({"op": 1001, "phone": "13000000001", "password": "123456"}),
        ),
        (1002, json!({"op": 1002, "phone": "13000000001"})),
        (
            1003,
            json!({"op": 1003, "phone": "13000000001", "password": "123456"}),
        ),
        (1004, json!({"op": 1004})),
        (1005, json!({"op": 1005, "users": [{"name": "a"}]})),
        (1006, json!({"op": 1006, "uid": "u", "user": {"name": "b"}})),
        (
            10061,
            json!({"op": 10061, "uid": "u", "action": 0, "phone_info": {"phone": "1"}}),
        ),
        (
            10062,
            json!({"op": 10062, "uid": "u", "action": 1, "mail_info": {"mid": "m"}}),
        ),
        (1007, json!({"op": 1007, "users": [{"uid": "u"}]})),
        (1008, json!({"op": 1008, "q": "a"})),
        (1009, json!({"op": 1009})),
        (1010, json!({"op": 1010, "users": [{"uid": "u"}]})),
        (1011, json!({"op": 1011})),
    ]
}

/// Each sample body (the document's ops, and 1011) reaches its registry row's command, with
/// a credential exactly when the row needs one. An op added later is held by its fixture and
/// by the registry's HTTP test (`tests/opcode/registry.rs`), which walks every row.
#[test]
fn every_sample_body_reaches_its_rows_command() {
    let reg = reg();
    for (op, body) in samples() {
        let route = reg
            .op(op)
            .unwrap_or_else(|| panic!("op {op} is not registered"));
        assert_eq!(route.dialect, Dialect::Opcode, "op {op}");
        let req = executed(step(body, Some("JWT t")));
        assert_eq!(req.auth, route.auth, "op {op}");
        let expected = route.command.as_str();
        let name = req.command.name();
        assert!(
            name == expected
                || (expected == "forgot_password" && name == "request_code")
                || (expected.starts_with("edit_contact_") && name == "edit_contact_item"),
            "op {op}: {name} != {expected}"
        );
    }
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    let empty = json!({});
    crate::dialect::testing::assert_set_is_the_match("opcode", DECODABLE, |kind| {
        let f = Fields::of(&empty, "").unwrap();
        matches!(super::command(kind, &f), Err(Error::UnknownCommand))
    });
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(
        Some(CommandKind::ListContacts),
        Ok(crate::command::Outcome::Exists(true)),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"ret":-1,"msg":"internal error"}"#);
    assert!(r.detail.unwrap().contains("Outcome::Exists"));
}
