//! Switchboard: one small server that speaks five legacy mobile-app backend protocols over one
//! SQLite file.
//!
//! A request travels one way through the crate:
//!
//! ```text
//! server ──▶ dialect::<name>::handle ──▶ command::Request ──▶ handlers::execute ──▶ store
//!   ▲              (decoder)                                        │
//!   └──────────── dialect::<name>::encode ◀── Outcome | error::Error ┘
//! ```
//!
//! | module | what it holds |
//! |---|---|
//! | [`server`] | hyper accept loop, limits, routing by path, graceful shutdown |
//! | [`registry`] | `opcodes.toml`: wire key → command, token, required fields |
//! | [`dialect`] | one decoder/encoder pair per wire protocol ([`dialect::opcode`], …) |
//! | [`command`] | the one `Command` enum, `Request`, `Outcome` |
//! | [`handlers`] | plain functions by domain: accounts, admin, sessions, contacts, codes, media, devices, profiles, rooms, v4_profiles |
//! | [`store`] | SQLite: schema, migrations, one module per table group |
//! | [`domain`] | validated values (`Phone`, `Password`) and records (`Account`, `Member`, `Contact`) |
//! | [`error`] | the one domain error enum |
//! | [`ctx`] | what handlers get: store, clock, ids, JWT keys, hasher, code sender |
//! | [`auth`] | argon2id passwords, HS256 JWTs, token digests |
//! | [`media`] | captcha PNGs, placeholder portraits, image sniffing and base64 decoding |
//! | [`sender`] | verification-code delivery (outbox table, webhook) |
//! | [`config`] | TOML + `SWITCHBOARD_*` configuration |
//! | [`app`] | assembly of the above from a config |
//! | [`fixtures`] | the fixture runner behind `cargo test` and `switchboard replay` |

pub mod app;
pub mod auth;
pub mod command;
pub mod config;
pub mod ctx;
pub mod dialect;
pub mod domain;
pub mod error;
pub mod fixtures;
pub mod handlers;
pub mod media;
pub mod registry;
pub mod sender;
pub mod server;
pub mod store;
