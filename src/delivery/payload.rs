//! What the webhook receives: the JSON body and its HMAC-SHA256 signature.
//!
//! ```text
//! POST <code_webhook_url>
//! Content-Type: application/json
//! X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of the body under code_webhook_secret>
//! X-Switchboard-Delivery: <outbox id>      (the same on every attempt: de-duplicate by it)
//! X-Switchboard-Attempt: <1, 2, …>
//!
//! {"phone":"13800000000","code":"123456","purpose":"register","created_at":"2024-05-01T08:00:00Z"}
//! ```

use crate::store::outbox::Claimed;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The body for one outbox row: `phone`, `code`, `purpose` and `created_at` (RFC 3339 UTC,
/// whole seconds), in that order, compact.
pub fn body(row: &Claimed) -> Vec<u8> {
    let created_at = chrono::DateTime::from_timestamp(row.created_at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    let value = serde_json::json!({
        "phone": row.phone,
        "code": row.code,
        "purpose": row.purpose,
        "created_at": created_at,
    });
    value.to_string().into_bytes()
}

/// The `X-Switchboard-Signature` value of `body`: `sha256=` and the lowercase hex HMAC-SHA256
/// of its exact bytes under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Claimed {
        Claimed {
            id: 7,
            phone: "13800000000".into(),
            code: "123456".into(),
            purpose: "register".into(),
            created_at: 1_714_550_400,
            attempts: 1,
        }
    }

    #[test]
    fn the_body_has_the_four_fields_in_order_with_an_rfc3339_time() {
        assert_eq!(
            String::from_utf8(body(&row())).unwrap(),
            r#"{"phone":"13800000000","code":"123456","purpose":"register","created_at":"2024-05-01T08:00:00Z"}"#
        );
    }

    #[test]
    fn the_signature_is_rfc_4231s_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_signature_changes_with_the_body_and_with_the_secret() {
        let b = body(&row());
        let s = signature(b"secret", &b);
        assert_ne!(s, signature(b"other secret", &b));
        let mut changed = b.clone();
        changed[12] ^= 1;
        assert_ne!(s, signature(b"secret", &changed));
        assert_eq!(s, signature(b"secret", &b));
    }
}
