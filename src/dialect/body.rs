//! A request body read as one JSON object of fields, for the dialects whose bodies are JSON
//! objects or forms: blank is `{}`, JSON that is not an object is refused, and text that is
//! not JSON is the caller's to read as a form or refuse.

use crate::error::Error;
use serde_json::{Map, Value};

/// Why a body that is not blank is not a JSON object.
#[derive(Debug)]
pub enum NotObject {
    /// It does not parse as JSON.
    NotJson(serde_json::Error),
    /// It is JSON of another kind (an array, a string…).
    Other(Value),
}

impl From<NotObject> for Error {
    fn from(why: NotObject) -> Error {
        Error::BadFrame(match why {
            NotObject::NotJson(e) => format!("the body is not valid JSON ({e})"),
            NotObject::Other(_) => "the body must be a JSON object".into(),
        })
    }
}

/// Whether the body is empty or only whitespace.
fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// The body's JSON object; a blank body is `{}`.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, NotObject> {
    if is_blank(body) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(NotObject::Other(other)),
        Err(e) => Err(NotObject::NotJson(e)),
    }
}
