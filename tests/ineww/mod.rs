//! INEWW (the `ineww` dialect) over HTTP.

mod holes;
mod wire;
