//! Switchboard benchmark: binary size, start-up time, memory and throughput of the real
//! `switchboard` binary, with throughput and memory compared against a bare hyper + serde_json
//! echo server measured in the same run, and how throughput grows with the database, the answer
//! and the connections.
//!
//! ```text
//! cargo run --release --example bench                        # full run, ~10 min + build
//! BENCH_SECS=1 BENCH_REPS=1 BENCH_SIZES=0,10000 cargo run --release --example bench  # quick
//! cargo run --release --example bench -- seed --db PATH --accounts N [--contacts K]
//! ```
//!
//! One run:
//!
//! 1. builds the server (`cargo build --release --bin switchboard`) and reports its size;
//! 2. starts it on a fresh database in a temporary directory (config: `log = "warn"`, every
//!    other setting default) and prepares data through its API (`prepare.rs`): 100 accounts
//!    `1300000xxxx` (op 1001, op 1003, 10 contacts with 2 phones and 2 mails each by op 1005,
//!    4 at a time since each login hashes argon2id), the account scenario c grows, the login
//!    probe's account, books of 100 and 1 000 contacts, HelpAged and INEWW logins, 100 rooms;
//!    lets it settle and reads its RSS;
//! 3. restarts it 5 times on that database, timing spawn → first `200` of `GET /healthz`;
//! 4. starts it once more next to the baseline (this same executable re-run as
//!    `bench baseline-server <port>`: hyper 1.x HTTP/1.1 on a default multi-thread tokio
//!    runtime that parses each body into a `serde_json::Value` and answers it re-serialised);
//! 5. drives each with 64 keep-alive connections, alternating baseline and Switchboard for
//!    `BENCH_REPS` repetitions, each repetition once with the bench's own client (a 0.5 s
//!    warm-up, then `BENCH_SECS` measured; only complete `200` answers showing success count)
//!    and once with `wrk -t2 -c64 --latency` and a generated Lua script when wrk is installed
//!    (`wrk.rs`), in these scenarios: (a) op 1009 listing 10 contacts of a random one of the 100
//!    accounts, (b) an unknown op, (c) op 1005 adding one contact (synchronous=FULL, group
//!    commit), (d) HelpAged `GET /api/user/info?token=`, (e) INEWW `GET /ineww/session` with
//!    `USER-ID` and `ACCESS-TOKEN`, (f) rooms `GET /rooms/?page=1` over 100 active rooms. The
//!    baseline gets the identical request and echoes its body (`{}` for none);
//! 6. reads both servers' peak RSS (VmHWM); then, on the same two servers, op 1009 for books
//!    of 10, 100 and 1 000 contacts (answer size) and op 1009 over 1, 16, 64 and 256
//!    connections (`scaling.rs`; wrk when installed, else the own client, for all scaling
//!    tables);
//! 7. on a fresh start, 32 connections (`BENCH_LOGINS`) send HelpAged logins back to back while a probe
//!    connection cycles `GET /healthz`, an unknown op and op 1009, timing each; the server's
//!    VmHWM after that phase;
//! 8. for each size in `BENCH_SIZES` (default `0,10000,1000000`) seeds that many filler
//!    accounts into a fresh database (`seed` sub-command's code, `switchboard::store::seed`),
//!    times a cold start on it, prepares the 100 accounts and measures op 1009 and the HelpAged
//!    info read;
//! 9. writes the Markdown section (`readme.rs`) and the chart (`chart.rs`) to `target/bench/`,
//!    README's section between the bench markers and `docs/bench.svg`.
//!
//! `BENCH_ONLY=ad` runs only the main scenarios with those letters and the login phase, and
//! skips the scaling phases of steps 6 and 8, the chart and README (for profiling).
//! `BENCH_ONLY=proxy` runs only the proxies' overhead phase ([`proxy`]) after preparation.
//! `BENCH_ONLY=postgres` (with `BENCH_DATABASE_URL`) runs only the PostgreSQL mode
//! ([`postgres`]): one node and two nodes on one PostgreSQL, written to README's own section.
//!
//! The machine may be shared and noisy, so throughput is reported as a ratio of medians to the
//! baseline of the same run. `BENCH_SECS` (default 3) and `BENCH_REPS` (default 3) shorten or
//! lengthen the run. The exit code is 0 whenever the bench ran, targets met or not (a miss is
//! printed as `MISSED`); it is non-zero only when the bench could not run. Child servers are
//! killed on every exit path, panics included, and the temporary directory is removed.

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
    /// Filler accounts of the database-size phase (`BENCH_SIZES=0,10000,1000000`).
    sizes: Vec<u64>,
    /// Connections of the login phase (`BENCH_LOGINS`, default 32; the abuse-limits flood
    /// was 200).
    logins: usize,
}

impl Settings {
    fn from_env() -> Res<Settings> {
        let s = Settings {
            secs: env_or("BENCH_SECS", 3.0)?,
            reps: env_or("BENCH_REPS", 3)?,
            only: std::env::var("BENCH_ONLY").ok(),
            sizes: sizes()?,
            logins: env_or("BENCH_LOGINS", 32)?,
        };
        if s.secs <= 0.0 || s.reps == 0 {
            return Err("BENCH_SECS and BENCH_REPS must be positive".into());
        }
        Ok(s)
    }

    /// The command line that reproduces this run.
    fn command(&self) -> String {
        let set: Vec<String> = [
            "BENCH_SECS",
            "BENCH_REPS",
            "BENCH_ONLY",
            "BENCH_SIZES",
            "BENCH_LOGINS",
        ]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}={v} ")))
        .collect();
        format!("{}cargo run --release --example bench", set.concat())
    }
}

/// `BENCH_SIZES`, default `0,10000,1000000`.
fn sizes() -> Res<Vec<u64>> {
    let text = std::env::var("BENCH_SIZES").unwrap_or_else(|_| "0,10000,1000000".into());
    text.split(',')
        .map(|n| n.trim().replace('_', "").parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("BENCH_SIZES={text:?} is not a list of numbers").into())
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
    let full = settings.only.is_none();
    let load_before = loadavg();
    let exe = build_server()?;
    let mut report = report::Report::default();
    report.binary_size(std::fs::metadata(&exe)?.len());
    let dir = tempfile::tempdir()?;
    let sb = proc::Switchboard::new(exe.clone(), dir.path())?;
    let rt = tokio::runtime::Runtime::new()?;
    let wrk = wrk::Wrk::find(dir.path());
    match &wrk {
        Some(w) => eprintln!("bench: load drivers: own client and {}", w.version),
        None => eprintln!("bench: wrk not found: the own client drives every run"),
    }
    let ctx = drive::Ctx {
        rt: &rt,
        settings: &settings,
        wrk,
    };
    if settings.only.as_deref() == Some("postgres") {
        return postgres::phase(&ctx, &exe, dir.path());
    }
    let prepared = prepare(&rt, &sb, &mut report)?;
    if settings.only.as_deref() == Some("proxy") {
        return proxy::phase(&rt, &sb, &exe, dir.path(), &prepared, settings.secs);
    }
    startups(&sb, &mut report)?;
    throughput(&ctx, &sb, &prepared, &mut report)?;
    report.logins = Some(scaling::under_logins(&ctx, &sb, &prepared)?);
    if full {
        let sizes = &settings.sizes;
        report.sizes = scaling::database_sizes(&ctx, &exe, dir.path(), sizes)?;
        report.cold_starts();
    }
    let conditions = readme::Conditions {
        load_before,
        load_after: loadavg(),
        wrk: ctx.wrk.as_ref().map(|w| w.version.clone()),
    };
    let section = readme::section(&report, &settings, &conditions);
    println!("\n{section}");
    let out = readme::out_dir();
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.md"), &section)?;
    if full {
        chart::draw(&out.join("bench.svg"), &report)?;
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs)?;
        std::fs::copy(out.join("bench.svg"), docs.join("bench.svg"))?;
        readme::write_readme(&section)?;
        eprintln!(
            "bench: wrote README.md's section, docs/bench.svg and {}",
            out.display()
        );
    }
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
    t: &mut report::Report,
) -> Res<scenario::Prepared> {
    let server = sb.start()?;
    eprintln!("bench: preparing data on {}", server.addr);
    let began = std::time::Instant::now();
    let token = rt.block_on(prepare::everything(server.addr))?;
    eprintln!("bench: prepared in {:.1} s", began.elapsed().as_secs_f64());
    std::thread::sleep(SETTLE);
    t.idle_after_preparation(&proc::memory(server.id())?);
    server.stop()?;
    Ok(token)
}

/// Times `STARTS` fresh starts on the prepared database.
fn startups(sb: &proc::Switchboard, t: &mut report::Report) -> Res<()> {
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

/// The load scenarios, both servers' peak RSS, then (on a full run) the answer-size and
/// connection phases on the same two servers.
fn throughput(
    ctx: &drive::Ctx,
    sb: &proc::Switchboard,
    prepared: &scenario::Prepared,
    r: &mut report::Report,
) -> Res<()> {
    let server = sb.start()?;
    let base = proc::Baseline::start()?;
    let targets = drive::Targets {
        switchboard: server.addr,
        baseline: base.addr,
    };
    let only = ctx.settings.only.as_ref();
    let wanted = |label: &str| {
        only.is_none_or(|only| label.chars().next().is_some_and(|c| only.contains(c)))
    };
    for scenario in scenario::all(prepared)
        .into_iter()
        .filter(|s| wanted(s.label))
    {
        let rates = ctx
            .compare(&scenario, &targets)
            .map_err(|e| format!("scenario {}: {e}", scenario.label))?;
        r.throughput
            .push((scenario.label.into(), scenario.target, rates));
    }
    let sb_peak = proc::memory(server.id())?.hwm;
    let base_peak = proc::memory(base.id())?.hwm;
    r.peak_after_load(sb_peak, base_peak);
    if only.is_none() {
        r.answers = scaling::answer_sizes(ctx, prepared, server.addr)?;
        r.connections = scaling::connections(ctx, prepared, &targets)?;
        // What a box keeps once the load has passed: the issue's idle RSS.
        std::thread::sleep(SETTLE);
        r.idle_after_load(&proc::memory(server.id())?);
    }
    base.stop()?;
    server.stop()
}

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

mod baseline;
mod chart;
mod client;
mod drive;
mod postgres;
mod prepare;
mod proc;
mod proxy;
mod readme;
mod report;
mod scaling;
mod scenario;
mod seeding;
mod tables;
mod wrk;
