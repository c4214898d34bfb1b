//! The header timeout without a timer per request: a connection that has waited longer than
//! `header_timeout_ms` for a complete request head — a slow or unfinished head, or an idle
//! keep-alive connection holding a slot — is closed.
//!
//! hyper's own `header_read_timeout` arms a timer for every request head and drops it once
//! the head is in: a boxed sleep registered in and removed from the runtime's timer wheel per
//! request, about 1 500 instructions of an unknown op's 19 700 under `wrk` (callgrind). Here
//! each connection carries a [`Watch`]: when it started waiting for a head (set when the
//! server finishes a request and while the answer's bytes still go out; cleared while a
//! request is handled), and one sweeper task looks at every connection a few times per
//! timeout. An expired connection's next read fails, which hyper answers by closing it; its
//! reader is woken so that happens at once. A connection is closed between 1 and 1¼ timeouts
//! after it began waiting.

use atomic_waker::AtomicWaker;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Every watched connection and the timeout they are held to.
#[derive(Clone)]
pub struct Watchdog(Arc<Shared>);

/// What the sweeper and the connections share.
struct Shared {
    /// Live connections (dead ones are dropped at each sweep).
    watches: Mutex<Vec<Weak<Watch>>>,
    /// The header timeout.
    timeout: Duration,
    /// The origin of the watches' clocks.
    epoch: Instant,
}

/// One connection's state.
pub struct Watch {
    /// Milliseconds after the epoch (plus one) since which it waits for a request head; 0
    /// while a request is handled.
    waiting_since: AtomicU64,
    /// Set by the sweeper: the connection is to be closed.
    expired: AtomicBool,
    /// The connection's reader, woken at expiry.
    reader: AtomicWaker,
    /// The clock's origin.
    epoch: Instant,
}

impl Watch {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// A request head is in: the connection is busy until [`Watch::waiting`].
    pub fn busy(&self) {
        self.waiting_since.store(0, Ordering::Relaxed);
    }

    /// The request is answered: the connection waits for the next head from now.
    pub fn waiting(&self) {
        self.waiting_since.store(self.now(), Ordering::Relaxed);
    }
}

impl Watchdog {
    /// Starts the sweeper for `timeout` on the current runtime; it ends when every
    /// [`Watchdog`] handle is dropped.
    pub fn start(timeout: Duration) -> Watchdog {
        let shared = Arc::new(Shared {
            watches: Mutex::new(Vec::new()),
            timeout,
            epoch: Instant::now(),
        });
        let weak = Arc::downgrade(&shared);
        let every = (timeout / 4).max(Duration::from_millis(5));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(shared) = weak.upgrade() else { return };
                shared.sweep();
            }
        });
        Watchdog(shared)
    }

    /// Watches a new connection, waiting for its first head from now.
    pub fn watch<T>(&self, io: T) -> (Watched<T>, Arc<Watch>) {
        let watch = Arc::new(Watch {
            waiting_since: AtomicU64::new(0),
            expired: AtomicBool::new(false),
            reader: AtomicWaker::new(),
            epoch: self.0.epoch,
        });
        watch.waiting();
        if let Ok(mut all) = self.0.watches.lock() {
            all.push(Arc::downgrade(&watch));
        }
        let watched = Watched {
            io,
            watch: watch.clone(),
        };
        (watched, watch)
    }
}

impl Shared {
    /// Expires every connection that has waited too long, and forgets closed ones.
    fn sweep(&self) {
        let now = self.epoch.elapsed().as_millis() as u64 + 1;
        let limit = self.timeout.as_millis() as u64;
        let Ok(mut all) = self.watches.lock() else {
            return;
        };
        all.retain(|weak| {
            let Some(watch) = weak.upgrade() else {
                return false;
            };
            let since = watch.waiting_since.load(Ordering::Relaxed);
            if since != 0 && now.saturating_sub(since) > limit {
                watch.expired.store(true, Ordering::Relaxed);
                watch.reader.wake();
            }
            true
        });
    }
}

/// A connection's socket under a [`Watch`]: reads fail once it expired; writes while waiting
/// for a head move the wait's start (an answer still going out is not the client's delay).
pub struct Watched<T> {
    io: T,
    watch: Arc<Watch>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.watch.expired.load(Ordering::Relaxed) {
            let late = "no complete request head within the header timeout";
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, late)));
        }
        self.watch.reader.register(cx.waker());
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> Watched<T> {
    /// Notes that bytes went out while waiting for a head.
    fn wrote(&self, n: &Poll<io::Result<usize>>) {
        if matches!(n, Poll::Ready(Ok(n)) if *n > 0)
            && self.watch.waiting_since.load(Ordering::Relaxed) != 0
        {
            self.watch.waiting();
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = Pin::new(&mut self.io).poll_write(cx, buf);
        self.wrote(&n);
        n
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.wrote(&n);
        n
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn a_connection_waiting_too_long_fails_its_read_and_a_busy_one_does_not() {
        let dog = Watchdog::start(Duration::from_millis(400));
        let (waiting, _peer_a) = tokio::io::duplex(64);
        let (busy, mut peer_b) = tokio::io::duplex(64);
        let (mut waiting, _) = dog.watch(waiting);
        let (mut busy, watch) = dog.watch(busy);
        watch.busy();
        // Paused time: the reads wait until the sweeper acts at 1 to 1¼ timeouts.
        let started = tokio::time::Instant::now();
        let mut buf = [0u8; 8];
        let failed = waiting.read(&mut buf).await.unwrap_err();
        assert_eq!(failed.kind(), io::ErrorKind::TimedOut);
        let waited = started.elapsed();
        assert!(waited > Duration::from_millis(400) && waited <= Duration::from_millis(500));
        peer_b.write_all(b"late").await.unwrap();
        assert_eq!(busy.read(&mut buf).await.unwrap(), 4, "busy: never expired");
    }

    #[tokio::test(start_paused = true)]
    async fn closed_connections_are_forgotten() {
        let dog = Watchdog::start(Duration::from_millis(100));
        let (io, _peer) = tokio::io::duplex(64);
        let watched = dog.watch(io);
        assert_eq!(dog.0.watches.lock().unwrap().len(), 1);
        drop(watched);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(dog.0.watches.lock().unwrap().len(), 0);
    }
}
