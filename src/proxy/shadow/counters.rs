//! Counts of compared exchanges by dialect, command and verdict — what the log's summary line
//! shows, and what `/metrics` can serve: [`Counters::rows`] answers them as
//! (dialect, command, verdict, count) rows.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// The verdicts, in the order summaries show them.
pub const VERDICTS: [&str; 6] = [
    "match", "expected", "differ", "failed", "skipped", "dropped",
];

/// Exchanges counted by (dialect, command, verdict).
#[derive(Debug, Default)]
pub struct Counters {
    counts: Mutex<BTreeMap<(String, String, &'static str), u64>>,
}

impl Counters {
    /// Counts one exchange: `verdict` is one of [`VERDICTS`] (`match`: the same answer up to
    /// tokens, ids and times; `expected`: a difference a rule names; `differ`: any other
    /// difference; `failed`: the shadow gave no answer in time; `skipped`: a write not
    /// mirrored; `dropped`: the mirror queue was full, counted under dialect `all`).
    pub fn add(&self, dialect: &str, command: &str, verdict: &'static str) {
        if let Ok(mut c) = self.counts.lock() {
            *c.entry((dialect.to_string(), command.to_string(), verdict))
                .or_default() += 1;
        }
    }

    /// Every count as (dialect, command, verdict, count), sorted.
    pub fn rows(&self) -> Vec<(String, String, &'static str, u64)> {
        let counts = self.counts.lock().map(|c| c.clone()).unwrap_or_default();
        counts
            .into_iter()
            .map(|((d, c, v), n)| (d, c, v, n))
            .collect()
    }

    /// The totals of each verdict, for the summary line.
    pub fn totals(&self) -> [(&'static str, u64); 6] {
        let rows = self.rows();
        VERDICTS.map(|v| (v, rows.iter().filter(|r| r.2 == v).map(|r| r.3).sum()))
    }

    /// `N match, N expected, …` for the log.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .totals()
            .iter()
            .map(|(v, n)| format!("{n} {v}"))
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_come_back_as_rows_by_dialect_command_and_verdict() {
        let c = Counters::default();
        c.add("opcode", "login", "match");
        c.add("opcode", "login", "match");
        c.add("rooms", "list_rooms", "differ");
        let rows = c.rows();
        assert_eq!(rows[0], ("opcode".into(), "login".into(), "match", 2));
        assert_eq!(rows[1], ("rooms".into(), "list_rooms".into(), "differ", 1));
        assert!(c.summary().starts_with("2 match, 0 expected, 1 differ"));
    }
}
