//! The HTTP edge every dialect shares: framing, limits and timeouts, misbehaving connections,
//! the request log, concurrency, the answer cache, and the real binary's durability.

mod answer_cache;
mod concurrency;
mod connections;
mod durability;
mod framing;
mod limits;
mod request_log;
