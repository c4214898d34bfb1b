//! Request bodies: the per-request size limit, the memory budget that all connections share,
//! and the bounded discard of whatever a client still sends after its answer was decided.
//!
//! Memory is what a hostile client can make the box spend, so a body is charged to one
//! budget ([`Budget`], `body_memory` in the configuration) before it is held: twice its size
//! (the bytes, and the copy a parsed JSON string or a decoded image makes of them) plus
//! [`VALUE_COST`] for each JSON or form value it can turn into (a megabyte of `[0,0,0…]`
//! parses into tens of megabytes of values). The charge is held until the request is
//! answered. A body that could never fit is refused; one that must wait for others to finish
//! waits within the request timeout. A small body that came whole with its head costs no
//! charge: each connection's [`ALLOWANCE`] is set aside from the budget at start.

use crate::error::Error;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Bytes charged per value a body may parse into (a JSON value with its map slot).
pub const VALUE_COST: usize = 96;

/// What a body here whole with its head may cost without a charge, set aside for every
/// connection out of the budget (see [`Budget::for_connections`]).
pub const ALLOWANCE: usize = 4096;

/// Most bytes and time spent discarding a body nobody reads before the connection closes.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

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
struct Charge(Option<(usize, Arc<Shared>)>);

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
    async fn grow(
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
    let mut deadline = Deadline::after(limits.timeout);
    let mut charge = Charge::default();
    let mut charged = 0;
    // A body still on its way is charged its declared size before it is held. One here whole
    // with its head (most are) is taken as hyper read it and charged once, after the loop, for
    // all it costs: an unknown op spent ~1 000 instructions more than bare hyper reading its
    // 11 bytes, for a second charge, a clock reading and a last poll of an ended body.
    let mut first = poll_now(body);
    if let (Some(n), false) = (declared, first.is_ready() && body.is_end_stream()) {
        charge.grow(limits.budget, 2 * n, &mut deadline).await?;
        charged = 2 * n;
    }
    // A body that comes in one frame (most do) is kept as hyper read it, without a copy.
    let mut one: Option<Bytes> = None;
    let mut many = BytesMut::new();
    let mut len = 0;
    loop {
        let frame = match std::mem::replace(&mut first, Poll::Pending) {
            Poll::Ready(frame) => checked(Ok(frame))?,
            Poll::Pending if body.is_end_stream() => None,
            Poll::Pending => next_frame(body, &mut deadline).await?,
        };
        let Some(frame) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        len += data.len();
        if len > limits.max {
            return Err(Error::TooLarge);
        }
        match one.take() {
            None if many.is_empty() => one = Some(data),
            first => {
                many.reserve(declared.unwrap_or(len).max(len) - many.len());
                if let Some(first) = first {
                    many.extend_from_slice(&first);
                }
                many.extend_from_slice(&data);
            }
        }
        let needed = many.capacity().max(len) + len;
        if needed > charged && !body.is_end_stream() {
            charge
                .grow(limits.budget, needed - charged, &mut deadline)
                .await?;
            charged = needed;
        }
    }
    unread.0 = None;
    let held = (many.capacity().max(len) + len).saturating_sub(charged);
    let bytes = one.unwrap_or_else(|| many.freeze());
    let cost = held + value_count(&bytes).saturating_mul(VALUE_COST);
    if charged > 0 || cost > limits.budget.0.allowance {
        charge.grow(limits.budget, cost, &mut deadline).await?;
    }
    Ok(Loaded {
        bytes,
        _charge: charge,
    })
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

    fn at(&mut self) -> Instant {
        *self.at.get_or_insert_with(|| Instant::now() + self.timeout)
    }
}

/// The body's next frame if hyper has it already.
fn poll_now(body: &mut Incoming) -> Poll<Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>> {
    let waker = std::task::Waker::noop();
    Pin::new(body).poll_frame(&mut std::task::Context::from_waker(waker))
}

/// The next frame of the body, within the deadline.
async fn next_frame(
    body: &mut Incoming,
    deadline: &mut Deadline,
) -> Result<Option<hyper::body::Frame<Bytes>>, Error> {
    let frame = body.frame();
    tokio::pin!(frame);
    // A small body is usually here with its headers: no timer for it.
    let now = std::future::poll_fn(|cx| Poll::Ready(frame.as_mut().poll(cx))).await;
    checked(match now {
        Poll::Ready(frame) => Ok(frame),
        Poll::Pending => tokio::time::timeout_at(deadline.at(), frame).await,
    })
}

/// A frame read in time and without error.
fn checked(
    frame: Result<
        Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>,
        tokio::time::error::Elapsed,
    >,
) -> Result<Option<hyper::body::Frame<Bytes>>, Error> {
    match frame {
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
