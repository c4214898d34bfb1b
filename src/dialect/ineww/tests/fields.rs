//! The fields each INEWW endpoint reads: every problem listed in form order, the document's
//! rules, and the original's leniency (stripped text, ignored keys).

use super::*;
use crate::command::profiles::MemberQuery;
use crate::dialect::testing::{assert_each_row_decodes, assert_rest_set_is_the_match, rest_rows};
use crate::registry::Dialect;
use uuid::Uuid;

#[test]
fn every_ineww_row_of_the_registry_decodes_into_its_command() {
    // The document's ten endpoints and the code request.
    assert_each_row_decodes(
        Dialect::Ineww,
        11,
        |method, pattern, route| {
            let body = valid_body(route.command);
            let mut path = pattern.replace("<uid>", UID);
            if let (Some(phone), "GET") = (body.get("phone"), method) {
                path = format!("{path}?phone={}", phone.as_str().unwrap());
            }
            json_body(method, &path, body)
        },
        |kind| sample(kind).1,
    );
}

#[test]
fn an_empty_body_names_every_required_field_as_missing_in_form_order() {
    for (method, pattern, route) in rest_rows(Dialect::Ineww) {
        if route.required.is_empty() {
            continue;
        }
        let (status, v) = answer(json_body(&method, &pattern, json!({})));
        assert_eq!(status, 422, "{method} {pattern}");
        assert_eq!(v["code"], "422001");
        let want: Vec<_> = route
            .required
            .iter()
            .map(|f| (f.clone(), "missing_field".to_string()))
            .collect();
        assert_eq!(issues(&v), want, "{method} {pattern}");
    }
}

#[test]
fn every_field_problem_is_listed_in_form_order_with_null_and_blank_as_invalid() {
    let body = json!({"agree": 2, "code": "12a4", "pwd": null, "phone": true, "username": "   "});
    let (status, v) = answer(json_body("POST", "/ineww/user", body));
    assert_eq!(status, 422);
    let got = issues(&v);
    let want = [
        ("username", "invalid"),
        ("phone", "invalid"),
        ("pwd", "invalid"),
        ("code", "invalid"),
        ("agree", "invalid"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_register_rules_are_the_documents() {
    let base = valid_body(CommandKind::Register);
    for (key, value, ok) in [
        ("username", json!("1234567890123"), false),
        ("username", json!("小王子小王子小王子小王子"), true),
        ("phone", json!("28511521921"), false),
        ("phone", json!(18511521921u64), true),
        ("pwd", json!("12345"), false),
        ("pwd", json!("x".repeat(33)), false),
        ("pwd", json!(123456), true),
        ("code", json!("12345"), false),
        ("code", json!(1234), true),
        ("agree", json!("1"), true),
        ("agree", json!(0), false),
    ] {
        let mut body = base.clone();
        body[key] = value.clone();
        let step = json_body("POST", "/ineww/user", body);
        match (ok, step) {
            (true, Step::Execute { .. }) => {}
            (false, Step::Reply(r)) => {
                let v = json(&r);
                assert_eq!(issues(&v), [(key.to_string(), "invalid".to_string())]);
            }
            (_, _) => panic!("{key} = {value}: expected ok = {ok}"),
        }
    }
}

#[test]
fn unknown_keys_are_ignored_and_text_is_stripped_passwords_too() {
    let body = json!({"account": " 18511521921 ", "password": " pw ", "extra": [1]});
    let r = executed(json_body("POST", "/ineww/session", body));
    let login = crate::command::sessions::Login::try_from(r.command).unwrap();
    assert_eq!(login.login, "18511521921");
    assert_eq!(
        login.password, "pw",
        "stripped, as the original's forms did"
    );
}

#[test]
fn only_an_absent_key_is_missing_and_present_but_empty_blank_or_null_is_invalid() {
    for (value, want) in [
        (None, "missing_field"),
        (Some(json!(null)), "invalid"),
        (Some(json!("")), "invalid"),
        (Some(json!("   ")), "invalid"),
        (Some(json!("\t\n")), "invalid"),
    ] {
        for (method, path, key) in [
            ("POST", "/ineww/session", "password"),
            ("POST", "/ineww/user", "pwd"),
            ("PUT", "/ineww/user/phone", "code"),
            ("PUT", "/ineww/user/pwd", "re_pwd"),
            ("POST", "/ineww/code/phone", "phone"),
        ] {
            let mut body = valid_body(kind_of(method, path));
            match &value {
                None => body.as_object_mut().unwrap().remove(key),
                Some(v) => body.as_object_mut().unwrap().insert(key.into(), v.clone()),
            };
            let (status, v) = answer(json_body(method, path, body));
            assert_eq!(status, 422, "{path} {key} = {value:?}");
            assert_eq!(
                issues(&v),
                [(key.to_string(), want.to_string())],
                "{path} {key} = {value:?}"
            );
        }
    }
    let (_, v) = answer(send("GET", "/ineww/user/phone?phone=+", &[], b""));
    assert_eq!(issues(&v), [("phone".to_string(), "invalid".to_string())]);
    let (_, v) = answer(send("GET", "/ineww/user/phone?phone=", &[], b""));
    assert_eq!(issues(&v), [("phone".to_string(), "invalid".to_string())]);
    let (_, v) = answer(send("GET", "/ineww/user/phone", &[], b""));
    assert_eq!(
        issues(&v),
        [("phone".to_string(), "missing_field".to_string())]
    );
}

#[test]
fn passwords_are_stripped_before_their_checks_at_register_login_and_change() {
    let mut body = valid_body(CommandKind::Register);
    body["pwd"] = json!("  secret123  ");
    let s = crate::command::accounts::SignUp::try_from(
        executed(json_body("POST", "/ineww/user", body)).command,
    )
    .unwrap();
    assert_eq!(
        s.account.password.expose(),
        "secret123",
        "the stripped one is stored"
    );
    // Five characters once stripped are too short, whatever was sent around them.
    let mut body = valid_body(CommandKind::Register);
    body["pwd"] = json!("  12345  ");
    let (_, v) = answer(json_body("POST", "/ineww/user", body));
    assert_eq!(issues(&v), [("pwd".to_string(), "invalid".to_string())]);

    let body = json!({"re_pwd": " 123456 ", "pwd": "\t654321 "});
    let c = crate::command::accounts::ChangeOwnPassword::try_from(
        executed(json_body("PUT", "/ineww/user/pwd", body)).command,
    )
    .unwrap();
    assert_eq!((c.old.as_str(), c.new.expose()), ("123456", "654321"));
}

#[test]
fn a_profile_update_ignores_blank_and_null_values_and_checks_the_rest() {
    let body = json!({"username": "", "signature": null, "address": "  ", "gender": 1,
                      "birthday": "2012-02-29", "tags": "a,b", "phone": "ignored"});
    let r = executed(json_body("PUT", &format!("/ineww/user/{UID}"), body));
    let u = crate::command::profiles::UpdateMember::try_from(r.command).unwrap();
    assert_eq!(u.uid, Some(Uuid::parse_str(UID).unwrap()));
    assert_eq!(u.name, None);
    assert_eq!(u.changes.signature, None);
    assert_eq!(u.changes.address, None);
    assert_eq!(u.changes.gender, Some(1));
    assert_eq!(u.changes.birthday.as_deref(), Some("2012-02-29"));
    let body = json!({"gender": "3", "signature": "s".repeat(64), "avatar": "a".repeat(129),
                      "birthday": "2013-02-30", "tags": "t".repeat(21), "company": false});
    let (_, v) = answer(json_body("PUT", &format!("/ineww/user/{UID}"), body));
    let fields: Vec<_> = issues(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "company",
            "gender",
            "signature",
            "avatar",
            "birthday",
            "tags"
        ]
    );
}

#[test]
fn a_birthday_must_be_a_real_date_written_yyyy_mm_dd() {
    assert!(decode::birthday("2013-01-23").is_some());
    assert!(decode::birthday("2012-02-29").is_some());
    for bad in [
        "2013-02-29",
        "2013-1-23",
        "0000-01-01",
        "2013/01/23",
        "2013-01-23x",
    ] {
        assert!(decode::birthday(bad).is_none(), "{bad}");
    }
}

#[test]
fn a_uid_that_is_not_a_uuid_names_nobody() {
    let r = executed(json_body("GET", "/ineww/user/not-a-uid", json!({})));
    let s = crate::command::profiles::ShowMember::try_from(r.command).unwrap();
    assert_eq!(s.query, MemberQuery::Detail(None));
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    assert_rest_set_is_the_match(Dialect::Ineww, DECODABLE, |row, f| {
        matches!(
            decode::command(row, f, &[]),
            Err(decode::Refusal::Error(Error::UnknownCommand))
        )
    });
}
