//! The INEWW encoder: outcome → `data`, and the one table from domain errors to codes.

use crate::command::{CommandKind, Outcome};
use crate::dialect::{helpaged_outcomes, phonebooks_outcomes, rooms_outcomes, unanswerable, Reply};
use crate::domain::{Member, Session};
use crate::error::Error;
use bytes::Bytes;
use serde_json::{json, Value};

/// What the original served its JSON as.
const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// One field problem of a `422001` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// The field's name in the request.
    pub field: String,
    /// The key is absent (`missing_field`), rather than present and invalid (`invalid`:
    /// `null`, empty, blank, of the wrong type or refused by the rule).
    pub missing: bool,
}

impl FieldIssue {
    fn to_json(&self) -> Value {
        let code = if self.missing {
            "missing_field"
        } else {
            "invalid"
        };
        json!({"field": self.field, "code": code})
    }
}

/// Encodes an outcome or failure as the INEWW envelope.
pub fn encode(kind: Option<CommandKind>, result: Result<Outcome, Error>) -> Reply {
    match result {
        Ok(outcome) => match success(kind, outcome) {
            Ok((code, data)) => envelope(code, &data),
            Err(detail) => envelope("500001", &json!({})).because(detail),
        },
        Err(e) => {
            if let Error::Store(inner) = &e {
                tracing::error!(error = %inner, "store failure");
            }
            let (code, data) = failure(&e);
            envelope(code, &data).because(e.detail())
        }
    }
}

/// `422001` with every field problem, in form order.
pub(super) fn invalid(issues: &[FieldIssue]) -> Reply {
    let list = issues.iter().map(FieldIssue::to_json).collect();
    let why: Vec<String> = issues
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i.field,
                if i.missing { "missing" } else { "invalid" }
            )
        })
        .collect();
    envelope("422001", &Value::Array(list)).because(format!("fields: {}", why.join(", ")))
}

/// The HTTP status a code travels with: its first three digits, except `201001` (HTTP 200,
/// as the original's clients saw it).
pub(super) fn http_status(code: &str) -> u16 {
    match code {
        "201001" => 200,
        _ => code.get(..3).and_then(|s| s.parse().ok()).unwrap_or(500),
    }
}

/// `{"code","data"}`, 4-space indented UTF-8; every `204xxx` is HTTP 204 with no body.
fn envelope(code: &str, data: &Value) -> Reply {
    let status = http_status(code);
    if status == 204 {
        return Reply {
            code: code.parse().ok(),
            ..Reply::new(status, None, Bytes::new())
        };
    }
    let mut out = Vec::with_capacity(256);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serialising a Value into a Vec cannot fail.
    let _ = serde::Serialize::serialize(&json!({"code": code, "data": data}), &mut ser);
    Reply {
        code: code.parse().ok(),
        ..Reply::new(status, Some(CONTENT_TYPE), out)
    }
}

/// The code and `data` of a success, or — for an outcome no INEWW command produces — why
/// there are none.
fn success(kind: Option<CommandKind>, outcome: Outcome) -> Result<(&'static str, Value), String> {
    Ok(match outcome {
        Outcome::Session(s) if kind == Some(CommandKind::Register) => ("201001", session(*s)),
        Outcome::Session(s) => ("200001", session(*s)),
        Outcome::Member(m) if kind == Some(CommandKind::UserIndex) => ("200001", public(&m)),
        Outcome::Member(m) => ("200001", detail(&m)),
        Outcome::Exists(found) => ("200001", json!({"is_exist": found})),
        Outcome::Done | Outcome::CodeSent { .. } => ("204001", json!({})),
        // No INEWW command produces these: a new outcome must be given its answer here.
        other @ (Outcome::Registered { .. }
        | phonebooks_outcomes!()
        | helpaged_outcomes!()
        | rooms_outcomes!()) => return Err(unanswerable("INEWW", &other)),
    })
}

/// Register and login: the token pair and the user, keys in the document's order.
fn session(s: Session) -> Value {
    let (refresh_token, refresh_token_expired) = s.refresh.unwrap_or_default();
    let m = Member {
        account: s.account,
        profile: s.member.unwrap_or_default(),
    };
    let mut user = public(&m);
    user["balance"] = json!(balance_short(m.profile.balance_cents));
    json!({
        "token": {
            "access_token": s.token,
            "refresh_token_expired": refresh_token_expired,
            "refresh_token": refresh_token,
            "access_token_expired": s.expires_at.unwrap_or_default()
        },
        "user": user
    })
}

/// A public page: who, not what they own.
fn public(m: &Member) -> Value {
    json!({
        "username": m.account.name.clone().unwrap_or_default(),
        "uid": m.account.uid.simple().to_string(),
        "gender": m.profile.gender,
        // A phoneless (rooms-only) account shows "": the document types the phone a string.
        "phone": m.account.phone.clone().unwrap_or_default(),
        "avatar": m.profile.avatar,
        "signature": m.profile.signature
    })
}

/// A detail: the public page and the balance with two decimals (`"0.00"`).
fn detail(m: &Member) -> Value {
    let mut v = public(m);
    let c = m.profile.balance_cents;
    let sign = if c < 0 { "-" } else { "" };
    v["balance"] = json!(format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100));
    v
}

/// The balance as register and login showed it (`"0"`, `"12.5"`): no trailing zeros.
fn balance_short(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, frac) = (cents.abs() / 100, cents.abs() % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// The one table: domain error → code and `data`: the field list of a `422001`, `{}` for
/// every other failure, as the document and the original sent it. What went wrong goes to
/// the request's log line (the encoder's caller records the error as the reply's detail).
fn failure(e: &Error) -> (&'static str, Value) {
    let field = |name: &str, missing: bool| {
        let issue = FieldIssue {
            field: name.to_string(),
            missing,
        };
        Value::Array(vec![issue.to_json()])
    };
    let code = match e {
        Error::MissingField(name) => return ("422001", field(name, true)),
        Error::InvalidValue { field: name, .. } | Error::WrongType { field: name, .. } => {
            return ("422001", field(name, false))
        }
        Error::UnknownField(name) => return ("422001", field(name, false)),
        Error::BadFrame(_) => "400010",
        Error::PhoneTaken => "400003",
        Error::BadCode => "400004",
        Error::AlreadyDone(_) => "409001",
        Error::MissingToken => "401001",
        Error::UnknownAccount | Error::WrongPassword => "401003",
        Error::BadToken(_) | Error::TokenExpired | Error::TokenMismatch => "401004",
        Error::BadDeviceToken => "401004",
        Error::Forbidden => "403001",
        Error::UnknownCommand => "404000",
        Error::NotFound(_) => "404001",
        Error::MethodNotAllowed => "405001",
        Error::TooLarge => "413001",
        Error::Throttled | Error::LoginThrottled(_) => "429001",
        Error::Store(_) => "500001",
        Error::Upstream(_) => "502001",
        Error::Unavailable => "503001",
    };
    (code, json!({}))
}
