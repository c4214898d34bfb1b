//! PhoneBooks (the `opcode` dialect) over HTTP.

mod accounts;
mod contacts;
mod registry;
mod security;
