//! HelpAged (the `typed` dialect) over HTTP.

mod bad_input;
mod holes;
