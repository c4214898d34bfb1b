//! The rooms encoder: users and rooms in the document's key order, statuses, and the
//! failure table.

use super::super::encode::{date_joined, failure, user_fields};
use super::*;
use crate::command::Outcome;
use crate::dialect::testing::text;
use crate::domain::{Account, Room, RoomPage, RoomsProfile, RoomsUser};

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
    let text = text(&r);
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
    let v = json(&r);
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
    let v = json(&r);
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
    let v = json(&r);
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
    let v = json(&r);
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
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(Some(CommandKind::Logout), None, Ok(Outcome::Exists(true)));
    assert_eq!(r.status, 500);
    assert_eq!(
        json(&r),
        json!({"status": "FAIL", "code": "500", "msg": "internal error"})
    );
    assert!(r.detail.unwrap().contains("Outcome::Exists"));
}
