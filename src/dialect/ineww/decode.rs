//! The INEWW decoder's one match: a registry command and the request's fields → a `Command`,
//! with every field problem collected in the endpoint's form order (as the original's forms
//! did) instead of stopping at the first.
//!
//! Leniency kept from the original: a number where text is expected is taken as its text,
//! every string is stripped of surrounding spaces before it is checked — passwords too, as
//! Django's forms did — and keys the endpoint does not take are ignored.
//!
//! In a `422001` list `missing_field` is only for an absent key; a key present but `null`,
//! empty or blank is `invalid` (a blank optional field is simply ignored).

use super::encode::FieldIssue;
use crate::command::profiles::{self, MemberQuery};
use crate::command::{accounts, codes, sessions};
use crate::command::{Command, CommandKind};
use crate::dialect::wire::param;
use crate::dialect::Fields;
use crate::domain::{CodePurpose, LoginKey, MemberChanges, Password, Phone};
use crate::error::Error;
use crate::registry::Route;
use serde_json::Value;
use uuid::Uuid;

/// Why a request cannot be run.
#[derive(Debug)]
pub(super) enum Refusal {
    /// Fields missing or invalid, in form order (`422001`).
    Fields(Vec<FieldIssue>),
    /// Anything else.
    Error(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Error(e)
    }
}

/// Whether the command also takes a form body (the code request, as the original's clients
/// sent it); every other body must be JSON.
pub(super) fn takes_form(kind: CommandKind) -> bool {
    kind == CommandKind::SmsCode
}

/// The commands `command` builds — one entry per arm of its match (a unit test holds them
/// equal). The registry refuses at start-up an INEWW row naming any other.
pub const DECODABLE: &[CommandKind] = &[
    CommandKind::Register,
    CommandKind::UpdateProfile,
    CommandKind::ChangePhone,
    CommandKind::ChangePassword,
    CommandKind::PhoneExists,
    CommandKind::UserIndex,
    CommandKind::UserDetail,
    CommandKind::Profile,
    CommandKind::Login,
    CommandKind::Logout,
    CommandKind::SmsCode,
];

/// Builds an INEWW command from the routed request's fields and `<uid>` path parameter,
/// gathering every field problem into one 422 list ([`Refusal`]).
pub(super) fn command(
    route: &Route,
    f: &Fields<'_>,
    params: &[(String, String)],
) -> Result<Command, Refusal> {
    let mut form = Form {
        f,
        required: &route.required,
        issues: Vec::new(),
    };
    let command = match route.command {
        CommandKind::Register => {
            let name = form.parse("username", |s| chars(s, 1, 12));
            let phone = form.parse("phone", phone);
            let password = form.password("pwd");
            let code = form.parse("code", code);
            let agree = form.parse("agree", |s| (s == "1").then_some(()));
            form.finish()?;
            req(agree, "agree")?;
            Command::from(accounts::SignUp {
                account: accounts::Register {
                    phone: req(phone, "phone")?,
                    password: req(password, "pwd")?,
                    email: None,
                    name: Some(req(name, "username")?),
                    proof: Some(req(code, "code")?),
                },
                purpose: CodePurpose::Ineww,
                policy: super::TOKENS,
                extras: super::session_extras(),
            })
        }
        CommandKind::UpdateProfile => {
            let name = form.parse("username", |s| chars(s, 1, 12));
            let address = form.parse("address", |s| chars(s, 1, 128));
            let company = form.parse("company", |s| chars(s, 1, 64));
            let gender = form.parse("gender", gender);
            let signature = form.parse("signature", |s| chars(s, 1, 63));
            let avatar = form.parse("avatar", |s| chars(s, 1, 128));
            let birthday = form.parse("birthday", birthday);
            let tags = form.parse("tags", |s| chars(s, 1, 20));
            form.finish()?;
            Command::from(profiles::UpdateMember {
                uid: uid(params),
                name,
                changes: MemberChanges {
                    gender,
                    signature,
                    avatar,
                    tags,
                    address,
                    company,
                    birthday,
                },
            })
        }
        CommandKind::ChangePhone => {
            let phone = form.parse("phone", phone);
            let code = form.parse("code", code);
            form.finish()?;
            Command::from(accounts::ChangePhone {
                phone: req(phone, "phone")?,
                code: req(code, "code")?,
                purpose: CodePurpose::Ineww,
            })
        }
        CommandKind::ChangePassword => {
            // The old password is not length-checked: an account made through another
            // dialect may have a shorter one. Both are stripped, as at register and login.
            let old = form.secret("re_pwd");
            let new = form.password("pwd");
            form.finish()?;
            Command::from(accounts::ChangeOwnPassword {
                old: req(old, "re_pwd")?,
                new: req(new, "pwd")?,
            })
        }
        CommandKind::PhoneExists => {
            let phone = form.parse("phone", phone);
            form.finish()?;
            Command::from(accounts::PhoneExists {
                phone: req(phone, "phone")?,
            })
        }
        CommandKind::UserIndex => show(MemberQuery::Public(uid(params))),
        CommandKind::UserDetail => show(MemberQuery::Detail(uid(params))),
        CommandKind::Profile => show(MemberQuery::Own),
        CommandKind::Login => {
            let account = form.parse("account", |s| Some(s.to_string()));
            let password = form.secret("password");
            form.finish()?;
            Command::from(sessions::Login {
                login: req(account, "account")?,
                key: LoginKey::Phone,
                password: req(password, "password")?,
                policy: super::TOKENS,
                enduring: false,
                extras: super::session_extras(),
            })
        }
        CommandKind::Logout => Command::from(sessions::Logout),
        CommandKind::SmsCode => {
            let phone = form.parse("phone", phone);
            form.finish()?;
            Command::from(codes::RequestCode {
                phone: req(phone, "phone")?,
                purpose: CodePurpose::Ineww,
                length: 4,
                needs_account: false,
                salted: false,
            })
        }
        _ => return Err(Refusal::Error(Error::UnknownCommand)),
    };
    Ok(command)
}

fn show(query: MemberQuery) -> Command {
    Command::from(profiles::ShowMember { query })
}

/// The request's fields, read the original's way, with the problems found so far.
struct Form<'f, 'a> {
    /// The request's fields.
    f: &'f Fields<'a>,
    /// The route's required fields (from the registry).
    required: &'f [String],
    /// Problems in reading order.
    issues: Vec<FieldIssue>,
}

impl Form<'_, '_> {
    /// The field's text, stripped of surrounding spaces: a string, or a number's text.
    /// `None` when absent (a `missing_field` if required), when `null`, empty or blank (an
    /// `invalid` value if required, ignored otherwise), or of another JSON type (always
    /// `invalid`).
    fn text(&mut self, key: &'static str) -> Option<String> {
        let required = self.required.iter().any(|k| k == key);
        let text = match self.f.raw(key) {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return self.refuse(key, false),
            None if required => return self.refuse(key, !self.f.is_null(key)),
            None => return None,
        };
        if text.is_empty() {
            return if required {
                self.refuse(key, false)
            } else {
                None
            };
        }
        Some(text)
    }

    /// The stripped text, checked by `rule`; a refused value is invalid.
    fn parse<T>(&mut self, key: &'static str, rule: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let text = self.text(key)?;
        rule(&text).or_else(|| self.refuse(key, false))
    }

    /// A password to check, stripped, any length.
    fn secret(&mut self, key: &'static str) -> Option<String> {
        self.text(key)
    }

    /// A new password, stripped: 6 to 32 characters (the stripped one is stored, so the
    /// account logs in with it through every dialect).
    fn password(&mut self, key: &'static str) -> Option<Password> {
        let text = self.text(key)?;
        let ok = (6..=32).contains(&text.chars().count());
        ok.then(|| Password::parse(&text, key).ok())
            .flatten()
            .or_else(|| self.refuse(key, false))
    }

    fn refuse<T>(&mut self, key: &str, missing: bool) -> Option<T> {
        self.issues.push(FieldIssue {
            field: key.to_string(),
            missing,
        });
        None
    }

    /// Fails with every problem found, in reading order.
    fn finish(&mut self) -> Result<(), Refusal> {
        match std::mem::take(&mut self.issues) {
            issues if issues.is_empty() => Ok(()),
            issues => Err(Refusal::Fields(issues)),
        }
    }
}

/// A value the command cannot do without; `None` only when the registry does not list the
/// field as required (so it was not reported with the others).
fn req<T>(v: Option<T>, key: &str) -> Result<T, Refusal> {
    v.ok_or_else(|| {
        Refusal::Fields(vec![FieldIssue {
            field: key.to_string(),
            missing: true,
        }])
    })
}

/// The `<uid>` path segment as an account UUID (32 hex digits; dashed accepted); `None`
/// when it is not one, which names nobody.
fn uid(params: &[(String, String)]) -> Option<Uuid> {
    param(params, "uid").and_then(|v| Uuid::try_parse(v).ok())
}

fn chars(s: &str, min: usize, max: usize) -> Option<String> {
    (min..=max)
        .contains(&s.chars().count())
        .then(|| s.to_string())
}

fn phone(s: &str) -> Option<Phone> {
    Phone::parse(s, "phone").ok()
}

/// A verification code: 4 digits.
fn code(s: &str) -> Option<String> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string())
}

/// 0 male, 1 female, 2 unknown.
fn gender(s: &str) -> Option<i64> {
    match s {
        "0" => Some(0),
        "1" => Some(1),
        "2" => Some(2),
        _ => None,
    }
}

/// A real date written `YYYY-MM-DD`.
pub(super) fn birthday(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let real = y >= 1 && chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some();
    real.then(|| s.to_string())
}
