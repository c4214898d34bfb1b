//! A recorded request as a fixture step's `request`: its path segments, query pairs, the
//! headers a dialect reads and its body in the fixture form that replays it (`body` for JSON
//! sent as JSON, `form` for a plain form, else `raw` or `raw_hex`), with every value that
//! cannot repeat replaced by its `{{name}}` through a [`Lookup`].

use super::super::volatile;
use serde_json::{json, Map, Value};

/// The request headers a dialect reads, the only ones a fixture keeps: cookies, the client's
/// own framing and caching headers are left out (Switchboard reads none of them).
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "user-id",
    "access-token",
    "referer",
];

/// Where a request value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A path segment the registry row names as a parameter (`<pk>`, `<uid>`).
    PathParam,
    /// Any other path segment.
    Path,
    /// A query or form value.
    Pair,
    /// A header value (or the token after an `Authorization` scheme).
    Header,
    /// A JSON string or number.
    Json,
}

/// Decides what replaces a request value: `Some(name)` for `{{name}}`.
pub trait Lookup {
    /// The placeholder name for `text` at `place` under `key`, if it must be substituted.
    fn name(
        &mut self,
        place: Place,
        key: Option<&str>,
        text: &str,
        json: Option<&Value>,
    ) -> Option<String>;
}

/// A request body in the form a fixture replays it.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    Empty,
    /// JSON sent as JSON.
    Json(Value),
    /// A form with distinct keys, sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// Any other text.
    Raw(String),
    /// Bytes that are not text.
    Hex(Vec<u8>),
}

/// A recorded request, ready to become a fixture step's `request`.
#[derive(Debug, Clone)]
pub struct Req {
    /// The method.
    pub method: String,
    /// The raw path's segments (the first is empty: the path starts with `/`).
    pub segments: Vec<String>,
    /// The raw query's `key=value` pairs, as sent (`None` without a `?`).
    pub query: Option<Vec<(String, Option<String>)>>,
    /// The kept headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Req {
    /// Reads a recorded request.
    pub fn new(method: &str, uri: &http::Uri, headers: &http::HeaderMap, body: &[u8]) -> Req {
        let segments = uri.path().split('/').map(str::to_string).collect();
        let query = uri.query().map(|q| {
            q.split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (pair.to_string(), None),
                })
                .collect()
        });
        let kept = headers
            .iter()
            .filter(|(k, _)| KEPT_HEADERS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect::<Vec<_>>();
        let media = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        Req {
            method: method.to_string(),
            segments,
            query,
            headers: kept,
            body: body_form(&media, body),
        }
    }

    /// Every top-level `(key, value)` the request names: query, form, JSON object fields
    /// (and those of HelpAged's `data`), decoded.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if let Some(q) = &self.query {
            let raw = q
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("&");
            out.extend(form_urlencoded::parse(raw.as_bytes()).into_owned());
        }
        match &self.body {
            Body::Form(pairs) => out.extend(pairs.iter().cloned()),
            Body::Json(Value::Object(m)) => {
                let data = m.get("data").and_then(Value::as_object);
                for (k, v) in m.iter().chain(data.into_iter().flatten()) {
                    if let Some(text) = volatile::text(v) {
                        out.push((k.clone(), text));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// Replaces every string value of the request (not keys) that `f` maps.
    pub fn rewrite(&mut self, f: &mut impl FnMut(Option<&str>, &str) -> Option<String>) {
        if let Some(q) = &mut self.query {
            for (k, v) in q.iter_mut() {
                if let Some(value) = v {
                    let decoded: String = form_urlencoded::parse(format!("x={value}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    if let Some(new) = f(Some(k), &decoded) {
                        *value = form_urlencoded::byte_serialize(new.as_bytes()).collect();
                    }
                }
            }
        }
        match &mut self.body {
            Body::Form(pairs) => {
                for (k, v) in pairs.iter_mut() {
                    if let Some(new) = f(Some(k), v) {
                        *v = new;
                    }
                }
            }
            Body::Json(v) => rewrite_json(v, None, f),
            _ => {}
        }
    }

    /// The fixture step's `request`, values substituted by `lookup`; `params` are the
    /// registry row's path parameters.
    pub fn spec(&self, params: &[(String, String)], lookup: &mut impl Lookup) -> Value {
        let mut path = String::new();
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                path.push('/');
            }
            let param = params
                .iter()
                .find(|(_, v)| v == seg)
                .map(|(k, _)| k.as_str());
            let place = if param.is_some() {
                Place::PathParam
            } else {
                Place::Path
            };
            match (seg.is_empty(), lookup.name(place, param, seg, None)) {
                (false, Some(name)) => path.push_str(&format!("{{{{{name}}}}}")),
                _ => path.push_str(seg),
            }
        }
        if let Some(q) = &self.query {
            let pairs: Vec<String> = q
                .iter()
                .map(|(k, v)| match v {
                    None => k.clone(),
                    Some(v) => match lookup.name(Place::Pair, Some(k), v, None) {
                        Some(name) => format!("{k}={{{{{name}}}}}"),
                        None => format!("{k}={v}"),
                    },
                })
                .collect();
            path = format!("{path}?{}", pairs.join("&"));
        }
        let mut spec = Map::new();
        spec.insert("method".into(), json!(self.method));
        spec.insert("path".into(), json!(path));
        if !self.headers.is_empty() {
            let headers: Map<String, Value> = self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(header_value(k, v, lookup))))
                .collect();
            spec.insert("headers".into(), Value::Object(headers));
        }
        match &self.body {
            Body::Empty => {}
            Body::Json(v) => {
                spec.insert("body".into(), subst_json(v, None, lookup));
            }
            Body::Form(pairs) => {
                let form: Map<String, Value> = pairs
                    .iter()
                    .map(|(k, v)| {
                        let value = match lookup.name(Place::Pair, Some(k), v, None) {
                            Some(name) => format!("{{{{{name}}}}}"),
                            None => v.clone(),
                        };
                        (k.clone(), json!(value))
                    })
                    .collect();
                spec.insert("form".into(), Value::Object(form));
            }
            Body::Raw(text) => {
                spec.insert("raw".into(), json!(text));
            }
            Body::Hex(bytes) => {
                spec.insert("raw_hex".into(), json!(hex::encode(bytes)));
            }
        }
        Value::Object(spec)
    }
}

/// A header's value, the token after a credential scheme (`JWT`, `Token`, `Bearer`) or the
/// whole value substituted.
fn header_value(name: &str, value: &str, lookup: &mut impl Lookup) -> String {
    let (scheme, token) = match value.trim().split_once(char::is_whitespace) {
        Some((scheme, token)) if name == "authorization" => (format!("{scheme} "), token.trim()),
        _ => (String::new(), value),
    };
    match lookup.name(Place::Header, Some(name), token, None) {
        Some(n) => format!("{scheme}{{{{{n}}}}}"),
        None => value.to_string(),
    }
}

/// Substitutes the scalars of a request's JSON (an array's items under its key).
fn subst_json(v: &Value, key: Option<&str>, lookup: &mut impl Lookup) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), subst_json(x, Some(k), lookup)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| subst_json(x, key, lookup)).collect()),
        Value::String(_) | Value::Number(_) => {
            let text = volatile::text(v).unwrap_or_default();
            match lookup.name(Place::Json, key, &text, Some(v)) {
                Some(name) => json!(format!("{{{{{name}}}}}")),
                None => v.clone(),
            }
        }
        other => other.clone(),
    }
}

fn rewrite_json(
    v: &mut Value,
    key: Option<&str>,
    f: &mut impl FnMut(Option<&str>, &str) -> Option<String>,
) {
    match v {
        Value::Object(m) => m.iter_mut().for_each(|(k, x)| rewrite_json(x, Some(k), f)),
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_json(x, key, f)),
        Value::String(s) => {
            if let Some(new) = f(key, s) {
                *s = new;
            }
        }
        _ => {}
    }
}

/// The fixture form of a body: JSON only when sent as JSON and valid, a form only when sent
/// as one with distinct keys (a fixture's form is an object), else the text or the bytes.
fn body_form(media: &str, body: &[u8]) -> Body {
    if body.is_empty() {
        return Body::Empty;
    }
    if media == "application/json" || media.ends_with("+json") {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            return Body::Json(v);
        }
    }
    if media == "application/x-www-form-urlencoded" {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        let mut keys: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        if keys.len() == pairs.len() && std::str::from_utf8(body).is_ok() {
            return Body::Form(pairs);
        }
    }
    match std::str::from_utf8(body) {
        Ok(text) => Body::Raw(text.to_string()),
        Err(_) => Body::Hex(body.to_vec()),
    }
}
