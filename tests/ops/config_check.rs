//! `switchboard --version` and `switchboard config check [--config FILE]`: the settings `serve`
//! would run with, checked, printed as TOML with every secret masked.

use super::{switchboard, texts};
use std::path::PathBuf;

/// A configuration file in a fresh directory (kept alive by the returned guard).
fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The TOML of `config check`'s output, its comment lines left out.
fn settings(stdout: &str) -> toml::Table {
    let body: String = stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    body.parse()
        .unwrap_or_else(|e| panic!("not TOML: {e}\n{stdout}"))
}

#[test]
fn switchboard_version_prints_the_package_version() {
    let out = switchboard(&["--version"], &[]);

    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        format!("switchboard {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn config_check_prints_the_settings_of_a_valid_file_with_its_secret_masked() {
    // Arrange
    let secret = "jwt-Secret-that-must-never-be-printed-41";
    let (_dir, path) = config_file(&format!(
        "jwt_secret = \"{secret}\"\nbody_limit = 1048576\naddr = \"0.0.0.0:9090\"\n"
    ));

    // Act
    let out = switchboard(
        &["config", "check", "--config", path.to_str().unwrap()],
        &[],
    );

    // Assert: exit 0; the file's values shown, the defaults beside them, the secret masked
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{stdout}"
    );
    let shown = settings(&stdout);
    assert_eq!(shown["jwt_secret"].as_str(), Some("********"), "{stdout}");
    assert_eq!(shown["body_limit"].as_integer(), Some(1_048_576));
    assert_eq!(shown["addr"].as_str(), Some("0.0.0.0:9090"));
    assert_eq!(shown["shutdown_grace_ms"].as_integer(), Some(10_000));
    assert_eq!(shown["log"].as_str(), Some("info"));
}

#[test]
fn config_check_refuses_an_invalid_file_and_says_why() {
    let cases = [
        // settings that cannot work together (Config::check)
        ("hash_queue = 100\n", "hash_queue"),
        // a key no version of the server knows
        ("body_limt = 1\n", "body_limt"),
        // a value of the wrong type
        ("max_connections = \"many\"\n", "max_connections"),
        // what only `serve` itself parsed before: the log filter, the argon2 cost
        ("log = \"info,a=b=c\"\n", "log filter"),
        ("argon2_m_cost_kib = 1\n", "argon2"),
        // not TOML at all
        ("addr = \n", "config"),
    ];
    for (text, reason) in cases {
        let (_dir, path) = config_file(text);

        let out = switchboard(
            &["config", "check", "--config", path.to_str().unwrap()],
            &[],
        );

        let (stdout, stderr) = texts(&out);
        assert!(!out.status.success(), "{text:?} was accepted: {stdout}");
        assert!(stderr.contains(reason), "{text:?}: {stderr}");
        assert!(stdout.is_empty(), "{text:?} printed settings: {stdout}");
    }
}

#[test]
fn config_check_refuses_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");

    let out = switchboard(
        &["config", "check", "--config", missing.to_str().unwrap()],
        &[],
    );

    let (_, stderr) = texts(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot read config"), "{stderr}");
}

#[test]
fn config_check_shows_an_environment_override_over_the_file() {
    // Arrange: the file says one thing, the environment another
    let (_dir, path) = config_file("body_limit = 1048576\npool_size = 2\n");
    let secret = "env-jwt-secret-0d6a";
    let env = [
        ("SWITCHBOARD_BODY_LIMIT", "2097152"),
        ("SWITCHBOARD_DB", "/var/lib/switchboard/switchboard.db"),
        ("SWITCHBOARD_JWT_SECRET", secret),
    ];

    // Act
    let out = switchboard(
        &["config", "check", "--config", path.to_str().unwrap()],
        &env,
    );

    // Assert: the environment wins, the file's other key stays, a secret from the environment
    // is masked like one from the file
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let shown = settings(&stdout);
    assert_eq!(
        shown["body_limit"].as_integer(),
        Some(2_097_152),
        "{stdout}"
    );
    assert_eq!(shown["pool_size"].as_integer(), Some(2));
    assert_eq!(
        shown["db"].as_str(),
        Some("/var/lib/switchboard/switchboard.db")
    );
    assert_eq!(shown["jwt_secret"].as_str(), Some("********"));
    assert!(!stdout.contains(secret), "{stdout}");
}

#[test]
fn config_check_refuses_an_unknown_environment_setting() {
    let out = switchboard(&["config", "check"], &[("SWITCHBOARD_BODYLIMIT", "1")]);

    let (_, stderr) = texts(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("SWITCHBOARD_BODYLIMIT"), "{stderr}");
}
