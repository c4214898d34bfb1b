//! rooms (the `rooms` dialect) over HTTP.

mod holes;
