//! Code delivery through the webhook, against a local receiver that fails its first tries, is
//! slow, is down, or speaks HTTPS with a private CA: what it gets (once, signed), what is
//! retried, and what the outbox records.

use crate::support::binary::Binary;
use crate::support::checks::keys;
use crate::support::receiver::{nobody_listens, Receiver, Script, Tls};
use crate::support::Server;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use switchboard::config::{Config, Secret};
use switchboard::store::codes::OutboxEntry;
use switchboard::store::outbox::State;

const SECRET: &str = "webhook secret 5d1c9e";

/// A webhook at `url` with the test secret, short delays and five attempts.
fn webhook(url: &str) -> impl FnOnce(&mut Config) + 'static {
    let url = url.to_string();
    move |c| {
        c.code_webhook_url = Some(url);
        c.code_webhook_secret = Some(Secret(SECRET.into()));
        c.code_webhook_timeout_ms = 5_000;
        c.code_webhook_retry_base_ms = 20;
        c.code_webhook_retry_max_ms = 100;
        c.code_webhook_max_attempts = 5;
    }
}

/// Answers every request 200 after `delay`.
fn answers_after(delay: Duration) -> Script {
    Arc::new(move |_| (delay, 200))
}

/// Answers 503 to the first `n` requests, then 200.
fn fails_first(n: usize) -> Script {
    Arc::new(move |i| (Duration::ZERO, if i < n { 503 } else { 200 }))
}

/// Registers `phone` and asks a reset code for it; answers its outbox row.
async fn code_for(s: &Server, phone: &str) -> OutboxEntry {
    s.pb().register(phone).await;
    s.pb().reset_code(phone).await;
    s.outbox(phone).pop().expect("an outbox row")
}

/// Waits until outbox row `id` of `phone` satisfies `done`; answers it.
async fn row_when(
    s: &Server,
    phone: &str,
    id: i64,
    done: impl Fn(&OutboxEntry) -> bool,
) -> OutboxEntry {
    for _ in 0..1_500 {
        let row = s.outbox(phone).into_iter().find(|r| r.id == id);
        if let Some(row) = row.filter(|r| done(r)) {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("outbox row {id} never got there: {:?}", s.outbox(phone));
}

/// Waits until row `id` is delivered or failed.
async fn settled(s: &Server, phone: &str, id: i64) -> OutboxEntry {
    row_when(s, phone, id, |r| {
        matches!(r.state, State::Delivered | State::Failed)
    })
    .await
}

#[tokio::test]
async fn a_receiver_failing_its_first_tries_gets_the_code_once_signed_and_the_row_says_so() {
    let receiver = Receiver::start(SECRET, fails_first(2)).await;
    let s = Server::with(webhook(&receiver.url)).await;
    const PHONE: &str = "13000000101";

    let queued = code_for(&s, PHONE).await;
    let row = settled(&s, PHONE, queued.id).await;

    assert_eq!(row.state, State::Delivered, "{row:?}");
    assert_eq!(row.attempts, 3);
    assert_eq!(
        row.last_error.as_deref(),
        Some("HTTP 503 Service Unavailable")
    );
    assert!(row.delivered_at.is_some());
    let hits = receiver.hits();
    let seen: Vec<_> = hits
        .iter()
        .map(|h| (h.delivery, h.attempt, h.status))
        .collect();
    assert_eq!(seen, [(row.id, 1, 503), (row.id, 2, 503), (row.id, 3, 200)]);
    assert_eq!(receiver.accepted(row.id), 1);
    for hit in &hits {
        assert!(hit.signed, "a bad signature: {hit:?}");
        assert_eq!(hit.content_type, "application/json");
        assert_eq!(keys(&hit.body), ["phone", "code", "purpose", "created_at"]);
        assert_eq!(
            hit.body,
            json!({"phone": PHONE, "code": row.code, "purpose": "reset",
                   "created_at": row.created_at})
        );
    }
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_tried_again_under_the_same_delivery_id() {
    let slow_first: Script = Arc::new(|i| match i {
        0 => (Duration::from_secs(3), 200),
        _ => (Duration::ZERO, 200),
    });
    let receiver = Receiver::start(SECRET, slow_first).await;
    let url = receiver.url.clone();
    let s = Server::with(move |c| {
        webhook(&url)(c);
        c.code_webhook_timeout_ms = 300;
    })
    .await;
    const PHONE: &str = "13000000102";

    let queued = code_for(&s, PHONE).await;
    let row = settled(&s, PHONE, queued.id).await;

    assert_eq!(row.state, State::Delivered, "{row:?}");
    assert_eq!(row.attempts, 2);
    assert_eq!(row.last_error.as_deref(), Some("timed out after 300 ms"));
    let hits = receiver.hits();
    let attempts: Vec<_> = hits.iter().map(|h| (h.delivery, h.attempt)).collect();
    // The answer to the first came too late: a receiver that de-duplicates by the delivery
    // id keeps one message.
    assert_eq!(attempts, [(row.id, 1), (row.id, 2)]);
}

#[tokio::test]
async fn a_receiver_that_is_down_leaves_the_row_failed_after_the_last_attempt() {
    let s = Server::with(move |c| {
        webhook(&nobody_listens())(c);
        c.code_webhook_max_attempts = 3;
    })
    .await;
    const PHONE: &str = "13000000103";

    let queued = code_for(&s, PHONE).await;
    let row = settled(&s, PHONE, queued.id).await;

    assert_eq!(row.state, State::Failed, "{row:?}");
    assert_eq!(row.attempts, 3);
    let error = row.last_error.clone().unwrap_or_default();
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert!(row.delivered_at.is_none());

    // `switchboard outbox` shows the same.
    let out = s.cli("outbox", &["--phone", PHONE]);
    let line: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(line["id"], row.id);
    assert_eq!(line["state"], "failed");
    assert_eq!(line["attempts"], 3);
    assert_eq!(line["last_error"], error.as_str());
}

#[tokio::test]
async fn a_restart_resumes_queued_rows_and_never_sends_a_delivered_one_again() {
    let s = Server::with(move |c| {
        webhook(&nobody_listens())(c);
        c.code_webhook_max_attempts = 1_000;
    })
    .await;
    const FIRST: &str = "13000000104";
    const SECOND: &str = "13000000105";
    let first = code_for(&s, FIRST).await;
    row_when(&s, FIRST, first.id, |r| {
        r.attempts >= 2 && r.state == State::Queued
    })
    .await;

    // The next start points at a receiver that is up: the row left queued goes there.
    let receiver = Receiver::start(SECRET, answers_after(Duration::ZERO)).await;
    let url = receiver.url.clone();
    let s = s
        .restart_with(move |c| c.code_webhook_url = Some(url))
        .await;
    let row = settled(&s, FIRST, first.id).await;
    assert_eq!(row.state, State::Delivered, "{row:?}");
    assert!(row.attempts >= 3, "{row:?}");
    assert_eq!(receiver.accepted(first.id), 1);

    // Another start, another code: only that one is sent.
    let s = s.restart().await;
    let second = code_for(&s, SECOND).await;
    settled(&s, SECOND, second.id).await;
    let ids: Vec<_> = receiver.hits().iter().map(|h| h.delivery).collect();
    assert_eq!(ids, [first.id, second.id]);
}

#[tokio::test]
async fn an_https_receiver_with_a_private_ca_is_trusted_only_through_code_webhook_ca_file() {
    let tls = Tls::generate();
    let receiver = Receiver::start_tls(SECRET, answers_after(Duration::ZERO), &tls).await;
    assert!(receiver.url.starts_with("https://127.0.0.1:"));

    // Without the CA: the certificate is refused, nothing reaches the receiver.
    let url = receiver.url.clone();
    let untrusting = Server::with(move |c| {
        webhook(&url)(c);
        c.code_webhook_max_attempts = 1;
    })
    .await;
    let refused = code_for(&untrusting, "13000000106").await;
    let row = settled(&untrusting, "13000000106", refused.id).await;
    assert_eq!(row.state, State::Failed, "{row:?}");
    let error = row.last_error.unwrap_or_default();
    assert!(error.contains("certificate"), "{error}");
    assert!(receiver.hits().is_empty());

    // With it: delivered over HTTPS, signed.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &tls.ca_pem).unwrap();
    let url = receiver.url.clone();
    let trusting = Server::with(move |c| {
        webhook(&url)(c);
        c.code_webhook_ca_file = Some(ca);
    })
    .await;
    let queued = code_for(&trusting, "13000000107").await;
    let row = settled(&trusting, "13000000107", queued.id).await;
    assert_eq!(row.state, State::Delivered, "{row:?}");
    assert_eq!(row.attempts, 1);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].signed);
    assert_eq!(hits[0].body["code"], row.code.as_str());
}

#[tokio::test]
async fn a_burst_of_codes_is_posted_a_few_at_a_time_and_each_once() {
    let receiver = Receiver::start(SECRET, answers_after(Duration::from_millis(150))).await;
    let s = Server::with(webhook(&receiver.url)).await;
    let phones: Vec<String> = (0..10).map(|i| format!("130000002{i:02}")).collect();
    for phone in &phones {
        s.pb().register(phone).await;
    }

    // Asked back to back: each answer comes before its POST, which takes the receiver 150 ms.
    for phone in &phones {
        s.pb().reset_code(phone).await;
    }
    let mut ids = HashSet::new();
    for phone in &phones {
        let queued = s.outbox(phone).pop().unwrap();
        let row = settled(&s, phone, queued.id).await;
        assert_eq!((row.state, row.attempts), (State::Delivered, 1), "{row:?}");
        assert_eq!(receiver.accepted(row.id), 1);
        ids.insert(row.id);
    }

    assert_eq!(ids.len(), phones.len());
    assert_eq!(receiver.hits().len(), phones.len());
    let most = receiver.most_in_flight();
    assert!(
        (1..=switchboard::delivery::IN_FLIGHT).contains(&most),
        "{most} at once"
    );
}

#[tokio::test]
async fn the_real_binary_gets_a_code_once_to_a_flaky_https_receiver_and_logs_neither_code_nor_secret(
) {
    let tls = Tls::generate();
    let receiver = Receiver::start_tls(SECRET, fails_first(2), &tls).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &tls.ca_pem).unwrap();
    let config = format!(
        "argon2_m_cost_kib = 64\nargon2_t_cost = 1\nlog = \"info\"\n\
         code_webhook_url = \"{}\"\ncode_webhook_secret = \"{SECRET}\"\n\
         code_webhook_ca_file = \"{}\"\n\
         code_webhook_retry_base_ms = 20\ncode_webhook_retry_max_ms = 100\n",
        receiver.url,
        ca.display()
    );
    let db = dir.path().join("switchboard.db");
    let mut server = Binary::start(&db, &config).await;
    const PHONE: &str = "13000000108";

    let mut conn = server.connect().await;
    for body in [
        json!({"op": 1001, "phone": PHONE, "password": "123456"}),
        json!({"op": 1002, "phone": PHONE}),
    ] {
        let r = conn.post(&body).await.unwrap();
        assert_eq!(r.json()["ret"], 0, "{r:?}");
    }
    for _ in 0..1_500 {
        if receiver.hits().iter().any(|h| h.status == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGTERM: the POST in flight finishes and is recorded before the exit.
    server.terminate();
    assert!(server.wait_exit().await.success());

    let store = switchboard::store::Store::open(&db, 1).unwrap();
    let rows = store
        .read(|c| switchboard::store::outbox::list(c, Some(PHONE)))
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!((row.state, row.attempts), (State::Delivered, 3), "{row:?}");
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.signed && h.delivery == row.id));
    assert_eq!(hits[2].body["code"], row.code.as_str());
    assert_eq!(receiver.accepted(row.id), 1);

    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    let with = |needle: &str| log.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(with("will retry"), 2, "{log}");
    assert_eq!(with("code delivered"), 1, "{log}");
    assert_eq!(with(&format!("phone={PHONE}")), 3, "{log}");
    for line in log.lines() {
        assert!(!holds_number(line, &row.code), "the code is logged: {line}");
        assert!(!line.contains("5d1c9e"), "the secret is logged: {line}");
    }
}

/// Whether `line` holds `digits` as a number of its own (not inside a longer one, nor a
/// timestamp's fraction of a second).
fn holds_number(line: &str, digits: &str) -> bool {
    line.match_indices(digits).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + digits.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}
