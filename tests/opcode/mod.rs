//! PhoneBooks (the `opcode` dialect) over HTTP.

mod accounts;
mod bad_input;
mod contacts;
mod export;
mod registry;
mod security;
mod sessions;
