//! The HTTP edge every dialect shares: framing, limits, timeouts, the request log, concurrency
//! and the real binary's durability.

mod bad_input;
mod concurrency;
mod durability;
mod framing;
mod request_log;
