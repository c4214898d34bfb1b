//! INEWW wire conformance over a real in-process server: paths exactly as documented (no
//! trailing slash), failure bodies as the original sent them (`data` `{}`, no `message`),
//! field rules, credentials, bad bodies and the masked phone of another user's index page.

use crate::support::ineww::{user, User};
use crate::support::table::{case, Case};
use crate::support::Server;
use serde_json::json;
use switchboard::registry::{Dialect, Methods, Registry, WireKey};

/// Every INEWW row of the registry: method and path pattern.
fn rows() -> Vec<(String, String)> {
    Registry::builtin()
        .unwrap()
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::Ineww)
        .map(|r| match &r.key {
            WireKey::Rest(Methods::One(m), p) => (m.clone(), p.clone()),
            other => panic!("an INEWW row keyed {other}"),
        })
        .collect()
}

/// The pattern with `<uid>` filled with `me`'s uid.
fn concrete(pattern: &str, me: &User) -> String {
    pattern.replace("<uid>", &me.uid)
}

#[tokio::test]
async fn a_trailing_slash_added_to_any_ineww_path_is_an_unknown_path() {
    let s = Server::start().await;
    let me = s.ineww().register("18511522001").await;
    let rows = rows();
    assert_eq!(rows.len(), 11);
    for (method, pattern) in rows {
        let path = concrete(&pattern, &me);
        let r = s.ineww().by(&me, &method, &format!("{path}/")).await;
        assert_eq!(
            (r.status, r.code()),
            (404, "404000".into()),
            "{method} {path}/"
        );
        let r = s.ineww().by(&me, &method, &format!("{path}//")).await;
        assert_eq!(
            (r.status, r.code()),
            (404, "404000".into()),
            "{method} {path}//"
        );
        // Without it, the path is served (whatever the answer to an empty request is).
        let r = s.ineww().by(&me, &method, &path).await;
        assert!(
            r.status != 404 || r.code() == "404001",
            "{method} {path}: {r:?}"
        );
    }
    // The other REST dialects still tolerate one added or left off.
    let r = s
        .send("GET", "/api/v4.0/isregister/18511522001/", &[], b"")
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.send("GET", "/rooms", &[], b"").await;
    assert_eq!(r.status, 200, "{r:?}");
    s.healthy().await;
}

/// Asserts an answer is HTTP `status` with exactly `{"code": code, "data": {}}`, 4-space
/// indented as the original wrote it: no `message`, no other key.
fn assert_bare(r: &crate::support::Resp, status: u16, code: &str, what: &str) {
    let want = format!("{{\n    \"code\": \"{code}\",\n    \"data\": {{}}\n}}");
    assert_eq!(
        (r.status, String::from_utf8_lossy(&r.body).to_string()),
        (status, want),
        "{what}"
    );
    assert_eq!(
        r.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{what}"
    );
}

/// The failures the endpoints name, and the ones the contract adds: status and code.
#[rustfmt::skip]
fn named_failures(me: &User, them: &User) -> Vec<Case> {
    let bad_token = [
        ("USER-ID", me.uid.as_str()),
        ("ACCESS-TOKEN", "0123456789abcdef0123456789abcdef"),
    ];
    vec![
        case("not JSON", "POST", "/ineww/session").json(b"{nope").answers(400, "400010"),
        case("a form where JSON is expected", "POST", "/ineww/session").form(b"account=18511522010&password=123456").answers(400, "400010"),
        case("a wrong password", "POST", "/ineww/session").json(br#"{"account":"18511522010","password":"wrong!"}"#).answers(401, "401003"),
        case("an unknown account", "POST", "/ineww/session").json(br#"{"account":"18511522099","password":"123456"}"#).answers(401, "401003"),
        case("a wrong old password", "PUT", "/ineww/user/pwd").headers(&me.headers()).json(br#"{"re_pwd":"wrong!","pwd":"654321"}"#).answers(401, "401003"),
        case("a wrong token", "GET", "/ineww/session").headers(&bad_token).answers(401, "401004"),
        case("another user's detail", "GET", format!("/ineww/user/{}", them.uid)).headers(&me.headers()).answers(403, "403001"),
        case("another user's profile update", "PUT", format!("/ineww/user/{}", them.uid)).headers(&me.headers()).json(br#"{"gender":"1"}"#).answers(403, "403001"),
        case("the index of nobody", "GET", format!("/ineww/user/{}/index", crate::support::ineww::NOBODY)).headers(&me.headers()).answers(404, "404001"),
        case("an unknown path", "GET", "/ineww/nothing").answers(404, "404000"),
        case("the bare prefix", "GET", "/ineww").answers(404, "404000"),
        case("a phone change to a taken phone", "PUT", "/ineww/user/phone").headers(&me.headers()).json(br#"{"phone":"18511522011","code":"0000"}"#).answers(400, "400003"),
        case("a phone change with a wrong code", "PUT", "/ineww/user/phone").headers(&me.headers()).json(br#"{"phone":"18511522012","code":"0000"}"#).answers(400, "400004"),
        case("a register with a wrong code", "POST", "/ineww/user").json(br#"{"username":"x","phone":"18511522013","pwd":"123456","code":"0000","agree":1}"#).answers(400, "400004"),
        case("a second code within a minute", "POST", "/ineww/code/phone").json(br#"{"phone":"18511522010"}"#).answers(429, "429001"),
    ]
}

#[tokio::test]
async fn no_failure_of_any_endpoint_carries_a_message() {
    let s = Server::start().await;
    let me = s.ineww().register("18511522010").await;
    let them = s.ineww().register("18511522011").await;
    let json_ct = ("Content-Type", "application/json");

    // Every row: no credential (where one is needed), a body that is not a JSON object
    // (where one is read), a method the path does not serve, a trailing slash.
    for (method, pattern) in rows() {
        let path = concrete(&pattern, &me);
        let route = Registry::builtin().unwrap();
        let needs_token = match route.rest(&method, &path) {
            switchboard::registry::RestMatch::Found(r, _) => r.auth,
            other => panic!("{method} {path}: {other:?}"),
        };
        if needs_token {
            let r = s.send(&method, &path, &[], b"").await;
            assert_bare(
                &r,
                401,
                "401001",
                &format!("{method} {path} without a token"),
            );
        }
        if method == "POST" || method == "PUT" {
            let mut headers = me.headers();
            headers.push(json_ct);
            let r = s.send(&method, &path, &headers, b"[1,2]").await;
            assert_bare(&r, 400, "400010", &format!("{method} {path} with [1,2]"));
        }
        let r = s.ineww().by(&me, "PATCH", &path).await;
        assert_bare(&r, 405, "405001", &format!("PATCH {path}"));
        let r = s.ineww().by(&me, &method, &format!("{path}/")).await;
        assert_bare(&r, 404, "404000", &format!("{method} {path}/"));
    }

    // Each failure the endpoints name, and the ones the contract adds.
    let cases = named_failures(&me, &them);
    for c in cases {
        let r = c.send(&s).await;
        assert_bare(&r, c.status, c.code.as_str().unwrap(), c.what);
    }
    let big = vec![b' '; 9 * 1024 * 1024];
    let r = s.send("POST", "/ineww/session", &[json_ct], &big).await;
    assert_bare(&r, 413, "413001", "a body over the limit");

    // The one failure with data: the 422 list of {field, code}, nothing else.
    let r = s.json("POST", "/ineww/session", &[], json!({})).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"code": "422001", "data": [
            {"field": "account", "code": "missing_field"},
            {"field": "password", "code": "missing_field"}]})
    );
    s.healthy().await;
}

#[tokio::test]
async fn a_password_registered_with_spaces_around_it_is_stored_stripped() {
    let s = Server::start().await;
    let phone = "18511522020";
    let r = s
        .json("POST", "/ineww/code/phone", &[], json!({"phone": phone}))
        .await;
    assert_eq!(r.status, 204);
    let body = json!({"username": " 小王子 ", "phone": format!(" {phone} "),
                      "pwd": "  secret123  ", "code": format!(" {} ", s.code_for(phone)),
                      "agree": " 1 "});
    let r = s.json("POST", "/ineww/user", &[], body).await;
    assert_eq!((r.status, r.code()), (200, "201001".into()), "{r:?}");
    assert_eq!(r.json()["data"]["user"]["username"], "小王子");
    assert_eq!(r.json()["data"]["user"]["phone"], phone);

    for password in ["secret123", "  secret123  ", "\tsecret123"] {
        let r = s.ineww().login(phone, password).await;
        assert_eq!((r.status, r.code()), (200, "200001".into()), "{password:?}");
    }
    // The account is every dialect's: the stored password is the stripped one.
    let pb = |password: &str| json!({"op": 1003, "phone": phone, "password": password});
    let r = s.json("POST", "/phonebooks", &[], pb("secret123")).await;
    assert_eq!(r.json()["ret"], 0, "{r:?}");
    let r = s
        .json("POST", "/phonebooks", &[], pb("  secret123  "))
        .await;
    assert_eq!(r.json()["ret"], -1, "{r:?}");

    // A password change strips both the old and the new one.
    let me = user(&s.ineww().login(phone, "secret123").await);
    let change = json!({"re_pwd": " secret123 ", "pwd": "  newpass9  "});
    let r = s
        .json("PUT", "/ineww/user/pwd", &me.headers(), change)
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0), "{r:?}");
    let r = s.json("POST", "/phonebooks", &[], pb("newpass9")).await;
    assert_eq!(r.json()["ret"], 0, "{r:?}");
    assert_eq!(s.ineww().login(phone, " newpass9").await.status, 200);
}

#[tokio::test]
async fn missing_field_is_only_for_an_absent_key() {
    let s = Server::start().await;
    let body = json!({"account": "", "password": null});
    let r = s.json("POST", "/ineww/session", &[], body).await;
    assert_eq!(
        r.json(),
        json!({"code": "422001", "data": [
            {"field": "account", "code": "invalid"},
            {"field": "password", "code": "invalid"}]})
    );
    let body = json!({"username": "  ", "pwd": "123456", "code": "\t", "agree": 1});
    let r = s.json("POST", "/ineww/user", &[], body).await;
    assert_eq!(
        r.json(),
        json!({"code": "422001", "data": [
            {"field": "username", "code": "invalid"},
            {"field": "phone", "code": "missing_field"},
            {"field": "code", "code": "invalid"}]})
    );
}

#[tokio::test]
async fn access_token_without_user_id_is_401001_on_every_route_that_needs_a_token() {
    let s = Server::start().await;
    let me = s.ineww().register("18511522030").await;
    let lone = [("ACCESS-TOKEN", me.token.as_str())];
    let registry = Registry::builtin().unwrap();
    let mut checked = 0;
    for (method, pattern) in rows() {
        let path = concrete(&pattern, &me);
        let switchboard::registry::RestMatch::Found(route, _) = registry.rest(&method, &path)
        else {
            panic!("{method} {path}")
        };
        if !route.auth {
            continue;
        }
        let r = s.send(&method, &path, &lone, b"{}").await;
        assert_bare(
            &r,
            401,
            "401001",
            &format!("{method} {path} with ACCESS-TOKEN alone"),
        );
        checked += 1;
    }
    assert_eq!(checked, 7);
    // The same token is good with its USER-ID, or alone as a Bearer token.
    assert_eq!(s.ineww().me(&me.headers()).await.status, 200);
    let bearer = format!("Bearer {}", me.token);
    let r = s.ineww().me(&[("Authorization", bearer.as_str())]).await;
    assert_eq!((r.status, r.code()), (200, "200001".into()));
}

#[tokio::test]
async fn a_body_sent_as_json_that_does_not_parse_is_400010_on_every_post_and_put() {
    let s = Server::start().await;
    let me = s.ineww().register("18511522040").await;
    let bodies: [(&str, &[u8]); 4] = [
        ("binary garbage", b"\x00\x01\x02\xfe\xff\x89PNG\r\n\x1a\n"),
        (
            "invalid UTF-8 in a string",
            b"{\"phone\":\"1851152204\xff\"}",
        ),
        ("invalid UTF-8 alone", b"\xc3\x28"),
        ("a form", b"phone=18511522041&code=1234"),
    ];
    let mut checked = 0;
    for (method, pattern) in rows() {
        if method != "POST" && method != "PUT" {
            continue;
        }
        let path = concrete(&pattern, &me);
        for ct in ["application/json", "application/json; charset=utf-8"] {
            for (name, body) in &bodies {
                let mut headers = me.headers();
                headers.push(("Content-Type", ct));
                let r = s.send(&method, &path, &headers, body).await;
                assert_bare(&r, 400, "400010", &format!("{method} {path} {ct}: {name}"));
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 6, "the POST and PUT rows");
    // Not sent as JSON, the code request still reads a form (and garbage is simply no phone).
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = s
        .send("POST", "/ineww/code/phone", &form, b"phone=18511522041")
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0), "{r:?}");
    let r = s
        .send("POST", "/ineww/code/phone", &[], b"\x00\x01\xfe\xff")
        .await;
    assert_eq!(
        r.json(),
        json!({"code": "422001", "data": [{"field": "phone", "code": "missing_field"}]})
    );
    s.healthy().await;
}

#[tokio::test]
async fn another_users_index_masks_the_phone_and_the_owner_sees_it_whole() {
    let s = Server::start().await;
    let them = s.ineww().register("13412342644").await;
    let me = s.ineww().register("18511522050").await;
    let index = |uid: &str| format!("/ineww/user/{uid}/index");
    let page = |phone: &str, uid: &str| {
        json!({"code": "200001", "data": {"username": "小王子", "uid": uid, "gender": 2,
               "phone": phone, "avatar": "", "signature": ""}})
    };

    let r = s.ineww().by(&me, "GET", &index(&them.uid)).await;
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(text.contains("\"phone\": \"134****2644\""), "{text}");
    assert_eq!(r.json(), page("134****2644", &them.uid));

    // The owner's own index, own detail and session show it whole.
    let r = s.ineww().by(&them, "GET", &index(&them.uid)).await;
    assert_eq!(r.json(), page("13412342644", &them.uid));
    let detail = format!("/ineww/user/{}", them.uid);
    let r = s.ineww().by(&them, "GET", &detail).await;
    assert_eq!(r.json()["data"]["phone"], "13412342644");
    assert_eq!(
        s.ineww().me(&them.headers()).await.json()["data"]["phone"],
        "13412342644"
    );

    // An administrator sees the public page masked like anyone, the detail whole.
    s.set_level("18511522050", 9);
    let r = s.ineww().by(&me, "GET", &index(&them.uid)).await;
    assert_eq!(r.json(), page("134****2644", &them.uid));
    let r = s.ineww().by(&me, "GET", &detail).await;
    assert_eq!(r.json()["data"]["phone"], "13412342644");
}
