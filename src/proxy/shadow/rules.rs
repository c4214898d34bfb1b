//! The rules file of `switchboard shadow`: the differences Switchboard makes on purpose, each
//! matched against a found difference so that it counts as `expected`, not as a failure.
//! The default set, `deploy/shadow-rules.toml`, is built in; its header documents the fields.

use super::compare::Difference;
use serde::Deserialize;
use serde_json::Value;

/// The rules file shipped with the project.
pub const DEFAULT_RULES: &str = include_str!("../../../deploy/shadow-rules.toml");

/// One deliberate difference.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Counted under this name.
    pub name: String,
    /// Why Switchboard differs here (the docs' decision).
    pub why: String,
    /// Only requests of this dialect.
    pub dialect: Option<String>,
    /// Only these commands.
    pub commands: Option<Vec<String>>,
    /// Only this first differing path (a trailing `*` matches any rest).
    pub path: Option<String>,
    /// The primary's value at the path.
    pub primary: Option<toml::Value>,
    /// The shadow's value at the path.
    pub shadow: Option<toml::Value>,
    /// Text the shadow's answer body contains.
    pub shadow_contains: Option<String>,
    /// Whether the request proves a verification code.
    pub proof: Option<bool>,
}

/// The rules, in file order: the first that matches names the difference.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Every rule.
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
}

/// What a difference is matched on besides itself.
pub struct Seen<'a> {
    /// The request's dialect name.
    pub dialect: &'a str,
    /// The request's command name.
    pub command: &'a str,
    /// The request proves a verification code.
    pub proof: bool,
    /// The shadow's answer body.
    pub shadow_body: &'a [u8],
}

impl Rules {
    /// Reads a rules file's text; a malformed one is refused, naming what is wrong.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let rules: Rules = toml::from_str(text).map_err(|e| format!("rules: {e}"))?;
        for r in &rules.rules {
            for v in [&r.primary, &r.shadow].into_iter().flatten() {
                serde_json::to_value(v).map_err(|e| format!("rule {}: {e}", r.name))?;
            }
        }
        Ok(rules)
    }

    /// The built-in rules.
    pub fn builtin() -> Rules {
        Rules::parse(DEFAULT_RULES).expect("deploy/shadow-rules.toml is valid")
    }

    /// The name of the first rule that explains `diff`.
    pub fn explain(&self, diff: &Difference, seen: &Seen<'_>) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.matches(diff, seen))
            .map(|r| r.name.as_str())
    }
}

impl Rule {
    fn matches(&self, diff: &Difference, seen: &Seen<'_>) -> bool {
        let value = |v: &Option<toml::Value>, at: &Value| {
            v.as_ref()
                .is_none_or(|v| serde_json::to_value(v).is_ok_and(|v| &v == at))
        };
        self.dialect.as_ref().is_none_or(|d| d == seen.dialect)
            && self
                .commands
                .as_ref()
                .is_none_or(|c| c.iter().any(|c| c == seen.command))
            && self
                .path
                .as_ref()
                .is_none_or(|p| match p.strip_suffix('*') {
                    Some(prefix) => diff.path.starts_with(prefix),
                    None => *p == diff.path,
                })
            && value(&self.primary, &diff.primary)
            && value(&self.shadow, &diff.shadow)
            && self.shadow_contains.as_ref().is_none_or(|text| {
                String::from_utf8_lossy(seen.shadow_body).contains(text.as_str())
            })
            && self.proof.is_none_or(|p| p == seen.proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seen<'a>(dialect: &'a str, command: &'a str, body: &'a [u8]) -> Seen<'a> {
        Seen {
            dialect,
            command,
            proof: false,
            shadow_body: body,
        }
    }

    #[test]
    fn the_builtin_rules_load_and_name_a_documented_difference() {
        let rules = Rules::builtin();
        assert!(rules.rules.len() >= 20);
        let checked = Difference {
            path: "status".into(),
            primary: json!(200),
            shadow: json!(401),
        };
        let body = br#"{"code":"401004","data":{}}"#;
        let named = rules.explain(&checked, &seen("ineww", "profile", body));
        assert_eq!(named, Some("ineww-tokens-checked"));
        assert_eq!(
            rules.explain(&checked, &seen("rooms", "list_rooms", b"{}")),
            None
        );
    }

    #[test]
    fn a_malformed_rules_file_is_refused() {
        assert!(Rules::parse("[[rule]]\nname = \"x\"\nwhy = \"y\"\ncolour = 1\n").is_err());
        assert!(Rules::parse("[[rule]]\nwhy = \"y\"\n").is_err());
    }
}
