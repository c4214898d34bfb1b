//! `wrk` as the load driver: a Lua script generated per scenario (method, path, headers, body,
//! and for a spread scenario one of its prebuilt requests picked with `math.random` per
//! request), one `wrk --latency` run, and its output parsed. wrk counts HTTP statuses only
//! (non-2xx/3xx and socket errors); the bodies are checked by the own client in the same
//! repetition.

use crate::drive::Run;
use crate::scenario::Scenario;
use crate::Res;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Threads of one wrk run (fewer when there are fewer connections).
const THREADS: usize = 2;

/// wrk on this machine, and where its scripts go.
pub struct Wrk {
    exe: PathBuf,
    dir: PathBuf,
    /// First line of `wrk -v`.
    pub version: String,
}

impl Wrk {
    /// wrk from `PATH`, if there is one that runs.
    pub fn find(dir: &Path) -> Option<Wrk> {
        let path = std::env::var_os("PATH")?;
        let exe = std::env::split_paths(&path)
            .map(|d| d.join("wrk"))
            .find(|p| p.is_file())?;
        // `wrk -v` prints its version and exits non-zero.
        let out = Command::new(&exe).arg("-v").output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let version = text.lines().next()?.split(" Copyright").next()?.trim();
        Some(Wrk {
            version: version.to_string(),
            exe,
            dir: dir.to_path_buf(),
        })
    }

    /// The same wrk, writing its scripts into `dir` (created): for runs at once.
    pub fn in_dir(&self, dir: &Path) -> Res<Wrk> {
        std::fs::create_dir_all(dir)?;
        Ok(Wrk {
            exe: self.exe.clone(),
            dir: dir.to_path_buf(),
            version: self.version.clone(),
        })
    }

    /// `connections` connections sending `sc`'s request to `addr` for `secs` (whole seconds,
    /// at least 1).
    pub fn run(&self, sc: &Scenario, addr: SocketAddr, connections: usize, secs: f64) -> Res<Run> {
        let script = self.dir.join("wrk.lua");
        std::fs::write(&script, lua(sc))?;
        let secs = secs.ceil().max(1.0) as u64;
        let out = Command::new(&self.exe)
            .arg(format!("-t{}", THREADS.min(connections)))
            .arg(format!("-c{connections}"))
            .arg(format!("-d{secs}s"))
            .arg("--latency")
            .arg("-s")
            .arg(&script)
            .arg(format!("http://{addr}{}", sc.path))
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!("wrk failed ({}): {text}{err}", out.status).into());
        }
        let run = parse(&text).map_err(|e| format!("{e} in wrk's output:\n{text}"))?;
        if run.failed > 0 {
            // Which kind of failure, for whoever reads the run: wrk counts, never explains.
            for line in text.lines().map(str::trim) {
                if line.starts_with("Socket errors:") || line.starts_with("Non-2xx") {
                    eprintln!("bench: wrk, {} at {addr}: {line}", sc.label);
                }
            }
        }
        Ok(run)
    }
}

/// A Lua long string holding `s` (which never contains `]==]`: JSON, tokens, paths).
fn quote(s: &str) -> String {
    format!("[==[{s}]==]")
}

/// The script for `sc`: a fixed request, or `auths.len()` prebuilt ones picked at random.
fn lua(sc: &Scenario) -> String {
    let mut s = String::new();
    s += &format!("wrk.method = {}\n", quote(sc.method.as_str()));
    s += &format!("wrk.path = {}\n", quote(&sc.path));
    s += "wrk.headers[\"Host\"] = \"bench\"\n";
    if let Some(body) = &sc.body {
        s += &format!("wrk.body = {}\n", quote(&body.to_string()));
        s += "wrk.headers[\"Content-Type\"] = \"application/json\"\n";
    }
    for (k, v) in &sc.headers {
        // A space keeps `[ [==[` from reading as a long bracket `[[`.
        s += &format!("wrk.headers[ {} ] = {}\n", quote(k), quote(v));
    }
    if sc.auths.is_empty() {
        return s;
    }
    let auths: Vec<String> = sc.auths.iter().map(|a| quote(a)).collect();
    s += &format!("local auths = {{{}}}\n", auths.join(",\n"));
    s += r#"local requests = {}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  for i, a in ipairs(auths) do
    wrk.headers["Authorization"] = a
    requests[i] = wrk.format()
  end
end
function request()
  return requests[math.random(#requests)]
end
"#;
    s
}

/// A wrk duration (`812.00us`, `1.93ms`, `2.01s`, `1.00m`) in milliseconds.
fn millis(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        "h" => n * 3_600_000.0,
        _ => return None,
    })
}

/// Rate of good answers, failures and p99 from wrk's `--latency` output.
fn parse(out: &str) -> Res<Run> {
    let mut requests = None;
    let mut elapsed_ms = None;
    let mut p99_ms = None;
    let mut failed = 0u64;
    for line in out.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ["99%", v] = words[..] {
            p99_ms = millis(v);
        } else if let [n, "requests", "in", t, ..] = words[..] {
            requests = n.parse::<u64>().ok();
            elapsed_ms = millis(t.trim_end_matches(','));
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // connect A, read B, write C, timeout D
            failed += rest
                .split(',')
                .filter_map(|p| p.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        } else if let Some(n) = line.strip_prefix("Non-2xx or 3xx responses:") {
            failed += n.trim().parse::<u64>()?;
        }
    }
    let (requests, elapsed_ms) = match (requests, elapsed_ms) {
        (Some(r), Some(t)) if t > 0.0 => (r, t),
        _ => return Err("no \"N requests in T\" line".into()),
    };
    Ok(Run {
        rate: requests.saturating_sub(failed) as f64 * 1000.0 / elapsed_ms,
        failed,
        p99_ms: p99_ms.ok_or("no 99% latency line")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_wrk_output() {
        let out = "Running 1s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n  \
            Latency Distribution\n     50%  1.00ms\n     99%  812.00us\n  \
            2000 requests in 1.00s, 1.00MB read\n  \
            Socket errors: connect 0, read 2, write 0, timeout 1\n  \
            Non-2xx or 3xx responses: 7\nRequests/sec: 2000.00\n";
        let run = super::parse(out).unwrap();
        assert_eq!(run.failed, 10);
        assert!((run.rate - 1990.0).abs() < 1e-6);
        assert!((run.p99_ms - 0.812).abs() < 1e-9);
    }
}
