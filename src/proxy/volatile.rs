//! Which answer values cannot repeat from one server to the next — tokens, ids, codes' salts,
//! times — and of which fixture kind each is (`uuid`, `jwt`, `hex32`, `datetime`,
//! `digits14`, `digits`, `int`, `base64`, `string`). `record` turns them into captures and
//! `shadow` compares them by kind, never by value.
//!
//! A value is volatile by its shape (a UUID, a JWT, 32 hex digits, a date-time or a
//! 14-digit stamp is never a constant of any dialect's answers) or by its key, where the
//! dialects put short ids, salts and unix times: the kinds the hand-written fixtures of
//! `tests/fixtures/` capture, key by key.

use serde_json::Value;

/// Keys whose short string or integer values are ids or random draws: rooms' `pk` and
/// `roomid`, HelpAged's `rand`, `event_id` and `device_id`.
const ID_KEYS: &[&str] = &[
    "pk",
    "roomid",
    "rand",
    "event_id",
    "device_id",
    "pic_name",
    "user_id",
    "uid",
    "rid",
    "pid",
    "mid",
    "token",
    "access_token",
    "refresh_token",
];

/// Keys whose integers are unix times (INEWW's token expiries, JWT claims).
const TIME_KEYS: &[&str] = &[
    "refresh_token_expired",
    "access_token_expired",
    "exp",
    "iat",
    "expires_at",
    "expired_at",
    "timestamp",
];

/// Keys whose strings are random pictures (HelpAged's captcha).
const PICTURE_KEYS: &[&str] = &["imgdata"];

/// Whether `key` names an id: a request value there is substituted even when short.
pub fn is_id_key(key: &str) -> bool {
    ID_KEYS.contains(&key)
}

/// The fixture kind of a value that cannot repeat, or `None` for one that must.
pub fn kind(key: Option<&str>, value: &Value) -> Option<&'static str> {
    let key = key.unwrap_or_default();
    match value {
        Value::String(s) => {
            if let Some(kind) = shape(s) {
                return Some(kind);
            }
            if PICTURE_KEYS.contains(&key) && !s.is_empty() {
                return Some("base64");
            }
            if ID_KEYS.contains(&key) && !s.is_empty() {
                let digits = s.bytes().all(|b| b.is_ascii_digit());
                return Some(if digits { "digits" } else { "string" });
            }
            None
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            (TIME_KEYS.contains(&key) || ID_KEYS.contains(&key)).then_some("int")
        }
        _ => None,
    }
}

/// The kind a string's shape alone says: `uuid`, `hex32`, `digits14`, `jwt` or `datetime`,
/// each confirmed by the fixture runner's own kind check.
pub fn shape(s: &str) -> Option<&'static str> {
    let value = Value::String(s.to_string());
    let is = |kind| crate::fixtures::kind_ok(kind, &value).unwrap_or(false);
    let jwt_like = s.starts_with("eyJ") && s.matches('.').count() == 2;
    let date_like = s.len() >= 19 && s.as_bytes()[4] == b'-';
    ["uuid", "hex32", "digits14"]
        .into_iter()
        .find(|k| is(k))
        .or_else(|| (jwt_like && is("jwt")).then_some("jwt"))
        .or_else(|| (date_like && is("datetime")).then_some("datetime"))
}

/// A scalar's text, as it would appear in a path, a query or a header.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_tokens_and_times_are_told_by_shape_or_key_and_constants_are_not() {
        let cases = [
            (
                Some("rid"),
                json!("70a26ec0-66e2-11ee-8c99-0242ac120002"),
                Some("uuid"),
            ),
            (
                Some("token"),
                json!("debc454e1f2a4c0f9a8b7c6d5e4f3a2b"),
                Some("hex32"),
            ),
            (
                Some("access_token"),
                json!("eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOjF9.c2ln"),
                Some("jwt"),
            ),
            (Some("intime"), json!("20240101120000"), Some("digits14")),
            (
                Some("date_joined"),
                json!("2016-10-28T02:27:15.211240Z"),
                Some("datetime"),
            ),
            (Some("pk"), json!("12"), Some("digits")),
            (Some("rand"), json!("aB3dE"), Some("string")),
            (Some("access_token_expired"), json!(1801664096), Some("int")),
            (Some("imgdata"), json!("iVBORw0KGgo="), Some("base64")),
            (Some("code"), json!("200001"), None),
            (Some("ret"), json!(0), None),
            (Some("msg"), json!("success"), None),
            (Some("id"), json!(1234), None),
            (Some("phone"), json!("13000000001"), None),
        ];
        for (key, value, want) in cases {
            assert_eq!(kind(key, &value), want, "{key:?} {value}");
        }
    }
}
