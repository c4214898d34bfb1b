//! Reverse proxies for migrating a live legacy backend to Switchboard (docs/migration.md):
//! `switchboard record` writes the traffic it forwards as replayable fixtures, `switchboard
//! shadow` answers from one server and compares the other's answers in the background.
//!
//! ```text
//! client ─▶ proxy::serve ─▶ Forwarder ─▶ upstream (the legacy server, or the primary)
//!                               └─▶ Observer: record's writer thread | shadow's mirror
//! ```
//!
//! Both stand on the same [`forward`]ing: requests go out unchanged (method, path and query,
//! headers less the hop-by-hop ones, `X-Forwarded-For` appended; the body streamed and cut
//! at `body_limit`) through hyper-util's pooled client over HTTP/1.1 to an `http://`
//! upstream ([`upstream`] says why not https); answers come back unchanged and streamed. A
//! dead, refusing or too slow upstream is answered at once with HTTP 502 in the client's own
//! dialect envelope ([`classify::refusal`]), never a hang: connecting has its own timeout,
//! and the whole exchange another. Dialects and commands are told by the server's own
//! registry and decoders ([`classify`]), off the forwarding path.

pub mod classify;
pub mod cli;
pub mod codes;
pub mod forward;
pub mod record;
pub mod shadow;
mod tee;
pub mod upstream;
pub mod volatile;

pub use forward::{Exchange, Forwarder, Observer, Settings};
pub use upstream::Upstream;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// At most this many client connections at once (more wait to be accepted).
const MAX_CONNECTIONS: usize = 4096;

/// How long in-flight exchanges may take to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `listener` through `forwarder` until `shutdown` resolves, then lets in-flight
/// exchanges finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    forwarder: Arc<Forwarder>,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(5))
        .keep_alive(true);
    let mut conn_ids = 0u64;
    tokio::pin!(shutdown);
    while let Some((stream, remote, permit)) =
        crate::server::next_connection(&listener, &slots, shutdown.as_mut()).await
    {
        conn_ids += 1;
        let conn = conn_ids;
        let forwarder = forwarder.clone();
        let service = service_fn(move |req| {
            let forwarder = forwarder.clone();
            async move { Ok::<_, Infallible>(forwarder.handle(req, conn, remote.ip()).await) }
        });
        let served = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = served.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace expired with exchanges still in flight");
    }
}
