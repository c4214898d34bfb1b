//! PhoneBooks (the `opcode` dialect) over HTTP.

mod accounts;
mod bad_input;
mod contacts;
mod registry;
mod security;
