//! HelpAged (the `typed` dialect) over HTTP: the holes of the original server that CONTRACT.md
//! and ORIGINALS.md close, each proved over a real in-process server, and the bad-input table.

mod accounts;
mod admin;
mod bad_input;
mod devices;
mod hashes;
mod portraits;
mod profile;
mod tokens;
