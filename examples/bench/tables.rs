//! The throughput table (own client and wrk side by side) and the scaling tables (database
//! size, answer size, connections, under login load), as Markdown.

use crate::drive::{Median, Pair};
use crate::report::{met, mib, table, Report, NONE};
use crate::KIB_PER_MIB;

/// `1 000 000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn rate(m: &Median) -> String {
    format!("{:.0}", m.rate)
}

/// The main scenarios.
pub fn throughput(r: &Report) -> String {
    let header = [
        "scenario: requests/s (median)",
        "wrk: switchboard",
        "wrk: baseline",
        "wrk: ratio",
        "own client: switchboard",
        "own client: baseline",
        "own client: ratio",
        "failed answers (wrk / own)",
        "target",
        "met?",
    ];
    let rows: Vec<Vec<String>> = r
        .throughput
        .iter()
        .map(|(label, target, rates)| {
            let wrk = rates.wrk.as_ref();
            let w = |f: fn(&Pair) -> String| wrk.map_or(NONE.to_string(), f);
            let failed = |p: &Pair| p.switchboard.failed + p.baseline.failed;
            vec![
                label.clone(),
                w(|p| rate(&p.switchboard)),
                w(|p| rate(&p.baseline)),
                w(|p| format!("{:.3}×", p.ratio())),
                rate(&rates.own.switchboard),
                rate(&rates.own.baseline),
                format!("{:.3}×", rates.own.ratio()),
                format!(
                    "{} / {}",
                    wrk.map_or(NONE.to_string(), |p| failed(p).to_string()),
                    failed(&rates.own)
                ),
                target.map_or(NONE.into(), |t| format!("≥ {t:.2}×")),
                met(target.map(|t| rates.ratio() >= t)).into(),
            ]
        })
        .collect();
    table(&header, &rows)
}

/// Database size: op 1009 and the HelpAged info read per seeded size, against the first.
pub fn sizes(r: &Report) -> String {
    let Some(first) = r.sizes.first() else {
        return String::new();
    };
    let header = [
        "filler accounts (+ 100 bench accounts)",
        "database file",
        "seeded in",
        "cold start",
        "op 1009 req/s",
        "vs first",
        "HelpAged info req/s",
        "vs first",
        "within 10%?",
    ];
    let rows: Vec<Vec<String>> = r
        .sizes
        .iter()
        .map(|s| {
            let l = s.list.rate / first.list.rate;
            let i = s.info.rate / first.info.rate;
            let (name, verdict) = match std::ptr::eq(s, first) {
                true => (format!("{} (reference)", count(s.fillers)), NONE),
                false => (count(s.fillers), met(Some(l >= 0.9 && i >= 0.9))),
            };
            vec![
                name,
                mib(s.db_bytes as f64 / 1024.0),
                s.seed_secs.map_or(NONE.into(), |t| format!("{t:.1} s")),
                format!("{:.1} ms", s.cold_start_ms),
                rate(&s.list),
                format!("{l:.3}×"),
                rate(&s.info),
                format!("{i:.3}×"),
                verdict.into(),
            ]
        })
        .collect();
    table(&header, &rows)
}

/// Answer size: op 1009 per book size.
pub fn answers(r: &Report) -> String {
    let Some(first) = r.answers.first() else {
        return String::new();
    };
    let us = |m: &Median| 1e6 / m.rate;
    let header = [
        "contacts in the book",
        "bytes answered",
        "requests/s",
        "p99",
        "µs per request (1 / rate)",
        "µs per contact",
        "µs per contact beyond the first book",
    ];
    let rows: Vec<Vec<String>> = r
        .answers
        .iter()
        .map(|a| {
            let extra = a.contacts.saturating_sub(first.contacts);
            let marginal = match extra {
                0 => NONE.into(),
                n => format!("{:.2}", (us(&a.run) - us(&first.run)) / n as f64),
            };
            vec![
                a.contacts.to_string(),
                count(a.bytes as u64),
                rate(&a.run),
                format!("{:.2} ms", a.run.p99_ms),
                format!("{:.1}", us(&a.run)),
                format!("{:.2}", us(&a.run) / a.contacts as f64),
                marginal,
            ]
        })
        .collect();
    table(&header, &rows)
}

/// Connections: op 1009 per connection count.
pub fn connections(r: &Report) -> String {
    let header = [
        "connections",
        "switchboard req/s",
        "switchboard p99",
        "switchboard failed",
        "baseline req/s",
        "baseline p99",
        "ratio",
        "no failure?",
    ];
    let rows: Vec<Vec<String>> = r
        .connections
        .iter()
        .map(|(n, p)| {
            vec![
                n.to_string(),
                rate(&p.switchboard),
                format!("{:.2} ms", p.switchboard.p99_ms),
                p.switchboard.failed.to_string(),
                rate(&p.baseline),
                format!("{:.2} ms", p.baseline.p99_ms),
                format!("{:.3}×", p.ratio()),
                met(Some(p.switchboard.failed == 0)).into(),
            ]
        })
        .collect();
    table(&header, &rows)
}

/// Under login load: the probe's p99s and the peak RSS.
pub fn logins(r: &Report, connections: usize) -> String {
    let Some((l, hwm)) = &r.logins else {
        return String::new();
    };
    let d = switchboard::config::Config::default();
    let cost = format!(
        "argon2id m={} KiB, t={}, p={}, {} at once",
        d.argon2_m_cost_kib, d.argon2_t_cost, d.argon2_p_cost, d.hashing_concurrency
    );
    let ms = |v: f64| format!("{v:.2} ms");
    let p99 = |v: f64| met(Some(v <= 10.0)).to_string();
    let rows = vec![
        vec![
            format!("successful HelpAged logins/s from {connections} connections ({cost})"),
            format!("{:.1}", l.logins_per_s),
            NONE.into(),
            NONE.into(),
        ],
        vec![
            format!("…meanwhile GET /healthz p99 ({} probes in all)", l.samples),
            ms(l.p99_healthz_ms),
            "≤ 10 ms".into(),
            p99(l.p99_healthz_ms),
        ],
        vec![
            "…meanwhile a cheap request (unknown op) p99".into(),
            ms(l.p99_cheap_ms),
            "≤ 10 ms".into(),
            p99(l.p99_cheap_ms),
        ],
        vec![
            "…meanwhile op 1009 (10 contacts, a read through the store) p99".into(),
            ms(l.p99_read_ms),
            "≤ 10 ms".into(),
            p99(l.p99_read_ms),
        ],
        vec![
            "peak RSS of a fresh server through this phase (VmHWM)".into(),
            mib(*hwm as f64),
            "≤ 32 MiB".into(),
            met(Some(*hwm as f64 <= 32.0 * KIB_PER_MIB)).into(),
        ],
    ];
    table(&["measure", "switchboard", "target", "met?"], &rows)
}
