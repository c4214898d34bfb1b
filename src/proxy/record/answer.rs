//! A recorded answer as a fixture step's `response` — status, content type, and the body
//! with each value that cannot repeat captured at its first appearance (`{{name:kind}}`) and
//! expected as captured after it (`{{name}}`) — and the sessions written to their files, then
//! retired from memory once idle.

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
                // A long text (token, UUID) is unique: expected as captured wherever it shows
                // again. A short one (rooms' pk "3") may mean another thing next time: captured
                // afresh, and the newest capture is what a request's "3" stands for. A number
                // (an expiry time) is never expected equal to an earlier one: two expiries equal
                // when recorded may fall a second apart when replayed.
                let long = text.len() >= 8;
                let same = |c: &&Capture| long && v.is_string() && c.value == *v;
                if let Some(cap) = self.values.get(&text).filter(same) {
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

    /// Drops from memory every session written and idle for `idle`: its steps, and the
    /// accounts, tokens and values that tied requests to it. Its file stays as written; a
    /// later request of the same account starts a session of its own, and one using a token
    /// the retired session captured is written `.incomplete` (its login is in the older
    /// file). So a day of recording holds only the sessions still active, not the day.
    pub fn retire_idle(&mut self, idle: std::time::Duration) {
        let mut retired = Vec::new();
        for (i, s) in self.sessions.iter_mut().enumerate() {
            let idle_long = s.last_seen.is_some_and(|t| t.elapsed() >= idle);
            if !s.gone && !s.retired && !s.dirty && s.file.is_some() && idle_long {
                s.steps = Vec::new();
                s.retired = true;
                retired.push(i);
            }
        }
        if retired.is_empty() {
            return;
        }
        self.values.retain(|_, c| !retired.contains(&c.session));
        self.keys.retain(|_, s| !retired.contains(s));
        tracing::debug!(sessions = retired.len(), "idle recorded sessions retired");
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    /// A PhoneBooks exchange on connection `conn`: `request` answered with `answer`.
    fn exchange(id: u64, conn: u64, request: Value, answer: Value) -> Exchange {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            "application/json".parse().unwrap(),
        );
        Exchange {
            id,
            conn,
            client: std::net::Ipv4Addr::LOCALHOST.into(),
            at: std::time::SystemTime::now(),
            method: http::Method::POST,
            uri: "/".parse().unwrap(),
            request_headers: headers.clone(),
            request_body: request.to_string().into(),
            status: 200,
            response_headers: headers,
            response_body: answer.to_string().into(),
            truncated: false,
        }
    }

    #[test]
    fn an_idle_written_session_leaves_memory_and_its_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Arc::new(crate::app::registry().unwrap());
        let mut book = Book::new(dir.path().to_path_buf(), registry, false);
        let login = json!({"op": 1003, "phone": "13000000501", "password": "123456"});
        let token = json!({"ret": 0, "msg": "ok", "token": {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.abcdefgh"}});
        book.add(exchange(1, 1, login.clone(), token));
        // Not written yet: nothing is retired, however long it has been idle.
        book.retire_idle(Duration::ZERO);
        assert!(!book.sessions[0].retired);
        book.flush(true);
        book.retire_idle(Duration::from_secs(600));
        assert!(!book.sessions[0].retired, "idle for less than the limit");
        book.retire_idle(Duration::ZERO);
        assert!(book.sessions[0].retired);
        assert!(book.sessions[0].steps.is_empty());
        assert!(book.values.is_empty() && book.keys.is_empty());
        // The same account again: a session (and a file) of its own, the first one kept.
        let again = json!({"ret": 0, "msg": "ok", "token": {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.ijklmnop"}});
        book.add(exchange(2, 2, login, again));
        book.flush(true);
        assert_eq!(book.sessions.len(), 2);
        assert_eq!(book.report().files, 2);
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 2);
    }
}
