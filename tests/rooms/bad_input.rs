//! rooms CORS and bad input: every case answered with the FAIL envelope and a clear msg, the
//! server healthy after.

use crate::support::rooms::*;
use crate::support::table::{self, case, Case};
use crate::support::{Resp, Server};

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

/// Bad requests (each sent as JSON) and the status and the part of the message each must get.
#[rustfmt::skip]
fn bad_cases(me: &User) -> Vec<Case> {
    let mine = format!("/users/{}/?token={}", me.pk, me.token);
    vec![
        case("not JSON", "POST", "/login/").json(b"{nope").answers(400, "400").says("invalid request body"),
        case("a JSON array", "POST", "/users/").json(b"[1]").answers(400, "400").says("invalid request body"),
        case("invalid UTF-8", "POST", "/login/").json(b"{\"username\":\"\xff\"}").answers(400, "400").says("invalid request body"),
        case("a wrong type", "POST", "/login/").json(br#"{"username":["x"],"password":"1"}"#).answers(400, "400").says("username must be a string"),
        case("a wrong boolean", "POST", format!("/rooms/?token={}", me.token)).json(br#"{"room_alias":"x","active":"maybe"}"#).answers(400, "400").says("active must be a boolean"),
        case("a missing field", "POST", "/users/").json(br#"{"username":"x","password":"y"}"#).answers(400, "400").says("missing field: nickname"),
        case("null is missing", "POST", "/login/").json(br#"{"username":null,"password":"y"}"#).answers(400, "400").says("missing field: username"),
        case("an unknown field", "PUT", mine.as_str()).json(br#"{"favourite":"x"}"#).answers(400, "400").says("unknown field: favourite"),
        case("a blank required field", "POST", "/users/").json(br#"{"username":" ","password":"y","nickname":"n"}"#).answers(400, "400").says("may not be blank"),
        case("an age out of range", "PUT", mine.as_str()).json(br#"{"age":"200"}"#).answers(400, "400").says("invalid age"),
        case("a bad e-mail", "PUT", mine.as_str()).json(br#"{"email":"nobody"}"#).answers(400, "400").says("invalid email"),
        case("an unknown path", "GET", "/rooms/1/extra").json(b"").answers(404, "404").says("no such endpoint"),
        case("an unknown users path", "PUT", "/users/icon/1/2/").json(b"").answers(404, "404").says("no such endpoint"),
        case("a wrong method", "DELETE", "/users/").json(b"").answers(405, "405").says("method not allowed"),
        case("a wrong method on a literal path", "GET", "/users/password/").json(b"").answers(405, "405").says("method not allowed"),
        case("bad percent-encoding", "GET", "/rooms/?page=%E4%ZZ").json(b"").answers(400, "400").says("bad %-escape"),
        case("percent-encoding that is not UTF-8", "GET", "/rooms/?page=%FF").json(b"").answers(400, "400").says("not UTF-8"),
        case("a non-numeric pk", "GET", "/rooms/abc/").json(b"").answers(400, "400").says("invalid pk"),
        case("a negative pk", "GET", "/rooms/-1/").json(b"").answers(400, "400").says("invalid pk"),
        case("a pk too large", "GET", "/rooms/99999999999999999999/").json(b"").answers(400, "400").says("invalid pk"),
        case("a page of zero", "GET", "/rooms/?page=0").json(b"").answers(400, "400").says("invalid page"),
        case("no token", "POST", "/rooms/").json(br#"{"room_alias":"x"}"#).answers(401, "401").says("missing token"),
        case("an unknown token", "POST", format!("/rooms/?token={NOBODY}")).json(br#"{"room_alias":"x"}"#).answers(401, "401").says("token not found"),
    ]
}

#[tokio::test]
async fn bad_input_is_answered_with_the_fail_envelope_and_a_clear_msg() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let check = |c: &Case, r: &Resp| {
        assert_fail(r, c.status);
        assert!(r.msg().contains(c.msg), "{}: {:?}", c.what, r.msg());
        c.assert_no_detail(r, "invalid request body");
    };
    table::run(&s, &bad_cases(&me), "application/json", check).await;
    assert!(s.rooms().token_works(&me.pk, &me.token).await);
}

#[tokio::test]
async fn a_nine_mib_body_is_413_declared_or_chunked_and_the_server_stays_healthy() {
    let s = Server::start().await;
    let big = vec![b' '; 9 * 1024 * 1024];
    let r = s.send("POST", "/users/", &[], &big).await;
    assert_fail(&r, 413);
    assert_eq!(r.msg(), "request body too large");

    assert_fail(&s.send_chunked("PUT", "/rooms/1/", &big).await, 413);
    s.healthy().await;
}
