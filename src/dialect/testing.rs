//! Test support shared by the dialects' unit tests: every command kind, registry rows, sample
//! sessions, and a REST request routed as the server would route it.

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
