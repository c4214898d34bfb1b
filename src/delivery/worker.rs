//! The delivery loop: a dispatcher task that claims due rows, and one thread per POST that
//! records its outcome.

use super::webhook::Webhook;
use super::IN_FLIGHT;
use crate::error::Error;
use crate::store::outbox::{self, Claimed};
use crate::store::Store;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{oneshot, Notify, OwnedSemaphorePermit, Semaphore};

/// Longest sleep of an idle dispatcher: rows queued by another process on the same file, or
/// left leased by one that died, are found at least this often.
const IDLE_LOOK: Duration = Duration::from_secs(60);

/// Pause after a store failure before looking again.
const AFTER_STORE_ERROR: Duration = Duration::from_secs(1);

/// How long a claimed row stays leased beyond the POST's timeout: a process that died with the
/// row in flight leaves it due again after that.
const LEASE_MARGIN_MS: i64 = 30_000;

/// Now, in unix milliseconds (delivery runs on the system clock: it sleeps in real time).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Claims and hands out due rows until `stop`, then waits for the POSTs in flight.
pub(super) async fn run(
    webhook: Arc<Webhook>,
    store: Store,
    wake: Arc<Notify>,
    mut stop: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let lease_ms =
        i64::try_from(webhook.timeout.as_millis()).unwrap_or(i64::MAX / 4) + LEASE_MARGIN_MS;
    loop {
        let free = slots.available_permits();
        let looked = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || look(&store, free, lease_ms)).await
        };
        let pause = match looked {
            Ok(Ok((rows, next_due))) => {
                for row in rows {
                    let Ok(permit) = slots.clone().try_acquire_owned() else {
                        break; // never: no more rows were claimed than slots were free
                    };
                    send(&webhook, &store, &wake, row, permit);
                }
                match slots.available_permits() {
                    0 => IDLE_LOOK, // a finishing POST wakes the dispatcher
                    _ => until(next_due),
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "code delivery cannot read the outbox");
                AFTER_STORE_ERROR
            }
            Err(e) => {
                tracing::error!(error = %e, "code delivery's store work failed");
                AFTER_STORE_ERROR
            }
        };
        tokio::select! {
            _ = &mut stop => break,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
    // Every slot back: the POSTs in flight have finished and recorded their outcome.
    let _ = slots.acquire_many(IN_FLIGHT as u32).await;
    tracing::info!("code delivery stopped");
}

/// The sleep until `next_due` (unix ms), between a few milliseconds and [`IDLE_LOOK`].
fn until(next_due: Option<i64>) -> Duration {
    let Some(due) = next_due else {
        return IDLE_LOOK;
    };
    let ms = u64::try_from(due.saturating_sub(now_ms())).unwrap_or(0);
    Duration::from_millis(ms).clamp(Duration::from_millis(5), IDLE_LOOK)
}

/// Claims up to `free` due rows (when some are due and slots are free); answers them and
/// when the next queued row is due.
fn look(store: &Store, free: usize, lease_ms: i64) -> Result<(Vec<Claimed>, Option<i64>), Error> {
    let now = now_ms();
    let next_due = store.read(outbox::next_due)?;
    if free == 0 || next_due.is_none_or(|due| due > now) {
        return Ok((Vec::new(), next_due));
    }
    let rows = store.write(|tx| outbox::claim(tx, now, now + lease_ms, free))?;
    Ok((rows, store.read(outbox::next_due)?))
}

/// POSTs `row` on a thread of its own, which records the outcome, frees its slot and wakes the
/// dispatcher. The thread logs to the dispatcher's subscriber.
fn send(
    webhook: &Arc<Webhook>,
    store: &Store,
    wake: &Arc<Notify>,
    row: Claimed,
    permit: OwnedSemaphorePermit,
) {
    let (webhook, store, wake) = (webhook.clone(), store.clone(), wake.clone());
    let id = row.id;
    let log = tracing::dispatcher::get_default(|d| d.clone());
    let spawned = std::thread::Builder::new()
        .name("code-delivery".into())
        .spawn(move || {
            tracing::dispatcher::with_default(&log, || {
                let outcome = webhook.post(&row);
                record(&webhook, &store, &row, outcome);
            });
            drop(permit);
            wake.notify_one();
        });
    if let Err(e) = spawned {
        // The row stays leased: it is due again when the lease ends.
        tracing::error!(id, error = %e, "cannot start a code delivery thread");
    }
}

/// Writes the outcome of one attempt into the row, and the log line.
fn record(webhook: &Webhook, store: &Store, row: &Claimed, outcome: Result<(), String>) {
    let (id, phone, purpose, attempt) = (row.id, &row.phone, &row.purpose, row.attempts);
    let written = match &outcome {
        Ok(()) => {
            let now = now_ms() / 1_000;
            tracing::info!(id, %phone, %purpose, attempt, "code delivered");
            store.write(|tx| outbox::mark_delivered(tx, id, now))
        }
        Err(error) if attempt >= webhook.max_attempts => {
            tracing::warn!(id, %phone, %purpose, attempt, %error, "code delivery failed for good");
            store.write(|tx| outbox::mark_attempt_failed(tx, id, error, None))
        }
        Err(error) => {
            let failures = u32::try_from(attempt).unwrap_or(u32::MAX);
            let delay = webhook.backoff.delay_ms(failures);
            let retry_at = now_ms().saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
            tracing::warn!(id, %phone, %purpose, attempt, %error, retry_in_ms = delay,
                "code delivery failed; will retry");
            store.write(|tx| outbox::mark_attempt_failed(tx, id, error, Some(retry_at)))
        }
    };
    match written {
        Ok(true) => {}
        Ok(false) => tracing::warn!(id, "outbox row was no longer queued when its attempt ended"),
        // A delivered row whose record failed is sent again when its lease ends: receivers
        // de-duplicate by X-Switchboard-Delivery.
        Err(e) => tracing::error!(id, error = %e, "cannot record a code delivery attempt"),
    }
}
