//! The typed decoder's one match: a registry command and the `data` object → a `Command`.

use crate::command::accounts;
use crate::command::admin::AdminCommand;
use crate::command::codes::{self, HashKind};
use crate::command::{devices, media, sessions};
use crate::command::{Command, CommandKind};
use crate::dialect::wire::param;
use crate::dialect::{Fields, Wire};
use crate::domain::ProfilePatch;
use crate::domain::ReadFilter;
use crate::domain::{CodePurpose, LoginKey, Password, Patch, Phone, SessionExtras};
use crate::error::{Error, Result};
use crate::registry::Route;
use serde_json::Value;

/// The commands `command` builds — one entry per arm of its match (a unit test holds them
/// equal). The registry refuses at start-up a `type`/`subtype` row naming any other.
pub const BODY_DECODABLE: &[CommandKind] = &[
    CommandKind::ImageCaptcha,
    CommandKind::CheckImageCaptcha,
    CommandKind::CheckSmsCode,
    CommandKind::SmsCode,
    CommandKind::Login,
    CommandKind::Register,
    CommandKind::ForgotPassword,
    CommandKind::ChangePassword,
    CommandKind::Nickname,
    CommandKind::UpdateProfile,
    CommandKind::UploadPortrait,
    CommandKind::AddDevice,
    CommandKind::BindDevice,
    CommandKind::ListDevices,
    CommandKind::DeviceInfo,
    CommandKind::UploadNotice,
    CommandKind::ListNotices,
    CommandKind::NoticeInfo,
    CommandKind::SignNotice,
    CommandKind::AdminListUsers,
    CommandKind::AdminUserInfo,
    CommandKind::AdminUpdateUser,
    CommandKind::AdminDeleteUser,
];

/// Builds the command of a `type`/`subtype` request from its `data`.
pub fn command(route: &Route, data: &Value) -> Result<Command> {
    let f =
        Fields::of(data, "data.").map_err(|_| Error::MissingField("data (an object)".into()))?;
    f.require(&route.required)?;
    let command = match route.command {
        CommandKind::ImageCaptcha => Command::from(codes::ImageCaptcha),
        CommandKind::CheckImageCaptcha => check_hash(&f, HashKind::Image)?,
        CommandKind::CheckSmsCode => check_hash(&f, HashKind::Sms)?,
        CommandKind::SmsCode => {
            f.opt_str("hash")?; // documented, unused
            let purpose = match f.raw("command_type") {
                None => CodePurpose::Register,
                Some(v) => match v.as_i64() {
                    Some(1) => CodePurpose::Register,
                    Some(2) => CodePurpose::Reset,
                    _ => return Err(Error::invalid("command_type", "must be 1 or 2")),
                },
            };
            Command::from(codes::RequestCode {
                phone: Phone::parse(f.str("phone")?, "phone")?,
                purpose,
                length: 5,
                needs_account: false,
                salted: true,
            })
        }
        CommandKind::Login => Command::from(sessions::Login {
            login: f.str("phone")?.to_string(),
            key: LoginKey::Phone,
            password: f.str("pass")?.to_string(),
            policy: super::TOKENS,
            enduring: enduring(f.raw("enduring")),
            extras: SessionExtras::default(),
        }),
        CommandKind::Register => Command::from(accounts::Register {
            phone: Phone::parse(f.str("phone")?, "phone")?,
            proof: Some(hash(&f)?),
            password: Password::parse(f.str("pass")?, "pass")?,
            email: None,
            name: None,
        }),
        CommandKind::ForgotPassword => Command::from(accounts::ResetPassword {
            phone: Phone::parse(f.str("phone")?, "phone")?,
            code: hash(&f)?,
            password: Password::parse(f.str("pass")?, "pass")?,
        }),
        CommandKind::ChangePassword => Command::from(accounts::ChangePassword {
            phone: f.str("phone")?.to_string(),
            old: f.str("old")?.to_string(),
            new: Password::parse(f.str("new")?, "new")?,
        }),
        CommandKind::Nickname => {
            let phone = match (f.opt_str("user_id")?, f.opt_str("phone")?) {
                (Some(p), _) | (None, Some(p)) => p.to_string(),
                (None, None) => return Err(Error::MissingField("data.user_id".into())),
            };
            Command::from(accounts::Nickname { phone })
        }
        CommandKind::UpdateProfile => Command::from(accounts::UpdateProfile {
            phone: f.str("phone")?.to_string(),
            patch: patch(&f)?,
        }),
        CommandKind::UploadPortrait => Command::from(media::UploadPortrait {
            base64: f.str("base64")?.to_string(),
        }),
        CommandKind::AddDevice => Command::from(devices::AddDevice {
            name: non_blank(&f, "device", 64)?,
        }),
        CommandKind::BindDevice => Command::from(devices::BindDevice {
            device_id: f.str("device_id")?.to_ascii_lowercase(),
        }),
        CommandKind::ListDevices => Command::from(devices::ListDevices),
        CommandKind::DeviceInfo => {
            let device_id = f.opt_str("device_id")?.map(str::to_ascii_lowercase);
            let device_name = f.opt_str("device_name")?.map(str::to_string);
            if device_id.is_none() && device_name.is_none() {
                return Err(Error::MissingField(
                    "data.device_id or data.device_name".into(),
                ));
            }
            Command::from(devices::DeviceInfo {
                device_id,
                device_name,
            })
        }
        CommandKind::UploadNotice => {
            let content = f.opt_str("content")?.unwrap_or_default();
            if content.chars().count() > 255 {
                return Err(Error::invalid("content", "at most 255 characters"));
            }
            Command::from(devices::UploadNotice {
                base64: f.str("base64")?.to_string(),
                content: content.to_string(),
            })
        }
        CommandKind::ListNotices => Command::from(devices::ListNotices {
            filter: mode(f.raw("mode"))?,
        }),
        CommandKind::NoticeInfo => Command::from(devices::NoticeInfo {
            event_id: f.str("event_id")?.to_string(),
        }),
        CommandKind::SignNotice => Command::from(devices::SignNotice {
            event_id: f.str("event_id")?.to_string(),
        }),
        CommandKind::AdminListUsers => Command::from(AdminCommand::List),
        CommandKind::AdminUserInfo => Command::from(AdminCommand::Info {
            phone: f.str("phone")?.to_string(),
        }),
        CommandKind::AdminUpdateUser => Command::from(AdminCommand::Update {
            phone: f.str("phone")?.to_string(),
            patch: patch(&f)?,
        }),
        CommandKind::AdminDeleteUser => Command::from(AdminCommand::Delete {
            phone: f.str("phone")?.to_string(),
        }),
        other => {
            return Err(Error::invalid(
                "type",
                format!("{} is not a typed command", other.as_str()),
            ))
        }
    };
    f.finish()?;
    Ok(command)
}

/// The commands `get_command` builds — one entry per arm of its match (a unit test holds
/// them equal). The registry refuses at start-up a typed path row naming any other.
pub const GET_DECODABLE: &[CommandKind] = &[
    CommandKind::Profile,
    CommandKind::Doki,
    CommandKind::Portrait,
];

/// Builds the command of a GET route.
pub fn get_command(
    kind: CommandKind,
    wire: &Wire<'_>,
    params: &[(String, String)],
) -> Result<Command> {
    Ok(match kind {
        CommandKind::Profile => Command::from(accounts::Profile),
        CommandKind::Doki => Command::from(sessions::Doki),
        CommandKind::Portrait => Command::from(media::Portrait {
            user_id: param(params, "user_id").unwrap_or_default().to_string(),
            referer: header(wire, http::header::REFERER),
            host: header(wire, http::header::HOST),
        }),
        other => {
            return Err(Error::invalid(
                "path",
                format!("{} is not served by GET", other.as_str()),
            ))
        }
    })
}

/// A header's text, if it is text.
fn header(wire: &Wire<'_>, name: http::header::HeaderName) -> Option<String> {
    wire.header(name).ok().flatten().map(str::to_string)
}

fn check_hash(f: &Fields<'_>, kind: HashKind) -> Result<Command> {
    Ok(Command::from(codes::CheckHash {
        kind,
        hash: hash(f)?,
    }))
}

/// `hash` as the client computed it, lower-cased.
fn hash(f: &Fields<'_>) -> Result<String> {
    Ok(f.str("hash")?.to_ascii_lowercase())
}

/// The original's `enduring` rule: `true` or a non-zero integer is enduring, anything else not.
fn enduring(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().is_some_and(|i| i != 0),
        _ => false,
    }
}

/// The original's `mode` rule: an integer, or a numeric string; other values count as 0.
fn mode(v: Option<&Value>) -> Result<ReadFilter> {
    let n = match v {
        None => return Err(Error::MissingField("data.mode".into())),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        Some(_) => 0,
    };
    match n {
        0 => Ok(ReadFilter::Unread),
        1 => Ok(ReadFilter::Read),
        2 => Ok(ReadFilter::All),
        _ => Err(Error::invalid(
            "mode",
            "must be 0 (unread), 1 (read) or 2 (all)",
        )),
    }
}

/// name/nickname/email (absent keeps, `null` clears, bounded length) and level (an integer).
fn patch(f: &Fields<'_>) -> Result<ProfilePatch> {
    let text = |key: &'static str, max: usize| -> Result<Patch<String>> {
        match f.raw(key) {
            None if f.is_null(key) => Ok(Patch::Clear),
            None => Ok(Patch::Keep),
            Some(Value::String(s)) if s.chars().count() > max => {
                Err(Error::invalid(key, format!("at most {max} characters")))
            }
            Some(Value::String(s)) => Ok(Patch::Set(s.clone())),
            Some(_) => Err(Error::wrong_type(f.name(key), "a string")),
        }
    };
    let level = match f.raw("level") {
        None if f.is_null("level") => return Err(Error::wrong_type("data.level", "an integer")),
        None => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| Error::wrong_type("data.level", "an integer"))?,
        ),
    };
    Ok(ProfilePatch {
        name: text("name", 20)?,
        nickname: text("nickname", 20)?,
        email: text("email", 50)?,
        level,
    })
}

fn non_blank(f: &Fields<'_>, key: &'static str, max: usize) -> Result<String> {
    let v = f.str(key)?;
    if v.trim().is_empty() {
        return Err(Error::invalid(key, "is empty"));
    }
    if v.chars().count() > max {
        return Err(Error::invalid(key, format!("at most {max} characters")));
    }
    Ok(v.to_string())
}
