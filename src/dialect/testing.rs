//! Test support shared by the dialects' unit tests: every command kind, registry rows, sample
//! sessions, a REST request routed as the server would route it, and what a [`Step`] became.

use super::{Fields, Reply, Step, Wire};
use crate::command::{CommandKind, Request};
use crate::registry::{Dialect, Methods, Registry, RestMatch, Route, WireKey};
use serde_json::Value;

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

/// Holds a REST decoder's declared set equal to its match: `refuses(row, fields)` says
/// whether the decoder, given a row of `dialect` naming a kind and no fields at all, answers
/// with its "not one of mine" error.
pub fn assert_rest_set_is_the_match(
    dialect: Dialect,
    set: &[CommandKind],
    refuses: impl Fn(&Route, &Fields<'_>) -> bool,
) {
    let key = WireKey::Rest(Methods::GetOrPost, "/x".into());
    let empty = Value::Object(serde_json::Map::new());
    assert_set_is_the_match(dialect.as_str(), set, |kind| {
        let row = route(dialect, key.clone(), kind);
        refuses(&row, &Fields::of(&empty, "").unwrap())
    });
}

/// The built-in registry's rows of a REST `dialect` whose route names one method: that
/// method, the path pattern and the row.
pub fn rest_rows(dialect: Dialect) -> Vec<(String, String, Route)> {
    let reg = Registry::builtin().unwrap();
    reg.routes()
        .iter()
        .filter(|r| r.dialect == dialect)
        .map(|r| match &r.key {
            WireKey::Rest(Methods::One(method), pattern) => {
                (method.clone(), pattern.clone(), r.clone())
            }
            other => panic!("a {} row without one method: {other:?}", dialect.as_str()),
        })
        .collect()
}

/// Sends one request per REST row of `dialect` — `request(method, pattern, row)` — and holds
/// what each decodes into: the command `name(kind)` says, with a credential exactly when the
/// row needs one. `count` is how many rows the dialect has.
pub fn assert_each_row_decodes(
    dialect: Dialect,
    count: usize,
    request: impl Fn(&str, &str, &Route) -> Step,
    name: impl Fn(CommandKind) -> &'static str,
) {
    let rows = rest_rows(dialect);
    assert_eq!(rows.len(), count, "{} rows", dialect.as_str());
    for (method, pattern, route) in rows {
        let r = executed(request(&method, &pattern, &route));
        assert_eq!(r.auth, route.auth, "{method} {pattern}");
        assert_eq!(r.credential.is_some(), route.auth, "{method} {pattern}");
        assert_eq!(r.command.name(), name(route.command), "{method} {pattern}");
    }
}

/// The immediate answer of a step; panics if the step would execute a request.
pub fn replied(step: Step) -> Reply {
    match step {
        Step::Reply(r) => r,
        Step::Execute { request, .. } => panic!("expected a reply, got {request:?}"),
    }
}

/// The request a step would execute; panics, showing the answer, if it answers at once.
pub fn executed(step: Step) -> Request {
    match step {
        Step::Execute { request, .. } => *request,
        Step::Reply(r) => panic!("expected a command, got {}", text(&r)),
    }
}

/// The HTTP status and JSON body of a step's immediate answer.
pub fn answer(step: Step) -> (u16, Value) {
    let r = replied(step);
    (r.status, json(&r))
}

/// A reply's body as JSON.
pub fn json(r: &Reply) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// A reply's body as text.
pub fn text(r: &Reply) -> String {
    String::from_utf8(r.body.to_vec()).unwrap()
}

/// An account of `uid` (32 hex digits) with a phone and a display name and nothing else, as
/// INEWW and v4 make them.
pub fn account(uid: &str, phone: &str, name: &str) -> crate::domain::Account {
    crate::domain::Account {
        pk: 1,
        uid: uuid::Uuid::parse_str(uid).unwrap(),
        phone: Some(phone.into()),
        username: None,
        email: None,
        name: Some(name.into()),
        nickname: None,
        level: 1,
        created_at: 0,
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
