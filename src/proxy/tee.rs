//! [`Tee`]: a body passed through frame by frame while a copy of its bytes is kept (reference
//! counted, never copied), with a size limit and a deadline; whoever made it is told once,
//! when the body ends, fails or is dropped, what went through.

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::time::{Instant, Sleep};

/// The error a proxied body ends with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What went through a [`Tee`].
pub struct Captured<B> {
    /// The bytes kept (all of them unless `truncated`).
    pub bytes: Bytes,
    /// The body ended normally.
    pub complete: bool,
    /// More bytes went through than were kept.
    pub truncated: bool,
    /// The unread rest of the body when it was dropped before its end (a request the
    /// upstream never read), so that it can still be read.
    pub rest: Option<B>,
}

/// Told once what went through.
pub type OnDone<B> = Box<dyn FnOnce(Captured<B>) + Send>;

/// A body passed through unchanged, a copy kept.
pub struct Tee<B: Body> {
    /// The body; `None` once handed back.
    inner: Option<B>,
    /// Data frames kept, up to `keep` bytes.
    kept: Vec<Bytes>,
    /// Bytes in `kept`.
    kept_len: usize,
    /// How many bytes to keep at most.
    keep: usize,
    /// Bytes that went through.
    seen: usize,
    /// More than `limit` bytes fail the body (a request over `body_limit`).
    limit: Option<usize>,
    /// The body must end by then.
    deadline: Option<Pin<Box<Sleep>>>,
    /// The body ended normally.
    ended: bool,
    /// Told when the body ends, fails or is dropped.
    on_done: Option<OnDone<B>>,
}

/// A body longer than the limit.
#[derive(Debug, thiserror::Error)]
#[error("the body is longer than {0} bytes")]
pub struct TooLong(pub usize);

/// A body that did not end in time.
#[derive(Debug, thiserror::Error)]
#[error("the body did not end in time")]
pub struct TooSlow;

impl<B: Body> Tee<B> {
    /// Passes `inner` through, keeping up to `keep` bytes, failing past `limit` bytes or at
    /// `deadline`; `on_done` is told what went through.
    pub fn new(
        inner: B,
        keep: usize,
        limit: Option<usize>,
        deadline: Option<Instant>,
        on_done: OnDone<B>,
    ) -> Tee<B> {
        Tee {
            inner: Some(inner),
            kept: Vec::new(),
            kept_len: 0,
            keep,
            seen: 0,
            limit,
            deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
            ended: false,
            on_done: Some(on_done),
        }
    }

    fn finish(&mut self, complete: bool) {
        let Some(on_done) = self.on_done.take() else {
            return;
        };
        let rest = if complete { None } else { self.inner.take() };
        let bytes = match self.kept.len() {
            0 => Bytes::new(),
            1 => self.kept[0].clone(),
            _ => {
                let mut all = BytesMut::with_capacity(self.kept_len);
                self.kept.iter().for_each(|b| all.extend_from_slice(b));
                all.freeze()
            }
        };
        on_done(Captured {
            bytes,
            complete,
            truncated: self.seen > self.kept_len,
            rest,
        });
    }
}

impl<B> Body for Tee<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if polled.is_pending() {
            if let Some(deadline) = this.deadline.as_mut() {
                if deadline.as_mut().poll(cx).is_ready() {
                    this.finish(false);
                    return Poll::Ready(Some(Err(Box::new(TooSlow))));
                }
            }
            return Poll::Pending;
        }
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.seen += data.len();
                    if this.limit.is_some_and(|l| this.seen > l) {
                        this.finish(false);
                        return Poll::Ready(Some(Err(Box::new(TooLong(this.limit.unwrap_or(0))))));
                    }
                    if this.kept_len + data.len() <= this.keep && !data.is_empty() {
                        this.kept_len += data.len();
                        this.kept.push(data.clone());
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish(false);
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(None) | Poll::Pending => {
                this.ended = true;
                this.finish(true);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), |b| b.size_hint())
    }
}

impl<B: Body> Drop for Tee<B> {
    fn drop(&mut self) {
        // A body that was never polled to its end may still have ended (an empty one, which
        // hyper does not poll).
        let ended = self.ended || self.inner.as_ref().is_none_or(|b| b.is_end_stream());
        self.finish(ended);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Empty, Full};
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// A body of several data frames.
    struct Chunks(VecDeque<&'static str>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
            Poll::Ready(self.0.pop_front().map(|s| Ok(Frame::data(Bytes::from(s)))))
        }
    }

    type Slot = Arc<Mutex<Option<(Bytes, bool, bool)>>>;

    fn told<B: Send + 'static>(slot: &Slot) -> OnDone<B> {
        let slot = slot.clone();
        Box::new(move |c: Captured<B>| {
            *slot.lock().unwrap() = Some((c.bytes, c.complete, c.truncated));
        })
    }

    #[tokio::test]
    async fn a_body_goes_through_unchanged_and_its_copy_is_told_at_the_end() {
        let slot = Slot::default();
        let body = Chunks(VecDeque::from(["ab", "cd", "ef"]));
        let tee = Tee::new(body, 4, None, None, told(&slot));
        let out = tee.collect().await.unwrap().to_bytes();
        assert_eq!(out, "abcdef");
        let (kept, complete, truncated) = slot.lock().unwrap().take().unwrap();
        assert_eq!(
            (kept, complete, truncated),
            (Bytes::from("abcd"), true, true)
        );
    }

    #[tokio::test]
    async fn a_body_past_its_limit_fails() {
        let slot = Slot::default();
        let tee = Tee::new(
            Full::new(Bytes::from("too long")),
            100,
            Some(3),
            None,
            told(&slot),
        );
        assert!(tee.collect().await.is_err());
        let (_, complete, _) = slot.lock().unwrap().take().unwrap();
        assert!(!complete);
    }

    #[tokio::test]
    async fn a_body_dropped_unread_hands_its_rest_back() {
        let rest = Arc::new(Mutex::new(None));
        let keep = rest.clone();
        let on_done: OnDone<Full<Bytes>> = Box::new(move |c| *keep.lock().unwrap() = c.rest);
        drop(Tee::new(
            Full::new(Bytes::from("unread")),
            10,
            None,
            None,
            on_done,
        ));
        let body = rest
            .lock()
            .unwrap()
            .take()
            .expect("the rest is handed back");
        assert_eq!(body.collect().await.unwrap().to_bytes(), "unread");
    }

    #[test]
    fn an_empty_body_never_polled_is_complete() {
        let slot = Slot::default();
        drop(Tee::new(Empty::<Bytes>::new(), 10, None, None, told(&slot)));
        let (kept, complete, _) = slot.lock().unwrap().take().unwrap();
        assert!(kept.is_empty() && complete);
    }
}
