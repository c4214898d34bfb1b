//! What a run gathered, and its first table (sizes, memory, start-up), as Markdown.

use crate::client::LoginLoad;
use crate::drive::{Pair, Rates};
use crate::proc::Memory;
use crate::scaling::{AnswerRow, SizeRow};
use crate::{CONNECTIONS, KIB_PER_MIB, STARTS};

/// One line of the footprint table.
struct Row {
    measure: String,
    switchboard: String,
    baseline: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

/// Everything a run measured.
#[derive(Default)]
pub struct Report {
    /// Sizes, memory, start-up.
    rows: Vec<Row>,
    /// The main scenarios: label, target ratio, rates.
    pub throughput: Vec<(String, Option<f64>, Rates)>,
    pub sizes: Vec<SizeRow>,
    pub answers: Vec<AnswerRow>,
    pub connections: Vec<(usize, Pair)>,
    /// The login phase and the server's peak RSS in it (KiB).
    pub logins: Option<(LoginLoad, u64)>,
}

pub const NONE: &str = "–";

pub fn mib(kib: f64) -> String {
    format!("{:.1} MiB", kib / KIB_PER_MIB)
}

/// `yes`, `MISSED` or `–`.
pub fn met(m: Option<bool>) -> &'static str {
    m.map_or(NONE, |m| if m { "yes" } else { "MISSED" })
}

/// A Markdown table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!("| {} |\n|", header.join(" | "));
    s += &"---|".repeat(header.len());
    s += "\n";
    for r in rows {
        s += &format!("| {} |\n", r.join(" | "));
    }
    s
}

/// VmRSS with its anonymous and file-backed parts.
fn rss(m: &Memory) -> String {
    let [rss, anon, file] = [m.rss, m.anon, m.file].map(|k| mib(k as f64));
    format!("{rss} (anon {anon}, file {file})")
}

impl Report {
    fn push(&mut self, measure: &str, sb: String, target: &str, met: Option<bool>) {
        self.rows.push(Row {
            measure: measure.into(),
            switchboard: sb,
            baseline: NONE.into(),
            ratio: NONE.into(),
            target: if target.is_empty() { NONE } else { target }.into(),
            met,
        });
    }

    pub fn binary_size(&mut self, bytes: u64) {
        let kib = bytes as f64 / 1024.0;
        let met = kib <= 8.0 * KIB_PER_MIB;
        self.push("release binary size", mib(kib), "≤ 8 MiB", Some(met));
    }

    pub fn idle_after_preparation(&mut self, m: &Memory) {
        let met = m.rss as f64 <= 8.0 * KIB_PER_MIB;
        let label = "idle RSS after start-up + data preparation (VmRSS)";
        self.push(label, rss(m), "≤ 8 MiB", Some(met));
        let label = "peak RSS of start-up + preparation (VmHWM; argon2 in 1001 and 1003)";
        self.push(label, mib(m.hwm as f64), "", None);
    }

    pub fn idle_after_load(&mut self, m: &Memory) {
        let met = m.rss as f64 <= 8.0 * KIB_PER_MIB;
        let label = "idle RSS after every load on this server (throughput, answer sizes, connections; VmRSS)";
        self.push(label, rss(m), "≤ 8 MiB", Some(met));
    }

    pub fn startup(&mut self, millis: f64, m: &Memory) {
        let label = format!("start-up, spawn → first /healthz 200 (median of {STARTS})");
        let met = millis <= 20.0;
        self.push(&label, format!("{millis:.1} ms"), "≤ 20 ms", Some(met));
        let label = format!("RSS right after a start on the prepared db (median of {STARTS})");
        self.push(&label, rss(m), "", None);
    }

    pub fn peak_after_load(&mut self, sb: u64, base: u64) {
        self.rows.push(Row {
            measure: format!("peak RSS after the {CONNECTIONS}-connection load (VmHWM)"),
            switchboard: mib(sb as f64),
            baseline: mib(base as f64),
            ratio: format!("{:.2}×", sb as f64 / base as f64),
            target: "≤ 24 MiB".into(),
            met: Some(sb as f64 <= 24.0 * KIB_PER_MIB),
        });
    }

    /// Cold start rows from the database-size phase (a target from 10⁶ accounts on).
    pub fn cold_starts(&mut self) {
        let rows: Vec<(u64, f64)> = self
            .sizes
            .iter()
            .filter(|r| r.fillers > 0)
            .map(|r| (r.fillers, r.cold_start_ms))
            .collect();
        for (fillers, ms) in rows {
            let label = format!(
                "cold start, spawn → first /healthz 200, database of {} filler accounts",
                crate::tables::count(fillers)
            );
            let (target, ok) = match fillers >= 1_000_000 {
                true => ("≤ 50 ms", Some(ms <= 50.0)),
                false => ("", None),
            };
            self.push(&label, format!("{ms:.1} ms"), target, ok);
        }
    }

    /// The footprint table.
    pub fn footprint(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.measure.clone(),
                    r.switchboard.clone(),
                    r.baseline.clone(),
                    r.ratio.clone(),
                    r.target.clone(),
                    met(r.met).into(),
                ]
            })
            .collect();
        let header = [
            "measure",
            "switchboard",
            "baseline",
            "ratio",
            "target",
            "met?",
        ];
        table(&header, &rows)
    }
}
