//! The effective configuration as TOML with every secret masked, for `switchboard config check`
//! and anything else that shows settings to a person.
//!
//! Secrets are found by rule, not by a list, so a key added later is masked without anyone
//! remembering to: a key whose last word is a secret's (`jwt_secret`, `code_webhook_secret`,
//! `*_password`, `*_token`, `*_key`) has its value replaced, and in every other text value a URL's
//! credentials (`https://user:pass@host`) and its secret-named query values (`?token=…`) are.

use super::Config;
use serde_json::Value;

/// What a masked value shows instead of the secret.
pub const MASK: &str = "********";

/// Last words of a name that holds a secret (`jwt_secret`, `api-key`, `access_token`).
const SECRET_WORDS: &[&str] = &[
    "secret",
    "secrets",
    "password",
    "passwd",
    "pass",
    "token",
    "key",
    "apikey",
    "signature",
    "sig",
    "credentials",
];

impl Config {
    /// The settings as TOML in their declared order, secrets masked; the optional keys that
    /// are not set are named in a closing comment (TOML has no empty value).
    pub fn masked_toml(&self) -> Result<String, String> {
        let Value::Object(fields) = serde_json::to_value(self).map_err(|e| e.to_string())? else {
            return Err("the configuration is not a table".into());
        };
        let mut shown = serde_json::Map::new();
        let mut unset = Vec::new();
        for (key, value) in fields {
            match value {
                Value::Null => unset.push(key),
                value => {
                    let value = mask(&key, value);
                    shown.insert(key, value);
                }
            }
        }
        let mut text = toml::to_string(&Value::Object(shown)).map_err(|e| e.to_string())?;
        if !unset.is_empty() {
            text.push_str(&format!("# not set: {}\n", unset.join(", ")));
        }
        Ok(text)
    }
}

/// Whether a key or parameter named `name` holds a secret: its last word (split at `_`, `-`
/// and `.`) is one of [`SECRET_WORDS`], in any case.
pub fn is_secret_name(name: &str) -> bool {
    let last = name.rsplit(['_', '-', '.']).next().unwrap_or(name);
    SECRET_WORDS.iter().any(|w| last.eq_ignore_ascii_case(w))
}

/// `value` of the key `key`, masked: wholly when the key names a secret, else each text in it
/// with its URL credentials masked (arrays and tables are walked).
fn mask(key: &str, value: Value) -> Value {
    if is_secret_name(key) && !value.is_null() {
        return Value::String(MASK.into());
    }
    match value {
        Value::String(s) => Value::String(mask_url(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| mask(key, v)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| {
                    let v = mask(&k, v);
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// `text` with a URL's user information and secret-named query values masked; any other text
/// is returned as it is.
pub fn mask_url(text: &str) -> String {
    let Some(colon) = text.find("://") else {
        return text.to_string();
    };
    let scheme = &text[..colon];
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return text.to_string();
    }
    let rest = &text[colon + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(at) => format!("{MASK}@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    format!("{scheme}://{host}{}", mask_query(tail))
}

/// A URL's path, query and fragment with the values of secret-named query parameters masked.
fn mask_query(tail: &str) -> String {
    let Some(q) = tail.find('?') else {
        return tail.to_string();
    };
    let (path, after) = tail.split_at(q + 1);
    let (query, fragment) = match after.find('#') {
        Some(h) => after.split_at(h),
        None => (after, ""),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={MASK}"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}{}{fragment}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_with_its_password_is_masked() {
        let c = Config {
            database_url: Some(crate::config::Secret(
                "postgres://sb:hunter2-pg@db:5432/sb".into(),
            )),
            ..Config::default()
        };
        let text = c.masked_toml().unwrap();
        assert!(!text.contains("hunter2-pg"), "{text}");
        assert!(
            text.contains(&format!("database_url = \"{MASK}\"")),
            "{text}"
        );
        assert!(!format!("{c:?}").contains("hunter2-pg"));
    }

    #[test]
    fn a_configured_jwt_secret_is_masked_and_the_rest_shown() {
        let c = Config {
            jwt_secret: Some("hunter2-jwt".into()),
            body_limit: 1234,
            ..Config::default()
        };
        let text = c.masked_toml().unwrap();
        assert!(!text.contains("hunter2-jwt"), "{text}");
        assert!(text.contains(&format!("jwt_secret = \"{MASK}\"")), "{text}");
        assert!(text.contains("body_limit = 1234"), "{text}");
    }

    #[test]
    fn the_masked_settings_are_toml_in_the_declared_order() {
        let text = Config::default().masked_toml().unwrap();
        let parsed: toml::Table = text.parse().unwrap();
        assert_eq!(parsed, toml::Table::try_from(Config::default()).unwrap());
        assert!(text.starts_with("addr = "), "{text}");
        assert!(text.find("addr =") < text.find("db ="), "{text}");
    }

    #[test]
    fn unset_optional_keys_are_named_in_a_comment() {
        let text = Config::default().masked_toml().unwrap();
        let last = text.lines().last().unwrap();
        assert!(last.starts_with("# not set: "), "{text}");
        assert!(last.contains("jwt_secret"), "{text}");
        assert!(last.contains("code_webhook_url"), "{text}");
    }

    #[test]
    fn any_key_named_like_a_secret_is_masked_whatever_its_prefix() {
        for key in [
            "jwt_secret",
            "code_webhook_secret",
            "smtp_password",
            "api-key",
            "ADMIN_TOKEN",
        ] {
            assert_eq!(mask(key, Value::from("s3cr3t")), Value::from(MASK), "{key}");
        }
        for key in [
            "hash_queue",
            "secret_rotation_days",
            "token_lifetime_secs",
            "log",
        ] {
            assert!(!is_secret_name(key), "{key}");
        }
    }

    #[test]
    fn credentials_inside_a_url_are_masked() {
        assert_eq!(
            mask_url("https://alice:s3cr3t@sms.example:8443/send?x=1"),
            format!("https://{MASK}@sms.example:8443/send?x=1")
        );
        assert_eq!(
            mask_url("http://127.0.0.1:9000/sms?token=abc&to=1&api_key=k#top"),
            format!("http://127.0.0.1:9000/sms?token={MASK}&to=1&api_key={MASK}#top")
        );
        assert_eq!(mask_url("http://host/path"), "http://host/path");
        assert_eq!(mask_url("no url: a@b"), "no url: a@b");
    }

    #[test]
    fn a_url_in_a_list_or_under_an_ordinary_key_is_still_masked() {
        let v = serde_json::json!(["http://u:p@a", {"url": "http://v:q@b", "inner_secret": 7}]);
        let masked = mask("endpoints", v).to_string();
        assert!(
            !masked.contains("u:p") && !masked.contains("v:q"),
            "{masked}"
        );
        assert!(
            masked.contains(&format!("\"inner_secret\":\"{MASK}\"")),
            "{masked}"
        );
    }
}
