//! The integration tests, one binary (`cargo test --test integration`): each dialect and the
//! HTTP edge over a real in-process server, the fixture replay, the README and docs checks, and
//! the operator's side (`config check`, the systemd unit).

mod cluster;
mod fixtures;
mod http;
mod ineww;
mod migrate;
mod opcode;
mod ops;
mod readme;
mod rooms;
mod support;
mod throttle;
mod typed;
mod v4;
