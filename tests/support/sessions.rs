//! One account with a session in each of PhoneBooks, HelpAged and INEWW: what a password
//! change or reset in any dialect must revoke.

use super::Server;
use serde_json::{json, Value};

/// A session of one account in each of three dialects.
pub struct Sessions {
    /// PhoneBooks JWT.
    pub jwt: String,
    /// HelpAged token.
    pub typed: String,
    /// INEWW access token.
    pub ineww: String,
}

/// What each session gets: PhoneBooks 1009's `ret`, HelpAged user info's `status`, and the HTTP
/// status of INEWW's `GET /ineww/session`.
#[derive(Debug, PartialEq)]
pub struct Probe {
    pub phonebooks_ret: Value,
    pub typed_status: Value,
    pub ineww_http: u16,
}

impl Probe {
    /// Every session still works.
    pub fn live() -> Probe {
        Probe {
            phonebooks_ret: json!(0),
            typed_status: json!(0),
            ineww_http: 200,
        }
    }

    /// Asserts that every session is refused.
    #[track_caller]
    pub fn assert_revoked(&self) {
        assert_eq!(self.phonebooks_ret, -1, "PhoneBooks JWT: {self:?}");
        assert_ne!(self.typed_status, 0, "HelpAged token: {self:?}");
        assert_eq!(self.ineww_http, 401, "INEWW token: {self:?}");
    }
}

impl Sessions {
    /// Logs `phone` in through PhoneBooks, HelpAged and INEWW.
    pub async fn open(s: &Server, phone: &str, password: &str) -> Sessions {
        Sessions {
            jwt: s.pb().login(phone, password).await.1,
            typed: s.typed().login(phone, password).await,
            ineww: s.ineww().access_token(phone, password).await,
        }
    }

    /// Tries each session.
    pub async fn probe(&self, s: &Server) -> Probe {
        Probe {
            phonebooks_ret: s.pb().list_ret(&self.jwt).await,
            typed_status: s
                .get(&format!("/api/user/info?token={}", self.typed))
                .await
                .json()["status"]
                .clone(),
            ineww_http: s.ineww().me_bearer(&self.ineww).await.status,
        }
    }
}
