//! v4.0 (the `v4` dialect) on a [`Server`]: `s.v4()` sends codes, registers, logs in and
//! resets.

use super::{Resp, Server};
use serde_json::{json, Value};

pub const FORM: &str = "application/x-www-form-urlencoded";

/// v4 requests on a server.
pub struct V4<'a>(&'a Server);

impl Server {
    /// v4 requests on this server.
    pub fn v4(&self) -> V4<'_> {
        V4(self)
    }
}

impl V4<'_> {
    pub async fn form(&self, path: &str, form: &str) -> Resp {
        self.0
            .send("POST", path, &[("Content-Type", FORM)], form.as_bytes())
            .await
    }

    /// Sends a code (expect 0 register, 1 reset) and answers it.
    pub async fn sendsms(&self, phone: &str, expect: u8) -> String {
        let r = self
            .0
            .send(
                "POST",
                &format!("/api/v4.0/sendsms/{phone}?expect={expect}"),
                &[],
                b"",
            )
            .await;
        assert_eq!(r.code(), json!("200"), "{r:?}");
        self.0.code_for(phone)
    }

    /// Registers through v4 on `device`; answers the data of the answer. The clock (a manual
    /// one) is then a minute on, so that the phone may get another code.
    pub async fn register(&self, phone: &str, password: &str, device: &str) -> Value {
        let code = self.sendsms(phone, 0).await;
        let form = format!(
            "phone={phone}&name=%E4%BA%8E&password={password}&device_identifier={device}&code={code}"
        );
        let r = self.form("/api/v4.0/register", &form).await;
        assert_eq!((r.status, r.code()), (200, json!(200)), "{r:?}");
        self.0.advance(60);
        r.json()["data"].clone()
    }

    pub async fn login(&self, phone: &str, password: &str, device: &str) -> Resp {
        let form = format!("phone={phone}&password={password}&device_identifier={device}");
        self.form("/api/v4.0/login", &form).await
    }

    /// A reset code through sendsms, checked through verify_code.
    pub async fn verify(&self, phone: &str) {
        let code = self.sendsms(phone, 1).await;
        let r = self
            .0
            .get(&format!("/api/v4.0/verify_code?phone={phone}&code={code}"))
            .await;
        assert_eq!(
            (r.code(), r.msg()),
            (json!(200), "验证码正确".into()),
            "{r:?}"
        );
    }

    pub async fn forget(&self, phone: &str, password: &str) -> Resp {
        self.0
            .get(&format!(
                "/api/v4.0/forget_password?phone={phone}&password={password}"
            ))
            .await
    }
}
