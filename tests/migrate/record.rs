//! `switchboard record` in front of a second Switchboard standing in for the legacy server:
//! real clients of every dialect go through it, and what it writes replays green against a
//! fresh Switchboard — and fails, naming the step and the path, once an answer is changed.

use crate::support::front::{self, Front};
use crate::support::{traffic, Server};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard::app::StoreOutbox;
use switchboard::ctx::SkippingClock;
use switchboard::fixtures;
use switchboard::proxy::record::{self, Report};
use switchboard::proxy::{Settings, Upstream};
use tempfile::TempDir;

/// Records `traffic` sent through `record` in front of a fresh legacy stand-in; answers the
/// directory the fixtures are in (kept alive by the `TempDir`) and the report.
async fn recorded(redact: bool) -> (TempDir, PathBuf, Report) {
    let mut legacy = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recorded");
    let options = record::Options {
        out: out.clone(),
        redact,
        queue: 1024,
    };
    let upstream = Upstream::parse(legacy.base_url()).unwrap();
    let front = Front::start(move |listener, stop| {
        record::run(listener, upstream, Settings::default(), options, stop)
    })
    .await;
    front::aim(&mut legacy, front.addr);
    traffic::every_dialect(&legacy, 1).await;
    let report = front.stop().await.expect("record ran");
    (dir, out, report)
}

/// Replays every fixture under `dir` against a fresh in-process Switchboard (as `switchboard
/// replay DIR` does); answers (passed, failed).
async fn replay(dir: &Path) -> (usize, usize) {
    let files = fixtures::discover(dir);
    assert!(
        !files.is_empty(),
        "nothing recorded under {}",
        dir.display()
    );
    let clock = Arc::new(SkippingClock::default());
    let fresh = Server::builder().clock(clock.clone()).start().await;
    let target = fixtures::Target {
        base_url: fresh.base_url().to_string(),
        also: Vec::new(),
        outbox: Some(Arc::new(StoreOutbox(fresh.store().clone()))),
        clock: Some(clock),
    };
    fixtures::replay_files(&files, &target).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_of_every_dialect_recorded_through_the_proxy_replays_green_on_a_fresh_server() {
    let (_dir, out, report) = recorded(false).await;
    assert_eq!(report.dropped, 0, "{report}");
    assert_eq!(report.incomplete, 0, "{report}");
    assert!(report.exchanges >= 35, "{report}");
    let files = fixtures::discover(&out);
    assert_eq!(files.len(), report.files, "{report}");
    let text: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for dialect in ["opcode", "typed", "ineww", "rooms", "v4"] {
        assert!(
            text.contains(&format!("({dialect} ")),
            "no {dialect} step recorded"
        );
    }
    // Codes come from the replaying server's outbox, HelpAged's hash from an md5 step.
    assert!(text.contains("\"outbox\""), "no outbox step");
    assert!(text.contains("\"md5\""), "no md5 step");
    let (passed, failed) = replay(&out).await;
    assert_eq!((passed, failed), (files.len(), 0), "see the replay above");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_answer_changed_by_hand_fails_replay_naming_the_step_and_the_path() {
    let (_dir, out, _) = recorded(false).await;
    // The PhoneBooks login's answer: `num` (the book's size) made wrong.
    let file = fixtures::discover(&out)
        .into_iter()
        .find(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("(opcode login)")
        })
        .expect("a recorded PhoneBooks login");
    let mut fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let step = fixture["steps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| {
            s["name"]
                .as_str()
                .is_some_and(|n| n.contains("(opcode login)"))
        })
        .unwrap();
    let name = step["name"].as_str().unwrap().to_string();
    step["response"]["body"]["num"] = serde_json::json!(7);
    std::fs::write(&file, serde_json::to_string_pretty(&fixture).unwrap()).unwrap();
    let loaded = fixtures::load(&file).unwrap();
    let clock = Arc::new(SkippingClock::default());
    let fresh = Server::builder().clock(clock.clone()).start().await;
    let target = fixtures::Target {
        base_url: fresh.base_url().to_string(),
        also: Vec::new(),
        outbox: Some(Arc::new(StoreOutbox(fresh.store().clone()))),
        clock: Some(clock),
    };
    let report = fixtures::run(&loaded, &target).await;
    assert!(!report.passed());
    let text = report.to_string();
    assert!(text.contains(&name), "the step is named: {text}");
    assert!(text.contains("$.num"), "the path is named: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redact_no_password_is_written_and_the_recording_still_replays_green() {
    let (_dir, out, report) = recorded(true).await;
    let files = fixtures::discover(&out);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for password in ["\"123456\"", "\"654321\"", "wlc570Q0", "password=123456"] {
            assert!(!text.contains(password), "{password} in {}", file.display());
        }
    }
    let (passed, failed) = replay(&out).await;
    assert_eq!((passed, failed), (report.files, 0), "see the replay above");
}
