//! Request bodies: the per-request size limit, the memory budget that all connections share,
//! and the bounded discard of whatever a client still sends after its answer was decided.
//!
//! Memory is what a hostile client can make the box spend, so a body is charged to one
//! budget ([`Budget`], `body_memory` in the configuration) before it is held: twice its size
//! (the bytes, and the copy a parsed JSON string or a decoded image makes of them) plus
//! [`VALUE_COST`] for each JSON or form value it can turn into (a megabyte of `[0,0,0…]`
//! parses into tens of megabytes of values). The charge is held until the request is
//! answered. A body that could never fit is refused; one that must wait for others to finish
//! waits within the request timeout.

use crate::error::Error;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Bytes charged per value a body may parse into (a JSON value with its map slot).
pub const VALUE_COST: usize = 96;

/// Most bytes and time spent discarding a body nobody reads before the connection closes.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The memory budget for request bodies, shared by every connection.
#[derive(Clone)]
pub struct Budget {
    /// One permit per byte. Taken only with `try_acquire`: a waiter on tokio's semaphore is
    /// handed permits piecemeal as they free, which would starve the small top-ups of
    /// requests already charged.
    bytes: Arc<Semaphore>,
    /// Woken whenever a charge is given back.
    freed: Arc<Notify>,
    /// The budget's size, for refusing a body that could never fit.
    total: usize,
}

impl Budget {
    /// A budget of `total` bytes.
    pub fn new(total: usize) -> Budget {
        let total = total.clamp(1, Semaphore::MAX_PERMITS);
        Budget {
            bytes: Arc::new(Semaphore::new(total)),
            freed: Arc::new(Notify::new()),
            total,
        }
    }

    /// Bytes not charged to any request right now.
    #[cfg(test)]
    fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    /// Waits until `n` bytes are free (or `deadline` passes) and charges them. Only a request
    /// that holds no charge yet may wait: one waiting while holding could wait forever on
    /// another doing the same.
    async fn charge(&self, n: usize, deadline: Instant) -> Result<Charge, Error> {
        let permits = self.permits(n)?;
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Ok(permit) = self.bytes.clone().try_acquire_many_owned(permits) {
                return Ok(self.held(permit));
            }
            if tokio::time::timeout_at(deadline, freed).await.is_err() {
                return Err(Error::BadFrame(
                    "the body did not arrive in time (waited for body memory)".into(),
                ));
            }
        }
    }

    fn held(&self, permit: OwnedSemaphorePermit) -> Charge {
        Charge(Some((permit, self.freed.clone())))
    }

    /// Charges `n` more bytes to a request that already holds some, if they are free now.
    fn charge_more(&self, n: usize) -> Result<Charge, Error> {
        let permits = self.permits(n)?;
        match self.bytes.clone().try_acquire_many_owned(permits) {
            Ok(permit) => Ok(self.held(permit)),
            Err(_) => Err(Error::Unavailable),
        }
    }

    fn permits(&self, n: usize) -> Result<u32, Error> {
        if n > self.total {
            return Err(Error::BadFrame(format!(
                "the body needs {n} bytes of memory, more than the {}-byte body_memory budget",
                self.total
            )));
        }
        u32::try_from(n).map_err(|_| Error::TooLarge)
    }
}

/// Memory charged to one request, given back (and waiters woken) when it is dropped.
#[derive(Default)]
struct Charge(Option<(OwnedSemaphorePermit, Arc<Notify>)>);

impl Drop for Charge {
    fn drop(&mut self) {
        if let Some((permit, freed)) = self.0.take() {
            drop(permit);
            freed.notify_waiters();
        }
    }
}

impl Charge {
    /// Charges `n` more bytes: waiting for them while nothing is held yet, else only if they
    /// are free now.
    async fn grow(&mut self, budget: &Budget, n: usize, deadline: Instant) -> Result<(), Error> {
        let more = match self.0 {
            None => budget.charge(n, deadline).await?,
            Some(_) => budget.charge_more(n)?,
        };
        self.add(more);
        Ok(())
    }

    fn add(&mut self, mut more: Charge) {
        match (&mut self.0, more.0.take()) {
            (Some((mine, _)), Some((theirs, _))) => mine.merge(theirs),
            (slot @ None, theirs) => *slot = theirs,
            (Some(_), None) => {}
        }
    }
}

/// A request body not read yet. Dropped unread, it is discarded in the background within
/// bounds, so that a client still sending sees its answer instead of a reset connection.
pub struct Unread(Option<Incoming>);

impl Unread {
    /// Wraps hyper's body.
    pub fn new(body: Incoming) -> Unread {
        Unread(Some(body))
    }
}

impl Drop for Unread {
    fn drop(&mut self) {
        if let Some(body) = self.0.take() {
            if body.is_end_stream() {
                return;
            }
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(drain(body));
            }
        }
    }
}

/// A body read into memory, holding its share of the budget until the request is answered.
pub struct Loaded {
    /// The bytes.
    bytes: Bytes,
    /// The budget it holds.
    _charge: Charge,
}

impl Deref for Loaded {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// How bodies are read.
pub struct Limits<'a> {
    /// Largest body in bytes; a larger one is [`Error::TooLarge`].
    pub max: usize,
    /// How long the client may take to send it.
    pub timeout: Duration,
    /// The shared budget.
    pub budget: &'a Budget,
}

/// Reads a body within its limits. An oversized body is refused as soon as that is known —
/// from `Content-Length`, or when a chunked body crosses the limit — and what the client
/// still sends is discarded in the background.
pub async fn read(
    limits: &Limits<'_>,
    headers: &http::HeaderMap,
    mut unread: Unread,
) -> Result<Loaded, Error> {
    let Some(body) = unread.0.as_mut() else {
        return Err(Error::BadFrame("the body was already read".into()));
    };
    if body.is_end_stream() {
        return Ok(Loaded {
            bytes: Bytes::new(),
            _charge: Charge::default(),
        });
    }
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max) {
        return Err(Error::TooLarge);
    }
    let deadline = Instant::now() + limits.timeout;
    let mut charge = Charge::default();
    let mut buf = BytesMut::new();
    if let Some(n) = declared {
        charge.grow(limits.budget, 2 * n, deadline).await?;
        buf.reserve(n);
    }
    let mut charged = declared.map_or(0, |n| 2 * n);
    while let Some(frame) = next_frame(body, deadline).await? {
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if buf.len() + data.len() > limits.max {
            return Err(Error::TooLarge);
        }
        buf.extend_from_slice(&data);
        let needed = buf.capacity() + buf.len();
        if needed > charged {
            charge
                .grow(limits.budget, needed - charged, deadline)
                .await?;
            charged = needed;
        }
    }
    unread.0 = None;
    let values = value_count(&buf).saturating_mul(VALUE_COST);
    charge.grow(limits.budget, values, deadline).await?;
    Ok(Loaded {
        bytes: buf.freeze(),
        _charge: charge,
    })
}

/// The next frame of the body, within the deadline.
async fn next_frame(
    body: &mut Incoming,
    deadline: Instant,
) -> Result<Option<hyper::body::Frame<Bytes>>, Error> {
    match tokio::time::timeout_at(deadline, body.frame()).await {
        Err(_) => Err(Error::BadFrame("the body did not arrive in time".into())),
        Ok(None) => Ok(None),
        Ok(Some(Ok(frame))) => Ok(Some(frame)),
        Ok(Some(Err(e))) => Err(Error::BadFrame(format!("the body could not be read ({e})"))),
    }
}

/// At most how many JSON or form values `bytes` can parse into: one per separator or
/// opening bracket, plus one.
pub fn value_count(bytes: &[u8]) -> usize {
    1 + bytes
        .iter()
        .filter(|&&b| matches!(b, b',' | b':' | b'[' | b'{' | b'&'))
        .count()
}

/// Reads and discards the rest of a body, within bounds.
async fn drain(mut body: Incoming) {
    let discard = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, Bytes::len);
            if seen > DRAIN_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_count_counts_separators_and_openers() {
        assert_eq!(value_count(b""), 1);
        assert_eq!(value_count(br#"{"a":[1,2]}"#), 5);
        assert_eq!(value_count(b"a=1&b=2"), 2);
    }

    #[tokio::test]
    async fn a_charge_larger_than_the_budget_is_refused_at_once() {
        let budget = Budget::new(1000);
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(matches!(
            budget.charge(1001, deadline).await,
            Err(Error::BadFrame(_))
        ));
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test]
    async fn charges_are_given_back_when_dropped() {
        let budget = Budget::new(1000);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut c = budget.charge(600, deadline).await.unwrap();
        c.add(budget.charge_more(300).unwrap());
        assert_eq!(budget.available(), 100);
        assert!(matches!(budget.charge_more(101), Err(Error::Unavailable)));
        drop(c);
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test(start_paused = true)]
    async fn a_charge_that_must_wait_gives_up_at_the_deadline() {
        let budget = Budget::new(1000);
        let deadline = Instant::now() + Duration::from_secs(5);
        let held = budget.charge(900, deadline).await.unwrap();
        let waited = budget.charge(200, deadline).await;
        assert!(matches!(waited, Err(Error::BadFrame(_))));
        drop(held);
        assert!(budget.charge(200, deadline).await.is_ok());
    }
}
