//! INEWW (the `ineww` dialect) on a [`Server`]: `s.ineww()` registers and logs in over the
//! wire; [`User`] carries the two credential headers.

use super::{Resp, Server};
use serde_json::{json, Value};

pub const PASSWORD: &str = "123456";
pub const NOBODY: &str = "f111e64389db4d10933408a436d87bd5";

/// A logged-in INEWW user.
pub struct User {
    pub uid: String,
    pub token: String,
    pub refresh: String,
}

impl User {
    pub fn headers(&self) -> Vec<(&str, &str)> {
        self.headers_with(&self.token)
    }

    /// This user's `USER-ID` with `token` as its `ACCESS-TOKEN`.
    pub fn headers_with<'a>(&'a self, token: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![("USER-ID", &self.uid), ("ACCESS-TOKEN", token)]
    }
}

/// INEWW requests on a server.
pub struct Ineww<'a>(&'a Server);

impl Server {
    /// INEWW requests on this server.
    pub fn ineww(&self) -> Ineww<'_> {
        Ineww(self)
    }
}

impl Ineww<'_> {
    /// Registers through INEWW (code, then register) and answers the logged-in user.
    pub async fn register(&self, phone: &str) -> User {
        let s = self.0;
        let r = s
            .json("POST", "/ineww/code/phone", &[], json!({"phone": phone}))
            .await;
        assert_eq!(r.status, 204, "{r:?}");
        let body = json!({"username": "小王子", "phone": phone, "pwd": PASSWORD,
                          "code": s.code_for(phone), "agree": 1});
        let r = s.json("POST", "/ineww/user", &[], body).await;
        assert_eq!((r.status, r.code()), (200, "201001".into()), "{r:?}");
        user(&r)
    }

    pub async fn login(&self, phone: &str, password: &str) -> Resp {
        let body = json!({"account": phone, "password": password});
        self.0.json("POST", "/ineww/session", &[], body).await
    }

    /// Logs in; answers the access token.
    pub async fn access_token(&self, phone: &str, password: &str) -> String {
        user(&self.login(phone, password).await).token
    }

    pub async fn me(&self, headers: &[(&str, &str)]) -> Resp {
        self.0.send("GET", "/ineww/session", headers, b"").await
    }

    /// `method path` with `user`'s credential headers and no body.
    pub async fn by(&self, user: &User, method: &str, path: &str) -> Resp {
        self.0.send(method, path, &user.headers(), b"").await
    }

    /// `GET /ineww/session` with `Authorization: Bearer <token>`.
    pub async fn me_bearer(&self, token: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.me(&[("Authorization", auth.as_str())]).await
    }
}

pub fn user(r: &Resp) -> User {
    let v = r.json();
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {p} in {v}"))
            .to_string()
    };
    User {
        uid: s("/data/user/uid"),
        token: s("/data/token/access_token"),
        refresh: s("/data/token/refresh_token"),
    }
}

#[track_caller]
pub fn assert_401004(r: &Resp) {
    assert_eq!((r.status, r.code()), (401, "401004".into()), "{r:?}");
}
