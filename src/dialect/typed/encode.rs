//! The typed encoder: outcome → `data`, and the one table from domain errors to the
//! document's `status` and `message` for each endpoint.

use super::Options;
use crate::command::{CommandKind, Outcome};
use crate::dialect::{phonebooks_outcomes, rooms_outcomes, to_ascii_json, unanswerable, Reply};
use crate::domain::Notice;
use crate::error::Error;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Map, Value};

/// What the encoder must echo.
#[derive(Debug, Clone, Copy)]
pub struct Echo {
    /// The request's `id`, already normalised.
    pub id: i64,
    /// The command, when the request got that far.
    pub kind: Option<CommandKind>,
    /// Content type and friends.
    pub opts: Options,
}

/// Encodes an outcome or failure as the HelpAged envelope (or raw image bytes).
pub fn encode(echo: Echo, result: Result<Outcome, Error>) -> Reply {
    let mut reply = answer(echo, result);
    reply.command = echo.kind.map(CommandKind::as_str);
    reply
}

/// The envelope of an outcome or failure.
fn answer(echo: Echo, result: Result<Outcome, Error>) -> Reply {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => {
            if let Error::Store(inner) = &e {
                tracing::error!(error = %inner, "store failure");
            }
            let (http, status, message, hide_id) = failure(echo.kind, &e);
            let id = if hide_id { -1 } else { echo.id };
            return envelope(echo, http, id, status, message, json!({})).because(e.detail());
        }
    };
    let data = match outcome {
        Outcome::Image {
            bytes,
            content_type,
        } => return Reply::new(200, Some(content_type), bytes),
        Outcome::Done | Outcome::Registered { .. } => json!({}),
        Outcome::Captcha { png, rand } => json!({
            "imgdata": BASE64.encode(png),
            "rand": rand
        }),
        Outcome::CodeSent { rand } => json!({"rand": rand}),
        Outcome::Session(s) => json!({"token": s.token}),
        Outcome::Nickname(n) => json!({"nickname": n}),
        Outcome::Profile(a) => profile(&a),
        Outcome::Accounts(list) => Value::Array(list.iter().map(profile).collect()),
        Outcome::PortraitStored { phone } => json!({"url": format!("./api/get/portrait/{phone}")}),
        Outcome::DeviceAdded { device_id } => json!({"device_id": device_id}),
        Outcome::Devices(list) => json!({
            "num": list.len(),
            "list": list.iter().map(|d| json!({
                "device_id": d.device_id,
                "device": d.name,
                "bindtime": d.bound_at
            })).collect::<Vec<_>>()
        }),
        Outcome::Device(d) => json!({"device_id": d.device_id, "device_name": d.name}),
        Outcome::NoticeStored { pic_name } => json!({"pic_name": pic_name}),
        Outcome::Notices(list) => json!({
            "num": list.len(),
            "list": list.iter().map(|n| notice(n, None)).collect::<Vec<_>>()
        }),
        Outcome::Notice(n) => {
            let picture = n.picture.as_deref().unwrap_or_default();
            notice(&n, Some(BASE64.encode(picture)))
        }
        // No HelpAged command produces these: a new outcome must be given its answer here.
        other @ (phonebooks_outcomes!()
        | Outcome::Member(_)
        | Outcome::Exists(_)
        | rooms_outcomes!()) => {
            let detail = unanswerable("HelpAged", &other);
            return envelope(echo, 200, echo.id, -200, STORE_FAILED, json!({})).because(detail);
        }
    };
    envelope(echo, 200, echo.id, 0, success_message(echo.kind), data)
}

fn envelope(echo: Echo, http: u16, id: i64, status: i64, message: &str, data: Value) -> Reply {
    let body = json!({"id": id, "status": status, "message": message, "data": data});
    Reply::new(http, Some(echo.opts.content_type), to_ascii_json(&body)).coded(status)
}

/// "Successful" or "successful", as the original answered each endpoint.
fn success_message(kind: Option<CommandKind>) -> &'static str {
    use CommandKind::*;
    let lower = matches!(
        kind,
        Some(
            CheckImageCaptcha
                | CheckSmsCode
                | ForgotPassword
                | ChangePassword
                | AddDevice
                | BindDevice
                | ListNotices
                | NoticeInfo
                | SignNotice
                | AdminListUsers
                | AdminDeleteUser
        )
    );
    if lower {
        "successful"
    } else {
        "Successful"
    }
}

fn profile(a: &crate::domain::Account) -> Value {
    json!({
        "phone": a.phone,
        "name": a.name,
        "nickname": a.nickname,
        "email": a.email,
        "level": a.level
    })
}

/// A notice in the document's key order; its detail shows the picture (base64) before
/// `createtime`.
fn notice(n: &Notice, picture: Option<String>) -> Value {
    let mut m = Map::new();
    m.insert("event_id".into(), json!(n.event_id));
    m.insert("content".into(), json!(n.content));
    m.insert("device".into(), json!(n.device));
    m.insert("pic_name".into(), json!(n.pic_name));
    if let Some(picture) = picture {
        m.insert("base64".into(), json!(picture));
    }
    m.insert("createtime".into(), json!(n.createtime));
    Value::Object(m)
}

/// The document's answer to a failure of the server's own (`status` -200).
const STORE_FAILED: &str = "Failure to operate database";

/// Tencent SMS's text for its frequency-limit code 1023, which the document defers to.
const THROTTLED: &str = "单个手机号30秒内下发短信条数超过设定的上限";

/// The one table: (HTTP status, `status`, `message`, whether `id` becomes -1). Every
/// `message` is a fixed text of the document (legacy clients compare it with `==`); what
/// exactly was wrong travels in [`Reply::detail`] to the request's log line.
fn failure(kind: Option<CommandKind>, e: &Error) -> (u16, i64, &'static str, bool) {
    use CommandKind::*;
    let admin = matches!(
        kind,
        Some(AdminListUsers | AdminUserInfo | AdminUpdateUser | AdminDeleteUser)
    );
    let (status, message, hide_id): (i64, &'static str, bool) = match (kind, e) {
        (_, Error::TooLarge) => return (413, -204, "Arg's value error", true),
        (_, Error::MethodNotAllowed) => return (405, -1, "Error JSON key", true),
        // The document has one text for the server's own failures; a proxy's dead upstream
        // is one, on HTTP 502.
        (_, Error::Upstream(_)) => return (502, -200, STORE_FAILED, false),
        (_, Error::BadFrame(_)) => (-1, "Error JSON key", false),
        (_, Error::UnknownCommand) => (-2, "Error JSON value", false),
        (_, Error::MissingField(_) | Error::UnknownField(_)) => (-3, "Error data key", false),
        (_, Error::WrongType { .. }) => (-203, "Arg's value type error", false),
        (Some(SmsCode), Error::InvalidValue { field, .. }) if field == "phone" => {
            (1016, "手机号格式错误", false)
        }
        (Some(ListNotices), Error::InvalidValue { field, .. }) if field == "mode" => {
            (102, "mode value error", false)
        }
        (_, Error::InvalidValue { .. }) => (-204, "Arg's value error", false),
        (Some(Doki), Error::MissingToken) => (-1000, "Missing necessary args", true),
        (_, Error::MissingToken) => (-100, "Missing necessary args", true),
        (Some(Profile), Error::BadToken(_) | Error::TokenExpired) => (1, "Error Token", true),
        (Some(Doki), Error::BadToken(_) | Error::TokenExpired) => (1, "Token not existed", true),
        (_, Error::BadToken(_) | Error::TokenExpired | Error::TokenMismatch) => {
            (-101, "Error token", true)
        }
        (_, Error::BadDeviceToken) => (-104, "Error device_id token", true),
        (_, Error::Forbidden) => (-103, "No permission to operate", admin),
        (Some(Register), Error::BadCode) => (-4, "Error hash", false),
        (Some(ForgotPassword), Error::BadCode) => (400, "Error hash", false),
        (Some(CheckImageCaptcha | CheckSmsCode), Error::BadCode) => {
            (100, "Error captcha hash", false)
        }
        (_, Error::BadCode) => (-4, "Error Hash", false),
        (_, Error::Throttled) => (1023, THROTTLED, false),
        (_, Error::PhoneTaken) => (101, "Phone number existed", false),
        (_, Error::UnknownAccount) => (100, "Incorrect user", false),
        // A throttled login or password change answers like a wrong password.
        (_, Error::WrongPassword | Error::LoginThrottled(_)) => (101, "Error password", false),
        (Some(Nickname), Error::NotFound(_)) => (100, "user not existed", false),
        (Some(ForgotPassword), Error::NotFound(_)) => (100, "Incorrect user", false),
        (_, Error::NotFound("account")) if admin => (1, "user not existed", false),
        (Some(BindDevice), Error::NotFound(_)) => (100, "device_id not exist", false),
        (Some(DeviceInfo), Error::NotFound(_)) => (101, "No Such Device", false),
        (Some(ListNotices), Error::NotFound(_)) => (101, "not bind device", false),
        (Some(NoticeInfo), Error::NotFound(_)) => (200, "GetNotice error", false),
        (Some(SignNotice), Error::NotFound(_)) => (100, "Error event_id", false),
        (Some(AddDevice), Error::AlreadyDone(_)) => (101, "Duplicate device", false),
        (Some(BindDevice), Error::AlreadyDone(_)) => (101, "The device has already be bind", false),
        (Some(SignNotice), Error::AlreadyDone(_)) => (101, "event_id has been signed", false),
        // The caller's own account vanished mid-request (deleted by an administrator).
        (_, Error::NotFound("account")) => (100, "user not existed", false),
        // No other typed command finds nothing or finds it done; were one to, the request
        // named a value the server cannot act on.
        (_, Error::NotFound(_) | Error::AlreadyDone(_)) => (-204, "Arg's value error", false),
        (_, Error::Store(_) | Error::Unavailable) => (-200, STORE_FAILED, false),
    };
    (200, status, message, hide_id)
}
