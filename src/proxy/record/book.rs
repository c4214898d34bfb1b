//! The recording: exchanges grouped into client sessions, each a fixture in the making, and
//! every value that cannot repeat captured at its first appearance in an answer.
//!
//! An exchange joins the session of every captured value its request uses (a token, an id,
//! HelpAged's `rand`) — replay needs the capture in the same file — and of the accounts it
//! names (`phone`, `account`, `username`, `mobile`), else the session of its connection.
//! Sessions an exchange ties together are merged, their steps kept in arrival order, into
//! the oldest. A request carrying a token no answer of the recording issued (a client logged
//! in before recording began) cannot replay: its session's file is written with the suffix
//! `.incomplete`, which `switchboard replay DIR` leaves alone.

use super::redact::Redactor;
use super::request::{Place, Req};
use super::Report;
use crate::dialect::Wire;
use crate::proxy::codes::{self, Proof};
use crate::proxy::volatile::is_id_key;
use crate::proxy::{classify, Exchange};
use crate::registry::{Dialect, Registry};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The request keys that name an account.
const ACCOUNT_KEYS: &[&str] = &["phone", "account", "username", "mobile"];

/// How many HelpAged `rand`s are kept to trace `sms/validate` hashes back to their phone.
const RANDS_KEPT: usize = 32;

/// A value captured from an answer.
pub(super) struct Capture {
    /// The session whose step captures it.
    pub(super) session: usize,
    /// Its placeholder name.
    pub(super) name: String,
    /// The value, with its JSON type.
    pub(super) value: Value,
}

/// What ties an exchange to a session besides the values it uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Account(String),
    Token(String),
    Conn(u64),
}

/// One client session: one fixture file.
#[derive(Default)]
pub(super) struct Session {
    /// The id of its first exchange: its place among the files.
    pub(super) first: u64,
    /// What the file is named after: an account, or the connection.
    pub(super) label: String,
    /// The dialect of its first exchange.
    pub(super) dialect: &'static str,
    /// Steps with the exchange id and order within it.
    pub(super) steps: Vec<(u64, u32, Value)>,
    /// Uses a token the recording never saw issued.
    pub(super) incomplete: bool,
    /// Changed since last written.
    pub(super) dirty: bool,
    /// Where it was last written.
    pub(super) file: Option<PathBuf>,
    /// When it was last written.
    pub(super) written: Option<std::time::Instant>,
    /// Merged into another session.
    pub(super) gone: bool,
    /// When its last step came.
    pub(super) last_seen: Option<std::time::Instant>,
    /// Finished: written, then dropped from memory (see `Book::retire_idle`).
    pub(super) retired: bool,
}

/// The recording's state, owned by the writer thread.
pub struct Book {
    pub(super) out: PathBuf,
    registry: Arc<Registry>,
    pub(super) sessions: Vec<Session>,
    pub(super) keys: HashMap<Key, usize>,
    pub(super) values: HashMap<String, Capture>,
    names: u64,
    /// Recent HelpAged (phone, rand) pairs, oldest first.
    rands: Vec<(String, String)>,
    /// When each phone last asked for a code.
    last_code: HashMap<String, std::time::SystemTime>,
    pub(super) redactor: Option<Redactor>,
    pub(super) report: Report,
}

/// Decides request substitutions and notes which sessions they tie in.
struct Linker<'a> {
    values: &'a HashMap<String, Capture>,
    /// (value, name, key): a code or hash of this request, under its key.
    extra: &'a [(String, String, &'static str)],
    links: Vec<usize>,
}

impl super::request::Lookup for Linker<'_> {
    fn name(
        &mut self,
        place: Place,
        key: Option<&str>,
        text: &str,
        json: Option<&Value>,
    ) -> Option<String> {
        if let Some((_, name, _)) = self
            .extra
            .iter()
            .find(|(v, _, k)| v == text && key == Some(*k))
        {
            return Some(name.clone());
        }
        let cap = self.values.get(text)?;
        let long = text.len() >= 8;
        let allowed = match place {
            Place::PathParam => true,
            Place::Path => long,
            Place::Pair | Place::Json | Place::Header => long || key.is_some_and(is_id_key),
        };
        if !allowed || json.is_some_and(|v| v != &cap.value) {
            return None;
        }
        self.links.push(cap.session);
        Some(cap.name.clone())
    }
}

impl Book {
    /// An empty recording into `out`.
    pub fn new(out: PathBuf, registry: Arc<Registry>, redact: bool) -> Book {
        Book {
            out,
            registry,
            sessions: Vec::new(),
            keys: HashMap::new(),
            values: HashMap::new(),
            names: 0,
            rands: Vec::new(),
            last_code: HashMap::new(),
            redactor: redact.then(Redactor::default),
            report: Report::default(),
        }
    }

    /// A fresh placeholder name after `key`.
    pub(super) fn name(&mut self, key: &str) -> String {
        self.names += 1;
        let base: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(24)
            .collect();
        format!(
            "{}_{}",
            if base.is_empty() { "value" } else { &base },
            self.names
        )
    }

    /// Records one exchange as a step of its session.
    pub fn add(&mut self, ex: Exchange) {
        self.report.exchanges += 1;
        let registry = self.registry.clone();
        let wire = Wire {
            method: &ex.method,
            path: ex.uri.path(),
            query: ex.uri.query(),
            headers: &ex.request_headers,
        };
        let decoded = classify::decode(&registry, &wire, &ex.request_body);
        let command = decoded.request().map(|r| &r.command);
        let salted = decoded.dialect == Some(Dialect::Typed);
        let proof = command.and_then(|c| codes::proof(c, salted));
        if proof == Some(Proof::Image) {
            self.report.unreplayable += 1;
            tracing::info!(
                id = ex.id,
                "an image captcha's answer cannot be replayed: left out"
            );
            return;
        }
        let mut req = Req::new(
            ex.method.as_str(),
            &ex.uri,
            &ex.request_headers,
            &ex.request_body,
        );
        if let Some(r) = self.redactor.as_mut() {
            req.rewrite(&mut |k, v| r.request(k, v));
        }
        let mut links = Vec::new();
        let mut incomplete = false;
        let (mut before, extra) = self.proof_steps(proof, &mut links, &mut incomplete);
        if let Some((phone, _)) = command.and_then(codes::requested) {
            let last = self.last_code.insert(phone, ex.at);
            let waited = last.and_then(|t| ex.at.duration_since(t).ok());
            if waited.is_some_and(|w| w >= Duration::from_secs(60)) {
                before.insert(0, json!({"name": "a minute passes (one code a minute per phone)", "wait_secs": 61}));
            }
        }
        let mut linker = Linker {
            values: &self.values,
            extra: &extra,
            links,
        };
        let spec = req.spec(&decoded.params, &mut linker);
        let links = linker.links;
        let mut keys: Vec<Key> = req
            .params()
            .into_iter()
            .chain(decoded.params.iter().cloned())
            .filter(|(k, v)| ACCOUNT_KEYS.contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(_, v)| Key::Account(v))
            .collect();
        if let Some(token) = decoded.token().filter(|t| !self.values.contains_key(*t)) {
            keys.push(Key::Token(token.to_string()));
            incomplete = true;
        }
        if keys.is_empty() && links.is_empty() {
            keys.push(Key::Conn(ex.conn));
        }
        let label = keys.first().map(label_of).unwrap_or_default();
        let id = self.session_for(&keys, links, ex.id, label, decoded.dialect_name());
        self.sessions[id].incomplete |= incomplete;
        // An answer showing another session's values depends on its state: one file keeps
        // their order.
        let (answer, shown) = self.expectation(id, &ex);
        let id = self.session_for(&[], [vec![id], shown].concat(), ex.id, String::new(), "");
        if let Some((phone, true)) = command.and_then(codes::requested) {
            if let Some(rand) = answer_rand(&ex) {
                self.rands.push((phone, rand));
                let excess = self.rands.len().saturating_sub(RANDS_KEPT);
                self.rands.drain(..excess);
            }
        }
        let name = format!(
            "{} {} → {} ({} {})",
            ex.method,
            ex.uri.path(),
            ex.status,
            decoded.dialect_name(),
            decoded.command()
        );
        let step = json!({"name": name, "request": spec, "response": answer, "exact": true});
        let session = &mut self.sessions[id];
        for (sub, s) in before.into_iter().chain(std::iter::once(step)).enumerate() {
            session.steps.push((ex.id, sub as u32, s));
        }
        session.dirty = true;
        session.last_seen = Some(std::time::Instant::now());
    }

    /// The steps a proof needs before its request (outbox, md5), and the substitution of
    /// its code or hash.
    fn proof_steps(
        &mut self,
        proof: Option<Proof>,
        links: &mut Vec<usize>,
        incomplete: &mut bool,
    ) -> (Vec<Value>, Vec<(String, String, &'static str)>) {
        let outbox = |phone: &str, name: &str| json!({"name": format!("read the code sent to {phone}"), "outbox": {"phone": phone}, "capture": name});
        match proof {
            Some(Proof::Code { phone, value, key }) => {
                let code = self.name("code");
                (vec![outbox(&phone, &code)], vec![(value, code, key)])
            }
            Some(Proof::Salted { phone, hash }) => {
                let found = match phone {
                    Some(p) => self.rands.iter().rev().find(|(ph, _)| *ph == p).cloned(),
                    None => codes::salted_match(&hash, &self.rands).cloned(),
                };
                let Some(cap) = found.and_then(|(p, r)| Some((p, self.values.get(&r)?))) else {
                    *incomplete = true;
                    return (Vec::new(), Vec::new());
                };
                let (phone, rand_session, rand_name) = (cap.0, cap.1.session, cap.1.name.clone());
                links.push(rand_session);
                let (code, hashed) = (self.name("code"), self.name("hash"));
                let md5 = json!({"name": "hash = MD5(code + rand)", "md5": format!("{{{{{code}}}}}{{{{{rand_name}}}}}"), "capture": hashed});
                (
                    vec![outbox(&phone, &code), md5],
                    vec![(hash, hashed, "hash")],
                )
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// The session of `keys` and `links`, merged into the oldest of them, or a new one.
    fn session_for(
        &mut self,
        keys: &[Key],
        links: Vec<usize>,
        first: u64,
        label: String,
        dialect: &'static str,
    ) -> usize {
        let mut found: Vec<usize> = links;
        found.extend(keys.iter().filter_map(|k| self.keys.get(k).copied()));
        found.sort_by_key(|s| self.sessions[*s].first);
        found.dedup();
        let id = match found.first() {
            Some(&oldest) => {
                for &other in &found[1..] {
                    self.merge(oldest, other);
                }
                oldest
            }
            None => {
                self.sessions.push(Session {
                    first,
                    label,
                    dialect,
                    ..Session::default()
                });
                self.sessions.len() - 1
            }
        };
        for k in keys {
            self.keys.insert(k.clone(), id);
        }
        id
    }

    /// Moves `from`'s steps, captures and keys into `into`.
    fn merge(&mut self, into: usize, from: usize) {
        if into == from {
            return;
        }
        let taken = std::mem::take(&mut self.sessions[from]);
        if let Some(file) = &taken.file {
            let _ = std::fs::remove_file(file);
        }
        self.sessions[from].gone = true;
        let target = &mut self.sessions[into];
        target.steps.extend(taken.steps);
        target.steps.sort_by_key(|(id, sub, _)| (*id, *sub));
        target.incomplete |= taken.incomplete;
        target.dirty = true;
        self.values
            .values_mut()
            .filter(|c| c.session == from)
            .for_each(|c| c.session = into);
        self.keys
            .values_mut()
            .filter(|s| **s == from)
            .for_each(|s| *s = into);
    }
}

/// A file label for a key: the account, or the connection.
fn label_of(key: &Key) -> String {
    let text = match key {
        Key::Account(a) => a.clone(),
        Key::Token(_) => "token".into(),
        Key::Conn(c) => format!("conn{c}"),
    };
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        .take(40)
        .collect()
}

/// HelpAged's `data.rand` in a code request's answer.
fn answer_rand(ex: &Exchange) -> Option<String> {
    let v: Value = serde_json::from_slice(&ex.response_body).ok()?;
    Some(v.get("data")?.get("rand")?.as_str()?.to_string())
}
