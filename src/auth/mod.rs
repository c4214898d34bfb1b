//! Credentials: password hashing, the opcode dialect's JWTs, and opaque token digests.

pub mod jwt;
pub mod passwords;

use sha2::{Digest, Sha256};

/// The SHA-256 digest under which a token is stored; the clear token is never kept.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
