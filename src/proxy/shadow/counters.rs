//! Counts of compared exchanges by dialect, command and verdict — what the log's summary line
//! shows, and what the shadow's `/metrics` serves ([`Exported`]:
//! `switchboard_shadow_exchanges_total{dialect,command,verdict}`).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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

/// The counts as a Prometheus counter family, read when scraped.
#[derive(Debug)]
pub struct Exported(pub Arc<Counters>);

impl Collector for Exported {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counter = ConstCounter::new(0u64);
        let mut family = encoder.encode_descriptor(
            "switchboard_shadow_exchanges",
            "Exchanges mirrored to the shadow, by dialect, command and verdict (match, \
             expected, differ, failed, skipped, dropped)",
            None,
            counter.metric_type(),
        )?;
        for (dialect, command, verdict, n) in self.0.rows() {
            let labels = [
                ("dialect", dialect.as_str()),
                ("command", command.as_str()),
                ("verdict", verdict),
            ];
            ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
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

    #[test]
    fn counts_are_exported_as_one_counter_family() {
        use crate::server::metrics::{Collected, Exposition};
        let c = Arc::new(Counters::default());
        c.add("opcode", "login", "match");
        c.add("opcode", "login", "match");
        c.add("all", "all", "dropped");
        let text = Collected::new(vec![Box::new(Exported(c))]).encode();
        assert!(
            text.contains("# TYPE switchboard_shadow_exchanges_total counter"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"switchboard_shadow_exchanges_total{dialect="opcode",command="login",verdict="match"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"switchboard_shadow_exchanges_total{dialect="all",command="all",verdict="dropped"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("process_resident_memory_bytes"), "{text}");
    }
}
