//! PhoneBooks op 1011 (export the caller's whole book), end to end over HTTP against an
//! in-process server on a fresh database. Self-contained: its tiny helper below is all it
//! uses, so the file can be folded into another test layout as it is.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::time::Duration;
use switchboard::app::App;
use switchboard::config::Config;
use switchboard::server::Running;
use tempfile::TempDir;
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------------
// Tiny helper: a server over a fresh database, and `POST /phonebooks`.
// ---------------------------------------------------------------------------------------------

/// A server running in this process over its own temporary database.
struct Server {
    running: Running,
    utc_offset_minutes: i32,
    _dir: TempDir,
}

/// An answer: HTTP status and JSON body.
struct Answer {
    status: u16,
    body: Value,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_tests(dir.path().join("op1011.db"));
        let utc_offset_minutes = config.utc_offset_minutes;
        let app = tokio::task::spawn_blocking(move || App::open(config))
            .await
            .unwrap()
            .unwrap();
        Server {
            running: Running::start(app).await.unwrap(),
            utc_offset_minutes,
            _dir: dir,
        }
    }

    /// `POST /phonebooks` with `body` and, when given, `Authorization: <authorization>`.
    async fn post(&self, body: Value, authorization: Option<&str>) -> Answer {
        let addr = self.running.base_url.trim_start_matches("http://");
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let mut req = http::Request::post("/phonebooks")
            .header("host", addr)
            .header("content-type", "application/json");
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        let req = req.body(Full::new(Bytes::from(body.to_string()))).unwrap();
        let exchange = async {
            let resp = sender.send_request(req).await.unwrap();
            let status = resp.status().as_u16();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            Answer {
                status,
                body: serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}")),
            }
        };
        tokio::time::timeout(Duration::from_secs(15), exchange)
            .await
            .expect("the server answered within 15 s")
    }

    /// `post` with `Authorization: JWT <token>`; the answer must be HTTP 200 with `ret` 0.
    async fn ok(&self, body: Value, token: &str) -> Value {
        let a = self.post(body, Some(&format!("JWT {token}"))).await;
        assert_eq!((a.status, &a.body["ret"]), (200, &json!(0)), "{}", a.body);
        a.body
    }

    /// Registers `phone` and logs in: the account's `rid` and a JWT.
    async fn account(&self, phone: &str) -> (String, String) {
        let reg = json!({"op": 1001, "phone": phone, "password": "123456"});
        assert_eq!(self.post(reg, None).await.body["ret"], 0);
        let login = json!({"op": 1003, "phone": phone, "password": "123456"});
        let a = self.post(login, None).await;
        let rid = a.body["rid"].as_str().unwrap().to_string();
        let token = a.body["token"]["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        (rid, token)
    }

    /// Adds contacts (1005); answers their uids.
    async fn add(&self, token: &str, users: Value) -> Vec<String> {
        let a = self.ok(json!({"op": 1005, "users": users}), token).await;
        uids(&a)
    }

    /// The export time a stamp taken now would carry, in the server's local offset.
    fn stamp_now(&self) -> String {
        let offset = chrono::FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap();
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        chrono::DateTime::from_timestamp(secs as i64, 0)
            .unwrap()
            .with_timezone(&offset)
            .format("%Y%m%d%H%M%S")
            .to_string()
    }
}

/// The uids of an answer's `users`, in answer order.
fn uids(answer: &Value) -> Vec<String> {
    answer["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["uid"].as_str().unwrap().to_string())
        .collect()
}

/// The top-level keys of an answer, in wire order.
fn keys(answer: &Value) -> Vec<&str> {
    answer
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_what_1009_lists_plus_count_and_exported_at_after_rid() {
    let s = Server::start().await;
    let (rid, token) = s.account("13000000001").await;
    s.add(
        &token,
        json!([
            {"name": "a", "phones": [{"phone": "13503768800"}], "mails": [{"mail": "1@qq.com"}]},
            {"name": "刘可", "phones": [{"phone": "135012345678"}, {"phone": "13503768801"}]},
        ]),
    )
    .await;
    s.add(
        &token,
        json!([{"name": "c", "mails": [{"mail": "88@qq.com"}]}]),
    )
    .await;
    let before = s.stamp_now();

    let listed = s.ok(json!({"op": 1009}), &token).await;
    let exported = s.ok(json!({"op": 1011, "rid": rid}), &token).await;

    let after = s.stamp_now();
    assert_eq!(
        keys(&exported),
        ["msg", "rid", "count", "exported_at", "users", "ret"]
    );
    assert_eq!(exported["count"], json!(3));
    let at = exported["exported_at"].as_str().unwrap();
    assert!(
        at.len() == 14 && at.bytes().all(|b| b.is_ascii_digit()),
        "exported_at {at:?} is not a 14-digit stamp"
    );
    assert!(
        before.as_str() <= at && at <= after.as_str(),
        "exported_at {at} is not the local time of the export ({before}..{after})"
    );
    let mut without_header = exported.clone();
    let header = without_header.as_object_mut().unwrap();
    header.shift_remove("count");
    header.shift_remove("exported_at");
    assert_eq!(without_header, listed, "the export is 1009's answer");
    assert_eq!(
        serde_json::to_string(&without_header).unwrap(),
        serde_json::to_string(&listed).unwrap(),
        "in 1009's key order, contacts in 1009's order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_book_is_never_in_the_export() {
    let s = Server::start().await;
    let (rid_a, token_a) = s.account("13000000001").await;
    let (rid_b, token_b) = s.account("13000000002").await;
    let mine = s
        .add(
            &token_a,
            json!([{"name": "mine", "phones": [{"phone": "13000000101"}]}]),
        )
        .await;
    let theirs = s
        .add(
            &token_b,
            json!([
                {"name": "theirs 1", "phones": [{"phone": "13000000201"}]},
                {"name": "theirs 2", "mails": [{"mail": "b@qq.com"}]},
            ]),
        )
        .await;

    let a = s.ok(json!({"op": 1011}), &token_a).await;
    let b = s.ok(json!({"op": 1011}), &token_b).await;

    assert_eq!((a["rid"].as_str(), &a["count"]), (Some(&*rid_a), &json!(1)));
    assert_eq!(uids(&a), mine);
    assert_eq!((b["rid"].as_str(), &b["count"]), (Some(&*rid_b), &json!(2)));
    let mut got = uids(&b);
    got.sort();
    let mut want = theirs.clone();
    want.sort();
    assert_eq!(got, want);
    let text = a.to_string();
    for (uid, fragment) in [(&theirs[0], "13000000201"), (&theirs[1], "b@qq.com")] {
        assert!(
            !text.contains(uid.as_str()) && !text.contains(fragment),
            "{text}"
        );
    }
    // Naming the other account's book does not reach it either.
    let claim = s
        .post(
            json!({"op": 1011, "rid": rid_b}),
            Some(&format!("JWT {token_a}")),
        )
        .await;
    assert_eq!(
        (claim.status, claim.body),
        (
            200,
            json!({"ret": -1, "msg": "token does not belong to this account"})
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_authorization_the_export_is_http_401_with_the_envelope() {
    let s = Server::start().await;
    let (rid, token) = s.account("13000000001").await;
    s.add(&token, json!([{"name": "a"}])).await;

    let bare = s.post(json!({"op": 1011, "rid": rid}), None).await;
    let wrong = s.post(json!({"op": 1011}), Some("JWT not-a-token")).await;

    assert_eq!(
        (bare.status, bare.body),
        (
            401,
            json!({"ret": -1, "msg": "missing Authorization header"})
        )
    );
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.body["ret"], -1);
    assert!(wrong.body.get("users").is_none(), "{}", wrong.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_book_exports_count_0_and_an_empty_list() {
    let s = Server::start().await;
    let (rid, token) = s.account("13000000001").await;

    let exported = s.ok(json!({"op": 1011}), &token).await;

    assert_eq!(exported["rid"], json!(rid));
    assert_eq!(exported["count"], json!(0));
    assert_eq!(exported["users"], json!([]));
    assert_eq!(
        keys(&exported),
        ["msg", "rid", "count", "exported_at", "users", "ret"]
    );
}
