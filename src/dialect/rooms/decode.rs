//! The rooms decoder's one match: a registry command and the request's fields → a `Command`.
//!
//! Fields are read as Django REST framework's serializers read them: text is a string
//! (stripped) or a number's text, `null` is absent, booleans are `true`/`false` (or 1/0,
//! "true"/"false"). Unknown body keys are refused, except the read-only keys of our own
//! answers where a client may send a user or room back as it received it; GET routes read
//! the query (and a JSON body) and ignore keys they do not take (cache-busters).

use crate::command::accounts::RegisterByName;
use crate::command::rooms::{self, RoomsCommand};
use crate::command::{codes, sessions};
use crate::command::{Command, CommandKind};
use crate::dialect::wire::param;
use crate::dialect::Fields;
use crate::domain::{CodePurpose, LoginKey, Password, Patch, Phone, RoomsChanges};
use crate::error::{Error, Result};
use crate::registry::Route;
use serde_json::Value;

/// Keys of our own user answers that an update may carry back; they are ignored.
const USER_ANSWER_KEYS: &[&str] = &[
    "pk",
    "password",
    "login_type",
    "img",
    "roomid",
    "date_joined",
    "status",
    "msg",
    "code",
];
/// Keys of our own room answers that an update may carry back; they are ignored.
const ROOM_ANSWER_KEYS: &[&str] = &["pk", "roomid", "status", "msg", "code"];

/// The commands `command` builds — one entry per arm of its match (a unit test holds them
/// equal). The registry refuses at start-up a rooms row naming any other.
pub const DECODABLE: &[CommandKind] = &[
    CommandKind::Register,
    CommandKind::SnsLogin,
    CommandKind::Login,
    CommandKind::Logout,
    CommandKind::UpdateProfile,
    CommandKind::SetIcon,
    CommandKind::ChangePassword,
    CommandKind::ListRooms,
    CommandKind::ShowRoom,
    CommandKind::CreateRoom,
    CommandKind::UpdateRoom,
    CommandKind::DeleteRoom,
    CommandKind::SmsCode,
    CommandKind::PhoneLogin,
];

/// Builds a rooms command from the routed request's fields and `<pk>` path parameter; a GET
/// may carry query keys the command does not read, any other method may not.
pub(super) fn command(
    route: &Route,
    f: &Fields<'_>,
    params: &[(String, String)],
    is_get: bool,
) -> Result<Command> {
    f.require(&route.required)?;
    let rooms = Command::Rooms;
    let command = match route.command {
        CommandKind::Register => rooms(RoomsCommand::SignUp(rooms::SignUp {
            account: RegisterByName {
                username: username(f)?,
                password: Some(Password::parse(&secret(f, "password")?, "password")?),
                nickname: required(f, "nickname", 50)?,
                phone: phone(f)?,
                email: email(f)?.into_option(),
            },
            profile: profile(f)?,
            policy: super::TOKENS,
        })),
        CommandKind::SnsLogin => {
            required(f, "access_token", 2048)?; // not verifiable here; see SnsLogin
            let mut profile = profile(f)?;
            profile.img = Some(required(f, "icon", 255)?);
            rooms(RoomsCommand::SnsLogin(rooms::SnsLogin {
                account: RegisterByName {
                    username: username(f)?,
                    password: None,
                    nickname: required(f, "nickname", 50)?,
                    phone: phone(f)?,
                    email: email(f)?.into_option(),
                },
                login_type: number(f, "login_type", 1, 3)?
                    .ok_or_else(|| Error::MissingField("login_type".into()))?,
                snsid: required(f, "snsid", 64)?,
                profile,
                policy: super::TOKENS,
            }))
        }
        CommandKind::Login => Command::from(sessions::Login {
            login: required(f, "username", 150)?,
            key: LoginKey::UsernameOrPhone,
            password: secret(f, "password")?,
            policy: super::TOKENS,
            enduring: false,
            extras: super::session_extras(),
        }),
        CommandKind::Logout => Command::from(sessions::Logout),
        CommandKind::UpdateProfile => {
            f.tolerate(USER_ANSWER_KEYS);
            rooms(RoomsCommand::UpdateUser(rooms::UpdateUser {
                pk: pk(params)?,
                username: match text(f, "username")? {
                    Some(s) if !s.is_empty() => Some(username(f)?),
                    _ => None,
                },
                nickname: short(f, "nickname", 50)?.filter(|s| !s.is_empty()),
                email: email(f)?,
                phone: phone(f)?,
                profile: profile(f)?,
            }))
        }
        CommandKind::SetIcon => rooms(RoomsCommand::SetIcon(rooms::SetIcon {
            pk: pk(params)?,
            icon: required(f, "icon", 255)?,
        })),
        CommandKind::ChangePassword => rooms(RoomsCommand::ChangePassword(rooms::ChangePassword {
            username: required(f, "username", 150)?,
            old: secret(f, "old_password")?,
            new: Password::parse(&secret(f, "password")?, "password")?,
            policy: super::TOKENS,
        })),
        CommandKind::ListRooms => rooms(RoomsCommand::ListRooms(rooms::ListRooms {
            page: positive(f, "page")?.unwrap_or(1),
            page_size: positive(f, "pageSize")?.unwrap_or(rooms::DEFAULT_PAGE_SIZE),
        })),
        CommandKind::ShowRoom => rooms(RoomsCommand::ShowRoom(rooms::ShowRoom { pk: pk(params)? })),
        CommandKind::CreateRoom => rooms(RoomsCommand::CreateRoom(rooms::CreateRoom {
            room_alias: required(f, "room_alias", 64)?,
            active: boolean(f, "active")?.unwrap_or(true),
        })),
        CommandKind::UpdateRoom => {
            f.tolerate(ROOM_ANSWER_KEYS);
            let pk = pk(params)?;
            let room_alias = match f.raw("room_alias") {
                Some(_) => Some(required(f, "room_alias", 64)?),
                None => None,
            };
            rooms(RoomsCommand::UpdateRoom(rooms::UpdateRoom {
                pk,
                room_alias,
                active: boolean(f, "active")?,
            }))
        }
        CommandKind::DeleteRoom => rooms(RoomsCommand::DeleteRoom(rooms::DeleteRoom {
            pk: pk(params)?,
        })),
        CommandKind::SmsCode => Command::from(codes::RequestCode {
            phone: phone(f)?.ok_or_else(|| Error::MissingField("phone".into()))?,
            purpose: CodePurpose::Login,
            length: 6,
            needs_account: true,
            salted: false,
        }),
        CommandKind::PhoneLogin => Command::from(sessions::PhoneLogin {
            phone: phone(f)?.ok_or_else(|| Error::MissingField("phone".into()))?,
            code: captcha(f)?,
            policy: super::TOKENS,
            extras: super::session_extras(),
        }),
        _ => return Err(Error::UnknownCommand),
    };
    if !is_get {
        f.finish()?;
    }
    Ok(command)
}

/// Text as a CharField took it: a string (stripped) or a number's text; `null` is absent.
fn text(f: &Fields<'_>, key: &'static str) -> Result<Option<String>> {
    match f.raw(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Error::wrong_type(f.name(key), "a string")),
    }
}

/// Optional text of at most `max` characters (blank allowed).
fn short(f: &Fields<'_>, key: &'static str, max: usize) -> Result<Option<String>> {
    match text(f, key)? {
        Some(s) if s.chars().count() > max => Err(Error::invalid(
            f.name(key),
            format!("at most {max} characters"),
        )),
        other => Ok(other),
    }
}

/// Required, non-blank text of at most `max` characters.
fn required(f: &Fields<'_>, key: &'static str, max: usize) -> Result<String> {
    match short(f, key, max)? {
        None => Err(Error::MissingField(f.name(key))),
        Some(s) if s.is_empty() => Err(Error::invalid(f.name(key), "may not be blank")),
        Some(s) => Ok(s),
    }
}

/// A password exactly as sent (not stripped), a string or a number's text.
fn secret(f: &Fields<'_>, key: &'static str) -> Result<String> {
    match f.raw(key) {
        None => Err(Error::MissingField(f.name(key))),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(Error::wrong_type(f.name(key), "a string")),
    }
}

/// A login name as Django's user model took it: 1–150 letters, digits and `@ . + - _`.
fn username(f: &Fields<'_>) -> Result<String> {
    let name = required(f, "username", 150)?;
    let ok = name
        .chars()
        .all(|c| c.is_alphanumeric() || "@.+-_".contains(c));
    if !ok {
        return Err(Error::invalid(
            "username",
            "only letters, digits and @ . + - _ are allowed",
        ));
    }
    Ok(name)
}

/// An optional phone; blank is absent, anything else must match `^1\d{10}$`.
fn phone(f: &Fields<'_>) -> Result<Option<Phone>> {
    match text(f, "phone")? {
        Some(s) if !s.is_empty() => Phone::parse(&s, "phone").map(Some),
        _ => Ok(None),
    }
}

/// An optional e-mail: absent keeps, blank clears, else `local@domain` of at most 254.
fn email(f: &Fields<'_>) -> Result<Patch<String>> {
    match short(f, "email", 254)? {
        None => Ok(Patch::Keep),
        Some(s) if s.is_empty() => Ok(Patch::Clear),
        Some(s) => {
            let shaped = s
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'));
            if !shaped || s.chars().any(char::is_whitespace) {
                return Err(Error::invalid("email", "not an e-mail address"));
            }
            Ok(Patch::Set(s))
        }
    }
}

/// An optional whole number between `min` and `max`, written as text or a number.
fn number(f: &Fields<'_>, key: &'static str, min: i64, max: i64) -> Result<Option<i64>> {
    let Some(s) = text(f, key)? else {
        return Ok(None);
    };
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match s.parse::<i64>() {
        Ok(n) if digits && (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(Error::invalid(
            f.name(key),
            format!("a whole number from {min} to {max}"),
        )),
    }
}

/// An optional page number or size: a whole number of at least 1.
fn positive(f: &Fields<'_>, key: &'static str) -> Result<Option<i64>> {
    number(f, key, 1, i64::MAX / 2)
        .map_err(|_| Error::invalid(f.name(key), "a whole number of at least 1"))
}

/// The rooms-only fields a register or update may give.
fn profile(f: &Fields<'_>) -> Result<RoomsChanges> {
    Ok(RoomsChanges {
        sex: number(f, "sex", 0, 2)?,
        age: number(f, "age", 0, 150)?,
        country: short(f, "country", 50)?,
        province: short(f, "province", 50)?,
        city: short(f, "city", 50)?,
        career: short(f, "career", 50)?,
        img: None,
    })
}

/// An optional boolean: `true`/`false`, 1/0, or their text, as a BooleanField took them.
fn boolean(f: &Fields<'_>, key: &'static str) -> Result<Option<bool>> {
    match f.raw(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(Error::wrong_type(f.name(key), "a boolean")),
        },
        Some(_) => Err(Error::wrong_type(f.name(key), "a boolean")),
    }
}

/// The phone-login code: 6 digits.
fn captcha(f: &Fields<'_>) -> Result<String> {
    let code = required(f, "captcha", 6)?;
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("captcha", "the code is 6 digits"));
    }
    Ok(code)
}

/// The `<pk>` path segment: a positive integer.
pub(super) fn pk(params: &[(String, String)]) -> Result<i64> {
    let raw = param(params, "pk").unwrap_or_default();
    let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(n) if digits && n > 0 => Ok(n),
        _ => Err(Error::invalid("pk", "must be a positive integer")),
    }
}

/// An e-mail patch as a register's optional value.
trait IntoOption {
    fn into_option(self) -> Option<String>;
}

impl IntoOption for Patch<String> {
    fn into_option(self) -> Option<String> {
        match self {
            Patch::Set(s) => Some(s),
            Patch::Keep | Patch::Clear => None,
        }
    }
}
