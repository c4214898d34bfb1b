//! What the shadow server calls by another name: its own tokens, ids and salts for the
//! primary's, learnt by walking both answers to one request side by side, so that a mirrored
//! request carries the shadow's token where the client sent the primary's.

use crate::proxy::volatile;
use serde_json::Value;
use std::collections::HashMap;

/// Entries kept at most; past that the mapping starts afresh.
const MAX_ENTRIES: usize = 200_000;

/// Primary value → shadow value.
#[derive(Debug, Default)]
pub struct Mapping {
    /// Values of 8 characters or more (tokens, UUIDs): replaced wherever they appear.
    long: HashMap<String, String>,
    /// Shorter ones (rooms' `pk`): replaced as whole path segments only.
    short: HashMap<String, String>,
}

impl Mapping {
    /// Learns from two answers to one request: at each volatile place both fill, the
    /// primary's value stands for the shadow's.
    pub fn learn(&mut self, key: Option<&str>, p: &Value, s: &Value) {
        match (p, s) {
            (Value::Object(pm), Value::Object(sm)) => {
                for (k, pv) in pm {
                    if let Some(sv) = sm.get(k) {
                        self.learn(Some(k), pv, sv);
                    }
                }
            }
            (Value::Array(pa), Value::Array(sa)) => {
                pa.iter()
                    .zip(sa)
                    .for_each(|(pv, sv)| self.learn(key, pv, sv));
            }
            _ => {
                let (Some(_), Some(pt), Some(st)) =
                    (volatile::kind(key, p), volatile::text(p), volatile::text(s))
                else {
                    return;
                };
                if pt == st {
                    return;
                }
                if self.long.len() + self.short.len() >= MAX_ENTRIES {
                    tracing::warn!("shadow mapping full: starting afresh");
                    *self = Mapping::default();
                }
                match pt.len() >= 8 {
                    true => self.long.insert(pt, st),
                    false => self.short.insert(pt, st),
                };
            }
        }
    }

    /// `text` with every mapped long value (a run of letters, digits, `.`, `-`, `_`) replaced.
    pub fn text(&self, text: &str) -> String {
        if self.long.is_empty() {
            return text.to_string();
        }
        let token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let (mut out, mut run) = (String::with_capacity(text.len()), String::new());
        for c in text.chars().chain(std::iter::once('\0')) {
            if token(c) {
                run.push(c);
                continue;
            }
            out.push_str(self.long.get(&run).unwrap_or(&run));
            run.clear();
            if c != '\0' {
                out.push(c);
            }
        }
        out
    }

    /// A path and query with long values replaced, and short ones as whole path segments.
    pub fn target(&self, target: &str) -> String {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        let segments: Vec<String> = path
            .split('/')
            .map(|seg| {
                self.short
                    .get(seg)
                    .cloned()
                    .unwrap_or_else(|| self.text(seg))
            })
            .collect();
        let path = segments.join("/");
        match query {
            Some(q) => format!("{path}?{}", self.text(q)),
            None => path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_primarys_tokens_and_ids_are_replaced_by_the_shadows() {
        let mut m = Mapping::default();
        let p = json!({"token": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "pk": "3", "ret": 0});
        let s = json!({"token": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "pk": "5", "ret": 0});
        m.learn(None, &p, &s);
        let auth = m.text("Token aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(auth, "Token bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        let target = m.target("/rooms/3/?token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&page=3");
        assert_eq!(
            target,
            "/rooms/5/?token=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&page=3"
        );
    }
}
