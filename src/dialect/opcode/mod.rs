//! PhoneBooks: `{"op":N,…}` over `POST /` and `POST /phonebooks`.
//!
//! ```text
//! → {"op":1003,"phone":"13000000001","password":"123456"}
//! ← {"msg":"success","rid":"70a26ec0-…","num":0,"token":{"access_token":"eyJ…","type":"JWT"},"ret":0}
//! ← {"ret":-1,"msg":"phone or password error"}
//! ```
//! `ret` 0 is success, -1 every failure; a missing `Authorization` header is HTTP 401, every
//! other failure HTTP 200. Non-ASCII is escaped and keys follow the document's samples.

mod encode;

pub use encode::encode;

use super::peek::{Op, Peek};
use super::wire::scheme_token;
use super::{Fields, Step, Wire};
use crate::command::{accounts, codes, contacts, sessions};
use crate::command::{Command, CommandKind, Credential, Request};
use crate::domain::{CodePurpose, LoginKey, Password, Phone, SessionExtras, TokenPolicy};
use crate::error::{Error, Result};
use crate::registry::{Registry, Route};
use serde_json::Value;

/// PhoneBooks tokens: HS256 JWTs for the configured lifetime (24 h, as the original
/// deployment ran), recorded so that logout and password changes revoke them; no cap.
pub const TOKENS: TokenPolicy = TokenPolicy::jwt("jwt");

/// Decodes a PhoneBooks request (`body`, read as `peek`), or answers it at once when it
/// cannot be run. The body's JSON tree is built only for an `op` the registry serves.
pub fn handle(registry: &Registry, wire: &Wire<'_>, peek: &Peek, body: &[u8]) -> Step {
    let route = match route(registry, peek) {
        Ok(r) => r,
        Err(e) => return Step::Reply(encode(None, Err(e))),
    };
    let kind = route.command;
    let decoded = match serde_json::from_slice::<Value>(body) {
        Ok(json) => decode(route, wire, &json),
        // Not reached: the peek read the same bytes as JSON.
        Err(e) => Err(Error::BadFrame(format!("the body is not valid JSON ({e})"))),
    };
    match decoded {
        Ok(request) => Step::execute(request, move |r| encode(Some(kind), r)),
        Err(e) => Step::Reply(encode(Some(kind), Err(e))),
    }
}

/// The registry row for the body's `op` (a number, an integral float, or a numeric string).
fn route<'r>(registry: &'r Registry, peek: &Peek) -> Result<&'r Route> {
    if !peek.object {
        return Err(Error::BadFrame("the body must be a JSON object".into()));
    }
    let op = match peek.op {
        Op::Absent | Op::Null => return Err(Error::MissingField("op".into())),
        Op::Number(op) => op,
        Op::WrongType => return Err(Error::wrong_type("op", "a number")),
    };
    op.and_then(|op| registry.op(op))
        .filter(|r| r.dialect == crate::registry::Dialect::Opcode)
        .ok_or(Error::UnknownCommand)
}

/// Builds the command of a routed body.
fn decode(route: &Route, wire: &Wire<'_>, body: &Value) -> Result<Request> {
    let credential = if route.auth {
        Some(credential(wire)?)
    } else {
        None
    };
    let f = Fields::of(body, "")?;
    f.tolerate(&["op"]);
    f.require(&route.required)?;
    let acting_for = f.opt_str("rid")?.map(str::to_string);
    let command = command(route.command, &f)?;
    f.finish()?;
    Ok(Request {
        command,
        auth: route.auth,
        credential,
        acting_for,
    })
}

/// The JWT of `Authorization: JWT <t>` (or `Bearer <t>`, or a bare token).
fn credential(wire: &Wire<'_>) -> Result<Credential> {
    let raw = wire
        .header(http::header::AUTHORIZATION)
        .map_err(|_| Error::BadToken("header is not ASCII".into()))?
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(Error::MissingToken)?;
    let token = if raw.contains(char::is_whitespace) {
        scheme_token(raw, &["jwt", "bearer"])
            .ok_or_else(|| Error::BadToken("use Authorization: JWT <token>".into()))?
    } else {
        raw
    };
    Ok(Credential::token(TOKENS, token))
}

/// The commands `command` builds — one entry per arm of its match (a unit test holds them
/// equal). The registry refuses at start-up an `op` row naming any other.
pub const DECODABLE: &[CommandKind] = &[
    CommandKind::Register,
    CommandKind::ForgotPassword,
    CommandKind::Login,
    CommandKind::Logout,
    CommandKind::AddContacts,
    CommandKind::UpdateContact,
    CommandKind::EditContactPhone,
    CommandKind::EditContactMail,
    CommandKind::DeleteContacts,
    CommandKind::SearchContacts,
    CommandKind::ListContacts,
    CommandKind::GetContacts,
    CommandKind::ExportContacts,
];

/// The decoder's one match: a registry command name and the body's fields → a `Command`.
fn command(kind: CommandKind, f: &Fields<'_>) -> Result<Command> {
    Ok(match kind {
        CommandKind::Register => Command::from(accounts::Register {
            phone: phone(f)?,
            password: Password::parse(f.str("password")?, "password")?,
            email: f.opt_str("email")?.map(str::to_string),
            name: f.opt_str("name")?.map(str::to_string),
            proof: None,
        }),
        CommandKind::ForgotPassword => {
            let phone = phone(f)?;
            match f.opt_str("code")? {
                None => Command::from(codes::RequestCode {
                    phone,
                    purpose: CodePurpose::Reset,
                    length: 6,
                    needs_account: true,
                    salted: false,
                }),
                Some(code) => Command::from(accounts::ResetPassword {
                    phone,
                    code: code.to_string(),
                    password: Password::parse(f.str("password")?, "password")?,
                }),
            }
        }
        CommandKind::Login => Command::from(sessions::Login {
            login: present(f, "phone")?.to_string(),
            key: LoginKey::Phone,
            password: f.str("password")?.to_string(),
            policy: TOKENS,
            enduring: false,
            extras: SessionExtras {
                contact_count: true,
                ..SessionExtras::default()
            },
        }),
        CommandKind::Logout => Command::from(sessions::Logout),
        CommandKind::AddContacts => {
            let users = f.array("users")?;
            let users = f
                .objects("users", users)?
                .iter()
                .map(new_contact)
                .collect::<Result<_>>()?;
            Command::from(contacts::AddContacts { users })
        }
        CommandKind::UpdateContact => {
            let user = f.object("user")?;
            let edit = contacts::UpdateContact {
                uid: f.str("uid")?.to_string(),
                name: user.opt_str("name")?.map(str::to_string),
                phones: item_edits(&user, "phones", "phone", "pid")?,
                mails: item_edits(&user, "mails", "mail", "mid")?,
            };
            user.tolerate(&["uid", "intime"]);
            user.finish()?;
            Command::from(edit)
        }
        CommandKind::EditContactPhone => edit_item(f, contacts::ItemKind::Phone)?,
        CommandKind::EditContactMail => edit_item(f, contacts::ItemKind::Mail)?,
        CommandKind::DeleteContacts => Command::from(contacts::DeleteContacts { uids: uids(f)? }),
        CommandKind::SearchContacts => {
            let q = f.str("q")?;
            if q.trim().is_empty() {
                return Err(Error::invalid("q", "the search text is empty"));
            }
            Command::from(contacts::SearchContacts { q: q.to_string() })
        }
        CommandKind::ListContacts => Command::from(contacts::ListContacts),
        CommandKind::GetContacts => Command::from(contacts::GetContacts { uids: uids(f)? }),
        CommandKind::ExportContacts => Command::from(contacts::ExportContacts),
        _ => return Err(Error::UnknownCommand),
    })
}

/// The phone, checked against the phone rule; blank counts as missing ("phone empty").
fn phone(f: &Fields<'_>) -> Result<Phone> {
    Phone::parse(present(f, "phone")?, "phone")
}

/// A string field that must be present and not blank.
fn present<'a>(f: &Fields<'a>, key: &'a str) -> Result<&'a str> {
    let v = f.str(key)?;
    if v.trim().is_empty() {
        return Err(Error::MissingField(f.name(key)));
    }
    Ok(v)
}

/// A 1005 contact; one without `name` (or with `null`) is named `""`, as the original stored
/// it.
fn new_contact(u: &Fields<'_>) -> Result<contacts::NewContact> {
    let c = contacts::NewContact {
        name: u.opt_str("name")?.unwrap_or_default().to_string(),
        phones: values(u, "phones", "phone")?,
        mails: values(u, "mails", "mail")?,
    };
    u.finish()?;
    Ok(c)
}

/// `[{"phone":"…"},…]` → the strings.
fn values(u: &Fields<'_>, list: &'static str, key: &'static str) -> Result<Vec<String>> {
    let Some(items) = u.opt_array(list)? else {
        return Ok(Vec::new());
    };
    u.objects(list, items)?
        .iter()
        .map(|item| {
            let v = item.str(key)?.to_string();
            item.finish()?;
            Ok(v)
        })
        .collect()
}

/// `[{"pid":"…","phone":"…"},{"phone":"…"}]` → edits.
fn item_edits(
    u: &Fields<'_>,
    list: &'static str,
    key: &'static str,
    id: &'static str,
) -> Result<Vec<contacts::ItemEdit>> {
    let Some(items) = u.opt_array(list)? else {
        return Ok(Vec::new());
    };
    u.objects(list, items)?
        .iter()
        .map(|item| {
            let e = contacts::ItemEdit {
                id: item.opt_str(id)?.map(str::to_string),
                value: item.str(key)?.to_string(),
            };
            item.tolerate(&["intime", "uid"]);
            item.finish()?;
            Ok(e)
        })
        .collect()
}

/// 10061/10062: `action` 0 adds `phone_info.phone`, 1 deletes `phone_info.pid`.
fn edit_item(f: &Fields<'_>, kind: contacts::ItemKind) -> Result<Command> {
    let (info, value, id) = match kind {
        contacts::ItemKind::Phone => ("phone_info", "phone", "pid"),
        contacts::ItemKind::Mail => ("mail_info", "mail", "mid"),
    };
    let item = f.object(info)?;
    let action = match f.int("action")? {
        0 => {
            let v = item.str(value)?;
            if v.trim().is_empty() {
                return Err(Error::invalid(item.name(value), "is empty"));
            }
            contacts::ItemAction::Add(v.to_string())
        }
        1 => contacts::ItemAction::Remove(item.str(id)?.to_string()),
        _ => return Err(Error::invalid("action", "must be 0 (add) or 1 (delete)")),
    };
    item.tolerate(&["intime", "uid", value, id]);
    item.finish()?;
    Ok(Command::from(contacts::EditContactItem {
        uid: f.str("uid")?.to_string(),
        kind,
        action,
    }))
}

/// `"users":[{"uid":"…"},…]` → the uids.
fn uids(f: &Fields<'_>) -> Result<Vec<String>> {
    let users = f.array("users")?;
    f.objects("users", users)?
        .iter()
        .map(|u| {
            let uid = u.str("uid")?.to_string();
            u.tolerate(&["name", "intime", "phones", "mails"]);
            u.finish()?;
            Ok(uid)
        })
        .collect()
}

#[cfg(test)]
mod tests;
