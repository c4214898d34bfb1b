//! Migrating a live legacy backend (`switchboard record`, `switchboard shadow`): a second
//! Switchboard stands in for the legacy server, the proxies run in this process in front of it
//! ([`crate::support::front`]), and real clients' requests of every dialect go through them.

mod cli;
mod forward;
mod record;
mod shadow;
