//! rooms (the `rooms` dialect) over HTTP: each hole of the document that CONTRACT.md closes,
//! proved over a real in-process server, the table rebuild that made the phone optional, and a
//! bad-input table answered with the FAIL envelope.

mod accounts;
mod bad_input;
mod owners;
mod paging;
mod tokens;
