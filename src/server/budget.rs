//! The memory budget for request bodies, shared by every connection: what a body is charged
//! before it is held (twice its size — the bytes, and the copy a parsed JSON string or a
//! decoded image makes of them — plus [`VALUE_COST`] for each JSON or form value it can turn
//! into: a megabyte of `[0,0,0…]` parses into tens of megabytes of values), held until the
//! request is answered, and each connection's [`ALLOWANCE`] for a small body that came whole.

use crate::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Bytes charged per value a body may parse into (a JSON value with its map slot).
pub const VALUE_COST: usize = 96;

/// What a body here whole with its head may cost without a charge, set aside for every
/// connection out of the budget (see [`Budget::for_connections`]).
pub const ALLOWANCE: usize = 4096;

/// The memory budget for request bodies, shared by every connection.
///
/// A counter of free bytes, not a semaphore: charges are only ever taken when free now
/// (a waiter on tokio's semaphore is handed permits piecemeal as they free, which would
/// starve the small top-ups of requests already charged), and a plain atomic costs no lock on
/// the way in or out — the semaphore's release and the wake-up list each took one per
/// request, a tenth of the gap between an unknown op and bare hyper.
#[derive(Clone)]
pub struct Budget(Arc<Shared>);

/// What every connection's [`Budget`] handle shares.
struct Shared {
    /// Bytes not charged to any request right now.
    free: AtomicUsize,
    /// Requests waiting for memory: a charge given back wakes them only when there are any.
    waiting: AtomicUsize,
    /// Woken whenever a charge is given back while someone waits.
    freed: Notify,
    /// The budget's size, for refusing a body that could never fit.
    total: usize,
    /// What a connection's body may cost without a charge.
    allowance: usize,
}

impl Budget {
    /// A budget of `total` bytes, every body charged.
    pub fn new(total: usize) -> Budget {
        Budget::with_allowance(total, 0)
    }

    /// A budget of `total` bytes for at most `connections` connections, each of which may
    /// hold a body costing up to [`ALLOWANCE`] without a charge — set aside from `total`, so
    /// the sum stays within it: a connection holds one body at a time (HTTP/1.1 answers its
    /// requests in turn). Charging every body took two read-modify-writes of the budget's
    /// cache line per request, which the two worker threads passed back and forth. No
    /// allowance when what is left would not hold two bodies of `largest` bytes.
    pub fn for_connections(total: usize, connections: usize, largest: usize) -> Budget {
        let set_aside = connections.saturating_mul(ALLOWANCE);
        match total.checked_sub(set_aside) {
            Some(left) if left / 2 >= largest => Budget::with_allowance(left, ALLOWANCE),
            _ => Budget::new(total),
        }
    }

    fn with_allowance(total: usize, allowance: usize) -> Budget {
        let total = total.clamp(1, u32::MAX as usize);
        Budget(Arc::new(Shared {
            free: AtomicUsize::new(total),
            waiting: AtomicUsize::new(0),
            freed: Notify::new(),
            total,
            allowance,
        }))
    }

    /// What a connection's body may cost without a charge.
    pub fn allowance(&self) -> usize {
        self.0.allowance
    }

    /// Bytes not charged to any request right now.
    #[cfg(test)]
    fn available(&self) -> usize {
        self.0.free.load(Ordering::SeqCst)
    }

    /// Takes `n` bytes if they are free now.
    fn take(&self, n: usize) -> Option<Charge> {
        self.0
            .free
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |free| {
                free.checked_sub(n)
            })
            .ok()
            .map(|_| Charge(Some((n, self.0.clone()))))
    }

    /// Waits until `n` bytes are free (or `deadline` passes) and charges them. Only a request
    /// that holds no charge yet may wait: one waiting while holding could wait forever on
    /// another doing the same.
    async fn charge(&self, n: usize, deadline: &mut Deadline) -> Result<Charge, Error> {
        self.fits(n)?;
        if let Some(charge) = self.take(n) {
            return Ok(charge);
        }
        /// Counts the request as waiting until it stops, however it stops.
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.0.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.0.waiting);
        loop {
            let freed = self.0.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            // Counted as waiting before this look: a charge given back after it wakes us.
            if let Some(charge) = self.take(n) {
                return Ok(charge);
            }
            if tokio::time::timeout_at(deadline.at(), freed).await.is_err() {
                return Err(Error::BadFrame(
                    "the body did not arrive in time (waited for body memory)".into(),
                ));
            }
        }
    }

    /// Charges `n` more bytes to a request that already holds some, if they are free now.
    fn charge_more(&self, n: usize) -> Result<Charge, Error> {
        self.fits(n)?;
        self.take(n).ok_or(Error::Unavailable)
    }

    /// Refuses a charge that could never fit.
    fn fits(&self, n: usize) -> Result<(), Error> {
        if n > self.0.total {
            return Err(Error::BadFrame(format!(
                "the body needs {n} bytes of memory, more than the {}-byte body_memory budget",
                self.0.total
            )));
        }
        Ok(())
    }
}

/// Memory charged to one request, given back (and waiters woken) when it is dropped.
#[derive(Default)]
pub struct Charge(Option<(usize, Arc<Shared>)>);

impl Drop for Charge {
    fn drop(&mut self) {
        if let Some((n, budget)) = self.0.take() {
            budget.free.fetch_add(n, Ordering::SeqCst);
            if budget.waiting.load(Ordering::SeqCst) > 0 {
                budget.freed.notify_waiters();
            }
        }
    }
}

impl Charge {
    /// Charges `n` more bytes: waiting for them while nothing is held yet, else only if they
    /// are free now.
    pub async fn grow(
        &mut self,
        budget: &Budget,
        n: usize,
        deadline: &mut Deadline,
    ) -> Result<(), Error> {
        let more = match self.0 {
            None => budget.charge(n, deadline).await?,
            Some(_) => budget.charge_more(n)?,
        };
        self.add(more);
        Ok(())
    }

    fn add(&mut self, mut more: Charge) {
        match (&mut self.0, more.0.take()) {
            (Some((mine, _)), Some((theirs, _))) => *mine += theirs,
            (slot @ None, theirs) => *slot = theirs,
            (Some(_), None) => {}
        }
    }
}

/// When a request's body must be in by: read from the clock only once something waits (a
/// body here with its head never does).
pub struct Deadline {
    timeout: Duration,
    at: Option<Instant>,
}

impl Deadline {
    /// `timeout` from the first time it is asked.
    pub fn after(timeout: Duration) -> Deadline {
        Deadline { timeout, at: None }
    }

    pub fn at(&mut self) -> Instant {
        *self.at.get_or_insert_with(|| Instant::now() + self.timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_connections_allowance_is_set_aside_only_while_two_largest_bodies_still_fit() {
        let budget = Budget::for_connections(1 << 20, 64, 100_000);
        assert_eq!(budget.0.allowance, ALLOWANCE);
        assert_eq!(budget.available(), (1 << 20) - 64 * ALLOWANCE);
        let tight = Budget::for_connections(1 << 20, 64, 400_000);
        assert_eq!((tight.0.allowance, tight.available()), (0, 1 << 20));
        let crowded = Budget::for_connections(1 << 20, 1024, 1);
        assert_eq!((crowded.0.allowance, crowded.available()), (0, 1 << 20));
    }

    #[tokio::test]
    async fn a_charge_larger_than_the_budget_is_refused_at_once() {
        let budget = Budget::new(1000);
        let mut deadline = Deadline::after(Duration::from_secs(5));
        assert!(matches!(
            budget.charge(1001, &mut deadline).await,
            Err(Error::BadFrame(_))
        ));
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test]
    async fn charges_are_given_back_when_dropped() {
        let budget = Budget::new(1000);
        let mut deadline = Deadline::after(Duration::from_secs(5));
        let mut c = budget.charge(600, &mut deadline).await.unwrap();
        c.add(budget.charge_more(300).unwrap());
        assert_eq!(budget.available(), 100);
        assert!(matches!(budget.charge_more(101), Err(Error::Unavailable)));
        drop(c);
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test(start_paused = true)]
    async fn a_charge_that_must_wait_gives_up_at_the_deadline() {
        let budget = Budget::new(1000);
        let mut deadline = Deadline::after(Duration::from_secs(5));
        let held = budget.charge(900, &mut deadline).await.unwrap();
        let waited = budget.charge(200, &mut deadline).await;
        assert!(matches!(waited, Err(Error::BadFrame(_))));
        drop(held);
        assert!(budget.charge(200, &mut deadline).await.is_ok());
    }
}
