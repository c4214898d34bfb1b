//! The fixture runner, the same as `switchboard replay`: every fixture under tests/fixtures/
//! replays green against an in-process server, a wrong expectation fails naming the JSON path,
//! and a filler body replays its 413.

use crate::support::Server;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use switchboard::app::StoreOutbox;
use switchboard::ctx::SkippingClock;
use switchboard::fixtures;

/// A fixture target on `s`, without an outbox or a clock to skip.
fn target(s: &Server) -> fixtures::Target {
    fixtures::Target {
        base_url: s.base_url().to_string(),
        also: Vec::new(),
        outbox: None,
        clock: None,
    }
}

/// A fixture of one step, written in the test.
#[track_caller]
fn one_step(name: &str, step: serde_json::Value) -> fixtures::Fixture {
    let fixture = json!({"name": name, "steps": [step]});
    serde_json::from_value(fixture).expect("a well-formed fixture")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_fixture_replays_green() {
    let files = fixtures::discover(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"));
    assert!(!files.is_empty(), "no fixtures found");
    // Wait steps skip this clock instead of sleeping.
    let clock = Arc::new(SkippingClock::default());
    let s = Server::builder().clock(clock.clone()).start().await;
    let target = fixtures::Target {
        outbox: Some(Arc::new(StoreOutbox(s.store().clone()))),
        clock: Some(clock),
        ..target(&s)
    };
    let (passed, failed) = fixtures::replay_files(&files, &target).await;
    assert_eq!(
        failed, 0,
        "{failed} fixture(s) failed, {passed} passed (see output above)"
    );
    assert_eq!(passed, files.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expectation_fails_and_names_the_json_path() {
    let s = Server::start().await;
    let fixture = one_step(
        "deliberately wrong",
        json!({
            "name": "unknown op",
            "request": {"method": "POST", "path": "/", "body": {"op": 9999}},
            "response": {"status": 200, "body": {"ret": -1, "msg": "something else"}}
        }),
    );
    let report = fixtures::run(&fixture, &target(&s)).await;
    assert!(!report.passed());
    let text = report.to_string();
    assert!(text.contains("$.msg"), "{text}");
    assert!(text.contains("no method"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixture_with_a_nine_mib_filler_body_replays_its_413() {
    let s = Server::start().await;
    let fixture = one_step(
        "9 MiB body",
        json!({
            "name": "a 9 MiB body: 413",
            "request": {"method": "POST", "path": "/api/captcha",
                        "headers": {"Content-Type": "application/json"},
                        "filler": {"byte": " ", "count": 9 * 1024 * 1024}},
            "response": {"status": 413, "body": {"id": -1, "status": -204,
                         "message": "Arg's value error", "data": {}}},
            "exact": true
        }),
    );
    let target = target(&s);
    // The failure is a race (the server's close against the client's write): try often.
    for _ in 0..50 {
        let report = fixtures::run(&fixture, &target).await;
        assert!(report.passed(), "{report}");
    }
    s.healthy().await;
}
