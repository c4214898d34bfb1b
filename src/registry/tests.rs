//! Unit tests of the registry: loading, duplicate keys, typed paths and REST path matching.

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
fn a_typed_row_is_found_on_post_root_and_on_its_own_path_only() {
    let text = r#"
        [[route]]
        dialect = "typed"
        type = "login"
        subtype = "pass"
        also_at = "/api/user/login"
        command = "login"
        summary = "a"
        [[route]]
        dialect = "typed"
        type = "register"
        subtype = "phone"
        also_at = "/api/user/register"
        command = "register"
        summary = "b"
    "#;
    let reg = Registry::parse(text).unwrap();
    assert!(reg.typed(None, "login", "pass").is_some());
    assert!(reg
        .typed(Some("/api/user/login"), "login", "pass")
        .is_some());
    assert!(reg
        .typed(Some("/api/user/register"), "login", "pass")
        .is_none());
    assert!(reg.is_typed_path("/api/user/login"));
}

/// Matches a concrete path against one pattern under a trailing-slash rule.
fn match_path(pattern: &str, path: &str, slash: Slash) -> Option<Vec<(String, String)>> {
    let p = Pattern::compile(pattern, slash);
    let (got, trailing) = rest::split(path);
    p.matches(&got, trailing).then(|| p.params_of(&got))
}

#[test]
fn a_path_parameter_matches_one_segment_and_a_trailing_slash_is_tolerated() {
    let opt = Slash::Optional;
    assert_eq!(
        match_path(
            "/api/get/portrait/<user_id>",
            "/api/get/portrait/13750687010/",
            opt
        ),
        Some(vec![("user_id".into(), "13750687010".into())])
    );
    assert_eq!(
        match_path("/api/get/portrait/<user_id>", "/api/get/portrait/", opt),
        None
    );
    assert_eq!(
        match_path("/api/get/portrait/<user_id>", "/api/get/portrait/a/b", opt),
        None
    );
    assert_eq!(match_path("/users/", "/users", opt), Some(vec![]));
    assert_eq!(
        match_path("/api/v4.0/login", "/api/v4.0/login/", opt),
        Some(vec![])
    );
}

#[test]
fn under_the_exact_rule_a_trailing_slash_added_or_left_off_is_another_path() {
    let exact = Slash::Exact;
    assert_eq!(
        match_path("/ineww/session", "/ineww/session", exact),
        Some(vec![])
    );
    assert_eq!(match_path("/ineww/session", "/ineww/session/", exact), None);
    assert_eq!(
        match_path("/ineww/session", "/ineww/session//", exact),
        None
    );
    assert_eq!(
        match_path("/ineww/user/<uid>/index", "/ineww/user/abc/index/", exact),
        None
    );
    assert_eq!(match_path("/users/", "/users", exact), None);
    assert_eq!(match_path("/users/", "/users/", exact), Some(vec![]));
}

#[test]
fn ineww_paths_are_exact_and_every_other_dialect_tolerates_a_trailing_slash() {
    let reg = Registry::builtin().unwrap();
    for route in reg.routes() {
        let WireKey::Rest(methods, pattern) = &route.key else {
            continue;
        };
        let method = match methods {
            Methods::One(m) => m.as_str(),
            Methods::GetOrPost => "GET",
        };
        let path = pattern.replace('<', "x").replace('>', "");
        let other = match path.strip_suffix('/') {
            Some(bare) => bare.to_string(),
            None => format!("{path}/"),
        };
        assert!(
            matches!(reg.rest(method, &path), RestMatch::Found(..)),
            "{method} {path}"
        );
        let found = matches!(reg.rest(method, &other), RestMatch::Found(..));
        assert_eq!(
            found,
            route.dialect != Dialect::Ineww,
            "{method} {other} ({})",
            route.dialect.as_str()
        );
        if route.dialect == Dialect::Ineww {
            assert!(matches!(reg.rest(method, &other), RestMatch::NotFound));
        }
    }
}

#[test]
fn every_v4_row_answers_get_and_post_and_no_other_method() {
    let reg = Registry::builtin().unwrap();
    let v4: Vec<_> = reg
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::V4)
        .collect();
    assert_eq!(v4.len(), 6, "the document's six endpoints, one row each");
    for route in v4 {
        let WireKey::Rest(methods, pattern) = &route.key else {
            panic!("a v4 row without a path")
        };
        assert_eq!(methods, &Methods::GetOrPost, "{pattern}");
        let path = pattern
            .replace("<mobile>", "13126939916")
            .replace("<phone>", "13126939916");
        for method in ["GET", "POST", "get"] {
            let RestMatch::Found(r, _) = reg.rest(method, &path) else {
                panic!("{method} {path} is not served")
            };
            assert_eq!(r.command, route.command, "{method} {path}");
        }
        for method in ["PUT", "DELETE", "PATCH", "HEAD"] {
            assert!(
                matches!(reg.rest(method, &path), RestMatch::WrongMethod),
                "{method} {path}"
            );
        }
    }
}

#[test]
fn a_v4_row_that_names_a_method_is_refused_at_start_up() {
    let text = r#"
        [[route]]
        dialect = "v4"
        method = "GET"
        path = "/api/v4.0/login"
        command = "login"
        summary = "a"
    "#;
    let err = Registry::parse(text).unwrap_err();
    assert!(err.contains("answers GET and POST"), "{err}");
    let text = r#"
        [[route]]
        dialect = "ineww"
        path = "/ineww/session"
        command = "login"
        summary = "a"
    "#;
    let err = Registry::parse(text).unwrap_err();
    assert!(err.contains("give `method`"), "{err}");
}

#[test]
fn a_get_or_post_row_and_a_get_row_of_one_path_are_a_duplicate() {
    let text = r#"
        [[route]]
        dialect = "v4"
        path = "/api/v4.0/login"
        command = "login"
        summary = "a"
        [[route]]
        dialect = "rooms"
        method = "post"
        path = "/api/v4.0/login"
        command = "login"
        summary = "b"
    "#;
    let err = Registry::parse(text).unwrap_err();
    assert!(err.contains("POST /api/v4.0/login twice"), "{err}");
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

#[test]
fn a_known_path_with_another_method_is_told_apart_from_an_unknown_path() {
    let reg = Registry::builtin().unwrap();
    assert!(matches!(
        reg.rest("GET", "/api/user/doki"),
        RestMatch::Found(..)
    ));
    assert!(matches!(
        reg.rest("POST", "/api/user/doki"),
        RestMatch::WrongMethod
    ));
    assert!(matches!(
        reg.rest("GET", "/api/nowhere"),
        RestMatch::NotFound
    ));
}

#[test]
fn a_literal_segment_wins_over_a_parameter_whatever_the_file_order() {
    let text = r#"
        [[route]]
        dialect = "ineww"
        method = "GET"
        path = "/ineww/user/<uid>"
        command = "user_detail"
        summary = "a"
        [[route]]
        dialect = "ineww"
        method = "PUT"
        path = "/ineww/user/<uid>"
        command = "update_profile"
        summary = "b"
        [[route]]
        dialect = "ineww"
        method = "PUT"
        path = "/ineww/user/pwd"
        command = "change_password"
        summary = "c"
    "#;
    let reg = Registry::parse(text).unwrap();
    let RestMatch::Found(r, params) = reg.rest("PUT", "/ineww/user/pwd") else {
        panic!("PUT /ineww/user/pwd not found");
    };
    assert_eq!(r.command, CommandKind::ChangePassword);
    assert!(params.is_empty());
    let RestMatch::Found(r, params) = reg.rest("PUT", "/ineww/user/abc") else {
        panic!("PUT /ineww/user/abc not found");
    };
    assert_eq!(r.command, CommandKind::UpdateProfile);
    assert_eq!(params, vec![("uid".to_string(), "abc".to_string())]);
    assert!(matches!(
        reg.rest("GET", "/ineww/user/pwd"),
        RestMatch::WrongMethod
    ));
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

/// A stand-in for the dialects' decoders: opcode rows build register and login, typed
/// `type`/`subtype` rows build login, nothing else decodes anything.
fn two_decoders(dialect: Dialect, key: &WireKey) -> &'static [CommandKind] {
    match (dialect, key) {
        (Dialect::Opcode, WireKey::Op(_)) => &[CommandKind::Register, CommandKind::Login],
        (Dialect::Typed, WireKey::Typed(..)) => &[CommandKind::Login],
        _ => &[],
    }
}

#[test]
fn a_row_naming_a_command_its_decoder_cannot_build_is_refused_by_row_dialect_key_and_command() {
    let text = r#"
        [[route]]
        dialect = "opcode"
        op = 1001
        command = "register"
        summary = "a"
        [[route]]
        dialect = "opcode"
        op = 1011
        command = "profile"
        summary = "b"
    "#;
    assert!(Registry::parse(text).is_ok(), "the structure alone is fine");
    let err = Registry::parse_with(text, two_decoders).unwrap_err();
    assert_eq!(
        err,
        "opcodes.toml route #2 (opcode, `op 1011`): command `profile` cannot be decoded: \
         the opcode decoder builds only register, login"
    );
}

#[test]
fn a_row_keyed_in_a_way_its_dialect_has_no_decoder_for_is_refused() {
    let text = r#"
        [[route]]
        dialect = "opcode"
        method = "GET"
        path = "/contacts"
        command = "login"
        summary = "a"
    "#;
    let err = Registry::parse_with(text, two_decoders).unwrap_err();
    assert_eq!(
        err,
        "opcodes.toml route #1 (opcode, `GET /contacts`): command `login` cannot be decoded: \
         the opcode dialect has no decoder for a key like `GET /contacts`"
    );
}

#[test]
fn rows_their_decoders_can_build_load() {
    let text = r#"
        [[route]]
        dialect = "opcode"
        op = 1003
        command = "login"
        summary = "a"
        [[route]]
        dialect = "typed"
        type = "login"
        subtype = "pass"
        command = "login"
        summary = "b"
    "#;
    let reg = Registry::parse_with(text, two_decoders).unwrap();
    assert_eq!(reg.routes().len(), 2);
}
