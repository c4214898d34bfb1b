use super::encode::http_status;
use super::*;
use crate::command::profiles::MemberQuery;
use crate::command::{Command, Outcome};
use crate::dialect::testing::{session, token_of};
use crate::domain::{Account, Member, MemberProfile};
use crate::registry::{Dialect, Methods, Registry, WireKey};
use serde_json::json;
use uuid::Uuid;

const UID: &str = "e880ddce5ecd4a05b9d7603af10370e7";

fn reg() -> Registry {
    Registry::builtin().unwrap()
}

fn send(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    crate::dialect::testing::send(handle, method, target, headers, body)
}

fn json_body(method: &str, path: &str, body: Value) -> Step {
    send(
        method,
        path,
        &[("user-id", UID), ("access-token", "t")],
        body.to_string().as_bytes(),
    )
}

fn reply(s: Step) -> (u16, Value) {
    match s {
        Step::Reply(r) => (r.status, serde_json::from_slice(&r.body).unwrap()),
        Step::Execute { request, .. } => panic!("expected a reply, got {request:?}"),
    }
}

fn command(s: Step) -> Request {
    match s {
        Step::Execute { request, .. } => *request,
        Step::Reply(r) => panic!(
            "expected a command, got {}",
            String::from_utf8_lossy(&r.body)
        ),
    }
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

fn valid_body(kind: CommandKind) -> Value {
    match kind {
        CommandKind::Register => json!({"username": "小王子", "phone": "18511521921",
                                        "pwd": "123456", "code": "1234", "agree": 1}),
        CommandKind::ChangePhone => json!({"phone": "18511521921", "code": "1234"}),
        CommandKind::ChangePassword => json!({"re_pwd": "123456", "pwd": "654321"}),
        CommandKind::Login => json!({"account": "18511521921", "password": "123456"}),
        CommandKind::SmsCode => json!({"phone": "18511521921"}),
        CommandKind::UpdateProfile => json!({"gender": "1", "signature": "hi"}),
        _ => json!({}),
    }
}

#[test]
fn every_ineww_row_of_the_registry_decodes_into_its_command() {
    let reg = reg();
    let rows: Vec<_> = reg
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::Ineww)
        .collect();
    assert_eq!(
        rows.len(),
        11,
        "the document's ten endpoints and the code request"
    );
    for route in rows {
        let WireKey::Rest(Methods::One(method), pattern) = &route.key else {
            panic!("an ineww row without method and path")
        };
        let mut path = pattern.replace("<uid>", UID);
        let body = valid_body(route.command);
        if method == "GET" {
            if let Some(phone) = body.get("phone") {
                path = format!("{path}?phone={}", phone.as_str().unwrap());
            }
        }
        if route.command == CommandKind::PhoneExists {
            path.push_str("?phone=18511521921");
        }
        let r = command(json_body(method, &path, body));
        assert_eq!(r.auth, route.auth, "{method} {pattern}");
        assert_eq!(r.credential.is_some(), route.auth, "{method} {pattern}");
        let want = match route.command {
            CommandKind::Register => "sign_up",
            CommandKind::ChangePhone => "change_phone",
            CommandKind::ChangePassword => "change_own_password",
            CommandKind::PhoneExists => "phone_exists",
            CommandKind::UpdateProfile => "update_member",
            CommandKind::UserIndex | CommandKind::UserDetail | CommandKind::Profile => {
                "show_member"
            }
            CommandKind::Login => "login",
            CommandKind::Logout => "logout",
            CommandKind::SmsCode => "request_code",
            other => panic!("unexpected ineww command {}", other.as_str()),
        };
        assert_eq!(r.command.name(), want, "{method} {pattern}");
    }
}

#[test]
fn an_empty_body_names_every_required_field_as_missing_in_form_order() {
    for route in reg()
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::Ineww)
    {
        let WireKey::Rest(Methods::One(method), pattern) = &route.key else {
            continue;
        };
        if route.required.is_empty() {
            continue;
        }
        let (status, v) = reply(json_body(method, pattern, json!({})));
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
    let (status, v) = reply(json_body("POST", "/ineww/user", body));
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
                let v: Value = serde_json::from_slice(&r.body).unwrap();
                assert_eq!(issues(&v), [(key.to_string(), "invalid".to_string())]);
            }
            (_, _) => panic!("{key} = {value}: expected ok = {ok}"),
        }
    }
}

#[test]
fn unknown_keys_are_ignored_and_text_is_stripped_passwords_too() {
    let body = json!({"account": " 18511521921 ", "password": " pw ", "extra": [1]});
    let r = command(json_body("POST", "/ineww/session", body));
    let Command::Login(login) = r.command else {
        panic!()
    };
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
            let (status, v) = reply(json_body(method, path, body));
            assert_eq!(status, 422, "{path} {key} = {value:?}");
            assert_eq!(
                issues(&v),
                [(key.to_string(), want.to_string())],
                "{path} {key} = {value:?}"
            );
        }
    }
    let (_, v) = reply(send("GET", "/ineww/user/phone?phone=+", &[], b""));
    assert_eq!(issues(&v), [("phone".to_string(), "invalid".to_string())]);
    let (_, v) = reply(send("GET", "/ineww/user/phone?phone=", &[], b""));
    assert_eq!(issues(&v), [("phone".to_string(), "invalid".to_string())]);
    let (_, v) = reply(send("GET", "/ineww/user/phone", &[], b""));
    assert_eq!(
        issues(&v),
        [("phone".to_string(), "missing_field".to_string())]
    );
}

fn kind_of(method: &str, path: &str) -> CommandKind {
    let reg = reg();
    match reg.rest(method, path) {
        crate::registry::RestMatch::Found(r, _) => r.command,
        other => panic!("{method} {path}: {other:?}"),
    }
}

#[test]
fn passwords_are_stripped_before_their_checks_at_register_login_and_change() {
    let mut body = valid_body(CommandKind::Register);
    body["pwd"] = json!("  secret123  ");
    let Command::SignUp(s) = command(json_body("POST", "/ineww/user", body)).command else {
        panic!()
    };
    assert_eq!(
        s.account.password.expose(),
        "secret123",
        "the stripped one is stored"
    );
    // Five characters once stripped are too short, whatever was sent around them.
    let mut body = valid_body(CommandKind::Register);
    body["pwd"] = json!("  12345  ");
    let (_, v) = reply(json_body("POST", "/ineww/user", body));
    assert_eq!(issues(&v), [("pwd".to_string(), "invalid".to_string())]);

    let body = json!({"re_pwd": " 123456 ", "pwd": "\t654321 "});
    let Command::ChangeOwnPassword(c) = command(json_body("PUT", "/ineww/user/pwd", body)).command
    else {
        panic!()
    };
    assert_eq!((c.old.as_str(), c.new.expose()), ("123456", "654321"));
}

#[test]
fn a_profile_update_ignores_blank_and_null_values_and_checks_the_rest() {
    let body = json!({"username": "", "signature": null, "address": "  ", "gender": 1,
                      "birthday": "2012-02-29", "tags": "a,b", "phone": "ignored"});
    let r = command(json_body("PUT", &format!("/ineww/user/{UID}"), body));
    let Command::UpdateMember(u) = r.command else {
        panic!()
    };
    assert_eq!(u.uid, Some(Uuid::parse_str(UID).unwrap()));
    assert_eq!(u.name, None);
    assert_eq!(u.changes.signature, None);
    assert_eq!(u.changes.address, None);
    assert_eq!(u.changes.gender, Some(1));
    assert_eq!(u.changes.birthday.as_deref(), Some("2012-02-29"));
    let body = json!({"gender": "3", "signature": "s".repeat(64), "avatar": "a".repeat(129),
                      "birthday": "2013-02-30", "tags": "t".repeat(21), "company": false});
    let (_, v) = reply(json_body("PUT", &format!("/ineww/user/{UID}"), body));
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
    let r = command(json_body("GET", "/ineww/user/not-a-uid", json!({})));
    let Command::ShowMember(s) = r.command else {
        panic!()
    };
    assert_eq!(s.query, MemberQuery::Detail(None));
}

#[test]
fn bad_bodies_are_400010_and_an_empty_array_or_body_is_an_empty_object() {
    for body in [&b"{not json"[..], b"[1]", b"\"x\"", b"account=1&password=2"] {
        let (status, v) = reply(send("POST", "/ineww/session", &[], body));
        assert_eq!(
            (status, v["code"].as_str()),
            (400, Some("400010")),
            "{body:?}"
        );
    }
    for body in [&b"[]"[..], b"", b"  \n"] {
        let (status, v) = reply(send("POST", "/ineww/session", &[], body));
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some("422001")),
            "{body:?}"
        );
    }
}

#[test]
fn a_body_sent_as_json_that_does_not_parse_is_400010_before_any_field_check() {
    let garbage: &[&[u8]] = &[
        b"\x00\x01\xfe\xff binary",
        b"{\"phone\":\"\xff\"}",
        b"phone=18511521921",
        b"{nope",
    ];
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/vnd.api+json",
    ] {
        for body in garbage {
            let (status, v) = reply(send(
                "POST",
                "/ineww/code/phone",
                &[("content-type", ct)],
                body,
            ));
            assert_eq!(
                (status, &v),
                (400, &json!({"code": "400010", "data": {}})),
                "{ct}: {body:?}"
            );
        }
    }
    // Not sent as JSON, the code request reads a form, as the original's clients sent it.
    let r = command(send(
        "POST",
        "/ineww/code/phone",
        &[("content-type", "application/x-www-form-urlencoded")],
        b"phone=18511521921",
    ));
    assert_eq!(r.command.name(), "request_code");
    let (status, v) = reply(send("POST", "/ineww/code/phone", &[], b"\x00\xff"));
    assert_eq!(
        (status, issues(&v)),
        (422, vec![("phone".into(), "missing_field".into())])
    );
}

#[test]
fn invalid_utf8_sent_as_json_says_so_in_the_detail() {
    let step = send(
        "POST",
        "/ineww/session",
        &[("content-type", "application/json")],
        b"{\"account\":\"\xff\"}",
    );
    let Step::Reply(r) = step else {
        panic!("expected a reply")
    };
    assert_eq!(r.status, 400);
    assert_eq!(
        r.detail.as_deref(),
        Some("invalid request body: the body is not UTF-8, so not JSON")
    );
}

#[test]
fn the_code_request_also_takes_a_form() {
    let r = command(send("POST", "/ineww/code/phone", &[], b"phone=18511521921"));
    let Command::RequestCode(c) = r.command else {
        panic!()
    };
    assert_eq!(c.phone.as_str(), "18511521921");
    assert_eq!(c.length, 4);
    assert_eq!(c.purpose, crate::domain::CodePurpose::Ineww);
}

#[test]
fn the_phone_check_reads_the_query_leniently() {
    let (status, v) = reply(send("GET", "/ineww/user/phone?phone=%ZZ%E4", &[], b""));
    assert_eq!(status, 422);
    assert_eq!(issues(&v), [("phone".to_string(), "invalid".to_string())]);
}

#[test]
fn the_token_comes_in_access_token_or_a_bearer_header() {
    let path = "/ineww/session";
    let (status, v) = reply(send("GET", path, &[("user-id", UID)], b""));
    assert_eq!((status, v["code"].as_str()), (401, Some("401001")));
    let r = command(send(
        "GET",
        path,
        &[("USER-ID", UID), ("ACCESS-TOKEN", "abc")],
        b"",
    ));
    assert_eq!(token_of(r.credential.as_ref().unwrap()), ("abc", Some(UID)));
    let r = command(send("GET", path, &[("authorization", "Bearer abc")], b""));
    assert_eq!(token_of(r.credential.as_ref().unwrap()), ("abc", None));
    let (status, v) = reply(send("GET", path, &[("authorization", "Basic abc")], b""));
    assert_eq!((status, v["code"].as_str()), (401, Some("401004")));
}

#[test]
fn access_token_without_user_id_is_no_credential_and_only_bearer_stands_alone() {
    let path = "/ineww/session";
    for headers in [
        vec![("access-token", "abc")],
        vec![("access-token", "abc"), ("user-id", "  ")],
        vec![("user-id", UID)],
        vec![],
    ] {
        let (status, v) = reply(send("GET", path, &headers, b""));
        assert_eq!(
            (status, v["code"].as_str()),
            (401, Some("401001")),
            "{headers:?}"
        );
        assert_eq!(v["data"], json!({}));
    }
    let Step::Reply(r) = send("GET", path, &[("access-token", "abc")], b"") else {
        panic!("expected a reply")
    };
    assert_eq!(
        r.detail.as_deref(),
        Some("missing token: ACCESS-TOKEN without USER-ID"),
        "the log says why a sent token counts as none"
    );
    // A Bearer header beside a lone ACCESS-TOKEN is the credential.
    let r = command(send(
        "GET",
        path,
        &[("access-token", "abc"), ("authorization", "Bearer xyz")],
        b"",
    ));
    assert_eq!(token_of(r.credential.as_ref().unwrap()), ("xyz", None));
    // USER-ID with a Bearer token is carried, to be checked against the token's owner.
    let r = command(send(
        "GET",
        path,
        &[("user-id", UID), ("authorization", "Bearer xyz")],
        b"",
    ));
    assert_eq!(token_of(r.credential.as_ref().unwrap()), ("xyz", Some(UID)));
}

#[test]
fn the_http_status_is_the_codes_first_three_digits_but_201001_is_200() {
    assert_eq!(http_status("200001"), 200);
    assert_eq!(http_status("201001"), 200);
    assert_eq!(http_status("204001"), 204);
    assert_eq!(http_status("422001"), 422);
    assert_eq!(http_status("401004"), 401);
}

#[test]
fn every_204_answer_has_no_body_at_all() {
    let r = encode(Some(CommandKind::Logout), Ok(Outcome::Done));
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(r.content_type, None);
}

fn member() -> Member {
    Member {
        account: Account {
            pk: 1,
            uid: Uuid::parse_str(UID).unwrap(),
            phone: Some("18511521921".into()),
            username: None,
            email: None,
            name: Some("小王子".into()),
            nickname: None,
            level: 1,
            created_at: 0,
        },
        profile: MemberProfile::default(),
    }
}

#[test]
fn register_answers_201001_with_http_200_in_the_documents_shape() {
    let m = member();
    let mut s = session(m.account, &"a".repeat(32));
    s.expires_at = Some(1_492_501_535);
    s.refresh = Some(("b".repeat(32), 1_495_093_535));
    s.member = Some(m.profile);
    let r = encode(
        Some(CommandKind::Register),
        Ok(Outcome::Session(Box::new(s))),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, Some("text/html; charset=utf-8"));
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(
        text.starts_with("{\n    \"code\": \"201001\",\n    \"data\": {\n        \"token\""),
        "{text}"
    );
    assert!(
        text.contains("\"username\": \"小王子\""),
        "not escaped: {text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&v["data"]["token"]),
        [
            "access_token",
            "refresh_token_expired",
            "refresh_token",
            "access_token_expired"
        ]
    );
    assert_eq!(
        keys(&v["data"]["user"]),
        [
            "username",
            "uid",
            "gender",
            "phone",
            "avatar",
            "signature",
            "balance"
        ]
    );
    assert_eq!(v["data"]["user"]["uid"], UID);
    assert_eq!(v["data"]["user"]["balance"], "0");
}

#[test]
fn the_detail_shows_the_balance_with_two_decimals_and_the_index_none() {
    let mut m = member();
    m.profile.balance_cents = 1250;
    let r = encode(
        Some(CommandKind::UserDetail),
        Ok(Outcome::Member(m.clone())),
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["data"]["balance"], "12.50");
    let r = encode(Some(CommandKind::UserIndex), Ok(Outcome::Member(m)));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert!(v["data"].get("balance").is_none());
}

#[test]
fn each_domain_error_has_its_code_and_http_status() {
    for (e, code) in [
        (Error::MissingToken, "401001"),
        (Error::BadToken("x".into()), "401004"),
        (Error::TokenExpired, "401004"),
        (Error::WrongPassword, "401003"),
        (Error::UnknownAccount, "401003"),
        (Error::PhoneTaken, "400003"),
        (Error::BadCode, "400004"),
        (Error::Forbidden, "403001"),
        (Error::NotFound("user"), "404001"),
        (Error::UnknownCommand, "404000"),
        (Error::MethodNotAllowed, "405001"),
        (Error::TooLarge, "413001"),
        (Error::Throttled, "429001"),
        (Error::BadFrame("x".into()), "400010"),
        (Error::invalid("phone", "bad"), "422001"),
    ] {
        let why = e.to_string();
        let r = reject(e);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["code"], code);
        assert_eq!(r.status, http_status(code));
        assert_eq!(
            r.detail.as_deref(),
            Some(why.as_str()),
            "{code}: the log gets why"
        );
        if code != "422001" {
            let text = String::from_utf8(r.body.to_vec()).unwrap();
            assert_eq!(
                text,
                format!("{{\n    \"code\": \"{code}\",\n    \"data\": {{}}\n}}"),
                "no message: the document's and the original's empty data"
            );
        }
    }
}

#[test]
fn a_store_failure_is_500001_with_empty_data_and_the_cause_in_the_detail_only() {
    let e = Error::Store(crate::error::StoreError::Other("disk I/O error".into()));
    let r = encode(Some(CommandKind::Login), Err(e));
    assert_eq!(r.status, 500);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v, json!({"code": "500001", "data": {}}));
    assert!(!String::from_utf8_lossy(&r.body).contains("disk"));
    assert_eq!(r.detail.as_deref(), Some("store failure"));
}

#[test]
fn paths_under_ineww_belong_to_the_dialect() {
    assert!(owns("/ineww"));
    assert!(owns("/ineww/nothing"));
    assert!(!owns("/inewwx"));
    assert!(!owns("/api/ineww"));
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    use crate::dialect::testing::{assert_set_is_the_match, route};
    let key = WireKey::Rest(Methods::One("GET".into()), "/ineww/x".into());
    let empty = json!({});
    assert_set_is_the_match("ineww", DECODABLE, |kind| {
        let r = route(Dialect::Ineww, key.clone(), kind);
        let f = Fields::of(&empty, "").unwrap();
        matches!(
            decode::command(&r, &f, &[]),
            Err(decode::Refusal::Error(Error::UnknownCommand))
        )
    });
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(Some(CommandKind::Logout), Ok(Outcome::Nickname(None)));
    assert_eq!(r.status, 500);
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"code": "500001", "data": {}})
    );
    assert!(r.detail.unwrap().contains("Outcome::Nickname"));
}
