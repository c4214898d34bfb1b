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
use super::Edge;
use crate::command::{Lane, Request};
use crate::dialect::{Encoder, Reply, Step};
use crate::error::{Error, StoreError};
use crate::handlers::{self, Answer};
use crate::registry::Dialect;
use crate::store;
use std::net::IpAddr;

/// The request a step came from, which the answer cache keys on, and what a cached answer
/// must say of itself when it is served again without decoding (see [`Answers::early`]).
///
/// [`Answers::early`]: super::answers::Answers::early
pub struct Source<'a> {
    /// Method, target and headers.
    pub parts: &'a http::request::Parts,
    /// The body as read (empty when the route reads none).
    pub body: &'a [u8],
    /// The dialect the route belongs to.
    pub dialect: Dialect,
    /// The registry command of a REST route (the RPC dialects' encoders name theirs).
    pub command: Option<&'static str>,
}

impl<'a> Source<'a> {
    /// The request of `parts` with `body`, routed to `dialect`.
    pub fn of(parts: &'a http::request::Parts, body: &'a [u8], dialect: Dialect) -> Self {
        Source {
            parts,
            body,
            dialect,
            command: None,
        }
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
    // A short read's answer is kept for its request, with the generation read before it ran
    // (the routes looked it up before decoding: `Answers::early`).
    let lane = request.command.lane();
    let cache = (lane == Lane::ShortRead && edge.answers.enabled())
        .then(|| (source, ctx.store.generation()));
    if let (Lane::ShortWrite, Some(write_lane)) = (lane, &edge.write_lane) {
        let answered = write_lane.run(*request, client).await;
        return respond(edge, name, answered, encoder, cache);
    }
    // Inline only where a read is local (SQLite): PostgreSQL's reads are network round trips.
    if lane == Lane::ShortRead && !ctx.store.is_shared() {
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
    cache: Option<(Source<'_>, u64)>,
) -> Reply {
    match answered {
        Ok(Answer {
            outcome,
            valid_until,
        }) => {
            let mut reply = encoder(Ok(outcome));
            if let (Some((source, generation)), None) = (cache, &reply.detail) {
                reply.dialect = Some(source.dialect.as_str());
                reply.command = reply.command.or(source.command);
                let request = (source.parts, source.body);
                edge.answers.put(request, &reply, generation, valid_until);
            }
            reply
        }
        Err(e) => {
            tracing::debug!(command = name, error = %e, "command failed");
            encoder(Err(e))
        }
    }
}
