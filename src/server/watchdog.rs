//! The header timeout without a timer per request, and the graceful drain at shutdown: a
//! connection that has waited longer than `header_timeout_ms` for a complete request head — a
//! slow or unfinished head, or an idle keep-alive connection holding a slot — is closed, and
//! once the server stops, every connection finishes the request it is serving and closes.
//!
//! hyper's own `header_read_timeout` arms a timer for every request head and drops it once
//! the head is in: a boxed sleep registered in and removed from the runtime's timer wheel per
//! request, about 1 500 instructions of an unknown op's 19 700 under `wrk` (callgrind). Here
//! each connection carries a [`Watch`]: the sweep since which it waits for a head (set when
//! the server finishes a request and while the answer's bytes still go out; cleared while a
//! request is handled), and one sweeper task counts sweeps, a few per timeout, and looks at
//! every connection at each. A sweep number is one atomic load where a clock reading (two per
//! request) cost ~70 instructions each. An expired connection's next read fails, which hyper
//! answers by closing it; its reader is woken so that happens at once. A connection is closed
//! between 1 and 1¼ timeouts after it began waiting (later if the sweeper runs late).
//!
//! The drain ([`Watchdog::drain`]) replaces hyper-util's `GracefulShutdown`, whose watch
//! channel was polled on every wake-up of every connection (~600 instructions a request):
//! [`Watch::draining`] is one atomic load, and the drain wakes each connection's reader so an
//! idle one notices at once.

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
    /// Sweeps a connection may wait through: it expires at the sweep after that many.
    limit: u64,
    /// What every connection reads.
    common: Arc<Common>,
}

/// The sweep count and the drain flag, read by every connection.
struct Common {
    /// Sweeps so far, from 1 (0 marks a busy connection).
    sweeps: AtomicU64,
    /// Set once the server stops: every connection finishes its request and closes.
    draining: AtomicBool,
}

/// One connection's state.
pub struct Watch {
    /// The sweep during which it began waiting for a request head; 0 while a request is
    /// handled.
    waiting_since: AtomicU64,
    /// Set by the sweeper: the connection is to be closed.
    expired: AtomicBool,
    /// The connection's reader, woken at expiry and at the drain.
    reader: AtomicWaker,
    /// The sweep count and the drain flag.
    common: Arc<Common>,
}

impl Watch {
    /// A request head is in: the connection is busy until [`Watch::waiting`].
    pub fn busy(&self) {
        self.waiting_since.store(0, Ordering::Relaxed);
    }

    /// The request is answered: the connection waits for the next head from now.
    pub fn waiting(&self) {
        let now = self.common.sweeps.load(Ordering::Relaxed);
        self.waiting_since.store(now, Ordering::Relaxed);
    }

    /// Whether the server is stopping: the connection is to finish its request and close.
    pub fn draining(&self) -> bool {
        self.common.draining.load(Ordering::Relaxed)
    }
}

impl Watchdog {
    /// Starts the sweeper for `timeout` on the current runtime; it ends when every
    /// [`Watchdog`] handle is dropped.
    pub fn start(timeout: Duration) -> Watchdog {
        let every = (timeout / 4).max(Duration::from_millis(5));
        let shared = Arc::new(Shared {
            watches: Mutex::new(Vec::new()),
            limit: timeout.as_nanos().div_ceil(every.as_nanos()) as u64,
            common: Arc::new(Common {
                sweeps: AtomicU64::new(1),
                draining: AtomicBool::new(false),
            }),
        });
        let weak = Arc::downgrade(&shared);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(Instant::now() + every, every);
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
            common: self.0.common.clone(),
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

    /// Stops the server's connections: each finishes the request it is serving and closes
    /// (see [`Watch::draining`]); an idle one is woken to notice at once.
    pub fn drain(&self) {
        self.0.common.draining.store(true, Ordering::Relaxed);
        if let Ok(all) = self.0.watches.lock() {
            for watch in all.iter().filter_map(Weak::upgrade) {
                watch.reader.wake();
            }
        }
    }
}

impl Shared {
    /// Expires every connection that has waited too long, and forgets closed ones.
    fn sweep(&self) {
        // Sweep `now` ends; a connection that began waiting during sweep `since` has waited
        // more than `now - since - 1` whole sweep intervals.
        let now = self.common.sweeps.fetch_add(1, Ordering::Relaxed);
        let limit = self.limit;
        let Ok(mut all) = self.watches.lock() else {
            return;
        };
        all.retain(|weak| {
            let Some(watch) = weak.upgrade() else {
                return false;
            };
            let since = watch.waiting_since.load(Ordering::Relaxed);
            if since != 0 && now.saturating_sub(since) >= limit {
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
        // Registered before every read, so a wake-up for an expiry or the drain is never lost
        // (registering only when a read waits, then looking at the flags again, made a
        // draining connection that waits for its body wake itself in a loop).
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
