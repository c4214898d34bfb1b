//! The outbox's states, claims, pruning and listing over a real database.

use super::*;
use crate::store::testing::store;
use crate::store::Store;

fn msg(phone: &str, code: &'static str) -> Message<'static> {
    let phone: &'static str = Box::leak(phone.to_string().into_boxed_str());
    Message {
        phone,
        code,
        purpose: "register",
    }
}

fn push_one(store: &Store, phone: &str, code: &'static str, deliver: bool, now: i64) {
    store
        .write(|tx| push(tx, &msg(phone, code), deliver, now))
        .unwrap();
}

fn states(store: &Store) -> Vec<(i64, State, i64)> {
    let all = store.read(|c| list(c, None)).unwrap();
    all.into_iter()
        .map(|e| (e.id, e.state, e.attempts))
        .collect()
}

#[test]
fn a_row_is_kept_without_a_webhook_and_queued_with_one() {
    let (store, _d) = store();
    push_one(&store, "13000000001", "111111", false, 10);
    push_one(&store, "13000000001", "222222", true, 10);
    assert_eq!(states(&store), [(1, State::Kept, 0), (2, State::Queued, 0)]);
    // Only the queued row is due, at once.
    assert_eq!(store.read(next_due).unwrap(), Some(0));
    let claimed = store.write(|tx| claim(tx, 1_000, 5_000, 10)).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].code, "222222");
    assert_eq!((claimed[0].id, claimed[0].attempts), (2, 1));
}

#[test]
fn a_claimed_row_is_leased_so_a_second_claim_skips_it_until_the_lease_ends() {
    let (store, _d) = store();
    push_one(&store, "13000000001", "111111", true, 10);
    assert_eq!(
        store.write(|tx| claim(tx, 1_000, 5_000, 4)).unwrap().len(),
        1
    );
    assert!(store
        .write(|tx| claim(tx, 4_999, 9_000, 4))
        .unwrap()
        .is_empty());
    assert_eq!(store.read(next_due).unwrap(), Some(5_000));
    // The process that claimed it died: at the lease's end it is due again, a second attempt.
    let again = store.write(|tx| claim(tx, 5_000, 9_000, 4)).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

#[test]
fn a_claim_takes_the_earliest_due_rows_up_to_its_limit() {
    let (store, _d) = store();
    for code in ["1", "2", "3"] {
        push_one(&store, "13000000001", code, true, 10);
    }
    let first = store.write(|tx| claim(tx, 1_000, 5_000, 2)).unwrap();
    assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2]);
    let rest = store.write(|tx| claim(tx, 1_000, 5_000, 2)).unwrap();
    assert_eq!(rest.iter().map(|c| c.id).collect::<Vec<_>>(), [3]);
}

#[test]
fn a_failed_attempt_is_retried_when_due_and_a_delivered_row_never_changes_again() {
    let (store, _d) = store();
    push_one(&store, "13000000001", "111111", true, 10);
    store.write(|tx| claim(tx, 1_000, 5_000, 1)).unwrap();
    assert!(store
        .write(|tx| mark_attempt_failed(tx, 1, "HTTP 503", Some(2_000)))
        .unwrap());
    assert!(store
        .write(|tx| claim(tx, 1_999, 5_000, 1))
        .unwrap()
        .is_empty());
    assert_eq!(
        store.write(|tx| claim(tx, 2_000, 6_000, 1)).unwrap().len(),
        1
    );
    assert!(store.write(|tx| mark_delivered(tx, 1, 3)).unwrap());
    let row = &store.read(|c| list(c, None)).unwrap()[0];
    assert_eq!(row.state, State::Delivered);
    assert_eq!(row.attempts, 2);
    assert_eq!(row.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(row.delivered_at.as_deref(), Some("1970-01-01T00:00:03Z"));
    // Late news of another attempt changes nothing, and nothing is due.
    assert!(!store
        .write(|tx| mark_attempt_failed(tx, 1, "late", Some(0)))
        .unwrap());
    assert!(!store.write(|tx| mark_delivered(tx, 1, 9)).unwrap());
    assert_eq!(store.read(next_due).unwrap(), None);
    assert!(store
        .write(|tx| claim(tx, i64::MAX, 0, 1))
        .unwrap()
        .is_empty());
}

#[test]
fn the_last_failed_attempt_leaves_the_row_failed_with_its_error() {
    let (store, _d) = store();
    push_one(&store, "13000000001", "111111", true, 10);
    store.write(|tx| claim(tx, 1_000, 5_000, 1)).unwrap();
    assert!(store
        .write(|tx| mark_attempt_failed(tx, 1, "connection refused", None))
        .unwrap());
    let row = &store.read(|c| list(c, None)).unwrap()[0];
    assert_eq!(row.state, State::Failed);
    assert_eq!(row.last_error.as_deref(), Some("connection refused"));
    assert_eq!(store.read(next_due).unwrap(), None);
}

#[test]
fn counts_by_state_follow_the_rows() {
    let (store, _d) = store();
    push_one(&store, "13000000001", "1", false, 10);
    for code in ["2", "3", "4"] {
        push_one(&store, "13000000001", code, true, 10);
    }
    store.write(|tx| claim(tx, 1_000, 5_000, 3)).unwrap();
    store.write(|tx| mark_delivered(tx, 2, 11)).unwrap();
    store
        .write(|tx| mark_attempt_failed(tx, 3, "x", None))
        .unwrap();
    assert_eq!(
        store.read(counts).unwrap(),
        [
            (State::Kept, 1),
            (State::Queued, 1),
            (State::Delivered, 1),
            (State::Failed, 1)
        ]
    );
}

#[test]
fn pruning_keeps_a_week_and_never_deletes_a_row_still_queued() {
    let (store, _d) = store();
    let week = OUTBOX_RETENTION_SECS;
    push_one(&store, "13000000001", "111111", false, 0);
    push_one(&store, "13000000002", "222222", true, 5);
    push_one(&store, "13000000002", "333333", false, 10);
    push_one(&store, "13000000001", "444444", true, week);
    let codes = |phone| {
        let all = store.read(|c| list(c, phone)).unwrap();
        all.into_iter().map(|e| e.code).collect::<Vec<_>>()
    };
    assert_eq!(codes(None), ["111111", "222222", "333333", "444444"]);
    assert_eq!(codes(Some("13000000001")), ["111111", "444444"]);
    push_one(&store, "13000000002", "555555", false, week + 20);
    // 111111 and 333333 are past the week; 222222 is older still, but queued.
    assert_eq!(codes(None), ["222222", "444444", "555555"]);
    assert_eq!(codes(Some("13000000002")), ["222222", "555555"]);
}

#[test]
fn an_id_is_never_reused_after_every_row_was_pruned() {
    let (store, _d) = store();
    push_one(&store, "13000000001", "111111", false, 0);
    push_one(&store, "13000000001", "222222", false, 0);
    store
        .write(|tx| tx.execute("DELETE FROM outbox", params![]))
        .unwrap();
    push_one(&store, "13000000001", "333333", true, 10);
    assert_eq!(states(&store), [(3, State::Queued, 0)]);
}
