//! INEWW plumbing shared by the INEWW test binaries: register and log in over the wire, read
//! an answer's code, the two credential headers.

use super::{Resp, Server};
use serde_json::{json, Value};

pub const PASSWORD: &str = "123456";
pub const NOBODY: &str = "f111e64389db4d10933408a436d87bd5";

/// INEWW conveniences on an answer.
pub trait InewwResp {
    fn code(&self) -> String;
}

impl InewwResp for Resp {
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

/// A logged-in INEWW user.
pub struct User {
    pub uid: String,
    pub token: String,
    pub refresh: String,
}

impl User {
    pub fn headers(&self) -> Vec<(&str, &str)> {
        vec![("USER-ID", &self.uid), ("ACCESS-TOKEN", &self.token)]
    }
}

/// INEWW requests on a server.
pub trait Ineww {
    async fn json(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Value) -> Resp;
    async fn register(&self, phone: &str) -> User;
    async fn login(&self, phone: &str, password: &str) -> Resp;
    async fn me(&self, headers: &[(&str, &str)]) -> Resp;
}

impl Ineww for Server {
    async fn json(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Value) -> Resp {
        let mut headers = headers.to_vec();
        headers.push(("Content-Type", "application/json"));
        self.send(method, path, &headers, body.to_string().as_bytes())
            .await
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

    async fn me(&self, headers: &[(&str, &str)]) -> Resp {
        self.send("GET", "/ineww/session", headers, b"").await
    }
}

pub fn user(r: &Resp) -> User {
    let v = r.json();
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap().to_string();
    User {
        uid: s("/data/user/uid"),
        token: s("/data/token/access_token"),
        refresh: s("/data/token/refresh_token"),
    }
}

pub fn assert_401004(r: &Resp) {
    assert_eq!((r.status, r.code()), (401, "401004".into()), "{r:?}");
}
