//! The v4 decoder: the request's parameters gathered into one object (query, then body, then
//! path parameters, each later source winning), and one match from the registry command to a
//! `Command`.
//!
//! Strictness is decided here, once: `%` escapes must be whole and decode to UTF-8; a JSON
//! body must be an object whose values are strings or integers (taken as their text); a
//! required parameter that is absent, `null` or blank is missing; a parameter the endpoint
//! does not take is refused by name.

use super::encode::Endpoint;
use crate::command::accounts::{PhoneExists, Register};
use crate::command::{codes, sessions, v4_profiles};
use crate::command::{Command, CommandKind};
use crate::dialect::form::{self, Repeated};
use crate::dialect::{body, wire, Fields, Wire};
use crate::domain::{CodePurpose, LoginKey, Password, Phone, SessionExtras};
use crate::error::{Error, Result};
use crate::registry::Route;
use serde_json::{Map, Value};

/// Digits of a v4 verification code.
const CODE_LENGTH: usize = 6;

/// The request's parameters as one JSON object: the query string, overridden by the body of a
/// POST (JSON or form), overridden by the path parameters. Within one source the first of a
/// repeated name wins (as Flask's `request.values.get`). A GET's body is ignored.
pub(super) fn gather(
    wire: &Wire<'_>,
    params: &[(String, String)],
    body: &[u8],
) -> Result<Map<String, Value>> {
    let mut all = pairs(wire.query.unwrap_or_default().as_bytes(), "query string")?;
    if *wire.method == http::Method::POST {
        all.extend(body_params(wire, body)?);
    }
    for (k, v) in params {
        let v = form::strict_segment(v.as_bytes())
            .map_err(|why| Error::BadFrame(why.detail("path")))?;
        all.insert(k.clone(), Value::String(v));
    }
    Ok(all)
}

/// A POST body's parameters. `Content-Type` decides (JSON, or a urlencoded form); without
/// one, or with another, a body starting with `{` or `[` is JSON and anything else a form.
fn body_params(wire: &Wire<'_>, body: &[u8]) -> Result<Map<String, Value>> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let is_json = match wire.media_type().unwrap_or_default().as_str() {
        "application/x-www-form-urlencoded" => false,
        "multipart/form-data" => {
            return Err(Error::BadFrame(
                "multipart bodies are not taken: send a form \
                 (application/x-www-form-urlencoded) or JSON"
                    .into(),
            ))
        }
        t if wire::is_json(t) => true,
        _ => matches!(first, Some(b'{' | b'[')),
    };
    match first {
        None => Ok(Map::new()),
        Some(_) if is_json => Ok(body::object(body)?),
        Some(_) => pairs(body, "form body"),
    }
}

/// A query string's or form's parameters, read strictly, the first of a repeated name
/// winning; a piece without a name is refused.
fn pairs(text: &[u8], source: &str) -> Result<Map<String, Value>> {
    let pairs = form::strict_pairs(text).map_err(|why| Error::BadFrame(why.detail(source)))?;
    if pairs.iter().any(|(name, _)| name.is_empty()) {
        return Err(Error::BadFrame(format!("a {source} parameter has no name")));
    }
    Ok(form::object(pairs, Repeated::First))
}

/// The commands `command` builds — one entry per arm of its match (a unit test holds them
/// equal). The registry refuses at start-up a v4 row naming any other.
pub const DECODABLE: &[CommandKind] = &[
    CommandKind::SmsCode,
    CommandKind::PhoneExists,
    CommandKind::Register,
    CommandKind::Login,
    CommandKind::CheckSmsCode,
    CommandKind::ForgotPassword,
];

/// Builds the command of a routed request, with the endpoint its encoder answers as.
pub(super) fn command(route: &Route, f: &Fields<'_>) -> Result<(Command, Endpoint)> {
    let p = Params { f };
    f.require(&route.required)?;
    let out = match route.command {
        CommandKind::SmsCode => {
            let phone = p.phone("mobile")?;
            let registered = p.expect()?;
            let purpose = if registered {
                CodePurpose::Reset
            } else {
                CodePurpose::Register
            };
            let command = Command::from(codes::RequestCodeIf {
                phone,
                registered,
                purpose,
                length: CODE_LENGTH,
            });
            (command, Endpoint::SendSms)
        }
        CommandKind::PhoneExists => {
            let phone = p.phone("phone")?;
            let registered = p.expect()?;
            let command = Command::from(PhoneExists { phone });
            (command, Endpoint::IsRegister { registered })
        }
        CommandKind::Register => {
            let phone = p.phone("phone")?;
            let name = p.bounded("name", 32)?;
            let password = p.new_password("password")?;
            let device = p.bounded("device_identifier", 128)?;
            let code = p.need("code")?;
            let account = Register {
                phone,
                password,
                email: None,
                name: Some(name),
                proof: Some(code),
            };
            let command = Command::from(v4_profiles::SignUp {
                account,
                device,
                policy: super::TOKENS,
            });
            (command, Endpoint::Register)
        }
        CommandKind::Login => {
            // The phone is not format-checked: an odd phone simply has no account (-1).
            let phone = p.need("phone")?;
            let password = p.secret("password")?;
            let device = p.bounded("device_identifier", 128)?;
            let command = Command::from(sessions::Login {
                login: phone,
                key: LoginKey::Phone,
                password,
                policy: super::TOKENS,
                enduring: false,
                extras: SessionExtras {
                    device: Some(device),
                    ..SessionExtras::default()
                },
            });
            (command, Endpoint::Login)
        }
        CommandKind::CheckSmsCode => {
            let phone = p.phone("phone")?;
            let code = p.need("code")?;
            let command = Command::from(v4_profiles::VerifyCode { phone, code });
            (command, Endpoint::VerifyCode)
        }
        CommandKind::ForgotPassword => {
            let phone = p.phone("phone")?;
            let password = p.new_password("password")?;
            let command = Command::from(v4_profiles::ResetPassword { phone, password });
            (command, Endpoint::ForgetPassword)
        }
        _ => return Err(Error::UnknownCommand),
    };
    f.finish()?;
    Ok(out)
}

/// The request's parameters, read the v4 way.
struct Params<'f, 'a> {
    /// The gathered parameters.
    f: &'f Fields<'a>,
}

impl Params<'_, '_> {
    /// A parameter's text: a string, or an integer's decimal text; `null` and absent are
    /// `None`. Text is stripped unless `exact` (passwords are taken as sent).
    fn text(&self, key: &'static str, exact: bool) -> Result<Option<String>> {
        let text = match self.f.raw(key) {
            None => return Ok(None),
            Some(Value::String(s)) if exact => s.clone(),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
            Some(_) => return Err(Error::wrong_type(key, "a string or an integer")),
        };
        Ok(Some(text).filter(|t| !t.is_empty()))
    }

    /// A parameter that must be there (absent, `null` or blank is missing).
    fn need(&self, key: &'static str) -> Result<String> {
        self.text(key, false)?
            .ok_or_else(|| Error::MissingField(key.to_string()))
    }

    /// A password as sent (not stripped), any length (login: an account made through
    /// another dialect may have a shorter or longer one).
    fn secret(&self, key: &'static str) -> Result<String> {
        self.text(key, true)?
            .ok_or_else(|| Error::MissingField(key.to_string()))
    }

    /// A new password: 6 to 14 characters, as sent.
    fn new_password(&self, key: &'static str) -> Result<Password> {
        let text = self.secret(key)?;
        if !(6..=14).contains(&text.chars().count()) {
            return Err(Error::invalid(key, "密码长度应为 6-14 位"));
        }
        Password::parse(&text, key)
    }

    /// A phone matching `^1\d{10}$`.
    fn phone(&self, key: &'static str) -> Result<Phone> {
        let text = self.need(key)?;
        Phone::parse(&text, key).map_err(|_| Error::invalid(key, "手机号应为 1 开头的 11 位数字"))
    }

    /// Stripped text of at most `max` characters.
    fn bounded(&self, key: &'static str, max: usize) -> Result<String> {
        let text = self.need(key)?;
        if text.chars().count() > max {
            return Err(Error::invalid(key, format!("最长 {max} 个字符")));
        }
        Ok(text)
    }

    /// `expect`: 0 (the default) expects no account, 1 an account.
    fn expect(&self) -> Result<bool> {
        match self.text("expect", false)?.as_deref() {
            None | Some("0") => Ok(false),
            Some("1") => Ok(true),
            Some(_) => Err(Error::invalid("expect", "只能是 0 或 1")),
        }
    }
}
