//! Server configuration: defaults, a TOML file, then `SWITCHBOARD_*` environment overrides.
//!
//! Every key is flat so that each one has an obvious environment variable:
//! `body_limit` ↔ `SWITCHBOARD_BODY_LIMIT`. `config.example.toml` documents them all.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod masked;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// Everything the server can be told at start-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub addr: String,
    /// SQLite database file, created on first start (unused with `database_url`).
    pub db: PathBuf,
    /// A PostgreSQL database to run on instead of the SQLite file, as a libpq URL
    /// (`postgres://user:password@host:5432/switchboard`): several nodes may share it
    /// (docs/deployment.md). Unset, the SQLite file `db` is the database. A secret: shown
    /// masked.
    pub database_url: Option<Secret>,
    /// PostgreSQL only: how long opening a connection may take, in milliseconds.
    pub pg_connect_timeout_ms: u64,
    /// PostgreSQL only: longest a statement may run, in milliseconds (`statement_timeout`;
    /// also how long a silent network is waited for). A command past it gets its dialect's
    /// store-failure answer.
    pub pg_statement_timeout_ms: u64,
    /// PostgreSQL only: how long a command waits for a pooled connection, in milliseconds.
    pub pg_pool_wait_ms: u64,
    /// PostgreSQL only: how many times a command is run in all before its store-failure
    /// answer when it conflicted with another node's write (a serialization failure) or lost
    /// its connection before committing (the database restarted).
    pub pg_write_attempts: u32,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit: usize,
    /// Memory for request bodies across all connections, in bytes. Each body is charged twice
    /// its size plus 96 bytes per JSON or form value it holds until it is answered; a body
    /// that must wait for memory waits within `request_timeout_ms`. At least twice
    /// `body_limit`.
    pub body_memory: usize,
    /// Bytes the answer cache may hold (answers of short reads, kept while the store does not
    /// change; docs/architecture.md). `0` turns it off — what a deployment of several
    /// nodes on one database must do.
    pub answer_cache_bytes: usize,
    /// Most connections served at once; further ones wait in the accept queue.
    pub max_connections: usize,
    /// How long a client may take to send its request headers, in milliseconds.
    pub header_timeout_ms: u64,
    /// How long a client may take to send its request body, in milliseconds (a command, once
    /// received, is always answered with its real outcome).
    pub request_timeout_ms: u64,
    /// How long shutdown waits for in-flight requests, in milliseconds.
    pub shutdown_grace_ms: u64,
    /// Pooled database connections (SQLite's readers, or PostgreSQL connections of this node).
    pub pool_size: u32,
    /// Threads for blocking work (SQLite, password hashing).
    pub blocking_threads: usize,
    /// JWT signing secret for the opcode dialect; generated and kept in the database when unset.
    pub jwt_secret: Option<String>,
    /// JWT lifetime in seconds (the original deployment ran 24 h).
    pub jwt_lifetime_secs: i64,
    /// argon2id memory cost in KiB.
    pub argon2_m_cost_kib: u32,
    /// argon2id iterations.
    pub argon2_t_cost: u32,
    /// argon2id lanes.
    pub argon2_p_cost: u32,
    /// Password hashes computed at once (each takes `argon2_m_cost_kib` of memory).
    pub hashing_concurrency: usize,
    /// Password hashes that may wait for a hashing thread; a login (or registration, or
    /// password change) beyond them is refused at once with the dialect's busy answer instead
    /// of queueing. `hashing_concurrency + hash_queue` must stay below `blocking_threads`, so
    /// that hashing never holds every blocking thread.
    pub hash_queue: usize,
    /// Failed password checks of one account, close together, that lock it.
    pub login_failures_per_account: u32,
    /// How close together, in seconds (failures further apart start the count again).
    pub login_failure_window_secs: i64,
    /// The first lock's length in seconds; each further failure doubles it.
    pub login_cooldown_min_secs: i64,
    /// The longest lock, in seconds.
    pub login_cooldown_max_secs: i64,
    /// Failed logins one client address may have in one minute, across all accounts.
    pub login_failures_per_peer_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (networks; a single address is
    /// `/32` or `/128`). A request from anywhere else is from its own address.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Offset of the server's local time from UTC in minutes, for 14-digit `intime` stamps
    /// (the original servers ran at UTC+8).
    pub utc_offset_minutes: i32,
    /// Accounts at or above this level are administrators.
    pub admin_level: i64,
    /// HelpAged answers with `application/json` instead of the original's
    /// `text/html; charset=utf-8`.
    pub typed_json: bool,
    /// Largest decoded image accepted (portraits, fall pictures), in bytes.
    pub image_limit: usize,
    /// Domains whose pages may embed portraits (subdomains included); the server's own host
    /// and requests without a `Referer` are always allowed.
    pub portrait_referers: Vec<String>,
    /// When set, verification codes (and fall alerts) are POSTed as signed JSON to this
    /// `https://` (or `http://`) URL, with retries (docs/code-delivery.md); when unset they
    /// are kept in the outbox table only.
    pub code_webhook_url: Option<String>,
    /// The HMAC-SHA256 key of the webhook's `X-Switchboard-Signature`; required with the URL.
    pub code_webhook_secret: Option<Secret>,
    /// A PEM file of CA certificates trusted for the webhook's HTTPS, besides the public roots
    /// (a receiver with a private or self-signed CA).
    pub code_webhook_ca_file: Option<PathBuf>,
    /// How long one delivery attempt may take, connecting included, in milliseconds.
    pub code_webhook_timeout_ms: u64,
    /// Delay before the second attempt, in milliseconds; each further one doubles it (with
    /// jitter: between half and all of it).
    pub code_webhook_retry_base_ms: u64,
    /// Longest delay between two attempts, in milliseconds.
    pub code_webhook_retry_max_ms: u64,
    /// Attempts after which a message is `failed`.
    pub code_webhook_max_attempts: u32,
    /// Development only: trust the identity a rooms client claims at `POST /snslogin/`
    /// (`login_type` + `snsid`) without verifying its `access_token` with the third party.
    /// Off by default: snslogin is then refused with 403 "third-party login is not configured".
    pub rooms_trust_sns_identities: bool,
    /// Log filter: a level (`info`), or `target=level` directives separated by commas
    /// (`warn,switchboard=debug`), as `tracing_subscriber::filter::Targets` reads them.
    pub log: String,
    /// How log lines are written: `text` (one human-readable line each) or `json` (one JSON
    /// object per line).
    pub log_format: LogFormat,
    /// Whether `GET /metrics` (Prometheus text format) is served.
    pub metrics: bool,
    /// Serve `/metrics` on this address instead of the main one (e.g. `127.0.0.1:9090`).
    pub metrics_addr: Option<String>,
    /// Directory of the server's scheduled backups (`switchboard-<UTC time>.db`); unset, the
    /// server makes none. Created when missing.
    pub backup_dir: Option<PathBuf>,
    /// Time between two scheduled backups, as `"30m"`, `"6h"` or `"1day"`; at least a minute.
    #[serde(with = "humantime_serde")]
    pub backup_every: Duration,
    /// Scheduled backups kept in `backup_dir`; after each new one the oldest beyond this many
    /// are deleted (only files named as the server names them). At least 1.
    pub backup_keep: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            db: PathBuf::from("switchboard.db"),
            database_url: None,
            pg_connect_timeout_ms: 5_000,
            pg_statement_timeout_ms: 5_000,
            pg_pool_wait_ms: 2_000,
            pg_write_attempts: 20,
            body_limit: 8 * 1024 * 1024,
            body_memory: 32 * 1024 * 1024,
            answer_cache_bytes: 4 * 1024 * 1024,
            max_connections: 1024,
            header_timeout_ms: 5_000,
            request_timeout_ms: 30_000,
            shutdown_grace_ms: 10_000,
            pool_size: 4,
            blocking_threads: 16,
            jwt_secret: None,
            jwt_lifetime_secs: 86_400,
            argon2_m_cost_kib: 7_168,
            argon2_t_cost: 5,
            argon2_p_cost: 1,
            hashing_concurrency: 2,
            hash_queue: 6,
            login_failures_per_account: 5,
            login_failure_window_secs: 15 * 60,
            login_cooldown_min_secs: 60,
            login_cooldown_max_secs: 60 * 60,
            login_failures_per_peer_per_minute: 30,
            trusted_proxies: ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
            utc_offset_minutes: 480,
            admin_level: 9,
            typed_json: false,
            image_limit: 4 * 1024 * 1024,
            portrait_referers: vec!["helpaged.cn".into(), "localhost".into()],
            code_webhook_url: None,
            code_webhook_secret: None,
            code_webhook_ca_file: None,
            code_webhook_timeout_ms: 10_000,
            code_webhook_retry_base_ms: 1_000,
            code_webhook_retry_max_ms: 60_000,
            code_webhook_max_attempts: 8,
            rooms_trust_sns_identities: false,
            log: "info".into(),
            log_format: LogFormat::Text,
            metrics: true,
            metrics_addr: None,
            backup_dir: None,
            backup_every: Duration::from_secs(24 * 60 * 60),
            backup_keep: 7,
        }
    }
}

impl Config {
    /// Reads `file` (when given) over the defaults, then applies `SWITCHBOARD_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
                text.parse::<toml::Table>()
                    .map_err(|e| format!("bad config {}: {e}", path.display()))?
            }
            None => toml::Table::new(),
        };
        apply_env(&mut table, std::env::vars())?;
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e| format!("bad configuration: {e}"))?;
        config.check()?;
        Ok(config)
    }

    /// Refuses settings that cannot work together.
    pub fn check(&self) -> Result<(), String> {
        if self.hashing_concurrency.max(1) + self.hash_queue >= self.blocking_threads {
            return Err(format!(
                "hashing_concurrency ({}) + hash_queue ({}) must be below blocking_threads ({}): \
                 hashing must leave threads for everything else",
                self.hashing_concurrency, self.hash_queue, self.blocking_threads
            ));
        }
        if self.body_memory / 2 < self.body_limit {
            return Err(format!(
                "body_memory ({}) must be at least twice body_limit ({}): one largest body \
                 must fit",
                self.body_memory, self.body_limit
            ));
        }
        if self.backup_every < MIN_BACKUP_EVERY {
            return Err(format!(
                "backup_every ({}) must be at least {}",
                humantime::format_duration(self.backup_every),
                humantime::format_duration(MIN_BACKUP_EVERY),
            ));
        }
        if self.backup_keep == 0 {
            return Err("backup_keep must be at least 1".into());
        }
        if self.database_url.is_some() && self.backup_dir.is_some() {
            return Err(
                "backup_dir copies the SQLite file; with database_url, back up \
                        PostgreSQL with its own tools (pg_dump, pg_basebackup; \
                        docs/deployment.md)"
                    .into(),
            );
        }
        self.check_webhook()
    }

    /// Refuses a webhook that cannot work: a URL that is not http(s) with a host, no secret,
    /// zero timeouts or attempts, a base delay above the longest.
    pub fn check_webhook(&self) -> Result<(), String> {
        let Some(url) = &self.code_webhook_url else {
            return Ok(());
        };
        let uri: Option<http::Uri> = url.parse().ok();
        let scheme = uri.as_ref().and_then(|u| u.host().and(u.scheme_str()));
        let secret = self.code_webhook_secret.as_ref().map(Secret::expose);
        let (base, max) = (
            self.code_webhook_retry_base_ms,
            self.code_webhook_retry_max_ms,
        );
        match () {
            _ if !matches!(scheme, Some("https" | "http")) => {
                Err("code_webhook_url must be an https:// (or http://) URL with a host".into())
            }
            _ if secret.is_none_or(str::is_empty) => Err("code_webhook_secret must be set with \
                code_webhook_url: receivers check each message's X-Switchboard-Signature with it"
                .into()),
            _ if self.code_webhook_timeout_ms == 0 || self.code_webhook_max_attempts == 0 => {
                Err("code_webhook_timeout_ms and code_webhook_max_attempts must be above 0".into())
            }
            _ if base == 0 || base > max => Err(format!(
                "code_webhook_retry_base_ms ({base}) \
                must be above 0 and at most code_webhook_retry_max_ms ({max})"
            )),
            _ => Ok(()),
        }
    }

    /// Settings with cheap password hashing, for tests and in-process replays.
    pub fn for_tests(db: PathBuf) -> Config {
        Config {
            db,
            argon2_m_cost_kib: 64,
            argon2_t_cost: 1,
            // Cheap hashes: bursts of concurrent logins in tests are not floods.
            hash_queue: 64,
            blocking_threads: 96,
            ..Config::default()
        }
    }
}

/// The shortest time between two scheduled backups.
pub const MIN_BACKUP_EVERY: Duration = Duration::from_secs(60);
/// A secret setting (the code webhook's HMAC key): shown as `********` by `Debug` and
/// `Serialize`, so that no printed or logged configuration holds it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"********\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("********")
    }
}

/// Settings without a default whose environment value is taken as text as it is (a secret of
/// digits stays a string).
const OPTIONAL_TEXT_KEYS: &[&str] = &[
    "database_url",
    "code_webhook_url",
    "code_webhook_secret",
    "code_webhook_ca_file",
    "backup_dir",
    "metrics_addr",
];

/// Overlays `SWITCHBOARD_<KEY>` variables onto the table; values are TOML scalars or bare text.
fn apply_env(
    table: &mut toml::Table,
    vars: impl Iterator<Item = (String, String)>,
) -> Result<(), String> {
    let known = toml::Table::try_from(Config::default()).map_err(|e| e.to_string())?;
    for (name, raw) in vars {
        let Some(key) = name.strip_prefix("SWITCHBOARD_") else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        let text = OPTIONAL_TEXT_KEYS.contains(&key.as_str());
        let known_key = known.contains_key(&key) || text || key == "jwt_secret";
        if !known_key {
            return Err(format!("unknown environment setting {name}"));
        }
        if text {
            table.insert(key, toml::Value::String(raw));
            continue;
        }
        let value = format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(raw));
        table.insert(key, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
