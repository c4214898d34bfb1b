//! The HTTP edge every dialect shares: framing, limits and timeouts, misbehaving connections,
//! the request log, concurrency, and the real binary's durability.

mod concurrency;
mod connections;
mod durability;
mod framing;
mod limits;
mod request_log;
