//! The v4 encoder: outcome → `{"code","data","msg"}` (`sendsms`: `{"code","msg"}` with a
//! string code), and the one table from domain errors to codes and messages.

use crate::command::{CommandKind, Outcome};
use crate::dialect::{
    helpaged_outcomes, phonebooks_outcomes, rooms_outcomes, to_ascii_json, unanswerable, Reply,
};
use crate::domain::{Account, DeviceChange};
use crate::error::Error;
use serde_json::{json, Value};

/// Success.
const OK: i64 = 200;
/// The document's -1: the phone's registration is not the expected one, wrong phone or
/// password, and every `verify_code` and `forget_password` failure.
const REFUSED: i64 = -1;
/// The document's -2: `register` with a wrong, used or expired code.
const BAD_CODE: i64 = -2;
/// Every other failure the document leaves to `msg` ("其余错误信息提示msg信息"): bad input,
/// a code requested again within a minute.
const FAILED: i64 = -3;

const REGISTERED: &str = "手机号已经被注册";
const NOT_REGISTERED: &str = "手机号没有被注册";
const WRONG_LOGIN: &str = "手机号或密码错误";
/// Any body, query or path that cannot be read; what was wrong goes to the request log.
const BAD_BODY: &str = "请求格式不正确";

/// Which endpoint an answer is for: it decides the value types, keys and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `sendsms/<mobile>`: string `code`, no `data`.
    SendSms,
    /// `isregister/<phone>`, with what the client expects (`expect` 1: registered).
    IsRegister {
        /// Whether the client expects the phone to have an account.
        registered: bool,
    },
    /// `register`.
    Register,
    /// `login`.
    Login,
    /// `verify_code`.
    VerifyCode,
    /// `forget_password`.
    ForgetPassword,
}

impl Endpoint {
    /// The endpoint of a v4 route's command (`isregister` as if `expect` were 0).
    pub fn of(kind: CommandKind) -> Option<Endpoint> {
        Some(match kind {
            CommandKind::SmsCode => Endpoint::SendSms,
            CommandKind::PhoneExists => Endpoint::IsRegister { registered: false },
            CommandKind::Register => Endpoint::Register,
            CommandKind::Login => Endpoint::Login,
            CommandKind::CheckSmsCode => Endpoint::VerifyCode,
            CommandKind::ForgotPassword => Endpoint::ForgetPassword,
            _ => return None,
        })
    }
}

/// Encodes an outcome or failure as the v4 envelope.
pub fn encode(ep: Option<Endpoint>, result: Result<Outcome, Error>) -> Reply {
    let (code, data, msg, detail) = match result.map(|outcome| success(ep, outcome)) {
        Ok(Ok((code, data, msg))) => (code, data, msg, None),
        Ok(Err(detail)) => (
            500,
            json!(""),
            "服务器内部错误".to_string(),
            Some(detail.into()),
        ),
        Err(e) => {
            if let Error::Store(inner) = &e {
                tracing::error!(error = %inner, "store failure");
            }
            let (code, msg) = failure(ep, &e);
            (code, json!(""), msg, Some(e.detail()))
        }
    };
    let body = if ep == Some(Endpoint::SendSms) {
        json!({"code": code.to_string(), "msg": msg})
    } else {
        json!({"code": code, "data": data, "msg": msg})
    };
    Reply {
        detail,
        code: Some(code),
        ..Reply::new(
            http_status(code),
            Some("application/json"),
            to_ascii_json(&body),
        )
    }
}

/// HTTP 200 for every handled answer (what the document's clients expect); the transport
/// failures travel with their own status.
pub(super) fn http_status(code: i64) -> u16 {
    match code {
        404 | 405 | 413 | 500 | 502 | 503 => code as u16,
        _ => 200,
    }
}

/// The code, `data` and message of a success, or — for an outcome no v4 command produces —
/// why there are none.
fn success(ep: Option<Endpoint>, outcome: Outcome) -> Result<(i64, Value, String), String> {
    Ok(match (ep, outcome) {
        (Some(Endpoint::IsRegister { registered }), Outcome::Exists(found)) => {
            let code = if found == registered { OK } else { REFUSED };
            let msg = if found { REGISTERED } else { NOT_REGISTERED };
            (code, json!(""), msg.to_string())
        }
        (ep, Outcome::Session(s)) => {
            let device = s.device.unwrap_or(DeviceChange {
                changed: false,
                enterprise_id: None,
            });
            let session = Session {
                account: &s.account,
                token: &s.token,
                change_device: device.changed,
                enterprise_id: device.enterprise_id,
            };
            if ep == Some(Endpoint::Register) {
                (OK, session.registered(), "注册成功".into())
            } else {
                (OK, session.logged_in(), "登录成功".into())
            }
        }
        (ep, Outcome::Done | Outcome::CodeSent { .. } | Outcome::Exists(_)) => {
            let msg = match ep {
                Some(Endpoint::SendSms) => "发送成功",
                Some(Endpoint::VerifyCode) => "验证码正确",
                Some(Endpoint::ForgetPassword) => "修改成功",
                _ => "成功",
            };
            (OK, json!(""), msg.to_string())
        }
        // No v4 command produces these: a new outcome must be given its answer here.
        (
            _,
            other @ (Outcome::Registered { .. }
            | phonebooks_outcomes!()
            | helpaged_outcomes!()
            | Outcome::Member(_)
            | rooms_outcomes!()),
        ) => return Err(unanswerable("v4", &other)),
    })
}

/// What register and login show of a session.
struct Session<'a> {
    account: &'a Account,
    token: &'a str,
    change_device: bool,
    enterprise_id: Option<i64>,
}

impl Session<'_> {
    /// Register's `data`, keys in the sample's order; `enterprise_id` a number, `apply` `{}`.
    fn registered(&self) -> Value {
        json!({
            "change_device": self.change_device,
            "enterprise_id": self.enterprise_id.unwrap_or(-1),
            "token": self.token,
            "user_id": self.account.uid.simple().to_string(),
            "name": self.account.name.clone().unwrap_or_default(),
            "apply": {}
        })
    }

    /// Login's `data`, keys in the sample's order; `enterprise_id` a string (`"-1"`), and
    /// `apply` `{}`: there is no enterprise feature, so never an application.
    fn logged_in(&self) -> Value {
        json!({
            "apply": {},
            "change_device": self.change_device,
            "enterprise_id": self.enterprise_id.unwrap_or(-1).to_string(),
            "token": self.token,
            "user_id": self.account.uid.simple().to_string(),
            "name": self.account.name.clone().unwrap_or_default()
        })
    }
}

/// The one table: domain error → code and message. At `verify_code` and `forget_password`
/// every failure the client can cause is -1 (the contract's rule for `forget_password`, the
/// document's only code for `verify_code`).
fn failure(ep: Option<Endpoint>, e: &Error) -> (i64, String) {
    use Endpoint::*;
    let (code, msg) = match e {
        Error::PhoneTaken => (REFUSED, REGISTERED.to_string()),
        Error::UnknownAccount | Error::WrongPassword if ep == Some(Login) => {
            (REFUSED, WRONG_LOGIN.to_string())
        }
        Error::UnknownAccount | Error::NotFound(_) => (REFUSED, NOT_REGISTERED.to_string()),
        // A throttled login answers like a failed one.
        Error::WrongPassword | Error::LoginThrottled(_) => (REFUSED, WRONG_LOGIN.to_string()),
        Error::BadCode => match ep {
            Some(Register) => (BAD_CODE, "验证码错误或已过期".to_string()),
            Some(ForgetPassword) => (
                REFUSED,
                "请先验证短信验证码: 验证成功后 10 分钟内可修改一次密码".to_string(),
            ),
            _ => (REFUSED, "验证码错误或已过期".to_string()),
        },
        Error::Throttled => (FAILED, "验证码发送过于频繁, 请一分钟后再试".to_string()),
        Error::MissingField(f) => (FAILED, format!("缺少参数 {f}")),
        Error::UnknownField(f) => (FAILED, format!("不支持的参数 {f}")),
        Error::WrongType { field, .. } => (FAILED, format!("参数 {field} 应为字符串或整数")),
        Error::InvalidValue { field, reason } => (FAILED, format!("参数 {field} 不正确: {reason}")),
        Error::BadFrame(_) => (FAILED, BAD_BODY.to_string()),
        Error::UnknownCommand => (404, "接口不存在".to_string()),
        Error::MethodNotAllowed => (405, "该接口不支持此请求方法".to_string()),
        Error::TooLarge => (413, "请求体过大".to_string()),
        Error::Unavailable => (503, "服务暂时不可用, 请稍后再试".to_string()),
        Error::Store(_) => (500, "服务器内部错误, 未做任何修改".to_string()),
        Error::Upstream(_) => (502, "服务暂时不可用, 请稍后再试".to_string()),
        // No v4 endpoint needs a token or a permission; should one ever fail so, say why.
        Error::MissingToken
        | Error::BadToken(_)
        | Error::TokenExpired
        | Error::TokenMismatch
        | Error::BadDeviceToken
        | Error::Forbidden
        | Error::AlreadyDone(_) => (FAILED, e.to_string()),
    };
    match ep {
        Some(VerifyCode | ForgetPassword) if code == FAILED => (REFUSED, msg),
        _ => (code, msg),
    }
}
