//! What the INEWW decoder reads before any field: JSON bodies (and the code request's
//! form), queries, and the credential headers.

use super::*;
use crate::dialect::testing::{replied, token_of};

#[test]
fn bad_bodies_are_400010_and_an_empty_array_or_body_is_an_empty_object() {
    for body in [&b"{not json"[..], b"[1]", b"\"x\"", b"account=1&password=2"] {
        let (status, v) = answer(send("POST", "/ineww/session", &[], body));
        assert_eq!(
            (status, v["code"].as_str()),
            (400, Some("400010")),
            "{body:?}"
        );
    }
    for body in [&b"[]"[..], b"", b"  \n"] {
        let (status, v) = answer(send("POST", "/ineww/session", &[], body));
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some("422001")),
            "{body:?}"
        );
    }
}

#[test]
fn a_body_sent_as_json_that_does_not_parse_is_400010_before_any_field_check() {
    let garbage: &[&[u8]] = &[
        b"\x00\x01\xfe\xff binary",
        b"{\"phone\":\"\xff\"}",
        b"phone=18511521921",
        b"{nope",
    ];
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/vnd.api+json",
    ] {
        for body in garbage {
            let (status, v) = answer(send(
                "POST",
                "/ineww/code/phone",
                &[("content-type", ct)],
                body,
            ));
            assert_eq!(
                (status, &v),
                (400, &json!({"code": "400010", "data": {}})),
                "{ct}: {body:?}"
            );
        }
    }
    // Not sent as JSON, the code request reads a form, as the original's clients sent it.
    let r = executed(send(
        "POST",
        "/ineww/code/phone",
        &[("content-type", "application/x-www-form-urlencoded")],
        b"phone=18511521921",
    ));
    assert_eq!(r.command.name(), "request_code");
    let (status, v) = answer(send("POST", "/ineww/code/phone", &[], b"\x00\xff"));
    assert_eq!(
        (status, issues(&v)),
        (422, vec![("phone".into(), "missing_field".into())])
    );
}

#[test]
fn invalid_utf8_sent_as_json_says_so_in_the_detail() {
    let step = send(
        "POST",
        "/ineww/session",
        &[("content-type", "application/json")],
        b"{\"account\":\"\xff\"}",
    );
    let r = replied(step);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.detail.as_deref(),
        Some("invalid request body: the body is not UTF-8, so not JSON")
    );
}

#[test]
fn the_code_request_also_takes_a_form() {
    let r = executed(send("POST", "/ineww/code/phone", &[], b"phone=18511521921"));
    let c = crate::command::codes::RequestCode::try_from(r.command).unwrap();
    assert_eq!(c.phone.as_str(), "18511521921");
    assert_eq!(c.length, 4);
    assert_eq!(c.purpose, crate::domain::CodePurpose::Ineww);
}

#[test]
fn the_phone_check_reads_the_query_leniently() {
    let (status, v) = answer(send("GET", "/ineww/user/phone?phone=%ZZ%E4", &[], b""));
    assert_eq!(status, 422);
    assert_eq!(issues(&v), [("phone".to_string(), "invalid".to_string())]);
}

/// What a header set makes of the credential: its token and claimed user, or the code
/// refusing it.
type CredentialCase<'a> = (
    &'a [(&'a str, &'a str)],
    Result<(&'a str, Option<&'a str>), &'a str>,
);

#[test]
fn the_token_comes_in_user_id_with_access_token_or_in_a_bearer_header_alone() {
    let cases: &[CredentialCase] = &[
        (
            &[("USER-ID", UID), ("ACCESS-TOKEN", "abc")],
            Ok(("abc", Some(UID))),
        ),
        (&[("authorization", "Bearer abc")], Ok(("abc", None))),
        // A Bearer header beside a lone ACCESS-TOKEN is the credential.
        (
            &[("access-token", "abc"), ("authorization", "Bearer xyz")],
            Ok(("xyz", None)),
        ),
        // USER-ID with a Bearer token is carried, to be checked against the token's owner.
        (
            &[("user-id", UID), ("authorization", "Bearer xyz")],
            Ok(("xyz", Some(UID))),
        ),
        (&[("authorization", "Basic abc")], Err("401004")),
        (&[("access-token", "abc")], Err("401001")),
        (&[("access-token", "abc"), ("user-id", "  ")], Err("401001")),
        (&[("user-id", UID)], Err("401001")),
        (&[], Err("401001")),
    ];
    for (headers, want) in cases {
        let step = send("GET", "/ineww/session", headers, b"");
        match want {
            Ok(token) => {
                let r = executed(step);
                assert_eq!(
                    token_of(r.credential.as_ref().unwrap()),
                    *token,
                    "{headers:?}"
                );
            }
            Err(code) => {
                let (status, v) = answer(step);
                let want = json!({"code": code, "data": {}});
                assert_eq!((status, v), (401, want), "{headers:?}");
            }
        }
    }
    let r = replied(send(
        "GET",
        "/ineww/session",
        &[("access-token", "abc")],
        b"",
    ));
    assert_eq!(
        r.detail.as_deref(),
        Some("missing token: ACCESS-TOKEN without USER-ID"),
        "the log says why a sent token counts as none"
    );
}
