//! Running a decoded request. A short read (a command flagged `short_read`: no write, no
//! hash, bounded by what it answers) is answered from the answer cache when the identical
//! request was answered at the store's current generation ([`super::answers`]), else run right
//! here, on the thread that owns the connection, when an idle pooled connection is at hand and
//! authenticating it needs no write. Everything else — and a short read that would wait —
//! runs on the blocking pool. A short write goes to the write lane ([`super::write_lane`]).
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
use crate::command::{Lane, Request};
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
    run(edge, request, encoder, client, source).await
}

/// Runs a decoded request on its lane and encodes the outcome.
async fn run(
    edge: &Edge,
    request: Box<Request>,
    encoder: Encoder,
    client: IpAddr,
    source: Source<'_>,
) -> Reply {
    let name = request.command.name();
    let ctx = &edge.app.ctx;
    // Where a short read's answer is kept: its request's identity and the generation read
    // before it ran.
    let lane = request.command.lane();
    let cache = (lane == Lane::ShortRead && edge.answers.enabled()).then(|| {
        (
            answers::key(source.parts, source.body),
            ctx.store.generation(),
        )
    });
    if let Some((key, generation)) = &cache {
        if let Some(reply) = edge.answers.get(key, *generation, ctx.now_secs()) {
            return reply;
        }
    }
    if lane == Lane::ShortWrite {
        let answered = edge.write_lane.run(*request, client).await;
        return respond(edge, name, answered, encoder, cache);
    }
    if lane == Lane::ShortRead {
        let attempt = (*request).clone();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store::without_waiting(|| handlers::execute(ctx, attempt, Some(client)))
        }));
        match ran {
            Ok(Err(Error::Store(StoreError::WouldBlock))) => {}
            Ok(answered) => return respond(edge, name, answered, encoder, cache),
            Err(_) => {
                let panicked = StoreError::Other(format!("handler {name} panicked"));
                return respond(edge, name, Err(Error::Store(panicked)), encoder, cache);
            }
        }
    }
    // A command that hashes waits for nothing: with the lane full it is refused at once,
    // before it takes a blocking thread.
    let slot = match lane {
        Lane::HashesPassword => match edge.password_lane.clone().try_acquire_owned() {
            Ok(slot) => Some(slot),
            Err(_) => return encoder(Err(Error::Unavailable)).because(LANE_FULL),
        },
        Lane::Blocking | Lane::ShortRead | Lane::ShortWrite => None,
    };
    let ctx = ctx.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        handlers::execute(&ctx, *request, Some(client))
    });
    let answered = job.await.unwrap_or_else(|join| {
        let failed = StoreError::Other(format!("handler {name} failed: {join}"));
        Err(Error::Store(failed))
    });
    respond(edge, name, answered, encoder, cache)
}

/// Encodes a command's answer, keeps a successful short read's reply in the answer cache, and
/// notes a failure at debug level.
fn respond(
    edge: &Edge,
    name: &str,
    answered: Result<Answer, Error>,
    encoder: Encoder,
    cache: Option<(Box<[u8]>, u64)>,
) -> Reply {
    match answered {
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
        Err(e) => {
            tracing::debug!(command = name, error = %e, "command failed");
            encoder(Err(e))
        }
    }
}
