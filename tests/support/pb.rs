//! PhoneBooks (the `opcode` dialect) on a [`Server`]: `s.pb()` posts to `/phonebooks`, opens
//! accounts and contacts; [`PbResp`] checks the `ret`/`msg` envelope.

use super::checks::{keys, strs};
use super::{Resp, Server};
use serde_json::{json, Value};

/// The password every helper-registered account uses.
pub const PASSWORD: &str = "123456";

/// A contact uid that exists nowhere (a well-formed UUID v1, as the document shows).
pub const UNKNOWN_UID: &str = "6796a5c0-3627-11e7-95ab-3010b3c7bffa";

/// PhoneBooks requests on a server.
pub struct PhoneBooks<'a>(&'a Server);

impl Server {
    /// PhoneBooks requests on this server.
    pub fn pb(&self) -> PhoneBooks<'_> {
        PhoneBooks(self)
    }
}

/// The ids of a contact added by [`PhoneBooks::add_contact_full`].
#[derive(Debug, Clone)]
pub struct AddedContact {
    /// Contact uid.
    pub uid: String,
    /// Its phone's pid.
    pub pid: String,
    /// Its mail's mid.
    pub mid: String,
}

impl PhoneBooks<'_> {
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
        let auth: Vec<(&str, &str)> = authorization
            .map(|a| ("authorization", a))
            .into_iter()
            .collect();
        self.0.json("POST", path, &auth, body).await
    }

    /// `POST /phonebooks` with arbitrary bytes and content type.
    pub async fn post_raw(&self, body: &[u8], content_type: &str) -> Resp {
        let ct = [("content-type", content_type)];
        self.0.send("POST", "/phonebooks", &ct, body).await
    }

    /// Registers `phone` with [`PASSWORD`], a name and a mail; returns the account's `rid`.
    pub async fn register(&self, phone: &str) -> String {
        let body = json!({"op": 1001, "phone": phone, "email": format!("{phone}@163.com"),
                          "name": "zhangsan", "password": PASSWORD});
        self.post(body).await.ok_json()["rid"]
            .as_str()
            .expect("rid is a string")
            .to_string()
    }

    /// Registers `phone` with `password` and nothing else (no name, no mail).
    pub async fn register_bare(&self, phone: &str, password: &str) {
        let body = json!({"op": 1001, "phone": phone, "password": password});
        self.post(body).await.ok_json();
    }

    /// Logs in (1003); any answer.
    pub async fn login_resp(&self, phone: &str, password: &str) -> Resp {
        self.post(json!({"op": 1003, "phone": phone, "password": password}))
            .await
    }

    /// Logs in; returns `(rid, token)`.
    pub async fn login(&self, phone: &str, password: &str) -> (String, String) {
        let v = self.login_resp(phone, password).await.ok_json();
        let token = v["token"]["access_token"].as_str().expect("access_token");
        (
            v["rid"].as_str().expect("rid").to_string(),
            token.to_string(),
        )
    }

    /// Registers and logs in `phone`; returns `(rid, token)`.
    pub async fn account(&self, phone: &str) -> (String, String) {
        self.register(phone).await;
        self.login(phone, PASSWORD).await
    }

    /// Asks a reset code for `phone` (1002); answers it, from the outbox.
    pub async fn reset_code(&self, phone: &str) -> String {
        self.post(json!({"op": 1002, "phone": phone}))
            .await
            .ok_json();
        self.0.code_for(phone)
    }

    /// Resets `phone`'s password with `code` (1002); answers the raw answer.
    pub async fn reset(&self, phone: &str, code: &str, password: &str) -> Resp {
        self.post(json!({"op": 1002, "phone": phone, "code": code, "password": password}))
            .await
    }

    /// `ret` of a 1009 (list) with `token`: 0 while the token is good.
    pub async fn list_ret(&self, token: &str) -> Value {
        self.post_auth(json!({"op": 1009}), token).await.json()["ret"].clone()
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

    /// Adds the contacts `users` (a JSON list of 1005 contacts, as a client writes them) in one
    /// 1005; returns their uids in answer order.
    pub async fn add_contacts(&self, token: &str, users: Value) -> Vec<String> {
        let v = self
            .post_auth(json!({"op": 1005, "users": users}), token)
            .await
            .ok_json();
        strs(&v["users"], "uid")
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Now as the 14-digit `%Y%m%d%H%M%S` stamp the server writes (`intime`, 1011's
    /// `exported_at`): its clock in its configured local offset.
    pub fn stamp_now(&self) -> String {
        let minutes = self.0.settings.config.utc_offset_minutes;
        let offset = chrono::FixedOffset::east_opt(minutes * 60).expect("a valid UTC offset");
        self.0
            .settings
            .clock
            .now()
            .with_timezone(&offset)
            .format("%Y%m%d%H%M%S")
            .to_string()
    }

    /// The caller's whole book as 1009 answers it.
    pub async fn list(&self, token: &str) -> Value {
        self.post_auth(json!({"op": 1009}), token).await.ok_json()
    }

    /// The caller's whole book as 1011 exports it (a success).
    pub async fn export(&self, token: &str) -> Value {
        self.post_auth(json!({"op": 1011}), token).await.ok_json()
    }

    /// The contacts with these uids as 1010 answers them (any answer).
    pub async fn get_contacts(&self, token: &str, uids: &[&str]) -> Resp {
        let users: Vec<Value> = uids.iter().map(|u| json!({"uid": u})).collect();
        self.post_auth(json!({"op": 1010, "users": users}), token)
            .await
    }

    /// Deletes the contacts with these uids (1007); any answer.
    pub async fn delete_contacts(&self, token: &str, uids: &[&str]) -> Resp {
        let users: Vec<Value> = uids.iter().map(|u| json!({"uid": u})).collect();
        self.post_auth(json!({"op": 1007, "users": users}), token)
            .await
    }

    /// The account's integer id, from the store.
    pub fn account_pk(&self, phone: &str) -> i64 {
        self.0.account(phone).expect("account exists").pk
    }

    /// How many contacts the account's book holds, from the store.
    pub fn contact_count(&self, phone: &str) -> i64 {
        let pk = self.account_pk(phone);
        self.0
            .on_store(|s| s.read(|c| switchboard::store::contacts::count(c, pk)))
            .expect("store read")
    }
}

/// PhoneBooks checks on an answer.
pub trait PbResp {
    /// The body of an HTTP 200 `ret: 0` answer.
    fn ok_json(&self) -> Value;
    /// Asserts the failure envelope — exactly `{"ret":-1,"msg":<non-empty>}` — with `status`;
    /// returns the message.
    fn failure(&self, status: u16) -> String;
}

impl PbResp for Resp {
    #[track_caller]
    fn ok_json(&self) -> Value {
        let v = self.json();
        assert_eq!(self.status, 200, "expected HTTP 200, got {self:?}");
        assert_eq!(v["ret"], 0, "expected ret 0, got {v}");
        assert_eq!(v["msg"], "success", "{v}");
        v
    }

    #[track_caller]
    fn failure(&self, status: u16) -> String {
        let v = self.json();
        assert_eq!(self.status, status, "status; body {}", self.text());
        assert!(
            self.body.is_ascii(),
            "non-ASCII is escaped as \\uXXXX: {:?}",
            self.text()
        );
        let obj = v.as_object().expect("envelope is an object");
        assert_eq!(keys(&v), ["ret", "msg"], "envelope keys: {v}");
        assert_eq!(obj["ret"], -1, "{v}");
        let msg = obj["msg"].as_str().expect("msg is a string").to_string();
        assert!(!msg.trim().is_empty(), "msg is empty: {v}");
        msg
    }
}

impl super::Conn {
    /// `POST /phonebooks` with a JSON body on this keep-alive connection.
    pub async fn post(&mut self, body: &Value) -> Result<Resp, String> {
        let ct = [("content-type", "application/json")];
        self.request("POST", "/phonebooks", &ct, body.to_string().as_bytes())
            .await
    }
}

/// `n` PhoneBooks registrations (op 1001) of `phone`, each on a connection of its own to the
/// next of `nodes` in turn, released together; the answers in order (registration `i` used
/// the password `password-{i}`).
pub async fn register_at_once(nodes: &[std::net::SocketAddr], phone: &str, n: usize) -> Vec<Resp> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (barrier, addr, phone) = (barrier.clone(), nodes[i % nodes.len()], phone.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut conn = super::Conn::open(addr).await.expect("connect");
            barrier.wait().await;
            conn.post(&json!({"op": 1001, "phone": phone, "password": format!("password-{i}")}))
                .await
                .expect("an answer")
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    answers
}
