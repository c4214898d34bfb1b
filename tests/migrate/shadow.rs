//! `switchboard shadow` between two Switchboards: when they agree every exchange matches;
//! when one differs in one command exactly that command is reported; a hung or dead shadow
//! side never keeps the primary's answers from the clients.

use crate::support::front::{self, Front};
use crate::support::{traffic, Server};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchboard::proxy::shadow::{self, Counters, Rules};
use switchboard::proxy::{Settings, Upstream};

/// Starts `shadow` between `primary` and `shadow`, counting into the answered counters.
async fn shadowing(
    primary: &str,
    shadow: &str,
    writes: bool,
    out: Option<PathBuf>,
    timeout: Duration,
) -> (Front<Result<(), String>>, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    let options = shadow::Options {
        shadow: Upstream::parse(shadow).unwrap(),
        shadow_settings: Settings {
            timeout,
            ..Settings::default()
        },
        out,
        mirror_writes: writes,
        rules: Rules::builtin(),
        queue: 1024,
        summary_every: Duration::from_secs(60),
    };
    let primary = Upstream::parse(primary).unwrap();
    let count = counters.clone();
    let front = Front::start(move |listener, stop| {
        shadow::run(listener, primary, Settings::default(), options, count, stop)
    })
    .await;
    (front, counters)
}

/// The verdicts counted other than `match`, as (dialect, command, verdict).
fn not_matching(counters: &Counters) -> Vec<(String, String, &'static str)> {
    let rows = counters.rows().into_iter();
    rows.filter(|r| r.2 != "match")
        .map(|(d, c, v, _)| (d, c, v))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_that_agree_match_on_every_exchange_of_every_dialect() {
    let mut primary = Server::start().await;
    let other = Server::start().await;
    let (front, counters) = shadowing(
        primary.base_url(),
        other.base_url(),
        true,
        None,
        Duration::from_secs(5),
    )
    .await;
    front::aim(&mut primary, front.addr);
    traffic::every_dialect_without_codes(&primary, 2).await;
    front.stop().await.unwrap();
    assert_eq!(not_matching(&counters), vec![], "{:?}", counters.rows());
    let dialects: Vec<String> = counters.rows().into_iter().map(|r| r.0).collect();
    for d in ["opcode", "typed", "ineww", "rooms", "v4"] {
        assert!(
            dialects.iter().any(|x| x == d),
            "no {d} exchange compared: {dialects:?}"
        );
    }
    let matched: u64 = counters.rows().iter().map(|r| r.3).sum();
    assert!(matched >= 15, "{:?}", counters.rows());
    // The shadow's state followed the primary's: the account exists there too.
    assert!(other.account("13020000001").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_differs_in_one_command_is_reported_for_that_command_only() {
    let mut primary = Server::start().await;
    let other = Server::start().await;
    let stand_in = front::altering(other.addr, "/rooms/", "\"SUCCESS\"", "\"SUCCES\"").await;
    let dir = tempfile::tempdir().unwrap();
    let diffs = dir.path().join("diffs.jsonl");
    let shadow_url = format!("http://{}", stand_in.addr);
    let (front, counters) = shadowing(
        primary.base_url(),
        &shadow_url,
        true,
        Some(diffs.clone()),
        Duration::from_secs(5),
    )
    .await;
    front::aim(&mut primary, front.addr);
    traffic::every_dialect_without_codes(&primary, 3).await;
    front.stop().await.unwrap();
    stand_in.stop().await;
    let differing = not_matching(&counters);
    assert_eq!(
        differing,
        vec![("rooms".into(), "list_rooms".into(), "differ")],
        "{:?}",
        counters.rows()
    );
    let text = std::fs::read_to_string(&diffs).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let diff = &lines[0];
    assert_eq!(
        (&diff["command"], &diff["path"]),
        (
            &serde_json::json!("list_rooms"),
            &serde_json::json!("$.status")
        ),
        "{diff}"
    );
    assert_eq!(diff["at_shadow"], "SUCCES");
    assert!(
        diff["id"].as_u64().is_some()
            && diff["primary"]["body"].is_object()
            && diff["shadow"]["body"].is_object()
    );
    assert!(
        lines.last().unwrap().get("summary").is_some(),
        "a summary line closes the file"
    );
    let report = shadow::report::report(&text).unwrap();
    assert!(
        report.contains("| rooms | list_rooms | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 0.0% |"),
        "{report}"
    );
    assert!(
        report.contains("| 1 | rooms | list_rooms | differ | `$.status` |"),
        "{report}"
    );
}

/// Reads through the proxy: each must come back from the primary, right.
async fn reads_arrive(front: &Front<Result<(), String>>, phone: &str) {
    for _ in 0..20 {
        let r = front
            .send(
                "GET",
                &format!("/api/v4.0/isregister/{phone}?expect=1"),
                &[],
                b"",
            )
            .await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (200, serde_json::json!(200)),
            "{r:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_or_dead_shadow_leaves_the_primarys_answers_arriving() {
    let primary = Server::start().await;
    primary.pb().register("13000000301").await;
    // A shadow that never answers, with a mirror timeout longer than the test client waits
    // for any answer (15 s): a primary answer that waited for it would fail the test.
    let hung = front::silent().await;
    let (front, counters) = shadowing(
        primary.base_url(),
        &format!("http://{}", hung.addr),
        false,
        None,
        Duration::from_secs(60),
    )
    .await;
    reads_arrive(&front, "13000000301").await;
    front.stop().await.unwrap();
    hung.stop().await;
    let total: u64 = counters.rows().iter().map(|r| r.3).sum();
    assert_eq!(
        total,
        20,
        "every read was offered to the mirror: {:?}",
        counters.rows()
    );
    assert!(
        counters.rows().iter().all(|r| r.2 != "match"),
        "{:?}",
        counters.rows()
    );
    // A dead shadow: every mirror fails at once, the clients see nothing of it.
    let (front, counters) = shadowing(
        primary.base_url(),
        &front::dead_url(),
        false,
        None,
        Duration::from_secs(60),
    )
    .await;
    reads_arrive(&front, "13000000301").await;
    front.stop().await.unwrap();
    assert_eq!(
        not_matching(&counters),
        vec![("v4".into(), "phone_exists".into(), "failed")]
    );
}
