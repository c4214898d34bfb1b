//! The HTTP edge every dialect shares: framing, limits and timeouts, misbehaving connections,
//! the request log, concurrency, the answer cache, the real binary's durability, and code
//! delivery through the webhook, and backups.

mod answer_cache;
mod backup;
mod concurrency;
mod connections;
mod delivery;
mod durability;
mod framing;
mod json_log;
mod limits;
mod metrics;
mod request_log;
