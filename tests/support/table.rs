//! Bad-input tables: each case one request, written in a line, and the answer it must get.

use super::{Resp, Server};
use serde_json::Value;

/// One request of a table and the answer it must get.
pub struct Case {
    /// What the case is, for failure messages.
    pub what: &'static str,
    pub method: &'static str,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The HTTP status it must get.
    pub status: u16,
    /// The envelope's `code` it must get.
    pub code: Value,
    /// The envelope's message it must get (whole or its start, as the table says).
    pub msg: &'static str,
}

/// A case: `method target`, no header, no body, expecting 200.
pub fn case(what: &'static str, method: &'static str, target: impl Into<String>) -> Case {
    Case {
        what,
        method,
        target: target.into(),
        headers: Vec::new(),
        body: Vec::new(),
        status: 200,
        code: Value::Null,
        msg: "",
    }
}

impl Case {
    /// Sends `body` with `Content-Type: application/json`.
    pub fn json(self, body: impl AsRef<[u8]>) -> Case {
        self.header("Content-Type", "application/json").body(body)
    }

    /// Sends `body` with `Content-Type: application/x-www-form-urlencoded`.
    pub fn form(self, body: impl AsRef<[u8]>) -> Case {
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    }

    /// Sends `body` (with whatever headers the case has).
    pub fn body(mut self, body: impl AsRef<[u8]>) -> Case {
        self.body = body.as_ref().to_vec();
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Case {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds headers.
    pub fn headers(self, headers: &[(&str, &str)]) -> Case {
        headers.iter().fold(self, |c, (k, v)| c.header(k, v))
    }

    /// Expects HTTP `status` and the envelope code `code`.
    pub fn answers(mut self, status: u16, code: impl Into<Value>) -> Case {
        self.status = status;
        self.code = code.into();
        self
    }

    /// Expects the message `msg`.
    pub fn says(mut self, msg: &'static str) -> Case {
        self.msg = msg;
        self
    }

    /// Asserts that `r` has the case's HTTP status and envelope code.
    #[track_caller]
    pub fn assert_code(&self, r: &Resp) {
        let want = (self.status, self.code.clone());
        assert_eq!((r.status, r.code()), want, "{}: {r:?}", self.what);
    }

    /// When the case expects `generic` (the one text for an unreadable body), asserts that the
    /// message is exactly that: the detail goes to the log, not the wire.
    #[track_caller]
    pub fn assert_no_detail(&self, r: &Resp, generic: &str) {
        if self.msg == generic {
            let why = "the detail goes to the log, not the wire";
            assert_eq!(r.msg(), self.msg, "{}: {why}", self.what);
        }
    }

    /// Sends the case's request to `s`.
    pub async fn send(&self, s: &Server) -> Resp {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        s.send(self.method, &self.target, &headers, &self.body)
            .await
    }
}

/// Sends every case to `s`, checks each answer with `check` and its content type, then
/// asserts that the server is still healthy.
pub async fn run(s: &Server, cases: &[Case], content_type: &str, check: impl Fn(&Case, &Resp)) {
    for c in cases {
        let r = c.send(s).await;
        check(c, &r);
        assert_eq!(r.header("content-type"), Some(content_type), "{}", c.what);
    }
    s.healthy().await;
}
