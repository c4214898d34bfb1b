//! Unit tests of the HelpAged decoder and encoder, by topic: the frame around `data` and the
//! content type ([`frame`]), `data` and tokens ([`decode`]), and the answers ([`encode`]).

mod decode;
mod encode;
mod frame;

use super::*;
use crate::dialect::testing::{answer, executed, json, replied};
use serde_json::json;

fn reg() -> Registry {
    Registry::builtin().unwrap()
}

fn post(path: &str, query: Option<&str>, body: Value) -> Step {
    post_as(Some("application/json"), path, query, body)
}

/// A POST with the given Content-Type (none when `None`).
fn post_as(content_type: Option<&str>, path: &str, query: Option<&str>, body: Value) -> Step {
    let mut headers = http::HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
    }
    let wire = Wire {
        method: &http::Method::POST,
        path,
        query,
        headers: &headers,
    };
    handle(&reg(), &wire, Some(&body), Options::new(false))
}

/// The envelope of a refused request and its log detail.
fn refusal(s: Step) -> (Value, String) {
    let r = replied(s);
    let detail = r.detail.clone().expect("a refusal carries a detail");
    (json(&r), detail.into_owned())
}
