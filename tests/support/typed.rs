//! Harness for tests/typed.rs (HelpAged, the `typed` dialect).
//!
//! * [`Server`]: a real in-process server over a fresh temporary database, with a small
//!   raw-TCP HTTP/1.1 client (so that malformed requests, missing headers and oversized
//!   bodies can be sent exactly as written).
//! * [`Direct`]: the typed decoder, the handlers and the typed encoder driven without HTTP
//!   over a context with a [`ManualClock`], for expiry tests.

#![allow(dead_code)] // each test uses a different part of the harness

use md5::Digest;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard::app::App;
use switchboard::auth::jwt::JwtKeys;
use switchboard::auth::passwords::Passwords;
use switchboard::config::Config;
use switchboard::ctx::{Ctx, Ids, ManualClock, RandomIds};
use switchboard::dialect::{typed, Reply, Step, Wire};
use switchboard::registry::{Registry, RestMatch};
use switchboard::sender::OutboxSender;
use switchboard::server::Running;
use switchboard::store::{accounts, codes, Store};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

/// The password helper-made accounts use (the document's sample).
pub const PASS: &str = "wlc570Q0";

/// The content type of every typed JSON answer (the original's, kept by default).
pub const HTML: &str = "text/html; charset=utf-8";

/// The longest any single exchange may take before the test fails instead of hanging.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A typed request body with `id` 1.
pub fn body(type_: &str, subtype: &str, data: Value) -> Value {
    json!({"id": 1, "type": type_, "subtype": subtype, "data": data})
}

/// Lowercase hex MD5, as HelpAged clients compute their hashes.
pub fn md5_hex(text: &str) -> String {
    hex::encode(md5::Md5::digest(text.as_bytes()))
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

/// The envelope's keys, in order.
pub fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// One HTTP answer.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Resp {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics with the body when it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// A server on 127.0.0.1 over its own temporary database.
pub struct Server {
    /// The running server (`running.app.ctx` reaches the store and config).
    pub running: Running,
    /// Where it listens.
    pub addr: SocketAddr,
    _dir: TempDir,
}

impl Server {
    /// Starts a server with the cheap test configuration.
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = Config::for_tests(dir.path().join("typed.db"));
        let app = tokio::task::spawn_blocking(move || App::open(config))
            .await
            .expect("App::open panicked")
            .expect("App::open failed");
        let running = Running::start(app).await.expect("server start");
        let addr = running
            .base_url
            .trim_start_matches("http://")
            .parse()
            .expect("base_url is host:port");
        Server {
            running,
            addr,
            _dir: dir,
        }
    }

    /// The store behind the server.
    pub fn store(&self) -> &Store {
        &self.running.app.ctx.store
    }

    /// Sends one request exactly as given (plus `Host`, `Connection: close` and
    /// `Content-Length`) and reads the answer, tolerating a server that answers before it
    /// has read the whole body and then closes.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        exchange(self.addr, bytes).await
    }

    /// POSTs a JSON body with `Content-Type: application/json`; returns the raw answer.
    pub async fn post_resp(&self, path: &str, body: &Value) -> Resp {
        let json = [("Content-Type", "application/json")];
        self.send("POST", path, &json, body.to_string().into_bytes())
            .await
    }

    /// POSTs a JSON body; asserts HTTP 200 with the typed content type; returns the envelope.
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let r = self.post_resp(path, body).await;
        assert_eq!(r.status, 200, "POST {path} {body}: {r:?}");
        assert_eq!(r.header("content-type"), Some(HTML), "POST {path}");
        r.json()
    }

    /// GETs a path with extra headers.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.send("GET", path, headers, Vec::new()).await
    }

    /// GETs a typed JSON route; asserts HTTP 200; returns the envelope.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path, &[]).await;
        assert_eq!(r.status, 200, "GET {path}: {r:?}");
        r.json()
    }

    /// Asserts that the server still answers `GET /healthz` with 200.
    pub async fn assert_healthy(&self) {
        let r = self.get("/healthz", &[]).await;
        assert_eq!(r.status, 200, "healthz after a bad request: {r:?}");
        assert_eq!(r.json(), json!({"status": "ok"}));
    }

    /// Every outbox entry for a phone, in queue order.
    pub fn outbox(&self, phone: &str) -> Vec<codes::OutboxEntry> {
        self.store()
            .read(|c| codes::outbox(c, Some(phone)))
            .expect("outbox read")
    }

    /// The newest code queued for a phone.
    #[track_caller]
    pub fn latest_code(&self, phone: &str) -> String {
        self.outbox(phone)
            .last()
            .unwrap_or_else(|| panic!("no code was queued for {phone}"))
            .code
            .clone()
    }

    /// Requests an SMS code (`command_type` 1 register, 2 reset) and returns
    /// `MD5(code + rand)`.
    pub async fn sms_hash(&self, phone: &str, command_type: i64) -> String {
        let v = self
            .post(
                "/api/captcha",
                &body(
                    "sms",
                    "generate",
                    json!({"phone": phone, "command_type": command_type}),
                ),
            )
            .await;
        let v = ok(v);
        let rand = v["data"]["rand"].as_str().expect("rand").to_string();
        md5_hex(&format!("{}{rand}", self.latest_code(phone)))
    }

    /// Registers `phone` with [`PASS`] through HelpAged (SMS code, hash, register).
    pub async fn register(&self, phone: &str) {
        let hash = self.sms_hash(phone, 1).await;
        let data = json!({"phone": phone, "hash": hash, "pass": PASS});
        ok(self
            .post("/api/user/register", &body("register", "phone", data))
            .await);
    }

    /// Registers `phone` with `password` through PhoneBooks (op 1001, no code needed).
    pub async fn register_phonebooks(&self, phone: &str, password: &str) {
        let v = self
            .phonebooks(json!({"op": 1001, "phone": phone, "password": password}))
            .await;
        assert_eq!(v["ret"], 0, "op 1001: {v}");
    }

    /// A PhoneBooks request to `POST /phonebooks`, optionally with `Authorization: JWT …`.
    pub async fn phonebooks_auth(&self, body: Value, jwt: Option<&str>) -> Value {
        let auth = jwt.map(|t| format!("JWT {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        let r = self
            .send(
                "POST",
                "/phonebooks",
                &headers,
                body.to_string().into_bytes(),
            )
            .await;
        r.json()
    }

    /// A PhoneBooks request to `POST /phonebooks`.
    pub async fn phonebooks(&self, body: Value) -> Value {
        self.phonebooks_auth(body, None).await
    }

    /// Logs in through HelpAged; returns the envelope.
    pub async fn login_raw(&self, phone: &str, password: &str, enduring: Value) -> Value {
        let data = json!({"phone": phone, "pass": password, "enduring": enduring});
        self.post("/api/user/login", &body("login", "pass", data))
            .await
    }

    /// Logs in through HelpAged (not enduring); returns the token.
    pub async fn login(&self, phone: &str, password: &str) -> String {
        let v = ok(self.login_raw(phone, password, json!(0)).await);
        token_of(&v)
    }

    /// Registers (PhoneBooks, [`PASS`]) and logs in through HelpAged; returns the token.
    pub async fn account(&self, phone: &str) -> String {
        self.register_phonebooks(phone, PASS).await;
        self.login(phone, PASS).await
    }

    /// `GET /api/user/doki?token=…`.
    pub async fn doki(&self, token: &str) -> Value {
        self.get_json(&format!("/api/user/doki?token={token}"))
            .await
    }

    /// `GET /api/user/info?token=…`.
    pub async fn info(&self, token: &str) -> Value {
        self.get_json(&format!("/api/user/info?token={token}"))
            .await
    }

    /// Sets an account's level directly in the store (what `switchboard user set-level` does).
    pub fn set_level(&self, phone: &str, level: i64) {
        let done = self
            .store()
            .write(|tx| accounts::set_level(tx, phone, level))
            .expect("set_level");
        assert!(done, "no account {phone}");
    }

    /// The account row of a phone, if any.
    pub fn account_row(&self, phone: &str) -> Option<switchboard::domain::Account> {
        self.store()
            .read(|c| accounts::by_phone(c, phone))
            .expect("account read")
            .map(|(a, _)| a)
    }

    /// How many tokens (any dialect) an account holds.
    pub fn token_count(&self, account_pk: i64) -> i64 {
        self.store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COUNT(*) FROM tokens WHERE account_pk = ?1",
                    [account_pk],
                    |r| r.get(0),
                )?)
            })
            .expect("token count")
    }
}

/// The `data.token` of a login answer.
#[track_caller]
pub fn token_of(v: &Value) -> String {
    v["data"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {v}"))
        .to_string()
}

/// Writes `request` while reading the answer; stops at a complete answer, at EOF or at a
/// reset (a server may answer 413 and close before the body is sent).
async fn exchange(addr: SocketAddr, request: Vec<u8>) -> Resp {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
        let _ = wr.flush().await;
        wr // keep the write half open until the reader is done
    });
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if parse(&buf).is_some_and(|(_, complete)| complete) {
                        break;
                    }
                }
            }
        }
        buf
    };
    let buf = tokio::time::timeout(TIMEOUT, read)
        .await
        .expect("no answer within the timeout");
    writer.abort();
    match parse(&buf) {
        Some((resp, true)) => resp,
        _ => panic!(
            "incomplete HTTP answer: {:?}",
            String::from_utf8_lossy(&buf[..buf.len().min(500)])
        ),
    }
}

/// Parses an HTTP/1.1 answer; the flag says whether its whole body (by Content-Length) is in.
fn parse(buf: &[u8]) -> Option<(Resp, bool)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &buf[end + 4..];
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let complete = length.is_some_and(|n| rest.len() >= n);
    let body = match length {
        Some(n) => rest[..rest.len().min(n)].to_vec(),
        None => rest.to_vec(),
    };
    Some((
        Resp {
            status,
            headers,
            body,
        },
        complete,
    ))
}

// ---------------------------------------------------------------------------------------------
// Direct (manual clock)
// ---------------------------------------------------------------------------------------------

/// Random ids, except that every image captcha draws the code [`CAPTCHA_CODE`] (so that a
/// test can compute the hash a person reading the picture would send).
struct KnownCaptchaIds(RandomIds);

/// The code every captcha of a [`Direct`] context shows.
pub const CAPTCHA_CODE: &str = "ACDEF";

impl Ids for KnownCaptchaIds {
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

/// The typed dialect over a context whose clock moves only when told to.
pub struct Direct {
    /// The handler context.
    pub ctx: Ctx,
    /// Its clock.
    pub clock: Arc<ManualClock>,
    registry: Registry,
    _dir: TempDir,
}

impl Direct {
    /// A fresh database, the test configuration, and a clock stopped at 2017-05-11.
    pub fn new() -> Direct {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = Config::for_tests(dir.path().join("direct.db"));
        let store = Store::open(&config.db, 2).expect("store");
        let clock = Arc::new(ManualClock::new(
            chrono::DateTime::from_timestamp(1_494_492_617, 0).expect("a valid time"),
        ));
        let ctx = Ctx {
            sender: Arc::new(OutboxSender::new(store.clone())),
            store,
            clock: clock.clone(),
            ids: Arc::new(KnownCaptchaIds(RandomIds::new())),
            jwt: JwtKeys::new(b"typed test secret", config.jwt_lifetime_secs),
            passwords: Passwords::new(&config).expect("hasher"),
            config: Arc::new(config),
        };
        Direct {
            ctx,
            clock,
            registry: Registry::builtin().expect("registry"),
            _dir: dir,
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, secs: i64) {
        self.clock.advance(chrono::Duration::seconds(secs));
    }

    fn run(&self, step: Step) -> Value {
        let reply: Reply = match step {
            Step::Reply(r) => r,
            Step::Execute { request, encoder } => {
                encoder(switchboard::handlers::execute(&self.ctx, *request))
            }
        };
        serde_json::from_slice(&reply.body).expect("a JSON envelope")
    }

    /// A POST of `body` to `path` with an optional `?token=`.
    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Value {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        let query = token.map(|t| format!("token={t}"));
        let wire = Wire {
            method: &http::Method::POST,
            path,
            query: query.as_deref(),
            headers: &headers,
        };
        let opts = typed::Options::new(false);
        self.run(typed::handle(&self.registry, &wire, Some(body), opts))
    }

    /// A GET of a typed route with an optional `?token=`.
    pub fn get(&self, path: &str, token: Option<&str>) -> Value {
        let headers = http::HeaderMap::new();
        let query = token.map(|t| format!("token={t}"));
        let wire = Wire {
            method: &http::Method::GET,
            path,
            query: query.as_deref(),
            headers: &headers,
        };
        let RestMatch::Found(route, params) = self.registry.rest("GET", path) else {
            panic!("no GET route {path}");
        };
        let step = typed::handle_get(route, &wire, &params, typed::Options::new(false));
        self.run(step)
    }

    /// `GET /api/user/doki?token=…`.
    pub fn doki(&self, token: &str) -> Value {
        self.get("/api/user/doki", Some(token))
    }

    /// The newest code queued for a phone.
    #[track_caller]
    pub fn latest_code(&self, phone: &str) -> String {
        let out = self
            .ctx
            .store
            .read(|c| codes::outbox(c, Some(phone)))
            .expect("outbox");
        out.last()
            .unwrap_or_else(|| panic!("no code for {phone}"))
            .code
            .clone()
    }

    /// Requests an SMS code; returns `MD5(code + rand)`.
    #[track_caller]
    pub fn sms_hash(&self, phone: &str, command_type: i64) -> String {
        let data = json!({"phone": phone, "command_type": command_type});
        let v = ok(self.post("/api/captcha", None, &body("sms", "generate", data)));
        let rand = v["data"]["rand"].as_str().expect("rand");
        md5_hex(&format!("{}{rand}", self.latest_code(phone)))
    }

    /// Registers with `hash`; returns the envelope.
    pub fn register_with(&self, phone: &str, hash: &str) -> Value {
        let data = json!({"phone": phone, "hash": hash, "pass": PASS});
        self.post("/api/user/register", None, &body("register", "phone", data))
    }

    /// Resets the password with `hash`; returns the envelope.
    pub fn forget_with(&self, phone: &str, hash: &str, password: &str) -> Value {
        let data = json!({"phone": phone, "hash": hash, "pass": password});
        self.post(
            "/api/user/password",
            None,
            &body("password", "forget", data),
        )
    }

    /// Checks an SMS hash (`sms`/`validate`); returns the envelope.
    pub fn validate(&self, kind: &str, hash: &str) -> Value {
        let data = json!({"hash": hash});
        self.post("/api/captcha", None, &body(kind, "validate", data))
    }

    /// Registers `phone` with [`PASS`] (SMS code, hash, register).
    #[track_caller]
    pub fn register(&self, phone: &str) {
        let hash = self.sms_hash(phone, 1);
        ok(self.register_with(phone, &hash));
    }

    /// Logs in; returns the token.
    #[track_caller]
    pub fn login(&self, phone: &str, enduring: Value) -> String {
        let data = json!({"phone": phone, "pass": PASS, "enduring": enduring});
        let v = ok(self.post("/api/user/login", None, &body("login", "pass", data)));
        token_of(&v)
    }
}
