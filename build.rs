//! Generates `CommandKind` from `opcodes.toml`: every distinct `command = "…"` of the registry
//! becomes one variant (snake_case name → CamelCase variant, the first row's `summary` as its
//! doc), so the names a row may use and the enum the decoders match cannot drift apart.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=opcodes.toml");
    let text = std::fs::read_to_string("opcodes.toml").expect("opcodes.toml is readable");
    let doc: toml::Table = text.parse().expect("opcodes.toml is valid TOML");
    let routes = doc
        .get("route")
        .and_then(toml::Value::as_array)
        .expect("opcodes.toml has [[route]] rows");

    let mut seen = BTreeSet::new();
    let mut kinds = Vec::new();
    for (n, row) in routes.iter().enumerate() {
        let name = row
            .get("command")
            .and_then(toml::Value::as_str)
            .unwrap_or_else(|| panic!("opcodes.toml route #{} has no `command`", n + 1));
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "opcodes.toml route #{}: command `{name}` is not snake_case",
            n + 1
        );
        if seen.insert(name.to_string()) {
            let summary = row
                .get("summary")
                .and_then(toml::Value::as_str)
                .unwrap_or("");
            kinds.push((name.to_string(), summary.to_string()));
        }
    }

    let mut out = String::new();
    out.push_str(
        "/// The name a registry row gives its command (generated from `opcodes.toml`).\n",
    );
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]\n");
    out.push_str("pub enum CommandKind {\n");
    for (name, summary) in &kinds {
        writeln!(out, "    #[doc = {summary:?}]").unwrap();
        writeln!(out, "    #[serde(rename = {name:?})]").unwrap();
        writeln!(out, "    {},", camel(name)).unwrap();
    }
    out.push_str("}\n\nimpl CommandKind {\n");
    out.push_str("    /// Every kind, in the order `opcodes.toml` first names them.\n");
    out.push_str("    pub const ALL: &'static [CommandKind] = &[\n");
    for (name, _) in &kinds {
        writeln!(out, "        CommandKind::{},", camel(name)).unwrap();
    }
    out.push_str("    ];\n\n");
    out.push_str("    /// The snake_case name used in `opcodes.toml`, logs and metrics.\n");
    out.push_str("    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for (name, _) in &kinds {
        writeln!(out, "            CommandKind::{} => {name:?},", camel(name)).unwrap();
    }
    out.push_str("        }\n    }\n}\n");

    let path = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("command_kind.rs");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}

/// `edit_contact_phone` → `EditContactPhone`.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
