//! Integration tests of the PhoneBooks (`opcode`) dialect over HTTP: one binary, run with
//! `cargo test --test api`.

mod bad_input;
mod concurrency;
mod durability;
mod framing;
mod helpers;
mod opcode_accounts;
mod opcode_contacts;
mod opcode_registry;
mod opcode_security;
mod request_log;
