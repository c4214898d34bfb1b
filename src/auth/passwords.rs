//! argon2id password hashing, bounded so a burst of logins cannot exhaust memory.
//!
//! Hashing is deliberately slow: call it only from blocking threads (handlers run there).

use crate::config::Config;
use crate::error::{Error, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Condvar, Mutex, OnceLock};

/// Hashes and verifies passwords as argon2id PHC strings.
pub struct Passwords {
    /// Cost parameters for new hashes (verification reads them from the stored hash).
    params: Params,
    /// A hash checked against unknown accounts, so that a miss costs as much as a hit
    /// (made on first need, not at start-up).
    decoy: OnceLock<String>,
    /// Counts hashes in progress; at most `limit` run at once.
    running: Mutex<usize>,
    /// Wakes a waiting hasher when one finishes.
    freed: Condvar,
    /// Most hashes at once.
    limit: usize,
}

impl Passwords {
    /// A hasher with the configured cost.
    pub fn new(config: &Config) -> Result<Passwords, String> {
        let params = Params::new(
            config.argon2_m_cost_kib,
            config.argon2_t_cost,
            config.argon2_p_cost,
            None,
        )
        .map_err(|e| format!("bad argon2 parameters: {e}"))?;
        Ok(Passwords {
            params,
            decoy: OnceLock::new(),
            running: Mutex::new(0),
            freed: Condvar::new(),
            limit: config.hashing_concurrency.max(1),
        })
    }

    /// A new PHC string for `password` with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, Error> {
        let _slot = self.slot();
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| Error::Store(StoreError::Other(format!("salt: {e}"))))?;
        self.argon()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Store(StoreError::Other(format!("argon2: {e}"))))
    }

    /// Whether `password` matches the stored PHC string; `None` spends the same time and fails.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let phc = match stored {
            Some(s) => s,
            None => self
                .decoy
                .get_or_init(|| self.hash("switchboard decoy").unwrap_or_default()),
        };
        let _slot = self.slot();
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && stored.is_some()
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Waits for a free hashing slot; the slot is returned when the guard drops.
    fn slot(&self) -> Slot<'_> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        while *running >= self.limit {
            running = self.freed.wait(running).unwrap_or_else(|p| p.into_inner());
        }
        *running += 1;
        Slot(self)
    }
}

/// A held hashing slot.
struct Slot<'a>(&'a Passwords);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut running = self.0.running.lock().unwrap_or_else(|p| p.into_inner());
        *running -= 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::new(&Config::for_tests("x".into())).unwrap()
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_with_the_configured_cost() {
        let h = cheap().hash("123456").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
    }

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let p = cheap();
        let h = p.hash("123456").unwrap();
        assert!(p.verify("123456", Some(&h)));
        assert!(!p.verify("1234567", Some(&h)));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let p = cheap();
        assert_ne!(p.hash("123456").unwrap(), p.hash("123456").unwrap());
    }

    #[test]
    fn an_unknown_account_never_verifies_even_with_the_decoy_password() {
        assert!(!cheap().verify("switchboard decoy", None));
    }
}
