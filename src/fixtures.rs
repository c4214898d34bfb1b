//! Replay of recorded HTTP request/response fixtures against a running server.
//!
//! A fixture is a JSON file `{"name": "...", "steps": [...]}`. Steps run in
//! order; after a failed step the rest are reported as skipped. Unknown keys
//! are rejected everywhere, so typos are caught when the file is loaded.
//!
//! An **HTTP step** has `name`, `request`, `response` and optionally
//! `"exact": true`:
//!
//! - `request`: `method` (default `"POST"`), `path` (may hold a query string),
//!   `headers` (object of strings) and at most one body: `body` (any JSON value,
//!   sent as `application/json` unless a content-type header is given), `raw`
//!   (a string sent verbatim), `raw_hex` (bytes as hex, whitespace ignored),
//!   `form` (object of strings, sent `application/x-www-form-urlencoded`) or
//!   `filler` (`{"byte": "a", "count": 9437184}`: that many copies of one byte).
//!   No body form means an empty body. Headers given here replace the runner's
//!   own `Host`, `Connection: close`, `Content-Length` and `Content-Type`.
//! - `response`: `status` (required), `headers` (names case-insensitive, values
//!   exact) and at most one of `body` (JSON, see below), `"body_empty": true` or
//!   `body_text` (exact text); with none of them the body is not checked.
//!
//! An expected JSON body matches recursively. Every listed object key must be
//! present and match; keys the server sends that the fixture does not list
//! are reported as notes, or fail the step with `"exact": true`. Arrays must
//! have the same length. Scalars must be equal, type included (`1` is not
//! `1.0`, `"200"` is not `200`).
//!
//! **Placeholders.** An expected string `"{{name:kind}}"` accepts any value of
//! that kind and captures it as `name`. Kinds: `uuid`, `hex32`, `jwt`,
//! `digits14`, `digits`, `datetime`, `base64` (non-empty), `int`, `string`,
//! `any`. Later, `{{name}}` stands for the captured value in the request path,
//! header values and every string of `body`, `raw` and `form`, and in expected
//! header values, `body` and `body_text`. A string that is exactly `"{{name}}"`
//! becomes the captured value with its JSON type (an expected one must equal
//! it); inside a longer string the value's text is spliced in.
//!
//! An **outbox step** `{"name": "...", "outbox": {"phone": "..."}, "capture":
//! "code"}` sends nothing: it captures, as a string, the newest verification
//! code that the server queued for that phone.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

type Caps = HashMap<String, Value>;
type Res<T = ()> = Result<T, String>;

const STEP_TIMEOUT: Duration = Duration::from_secs(10);
const SKIPPED: &str = "skipped: an earlier step failed";
const KINDS: &[&str] = &[
    "uuid", "hex32", "jwt", "digits14", "digits", "datetime", "base64", "int", "string", "any",
];
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Where to send fixture requests and how to read queued verification codes.
#[derive(Clone)]
pub struct Target {
    /// Base URL, `http://` only, e.g. `http://127.0.0.1:8080` (a path after the
    /// host is prefixed to every request path).
    pub base_url: String,
    /// Source of queued verification codes, needed by outbox steps.
    pub outbox: Option<Arc<dyn OutboxSource>>,
}

/// Reads the newest verification code queued for a phone
/// (implemented by the project over its database).
pub trait OutboxSource: Send + Sync {
    /// The newest code queued for `phone`, if any.
    fn latest_code(&self, phone: &str) -> Option<String>;
}

/// A named scenario: steps run in order against one server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// Human-readable name of the scenario.
    pub name: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One step: an HTTP exchange (`request` + `response` [+ `exact`]) or an
/// outbox read (`outbox` + `capture`); see the module documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    name: String,
    request: Option<RequestSpec>,
    response: Option<ExpectSpec>,
    #[serde(default)]
    exact: bool,
    outbox: Option<OutboxSpec>,
    capture: Option<String>,
}

/// The request of an HTTP step: method, path, headers and one body form.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default = "default_method")]
    method: String,
    path: String,
    #[serde(default)]
    headers: StrMap,
    #[serde(default, deserialize_with = "present")]
    body: Option<Value>,
    raw: Option<String>,
    raw_hex: Option<String>,
    form: Option<StrMap>,
    filler: Option<Filler>,
}

/// The expected response of an HTTP step: status, headers and body check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    status: u16,
    #[serde(default)]
    headers: StrMap,
    #[serde(default, deserialize_with = "present")]
    body: Option<Value>,
    #[serde(default)]
    body_empty: bool,
    body_text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Filler {
    byte: String,
    count: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxSpec {
    phone: String,
}

/// A JSON object whose values must all be strings, in file order.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
struct StrMap(Vec<(String, String)>);

impl TryFrom<Map<String, Value>> for StrMap {
    type Error = String;
    fn try_from(map: Map<String, Value>) -> Res<Self> {
        let pairs = map.into_iter().map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            other => Err(format!("the value of {k:?} must be a string, not {other}")),
        });
        pairs.collect::<Result<_, _>>().map(StrMap)
    }
}

fn default_method() -> String {
    "POST".into()
}

/// Keeps an explicit `null` as `Some(Value::Null)` rather than "absent".
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The outcome of running one fixture.
#[derive(Debug, Clone)]
pub struct FixtureReport {
    /// The fixture's name.
    pub name: String,
    /// One report per step, in order.
    pub steps: Vec<StepReport>,
}

impl FixtureReport {
    /// True when every step passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.failure.is_none())
    }
}

/// The outcome of one step.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// The step's name ("step N" when the fixture gives none).
    pub name: String,
    /// Why the step failed or was skipped; `None` when it passed.
    pub failure: Option<String>,
    /// Remarks that did not fail the step, such as unlisted response keys.
    pub notes: Vec<String>,
}

impl StepReport {
    /// True when the step did not run because an earlier step failed.
    pub fn skipped(&self) -> bool {
        self.failure.as_deref() == Some(SKIPPED)
    }
}

impl fmt::Display for FixtureReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        write!(f, "{verdict} {}", self.name)?;
        for step in &self.steps {
            match &step.failure {
                None => write!(f, "\n  ok       {}", step.name)?,
                Some(_) if step.skipped() => write!(f, "\n  skipped  {}", step.name)?,
                Some(why) => write!(f, "\n  FAIL     {}: {why}", step.name)?,
            }
            for note in &step.notes {
                write!(f, "\n           note: {note}")?;
            }
        }
        Ok(())
    }
}

/// Reads one fixture file and checks its steps are well formed.
pub fn load(path: &Path) -> Result<Fixture, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let fixture: Fixture = serde_json::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
    for (i, step) in fixture.steps.iter().enumerate() {
        let at = |e| format!("{shown}: step {} {:?}: {e}", i + 1, step.name);
        check_step(step).map_err(at)?;
    }
    Ok(fixture)
}

/// Every *.json under dir, recursively, sorted by path.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, out); // a symlinked directory is not followed: no cycles
            } else if path.extension().is_some_and(|e| e == "json") && path.is_file() {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Runs the steps of `fixture` in order against `target`, skipping those after a failure.
pub async fn run(fixture: &Fixture, target: &Target) -> FixtureReport {
    let mut caps = Caps::new();
    let mut steps: Vec<StepReport> = Vec::new();
    for (i, step) in fixture.steps.iter().enumerate() {
        let name = match step.name.as_str() {
            "" => format!("step {}", i + 1),
            given => given.to_string(),
        };
        let (mut failure, mut notes) = (Some(SKIPPED.to_string()), Vec::new());
        if steps.iter().all(|s| s.failure.is_none()) {
            failure = run_step(step, target, &mut caps, &mut notes).await.err();
            tracing::debug!(fixture = %fixture.name, step = %name, ?failure, "step done");
        }
        steps.push(StepReport {
            name,
            failure,
            notes,
        });
    }
    FixtureReport {
        name: fixture.name.clone(),
        steps,
    }
}

/// Loads and runs each file in order, prints each report to stdout,
/// returns (passed, failed) counts.
pub async fn replay_files(files: &[PathBuf], target: &Target) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        println!("-- {}", file.display());
        let ok = match load(file) {
            Ok(fixture) => {
                let report = run(&fixture, target).await;
                println!("{report}");
                report.passed()
            }
            Err(e) => {
                println!("FAIL (not loaded) {e}");
                false
            }
        };
        *(if ok { &mut passed } else { &mut failed }) += 1;
    }
    (passed, failed)
}

fn count(flags: &[bool]) -> usize {
    flags.iter().filter(|b| **b).count()
}

fn check_step(step: &Step) -> Res {
    match (&step.request, &step.response, &step.outbox, &step.capture) {
        (Some(req), Some(exp), None, None) => {
            let (r, e) = (req, exp);
            let forms = [r.body.is_some(), r.raw.is_some(), r.raw_hex.is_some()];
            if count(&forms) + count(&[r.form.is_some(), r.filler.is_some()]) > 1 {
                return Err(
                    "the request has more than one of body, raw, raw_hex, form, filler".into(),
                );
            }
            if let Some(h) = &r.raw_hex {
                hex_bytes(h)?;
            }
            if r.filler.as_ref().is_some_and(|f| f.byte.len() != 1) {
                return Err("filler.byte must be exactly one byte, e.g. \"a\"".into());
            }
            if count(&[e.body.is_some(), e.body_empty, e.body_text.is_some()]) > 1 {
                return Err("the response has more than one of body, body_empty, body_text".into());
            }
            e.body.as_ref().map_or(Ok(()), check_kinds)
        }
        (None, None, Some(_), Some(name)) if is_name(name) => Ok(()),
        (None, None, Some(_), Some(name)) => Err(format!("capture name {name:?} is not a name")),
        _ => Err("a step needs either `request` and `response`, or `outbox` and `capture`".into()),
    }
}

fn check_kinds(v: &Value) -> Res {
    match v {
        Value::String(s) => match whole(s) {
            Some(Ph::Kind(_, kind)) => kind_ok(kind, &Value::Null).map(drop),
            _ => Ok(()),
        },
        Value::Array(a) => a.iter().try_for_each(check_kinds),
        Value::Object(o) => o.values().try_for_each(check_kinds),
        _ => Ok(()),
    }
}

fn hex_bytes(h: &str) -> Res<Vec<u8>> {
    let compact: String = h.split_whitespace().collect();
    hex::decode(compact).map_err(|e| format!("raw_hex is not valid hex: {e}"))
}

/// Formats an error with its chain of causes (hyper keeps the useful part in `source()`).
fn ctx<E: std::error::Error>(what: String) -> impl FnOnce(E) -> String {
    move |e| {
        let mut text = format!("{what}: {e}");
        let mut source = e.source();
        while let Some(s) = source {
            let _ = write!(text, ": {s}");
            source = s.source();
        }
        text
    }
}

async fn run_step(step: &Step, target: &Target, caps: &mut Caps, notes: &mut Vec<String>) -> Res {
    check_step(step)?;
    if let (Some(outbox), Some(name)) = (&step.outbox, &step.capture) {
        let phone = subst_text(&outbox.phone, caps)?;
        let source = target
            .outbox
            .clone()
            .ok_or("no outbox source is configured")?;
        let asked = phone.clone();
        let code = tokio::task::spawn_blocking(move || source.latest_code(&asked))
            .await
            .map_err(ctx("the outbox source failed".into()))?
            .ok_or_else(|| format!("no verification code is queued for phone {phone:?}"))?;
        caps.insert(name.clone(), Value::String(code));
        return Ok(());
    }
    let (Some(req), Some(exp)) = (&step.request, &step.response) else {
        return Err("a step needs `request` and `response`".into());
    };
    let got = send(&target.base_url, prepare(req, caps)?).await?;
    let exact = step.exact;
    check_response(exp, &got, Checker { caps, notes, exact })
}

/// A request with placeholders substituted and its body encoded.
struct Prepared {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn prepare(req: &RequestSpec, caps: &Caps) -> Res<Prepared> {
    let mut headers = Vec::new();
    let mut content_type = |t: &str| headers.push(("content-type".to_string(), t.to_string()));
    let body = if let Some(v) = &req.body {
        content_type("application/json");
        subst_json(v, caps)?.to_string().into_bytes()
    } else if let Some(raw) = &req.raw {
        subst_text(raw, caps)?.into_bytes()
    } else if let Some(h) = &req.raw_hex {
        hex_bytes(h)?
    } else if let Some(form) = &req.form {
        content_type("application/x-www-form-urlencoded");
        let mut pairs = Vec::new();
        for (k, v) in &form.0 {
            let (k, v) = (subst_text(k, caps)?, subst_text(v, caps)?);
            pairs.push(format!("{}={}", form_encode(&k), form_encode(&v)));
        }
        pairs.join("&").into_bytes()
    } else if let Some(f) = &req.filler {
        vec![*f.byte.as_bytes().first().ok_or("filler.byte is empty")?; f.count]
    } else {
        Vec::new()
    };
    for (k, v) in &req.headers.0 {
        headers.push((k.clone(), subst_text(v, caps)?));
    }
    let (method, path) = (req.method.clone(), subst_text(&req.path, caps)?);
    Ok(Prepared {
        method,
        path,
        headers,
        body,
    })
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let _ = match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                write!(out, "{}", b as char)
            }
            b' ' => write!(out, "+"),
            _ => write!(out, "%{b:02X}"),
        };
    }
    out
}

struct Got {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

/// Aborts the connection task however the step ends, timeout included.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn send(base_url: &str, p: Prepared) -> Res<Got> {
    let bad_base = || format!("base URL {base_url:?} must look like http://host[:port][/prefix]");
    let rest = base_url.strip_prefix("http://").ok_or_else(bad_base)?;
    let (authority, prefix) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.is_empty() {
        return Err(bad_base());
    }
    let addr = match authority.rsplit_once(':') {
        Some((_, port)) if !port.contains(']') => authority.to_string(),
        _ => format!("{authority}:80"),
    };
    if !p.path.starts_with('/') {
        return Err(format!("request path {:?} must start with '/'", p.path));
    }
    let uri = format!("{}{}", prefix.trim_end_matches('/'), p.path);
    let len = p.body.len().to_string();
    let mut req = http::Request::new(Full::new(Bytes::from(p.body)));
    *req.method_mut() = http::Method::from_bytes(p.method.as_bytes())
        .map_err(|_| format!("invalid HTTP method {:?}", p.method))?;
    *req.uri_mut() = uri
        .parse()
        .map_err(ctx(format!("invalid request path {uri:?}")))?;
    let defaults = [
        ("host", authority),
        ("connection", "close"),
        ("content-length", &len),
    ];
    let defaults = defaults.map(|(k, v)| (k.to_string(), v.to_string()));
    for (k, v) in defaults.into_iter().chain(p.headers) {
        let name = HeaderName::from_bytes(k.as_bytes()).map_err(ctx(format!("header {k:?}")))?;
        let value = HeaderValue::from_bytes(v.as_bytes()).map_err(ctx(format!("header {k}")))?;
        req.headers_mut().insert(name, value);
    }
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(&addr).await;
        let stream = stream.map_err(ctx(format!("cannot connect to {addr}")))?;
        let handshake = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await;
        let (mut sender, conn) = handshake.map_err(ctx(format!("handshake with {addr}")))?;
        let _conn = AbortOnDrop(tokio::spawn(async move { drop(conn.await) }));
        let res = sender.send_request(req).await;
        let (parts, body) = res
            .map_err(ctx(format!("request to {addr} failed")))?
            .into_parts();
        let body = body
            .collect()
            .await
            .map_err(ctx("reading the response body".into()))?;
        let (status, headers) = (parts.status.as_u16(), parts.headers);
        Ok(Got {
            status,
            headers,
            body: body.to_bytes(),
        })
    };
    let secs = STEP_TIMEOUT.as_secs();
    let timed_out = |_| format!("no complete response from {addr} within {secs} s");
    tokio::time::timeout(STEP_TIMEOUT, exchange)
        .await
        .map_err(timed_out)?
}

fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(200)];
    format!("{:?} ({} bytes)", String::from_utf8_lossy(cut), body.len())
}

fn check_response(exp: &ExpectSpec, got: &Got, mut checker: Checker<'_>) -> Res {
    let body = || excerpt(&got.body);
    if got.status != exp.status {
        let (want, have) = (exp.status, got.status);
        return Err(format!(
            "status: expected {want}, got {have}, body {}",
            body()
        ));
    }
    for (name, value) in &exp.headers.0 {
        let want = subst_text(value, checker.caps)?;
        let values = got.headers.get_all(name.as_str()).iter();
        let have: Vec<_> = values
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .collect();
        if !have.contains(&want.as_str().into()) {
            return Err(format!("header {name}: expected {want:?}, got {have:?}"));
        }
    }
    if let Some(expected) = &exp.body {
        let actual: Value = serde_json::from_slice(&got.body)
            .map_err(|e| format!("response body is not JSON ({e}): {}", body()))?;
        checker.check(expected, &actual, "$")
    } else if exp.body_empty && !got.body.is_empty() {
        Err(format!("body: expected it empty, got {}", body()))
    } else if let Some(text) = &exp.body_text {
        let want = subst_text(text, checker.caps)?;
        match got.body == want.as_bytes() {
            true => Ok(()),
            false => Err(format!("body: expected text {want:?}, got {}", body())),
        }
    } else {
        Ok(())
    }
}

/// A placeholder: `{{name}}` or `{{name:kind}}`.
#[derive(Debug, PartialEq)]
enum Ph<'a> {
    Name(&'a str),
    Kind(&'a str, &'a str),
}

fn is_name(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    !s.is_empty() && s.chars().all(ok)
}

fn parse_ph(inner: &str) -> Option<Ph<'_>> {
    match inner.split_once(':') {
        Some((name, kind)) if is_name(name) && is_name(kind) => Some(Ph::Kind(name, kind)),
        None if is_name(inner) => Some(Ph::Name(inner)),
        _ => None,
    }
}

/// The placeholder that makes up all of `s`, if any.
fn whole(s: &str) -> Option<Ph<'_>> {
    s.strip_prefix("{{")?.strip_suffix("}}").and_then(parse_ph)
}

fn lookup<'a>(caps: &'a Caps, name: &str) -> Res<&'a Value> {
    let unknown =
        || format!("unknown placeholder {{{{{name}}}}}: nothing was captured as {name:?}");
    caps.get(name).ok_or_else(unknown)
}

/// Splices the text of captured values into `s` (a string's content, other values as JSON).
fn subst_text(s: &str, caps: &Caps) -> Res<String> {
    let (mut out, mut rest) = (String::with_capacity(s.len()), s);
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        match parse_ph(&after[..end]) {
            Some(Ph::Name(name)) => {
                out.push_str(&rest[..start]);
                match lookup(caps, name)? {
                    Value::String(text) => out.push_str(text),
                    other => out.push_str(&other.to_string()),
                }
                rest = &after[end + 2..];
            }
            Some(Ph::Kind(..)) => {
                let ph = &rest[start..start + end + 4];
                return Err(format!(
                    "{ph} captures, so it must be a whole string of an expected body"
                ));
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Substitutes placeholders in every string of `v`; `"{{name}}"` keeps the captured type.
fn subst_json(v: &Value, caps: &Caps) -> Res<Value> {
    Ok(match v {
        Value::String(s) => match whole(s) {
            Some(Ph::Name(name)) => lookup(caps, name)?.clone(),
            _ => Value::String(subst_text(s, caps)?),
        },
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| subst_json(x, caps))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                out.insert(subst_text(k, caps)?, subst_json(x, caps)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Whether `v` is of `kind`; an unknown kind is an error in the fixture.
fn kind_ok(kind: &str, v: &Value) -> Res<bool> {
    if !KINDS.contains(&kind) {
        return Err(format!(
            "fixture error: unknown kind {kind:?} (known: {})",
            KINDS.join(", ")
        ));
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let Value::String(s) = v else {
        return Ok(kind == "any" || (kind == "int" && (v.is_i64() || v.is_u64())));
    };
    Ok(match kind {
        "string" | "any" => true,
        "uuid" => {
            let groups: Vec<&str> = s.split('-').collect();
            groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
        }
        "hex32" => s.len() == 32 && hex(s),
        "jwt" => {
            let parts: Vec<&str> = s.split('.').collect();
            let b64url = |p: &&str| !p.is_empty() && URL_SAFE_NO_PAD.decode(p).is_ok();
            parts.len() == 3 && parts.iter().all(b64url)
        }
        "digits14" => s.len() == 14 && digits(s),
        "digits" => !s.is_empty() && digits(s),
        "datetime" => is_datetime(s),
        "base64" => !s.is_empty() && BASE64.decode(s).is_ok(),
        _ => false, // "int"
    })
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]`, with field ranges checked.
fn is_datetime(s: &str) -> bool {
    let digit_or = |c: char| {
        if c.is_ascii_digit() {
            '9'
        } else {
            c.to_ascii_uppercase()
        }
    };
    let shape: String = s.chars().map(digit_or).collect();
    let rest = shape
        .strip_prefix("9999-99-99")
        .and_then(|r| r.strip_prefix(['T', ' ']));
    let Some(rest) = rest.and_then(|r| r.strip_prefix("99:99:99")) else {
        return false;
    };
    let zone = match rest.strip_prefix('.') {
        Some(frac) if frac.starts_with('9') => frac.trim_start_matches('9'),
        Some(_) => return false,
        None => rest,
    };
    // The shape matched, so `s` is ASCII and byte offsets are character offsets.
    let n = |i: usize| {
        s.get(i..i + 2)
            .and_then(|t| t.parse::<u32>().ok())
            .unwrap_or(99)
    };
    let zone_ok = match zone {
        "" | "Z" => true,
        "+99:99" | "-99:99" => n(s.len() - 5) < 24 && n(s.len() - 2) < 60,
        _ => false,
    };
    zone_ok
        && (1..=12).contains(&n(5))
        && (1..=31).contains(&n(8))
        && n(11) < 24
        && n(14) < 60
        && n(17) < 61
}

fn child_key(path: &str, key: &str) -> String {
    let mut chars = key.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    match ident {
        true => format!("{path}.{key}"),
        false => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

fn show(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn mismatch(path: &str, exp: &Value, act: &Value) -> String {
    let (te, ta, e, a) = (type_name(exp), type_name(act), show(exp), show(act));
    match te == ta {
        true => format!("at {path}: expected {e}, got {a}"),
        false => format!("at {path}: expected {e} ({te}), got {a} ({ta})"),
    }
}

/// Compares expected JSON with actual JSON, capturing and noting as it goes;
/// the error is the first difference, in document order.
struct Checker<'a> {
    caps: &'a mut Caps,
    notes: &'a mut Vec<String>,
    exact: bool,
}

impl Checker<'_> {
    fn check(&mut self, exp: &Value, act: &Value, path: &str) -> Res {
        let at = |e: String| format!("at {path}: {e}");
        match (exp, act) {
            (Value::String(s), _) => {
                let want = match whole(s) {
                    Some(Ph::Kind(name, kind)) if kind_ok(kind, act)? => {
                        self.caps.insert(name.to_string(), act.clone());
                        return Ok(());
                    }
                    Some(Ph::Kind(_, kind)) => {
                        return Err(at(format!("expected a {kind}, got {}", show(act))))
                    }
                    Some(Ph::Name(name)) => lookup(self.caps, name).map_err(at)?.clone(),
                    None => Value::String(subst_text(s, self.caps).map_err(at)?),
                };
                if &want != act {
                    return Err(mismatch(path, &want, act));
                }
            }
            (Value::Object(em), Value::Object(am)) => {
                for (key, ev) in em {
                    let p = child_key(path, key);
                    let av = am
                        .get(key)
                        .ok_or_else(|| format!("at {p}: missing, expected {}", show(ev)))?;
                    self.check(ev, av, &p)?;
                }
                for (key, av) in am.iter().filter(|(k, _)| !em.contains_key(*k)) {
                    let p = child_key(path, key);
                    if self.exact {
                        return Err(format!(
                            "at {p}: unexpected key (exact mode), got {}",
                            show(av)
                        ));
                    }
                    self.notes.push(format!("unlisted key {p}"));
                }
            }
            (Value::Array(ea), Value::Array(aa)) => {
                if ea.len() != aa.len() {
                    let (e, a) = (ea.len(), aa.len());
                    return Err(at(format!("expected {e} elements, got {a}: {}", show(act))));
                }
                for (i, (e, a)) in ea.iter().zip(aa).enumerate() {
                    self.check(e, a, &format!("{path}[{i}]"))?;
                }
            }
            _ if exp != act => return Err(mismatch(path, exp, act)),
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compare(exp: Value, act: Value, exact: bool, caps: &mut Caps) -> (Res, Vec<String>) {
        let mut notes = Vec::new();
        let mut checker = Checker {
            caps,
            notes: &mut notes,
            exact,
        };
        (checker.check(&exp, &act, "$"), notes)
    }

    fn failure_of(exp: Value, act: Value) -> String {
        compare(exp, act, false, &mut Caps::new()).0.unwrap_err()
    }

    fn fixture(steps: Value) -> Fixture {
        serde_json::from_value(json!({"name": "test", "steps": steps})).unwrap()
    }

    fn prepared(req: Value, caps: &Caps) -> Res<Prepared> {
        prepare(&serde_json::from_value(req).unwrap(), caps)
    }

    #[test]
    fn each_kind_accepts_a_good_value_and_rejects_a_bad_one() {
        let cases = r#"
            uuid     | "0b6f0e4e-7c1a-4c1e-9a55-3f1f2b9c8d7e" | "0b6f0e4e7c1a4c1e9a553f1f2b9c8d7e"
            hex32    | "0123456789abcdefABCDEF0123456789" | "0123456789abcdefABCDEF012345678g"
            jwt      | "eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOjF9.c2lnbmF0dXJl" | "eyJhbGciOiJIUzI1NiJ9.e30"
            digits14 | "20170511165412" | "2017051116541"
            digits   | "42" | "4x2"
            datetime | "2017-05-11T16:54:12.123456Z" | "2017-13-11T16:54:12Z"
            datetime | "2017-05-11T16:54:12+08:00" | "2017-05-11"
            datetime | "2017-05-11 16:54:12" | "2017-05-11 25:54:12"
            base64   | "aGVsbG8=" | "not base64!"
            base64   | "aGVsbG8" | ""
            int      | 42 | 4.2
            int      | -7 | "42"
            string   | "" | 1
            any      | null | "(any accepts all)""#;
        for line in cases.lines().skip(1) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let value = |i: usize| serde_json::from_str::<Value>(cells[i]).unwrap();
            let (kind, good, bad) = (cells[0], value(1), value(2));
            assert_eq!(
                kind_ok(kind, &good),
                Ok(true),
                "{kind} should accept {good}"
            );
            assert_eq!(
                kind_ok(kind, &bad),
                Ok(kind == "any"),
                "{kind} should reject {bad}"
            );
        }
    }

    #[test]
    fn an_unknown_kind_a_typo_or_two_bodies_are_rejected_when_loading() {
        let step = |s: Value| check_step(&serde_json::from_value(s).unwrap());
        let kind =
            json!({"request": {"path": "/"}, "response": {"status": 200, "body": "{{a:colour}}"}});
        assert!(step(kind).unwrap_err().contains("unknown kind \"colour\""));
        let two =
            json!({"request": {"path": "/", "raw": "a", "body": 1}, "response": {"status": 200}});
        assert!(step(two)
            .unwrap_err()
            .contains("more than one of body, raw"));
        let typo = json!({"name": "x", "steps": [{"request": {"path": "/", "bodyy": {}}}]});
        let error = serde_json::from_value::<Fixture>(typo)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `bodyy`"), "{error}");
    }

    #[test]
    fn a_captured_integer_keeps_its_type_when_substituted() {
        let mut caps = Caps::new();
        let (result, _) = compare(
            json!({"uid": "{{uid:int}}"}),
            json!({"uid": 42}),
            false,
            &mut caps,
        );
        assert_eq!(result, Ok(()));
        let body = subst_json(&json!({"uid": "{{uid}}", "label": "user {{uid}}"}), &caps);
        assert_eq!(body, Ok(json!({"uid": 42, "label": "user 42"})));
        let (again, _) = compare(json!("{{uid}}"), json!("42"), false, &mut caps);
        let expected = "at $: expected 42 (integer), got \"42\" (string)";
        assert_eq!(again, Err(expected.to_string()));
    }

    #[test]
    fn an_embedded_placeholder_in_a_header_is_spliced_as_text() {
        let caps = Caps::from([("token".to_string(), json!("abc.def.ghi"))]);
        let headers = json!({"Authorization": "JWT {{token}}"});
        let req = prepared(
            json!({"path": "/x?t={{token}}", "headers": headers, "body": {}}),
            &caps,
        );
        let req = req.unwrap();
        assert_eq!(req.path, "/x?t=abc.def.ghi");
        let header = |k: &str, v: &str| req.headers.contains(&(k.into(), v.into()));
        assert!(header("Authorization", "JWT abc.def.ghi"));
        assert!(header("content-type", "application/json"));
        let unknown = prepared(json!({"path": "/{{nope}}"}), &caps).err().unwrap();
        assert!(
            unknown.starts_with("unknown placeholder {{nope}}"),
            "{unknown}"
        );
    }

    #[test]
    fn a_form_body_is_percent_encoded() {
        let req = json!({"path": "/", "form": {"name": "a b&c=d/é", "n": "1"}});
        let req = prepared(req, &Caps::new()).unwrap();
        assert_eq!(req.body, b"name=a+b%26c%3Dd%2F%C3%A9&n=1");
    }

    #[test]
    fn an_unlisted_key_is_a_note_not_a_failure() {
        let actual = json!({"ret": 0, "users": [{"name": "ann", "email": "a@b"}]});
        let expected = json!({"ret": 0, "users": [{"name": "ann"}]});
        let (result, notes) = compare(expected, actual, false, &mut Caps::new());
        assert_eq!(result, Ok(()));
        assert_eq!(notes, ["unlisted key $.users[0].email"]);
    }

    #[test]
    fn exact_mode_fails_on_an_extra_key() {
        let (exp, act) = (json!({"ret": 0}), json!({"ret": 0, "msg": "ok"}));
        let (result, _) = compare(exp, act, true, &mut Caps::new());
        assert!(result.unwrap_err().starts_with("at $.msg: unexpected key"));
    }

    #[test]
    fn the_first_differing_path_is_reported_for_nested_arrays() {
        let expected = json!({"users": [{"phones": [{"pid": 1}, {"pid": 3}]}], "ret": 1});
        let actual = json!({"users": [{"phones": [{"pid": 1}, {"pid": 2}]}], "ret": 0});
        let failure = failure_of(expected, actual);
        assert_eq!(failure, "at $.users[0].phones[1].pid: expected 3, got 2");
    }

    #[test]
    fn an_array_length_mismatch_fails() {
        let failure = failure_of(json!({"a": [1, 2]}), json!({"a": [1, 2, 3]}));
        assert!(failure.starts_with("at $.a: expected 2 elements, got 3"));
    }

    #[test]
    fn types_matter_when_comparing_scalars() {
        let failure = failure_of(json!({"code": "200"}), json!({"code": 200}));
        assert_eq!(
            failure,
            r#"at $.code: expected "200" (string), got 200 (integer)"#
        );
        assert!(failure_of(json!(1), json!(1.0)).contains("(float)"));
        assert!(failure_of(json!({"a": 1}), json!({})).contains("at $.a: missing"));
    }

    /// A server answering every request with a fixed JSON body plus an echo of the request.
    async fn serve() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let answer = |req: http::Request<hyper::body::Incoming>| async move {
            let path = req.uri().to_string();
            let sent = req.into_body().collect().await?.to_bytes();
            let sent: Value = serde_json::from_slice(&sent).unwrap_or(Value::Null);
            let out = json!({"ret": 0, "rid": "6f1c2e0a-8b9d-4e2f-a1b3-c4d5e6f7a8b9", "uid": 42,
                "users": [{"name": "ann", "phones": [{"pid": 1}, {"pid": 2}]}],
                "echo": {"path": path, "body": sent}});
            let mut res = http::Response::new(Full::new(Bytes::from(out.to_string())));
            let json = HeaderValue::from_static("application/json");
            res.headers_mut().insert("content-type", json);
            Ok::<_, hyper::Error>(res)
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let conn = hyper::server::conn::http1::Builder::new();
                let svc = hyper::service::service_fn(answer);
                tokio::spawn(conn.serve_connection(TokioIo::new(stream), svc));
            }
        });
        base
    }

    fn target(base_url: String) -> Target {
        Target {
            base_url,
            outbox: None,
        }
    }

    #[tokio::test]
    async fn a_two_step_fixture_captures_and_reuses_values_against_a_live_server() {
        let fixture = fixture(json!([
            {"name": "first", "request": {"method": "GET", "path": "/first"},
             "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                          "body": {"ret": 0, "rid": "{{rid:uuid}}", "uid": "{{uid:int}}"}}},
            {"name": "second",
             "request": {"path": "/u/{{uid}}?rid={{rid}}", "body": {"uid": "{{uid}}"}},
             "response": {"status": 200, "body": {"uid": "{{uid}}",
                          "echo": {"path": "/u/42?rid={{rid}}", "body": {"uid": "{{uid}}"}}}}}
        ]));
        let report = run(&fixture, &target(serve().await)).await;
        assert!(report.passed(), "{report}");
        assert!(report.steps[0]
            .notes
            .contains(&"unlisted key $.users".into()));
        assert!(report
            .to_string()
            .starts_with("PASS test\n  ok       first\n"));
    }

    #[tokio::test]
    async fn a_mismatch_against_a_live_server_names_the_path_and_skips_the_rest() {
        let fixture = fixture(json!([
            {"name": "list", "request": {"path": "/"},
             "response": {"status": 200,
                          "body": {"users": [{"phones": [{"pid": 1}, {"pid": 3}]}]}}},
            {"name": "later", "request": {"path": "/"}, "response": {"status": 200}}
        ]));
        let report = run(&fixture, &target(serve().await)).await;
        let text = report.to_string();
        assert!(!report.passed() && report.steps[1].skipped(), "{text}");
        let failure = "FAIL     list: at $.users[0].phones[1].pid: expected 3, got 2";
        assert!(
            text.contains(failure) && text.contains("skipped  later"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_step_failure() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let step = json!({"request": {"path": "/"}, "response": {"status": 200}});
        let report = run(&fixture(json!([step])), &target(base)).await;
        let failure = report.steps[0].failure.clone().unwrap();
        assert!(
            failure.starts_with("cannot connect to 127.0.0.1:"),
            "{failure}"
        );
    }

    struct OneCode;
    impl OutboxSource for OneCode {
        fn latest_code(&self, phone: &str) -> Option<String> {
            (phone == "13000000001").then(|| "123456".to_string())
        }
    }

    #[tokio::test]
    async fn an_outbox_step_captures_the_queued_code_as_a_string() {
        let fixture = fixture(json!([
            {"name": "code", "outbox": {"phone": "13000000001"}, "capture": "code"},
            {"name": "use", "request": {"path": "/{{code}}"},
             "response": {"status": 200, "body": {"echo": {"path": "/123456"}}}},
            {"name": "none", "outbox": {"phone": "13000000002"}, "capture": "other"}
        ]));
        let outbox: Option<Arc<dyn OutboxSource>> = Some(Arc::new(OneCode));
        let report = run(
            &fixture,
            &Target {
                outbox,
                ..target(serve().await)
            },
        )
        .await;
        assert_eq!(report.steps[1].failure, None, "{report}");
        let failure = report.steps[2].failure.as_deref().unwrap();
        assert_eq!(
            failure,
            "no verification code is queued for phone \"13000000002\""
        );
    }

    #[tokio::test]
    async fn replay_files_counts_passed_and_failed_files_found_by_discover() {
        let dir = std::env::temp_dir().join(format!("fixtures-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("nested")).unwrap();
        let step = json!({"request": {"path": "/"}, "response": {"status": 200}});
        let good = json!({"name": "ok", "steps": [step]});
        std::fs::write(dir.join("nested/b.json"), good.to_string()).unwrap();
        std::fs::write(dir.join("a.json"), "{\"name\": \"broken\"").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a fixture").unwrap();
        let files = discover(&dir);
        assert_eq!(files, [dir.join("a.json"), dir.join("nested/b.json")]);
        assert_eq!(replay_files(&files, &target(serve().await)).await, (1, 1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
