//! PhoneBooks: `{"op":N,…}` over `POST /` and `POST /phonebooks`.
//!
//! ```text
//! → {"op":1003,"phone":"13000000001","password":"123456"}
//! ← {"msg":"success","rid":"70a26ec0-…","num":0,"token":{"access_token":"eyJ…","type":"JWT"},"ret":0}
//! ← {"ret":-1,"msg":"phone or password error"}
//! ```
//! `ret` 0 is success, -1 every failure; a missing `Authorization` header is HTTP 401, every
//! other failure HTTP 200. Non-ASCII is escaped and keys follow the document's samples.

use super::{to_ascii_json, Fields, Reply, Step, Wire};
use crate::command::{Command, CommandKind, Credential, Outcome, Request};
use crate::domain::{CodePurpose, Contact, Password, Phone, TokenIssue};
use crate::error::{Error, Result};
use crate::handlers::{accounts, codes, contacts, sessions};
use crate::registry::{Registry, Route};
use serde::Serialize;
use serde_json::{json, Value};

/// Decodes a PhoneBooks request, or answers it at once when it cannot be run.
pub fn handle(registry: &Registry, wire: &Wire<'_>, body: &Value) -> Step {
    let route = match route(registry, body) {
        Ok(r) => r,
        Err(e) => return Step::Reply(encode(None, Err(e))),
    };
    let kind = route.command;
    match decode(route, wire, body) {
        Ok(request) => Step::Execute {
            request: Box::new(request),
            encoder: Box::new(move |r| encode(Some(kind), r)),
        },
        Err(e) => Step::Reply(encode(Some(kind), Err(e))),
    }
}

/// The registry row for the body's `op` (a number, an integral float, or a numeric string).
fn route<'r>(registry: &'r Registry, body: &Value) -> Result<&'r Route> {
    let Value::Object(obj) = body else {
        return Err(Error::BadFrame("the body must be a JSON object".into()));
    };
    let op = match obj.get("op") {
        None | Some(Value::Null) => return Err(Error::MissingField("op".into())),
        Some(Value::Number(n)) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => return Err(Error::wrong_type("op", "a number")),
    };
    op.and_then(|op| registry.op(op))
        .filter(|r| r.dialect == crate::registry::Dialect::Opcode)
        .ok_or(Error::UnknownCommand)
}

/// Builds the command of a routed body.
fn decode(route: &Route, wire: &Wire<'_>, body: &Value) -> Result<Request> {
    let credential = if route.auth {
        Some(credential(wire.headers)?)
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
fn credential(headers: &http::HeaderMap) -> Result<Credential> {
    let raw = headers
        .get(http::header::AUTHORIZATION)
        .map(|v| {
            v.to_str()
                .map_err(|_| Error::BadToken("header is not ASCII".into()))
        })
        .transpose()?
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(Error::MissingToken)?;
    let token = match raw.split_once(char::is_whitespace) {
        None => raw,
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("jwt") || scheme.eq_ignore_ascii_case("bearer") =>
        {
            rest.trim()
        }
        Some(_) => return Err(Error::BadToken("use Authorization: JWT <token>".into())),
    };
    Ok(Credential::Jwt(token.to_string()))
}

/// The decoder's one match: a registry command name and the body's fields → a `Command`.
fn command(kind: CommandKind, f: &Fields<'_>) -> Result<Command> {
    Ok(match kind {
        CommandKind::Register => Command::Register(accounts::Register {
            phone: phone(f)?,
            password: Password::parse(f.str("password")?, "password")?,
            email: f.opt_str("email")?.map(str::to_string),
            name: f.opt_str("name")?.map(str::to_string),
            proof: None,
        }),
        CommandKind::ForgotPassword => {
            let phone = phone(f)?;
            match f.opt_str("code")? {
                None => Command::RequestCode(codes::RequestCode {
                    phone,
                    purpose: CodePurpose::Reset,
                    length: 6,
                    needs_account: true,
                    salted: false,
                }),
                Some(code) => Command::ResetPassword(accounts::ResetPassword {
                    phone,
                    code: code.to_string(),
                    password: Password::parse(f.str("password")?, "password")?,
                }),
            }
        }
        CommandKind::Login => Command::Login(sessions::Login {
            phone: present(f, "phone")?.to_string(),
            password: f.str("password")?.to_string(),
            issue: TokenIssue::Jwt,
        }),
        CommandKind::Logout => Command::Logout(sessions::Logout),
        CommandKind::AddContacts => {
            let users = f.array("users")?;
            let users = f
                .objects("users", users)?
                .iter()
                .map(new_contact)
                .collect::<Result<_>>()?;
            Command::AddContacts(contacts::AddContacts { users })
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
            Command::UpdateContact(edit)
        }
        CommandKind::EditContactPhone => edit_item(f, contacts::ItemKind::Phone)?,
        CommandKind::EditContactMail => edit_item(f, contacts::ItemKind::Mail)?,
        CommandKind::DeleteContacts => {
            Command::DeleteContacts(contacts::DeleteContacts { uids: uids(f)? })
        }
        CommandKind::SearchContacts => {
            let q = f.str("q")?;
            if q.trim().is_empty() {
                return Err(Error::invalid("q", "the search text is empty"));
            }
            Command::SearchContacts(contacts::SearchContacts { q: q.to_string() })
        }
        CommandKind::ListContacts => Command::ListContacts(contacts::ListContacts),
        CommandKind::GetContacts => Command::GetContacts(contacts::GetContacts { uids: uids(f)? }),
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

fn new_contact(u: &Fields<'_>) -> Result<contacts::NewContact> {
    let c = contacts::NewContact {
        name: u.str("name")?.to_string(),
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
    Ok(Command::EditContactItem(contacts::EditContactItem {
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

/// Encodes an outcome or failure as the PhoneBooks envelope.
pub fn encode(kind: Option<CommandKind>, result: Result<Outcome>) -> Reply {
    match result {
        Ok(Outcome::Contacts { owner, contacts }) => Reply {
            detail: None,
            status: 200,
            content_type: Some("application/json"),
            body: book(kind, &owner.to_string(), &contacts).into(),
        },
        Ok(outcome) => reply(200, &success(outcome)),
        Err(e) => {
            let (status, msg) = failure(kind, &e);
            if let Error::Store(inner) = &e {
                tracing::error!(error = %inner, "store failure");
            }
            reply(status, &json!({"ret": -1, "msg": msg})).because(&e)
        }
    }
}

fn reply(status: u16, v: &Value) -> Reply {
    Reply {
        detail: None,
        status,
        content_type: Some("application/json"),
        body: to_ascii_json(v).into(),
    }
}

/// The one table from domain errors to HTTP status and `msg` (the original's texts where
/// ORIGINALS.md gives them).
fn failure(kind: Option<CommandKind>, e: &Error) -> (u16, String) {
    use CommandKind::*;
    let msg = match (kind, e) {
        (_, Error::MissingToken) => return (401, "missing Authorization header".into()),
        (_, Error::TooLarge) => return (413, e.to_string()),
        (_, Error::MethodNotAllowed) => return (405, "only POST is served here".into()),
        (_, Error::UnknownCommand) => "no method".into(),
        (_, Error::UnknownField(f)) => format!("invalid {f}: unknown field"),
        (Some(Register), Error::MissingField(f)) if f == "phone" => "phone empty".into(),
        (Some(Login), Error::MissingField(f)) if f == "phone" => "login phone empty".into(),
        (_, Error::PhoneTaken) => "user had registed".into(),
        (_, Error::UnknownAccount | Error::WrongPassword) => "phone or password error".into(),
        (_, Error::TokenExpired) => "Signature has expired".into(),
        (_, Error::Store(_)) => "internal error, nothing was changed".into(),
        _ => e.to_string(),
    };
    (200, msg)
}

fn success(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Registered { account_uid } => {
            json!({"msg": "success", "rid": account_uid.to_string(), "ret": 0})
        }
        Outcome::LoggedIn {
            account_uid,
            token,
            contacts,
        } => json!({
            "msg": "success",
            "rid": account_uid.to_string(),
            "num": contacts,
            "token": {"access_token": token, "type": "JWT"},
            "ret": 0
        }),
        Outcome::ContactUpdated(c) => json!({
            "msg": "success",
            "uid": c.uid,
            "ret": 0,
            "user": {
                "phones": c.phones.iter()
                    .map(|p| json!({"phone": p.phone, "pid": p.pid, "intime": p.intime}))
                    .collect::<Vec<_>>(),
                "mails": c.mails.iter()
                    .map(|m| json!({"mail": m.mail, "intime": m.intime, "mid": m.mid}))
                    .collect::<Vec<_>>(),
                "uid": c.uid,
                "name": c.name
            }
        }),
        Outcome::PhoneAdded(p) => json!({
            "msg": "success",
            "phone_info": {"phone": p.phone, "pid": p.pid, "intime": p.intime},
            "ret": 0
        }),
        Outcome::PhoneRemoved(pid) => {
            json!({"msg": "success", "phone_info": {"pid": pid}, "ret": 0})
        }
        Outcome::MailAdded(m) => json!({
            "msg": "success",
            "mail_info": {"mail": m.mail, "mid": m.mid, "intime": m.intime},
            "ret": 0
        }),
        Outcome::MailRemoved(mid) => {
            json!({"msg": "success", "mail_info": {"mid": mid}, "ret": 0})
        }
        _ => json!({"msg": "success", "ret": 0}),
    }
}

/// A phone book answer (1005, 1008, 1009, 1010) serialised straight from borrowed structs in
/// the document's key order — no intermediate JSON tree (this is the hot path).
fn book(kind: Option<CommandKind>, owner: &str, contacts: &[Contact]) -> Vec<u8> {
    let rid = (kind != Some(CommandKind::GetContacts)).then_some(owner);
    if kind == Some(CommandKind::AddContacts) {
        let users = contacts.iter().map(AddedContact::from).collect();
        to_ascii_json(&Book {
            msg: "success",
            rid,
            users,
            ret: 0,
        })
    } else {
        let users = contacts.iter().map(ListedContact::from).collect();
        to_ascii_json(&Book {
            msg: "success",
            rid,
            users,
            ret: 0,
        })
    }
}

/// `{"msg","rid"?,"users","ret"}`.
#[derive(Serialize)]
struct Book<'a, C> {
    msg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rid: Option<&'a str>,
    users: Vec<C>,
    ret: i32,
}

/// A contact as 1005 answers it: items carry their contact's `uid`.
#[derive(Serialize)]
struct AddedContact<'a> {
    phones: Vec<AddedPhone<'a>>,
    mails: Vec<AddedMail<'a>>,
    intime: &'a str,
    uid: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct AddedPhone<'a> {
    phone: &'a str,
    pid: &'a str,
    intime: &'a str,
    uid: &'a str,
}

#[derive(Serialize)]
struct AddedMail<'a> {
    mail: &'a str,
    intime: &'a str,
    uid: &'a str,
    mid: &'a str,
}

impl<'a> From<&'a Contact> for AddedContact<'a> {
    fn from(c: &'a Contact) -> Self {
        AddedContact {
            phones: c
                .phones
                .iter()
                .map(|p| AddedPhone {
                    phone: &p.phone,
                    pid: &p.pid,
                    intime: &p.intime,
                    uid: &c.uid,
                })
                .collect(),
            mails: c
                .mails
                .iter()
                .map(|m| AddedMail {
                    mail: &m.mail,
                    intime: &m.intime,
                    uid: &c.uid,
                    mid: &m.mid,
                })
                .collect(),
            intime: &c.intime,
            uid: &c.uid,
            name: &c.name,
        }
    }
}

/// A contact as 1008, 1009 and 1010 answer it.
#[derive(Serialize)]
struct ListedContact<'a> {
    phones: Vec<ListedPhone<'a>>,
    mails: Vec<ListedMail<'a>>,
    intime: &'a str,
    uid: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct ListedPhone<'a> {
    intime: &'a str,
    pid: &'a str,
    phone: &'a str,
}

#[derive(Serialize)]
struct ListedMail<'a> {
    mail: &'a str,
    intime: &'a str,
    mid: &'a str,
}

impl<'a> From<&'a Contact> for ListedContact<'a> {
    fn from(c: &'a Contact) -> Self {
        ListedContact {
            phones: c
                .phones
                .iter()
                .map(|p| ListedPhone {
                    intime: &p.intime,
                    pid: &p.pid,
                    phone: &p.phone,
                })
                .collect(),
            mails: c
                .mails
                .iter()
                .map(|m| ListedMail {
                    mail: &m.mail,
                    intime: &m.intime,
                    mid: &m.mid,
                })
                .collect(),
            intime: &c.intime,
            uid: &c.uid,
            name: &c.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Dialect, WireKey};

    fn reg() -> Registry {
        Registry::builtin().unwrap()
    }

    fn step(body: Value, auth: Option<&str>) -> Step {
        let mut headers = http::HeaderMap::new();
        if let Some(a) = auth {
            headers.insert(http::header::AUTHORIZATION, a.parse().unwrap());
        }
        let wire = Wire {
            method: &http::Method::POST,
            path: "/",
            query: None,
            headers: &headers,
        };
        handle(&reg(), &wire, &body)
    }

    fn immediate(s: Step) -> (u16, Value) {
        match s {
            Step::Reply(r) => (r.status, serde_json::from_slice(&r.body).unwrap()),
            Step::Execute { request, .. } => panic!("expected a reply, got {request:?}"),
        }
    }

    fn command(s: Step) -> Request {
        match s {
            Step::Execute { request, .. } => *request,
            Step::Reply(r) => panic!("expected a command, got {:?}", r.body),
        }
    }

    #[test]
    fn an_unknown_op_answers_no_method() {
        let (status, v) = immediate(step(json!({"op": 9999}), None));
        assert_eq!(status, 200);
        assert_eq!(v, json!({"ret": -1, "msg": "no method"}));
    }

    #[test]
    fn an_op_as_a_numeric_string_or_integral_float_is_accepted() {
        for op in [json!("1003"), json!(1003.0)] {
            let r = command(step(json!({"op": op, "phone": "1", "password": "x"}), None));
            assert_eq!(r.command.name(), "login");
        }
    }

    #[test]
    fn a_fractional_op_is_unknown() {
        let (_, v) = immediate(step(json!({"op": 1003.5}), None));
        assert_eq!(v["msg"], "no method");
    }

    #[test]
    fn a_missing_phone_at_register_says_phone_empty() {
        let (_, v) = immediate(step(json!({"op": 1001, "password": "x"}), None));
        assert_eq!(v["msg"], "phone empty");
    }

    #[test]
    fn a_missing_authorization_header_is_http_401_with_the_envelope() {
        let (status, v) = immediate(step(json!({"op": 1009}), None));
        assert_eq!(status, 401);
        assert_eq!(v["ret"], -1);
    }

    #[test]
    fn the_jwt_prefix_is_case_insensitive_and_bearer_is_accepted() {
        for h in ["JWT abc", "jwt abc", "Bearer abc", "abc"] {
            let r = command(step(json!({"op": 1009}), Some(h)));
            assert!(
                matches!(r.credential, Some(Credential::Jwt(ref t)) if t == "abc"),
                "{h}"
            );
        }
    }

    #[test]
    fn another_auth_scheme_is_refused() {
        let (status, v) = immediate(step(json!({"op": 1009}), Some("Basic abc")));
        assert_eq!(status, 200);
        assert_eq!(v["ret"], -1);
    }

    #[test]
    fn an_unknown_top_level_field_is_refused_by_name() {
        let (_, v) = immediate(step(
            json!({"op": 1003, "phone": "1", "password": "x", "pasword": "y"}),
            None,
        ));
        assert!(v["msg"].as_str().unwrap().contains("pasword"), "{v}");
    }

    #[test]
    fn a_wrong_field_type_names_the_nested_field() {
        let body = json!({"op": 1005, "users": [{"name": "a", "phones": [{"phone": 1}]}]});
        let (_, v) = immediate(step(body, Some("JWT t")));
        assert_eq!(v["msg"], "field users[0].phones[0].phone must be a string");
    }

    #[test]
    fn an_action_other_than_0_or_1_is_refused() {
        let body = json!({"op": 10061, "uid": "u", "action": 2, "phone_info": {"phone": "1"}});
        let (_, v) = immediate(step(body, Some("JWT t")));
        assert!(v["msg"].as_str().unwrap().contains("action"), "{v}");
    }

    #[test]
    fn rid_is_carried_as_the_account_the_request_acts_for() {
        let r = command(step(json!({"op": 1009, "rid": "abc"}), Some("JWT t")));
        assert_eq!(r.acting_for.as_deref(), Some("abc"));
    }

    /// A valid body for every op code; a registry row without one fails the test below.
    fn samples() -> Vec<(i64, Value)> {
        vec![
            (
                1001,
                json!({"op": 1001, "phone": "13000000001", "password": "123456"}),
            ),
            (1002, json!({"op": 1002, "phone": "13000000001"})),
            (
                1003,
                json!({"op": 1003, "phone": "13000000001", "password": "123456"}),
            ),
            (1004, json!({"op": 1004})),
            (1005, json!({"op": 1005, "users": [{"name": "a"}]})),
            (1006, json!({"op": 1006, "uid": "u", "user": {"name": "b"}})),
            (
                10061,
                json!({"op": 10061, "uid": "u", "action": 0, "phone_info": {"phone": "1"}}),
            ),
            (
                10062,
                json!({"op": 10062, "uid": "u", "action": 1, "mail_info": {"mid": "m"}}),
            ),
            (1007, json!({"op": 1007, "users": [{"uid": "u"}]})),
            (1008, json!({"op": 1008, "q": "a"})),
            (1009, json!({"op": 1009})),
            (1010, json!({"op": 1010, "users": [{"uid": "u"}]})),
        ]
    }

    #[test]
    fn every_opcode_row_of_the_registry_reaches_its_command() {
        let reg = reg();
        let samples = samples();
        for route in reg.routes().iter().filter(|r| r.dialect == Dialect::Opcode) {
            let WireKey::Op(op) = route.key else {
                panic!("opcode row without an op: {route:?}")
            };
            let (_, body) = samples
                .iter()
                .find(|(o, _)| *o == op)
                .unwrap_or_else(|| panic!("no sample body for op {op}"));
            let req = command(step(body.clone(), Some("JWT t")));
            assert_eq!(req.auth, route.auth, "op {op}");
            let expected = route.command.as_str();
            let name = req.command.name();
            assert!(
                name == expected || (expected == "forgot_password" && name == "request_code"),
                "op {op}: {name} != {expected}"
            );
        }
    }
}
