use super::encode::{date_joined, failure, user_fields};
use super::*;
use crate::command::{CommandKind, Outcome};
use crate::domain::{Account, Room, RoomPage, RoomsProfile, RoomsUser};
use crate::registry::{Dialect, Methods, Registry, RestMatch, WireKey};
use serde_json::json;

const TOKEN: &str = "8ca6dd209e7f780229cdee74ef525dfe";

fn send(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    crate::dialect::testing::send(handle, method, target, headers, body)
}

fn json_body(method: &str, path: &str, body: Value) -> Step {
    send(method, path, &[], body.to_string().as_bytes())
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

fn reply(s: Step) -> (u16, Value) {
    match s {
        Step::Reply(r) => (r.status, serde_json::from_slice(&r.body).unwrap()),
        Step::Execute { request, .. } => panic!("expected a reply, got {request:?}"),
    }
}

fn valid_body(kind: CommandKind) -> Value {
    match kind {
        CommandKind::Register => json!({"username": "12345", "password": "123456",
                                        "nickname": "never", "phone": "18752000500"}),
        CommandKind::SnsLogin => json!({"username": "12345", "nickname": "never",
            "login_type": "1", "snsid": "o6", "access_token": "t", "icon": "a.jpg"}),
        CommandKind::Login => json!({"username": "12345", "password": "123456"}),
        CommandKind::CreateRoom => json!({"room_alias": "1262", "active": true}),
        CommandKind::UpdateRoom => json!({"active": false}),
        CommandKind::SetIcon => json!({"icon": "static/mcuser/img/tests1.png"}),
        CommandKind::ChangePassword => json!({"username": "12345", "old_password": "123456",
                                              "password": "654321"}),
        CommandKind::UpdateProfile => json!({"nickname": "never", "sex": "1"}),
        CommandKind::SmsCode => json!({"phone": "18752000500"}),
        _ => json!({}),
    }
}

#[test]
fn every_rooms_row_of_the_registry_decodes_into_its_command() {
    let reg = Registry::builtin().unwrap();
    let rows: Vec<_> = reg
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::Rooms)
        .collect();
    assert_eq!(rows.len(), 15, "the document's endpoints and /password/");
    for route in rows {
        let WireKey::Rest(Methods::One(method), pattern) = &route.key else {
            panic!("a rooms row without method and path")
        };
        let mut path = pattern.replace("<pk>", "1");
        if route.command == CommandKind::PhoneLogin {
            path.push_str("?phone=18752000500&captcha=123456");
        }
        let auth = [("authorization", "Token t")];
        let body = valid_body(route.command).to_string();
        let r = command(send(method, &path, &auth, body.as_bytes()));
        assert_eq!(r.auth, route.auth, "{method} {pattern}");
        assert_eq!(r.credential.is_some(), route.auth, "{method} {pattern}");
        let want = match route.command {
            CommandKind::Register => "rooms_sign_up",
            CommandKind::SnsLogin => "sns_login",
            CommandKind::Login => "login",
            CommandKind::Logout => "logout",
            CommandKind::ListRooms => "list_rooms",
            CommandKind::ShowRoom => "show_room",
            CommandKind::CreateRoom => "create_room",
            CommandKind::UpdateRoom => "update_room",
            CommandKind::DeleteRoom => "delete_room",
            CommandKind::SetIcon => "set_icon",
            CommandKind::ChangePassword => "rooms_change_password",
            CommandKind::UpdateProfile => "rooms_update_user",
            CommandKind::SmsCode => "request_code",
            CommandKind::PhoneLogin => "phone_login",
            other => panic!("unexpected rooms command {}", other.as_str()),
        };
        assert_eq!(r.command.name(), want, "{method} {pattern}");
    }
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
    let cred = |s: Step| match command(s).credential {
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
    let (status, v) = reply(send("POST", "/logout/", &[], b""));
    assert_eq!((status, v["code"].clone()), (401, json!("401")));
    let basic = [("authorization", "Basic eDp5")];
    assert_eq!(reply(send("POST", "/logout/", &basic, b"")).0, 401);
}

#[test]
fn a_token_in_the_body_of_a_route_without_auth_is_tolerated_not_used() {
    let r = command(json_body(
        "POST",
        "/login/",
        json!({"username": "a", "password": "b", "token": TOKEN}),
    ));
    assert!(r.credential.is_none());
}

#[test]
fn numbers_are_taken_as_text_and_text_is_stripped_as_drf_did() {
    let r = command(json_body(
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
    command(send("GET", "/rooms/?page=2&_=1477621635", &[], b""));
    let (status, v) = reply(json_body(
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
    command(json_body("PUT", "/users/1/", body));
    let room = json!({"pk": "1", "roomid": "1263", "room_alias": "1262", "active": true,
                      "status": "SUCCESS", "code": "200", "msg": "查询成功", "token": TOKEN});
    command(json_body("PUT", "/rooms/1/", room));
}

#[test]
fn a_declared_form_that_is_not_json_is_read_as_a_form() {
    let form = [("content-type", "application/x-www-form-urlencoded")];
    command(send(
        "POST",
        "/login/",
        &form,
        b"username=a&password=%E4%B8%AD",
    ));
    let (status, _) = reply(send("POST", "/login/", &form, b"username=%ZZ&password=1"));
    assert_eq!(status, 400);
    // A JSON body under a form content type is still JSON.
    command(send(
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
        let (status, v) = reply(send("GET", &format!("/rooms/?{query}"), &[], b""));
        assert_eq!((status, v["msg"].as_str()), (400, Some(msg)), "{query}");
    }
    let r = command(send("GET", "/rooms/?page=%32&pageSize=3+", &[], b""));
    assert!(
        format!("{:?}", r.command).contains("page: 2"),
        "{:?}",
        r.command
    );
}

#[test]
fn rooms_owns_its_first_segments_only() {
    for p in [
        "/users",
        "/users/1/",
        "/rooms/",
        "/login",
        "/password/",
        "/phonelogin/x",
    ] {
        assert!(owns(p), "{p}");
    }
    for p in ["/", "/ineww/user", "/api/v4.0/login", "/usersx", "/healthz"] {
        assert!(!owns(p), "{p}");
    }
}

fn rooms_session(created: bool) -> Outcome {
    let user = sample_user();
    let mut s = crate::dialect::testing::session(user.account, TOKEN);
    s.rooms = Some(user.profile);
    s.created = created;
    Outcome::Session(Box::new(s))
}

fn sample_user() -> RoomsUser {
    RoomsUser {
        account: Account {
            pk: 1,
            uid: uuid::Uuid::from_u128(1),
            phone: Some("18752000500".into()),
            username: Some("12345".into()),
            email: Some("never@gmail.com".into()),
            name: None,
            nickname: Some("never".into()),
            level: 1,
            created_at: 1_477_621_635_211_240,
        },
        profile: RoomsProfile {
            roomid: 8696,
            sex: 0,
            age: 0,
            country: String::new(),
            province: String::new(),
            city: String::new(),
            career: String::new(),
            login_type: 1,
            img: "static/mcuser/img/tests1.jpg".into(),
        },
    }
}

#[test]
fn a_user_is_shown_in_the_documents_key_order_with_strings_and_an_empty_password() {
    let m = user_fields(&sample_user(), TOKEN, true);
    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "pk",
            "username",
            "password",
            "token",
            "login_type",
            "nickname",
            "sex",
            "age",
            "email",
            "phone",
            "img",
            "country",
            "province",
            "city",
            "career",
            "roomid",
            "date_joined"
        ]
    );
    assert_eq!(m["pk"], "1");
    assert_eq!(m["password"], "");
    assert_eq!(m["roomid"], "8696");
    assert_eq!(m["date_joined"], "2016-10-28T02:27:15.211240Z");
    assert!(!user_fields(&sample_user(), TOKEN, false).contains_key("password"));
}

#[test]
fn a_register_answer_ends_in_status_msg_code_and_keeps_chinese_unescaped() {
    let out = rooms_session(true);
    let r = encode(Some(CommandKind::Register), None, Ok(out));
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(
        text.ends_with(r#""status":"SUCCESS","msg":"创建成功","code":"200"}"#),
        "{text}"
    );
}

#[test]
fn a_first_snslogin_is_201_and_a_later_one_200() {
    let out = rooms_session;
    let r = encode(Some(CommandKind::SnsLogin), None, Ok(out(true)));
    assert_eq!(r.status, 201);
    let r = encode(Some(CommandKind::SnsLogin), None, Ok(out(false)));
    assert_eq!(r.status, 200);
}

#[test]
fn an_icon_answer_shows_back_the_token_it_was_sent() {
    let out = Outcome::RoomsUser(sample_user());
    let r = encode(Some(CommandKind::SetIcon), Some(TOKEN), Ok(out));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["token"], TOKEN);
    assert_eq!(v["msg"], "修改成功");
    assert!(v.get("password").is_none());
}

#[test]
fn a_deleted_room_is_204_with_no_body_and_a_created_one_201() {
    let r = encode(Some(CommandKind::DeleteRoom), None, Ok(Outcome::Done));
    assert_eq!((r.status, r.body.len(), r.content_type), (204, 0, None));
    let room = Room {
        pk: 1,
        owner_pk: 1,
        roomid: 1263,
        room_alias: "1262".into(),
        active: true,
    };
    let r = encode(
        Some(CommandKind::CreateRoom),
        None,
        Ok(Outcome::Room {
            room,
            created: true,
        }),
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 201);
    assert_eq!(
        v,
        json!({"status": "SUCCESS", "code": "201", "msg": "创建成功", "pk": "1",
               "roomid": "1263", "room_alias": "1262", "active": true})
    );
}

#[test]
fn a_page_shows_counts_as_strings_and_at_least_one_page() {
    let page = RoomPage {
        rooms: vec![],
        total: 0,
        page: 1,
        page_size: 30,
    };
    let r = encode(Some(CommandKind::ListRooms), None, Ok(Outcome::Rooms(page)));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v,
        json!({"status": "SUCCESS", "code": "200", "msg": "查询成功", "pageSize": "30",
               "currentPage": "1", "totalPage": "1", "total": "0", "results": []})
    );
}

#[test]
fn the_failure_table_gives_each_error_its_status() {
    use crate::error::Error;
    let cases: Vec<(Option<CommandKind>, Error, u16)> = vec![
        (None, Error::BadFrame("x".into()), 400),
        (None, Error::MissingField("a".into()), 400),
        (None, Error::PhoneTaken, 400),
        (None, Error::Throttled, 400),
        (None, Error::BadCode, 400),
        (Some(CommandKind::Login), Error::WrongPassword, 400),
        (Some(CommandKind::PhoneLogin), Error::UnknownAccount, 400),
        (Some(CommandKind::SmsCode), Error::NotFound("account"), 400),
        (None, Error::MissingToken, 401),
        (None, Error::TokenExpired, 401),
        (None, Error::Forbidden, 403),
        (Some(CommandKind::SnsLogin), Error::Forbidden, 403),
        (None, Error::NotFound("room"), 404),
        (None, Error::UnknownCommand, 404),
        (None, Error::MethodNotAllowed, 405),
        (None, Error::TooLarge, 413),
    ];
    for (kind, e, status) in cases {
        assert_eq!(failure(kind, &e).0, status, "{e:?}");
    }
    let (_, msg) = failure(Some(CommandKind::SnsLogin), &Error::Forbidden);
    assert_eq!(msg, "third-party login is not configured");
    let r = reject(Error::TooLarge);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v,
        json!({"status": "FAIL", "code": "413", "msg": "request body too large"})
    );
}

#[test]
fn date_joined_has_microseconds_and_a_z() {
    assert_eq!(date_joined(0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(
        date_joined(1_477_621_635_211_240),
        "2016-10-28T02:27:15.211240Z"
    );
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    use crate::dialect::testing::{assert_set_is_the_match, route};
    let key = WireKey::Rest(Methods::One("POST".into()), "/x/".into());
    let empty = json!({});
    assert_set_is_the_match("rooms", DECODABLE, |kind| {
        let r = route(Dialect::Rooms, key.clone(), kind);
        let f = Fields::of(&empty, "").unwrap();
        matches!(
            decode::command(&r, &f, &[], false),
            Err(Error::UnknownCommand)
        )
    });
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(Some(CommandKind::Logout), None, Ok(Outcome::Exists(true)));
    assert_eq!(r.status, 500);
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"status": "FAIL", "code": "500", "msg": "internal error"})
    );
    assert!(r.detail.unwrap().contains("Outcome::Exists"));
}
