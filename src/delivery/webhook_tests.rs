//! The webhook's settings: what start-up refuses, and that the secret is never shown.

use super::*;

fn webhook(url: &str, secret: Option<&str>) -> Config {
    Config {
        code_webhook_url: Some(url.into()),
        code_webhook_secret: secret.map(|s| Secret(s.into())),
        ..Config::default()
    }
}

#[test]
fn a_webhook_needs_an_http_or_https_url_and_a_secret() {
    assert!(webhook("https://sms.example/hook", Some("k"))
        .check()
        .is_ok());
    assert!(webhook("http://127.0.0.1:9000/sms", Some("k"))
        .check()
        .is_ok());
    let no_secret = webhook("https://sms.example/hook", None).check();
    assert!(no_secret.unwrap_err().contains("code_webhook_secret"));
    assert!(webhook("https://sms.example/hook", Some(""))
        .check()
        .is_err());
    let ftp = webhook("ftp://sms.example/hook", Some("k")).check();
    assert!(ftp.unwrap_err().contains("https://"));
    assert!(webhook("sms.example/hook", Some("k")).check().is_err());
    let mut slow = webhook("https://sms.example/hook", Some("k"));
    slow.code_webhook_retry_base_ms = slow.code_webhook_retry_max_ms + 1;
    assert!(slow.check().unwrap_err().contains("retry_base_ms"));
}

#[test]
fn the_webhook_secret_is_masked_when_the_configuration_is_printed() {
    let c = webhook("https://sms.example/hook", Some("hunter2-secret"));
    assert!(!format!("{c:?}").contains("hunter2"));
    let shown = toml::to_string(&c).unwrap();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("code_webhook_secret = \"********\""),
        "{shown}"
    );
}

#[test]
fn no_url_means_no_webhook() {
    assert!(Webhook::from_config(&Config::default()).unwrap().is_none());
}

#[test]
fn a_ca_file_that_is_missing_or_holds_no_certificate_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = webhook("https://127.0.0.1:9/sms", Some("k"));
    c.code_webhook_ca_file = Some(dir.path().join("absent.pem"));
    let missing = Webhook::from_config(&c).err().unwrap();
    assert!(
        missing.contains("cannot read code_webhook_ca_file"),
        "{missing}"
    );
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    c.code_webhook_ca_file = Some(empty);
    let none = Webhook::from_config(&c).err().unwrap();
    assert!(none.contains("holds no PEM certificate"), "{none}");
}

#[test]
fn a_webhook_from_the_config_has_its_timeout_and_backoff() {
    let mut c = webhook("https://sms.example/hook?key=abc", Some("k"));
    c.code_webhook_timeout_ms = 1_500;
    c.code_webhook_max_attempts = 3;
    let w = Webhook::from_config(&c).unwrap().unwrap();
    assert_eq!(w.host, "sms.example");
    assert_eq!(w.timeout, Duration::from_millis(1_500));
    assert_eq!(w.max_attempts, 3);
    assert_eq!(w.backoff.base_ms, c.code_webhook_retry_base_ms);
}

#[test]
fn only_loopback_hosts_count_as_loopback() {
    for host in ["localhost", "127.0.0.1", "[::1]", "127.1.2.3"] {
        assert!(is_loopback(host), "{host}");
    }
    for host in ["sms.example", "10.0.0.1", "[2001:db8::1]"] {
        assert!(!is_loopback(host), "{host}");
    }
}
