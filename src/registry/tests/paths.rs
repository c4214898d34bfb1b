//! Unit tests of REST path matching: the trailing-slash rules, the methods each row answers,
//! and which row a path picks.

use super::*;

/// A pattern, a concrete path, and the parameters the path binds (`None`: no match).
type PathCase = (
    &'static str,
    &'static str,
    Option<&'static [(&'static str, &'static str)]>,
);

/// Matches each concrete path against its pattern under one trailing-slash rule.
fn assert_matches(slash: Slash, cases: &[PathCase]) {
    for &(pattern, path, want) in cases {
        let p = Pattern::compile(pattern, slash);
        let (got, trailing) = rest::split(path);
        let params = p.matches(&got, trailing).then(|| p.params_of(&got));
        let want = want.map(|w| w.iter().map(|&(k, v)| (k.into(), v.into())).collect());
        assert_eq!(params, want, "{path} against {pattern}");
    }
}

#[test]
fn a_path_parameter_matches_one_segment_and_a_trailing_slash_is_tolerated() {
    let portrait = "/api/get/portrait/<user_id>";
    assert_matches(
        Slash::Optional,
        &[
            (
                portrait,
                "/api/get/portrait/13750687010/",
                Some(&[("user_id", "13750687010")]),
            ),
            (portrait, "/api/get/portrait/", None),
            (portrait, "/api/get/portrait/a/b", None),
            ("/users/", "/users", Some(&[])),
            ("/api/v4.0/login", "/api/v4.0/login/", Some(&[])),
        ],
    );
}

#[test]
fn under_the_exact_rule_a_trailing_slash_added_or_left_off_is_another_path() {
    assert_matches(
        Slash::Exact,
        &[
            ("/ineww/session", "/ineww/session", Some(&[])),
            ("/ineww/session", "/ineww/session/", None),
            ("/ineww/session", "/ineww/session//", None),
            ("/ineww/user/<uid>/index", "/ineww/user/abc/index/", None),
            ("/users/", "/users", None),
            ("/users/", "/users/", Some(&[])),
        ],
    );
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
    let reg = parse(
        r#"dialect = "ineww", method = "GET", path = "/ineww/user/<uid>", command = "user_detail"
           dialect = "ineww", method = "PUT", path = "/ineww/user/<uid>", command = "update_profile"
           dialect = "ineww", method = "PUT", path = "/ineww/user/pwd", command = "change_password""#,
    )
    .unwrap();
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
