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

#[test]
fn a_path_parameter_matches_one_segment_and_a_trailing_slash_is_tolerated() {
    assert_eq!(
        match_path(
            "/api/get/portrait/<user_id>",
            "/api/get/portrait/13750687010/"
        ),
        Some(vec![("user_id".into(), "13750687010".into())])
    );
    assert_eq!(
        match_path("/api/get/portrait/<user_id>", "/api/get/portrait/"),
        None
    );
    assert_eq!(
        match_path("/api/get/portrait/<user_id>", "/api/get/portrait/a/b"),
        None
    );
    assert_eq!(match_path("/users/", "/users"), Some(vec![]));
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
    let RestMatch::Found(r, params) = reg.rest("PUT", "/ineww/user/pwd/") else {
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
