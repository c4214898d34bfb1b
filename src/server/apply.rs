//! Running a decoded request. A short read (a command flagged `short_read`: no write, no
//! hash, bounded by what it answers) is answered from the answer cache when the identical
//! request was answered at the store's current generation ([`super::answers`]), else run right
//! here, on the thread that owns the connection, when an idle pooled connection is at hand and
//! authenticating it needs no write. Everything else — and a short read that would wait —
//! runs on the blocking pool.
//!
//! Why a short read may run on an async worker: the hand-off to the blocking pool and back
//! costs two thread wake-ups per request. For a 10-contact op 1009 under `wrk` (64
//! connections, 2 shared cores) the server spent 100–130 µs of CPU per request with the
//! hand-off and 54 µs inline; the read itself takes tens of microseconds, less than the
//! hand-off, and never waits (`store::without_waiting` refuses a busy pool and every write).
//!
//! Blocking work is not cut off by the request timeout: it cannot be cancelled, and
//! answering "failed" for a command that then commits would make clients retry it twice.

use super::pace::LANE_FULL;
use super::{answers, Edge};
use crate::dialect::{Encoder, Reply, Step};
use crate::error::{Error, StoreError};
use crate::handlers::{self, Answer};
use crate::store;
use std::net::IpAddr;

/// The request a step came from, which the answer cache keys on.
pub struct Source<'a> {
    /// Method, target and headers.
    pub parts: &'a http::request::Parts,
    /// The body as read (empty when the route reads none).
    pub body: &'a [u8],
}

impl<'a> Source<'a> {
    /// The request of `parts` with `body`.
    pub fn of(parts: &'a http::request::Parts, body: &'a [u8]) -> Self {
        Source { parts, body }
    }
}

/// Runs a decoded request and encodes its real outcome.
pub async fn execute(edge: &Edge, step: Step, client: IpAddr, source: Source<'_>) -> Reply {
    let (request, encoder) = match step {
        Step::Reply(r) => return r,
        Step::Execute { request, encoder } => (request, encoder),
    };
    let name = request.command.name();
    if request.command.short_read() {
        let ctx = &edge.app.ctx;
        let cache = edge.answers.enabled().then(|| {
            let key = answers::key(source.parts, source.body);
            (key, ctx.store.generation())
        });
        if let Some((key, generation)) = &cache {
            if let Some(reply) = edge.answers.get(key, *generation, ctx.now_secs()) {
                return reply;
            }
        }
        let attempt = (*request).clone();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store::without_waiting(|| handlers::answer(ctx, attempt, Some(client)))
        }));
        let answered = match ran {
            Ok(Err(Error::Store(StoreError::WouldBlock))) => None,
            Ok(result) => Some(result),
            Err(_) => Some(Err(Error::Store(StoreError::Other(format!(
                "handler {name} panicked"
            ))))),
        };
        let answered = match answered {
            Some(result) => result,
            None => on_the_pool(edge, request, client, name).await,
        };
        return match answered {
            Ok(Answer {
                outcome,
                valid_until,
            }) => {
                let reply = encoder(Ok(outcome));
                if let (Some((key, generation)), None) = (cache, &reply.detail) {
                    edge.answers.put(key, &reply, generation, valid_until);
                }
                reply
            }
            Err(e) => finish(name, Err(e), encoder),
        };
    }
    // A command that hashes waits for nothing: with the lane full it is refused at once,
    // before it takes a blocking thread.
    let lane = match request.command.hashes_password() {
        false => None,
        true => match edge.password_lane.clone().try_acquire_owned() {
            Ok(slot) => Some(slot),
            Err(_) => return encoder(Err(Error::Unavailable)).because(LANE_FULL),
        },
    };
    let ctx = edge.app.ctx.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _lane = lane;
        handlers::execute(&ctx, *request, Some(client))
    });
    let result = match job.await {
        Ok(r) => r,
        Err(join) => Err(failed(name, join)),
    };
    finish(name, result, encoder)
}

/// Runs a short read that would have waited on the blocking pool.
async fn on_the_pool(
    edge: &Edge,
    request: Box<crate::command::Request>,
    client: IpAddr,
    name: &str,
) -> Result<Answer, Error> {
    let ctx = edge.app.ctx.clone();
    let job = tokio::task::spawn_blocking(move || handlers::answer(&ctx, *request, Some(client)));
    job.await.unwrap_or_else(|join| Err(failed(name, join)))
}

/// A handler that panicked or could not be run.
fn failed(name: &str, join: tokio::task::JoinError) -> Error {
    Error::Store(StoreError::Other(format!("handler {name} failed: {join}")))
}

/// Encodes a command's result, noting a failure at debug level.
fn finish(name: &str, result: Result<crate::command::Outcome, Error>, encoder: Encoder) -> Reply {
    if let Err(e) = &result {
        tracing::debug!(command = name, error = %e, "command failed");
    }
    encoder(result)
}
