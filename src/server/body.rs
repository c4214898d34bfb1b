//! Request bodies: the per-request size limit, reading within the shared memory budget, and
//! the bounded discard of whatever a client still sends after its answer was decided.
//!
//! Memory is what a hostile client can make the box spend, so a body is charged to one
//! budget ([`Budget`], `body_memory` in the configuration) before it is held. A body that
//! could never fit is refused; one that must wait for others to finish waits within the
//! request timeout. A small body that came whole with its head costs no charge: each
//! connection's [`ALLOWANCE`](super::budget::ALLOWANCE) is set aside from the budget at start.

use super::budget::{Budget, Charge, Deadline, VALUE_COST};
use crate::error::Error;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
/// Most bytes and time spent discarding a body nobody reads before the connection closes.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

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
    if charged > 0 || cost > limits.budget.allowance() {
        charge.grow(limits.budget, cost, &mut deadline).await?;
    }
    Ok(Loaded {
        bytes,
        _charge: charge,
    })
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
}
