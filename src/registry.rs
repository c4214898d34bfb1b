//! The live registry: `opcodes.toml`, embedded in the binary and read at start-up.
//!
//! Each row maps one wire key — an op code, a type+subtype pair, or a method+path — to a
//! [`CommandKind`], says whether it needs a token, and names the fields it requires.
//! Registering a wire key twice is a start-up error, as in jsonrpsee's method table.

use crate::command::CommandKind;
use serde::Deserialize;
use std::collections::HashMap;
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
    /// An HTTP method and a path pattern (`<name>` marks a path parameter).
    Rest(String, String),
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
    /// True for commands the original server named but never built.
    pub extension: bool,
    /// One line saying what the route does.
    pub summary: String,
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
    index: HashMap<WireKey, usize>,
}

impl Registry {
    /// The registry compiled into the binary.
    pub fn builtin() -> Result<Registry, String> {
        Registry::parse(REGISTRY_TOML)
    }

    /// Parses registry text, refusing malformed rows and duplicate wire keys.
    pub fn parse(text: &str) -> Result<Registry, String> {
        let raw: RawRegistry =
            toml::from_str(text).map_err(|e| format!("opcodes.toml is malformed: {e}"))?;
        let mut routes = Vec::with_capacity(raw.route.len());
        let mut index = HashMap::new();
        for (n, row) in raw.route.into_iter().enumerate() {
            let key = match (row.op, row.type_, row.subtype, row.method, row.path) {
                (Some(op), None, None, None, None) => WireKey::Op(op),
                (None, Some(t), Some(s), None, None) => WireKey::Typed(t, s),
                (None, None, None, Some(m), Some(p)) => {
                    WireKey::Rest(m.to_ascii_uppercase(), p)
                }
                _ => {
                    return Err(format!(
                        "opcodes.toml route #{}: give exactly one of `op`, `type`+`subtype`, `method`+`path`",
                        n + 1
                    ))
                }
            };
            if let Some(first) = index.insert(key.clone(), routes.len()) {
                return Err(format!(
                    "opcodes.toml registers {key} twice (routes #{} and #{})",
                    first + 1,
                    n + 1
                ));
            }
            routes.push(Route {
                dialect: row.dialect,
                key,
                command: row.command,
                auth: row.auth,
                required: row.required,
                extension: row.extension,
                summary: row.summary,
            });
        }
        Ok(Registry { routes, index })
    }

    /// The route for an op code.
    pub fn op(&self, op: i64) -> Option<&Route> {
        self.get(&WireKey::Op(op))
    }

    /// The route for a wire key.
    pub fn get(&self, key: &WireKey) -> Option<&Route> {
        self.index.get(key).map(|&i| &self.routes[i])
    }

    /// Every route in file order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route table as Markdown, as printed by `switchboard routes` and shown in README.
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
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} | {} | {}{} |",
                r.dialect.as_str(),
                r.key,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_registry_loads() {
        let reg = Registry::builtin().unwrap();
        assert!(reg.op(1001).is_some());
    }

    #[test]
    fn a_duplicate_op_code_is_refused_at_start_up() {
        let text = r#"
            [[route]]
            dialect = "opcode"
            op = 1001
            command = "register"
            summary = "a"
            [[route]]
            dialect = "opcode"
            op = 1001
            command = "login"
            summary = "b"
        "#;
        let err = Registry::parse(text).unwrap_err();
        assert!(err.contains("op 1001 twice"), "{err}");
    }

    #[test]
    fn a_duplicate_path_is_refused_even_with_different_method_case() {
        let text = r#"
            [[route]]
            dialect = "ineww"
            method = "get"
            path = "/ineww/session"
            command = "login"
            summary = "a"
            [[route]]
            dialect = "ineww"
            method = "GET"
            path = "/ineww/session"
            command = "login"
            summary = "b"
        "#;
        assert!(Registry::parse(text).unwrap_err().contains("twice"));
    }

    #[test]
    fn a_duplicate_type_subtype_pair_is_refused() {
        let text = r#"
            [[route]]
            dialect = "typed"
            type = "login"
            subtype = "pass"
            command = "login"
            summary = "a"
            [[route]]
            dialect = "typed"
            type = "login"
            subtype = "pass"
            command = "login"
            summary = "b"
        "#;
        assert!(Registry::parse(text).unwrap_err().contains("twice"));
    }

    #[test]
    fn an_unknown_command_name_is_refused() {
        let text = r#"
            [[route]]
            dialect = "opcode"
            op = 1
            command = "no_such_command"
            summary = "a"
        "#;
        assert!(Registry::parse(text).is_err());
    }

    #[test]
    fn a_row_with_two_kinds_of_key_is_refused() {
        let text = r#"
            [[route]]
            dialect = "opcode"
            op = 1
            method = "GET"
            path = "/x"
            command = "login"
            summary = "a"
        "#;
        assert!(Registry::parse(text).unwrap_err().contains("exactly one"));
    }
}
