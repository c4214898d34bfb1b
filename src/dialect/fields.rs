//! [`Fields`]: typed reads of one JSON object's fields that remember which keys were read, so
//! that a decoder can refuse the keys nobody asked for.

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Typed access to one JSON object's fields, recording which keys were read so that
/// [`Fields::finish`] can refuse keys nobody asked for (mini-redis's `parse.finish()`).
pub struct Fields<'a> {
    /// The object.
    obj: &'a Map<String, Value>,
    /// Dotted path of the object, for error messages (`""` at the top, `"users[0]."` below).
    prefix: String,
    /// Keys read so far, plus keys explicitly tolerated.
    seen: RefCell<BTreeSet<&'a str>>,
}

impl<'a> Fields<'a> {
    /// Fields of `value`, which must be an object; `prefix` names it in errors.
    pub fn of(value: &'a Value, prefix: &str) -> Result<Fields<'a>> {
        match value {
            Value::Object(obj) => Ok(Fields {
                obj,
                prefix: prefix.to_string(),
                seen: RefCell::new(BTreeSet::new()),
            }),
            _ if prefix.is_empty() => Err(Error::BadFrame("the body must be a JSON object".into())),
            _ => Err(Error::wrong_type(prefix.trim_end_matches('.'), "an object")),
        }
    }

    /// The full name of a field, for messages.
    pub fn name(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// The raw value of a field; null counts as absent.
    pub fn raw(&self, key: &'a str) -> Option<&'a Value> {
        self.seen.borrow_mut().insert(key);
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// Whether the field is present with the value `null`.
    pub fn is_null(&self, key: &str) -> bool {
        self.obj.get(key).is_some_and(Value::is_null)
    }

    /// Marks keys as acceptable without reading them (keys our own answers carry).
    pub fn tolerate(&self, keys: &[&'a str]) {
        self.seen.borrow_mut().extend(keys.iter().copied());
    }

    /// An optional string field.
    pub fn opt_str(&self, key: &'a str) -> Result<Option<&'a str>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::wrong_type(self.name(key), "a string")),
        }
    }

    /// A required string field.
    pub fn str(&self, key: &'a str) -> Result<&'a str> {
        self.opt_str(key)?
            .ok_or_else(|| Error::MissingField(self.name(key)))
    }

    /// A required integer field (a float or string is refused).
    pub fn int(&self, key: &'a str) -> Result<i64> {
        match self.raw(key) {
            None => Err(Error::MissingField(self.name(key))),
            Some(v) => v
                .as_i64()
                .ok_or_else(|| Error::wrong_type(self.name(key), "an integer")),
        }
    }

    /// An optional array field.
    pub fn opt_array(&self, key: &'a str) -> Result<Option<&'a Vec<Value>>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(Error::wrong_type(self.name(key), "an array")),
        }
    }

    /// A required array field.
    pub fn array(&self, key: &'a str) -> Result<&'a Vec<Value>> {
        self.opt_array(key)?
            .ok_or_else(|| Error::MissingField(self.name(key)))
    }

    /// A required object field.
    pub fn object(&self, key: &'a str) -> Result<Fields<'a>> {
        let v = self
            .raw(key)
            .ok_or_else(|| Error::MissingField(self.name(key)))?;
        Fields::of(v, &format!("{}.", self.name(key)))
    }

    /// Each element of an array field as an object, named `key[i]` in errors.
    pub fn objects(&self, key: &'a str, items: &'a [Value]) -> Result<Vec<Fields<'a>>> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| Fields::of(v, &format!("{}[{i}].", self.name(key))))
            .collect()
    }

    /// Fails with [`Error::MissingField`] unless every listed field is present and non-null.
    pub fn require(&self, keys: &[String]) -> Result<()> {
        match keys
            .iter()
            .find(|k| self.obj.get(k.as_str()).is_none_or(Value::is_null))
        {
            Some(k) => Err(Error::MissingField(self.name(k))),
            None => Ok(()),
        }
    }

    /// Fails on the first key that was neither read nor tolerated.
    pub fn finish(&self) -> Result<()> {
        let seen = self.seen.borrow();
        match self.obj.keys().find(|k| !seen.contains(k.as_str())) {
            Some(k) => Err(Error::UnknownField(self.name(k))),
            None => Ok(()),
        }
    }
}
