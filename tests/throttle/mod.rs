//! The login throttle over HTTP: failed password checks counted per account across all five
//! dialects (lock, cooldown doubling, what lifts a lock, a restart), per client address (and
//! who may name that address), the bounded password-hash queue, and the request log of a
//! throttled login. Time moves only on a manual clock: no test waits for the wall clock.
//!
//! [`Dialect`] logs in the same way in each dialect and knows each one's exact answers: a
//! throttled login is the dialect's own login failure (PhoneBooks, HelpAged, v4), INEWW's
//! 429 `429001` or rooms' 429 FAIL; a login refused because the hash queue is full is the
//! dialect's busy or store-failure answer.

mod accounts;
mod hash_queue;
mod lifts;
mod log;
mod peers;

use crate::support::{Resp, Server};
use serde_json::{json, Value};

/// The phone of the account whose password is guessed.
pub const PHONE: &str = "13000000001";

/// Its password (the one `s.pb().register` sets).
pub const RIGHT: &str = crate::support::pb::PASSWORD;

/// A wrong password, well-formed in every dialect.
pub const WRONG: &str = "654321";

/// One login path per dialect, all by phone and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PhoneBooks 1003 at `/phonebooks`.
    PhoneBooks,
    /// HelpAged `login`/`pass` at `/api/user/login`.
    HelpAged,
    /// INEWW `POST /ineww/session`.
    Ineww,
    /// rooms `POST /login/`, by phone.
    Rooms,
    /// v4 `POST /api/v4.0/login` (a form).
    V4,
}

/// Every dialect, in a fixed order.
pub const DIALECTS: [Dialect; 5] = [
    Dialect::PhoneBooks,
    Dialect::HelpAged,
    Dialect::Ineww,
    Dialect::Rooms,
    Dialect::V4,
];

/// One login request: `POST path` with these headers and body.
pub struct LoginRequest {
    /// The path.
    pub path: &'static str,
    /// Content type, and `X-Forwarded-For` when a client address is played.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// An INEWW envelope as the dialect writes it: `{"code","data":{}}`, 4-space indented.
fn ineww_envelope(code: &str) -> String {
    format!("{{\n    \"code\": \"{code}\",\n    \"data\": {{}}\n}}")
}

impl Dialect {
    /// Logs `phone` in with `password` through this dialect; any answer. `from`, when given,
    /// is sent as `X-Forwarded-For` (believed from loopback under the default
    /// `trusted_proxies`, so a test can play several client addresses).
    pub async fn login(self, s: &Server, phone: &str, password: &str, from: Option<&str>) -> Resp {
        let req = self.request(phone, password, from);
        let headers: Vec<(&str, &str)> =
            req.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.send("POST", req.path, &headers, &req.body).await
    }

    /// The login request of this dialect (always a POST).
    pub fn request(self, phone: &str, password: &str, from: Option<&str>) -> LoginRequest {
        let json_body = |v: Value| (("Content-Type", "application/json"), v.to_string());
        let (path, (content_type, body)) = match self {
            Dialect::PhoneBooks => (
                "/phonebooks",
                json_body(json!({"op": 1003, "phone": phone, "password": password})),
            ),
            Dialect::HelpAged => (
                "/api/user/login",
                json_body(json!({"id": 1, "type": "login", "subtype": "pass",
                                 "data": {"phone": phone, "pass": password, "enduring": 0}})),
            ),
            Dialect::Ineww => (
                "/ineww/session",
                json_body(json!({"account": phone, "password": password})),
            ),
            Dialect::Rooms => (
                "/login/",
                json_body(json!({"username": phone, "password": password})),
            ),
            Dialect::V4 => {
                let form = form_urlencoded::Serializer::new(String::new())
                    .append_pair("phone", phone)
                    .append_pair("password", password)
                    .append_pair("device_identifier", "throttle-test-device")
                    .finish();
                (
                    "/api/v4.0/login",
                    (("Content-Type", crate::support::v4::FORM), form),
                )
            }
        };
        let mut headers = vec![(content_type.0, content_type.1.to_string())];
        if let Some(ip) = from {
            headers.push(("X-Forwarded-For", ip.to_string()));
        }
        LoginRequest {
            path,
            headers,
            body: body.into_bytes(),
        }
    }

    /// Whether `r` is this dialect's successful login (an answer carrying a token).
    pub fn accepted(self, r: &Resp) -> bool {
        if r.status != 200 {
            return false;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&r.body) else {
            return false;
        };
        let token = match self {
            Dialect::PhoneBooks if v["ret"] == 0 => &v["token"]["access_token"],
            Dialect::HelpAged if v["status"] == 0 => &v["data"]["token"],
            Dialect::Ineww if v["code"] == "200001" => &v["data"]["token"]["access_token"],
            Dialect::Rooms if v["code"] == "200" => &v["token"],
            Dialect::V4 if v["code"] == 200 => &v["data"]["token"],
            _ => return false,
        };
        token.as_str().is_some_and(|t| !t.is_empty())
    }

    /// The exact answer (HTTP status, body) to a throttled login: the dialect's own
    /// login-failure answer, except INEWW's 429 `429001` and rooms' 429 FAIL.
    pub fn throttled(self) -> (u16, String) {
        match self {
            Dialect::PhoneBooks => (200, r#"{"ret":-1,"msg":"phone or password error"}"#.into()),
            Dialect::HelpAged => (
                200,
                r#"{"id":1,"status":101,"message":"Error password","data":{}}"#.into(),
            ),
            Dialect::Ineww => (429, ineww_envelope("429001")),
            Dialect::Rooms => (
                429,
                r#"{"status":"FAIL","code":"429","msg":"too many failed attempts: try again later"}"#
                    .into(),
            ),
            // 手机号或密码错误, escaped as the dialect writes non-ASCII.
            Dialect::V4 => (
                200,
                r#"{"code":-1,"data":"","msg":"\u624b\u673a\u53f7\u6216\u5bc6\u7801\u9519\u8bef"}"#
                    .into(),
            ),
        }
    }

    /// The exact answer (HTTP status, body) to a wrong password for a registered phone, checked:
    /// the same as [`Dialect::throttled`] except in INEWW and rooms.
    pub fn wrong_password(self) -> (u16, String) {
        match self {
            Dialect::PhoneBooks | Dialect::HelpAged | Dialect::V4 => self.throttled(),
            Dialect::Ineww => (401, ineww_envelope("401003")),
            Dialect::Rooms => (
                400,
                r#"{"status":"FAIL","code":"400","msg":"wrong username or password"}"#.into(),
            ),
        }
    }

    /// The exact answer (HTTP status, body) to a login refused because the password-hash
    /// queue is full: the dialect's busy (or store-failure) answer.
    pub fn busy(self) -> (u16, String) {
        match self {
            Dialect::PhoneBooks => (200, r#"{"ret":-1,"msg":"service unavailable"}"#.into()),
            Dialect::HelpAged => (
                200,
                r#"{"id":1,"status":-200,"message":"Failure to operate database","data":{}}"#
                    .into(),
            ),
            Dialect::Ineww => (503, ineww_envelope("503001")),
            Dialect::Rooms => (
                503,
                r#"{"status":"FAIL","code":"503","msg":"service unavailable"}"#.into(),
            ),
            // 服务暂时不可用, 请稍后再试
            Dialect::V4 => (
                503,
                r#"{"code":503,"data":"","msg":"\u670d\u52a1\u6682\u65f6\u4e0d\u53ef\u7528, \u8bf7\u7a0d\u540e\u518d\u8bd5"}"#
                    .into(),
            ),
        }
    }
}

/// Asserts that `r` is exactly `want` (status and body bytes), naming `what` on failure.
#[track_caller]
pub fn assert_answer(r: &Resp, want: (u16, String), what: &str) {
    let got = (r.status, String::from_utf8_lossy(&r.body).into_owned());
    assert_eq!(got, want, "{what}");
}

/// Asserts that `r` is `dialect`'s throttled login, byte for byte.
#[track_caller]
pub fn assert_throttled(dialect: Dialect, r: &Resp) {
    assert_answer(
        r,
        dialect.throttled(),
        &format!("{dialect:?}: a throttled login"),
    );
}

/// Asserts that `r` is `dialect`'s successful login.
#[track_caller]
pub fn assert_accepted(dialect: Dialect, r: &Resp) {
    assert!(
        dialect.accepted(r),
        "{dialect:?}: expected a successful login, got HTTP {} {}",
        r.status,
        r.text()
    );
}

/// A server on a manual clock with [`PHONE`] registered (through PhoneBooks, password
/// [`RIGHT`]).
pub async fn with_account() -> Server {
    let s = Server::builder().manual_clock().start().await;
    s.pb().register(PHONE).await;
    s
}

/// Fails [`PHONE`]'s password `n` times through INEWW from loopback, asserting each one is
/// checked and refused as a wrong password (401 `401003`), not throttled.
pub async fn fail_times(s: &Server, n: usize) {
    for i in 0..n {
        let r = Dialect::Ineww.login(s, PHONE, WRONG, None).await;
        assert_wrong_password_checked(&r, &format!("failure {} of {n}", i + 1));
    }
}

/// A server on a manual clock whose [`PHONE`] account has just been locked (five failures).
pub async fn locked_account() -> Server {
    let s = with_account().await;
    fail_times(&s, 5).await;
    s
}

/// Asserts that `r` is INEWW's answer to a wrong password that was checked (401 `401003`),
/// which a throttled login (429) is not.
#[track_caller]
pub fn assert_wrong_password_checked(r: &Resp, what: &str) {
    assert_answer(
        r,
        (401, ineww_envelope("401003")),
        &format!("{what}: a checked wrong password"),
    );
}
