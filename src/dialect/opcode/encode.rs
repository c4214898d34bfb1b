//! The PhoneBooks encoder: outcome → the `{"msg",…,"ret"}` envelope in the document's key
//! order, and the one table from domain errors to HTTP status and `msg`.

use crate::command::{CommandKind, Outcome};
use crate::dialect::{helpaged_outcomes, rooms_outcomes, to_ascii_json, unanswerable, Reply};
use crate::domain::{Contact, ContactMail, ContactPhone};
use crate::error::{Error, Result};
use bytes::Bytes;
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;

/// Encodes an outcome or failure as the PhoneBooks envelope.
pub fn encode(kind: Option<CommandKind>, result: Result<Outcome>) -> Reply {
    let mut reply = answer(kind, result);
    reply.command = kind.map(CommandKind::as_str);
    reply
}

/// The envelope of an outcome or failure.
fn answer(kind: Option<CommandKind>, result: Result<Outcome>) -> Reply {
    match result.map(|outcome| success(kind, outcome)) {
        Ok(Ok(body)) => reply(200, body).coded(0),
        Ok(Err(detail)) => reply(200, failed("internal error"))
            .coded(-1)
            .because(detail),
        Err(e) => {
            let (status, msg) = failure(kind, &e);
            if let Error::Store(inner) = &e {
                tracing::error!(error = %inner, "store failure");
            }
            reply(status, failed_body(msg))
                .coded(-1)
                .because(e.detail())
        }
    }
}

fn reply(status: u16, body: impl Into<Bytes>) -> Reply {
    Reply::new(status, Some("application/json"), body)
}

/// The body of a failure with `msg`. A fixed message's body (most are: "no method", "phone
/// or password error", …) is built once per thread and shared after, instead of built and
/// freed per refusal (~350 of an unknown op's ~14 000 instructions, callgrind under `wrk`).
fn failed_body(msg: Cow<'static, str>) -> Bytes {
    thread_local! {
        /// Bodies by their fixed message's address and length.
        static FIXED: RefCell<FxHashMap<(usize, usize), Bytes>> = RefCell::default();
    }
    let msg = match msg {
        Cow::Owned(msg) => return Bytes::from(failed(&msg)),
        Cow::Borrowed(msg) => msg,
    };
    FIXED.with(|fixed| {
        let mut fixed = fixed.borrow_mut();
        let body = fixed.entry((msg.as_ptr() as usize, msg.len()));
        body.or_insert_with(|| Bytes::from(failed(msg))).clone()
    })
}

/// A failure's body, `{"ret":-1,"msg":…}`, serialised from a struct: no JSON tree to build
/// and drop for the most common answer to bad input.
fn failed(msg: &str) -> Vec<u8> {
    // A message of plain printable ASCII (every one but a few that quote the client) needs no
    // escaping: its bytes are written as they are, exactly what the serialiser would write,
    // for ~100 instructions instead of ~600 (callgrind, unknown op).
    if msg
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        return [br#"{"ret":-1,"msg":""#, msg.as_bytes(), br#""}"#].concat();
    }
    #[derive(serde::Serialize)]
    struct Failed<'a> {
        ret: i8,
        msg: &'a str,
    }
    to_ascii_json(&Failed { ret: -1, msg })
}

/// The one table from domain errors to HTTP status and `msg` (the original's texts where
/// ORIGINALS.md gives them).
fn failure(kind: Option<CommandKind>, e: &Error) -> (u16, Cow<'static, str>) {
    use CommandKind::*;
    let msg = match (kind, e) {
        (_, Error::MissingToken) => return (401, "missing Authorization header".into()),
        (_, Error::TooLarge) => return (413, e.to_string().into()),
        (_, Error::MethodNotAllowed) => return (405, "only POST is served here".into()),
        (_, Error::Upstream(_)) => return (502, "server unavailable, try again later".into()),
        (_, Error::UnknownCommand) => "no method".into(),
        (_, Error::UnknownField(f)) => format!("invalid {f}: unknown field").into(),
        (Some(Register), Error::MissingField(f)) if f == "phone" => "phone empty".into(),
        (Some(Login), Error::MissingField(f)) if f == "phone" => "login phone empty".into(),
        (_, Error::PhoneTaken) => "user had registed".into(),
        // A throttled login answers like a failed one: what the original's clients show.
        (_, Error::UnknownAccount | Error::WrongPassword | Error::LoginThrottled(_)) => {
            "phone or password error".into()
        }
        (_, Error::TokenExpired) => "Signature has expired".into(),
        (_, Error::Store(_)) => "internal error, nothing was changed".into(),
        // The rest say what was wrong in the error's own words.
        (
            _,
            Error::BadFrame(_)
            | Error::MissingField(_)
            | Error::WrongType { .. }
            | Error::InvalidValue { .. }
            | Error::BadToken(_)
            | Error::TokenMismatch
            | Error::BadDeviceToken
            | Error::AlreadyDone(_)
            | Error::NotFound(_)
            | Error::Forbidden
            | Error::BadCode
            | Error::Throttled
            | Error::Unavailable,
        ) => e.to_string().into(),
    };
    (200, msg)
}

/// The body of a success, or — for an outcome no PhoneBooks command produces — why there is
/// none.
fn success(kind: Option<CommandKind>, outcome: Outcome) -> Result<Vec<u8>, String> {
    let v = match outcome {
        Outcome::Contacts { owner, contacts } => {
            return Ok(book(kind, &owner.to_string(), &contacts))
        }
        Outcome::ContactsExport {
            owner,
            contacts,
            exported_at,
        } => return Ok(export(&owner.to_string(), &contacts, &exported_at)),
        Outcome::Registered { account_uid } => {
            json!({"msg": "success", "rid": account_uid.to_string(), "ret": 0})
        }
        Outcome::Session(s) => json!({
            "msg": "success",
            "rid": s.account.uid.to_string(),
            "num": s.contacts.unwrap_or(0),
            "token": {"access_token": s.token, "type": "JWT"},
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
        Outcome::PhoneAdded { uid, phone: p } => {
            let phone = json!({"phone": p.phone, "pid": p.pid, "intime": p.intime});
            item_edit(uid, "phone_info", phone)
        }
        Outcome::PhoneRemoved { uid, pid } => item_edit(uid, "phone_info", json!({"pid": pid})),
        Outcome::MailAdded { uid, mail: m } => {
            let mail = json!({"mail": m.mail, "mid": m.mid, "intime": m.intime});
            item_edit(uid, "mail_info", mail)
        }
        Outcome::MailRemoved { uid, mid } => item_edit(uid, "mail_info", json!({"mid": mid})),
        Outcome::Done | Outcome::CodeSent { .. } => json!({"msg": "success", "ret": 0}),
        // No PhoneBooks command produces these: a new outcome must be given its answer here.
        other @ (helpaged_outcomes!()
        | Outcome::Member(_)
        | Outcome::Exists(_)
        | rooms_outcomes!()) => return Err(unanswerable("PhoneBooks", &other)),
    };
    Ok(to_ascii_json(&v))
}

/// A phone or mail edit (10061, 10062): `{"msg","uid",<info>,"ret"}`. The contact's uid sits
/// where the document puts it: after `msg` (as in 1006's answer) and before the item (as in
/// the requests).
fn item_edit(uid: String, info: &str, item: Value) -> Value {
    let mut m = Map::new();
    m.insert("msg".into(), json!("success"));
    m.insert("uid".into(), json!(uid));
    m.insert(info.into(), item);
    m.insert("ret".into(), json!(0));
    Value::Object(m)
}

/// A phone book answer (1005, 1008, 1009, 1010) serialised straight from borrowed structs in
/// the document's key order — no intermediate JSON tree (this is the hot path).
fn book(kind: Option<CommandKind>, owner: &str, contacts: &[Contact]) -> Vec<u8> {
    let rid = (kind != Some(CommandKind::GetContacts)).then_some(owner);
    if kind == Some(CommandKind::AddContacts) {
        to_ascii_json(&Book::of(rid, contacts.iter().map(added).collect()))
    } else {
        to_ascii_json(&Book::of(rid, contacts.iter().map(listed).collect()))
    }
}

/// 1011's document: 1009's answer — the same [`Book`] of [`listed`] contacts — with the
/// book's size and the export time after `rid`, where 1003 puts `num`.
fn export(owner: &str, contacts: &[Contact], exported_at: &str) -> Vec<u8> {
    to_ascii_json(&Book {
        count: Some(contacts.len()),
        exported_at: Some(exported_at),
        ..Book::of(Some(owner), contacts.iter().map(listed).collect())
    })
}

/// `{"msg","rid"?,"count"?,"exported_at"?,"users","ret"}` (`count` and `exported_at`: 1011).
#[derive(Serialize)]
struct Book<'a, C> {
    msg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_at: Option<&'a str>,
    users: Vec<C>,
    ret: i32,
}

impl<'a, C> Book<'a, C> {
    /// A successful book of `users`, with the owner's `rid` when the answer shows it.
    fn of(rid: Option<&'a str>, users: Vec<C>) -> Self {
        Book {
            msg: "success",
            rid,
            count: None,
            exported_at: None,
            users,
            ret: 0,
        }
    }
}

/// A contact in the document's key order, its phones and mails as the answer shows them.
#[derive(Serialize)]
struct ContactBody<'a, P, M> {
    phones: Vec<P>,
    mails: Vec<M>,
    intime: &'a str,
    uid: &'a str,
    name: &'a str,
}

impl<'a, P, M> ContactBody<'a, P, M> {
    fn of(
        c: &'a Contact,
        phone: impl Fn(&'a ContactPhone) -> P,
        mail: impl Fn(&'a ContactMail) -> M,
    ) -> Self {
        ContactBody {
            phones: c.phones.iter().map(phone).collect(),
            mails: c.mails.iter().map(mail).collect(),
            intime: &c.intime,
            uid: &c.uid,
            name: &c.name,
        }
    }
}

/// A contact as 1005 answers it: items carry their contact's `uid`.
fn added(c: &Contact) -> ContactBody<'_, AddedPhone<'_>, AddedMail<'_>> {
    ContactBody::of(
        c,
        |p| AddedPhone {
            phone: &p.phone,
            pid: &p.pid,
            intime: &p.intime,
            uid: &c.uid,
        },
        |m| AddedMail {
            mail: &m.mail,
            intime: &m.intime,
            uid: &c.uid,
            mid: &m.mid,
        },
    )
}

/// A contact as 1008, 1009, 1010 and 1011 answer it.
fn listed(c: &Contact) -> ContactBody<'_, ListedPhone<'_>, ListedMail<'_>> {
    ContactBody::of(
        c,
        |p| ListedPhone {
            intime: &p.intime,
            pid: &p.pid,
            phone: &p.phone,
        },
        |m| ListedMail {
            mail: &m.mail,
            intime: &m.intime,
            mid: &m.mid,
        },
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_is_written_as_the_serialiser_writes_it() {
        #[derive(serde::Serialize)]
        struct Failed<'a> {
            ret: i8,
            msg: &'a str,
        }
        let messages = [
            "no method",
            "phone or password error",
            "invalid op: unknown field",
            "",
            "quote \" and \\ backslash",
            "tab\there",
            "非 ASCII",
            "del \u{7f}",
        ];
        for msg in messages {
            let slow = to_ascii_json(&Failed { ret: -1, msg });
            assert_eq!(
                String::from_utf8(failed(msg)).unwrap(),
                String::from_utf8(slow).unwrap(),
                "{msg:?}"
            );
        }
    }

    #[test]
    fn a_fixed_messages_body_is_built_once_and_shared_and_an_owned_one_is_built() {
        let a = failed_body(Cow::Borrowed("no method"));
        let b = failed_body(Cow::Borrowed("no method"));
        assert_eq!(&a[..], br#"{"ret":-1,"msg":"no method"}"#);
        assert_eq!(a.as_ptr(), b.as_ptr(), "one body, shared");
        let other = failed_body(Cow::Borrowed("phone or password error"));
        assert_eq!(&other[..], br#"{"ret":-1,"msg":"phone or password error"}"#);
        let owned = failed_body(Cow::Owned("invalid op: unknown field".to_string()));
        assert_eq!(
            &owned[..],
            br#"{"ret":-1,"msg":"invalid op: unknown field"}"#
        );
    }
}
