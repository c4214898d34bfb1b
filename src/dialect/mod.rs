//! Wire dialects. Each module holds only a decoder (wire → [`Request`]) and an encoder
//! (outcome or [`Error`] → its envelope and HTTP status). No dialect opens the store or calls
//! a handler: it returns a [`Step`], and the server runs the request and calls the encoder.

pub mod ineww;
pub mod opcode;
pub mod rooms;
pub mod typed;
pub mod v4;

use crate::command::{CommandKind, Outcome, Request};
use crate::error::{Error, Result};
use crate::registry::{Dialect, WireKey};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The commands the decoder of `dialect` for this kind of wire key can build — what the
/// registry checks each row against at start-up ([`crate::registry::Registry::parse_with`]).
/// Each set sits next to the decoder's match it describes. The server hands `op` bodies to
/// the opcode decoder, `type`/`subtype` bodies to the typed body decoder, and path rows to the
/// typed GET decoder or the REST dialect's decoder; any other pairing reaches no decoder.
pub fn decodable(dialect: Dialect, key: &WireKey) -> &'static [CommandKind] {
    match (dialect, key) {
        (Dialect::Opcode, WireKey::Op(_)) => opcode::DECODABLE,
        (Dialect::Typed, WireKey::Typed(..)) => typed::BODY_DECODABLE,
        (Dialect::Typed, WireKey::Rest(..)) => typed::GET_DECODABLE,
        (Dialect::Ineww, WireKey::Rest(..)) => ineww::DECODABLE,
        (Dialect::Rooms, WireKey::Rest(..)) => rooms::DECODABLE,
        (Dialect::V4, WireKey::Rest(..)) => v4::DECODABLE,
        _ => &[],
    }
}

/// A request as the dialects see it (no hyper types).
pub struct Wire<'a> {
    /// HTTP method.
    pub method: &'a http::Method,
    /// Path without the query.
    pub path: &'a str,
    /// Raw query string, if any.
    pub query: Option<&'a str>,
    /// Request headers.
    pub headers: &'a http::HeaderMap,
}

/// An answer as the dialects produce it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Content-Type header, if any.
    pub content_type: Option<&'static str>,
    /// Body bytes.
    pub body: Bytes,
    /// Why the request was refused, for the request's log line only: the wire carries the
    /// dialect's documented text, the operator reads the detail (which field, which content
    /// type, why a token was refused). Never a password or a token.
    pub detail: Option<String>,
}

impl Reply {
    /// A JSON answer with `status`.
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            detail: None,
            status,
            content_type: Some("application/json"),
            body: Bytes::from(value.to_string()),
        }
    }

    /// The same answer, noting for the log why the request was refused.
    pub fn because(mut self, detail: impl std::fmt::Display) -> Reply {
        self.detail = Some(detail.to_string());
        self
    }
}

/// Turns the outcome of an executed request into the dialect's answer.
pub type Encoder = Box<dyn FnOnce(Result<Outcome>) -> Reply + Send>;

/// What a dialect makes of a request: an immediate answer (bad input, unknown command), or
/// a request to execute and the encoder for its outcome.
pub enum Step {
    /// Answer now; nothing to execute.
    Reply(Reply),
    /// Execute `request` off the async threads, then encode.
    Execute {
        /// The decoded request (boxed: it is much larger than a reply).
        request: Box<Request>,
        /// The dialect's encoder, holding what it must echo.
        encoder: Encoder,
    },
}

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

/// Serialises JSON escaping every non-ASCII character as `\uXXXX`, as Python's `json.dumps`
/// did for the original servers.
pub fn to_ascii_json<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    // Serialising a Value into a Vec cannot fail.
    let _ = serde::Serialize::serialize(value, &mut ser);
    out
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if ch.is_ascii() {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + ch.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// Test support shared by the REST dialects' decoder tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Step, Wire};
    use crate::command::CommandKind;
    use crate::registry::{Dialect, Registry, RestMatch, Route, WireKey};

    /// Every [`CommandKind`], read off serde's refusal of an unknown name (which lists them
    /// all), so that no hand-kept list can fall behind the enum.
    pub fn every_command_kind() -> Vec<CommandKind> {
        let err = serde_json::from_str::<CommandKind>("\"\"")
            .unwrap_err()
            .to_string();
        let names = err
            .split_once("expected one of ")
            .map(|(_, names)| names)
            .unwrap_or_else(|| panic!("serde's message changed: {err}"));
        let kinds: Vec<CommandKind> = names
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|n| serde_json::from_value(serde_json::Value::String(n.into())).unwrap())
            .collect();
        assert!(
            kinds.len() > 40,
            "only {} kinds read from: {err}",
            kinds.len()
        );
        kinds
    }

    /// A row of `dialect` with `key` naming `kind`, requiring nothing.
    pub fn route(dialect: Dialect, key: WireKey, kind: CommandKind) -> Route {
        Route {
            dialect,
            key,
            command: kind,
            auth: false,
            required: Vec::new(),
            extension: false,
            summary: String::new(),
            path: None,
        }
    }

    /// Holds a decoder's declared set equal to its match: `refuses(kind)` says whether the
    /// decoder, given `kind` and an empty input, answers with its "not one of mine" error
    /// (rather than building the command or complaining about a field).
    pub fn assert_set_is_the_match(
        decoder: &str,
        set: &[CommandKind],
        refuses: impl Fn(CommandKind) -> bool,
    ) {
        for kind in every_command_kind() {
            assert_eq!(
                set.contains(&kind),
                !refuses(kind),
                "the {decoder} decoder's set and its match disagree about {}",
                kind.as_str()
            );
        }
    }

    /// A session outcome for `account` with `token` and nothing else, for encoder tests.
    pub fn session(account: crate::domain::Account, token: &str) -> crate::domain::Session {
        crate::domain::Session {
            account,
            token: token.into(),
            expires_at: None,
            refresh: None,
            contacts: None,
            member: None,
            rooms: None,
            device: None,
            created: false,
        }
    }

    /// The token a credential carries, whatever its kind.
    pub fn token_of(c: &crate::command::Credential) -> (&str, Option<&str>) {
        match c {
            crate::command::Credential::Token { token, user_id, .. } => {
                (token.as_str(), user_id.as_deref())
            }
            crate::command::Credential::Device(t) => (t.as_str(), None),
        }
    }

    /// A REST dialect's entry point.
    pub type Handle = fn(&Route, &Wire<'_>, &[(String, String)], &[u8]) -> Step;

    /// Routes `method target` (path and optional query) through the built-in registry and
    /// hands it, with `headers` and `body`, to `handle`, as the server would.
    pub fn send(
        handle: Handle,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Step {
        let reg = Registry::builtin().unwrap();
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        let RestMatch::Found(route, params) = reg.rest(method, path) else {
            panic!("{method} {path} is not a route");
        };
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let method = http::Method::from_bytes(method.as_bytes()).unwrap();
        let wire = Wire {
            method: &method,
            path,
            query,
            headers: &map,
        };
        handle(route, &wire, &params, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Registry, REGISTRY_TOML};
    use serde_json::json;

    #[test]
    fn every_builtin_row_names_a_command_its_decoder_builds() {
        let reg = Registry::parse_with(REGISTRY_TOML, decodable).unwrap();
        assert_eq!(
            reg.routes().len(),
            Registry::builtin().unwrap().routes().len()
        );
    }

    #[test]
    fn an_op_row_naming_a_command_no_opcode_arm_builds_is_refused_at_start_up() {
        let text = r#"
            [[route]]
            dialect = "opcode"
            op = 1011
            command = "doki"
            auth = true
            summary = "a typed heartbeat under an op code"
        "#;
        let err = Registry::parse_with(text, decodable).unwrap_err();
        assert!(
            err.starts_with(
                "opcodes.toml route #1 (opcode, `op 1011`): command `doki` cannot be decoded: \
                 the opcode decoder builds only register, forgot_password,"
            ),
            "{err}"
        );
    }

    #[test]
    fn non_ascii_is_escaped_like_python_json_dumps() {
        let out = to_ascii_json(&json!({"name": "刘可", "e": "😀"}));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"name":"\u5218\u53ef","e":"\ud83d\ude00"}"#
        );
    }

    #[test]
    fn an_unread_key_fails_finish_with_its_path() {
        let v = json!({"a": "x", "b": 1});
        let f = Fields::of(&v, "users[0].").unwrap();
        f.str("a").unwrap();
        let err = f.finish().unwrap_err().to_string();
        assert!(err.contains("users[0].b"), "{err}");
    }

    #[test]
    fn null_counts_as_missing() {
        let v = json!({"a": null});
        let f = Fields::of(&v, "").unwrap();
        assert!(matches!(f.str("a"), Err(Error::MissingField(_))));
        assert!(f.require(&["a".into()]).is_err());
    }

    #[test]
    fn a_number_where_a_string_belongs_is_a_type_error() {
        let v = json!({"phone": 13000000001u64});
        let f = Fields::of(&v, "").unwrap();
        assert!(matches!(f.str("phone"), Err(Error::WrongType { .. })));
    }
}
