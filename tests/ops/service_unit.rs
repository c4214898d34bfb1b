//! `deploy/switchboard.service`: systemd accepts it (`systemd-analyze verify`), it keeps the
//! usual hardening (`systemd-analyze security`), and what it tells the binary is what the
//! binary understands.
//!
//! The two `systemd-analyze` tests print a notice and pass when the tool is missing, unless
//! `SWITCHBOARD_REQUIRE_TOOLS=1` (set by `.ci/run`, which installs it) makes that a failure.

use super::{switchboard, texts};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// The unit as shipped.
fn unit() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/switchboard.service"
    ))
    .expect("deploy/switchboard.service")
}

/// The value of the one line `key=…` of the unit (comments are not lines of it).
fn directive(unit: &str, key: &str) -> String {
    let values: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .collect();
    assert_eq!(values.len(), 1, "{key}= should be set once: {values:?}");
    values[0].to_string()
}

/// Where the unit starts the binary, and with what.
const EXEC_START: &str =
    "ExecStart=/usr/local/bin/switchboard serve --config /etc/switchboard/config.toml";

/// `systemd-analyze`, or `None` after printing why the test does not run.
fn systemd_analyze() -> Option<Command> {
    let found = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(Command::new("systemd-analyze"));
    }
    let required = std::env::var("SWITCHBOARD_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "systemd-analyze is missing and SWITCHBOARD_REQUIRE_TOOLS=1: install Debian's `systemd`"
    );
    // Straight to the process's stderr: the test harness shows `eprintln!` of failures only.
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: systemd-analyze is not installed: deploy/switchboard.service not checked"
    );
    None
}

/// The unit in a fresh directory under its own name, starting the binary this build made
/// (`verify` refuses an `ExecStart` whose file does not exist).
fn unit_for_this_build() -> (tempfile::TempDir, PathBuf) {
    let text = unit();
    assert_eq!(text.matches(EXEC_START).count(), 1, "{EXEC_START} changed");
    let here = EXEC_START.replace(
        "/usr/local/bin/switchboard",
        env!("CARGO_BIN_EXE_switchboard"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.service");
    std::fs::write(&path, text.replace(EXEC_START, &here)).unwrap();
    (dir, path)
}

#[test]
fn systemd_analyze_verify_accepts_the_unit_without_a_warning() {
    let Some(mut analyze) = systemd_analyze() else {
        return;
    };
    let (_dir, path) = unit_for_this_build();

    let out = analyze.arg("verify").arg(&path).output().unwrap();

    // verify exits 0 on a misspelt key or an unparsable value too, with a warning naming the
    // unit: any such line fails the test.
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .filter(|l| l.contains("switchboard.service"))
        .collect();
    assert!(warnings.is_empty(), "systemd-analyze verify: {warnings:#?}");
}

#[test]
fn systemd_analyze_security_rates_the_unit_well_hardened() {
    let Some(mut analyze) = systemd_analyze() else {
        return;
    };
    let (_dir, path) = unit_for_this_build();

    // Exposure runs from 0 (locked down) to 10; without its hardening lines this unit rates
    // 9.6, with them 1.4 (systemd 252). `--threshold` fails the command above 2.0.
    let out = analyze
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();

    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
}

#[test]
fn the_unit_runs_the_binary_hardened_with_its_database_in_the_state_directory() {
    let unit = unit();
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("StateDirectory", "switchboard"),
        ("ConfigurationDirectory", "switchboard"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("KillSignal", "SIGTERM"),
        ("Restart", "on-failure"),
    ] {
        assert_eq!(directive(&unit, key), value, "{key}");
    }
    assert!(directive(&unit, "MemoryMax").ends_with('M'));
    assert!(directive(&unit, "LimitNOFILE").parse::<u32>().unwrap() > 1024);
    // The database is in the one directory the service may write.
    let db = directive(&unit, "Environment");
    assert_eq!(db, "SWITCHBOARD_DB=%S/switchboard/switchboard.db");
}

#[test]
fn the_stop_timeout_outlasts_the_default_shutdown_grace() {
    let unit = unit();
    let stop = directive(&unit, "TimeoutStopSec");
    let secs: u64 = stop.strip_suffix('s').unwrap_or(&stop).parse().unwrap();

    let out = switchboard(&["config", "check"], &[]);

    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let grace_ms = stdout
        .lines()
        .find_map(|l| l.strip_prefix("shutdown_grace_ms = "))
        .expect("shutdown_grace_ms shown")
        .parse::<u64>()
        .unwrap();
    assert!(
        secs * 1000 >= 2 * grace_ms,
        "TimeoutStopSec={stop} leaves no room after shutdown_grace_ms={grace_ms}"
    );
}

#[test]
fn the_flags_the_unit_passes_are_the_binarys() {
    // `serve --config FILE` reaches the file (clap would refuse an unknown flag first).
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("config.toml");

    let out = switchboard(&["serve", "--config", missing.to_str().unwrap()], &[]);

    let (_, stderr) = texts(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot read config"), "{stderr}");
}
