//! Switchboard benchmark: binary size, start-up time, memory and throughput of the real
//! `switchboard` binary, with throughput and memory compared against a bare hyper + serde_json
//! echo server measured in the same run.
//!
//! ```text
//! cargo run --release --example bench                               # full run, ~75 s + build
//! BENCH_SECS=1 BENCH_REPS=1 cargo run --release --example bench     # quick run
//! ```
//!
//! One run:
//!
//! 1. builds the server (`cargo build --release --bin switchboard`) and reports its size;
//! 2. starts it on a fresh database in a temporary directory (config: `log = "warn"`, every
//!    other setting default), registers 13000000001 (op 1001), logs in (op 1003) and adds 10
//!    contacts with 2 phones and 2 mails each (op 1005), logs in through HelpAged and INEWW,
//!    opens 100 rooms as a rooms user, lets it settle and reads its RSS;
//! 3. restarts it 5 times on that database, timing spawn → first `200` of `GET /healthz`;
//! 4. starts it once more next to the baseline (this same executable re-run as
//!    `bench baseline-server <port>`: hyper 1.x HTTP/1.1 on a default multi-thread tokio
//!    runtime that parses each body into a `serde_json::Value` and answers it re-serialised);
//! 5. drives each with 64 keep-alive connections sending back to back (a 0.5 s warm-up, then
//!    `BENCH_SECS` measured), alternating baseline and Switchboard for `BENCH_REPS`
//!    repetitions, in these scenarios: (a) op 1009 listing the 10 contacts, (b) an unknown op,
//!    (c) op 1005 adding one contact (synchronous=FULL, group commit), (d) HelpAged
//!    `GET /api/user/info?token=`, (e) INEWW `GET /ineww/session` with `USER-ID` and
//!    `ACCESS-TOKEN`, (f) rooms `GET /rooms/?page=1` over 100 active rooms. The baseline gets the identical request and echoes its body (`{}` for
//!    none). Only complete `200` answers whose body was read and that show success count;
//! 6. reads both servers' peak RSS (VmHWM);
//! 7. on a fresh start, 200 connections flood HelpAged logins back to back (argon2id at the
//!    default cost; beyond the bounded hash queue a login is refused at once) while a probe
//!    connection cycles `GET /healthz`, an unknown op and op 1009 (a read through the store),
//!    timing each: successful logins/s and the three p99 latencies; then prints a Markdown
//!    table.
//!
//! `BENCH_ONLY=ad` runs only the scenarios with those letters (for profiling one of them).
//!
//! The machine may be shared and noisy, so throughput is reported only as a ratio of medians
//! to the baseline of the same run. `BENCH_SECS` (default 3) and `BENCH_REPS` (default 3)
//! shorten or lengthen the run. The exit code is 0 whenever the bench ran, targets met or not
//! (a miss is printed as `MISSED`); it is non-zero only when the bench could not run.
//! Child servers are killed on every exit path, panics included, and the temporary directory
//! is removed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, Error>;

/// The account the bench registers.
const PHONE: &str = "13000000001";
/// Its password.
const PASSWORD: &str = "123456";
/// Concurrent keep-alive connections of the load client.
const CONNECTIONS: usize = 64;
/// Load sent before counting starts, in every repetition.
const WARMUP: Duration = Duration::from_millis(500);
/// Fresh starts timed on the prepared database.
const STARTS: usize = 5;
/// Pause after data preparation before the idle RSS is read.
const SETTLE: Duration = Duration::from_secs(1);
/// Kibibytes per mebibyte (`/proc` reports kB meaning KiB).
const KIB_PER_MIB: f64 = 1024.0;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("baseline-server") => baseline::serve(args.get(1).map(String::as_str)),
        Some("seed") => seeding::command(&args[1..]),
        Some(other) => Err(format!("unknown argument {other:?}").into()),
        None => run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Run length, from the environment.
struct Settings {
    /// Measured seconds per repetition.
    secs: f64,
    /// Repetitions per scenario (each one baseline run and one Switchboard run).
    reps: usize,
    /// Only the scenarios whose letters are listed (`BENCH_ONLY=ad`), for profiling.
    only: Option<String>,
}

impl Settings {
    fn from_env() -> Res<Settings> {
        let s = Settings {
            secs: env_or("BENCH_SECS", 3.0)?,
            reps: env_or("BENCH_REPS", 3)?,
            only: std::env::var("BENCH_ONLY").ok(),
        };
        if s.secs <= 0.0 || s.reps == 0 {
            return Err("BENCH_SECS and BENCH_REPS must be positive".into());
        }
        Ok(s)
    }

    /// The command line that reproduces this run.
    fn command(&self) -> String {
        let set: Vec<String> = ["BENCH_SECS", "BENCH_REPS", "BENCH_ONLY"]
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}={v} ")))
            .collect();
        format!("{}cargo run --release --example bench", set.concat())
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Res<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a valid value").into()),
        Err(_) => Ok(default),
    }
}

/// The whole benchmark.
fn run() -> Res<()> {
    if cfg!(debug_assertions) {
        eprintln!("bench: warning: built without --release; the load client may be the limit");
    }
    let settings = Settings::from_env()?;
    let load_before = loadavg();
    let exe = build_server()?;
    let mut table = report::Table::default();
    table.binary_size(std::fs::metadata(&exe)?.len());
    let dir = tempfile::tempdir()?;
    let sb = proc::Switchboard::new(exe, dir.path())?;
    let rt = tokio::runtime::Runtime::new()?;
    let prepared = prepare(&rt, &sb, &mut table)?;
    startups(&sb, &mut table)?;
    throughput(&rt, &sb, &prepared, &settings, &mut table)?;
    logins(&rt, &sb, &prepared, &settings, &mut table)?;
    table.print(&settings, &load_before, &loadavg());
    Ok(())
}

/// Builds the server binary with cargo and answers its path.
fn build_server() -> Res<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    eprintln!("bench: cargo build --release --bin switchboard");
    let out = std::process::Command::new(cargo)
        .args(["build", "--release", "--bin", "switchboard"])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("building the server failed ({})", out.status).into());
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "switchboard")
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .next_back()
        .ok_or_else(|| "cargo reported no switchboard executable".into())
}

/// Fresh database: register, log in, add the contacts; then the idle RSS. Answers the
/// credentials the scenarios use.
fn prepare(
    rt: &tokio::runtime::Runtime,
    sb: &proc::Switchboard,
    t: &mut report::Table,
) -> Res<scenario::Prepared> {
    let server = sb.start()?;
    eprintln!("bench: preparing data on {}", server.addr);
    let token = rt.block_on(client::prepare(server.addr))?;
    std::thread::sleep(SETTLE);
    t.idle_after_preparation(&proc::memory(server.id())?);
    server.stop()?;
    Ok(token)
}

/// Times `STARTS` fresh starts on the prepared database.
fn startups(sb: &proc::Switchboard, t: &mut report::Table) -> Res<()> {
    let mut millis = Vec::new();
    let mut memory = Vec::new();
    for _ in 0..STARTS {
        let server = sb.start()?;
        millis.push(server.startup.as_secs_f64() * 1000.0);
        memory.push(proc::memory(server.id())?);
        server.stop()?;
    }
    eprintln!("bench: start-up times (ms): {millis:.1?}");
    memory.sort_by_key(|m| m.rss);
    t.startup(median(&mut millis), &memory[memory.len() / 2]);
    Ok(())
}

/// The load scenarios, then both servers' peak RSS.
fn throughput(
    rt: &tokio::runtime::Runtime,
    sb: &proc::Switchboard,
    prepared: &scenario::Prepared,
    settings: &Settings,
    t: &mut report::Table,
) -> Res<()> {
    let server = sb.start()?;
    let base = proc::Baseline::start()?;
    let wanted = |label: &str| {
        settings
            .only
            .as_ref()
            .is_none_or(|only| label.chars().next().is_some_and(|c| only.contains(c)))
    };
    for scenario in scenario::all(prepared)
        .into_iter()
        .filter(|s| wanted(s.label))
    {
        let targets = client::Targets {
            switchboard: server.addr,
            baseline: base.addr,
        };
        let rates = rt
            .block_on(client::compare(&scenario, &targets, settings))
            .map_err(|e| format!("scenario {}: {e}", scenario.label))?;
        t.scenario(&scenario, &rates);
    }
    let sb_peak = proc::memory(server.id())?.hwm;
    let base_peak = proc::memory(base.id())?.hwm;
    t.peak_after_load(sb_peak, base_peak);
    base.stop()?;
    server.stop()
}

/// HelpAged logins at the default argon2id cost from 32 connections, while a probe times
/// `/healthz` and a cheap request.
fn logins(
    rt: &tokio::runtime::Runtime,
    sb: &proc::Switchboard,
    prepared: &scenario::Prepared,
    settings: &Settings,
    t: &mut report::Table,
) -> Res<()> {
    let server = sb.start()?;
    let probe = client::login_probe(server.addr, LOGINS, settings.secs, &prepared.probe_jwt);
    let load = rt.block_on(probe)?;
    t.logins(&load, LOGINS);
    server.stop()
}

/// Concurrent login connections in the login flood (the abuse-limits issue's 200).
const LOGINS: usize = 200;

/// The median of `v` (which it sorts); 0 when empty.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The 1-minute load average, to show how busy the machine was.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

mod scenario;

mod proc;

mod client;

mod baseline;

mod report;

mod seeding;
