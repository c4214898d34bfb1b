//! The opcode dialect's JWTs: HS256 only, claims `iat`, `uid`, `exp`.
//!
//! ```text
//! Authorization: JWT eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE0OTQ0OTI2MTcsInVpZCI6Ij…
//! ```
//! Expiry is checked against the context's clock, not the system's, so tests can move time.

use crate::error::Error;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The claims the original server put in its tokens, plus a random `jti` so that two
/// logins within one second get distinct tokens (one can be logged out alone).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// Issued at, unix seconds.
    pub iat: i64,
    /// The account's dashed UUID (PhoneBooks `rid`).
    pub uid: String,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Random token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Signing and verification keys, pinned to HS256.
pub struct JwtKeys {
    /// Key for new tokens.
    encoding: EncodingKey,
    /// Key for incoming tokens.
    decoding: DecodingKey,
    /// HS256 only; expiry checked by [`JwtKeys::verify`] against the given time.
    validation: Validation,
    /// Token lifetime in seconds.
    lifetime: i64,
}

impl JwtKeys {
    /// Keys from a secret, with tokens living `lifetime` seconds.
    pub fn new(secret: &[u8], lifetime: i64) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime,
        }
    }

    /// A token for `uid` issued at `now` (unix seconds).
    pub fn issue(&self, uid: &str, now: i64) -> Result<String, Error> {
        let claims = Claims {
            iat: now,
            uid: uid.to_string(),
            exp: now + self.lifetime,
            jti: Some(hex::encode(rand::random::<[u8; 8]>())),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::BadToken(format!("cannot sign: {e}")))
    }

    /// The claims of a token signed with our key by HS256 and unexpired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                Error::BadToken(match e.kind() {
                    ErrorKind::InvalidAlgorithm => "only HS256 tokens are accepted".into(),
                    ErrorKind::InvalidSignature => "signature does not verify".into(),
                    ErrorKind::MissingRequiredClaim(c) => format!("claim {c} is missing"),
                    _ => "malformed token".into(),
                })
            })?;
        if data.claims.exp <= now {
            return Err(Error::TokenExpired);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    const NOW: i64 = 1_700_000_000;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn a_token_we_issued_verifies_with_its_claims() {
        let k = JwtKeys::new(b"k", 86_400);
        let t = k.issue("abc", NOW).unwrap();
        let c = k.verify(&t, NOW + 10).unwrap();
        assert_eq!(c.uid, "abc");
        assert_eq!(c.exp, NOW + 86_400);
    }

    #[test]
    fn two_tokens_issued_in_the_same_second_differ() {
        let k = JwtKeys::new(b"k", 60);
        assert_ne!(k.issue("abc", NOW).unwrap(), k.issue("abc", NOW).unwrap());
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let k = JwtKeys::new(b"k", 60);
        let t = k.issue("abc", NOW).unwrap();
        assert!(matches!(k.verify(&t, NOW + 60), Err(Error::TokenExpired)));
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let t = JwtKeys::new(b"secret", 60).issue("abc", NOW).unwrap();
        let err = JwtKeys::new(b"k", 60).verify(&t, NOW).unwrap_err();
        assert!(err.to_string().contains("signature"), "{err}");
    }

    #[test]
    fn an_alg_none_token_is_refused() {
        let t = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&format!(
                r#"{{"iat":{NOW},"uid":"abc","exp":{}}}"#,
                NOW + 60
            ))
        );
        assert!(JwtKeys::new(b"k", 60).verify(&t, NOW).is_err());
    }

    #[test]
    fn an_hs512_token_with_the_right_key_is_refused() {
        let claims = Claims {
            iat: NOW,
            uid: "abc".into(),
            exp: NOW + 60,
            jti: None,
        };
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        let err = JwtKeys::new(b"k", 60).verify(&t, NOW).unwrap_err();
        assert!(err.to_string().contains("HS256"), "{err}");
    }

    #[test]
    fn a_token_without_exp_is_refused() {
        #[derive(Serialize)]
        struct NoExp {
            iat: i64,
            uid: String,
        }
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &NoExp {
                iat: NOW,
                uid: "abc".into(),
            },
            &EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        assert!(JwtKeys::new(b"k", 60).verify(&t, NOW).is_err());
    }

    #[test]
    fn garbage_is_refused_as_malformed() {
        let err = JwtKeys::new(b"k", 60).verify("not.a.jwt", NOW).unwrap_err();
        assert!(matches!(err, Error::BadToken(_)));
    }
}
