//! The run's Markdown section (the machine, the load average, the command, every table) and
//! where it goes: `target/bench/report.md` with the chart beside it, and on a full run README's
//! section between the bench markers and `docs/bench.svg`.

use crate::report::Report;
use crate::{tables, Res, Settings, CONNECTIONS, WARMUP};
use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";
/// README's markers around the PostgreSQL mode's section ([`crate::postgres`]).
pub const PG_BEGIN: &str = "<!-- bench:postgres:begin -->";
pub const PG_END: &str = "<!-- bench:postgres:end -->";

/// The machine and the run's conditions.
pub struct Conditions {
    pub load_before: String,
    pub load_after: String,
    /// wrk's version, or `None` when it was not found.
    pub wrk: Option<String>,
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub fn today() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(now, 0).map_or_else(
        || "?".into(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// The whole section.
pub fn section(r: &Report, s: &Settings, c: &Conditions) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut out = format!(
        "Written by the benchmark on {}: `{}`, on {cpus} CPUs ({}); 1-minute load average {} \
         before the run and {} after.\n\n",
        today(),
        s.command(),
        cpu_model(),
        c.load_before,
        c.load_after
    );
    out += &match &c.wrk {
        Some(v) => format!(
            "Load drivers: `{v}` (`-t2 -c<n> -d<secs>s --latency`, a generated Lua script) and \
             the bench's own hyper client, {CONNECTIONS} keep-alive connections unless a table \
             says otherwise. wrk counts HTTP statuses only; the own client also checks each \
             body. Targets are judged on wrk's ratio. "
        ),
        None => "wrk was not found on this machine: the bench's own hyper client drove every \
                 run, so a ratio may be bounded by the client. "
            .into(),
    };
    out += &format!(
        "Throughput is the median of {} repetitions of {} s (the own client after a {} s \
         warm-up), as a ratio to a bare hyper + serde_json echo server measured in the same \
         run.\n\n",
        s.reps,
        s.secs,
        WARMUP.as_secs_f64()
    );
    let mut part = |title: &str, body: String| {
        if !body.is_empty() {
            out += &format!("**{title}**\n\n{body}\n");
        }
    };
    part("Size, memory, start-up", r.footprint());
    part("Throughput", tables::throughput(r));
    part(
        "Database size: op 1009 (10 contacts, a random one of the 100 bench accounts) and \
         HelpAged GET /api/user/info, with filler accounts (3 contacts each) seeded before the \
         start",
        tables::sizes(r),
    );
    part(
        "Answer size: op 1009 for one account's book",
        tables::answers(r),
    );
    part(
        "Connections: op 1009 (10 contacts, a random one of the 100 bench accounts)",
        tables::connections(r),
    );
    part(
        "Under login load: a fresh server, HelpAged logins back to back",
        tables::logins(r, s.logins),
    );
    out
}

/// The directory of the report and the chart: `target/bench`.
pub fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench")
}

/// Replaces README's section between the bench markers with `section`.
pub fn write_readme(section: &str) -> Res<()> {
    write_between(BEGIN, END, section)
}

/// Replaces what README.md holds between `begin` and `end` with `section`.
pub fn write_between(begin: &str, end: &str, section: &str) -> Res<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path)?;
    let (Some(b), Some(e)) = (readme.find(begin), readme.find(end)) else {
        return Err(format!("README.md has no {begin} … {end} markers").into());
    };
    if e < b {
        return Err(format!("README.md's {begin} markers are out of order").into());
    }
    let head = &readme[..b + begin.len()];
    let new = format!("{head}\n{}{}", section.trim_start(), &readme[e..]);
    std::fs::write(&path, new)?;
    Ok(())
}
