//! Unit tests of the v4 decoder and encoder, by topic: where parameters come from
//! ([`input`]), what a bad request answers ([`refusals`]), and the samples' answers
//! ([`encode`]).

mod encode;
mod input;
mod refusals;

use super::*;
use crate::command::Command;
use crate::dialect::testing::{self, json, replied, text};
use serde_json::{json, Value};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

const JSON: (&str, &str) = ("content-type", "application/json");

const LOGIN: &str = "phone=13126939916&password=111111&device_identifier=uuid";

fn send(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    testing::send(handle, method, target, headers, body)
}

/// The command a step would execute.
fn executed(s: Step) -> Command {
    testing::executed(s).command
}

/// A login's phone, password and device.
fn login_of(c: Command) -> (String, String, Option<String>) {
    let l = crate::command::sessions::Login::try_from(c).unwrap();
    (l.login, l.password, l.extras.device)
}
