//! Checks and makers of wire values that several dialects share: key order, UUIDs, `intime`
//! stamps, JWTs; and `promtool`'s check of a metrics scrape.

use serde_json::Value;

/// An object's keys in wire order (panics when it is not an object).
#[track_caller]
pub fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// Now in unix seconds, by the system clock.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// A JWT with `claims`, signed by `alg` with `secret`.
pub fn sign(alg: jsonwebtoken::Algorithm, secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

/// base64url without padding, as JWT segments are written.
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The claims of a JWT, read without verifying it.
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("JWT has a payload");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("payload is base64url");
    serde_json::from_slice(&raw).expect("payload is JSON")
}

/// Asserts a dashed, lowercase, version-1 UUID (as the original issued).
#[track_caller]
pub fn assert_uuid_v1(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("id is not a string: {v}"));
    let u = uuid::Uuid::parse_str(s).unwrap_or_else(|e| panic!("{s} is not a UUID: {e}"));
    assert_eq!(s, u.hyphenated().to_string(), "UUID not dashed lowercase");
    assert_eq!(u.get_version_num(), 1, "{s} is not a version-1 UUID");
}

/// Asserts a 14-digit `%Y%m%d%H%M%S` stamp within two minutes of now at UTC+8 (the configured
/// offset of the original deployment).
#[track_caller]
pub fn assert_intime(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("intime is not a string: {v}"));
    assert!(
        s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()),
        "intime {s:?} is not 14 digits"
    );
    let at = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
        .unwrap_or_else(|e| panic!("intime {s} is not a date: {e}"));
    let local_now = chrono::DateTime::from_timestamp(now_secs(), 0)
        .expect("now is representable")
        .naive_utc()
        + chrono::Duration::hours(8);
    let skew = (local_now - at).num_seconds().abs();
    assert!(skew < 120, "intime {s} is {skew}s away from now at UTC+8");
}

/// Lowercase hex MD5, as HelpAged clients compute their hashes.
pub fn md5_hex(text: &str) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(text.as_bytes()))
}

/// A six-digit code that is not `code`.
pub fn wrong_code(code: &str) -> &'static str {
    if code == "000000" {
        "111111"
    } else {
        "000000"
    }
}

/// The string at `key` of each item of the array `list`, in order.
#[track_caller]
pub fn strs<'v>(list: &'v Value, key: &str) -> Vec<&'v str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string {key} in {item}"))
        })
        .collect()
}

/// `promtool check metrics` finds no error and no lint remark in `text` (skipped when
/// promtool is missing, unless `SWITCHBOARD_REQUIRE_TOOLS=1`: CI installs it).
pub fn promtool_accepts(text: &str) {
    let required = std::env::var("SWITCHBOARD_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if !required => {
            eprintln!("promtool not installed ({e}): check skipped (Debian package prometheus)");
            return;
        }
        Err(e) => panic!("promtool is required here (SWITCHBOARD_REQUIRE_TOOLS=1): {e}"),
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "promtool refused the scrape: {said}\n{text}"
    );
    assert!(said.trim().is_empty(), "promtool has remarks: {said}");
}
