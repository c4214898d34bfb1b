//! The rooms decoder: routes, where the token comes from, fields as DRF read them, queries
//! and forms.

use super::*;
use crate::dialect::testing::{assert_each_row_decodes, assert_rest_set_is_the_match};
use crate::registry::{Dialect, Registry, RestMatch};

#[test]
fn every_rooms_row_of_the_registry_decodes_into_its_command() {
    // The document's endpoints and /password/.
    assert_each_row_decodes(
        Dialect::Rooms,
        15,
        |method, pattern, route| {
            let mut path = pattern.replace("<pk>", "1");
            if route.command == CommandKind::PhoneLogin {
                path.push_str("?phone=18752000500&captcha=123456");
            }
            let body = sample(route.command).0.to_string();
            send(
                method,
                &path,
                &[("authorization", "Token t")],
                body.as_bytes(),
            )
        },
        |kind| sample(kind).1,
    );
}

#[test]
fn a_literal_segment_wins_over_a_pk_and_the_trailing_slash_is_optional() {
    let reg = Registry::builtin().unwrap();
    for path in ["/users/password/", "/users/password", "/password"] {
        let RestMatch::Found(route, params) = reg.rest("PUT", path) else {
            panic!("{path}")
        };
        assert_eq!(route.command, CommandKind::ChangePassword, "{path}");
        assert!(params.is_empty());
    }
    let RestMatch::Found(route, _) = reg.rest("PUT", "/users/7") else {
        panic!()
    };
    assert_eq!(route.command, CommandKind::UpdateProfile);
}

#[test]
fn the_token_is_read_from_authorization_then_the_body_then_the_query() {
    let cred = |s: Step| match executed(s).credential {
        Some(Credential::Token { token, .. }) => token,
        other => panic!("{other:?}"),
    };
    let body = br#"{"token":"body"}"#;
    let auth = [("authorization", "Token header")];
    assert_eq!(
        cred(send("POST", "/logout/?token=q", &auth, body)),
        "header"
    );
    let bearer = [("authorization", "bearer header")];
    assert_eq!(cred(send("POST", "/logout/", &bearer, b"")), "header");
    assert_eq!(cred(send("POST", "/logout/?token=q", &[], body)), "body");
    assert_eq!(cred(send("POST", "/logout/?token=q", &[], b"")), "q");
    let (status, v) = answer(send("POST", "/logout/", &[], b""));
    assert_eq!((status, v["code"].clone()), (401, json!("401")));
    let basic = [("authorization", "Basic eDp5")];
    assert_eq!(answer(send("POST", "/logout/", &basic, b"")).0, 401);
}

#[test]
fn a_token_in_the_body_of_a_route_without_auth_is_tolerated_not_used() {
    let r = executed(json_body(
        "POST",
        "/login/",
        json!({"username": "a", "password": "b", "token": TOKEN}),
    ));
    assert!(r.credential.is_none());
}

#[test]
fn numbers_are_taken_as_text_and_text_is_stripped_as_drf_did() {
    let r = executed(json_body(
        "POST",
        "/users/",
        json!({"username": " 12345 ", "password": 123456, "nickname": "n", "age": 30,
               "sex": 1}),
    ));
    let dbg = format!("{:?}", r.command);
    assert!(dbg.contains("username: \"12345\""), "{dbg}");
    assert!(
        dbg.contains("age: Some(30)") && dbg.contains("sex: Some(1)"),
        "{dbg}"
    );
}

#[test]
fn get_routes_ignore_query_keys_they_do_not_take_and_posts_refuse_unknown_keys() {
    executed(send("GET", "/rooms/?page=2&_=1477621635", &[], b""));
    let (status, v) = answer(json_body(
        "POST",
        "/login/",
        json!({"username": "a", "password": "b", "extra": 1}),
    ));
    assert_eq!(
        (status, v["msg"].clone()),
        (400, json!("unknown field: extra"))
    );
}

#[test]
fn an_update_may_send_back_the_keys_of_our_own_answers() {
    let body = json!({"pk": "1", "password": "", "login_type": "0", "img": "", "roomid": "8696",
                      "date_joined": "2016-10-28T02:27:15.211240Z", "status": "SUCCESS",
                      "msg": "修改成功", "code": "200", "token": TOKEN, "city": "南京"});
    executed(json_body("PUT", "/users/1/", body));
    let room = json!({"pk": "1", "roomid": "1263", "room_alias": "1262", "active": true,
                      "status": "SUCCESS", "code": "200", "msg": "查询成功", "token": TOKEN});
    executed(json_body("PUT", "/rooms/1/", room));
}

#[test]
fn a_declared_form_that_is_not_json_is_read_as_a_form() {
    let form = [("content-type", "application/x-www-form-urlencoded")];
    executed(send(
        "POST",
        "/login/",
        &form,
        b"username=a&password=%E4%B8%AD",
    ));
    let (status, _) = answer(send("POST", "/login/", &form, b"username=%ZZ&password=1"));
    assert_eq!(status, 400);
    // A JSON body under a form content type is still JSON.
    executed(send(
        "POST",
        "/login/",
        &form,
        br#"{"username":"a","password":"b"}"#,
    ));
}

#[test]
fn a_query_is_decoded_strictly_and_refused_in_the_dialects_words() {
    for (query, msg) in [
        ("page=%ZZ", "invalid query: has a bad %-escape"),
        ("page=%4", "invalid query: has a bad %-escape"),
        ("page=%+1", "invalid query: has a bad %-escape"),
        ("page=%E4", "invalid query: is not UTF-8 once %-decoded"),
    ] {
        let (status, v) = answer(send("GET", &format!("/rooms/?{query}"), &[], b""));
        assert_eq!((status, v["msg"].as_str()), (400, Some(msg)), "{query}");
    }
    let r = executed(send("GET", "/rooms/?page=%32&pageSize=3+", &[], b""));
    assert!(
        format!("{:?}", r.command).contains("page: 2"),
        "{:?}",
        r.command
    );
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    assert_rest_set_is_the_match(Dialect::Rooms, DECODABLE, |row, f| {
        matches!(
            super::super::decode::command(row, f, &[], false),
            Err(Error::UnknownCommand)
        )
    });
}
