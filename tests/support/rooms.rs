//! rooms (the `rooms` dialect) on a [`Server`]: `s.rooms()` registers, logs in, opens rooms
//! and probes tokens; [`assert_fail`] reads the envelope.

use super::{Resp, Server};
use serde_json::{json, Value};

pub const PASSWORD: &str = "123456";
pub const NOBODY: &str = "f111e64389db4d10933408a436d87bd5";

/// A registered rooms user.
pub struct User {
    pub pk: String,
    pub token: String,
}

/// rooms requests on a server.
pub struct Rooms<'a>(&'a Server);

impl Server {
    /// rooms requests on this server.
    pub fn rooms(&self) -> Rooms<'_> {
        Rooms(self)
    }
}

impl Rooms<'_> {
    pub async fn json(&self, method: &str, path: &str, body: Value) -> Resp {
        self.0.json(method, path, &[], body).await
    }

    pub async fn with_token(&self, method: &str, path: &str, token: &str, body: Value) -> Resp {
        let auth = format!("Token {token}");
        let headers = [("Authorization", auth.as_str())];
        self.0.json(method, path, &headers, body).await
    }

    /// Registers through rooms and answers the user.
    pub async fn register(&self, username: &str, phone: Option<&str>) -> User {
        let mut body = json!({"username": username, "password": PASSWORD, "nickname": "never"});
        if let Some(p) = phone {
            body["phone"] = json!(p);
        }
        let r = self.json("POST", "/users/", body).await;
        assert_eq!((r.status, r.code()), (200, "200".into()), "{r:?}");
        user(&r)
    }

    pub async fn login(&self, key: &str, password: &str) -> Resp {
        let body = json!({"username": key, "password": password});
        self.json("POST", "/login/", body).await
    }

    /// Creates a room owned by `token`'s account; answers its pk.
    pub async fn room(&self, token: &str, alias: &str, active: bool) -> String {
        let body = json!({"room_alias": alias, "active": active});
        let r = self.with_token("POST", "/rooms/", token, body).await;
        assert_eq!((r.status, r.code()), (201, "201".into()), "{r:?}");
        r.json()["pk"].as_str().unwrap().to_string()
    }

    /// Whether `token` still authenticates (a rooms write that changes nothing).
    pub async fn token_works(&self, pk: &str, token: &str) -> bool {
        let r = self
            .with_token("PUT", &format!("/users/{pk}/"), token, json!({}))
            .await;
        match r.status {
            200 => true,
            401 => false,
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
}

pub fn user(r: &Resp) -> User {
    let v = r.json();
    User {
        pk: v["pk"].as_str().unwrap().to_string(),
        token: v["token"].as_str().unwrap().to_string(),
    }
}

/// Asserts the FAIL envelope with `status` as HTTP status and code, and a message.
#[track_caller]
pub fn assert_fail(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{r:?}");
    let v = r.json();
    assert_eq!(v["status"], "FAIL", "{v}");
    assert_eq!(v["code"], status.to_string(), "{v}");
    assert!(!r.msg().is_empty(), "{v}");
}
