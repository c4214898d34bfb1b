//! Comparing two answers to one request, as the dialects mean them: status and content type
//! exact; a JSON body's keys, value types, envelope codes and messages exact; tokens, ids,
//! codes' salts and times ([`volatile`]) by kind, never by value; any other body byte for
//! byte. The first difference, in document order, is the one reported.

use crate::proxy::volatile;
use serde_json::{json, Value};

/// One answer, as compared.
pub struct Answer<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` without its parameters, lower-cased.
    pub media: String,
    /// The body.
    pub body: &'a [u8],
}

/// The first place two answers differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// `status`, `header.content-type`, `body` (not JSON), or a JSON path (`$.data.token`).
    pub path: String,
    /// The primary's value there (`null` when it has none).
    pub primary: Value,
    /// The shadow's value there.
    pub shadow: Value,
}

/// The media type of a `Content-Type` value.
pub fn media(content_type: Option<&str>) -> String {
    let ct = content_type.unwrap_or_default();
    ct.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The first difference between the primary's and the shadow's answers, if any.
pub fn compare(primary: &Answer<'_>, shadow: &Answer<'_>) -> Option<Difference> {
    let diff = |path: &str, p: Value, s: Value| Difference {
        path: path.to_string(),
        primary: p,
        shadow: s,
    };
    if primary.status != shadow.status {
        return Some(diff("status", json!(primary.status), json!(shadow.status)));
    }
    if primary.media != shadow.media {
        return Some(diff(
            "header.content-type",
            json!(primary.media),
            json!(shadow.media),
        ));
    }
    let parsed = (
        serde_json::from_slice::<Value>(primary.body),
        serde_json::from_slice::<Value>(shadow.body),
    );
    match parsed {
        (Ok(p), Ok(s)) => json_diff("$", None, &p, &s),
        _ if primary.body == shadow.body => None,
        _ => Some(diff("body", text(primary.body), text(shadow.body))),
    }
}

/// A body that is not JSON, as a JSON string (lossy, cut to 300 bytes).
pub fn text(body: &[u8]) -> Value {
    json!(String::from_utf8_lossy(&body[..body.len().min(300)]))
}

fn json_diff(path: &str, key: Option<&str>, p: &Value, s: &Value) -> Option<Difference> {
    let diff = |path: &str, p: &Value, s: &Value| {
        Some(Difference {
            path: path.to_string(),
            primary: p.clone(),
            shadow: s.clone(),
        })
    };
    match (p, s) {
        (Value::Object(pm), Value::Object(sm)) => {
            for (k, pv) in pm {
                let at = child(path, k);
                match sm.get(k) {
                    Some(sv) => {
                        if let Some(d) = json_diff(&at, Some(k), pv, sv) {
                            return Some(d);
                        }
                    }
                    None => return diff(&at, pv, &Value::Null),
                }
            }
            let extra = sm.iter().find(|(k, _)| !pm.contains_key(*k));
            extra.and_then(|(k, sv)| diff(&child(path, k), &Value::Null, sv))
        }
        (Value::Array(pa), Value::Array(sa)) => {
            if pa.len() != sa.len() {
                let count = |a: &Vec<Value>| json!(format!("{} items", a.len()));
                return diff(path, &count(pa), &count(sa));
            }
            pa.iter()
                .zip(sa)
                .enumerate()
                .find_map(|(i, (pv, sv))| json_diff(&format!("{path}[{i}]"), key, pv, sv))
        }
        _ => match volatile::kind(key, p) {
            // Same kind is enough: a token, an id or a time is never the same twice.
            Some(kind) if crate::fixtures::kind_ok(kind, s).unwrap_or(false) => None,
            _ if p == s => None,
            _ => diff(path, p, s),
        },
    }
}

/// `path.key`, or `path["odd key"]`.
fn child(path: &str, key: &str) -> String {
    let plain = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !key.is_empty();
    match plain {
        true => format!("{path}.{key}"),
        false => format!("{path}[{}]", json!(key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer<'_> {
        Answer {
            status,
            media: "application/json".into(),
            body: body.as_bytes(),
        }
    }

    #[test]
    fn tokens_ids_and_times_compare_by_kind_and_everything_else_exactly() {
        let p = r#"{"ret":0,"rid":"70a26ec0-66e2-11ee-8c99-0242ac120002","token":{"access_token":"debc454e1f2a4c0f9a8b7c6d5e4f3a2b"},"intime":"20240101120000"}"#;
        let s = r#"{"ret":0,"rid":"11111111-2222-1333-8444-555555555555","token":{"access_token":"0123456789abcdef0123456789abcdef"},"intime":"20250202130101"}"#;
        assert_eq!(compare(&answer(200, p), &answer(200, s)), None);
        let d = compare(
            &answer(200, r#"{"ret":0,"num":1}"#),
            &answer(200, r#"{"ret":0,"num":2}"#),
        )
        .unwrap();
        assert_eq!(
            (d.path.as_str(), d.primary, d.shadow),
            ("$.num", json!(1), json!(2))
        );
        let d = compare(
            &answer(200, r#"{"code":"200"}"#),
            &answer(200, r#"{"code":200}"#),
        )
        .unwrap();
        assert_eq!(d.path, "$.code", "a value's type is compared");
        let d = compare(&answer(200, r#"{"a":1}"#), &answer(200, r#"{"a":1,"b":2}"#)).unwrap();
        assert_eq!((d.path.as_str(), d.shadow), ("$.b", json!(2)));
        let d = compare(&answer(200, "{}"), &answer(401, "{}")).unwrap();
        assert_eq!(d.path, "status");
        let d = compare(
            &answer(200, r#"{"rid":"70a26ec0-66e2-11ee-8c99-0242ac120002"}"#),
            &answer(200, r#"{"rid":"nope"}"#),
        )
        .unwrap();
        assert_eq!(d.path, "$.rid", "a token of another kind differs");
    }
}
