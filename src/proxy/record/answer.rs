//! A recorded answer as a fixture step's `response` — status, content type, and the body
//! with each value that cannot repeat captured at its first appearance (`{{name:kind}}`) and
//! expected as captured after it (`{{name}}`) — and the sessions written to their files.

use super::book::{Book, Capture};
use crate::proxy::volatile;
use crate::proxy::Exchange;
use serde_json::{json, Map, Value};

/// Sessions of more steps than this are rewritten at most every [`LONG_EVERY`].
const LONG_SESSION: usize = 500;

/// How often a long session's file is rewritten.
const LONG_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Answers longer than this that are not JSON are not checked byte for byte.
const TEXT_CHECKED: usize = 64 * 1024;

impl Book {
    /// The fixture `response` of an exchange's answer, capturing into `session`, and the
    /// other sessions whose captured values it shows.
    pub(super) fn expectation(&mut self, session: usize, ex: &Exchange) -> (Value, Vec<usize>) {
        let mut shown = Vec::new();
        let mut resp = Map::new();
        resp.insert("status".into(), json!(ex.status));
        let content_type = ex.response_headers.get(http::header::CONTENT_TYPE);
        if let Some(ct) = content_type.and_then(|v| v.to_str().ok()) {
            resp.insert("headers".into(), json!({"content-type": ct}));
        }
        let body = &ex.response_body;
        if ex.truncated {
            // Too long to keep: the status and content type are checked.
        } else if body.is_empty() {
            resp.insert("body_empty".into(), json!(true));
        } else if let Ok(v) = serde_json::from_slice::<Value>(body) {
            let expected = self.expect_json(session, None, &v, &mut shown);
            resp.insert("body".into(), expected);
        } else if let (Ok(text), true) = (std::str::from_utf8(body), body.len() <= TEXT_CHECKED) {
            resp.insert("body_text".into(), json!(text));
        }
        (Value::Object(resp), shown)
    }

    fn expect_json(
        &mut self,
        session: usize,
        key: Option<&str>,
        v: &Value,
        shown: &mut Vec<usize>,
    ) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.expect_json(session, Some(k), x, shown)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| self.expect_json(session, key, x, shown))
                    .collect(),
            ),
            Value::String(s) if s.starts_with("{{") => {
                // A literal placeholder would be read as one: expect any string there.
                json!(format!("{{{{{}:string}}}}", self.name("literal")))
            }
            _ => {
                let redacted = match (v, self.redactor.as_ref()) {
                    (Value::String(s), Some(r)) => r.answer(s).map(|n| json!(n)),
                    _ => None,
                };
                if let Some(r) = redacted {
                    return r;
                }
                let (Some(kind), Some(text)) = (volatile::kind(key, v), volatile::text(v)) else {
                    return v.clone();
                };
                // A long value (token, UUID, time) is unique: expected as captured wherever it
                // shows again. A short one (rooms' pk "3") may mean another thing next time:
                // captured afresh, and the newest capture is what a request's "3" stands for.
                let long = text.len() >= 8;
                if let Some(cap) = self.values.get(&text).filter(|c| long && c.value == *v) {
                    if cap.session != session {
                        shown.push(cap.session);
                    }
                    return json!(format!("{{{{{}}}}}", cap.name));
                }
                let name = self.name(key.unwrap_or("value"));
                let capture = Capture {
                    session,
                    name: name.clone(),
                    value: v.clone(),
                };
                match long {
                    true => {
                        self.values.entry(text).or_insert(capture);
                    }
                    false => {
                        self.values.insert(text, capture);
                    }
                }
                json!(format!("{{{{{name}:{kind}}}}}"))
            }
        }
    }

    /// Writes every session changed since the last flush (whole, through a temporary file);
    /// one of more than [`LONG_SESSION`] steps at most every [`LONG_EVERY`] unless `all`, so
    /// that rewriting long files never costs more than the traffic they hold.
    pub fn flush(&mut self, all: bool) {
        let out = self.out.clone();
        let due = |s: &super::book::Session| {
            all || s.steps.len() <= LONG_SESSION
                || s.written.is_none_or(|w| w.elapsed() >= LONG_EVERY)
        };
        for s in self
            .sessions
            .iter_mut()
            .filter(|s| s.dirty && !s.gone && due(s))
        {
            let suffix = if s.incomplete {
                ".json.incomplete"
            } else {
                ".json"
            };
            let path = out.join(format!("{:06}_{}_{}{suffix}", s.first, s.dialect, s.label));
            if let Some(old) = s.file.as_ref().filter(|f| **f != path) {
                let _ = std::fs::remove_file(old);
            }
            let steps: Vec<&Value> = s.steps.iter().map(|(_, _, v)| v).collect();
            let exchanges = s
                .steps
                .iter()
                .filter(|(_, _, v)| v.get("request").is_some())
                .count();
            let fixture = json!({
                "name": format!("recorded session {} ({}, {}): {exchanges} exchanges", s.first, s.dialect, s.label),
                "steps": steps,
            });
            let tmp = path.with_extension("tmp");
            let text = serde_json::to_string_pretty(&fixture).unwrap_or_default();
            let written = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path));
            match written {
                Ok(()) => {
                    s.file = Some(path);
                    s.dirty = false;
                    s.written = Some(std::time::Instant::now());
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot write a recorded session")
                }
            }
        }
    }

    /// The counts so far, with the files as written.
    pub fn report(&self) -> super::Report {
        let live = self.sessions.iter().filter(|s| !s.gone && s.file.is_some());
        let (mut files, mut incomplete) = (0, 0);
        for s in live {
            if s.incomplete {
                incomplete += 1;
            } else {
                files += 1;
            }
        }
        super::Report {
            files,
            incomplete,
            ..self.report.clone()
        }
    }
}
