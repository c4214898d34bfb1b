//! rooms CORS and bad input: every case answered with the FAIL envelope and a clear msg, the
//! server healthy after.

use crate::support::rooms::*;
use crate::support::Server;

// ---------------------------------------------------------------------------------------------
// CORS and bad input: every case the FAIL envelope with a clear msg, the server healthy after
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn options_answers_a_cors_preflight_and_answers_allow_any_origin() {
    let s = Server::start().await;
    let headers = [
        ("Origin", "http://app.example"),
        ("Access-Control-Request-Method", "PUT"),
    ];
    for path in [
        "/users/",
        "/rooms/1/",
        "/users/icon/1",
        "/password/",
        "/phonelogin/",
    ] {
        let r = s.send("OPTIONS", path, &headers, b"").await;
        assert_eq!((r.status, r.body.len()), (204, 0), "{path}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"), "{path}");
    }
    let r = s.send("GET", "/rooms/", &[], b"").await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = s.send("GET", "/rooms/nope/x/y", &[], b"").await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

/// name, method, path, body → expected status and a fragment of the message.
type BadCase<'a> = (&'a str, &'a str, String, Vec<u8>, u16, &'a str);

#[tokio::test]
async fn bad_input_is_answered_with_the_fail_envelope_and_a_clear_msg() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let mine = format!("/users/{}/?token={}", me.pk, me.token);
    let cases: Vec<BadCase> = vec![
        (
            "not JSON",
            "POST",
            "/login/".into(),
            b"{nope".to_vec(),
            400,
            "invalid request body",
        ),
        (
            "a JSON array",
            "POST",
            "/users/".into(),
            b"[1]".to_vec(),
            400,
            "invalid request body",
        ),
        (
            "invalid UTF-8",
            "POST",
            "/login/".into(),
            b"{\"username\":\"\xff\"}".to_vec(),
            400,
            "invalid request body",
        ),
        (
            "a wrong type",
            "POST",
            "/login/".into(),
            br#"{"username":["x"],"password":"1"}"#.to_vec(),
            400,
            "username must be a string",
        ),
        (
            "a wrong boolean",
            "POST",
            format!("/rooms/?token={}", me.token),
            br#"{"room_alias":"x","active":"maybe"}"#.to_vec(),
            400,
            "active must be a boolean",
        ),
        (
            "a missing field",
            "POST",
            "/users/".into(),
            br#"{"username":"x","password":"y"}"#.to_vec(),
            400,
            "missing field: nickname",
        ),
        (
            "null is missing",
            "POST",
            "/login/".into(),
            br#"{"username":null,"password":"y"}"#.to_vec(),
            400,
            "missing field: username",
        ),
        (
            "an unknown field",
            "PUT",
            mine.clone(),
            br#"{"favourite":"x"}"#.to_vec(),
            400,
            "unknown field: favourite",
        ),
        (
            "a blank required field",
            "POST",
            "/users/".into(),
            br#"{"username":" ","password":"y","nickname":"n"}"#.to_vec(),
            400,
            "may not be blank",
        ),
        (
            "an age out of range",
            "PUT",
            mine.clone(),
            br#"{"age":"200"}"#.to_vec(),
            400,
            "invalid age",
        ),
        (
            "a bad e-mail",
            "PUT",
            mine.clone(),
            br#"{"email":"nobody"}"#.to_vec(),
            400,
            "invalid email",
        ),
        (
            "an unknown path",
            "GET",
            "/rooms/1/extra".into(),
            vec![],
            404,
            "no such endpoint",
        ),
        (
            "an unknown users path",
            "PUT",
            "/users/icon/1/2/".into(),
            vec![],
            404,
            "no such endpoint",
        ),
        (
            "a wrong method",
            "DELETE",
            "/users/".into(),
            vec![],
            405,
            "method not allowed",
        ),
        (
            "a wrong method on a literal path",
            "GET",
            "/users/password/".into(),
            vec![],
            405,
            "method not allowed",
        ),
        (
            "bad percent-encoding",
            "GET",
            "/rooms/?page=%E4%ZZ".into(),
            vec![],
            400,
            "bad %-escape",
        ),
        (
            "percent-encoding that is not UTF-8",
            "GET",
            "/rooms/?page=%FF".into(),
            vec![],
            400,
            "not UTF-8",
        ),
        (
            "a non-numeric pk",
            "GET",
            "/rooms/abc/".into(),
            vec![],
            400,
            "invalid pk",
        ),
        (
            "a negative pk",
            "GET",
            "/rooms/-1/".into(),
            vec![],
            400,
            "invalid pk",
        ),
        (
            "a pk too large",
            "GET",
            "/rooms/99999999999999999999/".into(),
            vec![],
            400,
            "invalid pk",
        ),
        (
            "a page of zero",
            "GET",
            "/rooms/?page=0".into(),
            vec![],
            400,
            "invalid page",
        ),
        (
            "no token",
            "POST",
            "/rooms/".into(),
            br#"{"room_alias":"x"}"#.to_vec(),
            401,
            "missing token",
        ),
        (
            "an unknown token",
            "POST",
            format!("/rooms/?token={NOBODY}"),
            br#"{"room_alias":"x"}"#.to_vec(),
            401,
            "token not found",
        ),
    ];
    let json_ct = vec![("Content-Type", "application/json")];
    for (name, method, path, body, status, msg) in cases {
        let r = s.send(method, &path, &json_ct, &body).await;
        assert_fail(&r, status);
        assert!(r.msg().contains(msg), "{name}: {:?}", r.msg());
        if msg == "invalid request body" {
            assert_eq!(
                r.msg(),
                msg,
                "{name}: the detail goes to the log, not the wire"
            );
        }
        assert_eq!(r.header("content-type"), Some("application/json"), "{name}");
    }
    s.healthy().await;
    assert!(s.rooms().token_works(&me.pk, &me.token).await);
}

#[tokio::test]
async fn a_nine_mib_body_is_413_declared_or_chunked_and_the_server_stays_healthy() {
    let s = Server::start().await;
    let big = vec![b' '; 9 * 1024 * 1024];
    let r = s.send("POST", "/users/", &[], &big).await;
    assert_fail(&r, 413);
    assert_eq!(r.msg(), "request body too large");

    assert_fail(&s.send_chunked("PUT", "/rooms/1/", &[], &big).await, 413);
    s.healthy().await;
}
