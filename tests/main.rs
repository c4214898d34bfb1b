//! The integration tests, one binary (`cargo test --test integration`): each dialect and the
//! HTTP edge over a real in-process server, the fixture replay and the README checks.

mod fixtures;
mod http;
mod ineww;
mod opcode;
mod readme;
mod rooms;
mod support;
mod throttle;
mod typed;
mod v4;
