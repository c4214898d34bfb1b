//! Unit tests of the registry: loading, refused rows and duplicate keys, typed paths and the
//! decoders' sets. REST path matching is in [`paths`].

mod paths;

use super::*;

/// Parses a registry of `rows`, one a line, each written as the keys of a TOML inline table
/// (TOML reads `route = [{ … }]` as it reads `[[route]]` blocks); each row gets the summary
/// every row must have.
fn parse(rows: &str) -> Result<Registry, String> {
    Registry::parse(&document(rows))
}

/// The registry text of `rows`, as [`parse`] reads them.
fn document(rows: &str) -> String {
    let rows: Vec<String> = rows
        .lines()
        .map(str::trim)
        .filter(|keys| !keys.is_empty())
        .enumerate()
        .map(|(n, keys)| format!("{{ {keys}, summary = \"row {}\" }}", n + 1))
        .collect();
    format!("route = [\n{}\n]", rows.join(",\n"))
}

/// Checks that each document is refused, with a refusal that says the given words.
fn assert_refused(cases: &[(&str, &str, &str)]) {
    for &(what, rows, says) in cases {
        let err = parse(rows).expect_err(what);
        assert!(err.contains(says), "{what}: {err}");
    }
}

#[test]
fn the_builtin_registry_loads() {
    let reg = Registry::builtin().unwrap();
    assert!(reg.op(1001).is_some());
}

#[test]
fn a_wire_key_registered_twice_is_refused_at_start_up() {
    assert_refused(&[
        (
            "a duplicate op code",
            r#"dialect = "opcode", op = 1001, command = "register"
               dialect = "opcode", op = 1001, command = "login""#,
            "op 1001 twice",
        ),
        (
            "a duplicate path, even with the method in another case",
            r#"dialect = "ineww", method = "get", path = "/ineww/session", command = "login"
               dialect = "ineww", method = "GET", path = "/ineww/session", command = "login""#,
            "twice",
        ),
        (
            "a duplicate type/subtype pair",
            r#"dialect = "typed", type = "login", subtype = "pass", command = "login"
               dialect = "typed", type = "login", subtype = "pass", command = "login""#,
            "twice",
        ),
        (
            "a GET-or-POST row and a GET row of one path",
            r#"dialect = "v4", path = "/api/v4.0/login", command = "login"
               dialect = "rooms", method = "post", path = "/api/v4.0/login", command = "login""#,
            "POST /api/v4.0/login twice",
        ),
    ]);
}

#[test]
fn a_row_that_breaks_its_dialects_rules_or_names_no_command_is_refused_at_start_up() {
    assert_refused(&[
        (
            "a v4 row that names a method",
            r#"dialect = "v4", method = "GET", path = "/api/v4.0/login", command = "login""#,
            "answers GET and POST",
        ),
        (
            "an ineww row that names no method",
            r#"dialect = "ineww", path = "/ineww/session", command = "login""#,
            "give `method`",
        ),
        (
            "an unknown command name",
            r#"dialect = "opcode", op = 1, command = "no_such_command""#,
            "unknown variant `no_such_command`",
        ),
        (
            "a row with two kinds of key",
            r#"dialect = "opcode", op = 1, method = "GET", path = "/x", command = "login""#,
            "exactly one",
        ),
    ]);
}

#[test]
fn a_typed_row_is_found_on_post_root_and_on_its_own_path_only() {
    let reg = parse(
        r#"dialect = "typed", type = "login", subtype = "pass", also_at = "/api/user/login", command = "login"
           dialect = "typed", type = "register", subtype = "phone", also_at = "/api/user/register", command = "register""#,
    )
    .unwrap();
    assert!(reg.typed(None, "login", "pass").is_some());
    assert!(reg
        .typed(Some("/api/user/login"), "login", "pass")
        .is_some());
    assert!(reg
        .typed(Some("/api/user/register"), "login", "pass")
        .is_none());
    assert!(reg.is_typed_path("/api/user/login"));
}

#[test]
fn a_get_or_post_row_shows_both_methods_in_the_route_table() {
    let reg = Registry::builtin().unwrap();
    let table = reg.markdown();
    assert!(
        table.contains("| v4 | `GET/POST /api/v4.0/verify_code` |"),
        "{table}"
    );
}

/// A stand-in for the dialects' decoders: opcode rows build register and login, typed
/// `type`/`subtype` rows build login, nothing else decodes anything.
fn two_decoders(dialect: Dialect, key: &WireKey) -> &'static [CommandKind] {
    match (dialect, key) {
        (Dialect::Opcode, WireKey::Op(_)) => &[CommandKind::Register, CommandKind::Login],
        (Dialect::Typed, WireKey::Typed(..)) => &[CommandKind::Login],
        _ => &[],
    }
}

/// Parses `rows` as [`parse`] does, checking each against [`two_decoders`].
fn parse_with_two_decoders(rows: &str) -> Result<Registry, String> {
    Registry::parse_with(&document(rows), two_decoders)
}

#[test]
fn a_row_naming_a_command_its_decoder_cannot_build_is_refused_by_row_dialect_key_and_command() {
    let rows = r#"dialect = "opcode", op = 1001, command = "register"
                  dialect = "opcode", op = 1011, command = "profile""#;
    assert!(parse(rows).is_ok(), "the structure alone is fine");
    assert_eq!(
        parse_with_two_decoders(rows).unwrap_err(),
        "opcodes.toml route #2 (opcode, `op 1011`): command `profile` cannot be decoded: \
         the opcode decoder builds only register, login"
    );
}

#[test]
fn a_row_keyed_in_a_way_its_dialect_has_no_decoder_for_is_refused() {
    let rows = r#"dialect = "opcode", method = "GET", path = "/contacts", command = "login""#;
    assert_eq!(
        parse_with_two_decoders(rows).unwrap_err(),
        "opcodes.toml route #1 (opcode, `GET /contacts`): command `login` cannot be decoded: \
         the opcode dialect has no decoder for a key like `GET /contacts`"
    );
}

#[test]
fn rows_their_decoders_can_build_load() {
    let reg = parse_with_two_decoders(
        r#"dialect = "opcode", op = 1003, command = "login"
           dialect = "typed", type = "login", subtype = "pass", command = "login""#,
    )
    .unwrap();
    assert_eq!(reg.routes().len(), 2);
}
