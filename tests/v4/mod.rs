//! v4.0 (the `v4` dialect) over HTTP.

mod holes;
mod methods;
