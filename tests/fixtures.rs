//! Replays every fixture under tests/fixtures/ through the same runner as `switchboard replay`,
//! against an in-process server on a fresh temporary database.

use std::path::Path;
use std::sync::Arc;
use switchboard::app::{App, StoreOutbox};
use switchboard::config::Config;
use switchboard::ctx::SkippingClock;
use switchboard::{fixtures, server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_fixture_replays_green() {
    let files = fixtures::discover(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"));
    assert!(!files.is_empty(), "no fixtures found");
    let dir = tempfile::tempdir().unwrap();
    // Wait steps skip this clock instead of sleeping.
    let clock = Arc::new(SkippingClock::default());
    let config = Config::for_tests(dir.path().join("fixtures.db"));
    let app = App::open_with_clock(config, clock.clone()).unwrap();
    let running = server::Running::start(app).await.unwrap();
    let target = fixtures::Target {
        base_url: running.base_url.clone(),
        outbox: Some(Arc::new(StoreOutbox(running.app.ctx.store.clone()))),
        clock: Some(clock),
    };
    let (passed, failed) = fixtures::replay_files(&files, &target).await;
    running.stop().await;
    assert_eq!(
        failed, 0,
        "{failed} fixture(s) failed, {passed} passed (see output above)"
    );
    assert_eq!(passed, files.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expectation_fails_and_names_the_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(Config::for_tests(dir.path().join("db"))).unwrap();
    let running = server::Running::start(app).await.unwrap();
    let fixture: fixtures::Fixture = serde_json::from_value(serde_json::json!({
        "name": "deliberately wrong",
        "steps": [{
            "name": "unknown op",
            "request": {"method": "POST", "path": "/", "body": {"op": 9999}},
            "response": {"status": 200, "body": {"ret": -1, "msg": "something else"}}
        }]
    }))
    .unwrap();
    let target = fixtures::Target {
        base_url: running.base_url.clone(),
        outbox: None,
        clock: None,
    };
    let report = fixtures::run(&fixture, &target).await;
    running.stop().await;
    assert!(!report.passed());
    let text = report.to_string();
    assert!(text.contains("$.msg"), "{text}");
    assert!(text.contains("no method"), "{text}");
}
