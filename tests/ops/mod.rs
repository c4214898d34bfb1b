//! Running Switchboard as an operator does: the command line's `--version` and `config check`,
//! and the systemd unit in `deploy/` (SIGTERM's graceful stop is tested on the real binary in
//! `http::durability`).

mod config_check;
mod service_unit;

use std::process::{Command, Output};

/// The real `switchboard` binary with `args`, in an environment without the test runner's own
/// `SWITCHBOARD_*` variables (CI sets `SWITCHBOARD_REQUIRE_TOOLS`), plus `env`.
fn switchboard(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SWITCHBOARD_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .env_remove("RUST_LOG")
        .output()
        .expect("run switchboard")
}

/// Standard output and standard error as text.
fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
