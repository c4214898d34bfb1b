//! INEWW (the `ineww` dialect): each hole of the original server that CONTRACT.md closes,
//! proved over a real in-process server, plus a bad-input table answered with the envelope.

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use switchboard::app::App;
use switchboard::config::Config;
use switchboard::ctx::{Clock, Ctx, ManualClock, SystemClock};
use switchboard::server::Running;
use switchboard::store::{accounts, codes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PASSWORD: &str = "123456";
const NOBODY: &str = "f111e64389db4d10933408a436d87bd5";

/// A server over a fresh database; `clock` replaces the system clock when given.
struct Server {
    running: Running,
    addr: String,
    _dir: tempfile::TempDir,
}

/// An answer: status, content type and body.
#[derive(Debug)]
struct Resp {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

/// A logged-in INEWW user.
struct User {
    uid: String,
    token: String,
    refresh: String,
}

impl User {
    fn headers(&self) -> Vec<(&str, String)> {
        vec![
            ("USER-ID", self.uid.clone()),
            ("ACCESS-TOKEN", self.token.clone()),
        ]
    }
}

impl Server {
    async fn start() -> Server {
        Server::start_with(None).await
    }

    async fn start_with(clock: Option<Arc<ManualClock>>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_tests(dir.path().join("db"));
        let mut app = tokio::task::spawn_blocking(move || App::open(config).unwrap())
            .await
            .unwrap();
        if let Some(clock) = clock {
            let ctx = Arc::try_unwrap(app.ctx)
                .ok()
                .expect("the context is not shared yet");
            app = App {
                ctx: Arc::new(Ctx { clock, ..ctx }),
                registry: app.registry,
            };
        }
        let running = Running::start(app).await.unwrap();
        let addr = running.base_url.trim_start_matches("http://").to_string();
        Server {
            running,
            addr,
            _dir: dir,
        }
    }

    /// Sends raw request bytes and reads the answer until the server closes.
    async fn raw(&self, bytes: Vec<u8>) -> Resp {
        let stream = TcpStream::connect(&self.addr).await.unwrap();
        let (mut rd, mut wr) = stream.into_split();
        let writer = tokio::spawn(async move {
            // The server may answer (413) and close before it has read everything.
            let _ = wr.write_all(&bytes).await;
            wr
        });
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(15), rd.read_to_end(&mut got)).await;
        writer.abort();
        assert!(read.is_ok(), "no complete answer within 15 s");
        parse(&got)
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
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
        bytes.extend_from_slice(body);
        self.raw(bytes).await
    }

    async fn json(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Value,
    ) -> Resp {
        let mut headers = headers.to_vec();
        headers.push(("Content-Type", "application/json".into()));
        self.send(method, path, &headers, body.to_string().as_bytes())
            .await
    }

    /// The newest code the server queued for `phone`.
    fn code_for(&self, phone: &str) -> String {
        let store = &self.running.app.ctx.store;
        let sent = store.read(|c| codes::outbox(c, Some(phone))).unwrap();
        sent.last().expect("a code was queued").code.clone()
    }

    /// Registers through INEWW (code, then register) and answers the logged-in user.
    async fn register(&self, phone: &str) -> User {
        let r = self
            .json("POST", "/ineww/code/phone", &[], json!({"phone": phone}))
            .await;
        assert_eq!(r.status, 204, "{r:?}");
        let body = json!({"username": "小王子", "phone": phone, "pwd": PASSWORD,
                          "code": self.code_for(phone), "agree": 1});
        let r = self.json("POST", "/ineww/user", &[], body).await;
        assert_eq!((r.status, r.code()), (200, "201001".into()), "{r:?}");
        user(&r)
    }

    async fn login(&self, phone: &str, password: &str) -> Resp {
        let body = json!({"account": phone, "password": password});
        self.json("POST", "/ineww/session", &[], body).await
    }

    async fn me(&self, headers: &[(&str, String)]) -> Resp {
        self.send("GET", "/ineww/session", headers, b"").await
    }

    async fn healthy(&self) {
        let r = self.send("GET", "/healthz", &[], b"").await;
        assert_eq!(r.status, 200);
    }
}

fn user(r: &Resp) -> User {
    let v = r.json();
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap().to_string();
    User {
        uid: s("/data/user/uid"),
        token: s("/data/token/access_token"),
        refresh: s("/data/token/refresh_token"),
    }
}

/// Splits a raw HTTP/1.1 answer (Content-Length framed, or none).
fn parse(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut content_type = None;
    let mut len = None;
    for line in lines {
        let (k, v) = line.split_once(':').unwrap();
        match k.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(v.trim().to_string()),
            "content-length" => len = v.trim().parse::<usize>().ok(),
            _ => {}
        }
    }
    let rest = &raw[end + 4..];
    let body = rest[..len.unwrap_or(rest.len()).min(rest.len())].to_vec();
    Resp {
        status,
        content_type,
        body,
    }
}

fn assert_401004(r: &Resp) {
    assert_eq!((r.status, r.code()), (401, "401004".into()), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// Token value, owner, kind and expiry are checked (the original compared none of them)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_random_token_is_refused_with_401004() {
    let s = Server::start().await;
    let me = s.register("18511521001").await;
    let forged = vec![
        ("USER-ID", me.uid.clone()),
        ("ACCESS-TOKEN", NOBODY.to_string()),
    ];
    assert_401004(&s.me(&forged).await);
    let bearer = vec![("Authorization", format!("Bearer {NOBODY}"))];
    assert_401004(&s.me(&bearer).await);
    assert_eq!(s.me(&me.headers()).await.status, 200);
}

#[tokio::test]
async fn another_users_token_with_your_user_id_is_refused_with_401004() {
    let s = Server::start().await;
    let me = s.register("18511521002").await;
    let them = s.register("18511521003").await;
    let mixed = vec![
        ("USER-ID", me.uid.clone()),
        ("ACCESS-TOKEN", them.token.clone()),
    ];
    assert_401004(&s.me(&mixed).await);
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let s = Server::start().await;
    let me = s.register("18511521004").await;
    let refresh = vec![
        ("USER-ID", me.uid.clone()),
        ("ACCESS-TOKEN", me.refresh.clone()),
    ];
    assert_401004(&s.me(&refresh).await);
}

#[tokio::test]
async fn an_access_token_expires_after_thirty_days_on_the_servers_clock() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let s = Server::start_with(Some(clock.clone())).await;
    let me = s.register("18511521005").await;
    clock.advance(chrono::Duration::seconds(2_592_000 - 1));
    assert_eq!(s.me(&me.headers()).await.status, 200);
    clock.advance(chrono::Duration::seconds(1));
    assert_401004(&s.me(&me.headers()).await);
    // A fresh login works again.
    let r = s.login("18511521005", PASSWORD).await;
    assert_eq!(s.me(&user(&r).headers()).await.status, 200);
}

#[tokio::test]
async fn an_access_token_whose_expiry_passed_in_the_store_is_refused() {
    let s = Server::start().await;
    let me = s.register("18511521006").await;
    let past = SystemClock.now().timestamp() - 1;
    s.running
        .app
        .ctx
        .store
        .write(|tx| {
            let sql = "UPDATE tokens SET expires_at = ?1 WHERE kind = 'ineww_access'";
            Ok(tx.execute(sql, [past])?)
        })
        .unwrap();
    assert_401004(&s.me(&me.headers()).await);
}

#[tokio::test]
async fn a_logged_out_pair_is_gone_and_an_account_keeps_ten_pairs() {
    let s = Server::start().await;
    let first = s.register("18511521007").await;
    let mut pairs = Vec::new();
    for _ in 0..10 {
        pairs.push(user(&s.login("18511521007", PASSWORD).await));
    }
    assert_401004(&s.me(&first.headers()).await);
    for p in &pairs {
        assert_eq!(s.me(&p.headers()).await.status, 200);
    }
    let r = s
        .send("DELETE", "/ineww/session", &pairs[0].headers(), b"")
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_401004(&s.me(&pairs[0].headers()).await);
}

// ---------------------------------------------------------------------------------------------
// Another user's detail is refused before it is looked up
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn another_users_detail_is_403001_known_or_not_and_an_admin_sees_it() {
    let s = Server::start().await;
    let me = s.register("18511521010").await;
    let them = s.register("18511521011").await;
    for uid in [them.uid.as_str(), NOBODY, "not-a-uid"] {
        let r = s
            .send("GET", &format!("/ineww/user/{uid}"), &me.headers(), b"")
            .await;
        assert_eq!((r.status, r.code()), (403, "403001".into()), "{uid}: {r:?}");
    }
    let own = s
        .send(
            "GET",
            &format!("/ineww/user/{}", me.uid),
            &me.headers(),
            b"",
        )
        .await;
    assert_eq!(own.json()["data"]["balance"], "0.00");

    let store = &s.running.app.ctx.store;
    store
        .write(|tx| accounts::set_level(tx, "18511521010", 9))
        .unwrap();
    let r = s
        .send(
            "GET",
            &format!("/ineww/user/{}", them.uid),
            &me.headers(),
            b"",
        )
        .await;
    assert_eq!(
        (r.status, r.json()["data"]["phone"].clone()),
        (200, json!("18511521011"))
    );
    let r = s
        .send("GET", &format!("/ineww/user/{NOBODY}"), &me.headers(), b"")
        .await;
    assert_eq!((r.status, r.code()), (404, "404001".into()));
}

// ---------------------------------------------------------------------------------------------
// One account for every dialect
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_password_change_revokes_phonebooks_jwts_and_helpaged_tokens_of_the_account() {
    let s = Server::start().await;
    let me = s.register("18511521020").await;
    let r = s
        .json(
            "POST",
            "/phonebooks",
            &[],
            json!({"op": 1003, "phone": "18511521020", "password": PASSWORD}),
        )
        .await;
    let jwt = r.json()["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let login = json!({"id": 1, "type": "login", "subtype": "pass",
                       "data": {"phone": "18511521020", "pass": PASSWORD}});
    let r = s.json("POST", "/api/user/login", &[], login).await;
    let typed = r.json()["data"]["token"].as_str().unwrap().to_string();
    let info = format!("/api/user/info?token={typed}");
    assert_eq!(phonebook(&s, &jwt).await.json()["ret"], 0);
    assert_eq!(s.send("GET", &info, &[], b"").await.json()["status"], 0);

    let change = json!({"re_pwd": PASSWORD, "pwd": "654321"});
    let r = s
        .json("PUT", "/ineww/user/pwd", &me.headers(), change)
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0));

    let r = phonebook(&s, &jwt).await.json();
    assert_eq!(r["ret"], -1, "{r}");
    assert_ne!(s.send("GET", &info, &[], b"").await.json()["status"], 0);
    assert_401004(&s.me(&me.headers()).await);
    assert_eq!(s.login("18511521020", "654321").await.status, 200);
}

/// PhoneBooks op 1009 (list contacts) with a JWT.
async fn phonebook(s: &Server, jwt: &str) -> Resp {
    let headers = vec![("Authorization", format!("JWT {jwt}"))];
    s.json("POST", "/phonebooks", &headers, json!({"op": 1009}))
        .await
}

#[tokio::test]
async fn an_account_registered_through_phonebooks_logs_in_through_ineww() {
    let s = Server::start().await;
    let body = json!({"op": 1001, "phone": "18511521030", "password": "secret7",
                      "name": "刘可", "email": "liu@example.com"});
    let r = s.json("POST", "/phonebooks", &[], body).await;
    let rid = r.json()["rid"].as_str().unwrap().replace('-', "");

    let r = s.login("18511521030", "secret7").await;
    assert_eq!((r.status, r.code()), (200, "200001".into()), "{r:?}");
    assert_eq!(
        r.json()["data"]["user"],
        json!({"username": "刘可", "uid": rid, "gender": 2, "phone": "18511521030",
               "avatar": "", "signature": "", "balance": "0"})
    );
    let me = user(&r);
    let page = s.me(&me.headers()).await;
    assert_eq!(page.json()["data"]["balance"], "0.00");
}

// ---------------------------------------------------------------------------------------------
// Bad input: every case answered with the INEWW envelope, the server healthy after
// ---------------------------------------------------------------------------------------------

/// name, method, path, headers, body → expected HTTP status and code.
type BadCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Vec<(&'a str, String)>,
    Vec<u8>,
    u16,
    &'a str,
);

#[tokio::test]
async fn bad_input_is_answered_with_the_envelope_and_the_right_code() {
    let s = Server::start().await;
    let me = s.register("18511521040").await;
    let form = vec![(
        "Content-Type",
        "application/x-www-form-urlencoded".to_string(),
    )];
    let json_ct = vec![("Content-Type", "application/json".to_string())];
    let cases: Vec<BadCase> = vec![
        (
            "not JSON",
            "POST",
            "/ineww/session",
            json_ct.clone(),
            b"{nope".to_vec(),
            400,
            "400010",
        ),
        (
            "a form body",
            "POST",
            "/ineww/session",
            form.clone(),
            b"account=1&password=2".to_vec(),
            400,
            "400010",
        ),
        (
            "an array",
            "POST",
            "/ineww/session",
            json_ct.clone(),
            b"[1,2]".to_vec(),
            400,
            "400010",
        ),
        (
            "a string",
            "POST",
            "/ineww/session",
            json_ct.clone(),
            b"\"x\"".to_vec(),
            400,
            "400010",
        ),
        (
            "null",
            "POST",
            "/ineww/user",
            json_ct.clone(),
            b"null".to_vec(),
            400,
            "400010",
        ),
        (
            "invalid UTF-8",
            "POST",
            "/ineww/session",
            json_ct.clone(),
            b"{\"account\":\"\xff\"}".to_vec(),
            400,
            "400010",
        ),
        (
            "wrong types",
            "POST",
            "/ineww/session",
            json_ct.clone(),
            br#"{"account":true,"password":{}}"#.to_vec(),
            422,
            "422001",
        ),
        (
            "missing fields",
            "POST",
            "/ineww/user",
            json_ct.clone(),
            b"{}".to_vec(),
            422,
            "422001",
        ),
        (
            "an empty body",
            "POST",
            "/ineww/session",
            vec![],
            vec![],
            422,
            "422001",
        ),
        (
            "unknown path",
            "GET",
            "/ineww/nothing/here",
            vec![],
            vec![],
            404,
            "404000",
        ),
        (
            "the bare prefix",
            "POST",
            "/ineww",
            vec![],
            vec![],
            404,
            "404000",
        ),
        (
            "wrong method",
            "PATCH",
            "/ineww/session",
            vec![],
            vec![],
            405,
            "405001",
        ),
        (
            "wrong method on a literal path",
            "GET",
            "/ineww/user/pwd",
            me.headers(),
            vec![],
            405,
            "405001",
        ),
        (
            "bad percent-encoding",
            "GET",
            "/ineww/user/phone?phone=%E4%ZZ%",
            vec![],
            vec![],
            422,
            "422001",
        ),
        (
            "no token",
            "GET",
            "/ineww/session",
            vec![],
            vec![],
            401,
            "401001",
        ),
        (
            "a non-Bearer Authorization",
            "GET",
            "/ineww/session",
            vec![("Authorization", "Basic eDp5".into())],
            vec![],
            401,
            "401004",
        ),
    ];
    for (name, method, path, headers, body, status, code) in cases {
        let r = s.send(method, path, &headers, &body).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code.to_string()),
            "{name}: {r:?}"
        );
        assert_eq!(
            r.content_type.as_deref(),
            Some("text/html; charset=utf-8"),
            "{name}"
        );
    }
    let r = s
        .json(
            "POST",
            "/ineww/session",
            &[],
            json!({"account": null, "password": 5}),
        )
        .await;
    assert_eq!(
        r.json()["data"],
        json!([{"field": "account", "code": "invalid"}])
    );
    s.healthy().await;
}

#[tokio::test]
async fn a_nine_mib_body_is_413001_declared_or_chunked() {
    let s = Server::start().await;
    let big = vec![b' '; 9 * 1024 * 1024];
    let json_ct = vec![("Content-Type", "application/json".to_string())];
    let r = s.send("POST", "/ineww/session", &json_ct, &big).await;
    assert_eq!((r.status, r.code()), (413, "413001".into()), "{r:?}");

    let mut bytes = format!(
        "POST /ineww/user HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        s.addr
    )
    .into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(9 * 16) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    let r = s.raw(bytes).await;
    assert_eq!((r.status, r.code()), (413, "413001".into()), "{r:?}");
    s.healthy().await;
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_429001_and_nothing_is_sent() {
    let s = Server::start().await;
    let r = s
        .send(
            "POST",
            "/ineww/code/phone",
            &[("Content-Type", "application/x-www-form-urlencoded".into())],
            b"phone=18511521050",
        )
        .await;
    assert_eq!(r.status, 204);
    let first = s.code_for("18511521050");
    assert_eq!(first.len(), 4);
    let r = s
        .json(
            "POST",
            "/ineww/code/phone",
            &[],
            json!({"phone": 18511521050u64}),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "429001".into()));
    let store = &s.running.app.ctx.store;
    let sent = store
        .read(|c| codes::outbox(c, Some("18511521050")))
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].purpose, "ineww");
}
