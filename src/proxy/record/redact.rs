//! `--redact`: every password and third-party secret a request carries is replaced by a
//! generated one of the same length, the same original always by the same replacement, so a
//! right password stays right, a wrong one wrong and a too-short one too short on replay.

use rand::distributions::Alphanumeric;
use rand::Rng as _;
use std::collections::HashMap;

/// The request keys whose values are secrets: every dialect's password fields (PhoneBooks
/// and rooms `password`, HelpAged `pass`, `old`, `new`, INEWW `pwd`, `re_pwd`, rooms
/// `old_password`) and rooms' third-party `access_token`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "pass",
    "pwd",
    "re_pwd",
    "old",
    "new",
    "old_password",
    "new_password",
    "access_token",
];

/// Consistent replacements of secrets.
#[derive(Default)]
pub struct Redactor {
    /// Original → replacement.
    map: HashMap<String, String>,
}

impl Redactor {
    /// The replacement of a request value under `key`, when it is a secret.
    pub fn request(&mut self, key: Option<&str>, value: &str) -> Option<String> {
        if value.is_empty() || !key.is_some_and(|k| SECRET_KEYS.contains(&k)) {
            return None;
        }
        let len = value.chars().count();
        let new = self.map.entry(value.to_string()).or_insert_with(|| {
            let rng = rand::thread_rng();
            rng.sample_iter(&Alphanumeric)
                .take(len)
                .map(char::from)
                .collect()
        });
        Some(new.clone())
    }

    /// The replacement of an answer's string, when it is a secret some request carried.
    pub fn answer(&self, value: &str) -> Option<&String> {
        self.map.get(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_always_replaced_by_the_same_value_of_its_length() {
        let mut r = Redactor::default();
        let a = r.request(Some("password"), "123456").unwrap();
        assert_ne!(a, "123456");
        assert_eq!(a.len(), 6);
        assert_eq!(r.request(Some("pass"), "123456").unwrap(), a);
        assert_ne!(r.request(Some("pwd"), "1234567").unwrap(), a);
        assert_eq!(r.request(Some("phone"), "13000000001"), None);
        assert_eq!(r.answer("123456"), Some(&a));
    }
}
