//! Switchboard: one small server that speaks five legacy mobile-app backend protocols over one
//! SQLite file.
//!
//! A request travels one way through the crate, as in tokio's mini-redis: bytes become a frame,
//! the frame a [`command::Command`], the command is applied, the outcome becomes bytes again.
//!
//! ```text
//! server ──▶ dialect::<name>::handle ──▶ command::Request ──▶ handlers::execute ──▶ store
//!   ▲              (decoder)                                        │
//!   └──────────── dialect::<name>::encode ◀── Outcome | error::Error ┘
//! ```
//!
//! Imports run one way: `server → dialect → command → handlers → store → domain` (`auth`,
//! `media`, `delivery`, `config`, `ctx`, `error` are leaves used from above). `command` is data
//! only (the commands, `Request`, `Outcome`); `handlers::execute` hands each domain's command
//! to that domain's handler file, whose one match applies it. A dialect never imports a handler or the store; a handler never knows
//! which dialect asked — what differs between dialects is a value the command carries (a
//! [`domain::TokenPolicy`], the [`domain::SessionExtras`] its answer shows); only `store`
//! speaks SQL. `python3 ../shared/tools/modgraph.py` checks the direction.
//!
//! | module | what it holds |
//! |---|---|
//! | [`server`] | hyper accept loop, limits, body memory, routing by path, graceful shutdown, the request log |
//! | [`registry`] | `opcodes.toml`: wire key → command, token, required fields |
//! | [`dialect`] | one decoder/encoder pair per wire protocol ([`dialect::opcode`], …) and each dialect's token policy |
//! | [`command`] | `Command`: one enum per domain, each declared beside its input structs by one table; `Request`, `Outcome`; `CommandKind` generated from `opcodes.toml` — data only |
//! | [`handlers`] | `execute` (authenticate, dispatch) and plain handler functions by domain: accounts, admin, sessions, contacts, codes, media, devices, profiles, rooms, v4_profiles |
//! | [`store`] | SQLite: schema, migrations, group commit, one module per table group |
//! | [`domain`] | validated values (`Phone`, `Password`), records (`Account`, `Member`, `Contact`), sessions and token policies |
//! | [`error`] | the one domain error enum |
//! | [`ctx`] | what handlers get: store, clock, ids, JWT keys, hasher, the outbox's courier |
//! | [`auth`] | argon2id passwords, HS256 JWTs, token digests |
//! | [`media`] | captcha PNGs, placeholder portraits, image sniffing and base64 decoding |
//! | [`delivery`] | the outbox's delivery: the code webhook's worker (ureq, HMAC signature, retries with backoff) |
//! | [`config`] | TOML + `SWITCHBOARD_*` configuration |
//! | [`app`] | assembly of the above from a config |
//! | [`fixtures`] | the fixture runner behind `cargo test` and `switchboard replay` |
//! | [`proxy`] | `switchboard record` and `shadow`: reverse proxies in front of a legacy backend that tell dialects apart with [`registry`] and [`dialect`], write fixtures, compare answers |

pub mod app;
pub mod auth;
pub mod command;
pub mod config;
pub mod ctx;
pub mod delivery;
pub mod dialect;
pub mod domain;
pub mod error;
pub mod fixtures;
pub mod handlers;
pub mod media;
pub mod proxy;
pub mod registry;
pub mod server;
pub mod store;
