//! Test harness: an in-process server over a fresh temporary database, a tiny HTTP/1.1 client
//! over hyper, a raw-TCP client for malformed requests, and a launcher for the real binary.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::app::App;
use switchboard::config::Config;
use switchboard::server::Running;
use switchboard::store::Store;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The password every helper-registered account uses.
pub const PASSWORD: &str = "123456";

/// How long any single request may take before the test fails instead of hanging.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A contact uid that exists nowhere (a well-formed UUID v1, as the document shows).
pub const UNKNOWN_UID: &str = "6796a5c0-3627-11e7-95ab-3010b3c7bffa";

// ---------------------------------------------------------------------------------------------
// In-process server
// ---------------------------------------------------------------------------------------------

/// A server running in this process over its own temporary database.
pub struct TestApp {
    /// The running server (`running.app.ctx.store` reaches the database).
    pub running: Running,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The database file.
    pub db_path: PathBuf,
    /// Keeps the database directory alive for the test's lifetime.
    pub dir: TempDir,
}

/// Starts a server with the cheap test configuration over a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|c| c).await
}

/// Starts a server over a fresh database with a configuration adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(Config) -> Config) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = adjust(Config::for_tests(dir.path().join("switchboard.db")));
    spawn_app_in(dir, config).await
}

/// Starts a server with `config` (whose `db` lies in `dir`), e.g. to restart on the same file.
pub async fn spawn_app_in(dir: TempDir, config: Config) -> TestApp {
    let db_path = config.db.clone();
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
    TestApp {
        running,
        addr,
        db_path,
        dir,
    }
}

impl TestApp {
    /// The store behind the server.
    pub fn store(&self) -> &Store {
        &self.running.app.ctx.store
    }

    /// Stops the server gracefully; hands back the directory so the database can be reopened.
    pub async fn stop(self) -> (TempDir, PathBuf) {
        self.running.stop().await;
        (self.dir, self.db_path)
    }

    /// `POST /phonebooks` with a JSON body.
    pub async fn post(&self, body: Value) -> Resp {
        self.post_to("/phonebooks", body, None).await
    }

    /// `POST /phonebooks` with a JSON body and `Authorization: JWT <token>`.
    pub async fn post_auth(&self, body: Value, token: &str) -> Resp {
        let auth = format!("JWT {token}");
        self.post_to("/phonebooks", body, Some(&auth)).await
    }

    /// `POST <path>` with a JSON body and an optional raw `Authorization` value.
    pub async fn post_to(&self, path: &str, body: Value, authorization: Option<&str>) -> Resp {
        let mut headers = vec![("content-type", "application/json".to_string())];
        if let Some(a) = authorization {
            headers.push(("authorization", a.to_string()));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        request(
            self.addr,
            "POST",
            path,
            &headers,
            Bytes::from(body.to_string()),
        )
        .await
    }

    /// `POST /phonebooks` with arbitrary bytes and content type.
    pub async fn post_raw(&self, body: impl Into<Bytes>, content_type: &str) -> Resp {
        request(
            self.addr,
            "POST",
            "/phonebooks",
            &[("content-type", content_type)],
            body.into(),
        )
        .await
    }

    /// `GET <path>`.
    pub async fn get(&self, path: &str) -> Resp {
        request(self.addr, "GET", path, &[], Bytes::new()).await
    }

    /// Registers `phone` with [`PASSWORD`]; returns the account's `rid`.
    pub async fn register(&self, phone: &str) -> String {
        let v = self
            .post(
                json!({"op": 1001, "phone": phone, "email": format!("{phone}@163.com"),
                         "name": "zhangsan", "password": PASSWORD}),
            )
            .await
            .ok_json();
        v["rid"].as_str().expect("rid is a string").to_string()
    }

    /// Logs in; returns `(rid, token)`.
    pub async fn login(&self, phone: &str, password: &str) -> (String, String) {
        let v = self
            .post(json!({"op": 1003, "phone": phone, "password": password}))
            .await
            .ok_json();
        (
            v["rid"].as_str().expect("rid").to_string(),
            v["token"]["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
        )
    }

    /// Registers and logs in `phone`; returns `(rid, token)`.
    pub async fn account(&self, phone: &str) -> (String, String) {
        self.register(phone).await;
        self.login(phone, PASSWORD).await
    }

    /// Adds one contact named `name` with one phone and one mail; returns its uid.
    pub async fn add_contact(&self, token: &str, name: &str) -> String {
        self.add_contact_full(token, name, "13503768800", "1@qq.com")
            .await
            .uid
    }

    /// Adds one contact with one phone and one mail; returns its ids.
    pub async fn add_contact_full(
        &self,
        token: &str,
        name: &str,
        phone: &str,
        mail: &str,
    ) -> AddedContact {
        let v = self
            .post_auth(
                json!({"op": 1005, "users": [{"name": name, "phones": [{"phone": phone}],
                        "mails": [{"mail": mail}]}]}),
                token,
            )
            .await
            .ok_json();
        let u = &v["users"][0];
        AddedContact {
            uid: u["uid"].as_str().expect("uid").to_string(),
            pid: u["phones"][0]["pid"].as_str().expect("pid").to_string(),
            mid: u["mails"][0]["mid"].as_str().expect("mid").to_string(),
        }
    }

    /// The caller's whole book as 1009 answers it.
    pub async fn list(&self, token: &str) -> Value {
        self.post_auth(json!({"op": 1009}), token).await.ok_json()
    }

    /// The contacts with these uids as 1010 answers them (any answer).
    pub async fn get_contacts(&self, token: &str, uids: &[&str]) -> Resp {
        let users: Vec<Value> = uids.iter().map(|u| json!({"uid": u})).collect();
        self.post_auth(json!({"op": 1010, "users": users}), token)
            .await
    }

    /// The account's integer id, from the store.
    pub fn account_pk(&self, phone: &str) -> i64 {
        self.store()
            .read(|c| switchboard::store::accounts::by_phone(c, phone))
            .expect("store read")
            .expect("account exists")
            .0
            .pk
    }

    /// How many contacts the account's book holds, from the store.
    pub fn contact_count(&self, phone: &str) -> i64 {
        let pk = self.account_pk(phone);
        self.store()
            .read(|c| switchboard::store::contacts::count(c, pk))
            .expect("store read")
    }

    /// A single integer from a query on the store.
    pub fn query_i64(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> i64 {
        self.store()
            .read(|c| Ok(c.query_row(sql, params, |r| r.get(0))?))
            .expect("store query")
    }
}

/// The ids of a contact added by [`TestApp::add_contact_full`].
#[derive(Debug, Clone)]
pub struct AddedContact {
    /// Contact uid.
    pub uid: String,
    /// Its phone's pid.
    pub pid: String,
    /// Its mail's mid.
    pub mid: String,
}

// ---------------------------------------------------------------------------------------------
// HTTP client
// ---------------------------------------------------------------------------------------------

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl Resp {
    /// The body as JSON (panics with the body text when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): status {} body {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body of an HTTP 200 `ret: 0` answer.
    pub fn ok_json(&self) -> Value {
        let v = self.json();
        assert_eq!(self.status, 200, "expected HTTP 200, got {self:?}");
        assert_eq!(v["ret"], 0, "expected ret 0, got {v}");
        assert_eq!(v["msg"], "success", "{v}");
        v
    }

    /// Asserts the PhoneBooks failure envelope — exactly `{"ret":-1,"msg":<non-empty>}` —
    /// with `status`; returns the message.
    pub fn failure(&self, status: u16) -> String {
        let v = self.json();
        assert_eq!(
            self.status,
            status,
            "status; body {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.body.is_ascii(),
            "non-ASCII is escaped as \\uXXXX: {:?}",
            String::from_utf8_lossy(&self.body)
        );
        let obj = v.as_object().expect("envelope is an object");
        assert_eq!(keys(&v), ["ret", "msg"], "envelope keys: {v}");
        assert_eq!(obj["ret"], -1, "{v}");
        let msg = obj["msg"].as_str().expect("msg is a string").to_string();
        assert!(!msg.trim().is_empty(), "msg is empty: {v}");
        msg
    }
}

/// One request on a fresh connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Resp {
    let mut conn = Conn::connect(addr).await.expect("connect");
    conn.send(method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// A keep-alive HTTP/1.1 connection.
pub struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    /// Opens a connection to `addr`.
    pub async fn connect(addr: SocketAddr) -> Result<Conn, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            host: addr.to_string(),
        })
    }

    /// Sends one request and reads the whole answer (within [`REQUEST_TIMEOUT`]).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Resp, String> {
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
        let exchange = async {
            self.sender.ready().await.map_err(|e| e.to_string())?;
            let resp = self
                .sender
                .send_request(req)
                .await
                .map_err(|e| e.to_string())?;
            let (parts, body) = resp.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok::<_, String>(Resp {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no answer within {REQUEST_TIMEOUT:?}"))?
    }

    /// `POST /phonebooks` with a JSON body.
    pub async fn post(&mut self, body: &Value) -> Result<Resp, String> {
        self.send(
            "POST",
            "/phonebooks",
            &[("content-type", "application/json")],
            Bytes::from(body.to_string()),
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Raw TCP
// ---------------------------------------------------------------------------------------------

/// What came back on a raw connection.
#[derive(Debug)]
pub struct RawResp {
    /// Everything read before EOF, the timeout, or a complete response.
    pub bytes: Vec<u8>,
    /// True when the server closed the connection (or reset it).
    pub closed: bool,
}

impl RawResp {
    /// The status code of the first response, if one arrived.
    pub fn status(&self) -> Option<u16> {
        let text = String::from_utf8_lossy(&self.bytes);
        let line = text.lines().next()?;
        line.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    }

    /// The body of the first response (by Content-Length), if complete.
    pub fn body(&self) -> Option<&[u8]> {
        let (head, rest) = split_head(&self.bytes)?;
        let len = content_length(head)?;
        rest.get(..len)
    }

    /// The body of the first response as JSON.
    pub fn json(&self) -> Value {
        let body = self
            .body()
            .unwrap_or_else(|| panic!("no complete response: {:?}", self.text()));
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    /// Everything read, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

fn split_head(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let at = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..at]).ok()?;
    Some((head, &bytes[at + 4..]))
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())?
    })
}

fn complete(bytes: &[u8]) -> bool {
    split_head(bytes)
        .and_then(|(head, rest)| content_length(head).map(|n| rest.len() >= n))
        .unwrap_or(false)
}

/// Writes `bytes` on a fresh connection and reads the answer until it is complete, the server
/// closes, or `wait` passes. The write runs concurrently with the read, so an early answer to
/// a huge body is seen.
pub async fn raw(addr: SocketAddr, bytes: Vec<u8>, wait: Duration) -> RawResp {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&bytes).await;
        let _ = wr.flush().await;
        // Keep the write half open until the reader is done (dropping it would send FIN).
        wr
    });
    let out = read_answer(&mut rd, wait).await;
    writer.abort();
    out
}

/// Reads from `rd` until a complete response, EOF/reset, or `wait`.
pub async fn read_answer(rd: &mut (impl AsyncReadExt + Unpin), wait: Duration) -> RawResp {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if complete(&got) {
            return RawResp {
                bytes: got,
                closed: false,
            };
        }
        match tokio::time::timeout_at(deadline, rd.read(&mut buf)).await {
            Err(_) => {
                return RawResp {
                    bytes: got,
                    closed: false,
                }
            }
            Ok(Ok(0)) | Ok(Err(_)) => {
                return RawResp {
                    bytes: got,
                    closed: true,
                }
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JWTs and JSON
// ---------------------------------------------------------------------------------------------

/// Now in unix seconds.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// A JWT with `claims`, signed by `alg` with `secret`.
pub fn sign(alg: jsonwebtoken::Algorithm, secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

/// base64url without padding, as JWT segments are written.
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The claims of a JWT, read without verifying it.
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("JWT has a payload");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("payload is base64url");
    serde_json::from_slice(&raw).expect("payload is JSON")
}

/// An object's keys in wire order.
pub fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// Asserts a dashed, lowercase, version-1 UUID (as the original issued).
pub fn assert_uuid_v1(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("id is not a string: {v}"));
    let u = uuid::Uuid::parse_str(s).unwrap_or_else(|e| panic!("{s} is not a UUID: {e}"));
    assert_eq!(s, u.hyphenated().to_string(), "UUID not dashed lowercase");
    assert_eq!(u.get_version_num(), 1, "{s} is not a version-1 UUID");
}

/// Asserts a 14-digit `%Y%m%d%H%M%S` stamp within two minutes of now at UTC+8 (the configured
/// offset of the original deployment).
pub fn assert_intime(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("intime is not a string: {v}"));
    assert!(
        s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()),
        "intime {s:?} is not 14 digits"
    );
    let at = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
        .unwrap_or_else(|e| panic!("intime {s} is not a date: {e}"));
    let local_now = chrono::DateTime::from_timestamp(now_secs(), 0)
        .expect("now is representable")
        .naive_utc()
        + chrono::Duration::hours(8);
    let skew = (local_now - at).num_seconds().abs();
    assert!(skew < 120, "intime {s} is {skew}s away from now at UTC+8");
}

// ---------------------------------------------------------------------------------------------
// The real binary
// ---------------------------------------------------------------------------------------------

/// A `switchboard serve` child process.
pub struct Binary {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Binary {
    /// Starts `switchboard serve` on a free port over `db` with `config` written to a TOML file
    /// next to it, and waits until `/healthz` answers.
    pub async fn start(db: &Path, config_toml: &str) -> Binary {
        let dir = db.parent().expect("db has a parent directory");
        let config = dir.join(format!("config-{}.toml", free_port()));
        std::fs::write(&config, config_toml).expect("write config");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("serve")
            .arg("--addr")
            .arg(addr.to_string())
            .arg("--db")
            .arg(db)
            .arg("--config")
            .arg(&config)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn switchboard");
        let mut b = Binary { child, addr };
        b.wait_ready().await;
        b
    }

    async fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("switchboard exited at start-up: {status}");
            }
            if let Ok(mut c) = Conn::connect(self.addr).await {
                if let Ok(r) = c.send("GET", "/healthz", &[], Bytes::new()).await {
                    if r.status == 200 {
                        return;
                    }
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "switchboard did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit.
    pub async fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("switchboard did not exit within {limit:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("local addr")
        .port()
}
