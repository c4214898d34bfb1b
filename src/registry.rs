//! The live registry: `opcodes.toml`, embedded in the binary and read at start-up.
//!
//! Each row maps one wire key — an op code, a type+subtype pair, or a method+path — to a
//! [`CommandKind`], says whether it needs a token, and names the fields it requires.
//! Registering a wire key twice is a start-up error, as in jsonrpsee's method table, and so is
//! a row naming a command its dialect's decoder cannot build ([`Registry::parse_with`]).
//! How a REST row matches — which methods it answers, whether a trailing slash matters — is
//! its dialect's rule (`rest`), never a per-row special case.

mod rest;

pub use rest::{MethodRule, Methods, Slash};

use crate::command::CommandKind;
use rest::Pattern;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use std::fmt::Write as _;

/// The registry text compiled into the binary.
pub const REGISTRY_TOML: &str = include_str!("../opcodes.toml");

/// Which legacy wire protocol a route belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// PhoneBooks: `{"op":…}` over `POST /`.
    Opcode,
    /// HelpAged: `{"id","type","subtype","data"}`.
    Typed,
    /// INEWW REST under `/ineww/`.
    Ineww,
    /// The rooms app's REST paths.
    Rooms,
    /// The v4.0 app under `/api/v4.0/`.
    V4,
}

impl Dialect {
    /// The dialect's name as written in `opcodes.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Opcode => "opcode",
            Dialect::Typed => "typed",
            Dialect::Ineww => "ineww",
            Dialect::Rooms => "rooms",
            Dialect::V4 => "v4",
        }
    }
}

/// How a request names its command on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WireKey {
    /// An integer op code in the body.
    Op(i64),
    /// A `type` and `subtype` pair in the body.
    Typed(String, String),
    /// The HTTP methods (by the dialect's [`MethodRule`]) and a path pattern (`<name>` marks
    /// a path parameter; a trailing slash matters by the dialect's [`Slash`] rule).
    Rest(Methods, String),
}

impl std::fmt::Display for WireKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireKey::Op(op) => write!(f, "op {op}"),
            WireKey::Typed(t, s) => write!(f, "{t}/{s}"),
            WireKey::Rest(m, p) => write!(f, "{m} {p}"),
        }
    }
}

/// One row of the registry.
#[derive(Debug, Clone)]
pub struct Route {
    /// The dialect that serves this key.
    pub dialect: Dialect,
    /// The wire key.
    pub key: WireKey,
    /// The command the key decodes into.
    pub command: CommandKind,
    /// Whether a token must accompany the request.
    pub auth: bool,
    /// Fields that must be present and non-null.
    pub required: Vec<String>,
    /// True for commands the original server never built (named by it, or ours).
    pub extension: bool,
    /// One line saying what the route does.
    pub summary: String,
    /// For a `type`/`subtype` row: the documented POST path that also serves it.
    pub path: Option<String>,
}

/// The row as written in TOML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    dialect: Dialect,
    op: Option<i64>,
    #[serde(rename = "type")]
    type_: Option<String>,
    subtype: Option<String>,
    method: Option<String>,
    path: Option<String>,
    /// A `type`/`subtype` row's documented POST path.
    also_at: Option<String>,
    command: CommandKind,
    #[serde(default)]
    auth: bool,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    extension: bool,
    summary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    route: Vec<RawRoute>,
}

/// Every route, indexed by wire key.
#[derive(Debug)]
pub struct Registry {
    routes: Vec<Route>,
    /// Wire key → row; a REST row once per method it answers. Looked up on every request,
    /// built once at start-up from the registry file (no client inserts into it): FxHash,
    /// not SipHash.
    index: FxHashMap<WireKey, usize>,
    /// POST paths that serve `type`/`subtype` bodies, with the rows each accepts.
    typed_paths: FxHashMap<String, Vec<usize>>,
    /// The REST rows' path patterns, split once at load: (route index, pattern).
    patterns: Vec<(usize, Pattern)>,
    /// `patterns` by segment count, with each one's path group (the first pattern of the same
    /// shape): a request is compared with the patterns of its length only, and its rows are
    /// found by group number rather than by comparing segments again.
    by_len: Vec<Vec<(usize, usize)>>,
}

impl Registry {
    /// The registry compiled into the binary, checked for its structure only (keys, duplicates).
    /// The server starts from [`crate::app::registry`], which also checks every row against
    /// its dialect's decoder ([`Registry::parse_with`]).
    pub fn builtin() -> Result<Registry, String> {
        Registry::parse(REGISTRY_TOML)
    }

    /// [`Registry::parse`], then refuses any row whose command its dialect cannot decode:
    /// `decodable(dialect, key)` names the commands the dialect's decoder for that kind of
    /// wire key can build (empty when the dialect serves no such key). The registry does not
    /// know the decoders; whoever assembles the app passes their sets in.
    pub fn parse_with(
        text: &str,
        decodable: fn(Dialect, &WireKey) -> &'static [CommandKind],
    ) -> Result<Registry, String> {
        let registry = Registry::parse(text)?;
        for (n, r) in registry.routes.iter().enumerate() {
            let builds = decodable(r.dialect, &r.key);
            if builds.contains(&r.command) {
                continue;
            }
            let d = r.dialect.as_str();
            let why = if builds.is_empty() {
                format!("the {d} dialect has no decoder for a key like `{}`", r.key)
            } else {
                let names: Vec<_> = builds.iter().map(|k| k.as_str()).collect();
                format!("the {d} decoder builds only {}", names.join(", "))
            };
            return Err(format!(
                "opcodes.toml route #{} ({d}, `{}`): command `{}` cannot be decoded: {why}",
                n + 1,
                r.key,
                r.command.as_str(),
            ));
        }
        Ok(registry)
    }

    /// Parses registry text, refusing malformed rows and duplicate wire keys.
    pub fn parse(text: &str) -> Result<Registry, String> {
        let raw: RawRegistry =
            toml::from_str(text).map_err(|e| format!("opcodes.toml is malformed: {e}"))?;
        let mut routes = Vec::with_capacity(raw.route.len());
        let mut index = FxHashMap::default();
        let mut typed_paths: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (n, row) in raw.route.into_iter().enumerate() {
            if row.also_at.is_some() && row.type_.is_none() {
                return Err(format!(
                    "opcodes.toml route #{}: `also_at` belongs to `type`/`subtype` rows",
                    n + 1
                ));
            }
            if let Some(p) = &row.also_at {
                typed_paths.entry(p.clone()).or_default().push(routes.len());
            }
            let key = match (row.op, row.type_, row.subtype, row.method, row.path) {
                (Some(op), None, None, None, None) => WireKey::Op(op),
                (None, Some(t), Some(s), None, None) => WireKey::Typed(t, s),
                (None, None, None, m, Some(p)) => WireKey::Rest(
                    Methods::of(row.dialect, m)
                        .map_err(|e| format!("opcodes.toml route #{}: {e}", n + 1))?,
                    p,
                ),
                _ => {
                    return Err(format!(
                        "opcodes.toml route #{}: give exactly one of `op`, `type`+`subtype`, `path` (with `method` where the dialect's rule asks for one)",
                        n + 1
                    ))
                }
            };
            // A REST row is indexed once per method, so that a GET/POST row and a GET row of
            // the same path are a duplicate too.
            let keys = match &key {
                WireKey::Rest(methods, p) => methods
                    .each()
                    .into_iter()
                    .map(|m| WireKey::Rest(m, p.clone()))
                    .collect(),
                _ => vec![key.clone()],
            };
            for k in keys {
                if let Some(first) = index.insert(k.clone(), routes.len()) {
                    return Err(format!(
                        "opcodes.toml registers {k} twice (routes #{} and #{})",
                        first + 1,
                        n + 1
                    ));
                }
            }
            routes.push(Route {
                dialect: row.dialect,
                key,
                command: row.command,
                auth: row.auth,
                required: row.required,
                extension: row.extension,
                summary: row.summary,
                path: row.also_at,
            });
        }
        let patterns = routes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match &r.key {
                WireKey::Rest(_, p) => Some((i, Pattern::compile(p, r.dialect.slash()))),
                _ => None,
            })
            .collect::<Vec<_>>();
        let mut by_len: Vec<Vec<(usize, usize)>> = Vec::new();
        for (i, (_, p)) in patterns.iter().enumerate() {
            let group = patterns
                .iter()
                .position(|(_, q)| q.same_path(p))
                .unwrap_or(i);
            let len = p.len();
            if by_len.len() <= len {
                by_len.resize(len + 1, Vec::new());
            }
            by_len[len].push((i, group));
        }
        Ok(Registry {
            routes,
            index,
            typed_paths,
            patterns,
            by_len,
        })
    }

    /// The route for an op code.
    pub fn op(&self, op: i64) -> Option<&Route> {
        self.get(&WireKey::Op(op))
    }

    /// The route for a wire key.
    pub fn get(&self, key: &WireKey) -> Option<&Route> {
        self.index.get(key).map(|&i| &self.routes[i])
    }

    /// Whether `path` is a documented POST path of `type`/`subtype` bodies.
    pub fn is_typed_path(&self, path: &str) -> bool {
        self.typed_paths.contains_key(path)
    }

    /// The `type`/`subtype` row for a body, when `path` (if a typed path) serves it.
    pub fn typed(&self, path: Option<&str>, type_: &str, subtype: &str) -> Option<&Route> {
        let i = *self
            .index
            .get(&WireKey::Typed(type_.to_string(), subtype.to_string()))?;
        match path.and_then(|p| self.typed_paths.get(p)) {
            Some(rows) if !rows.contains(&i) => None,
            _ => Some(&self.routes[i]),
        }
    }

    /// The REST route for a method and a concrete path. The path picks its pattern first —
    /// the matching one with the fewest `<param>` segments (file order breaks ties), so that
    /// `/ineww/user/phone` is never taken for `/ineww/user/<uid>` — then the method picks
    /// among that pattern's rows. Whether a trailing slash matters, and which methods a row
    /// answers, is its dialect's rule ([`Slash`], [`MethodRule`]).
    pub fn rest(&self, method: &str, path: &str) -> RestMatch<'_> {
        let (got, trailing) = rest::split(path);
        let Some(same_length) = self.by_len.get(got.len()) else {
            return RestMatch::NotFound;
        };
        let mut best: Option<(&Pattern, usize)> = None;
        for &(i, group) in same_length {
            let p = &self.patterns[i].1;
            if p.matches(&got, trailing) && best.is_none_or(|(b, _)| p.params < b.params) {
                best = Some((p, group));
            }
        }
        let Some((_, best_group)) = best else {
            return RestMatch::NotFound;
        };
        same_length
            .iter()
            .filter(|&&(_, group)| group == best_group)
            .map(|&(i, _)| &self.patterns[i])
            .filter(|(_, p)| p.matches(&got, trailing))
            .map(|(i, p)| (&self.routes[*i], p))
            .find(|(r, _)| matches!(&r.key, WireKey::Rest(m, _) if m.allows(method)))
            .map_or(RestMatch::WrongMethod, |(r, p)| {
                RestMatch::Found(r, p.params_of(&got))
            })
    }

    /// Every route in file order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route table as Markdown, as printed by `switchboard routes` and shown in docs/.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| dialect | wire key | command | token | required fields | what it does |\n\
             |---|---|---|---|---|---|\n",
        );
        for r in &self.routes {
            let required = if r.required.is_empty() {
                "—".to_string()
            } else {
                r.required.join(", ")
            };
            let ext = if r.extension { " (extension)" } else { "" };
            let key = match &r.path {
                Some(p) => format!("`{}` (`POST {p}`)", r.key),
                None => format!("`{}`", r.key),
            };
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {}{} |",
                r.dialect.as_str(),
                key,
                r.command.as_str(),
                if r.auth { "yes" } else { "no" },
                required,
                r.summary,
                ext
            );
        }
        out
    }
}

/// What [`Registry::rest`] found.
#[derive(Debug)]
pub enum RestMatch<'r> {
    /// The route, with its path parameters (`<name>` → segment).
    Found(&'r Route, Vec<(String, String)>),
    /// The path exists, but not for this method.
    WrongMethod,
    /// No route has this path.
    NotFound,
}

#[cfg(test)]
mod tests;
