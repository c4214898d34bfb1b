//! HelpAged (the `typed` dialect) on a [`Server`]: `s.typed()` posts envelopes and opens
//! accounts and tokens; [`KnownCaptcha`] lets a test read the image captcha it was sent.

use super::checks::md5_hex;
use super::{Resp, Server};
use serde_json::{json, Value};
use switchboard::ctx::{Ids, RandomIds};
use uuid::Uuid;

/// The password helper-made accounts use (the document's sample).
pub const PASS: &str = "wlc570Q0";

/// The content type of every typed JSON answer (the original's, kept by default).
pub const HTML: &str = "text/html; charset=utf-8";

/// The code every image captcha shows on a server started with [`KnownCaptcha`].
pub const CAPTCHA_CODE: &str = "ACDEF";

/// Random ids, except that every image captcha draws [`CAPTCHA_CODE`] (so that a test can
/// compute the hash a person reading the picture would send).
pub struct KnownCaptcha(RandomIds);

impl KnownCaptcha {
    /// The id source for `Server::builder().ids(..)`.
    pub fn ids() -> std::sync::Arc<dyn Ids> {
        std::sync::Arc::new(KnownCaptcha(RandomIds::new()))
    }
}

impl Ids for KnownCaptcha {
    fn uuid(&self) -> Uuid {
        self.0.uuid()
    }
    fn hex32(&self) -> String {
        self.0.hex32()
    }
    fn digits(&self, n: usize) -> String {
        self.0.digits(n)
    }
    fn text(&self, alphabet: &str, n: usize) -> String {
        if alphabet == switchboard::media::CAPTCHA_ALPHABET {
            CAPTCHA_CODE.chars().cycle().take(n).collect()
        } else {
            self.0.text(alphabet, n)
        }
    }
}

/// A typed request body with `id` 1.
pub fn body(type_: &str, subtype: &str, data: Value) -> Value {
    json!({"id": 1, "type": type_, "subtype": subtype, "data": data})
}

/// Asserts a typed envelope's `status` (with the whole answer in the message).
#[track_caller]
pub fn assert_status(v: &Value, status: i64) {
    assert_eq!(v["status"], status, "unexpected answer {v}");
}

/// Asserts `status` 0 and returns the answer.
#[track_caller]
pub fn ok(v: Value) -> Value {
    assert_status(&v, 0);
    v
}

/// The `data.token` of a login answer.
#[track_caller]
pub fn token_of(v: &Value) -> String {
    v["data"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {v}"))
        .to_string()
}

/// HelpAged requests on a server.
pub struct Typed<'a>(&'a Server);

impl Server {
    /// HelpAged requests on this server.
    pub fn typed(&self) -> Typed<'_> {
        Typed(self)
    }
}

impl Typed<'_> {
    /// POSTs a JSON body with `Content-Type: application/json`; returns the raw answer.
    pub async fn post_resp(&self, path: &str, body: &Value) -> Resp {
        self.0.json("POST", path, &[], body.clone()).await
    }

    /// POSTs a JSON body; asserts HTTP 200 with the typed content type; returns the envelope.
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let r = self.post_resp(path, body).await;
        assert_eq!(r.status, 200, "POST {path} {body}: {r:?}");
        assert_eq!(r.header("content-type"), Some(HTML), "POST {path}");
        r.json()
    }

    /// GETs a typed JSON route; asserts HTTP 200; returns the envelope.
    pub async fn get(&self, path: &str) -> Value {
        let r = self.0.get(path).await;
        assert_eq!(r.status, 200, "GET {path}: {r:?}");
        r.json()
    }

    /// Requests an SMS code (`command_type` 1 register, 2 reset); returns `MD5(code + rand)`.
    pub async fn sms_hash(&self, phone: &str, command_type: i64) -> String {
        let data = json!({"phone": phone, "command_type": command_type});
        let v = ok(self
            .post("/api/captcha", &body("sms", "generate", data))
            .await);
        let rand = v["data"]["rand"].as_str().expect("rand");
        md5_hex(&format!("{}{rand}", self.0.code_for(phone)))
    }

    /// Registers `phone` with [`PASS`] and `hash`; returns the envelope.
    pub async fn register_with(&self, phone: &str, hash: &str) -> Value {
        let data = json!({"phone": phone, "hash": hash, "pass": PASS});
        self.post("/api/user/register", &body("register", "phone", data))
            .await
    }

    /// Registers `phone` with [`PASS`] through HelpAged (SMS code, hash, register).
    pub async fn register(&self, phone: &str) {
        let hash = self.sms_hash(phone, 1).await;
        ok(self.register_with(phone, &hash).await);
    }

    /// Resets the password with `hash`; returns the envelope.
    pub async fn forget_with(&self, phone: &str, hash: &str, password: &str) -> Value {
        let data = json!({"phone": phone, "hash": hash, "pass": password});
        self.post("/api/user/password", &body("password", "forget", data))
            .await
    }

    /// Checks a hash (`sms` or `img`, subtype `validate`); returns the envelope.
    pub async fn validate(&self, kind: &str, hash: &str) -> Value {
        let data = json!({"hash": hash});
        self.post("/api/captcha", &body(kind, "validate", data))
            .await
    }

    /// Asks an image captcha of a server started with [`KnownCaptcha`]; returns the hash a
    /// person reading it would send.
    pub async fn captcha_hash(&self) -> String {
        let v = ok(self
            .post("/api/captcha", &body("img", "generate", json!({})))
            .await);
        let rand = v["data"]["rand"].as_str().expect("rand").to_string();
        assert_eq!(rand.chars().count(), 5, "rand is 5 characters: {v}");
        md5_hex(&format!("{}{rand}", CAPTCHA_CODE.to_lowercase()))
    }

    /// Logs in; returns the envelope.
    pub async fn login_raw(&self, phone: &str, password: &str, enduring: Value) -> Value {
        let data = json!({"phone": phone, "pass": password, "enduring": enduring});
        self.post("/api/user/login", &body("login", "pass", data))
            .await
    }

    /// Logs in (not enduring); returns the token.
    pub async fn login(&self, phone: &str, password: &str) -> String {
        self.login_enduring(phone, password, json!(0)).await
    }

    /// Logs in with this `enduring` value; returns the token.
    pub async fn login_enduring(&self, phone: &str, password: &str, enduring: Value) -> String {
        token_of(&ok(self.login_raw(phone, password, enduring).await))
    }

    /// Registers (PhoneBooks, [`PASS`]) and logs in through HelpAged; returns the token.
    pub async fn account(&self, phone: &str) -> String {
        self.0.pb().register_bare(phone, PASS).await;
        self.login(phone, PASS).await
    }

    /// [`Self::account`], raised to level 9 (the default administrator level); returns the
    /// token.
    pub async fn admin(&self, phone: &str) -> String {
        let token = self.account(phone).await;
        self.0.set_level(phone, 9);
        token
    }

    /// `info`/`update` of `data` with `token` at `/api/user/info`; returns the answer.
    pub async fn update_info(&self, token: &str, data: Value) -> Value {
        self.at("/api/user/info", token)
            .send("info", "update", data)
            .await
    }

    /// `GET /api/user/doki?token=…`.
    pub async fn doki(&self, token: &str) -> Value {
        self.get(&format!("/api/user/doki?token={token}")).await
    }

    /// `GET /api/user/info?token=…`.
    pub async fn info(&self, token: &str) -> Value {
        self.get(&format!("/api/user/info?token={token}")).await
    }
}

/// A server on a clock stopped at 2017-05-11 that moves only when told, whose image captchas
/// all show [`CAPTCHA_CODE`].
pub async fn on_manual_clock() -> Server {
    let start = chrono::DateTime::from_timestamp(1_494_492_617, 0).expect("a valid time");
    Server::builder()
        .manual_clock_at(start)
        .ids(KnownCaptcha::ids())
        .start()
        .await
}

/// A 1×1 PNG, base64.
pub const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

pub fn png_bytes() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .expect("valid base64")
}

/// One typed path with a token: `POST path?token=…`.
pub struct Endpoint<'a> {
    typed: Typed<'a>,
    /// The path and its query.
    target: String,
}

impl<'a> Typed<'a> {
    /// The typed path `path` with `?token=<token>`.
    pub fn at(&self, path: &str, token: &str) -> Endpoint<'a> {
        Endpoint {
            typed: Typed(self.0),
            target: format!("{path}?token={token}"),
        }
    }
}

impl Endpoint<'_> {
    /// POSTs the envelope `type_`/`subtype` with `data` (id 1); returns the answer.
    pub async fn send(&self, type_: &str, subtype: &str, data: Value) -> Value {
        self.post(&body(type_, subtype, data)).await
    }

    /// POSTs `envelope` as it is; returns the answer.
    pub async fn post(&self, envelope: &Value) -> Value {
        self.typed.post(&self.target, envelope).await
    }
}
