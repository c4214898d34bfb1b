//! Unit tests of the configuration: defaults, files, environment overrides, checks, and the
//! example file.

use super::*;

#[test]
fn an_environment_variable_overrides_the_default() {
    let mut t = toml::Table::new();
    let vars = vec![
        ("SWITCHBOARD_BODY_LIMIT".to_string(), "1024".to_string()),
        ("SWITCHBOARD_ADDR".to_string(), "0.0.0.0:9000".to_string()),
        ("PATH".to_string(), "/bin".to_string()),
    ];
    apply_env(&mut t, vars.into_iter()).unwrap();
    let c: Config = toml::Value::Table(t).try_into().unwrap();
    assert_eq!(c.body_limit, 1024);
    assert_eq!(c.addr, "0.0.0.0:9000");
}

#[test]
fn an_unknown_environment_setting_is_refused() {
    let mut t = toml::Table::new();
    let vars = vec![("SWITCHBOARD_BODYLIMIT".to_string(), "1".to_string())];
    assert!(apply_env(&mut t, vars.into_iter()).is_err());
}

#[test]
fn a_password_lane_as_large_as_the_blocking_pool_is_refused() {
    let mut c = Config::default();
    c.hash_queue = c.blocking_threads - c.hashing_concurrency;
    assert!(c.check().unwrap_err().contains("hash_queue"));
    c.hash_queue -= 1;
    assert!(c.check().is_ok());
}

#[test]
fn a_body_memory_smaller_than_twice_the_body_limit_is_refused() {
    let mut c = Config::default();
    assert!(c.check().is_ok());
    c.body_memory = 2 * c.body_limit - 1;
    assert!(c.check().unwrap_err().contains("body_memory"));
}

#[test]
fn backup_settings_come_from_the_environment_as_durations_and_are_checked() {
    let mut t = toml::Table::new();
    let vars = vec![
        (
            "SWITCHBOARD_BACKUP_DIR".to_string(),
            "/var/backups".to_string(),
        ),
        ("SWITCHBOARD_BACKUP_EVERY".to_string(), "30m".to_string()),
        ("SWITCHBOARD_BACKUP_KEEP".to_string(), "3".to_string()),
    ];
    apply_env(&mut t, vars.into_iter()).unwrap();
    let mut c: Config = toml::Value::Table(t).try_into().unwrap();
    assert_eq!(c.backup_dir, Some(PathBuf::from("/var/backups")));
    assert_eq!(c.backup_every, Duration::from_secs(30 * 60));
    assert_eq!(c.backup_keep, 3);
    assert!(c.check().is_ok());
    c.backup_every = Duration::from_secs(59);
    assert!(c.check().unwrap_err().contains("backup_every"));
    c.backup_every = MIN_BACKUP_EVERY;
    c.backup_keep = 0;
    assert!(c.check().unwrap_err().contains("backup_keep"));
}

#[test]
fn a_backup_interval_that_is_not_a_duration_is_refused() {
    let t: toml::Table = "backup_every = \"often\"".parse().unwrap();
    assert!(toml::Value::Table(t).try_into::<Config>().is_err());
}

#[test]
fn a_webhook_secret_of_digits_from_the_environment_stays_text() {
    let mut t = toml::Table::new();
    let vars = vec![
        ("SWITCHBOARD_CODE_WEBHOOK_SECRET".into(), "123456".into()),
        ("SWITCHBOARD_CODE_WEBHOOK_URL".into(), "https://h/x".into()),
        ("SWITCHBOARD_CODE_WEBHOOK_MAX_ATTEMPTS".into(), "3".into()),
    ];
    apply_env(&mut t, vars.into_iter()).unwrap();
    let c: Config = toml::Value::Table(t).try_into().unwrap();
    assert_eq!(c.code_webhook_secret.unwrap().expose(), "123456");
    assert_eq!(c.code_webhook_max_attempts, 3);
}

#[test]
fn scheduled_backups_of_the_file_are_refused_with_postgresql() {
    let c = Config {
        database_url: Some(Secret("postgres://db/sb".into())),
        backup_dir: Some("/var/backups/switchboard".into()),
        ..Config::default()
    };
    let refused = c.check().unwrap_err();
    assert!(refused.contains("pg_dump"), "{refused}");
    let without = Config {
        backup_dir: None,
        ..c
    };
    assert_eq!(without.check(), Ok(()));
}

#[test]
fn an_unknown_file_key_is_refused() {
    let t: toml::Table = "no_such_key = 1".parse().unwrap();
    assert!(toml::Value::Table(t).try_into::<Config>().is_err());
}

mod example_tests {
    use super::*;

    /// config.example.toml documents every key with its default value.
    #[test]
    fn the_example_config_shows_every_key_with_its_default() {
        let text = include_str!("../../config.example.toml");
        let example: toml::Table = text.parse().unwrap();
        let defaults = toml::Table::try_from(Config::default()).unwrap();
        assert_eq!(example, defaults);
        let optional = [
            "database_url",
            "jwt_secret",
            "code_webhook_url",
            "code_webhook_secret",
            "code_webhook_ca_file",
            "backup_dir",
            "metrics_addr",
        ];
        for optional in optional {
            assert!(
                text.contains(&format!("# {optional} = ")),
                "{optional} undocumented"
            );
        }
        let parsed: Config = toml::Value::Table(example).try_into().unwrap();
        assert_eq!(parsed.addr, Config::default().addr);
    }
}
