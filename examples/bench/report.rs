//! The Markdown table.

use crate::client::Rates;
use crate::proc::Memory;
use crate::scenario::Scenario;
use crate::{Settings, CONNECTIONS, KIB_PER_MIB, STARTS, WARMUP};

/// One line of the table.
struct Row {
    measure: String,
    switchboard: String,
    baseline: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

/// The rows gathered during the run.
#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    notes: Vec<String>,
}

const NONE: &str = "–";

fn mib(kib: f64) -> String {
    format!("{:.1} MiB", kib / KIB_PER_MIB)
}

/// VmRSS with its anonymous and file-backed parts.
fn rss(m: &Memory) -> String {
    let [rss, anon, file] = [m.rss, m.anon, m.file].map(|k| mib(k as f64));
    format!("{rss} (anon {anon}, file {file})")
}

impl Table {
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

    pub fn startup(&mut self, millis: f64, m: &Memory) {
        let label = format!("start-up, spawn → first /healthz 200 (median of {STARTS})");
        let met = millis <= 20.0;
        self.push(&label, format!("{millis:.1} ms"), "≤ 20 ms", Some(met));
        let label = format!("RSS right after a start on the prepared db (median of {STARTS})");
        self.push(&label, rss(m), "", None);
    }

    pub fn scenario(&mut self, sc: &Scenario, r: &Rates) {
        let ratio = r.switchboard / r.baseline;
        self.rows.push(Row {
            measure: format!("{}: requests/s (median)", sc.label),
            switchboard: format!("{:.0}", r.switchboard),
            baseline: format!("{:.0}", r.baseline),
            ratio: format!("{ratio:.3}×"),
            target: sc.target.map_or(NONE.into(), |t| format!("≥ {t:.2}×")),
            met: sc.target.map(|t| ratio >= t),
        });
        if r.failed > 0 {
            let n = r.failed;
            self.notes
                .push(format!("{}: {n} failed answers were not counted", sc.label));
        }
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

    pub fn logins(&mut self, l: &crate::client::LoginLoad, n: usize) {
        let d = switchboard::config::Config::default();
        let cost = format!(
            "argon2id m={} KiB, t={}, p={}, {} at once",
            d.argon2_m_cost_kib, d.argon2_t_cost, d.argon2_p_cost, d.hashing_concurrency
        );
        let label = format!("HelpAged login pass from {n} connections: logins/s ({cost})");
        self.push(&label, format!("{:.1}", l.logins_per_s), "", None);
        let label = format!("…meanwhile GET /healthz p99 ({} probes in all)", l.samples);
        let met = l.p99_healthz_ms <= 10.0;
        self.push(
            &label,
            format!("{:.2} ms", l.p99_healthz_ms),
            "≤ 10 ms",
            Some(met),
        );
        let label = "…meanwhile a cheap request (unknown op) p99";
        let met = l.p99_cheap_ms <= 10.0;
        self.push(
            label,
            format!("{:.2} ms", l.p99_cheap_ms),
            "≤ 10 ms",
            Some(met),
        );
        let label = "…meanwhile op 1009 (a read through the store) p99";
        let met = l.p99_read_ms <= 10.0;
        self.push(
            label,
            format!("{:.2} ms", l.p99_read_ms),
            "≤ 10 ms",
            Some(met),
        );
    }

    pub fn print(&self, s: &Settings, load_before: &str, load_after: &str) {
        println!("\n## Switchboard benchmark\n");
        println!("command: `{}`\n", s.command());
        println!(
            "{} s measured per repetition after {} s warm-up, repetitions: {}, interleaved \
             with the baseline, {CONNECTIONS} keep-alive connections; {} CPUs, \
             1-min load average {load_before} before and {load_after} after.\n",
            s.secs,
            WARMUP.as_secs_f64(),
            s.reps,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        );
        println!("| measure | switchboard | baseline | ratio | target | met? |");
        println!("|---|---|---|---|---|---|");
        for r in &self.rows {
            let met = r.met.map_or(NONE, |m| if m { "yes" } else { "MISSED" });
            println!(
                "| {} | {} | {} | {} | {} | {met} |",
                r.measure, r.switchboard, r.baseline, r.ratio, r.target
            );
        }
        for n in &self.notes {
            println!("\nnote: {n}");
        }
    }
}
