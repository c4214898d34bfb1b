//! The rooms encoder: outcome → flat answer in the document's key order, and the one table
//! from domain errors to HTTP statuses and messages.

use crate::command::{CommandKind, Outcome};
use crate::dialect::{helpaged_outcomes, phonebooks_outcomes, unanswerable, Reply};
use crate::domain::{Room, RoomPage, RoomsUser};
use crate::error::Error;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Encodes an outcome or failure. `presented` is the token the request carried: answers that
/// issue none (icon, user info) show it back, as the document's examples do.
pub fn encode(
    kind: Option<CommandKind>,
    presented: Option<&str>,
    result: Result<Outcome, Error>,
) -> Reply {
    match result {
        Ok(outcome) => success(kind, presented, outcome),
        Err(e) => {
            if let Error::Store(inner) = &e {
                tracing::error!(error = %inner, "store failure");
            }
            let (status, msg) = failure(kind, &e);
            fail(status, &msg).because(e.detail())
        }
    }
}

/// `{"status":"FAIL","code","msg"}` with `status` as HTTP status and `code`.
fn fail(status: u16, msg: &str) -> Reply {
    let mut m = Map::new();
    m.insert("status".into(), json!("FAIL"));
    m.insert("code".into(), json!(status.to_string()));
    m.insert("msg".into(), json!(msg));
    Reply::json(status, &Value::Object(m)).coded(status.into())
}

/// A user answer: register, logins, password change, icon and profile updates. Answers that
/// issue no token show the one the request presented, as the document's examples do.
fn user_answer(
    kind: Option<CommandKind>,
    user: RoomsUser,
    token: Option<&str>,
    created: bool,
) -> Reply {
    use CommandKind::*;
    let (status, msg, with_password) = match kind {
        Some(Register) => (200, "创建成功", true),
        Some(SnsLogin) if created => (201, "登录成功", true),
        Some(SetIcon | ChangePassword) => (200, "修改成功", false),
        Some(UpdateProfile) => (200, "修改成功", true),
        _ => (200, "登录成功", true),
    };
    let mut m = user_fields(&user, token.unwrap_or(""), with_password);
    tail(&mut m, status, msg);
    Reply::json(status, &Value::Object(m)).coded(status.into())
}

fn success(kind: Option<CommandKind>, presented: Option<&str>, outcome: Outcome) -> Reply {
    use CommandKind::*;
    match outcome {
        Outcome::RoomsUser(user) => user_answer(kind, user, presented, false),
        Outcome::Session(s) => {
            let user = RoomsUser {
                profile: s.rooms.unwrap_or_default(),
                account: s.account,
            };
            user_answer(kind, user, Some(&s.token), s.created)
        }
        Outcome::Room { room, created } => {
            let (status, msg) = match (kind, created) {
                (_, true) => (201, "创建成功"),
                (Some(UpdateRoom), _) => (200, "修改成功"),
                _ => (200, "查询成功"),
            };
            let mut m = head(status, msg);
            m.extend(room_fields(&room));
            Reply::json(status, &Value::Object(m))
                .coded(status.into())
                .coded(status.into())
        }
        Outcome::Rooms(page) => {
            let body = serde_json::to_vec(&PageBody::from(&page)).unwrap_or_default();
            Reply::new(200, Some("application/json"), body)
        }
        Outcome::Done if kind == Some(DeleteRoom) => Reply::new(204, None, Bytes::new()),
        Outcome::CodeSent { .. } => done("验证码已发送"),
        Outcome::Done if kind == Some(Logout) => done("注销成功"),
        Outcome::Done => done("成功"),
        // No rooms command produces these: a new outcome must be given its answer here.
        other @ (Outcome::Registered { .. }
        | phonebooks_outcomes!()
        | helpaged_outcomes!()
        | Outcome::Member(_)
        | Outcome::Exists(_)) => fail(500, "internal error").because(unanswerable("rooms", &other)),
    }
}

/// `{"status","msg","code"}` of an answer that carries nothing else.
fn done(msg: &str) -> Reply {
    let mut m = Map::new();
    tail(&mut m, 200, msg);
    Reply::json(200, &Value::Object(m)).coded(200)
}

/// `status`, `code`, `msg` first (the room answers' order).
fn head(status: u16, msg: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("status".into(), json!("SUCCESS"));
    m.insert("code".into(), json!(status.to_string()));
    m.insert("msg".into(), json!(msg));
    m
}

/// `status`, `msg`, `code` last (the user answers' order).
fn tail(m: &mut Map<String, Value>, status: u16, msg: &str) {
    m.insert("status".into(), json!("SUCCESS"));
    m.insert("msg".into(), json!(msg));
    m.insert("code".into(), json!(status.to_string()));
}

/// A user in the document's order; numbers as strings, `password` always `""` (and absent
/// from the icon and password answers, as in the document).
pub(super) fn user_fields(u: &RoomsUser, token: &str, with_password: bool) -> Map<String, Value> {
    let a = &u.account;
    let p = &u.profile;
    let text = |v: &Option<String>| json!(v.clone().unwrap_or_default());
    let mut m = Map::new();
    m.insert("pk".into(), json!(a.pk.to_string()));
    m.insert("username".into(), text(&a.username));
    if with_password {
        m.insert("password".into(), json!(""));
    }
    m.insert("token".into(), json!(token));
    m.insert("login_type".into(), json!(p.login_type.to_string()));
    m.insert("nickname".into(), text(&a.nickname));
    m.insert("sex".into(), json!(p.sex.to_string()));
    m.insert("age".into(), json!(p.age.to_string()));
    m.insert("email".into(), text(&a.email));
    m.insert("phone".into(), text(&a.phone));
    m.insert("img".into(), json!(p.img));
    m.insert("country".into(), json!(p.country));
    m.insert("province".into(), json!(p.province));
    m.insert("city".into(), json!(p.city));
    m.insert("career".into(), json!(p.career));
    m.insert("roomid".into(), json!(p.roomid.to_string()));
    m.insert("date_joined".into(), json!(date_joined(a.created_at)));
    m
}

/// Unix microseconds as Django REST framework wrote a `DateTimeField` in UTC:
/// `2016-10-28T02:27:15.211240Z`.
pub(super) fn date_joined(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn room_fields(r: &Room) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pk".into(), json!(r.pk.to_string()));
    m.insert("roomid".into(), json!(r.roomid.to_string()));
    m.insert("room_alias".into(), json!(r.room_alias));
    m.insert("active".into(), json!(r.active));
    m
}

/// A page of rooms, serialised straight from borrowed fields in the answer's key order (the
/// listing is the dialect's hot path): counts as strings, `pageSize` the size used, at least
/// one page (Django's paginator counts an empty first page).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageBody<'a> {
    status: &'static str,
    code: &'static str,
    msg: &'static str,
    page_size: String,
    current_page: String,
    total_page: String,
    total: String,
    results: Vec<RoomBody<'a>>,
}

/// One room of a page.
#[derive(Serialize)]
struct RoomBody<'a> {
    pk: String,
    roomid: String,
    room_alias: &'a str,
    active: bool,
}

impl<'a> From<&'a RoomPage> for PageBody<'a> {
    fn from(p: &'a RoomPage) -> Self {
        let pages = ((p.total + p.page_size - 1) / p.page_size).max(1);
        PageBody {
            status: "SUCCESS",
            code: "200",
            msg: "查询成功",
            page_size: p.page_size.to_string(),
            current_page: p.page.to_string(),
            total_page: pages.to_string(),
            total: p.total.to_string(),
            results: p
                .rooms
                .iter()
                .map(|r| RoomBody {
                    pk: r.pk.to_string(),
                    roomid: r.roomid.to_string(),
                    room_alias: &r.room_alias,
                    active: r.active,
                })
                .collect(),
        }
    }
}

/// The one table: domain error → HTTP status (also the `code` string) and message.
pub(super) fn failure(kind: Option<CommandKind>, e: &Error) -> (u16, String) {
    use CommandKind::*;
    match (kind, e) {
        (Some(SnsLogin), Error::Forbidden) => (403, "third-party login is not configured".into()),
        (Some(SmsCode | PhoneLogin), Error::NotFound(_) | Error::UnknownAccount) => {
            (400, "no account has this phone".into())
        }
        (_, Error::UnknownAccount | Error::WrongPassword) => {
            (400, "wrong username or password".into())
        }
        (_, Error::Forbidden) => (403, "permission denied: only the owner may do this".into()),
        (_, Error::MissingToken) => (
            401,
            "missing token: send it as `token` or in Authorization".into(),
        ),
        (_, Error::BadToken(_) | Error::TokenExpired | Error::TokenMismatch) => {
            (401, e.to_string())
        }
        (_, Error::BadDeviceToken) => (401, e.to_string()),
        (_, Error::UnknownCommand) => (404, "no such endpoint".into()),
        (_, Error::NotFound(_)) => (404, e.to_string()),
        (_, Error::MethodNotAllowed) => (405, e.to_string()),
        (_, Error::TooLarge) => (413, e.to_string()),
        (_, Error::Store(_)) => (500, "internal error, nothing was changed".into()),
        (_, Error::Unavailable) => (503, e.to_string()),
        (_, Error::Upstream(_)) => (502, "server unavailable, try again later".into()),
        (_, Error::LoginThrottled(_)) => (429, "too many failed attempts: try again later".into()),
        (_, Error::BadFrame(_)) => (400, "invalid request body".into()),
        (
            _,
            Error::MissingField(_)
            | Error::UnknownField(_)
            | Error::WrongType { .. }
            | Error::InvalidValue { .. }
            | Error::PhoneTaken
            | Error::AlreadyDone(_)
            | Error::BadCode
            | Error::Throttled,
        ) => (400, e.to_string()),
    }
}
