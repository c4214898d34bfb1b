//! `switchboard shadow-report FILE`: the diff file as a table of match rates per command
//! (from its last summary line) and the most frequent differences (from its diff lines).

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How many of the most frequent differences are listed.
const TOP: usize = 10;

/// Counts of one (dialect, command).
#[derive(Default)]
struct Row {
    counts: BTreeMap<String, u64>,
}

impl Row {
    fn get(&self, verdict: &str) -> u64 {
        self.counts.get(verdict).copied().unwrap_or(0)
    }
}

/// The report of a diff file's text, as Markdown.
pub fn report(text: &str) -> Result<String, String> {
    let mut summary: Option<&Value> = None;
    let mut lines = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        lines.push(v);
    }
    let mut top: BTreeMap<(String, String, String, String), (u64, String)> = BTreeMap::new();
    for v in &lines {
        if v.get("summary").is_some() {
            summary = Some(v);
            continue;
        }
        let s = |k: &str| v[k].as_str().unwrap_or("?").to_string();
        let path = v["path"].as_str().unwrap_or("(no answer)").to_string();
        let example = match v["verdict"].as_str() {
            Some("failed") => s("error"),
            _ => format!("{} → {}", v["at_primary"], v["at_shadow"]),
        };
        let e = top
            .entry((s("dialect"), s("command"), s("verdict"), path))
            .or_insert((0, example));
        e.0 += 1;
    }
    let mut out = String::new();
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    match summary {
        Some(s) => {
            for r in s["summary"].as_array().into_iter().flatten() {
                let key = (
                    r["dialect"].as_str().unwrap_or("?").into(),
                    r["command"].as_str().unwrap_or("?").into(),
                );
                let verdict = r["verdict"].as_str().unwrap_or("?").to_string();
                *rows
                    .entry(key)
                    .or_default()
                    .counts
                    .entry(verdict)
                    .or_default() += r["count"].as_u64().unwrap_or(0);
            }
            let _ = writeln!(out, "Counts as of {}.\n", s["at"].as_str().unwrap_or("?"));
        }
        None => {
            out.push_str("No summary line (the shadow did not stop cleanly): differences only.\n\n")
        }
    }
    out.push_str("| dialect | command | compared | match | expected | differ | failed | skipped | dropped | clean |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for ((dialect, command), row) in &rows {
        let compared: u64 = ["match", "expected", "differ", "failed"]
            .iter()
            .map(|v| row.get(v))
            .sum();
        let clean = match compared {
            0 => "–".to_string(),
            n => format!(
                "{:.1}%",
                100.0 * (row.get("match") + row.get("expected")) as f64 / n as f64
            ),
        };
        let _ = writeln!(
            out,
            "| {dialect} | {command} | {compared} | {} | {} | {} | {} | {} | {} | {clean} |",
            row.get("match"),
            row.get("expected"),
            row.get("differ"),
            row.get("failed"),
            row.get("skipped"),
            row.get("dropped")
        );
    }
    let mut ranked: Vec<_> = top
        .into_iter()
        .filter(|((_, _, v, _), _)| v != "expected")
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1 .0));
    out.push_str("\nTop differences (expected ones left out):\n\n| count | dialect | command | verdict | first differing path | primary → shadow |\n|---|---|---|---|---|---|\n");
    for ((dialect, command, verdict, path), (n, example)) in ranked.into_iter().take(TOP) {
        let example = example.replace('|', "\\|");
        let _ = writeln!(
            out,
            "| {n} | {dialect} | {command} | {verdict} | `{path}` | {example} |"
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_shows_rates_per_command_and_the_differences_most_seen() {
        let file = [
            r#"{"id":3,"dialect":"rooms","command":"list_rooms","verdict":"differ","path":"$.msg","at_primary":"a","at_shadow":"b"}"#,
            r#"{"id":4,"dialect":"rooms","command":"list_rooms","verdict":"differ","path":"$.msg","at_primary":"a","at_shadow":"b"}"#,
            r#"{"summary":[{"dialect":"opcode","command":"login","verdict":"match","count":4},{"dialect":"rooms","command":"list_rooms","verdict":"differ","count":2},{"dialect":"rooms","command":"list_rooms","verdict":"match","count":2}],"at":"2026-01-01T00:00:00Z"}"#,
        ]
        .join("\n");
        let text = report(&file).unwrap();
        assert!(
            text.contains("| opcode | login | 4 | 4 | 0 | 0 | 0 | 0 | 0 | 100.0% |"),
            "{text}"
        );
        assert!(
            text.contains("| rooms | list_rooms | 4 | 2 | 0 | 2 | 0 | 0 | 0 | 50.0% |"),
            "{text}"
        );
        assert!(
            text.contains("| 2 | rooms | list_rooms | differ | `$.msg` | \"a\" → \"b\" |"),
            "{text}"
        );
        assert!(report("not json").is_err());
    }
}
