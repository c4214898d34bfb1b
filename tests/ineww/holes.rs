//! INEWW (the `ineww` dialect): each hole of the original server that CONTRACT.md closes,
//! proved over a real in-process server, plus a bad-input table answered with the envelope.

use crate::support::ineww::{assert_401004, user, User, NOBODY, PASSWORD};
use crate::support::sessions::{Probe, Sessions};
use crate::support::table::{self, case, Case};
use crate::support::Server;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Token value, owner, kind and expiry are checked (the original compared none of them)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_random_token_is_refused_with_401004() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521001").await;
    let forged = me.headers_with(NOBODY);
    assert_401004(&s.ineww().me(&forged).await);
    let auth = format!("Bearer {NOBODY}");
    let bearer = vec![("Authorization", auth.as_str())];
    assert_401004(&s.ineww().me(&bearer).await);
    assert_eq!(s.ineww().me(&me.headers()).await.status, 200);
}

#[tokio::test]
async fn another_users_token_with_your_user_id_is_refused_with_401004() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521002").await;
    let them = s.ineww().register("18511521003").await;
    let mixed = me.headers_with(&them.token);
    assert_401004(&s.ineww().me(&mixed).await);
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521004").await;
    let refresh = me.headers_with(&me.refresh);
    assert_401004(&s.ineww().me(&refresh).await);
}

#[tokio::test]
async fn an_access_token_expires_after_thirty_days_on_the_servers_clock() {
    let s = Server::builder().manual_clock().start().await;
    let me = s.ineww().register("18511521005").await;
    s.advance(2_592_000 - 1);
    assert_eq!(s.ineww().me(&me.headers()).await.status, 200);
    s.advance(1);
    assert_401004(&s.ineww().me(&me.headers()).await);
    // A fresh login works again.
    let r = s.ineww().login("18511521005", PASSWORD).await;
    assert_eq!(s.ineww().me(&user(&r).headers()).await.status, 200);
}

#[tokio::test]
async fn an_access_token_whose_expiry_passed_in_the_store_is_refused() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521006").await;
    s.expire_tokens("ineww_access");
    assert_401004(&s.ineww().me(&me.headers()).await);
}

#[tokio::test]
async fn a_logged_out_pair_is_gone_and_an_account_keeps_ten_pairs() {
    let s = Server::start().await;
    let first = s.ineww().register("18511521007").await;
    let mut pairs = Vec::new();
    for _ in 0..10 {
        pairs.push(user(&s.ineww().login("18511521007", PASSWORD).await));
    }
    assert_401004(&s.ineww().me(&first.headers()).await);
    for p in &pairs {
        assert_eq!(s.ineww().me(&p.headers()).await.status, 200);
    }
    let r = s.ineww().by(&pairs[0], "DELETE", "/ineww/session").await;
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_401004(&s.ineww().me(&pairs[0].headers()).await);
}

// ---------------------------------------------------------------------------------------------
// Another user's detail is refused before it is looked up
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn another_users_detail_is_403001_known_or_not_and_an_admin_sees_it() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521010").await;
    let them = s.ineww().register("18511521011").await;
    for uid in [them.uid.as_str(), NOBODY, "not-a-uid"] {
        let r = s
            .ineww()
            .by(&me, "GET", &format!("/ineww/user/{uid}"))
            .await;
        assert_eq!((r.status, r.code()), (403, "403001".into()), "{uid}: {r:?}");
    }
    let own = s
        .ineww()
        .by(&me, "GET", &format!("/ineww/user/{}", me.uid))
        .await;
    assert_eq!(own.json()["data"]["balance"], "0.00");

    s.set_level("18511521010", 9);
    let r = s
        .ineww()
        .by(&me, "GET", &format!("/ineww/user/{}", them.uid))
        .await;
    assert_eq!(
        (r.status, r.json()["data"]["phone"].clone()),
        (200, json!("18511521011"))
    );
    let r = s
        .ineww()
        .by(&me, "GET", &format!("/ineww/user/{NOBODY}"))
        .await;
    assert_eq!((r.status, r.code()), (404, "404001".into()));
}

// ---------------------------------------------------------------------------------------------
// One account for every dialect
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_password_change_revokes_phonebooks_jwts_and_helpaged_tokens_of_the_account() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521020").await;
    let all = Sessions::open(&s, "18511521020", PASSWORD).await;
    assert_eq!(all.probe(&s).await, Probe::live());

    let change = json!({"re_pwd": PASSWORD, "pwd": "654321"});
    let r = s
        .json("PUT", "/ineww/user/pwd", &me.headers(), change)
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0));

    all.probe(&s).await.assert_revoked();
    assert_401004(&s.ineww().me(&me.headers()).await);
    assert_eq!(s.ineww().login("18511521020", "654321").await.status, 200);
}

#[tokio::test]
async fn an_account_registered_through_phonebooks_logs_in_through_ineww() {
    let s = Server::start().await;
    let body = json!({"op": 1001, "phone": "18511521030", "password": "secret7",
                      "name": "刘可", "email": "liu@example.com"});
    let r = s.json("POST", "/phonebooks", &[], body).await;
    let rid = r.json()["rid"].as_str().unwrap().replace('-', "");

    let r = s.ineww().login("18511521030", "secret7").await;
    assert_eq!((r.status, r.code()), (200, "200001".into()), "{r:?}");
    assert_eq!(
        r.json()["data"]["user"],
        json!({"username": "刘可", "uid": rid, "gender": 2, "phone": "18511521030",
               "avatar": "", "signature": "", "balance": "0"})
    );
    let me = user(&r);
    let page = s.ineww().me(&me.headers()).await;
    assert_eq!(page.json()["data"]["balance"], "0.00");
}

// ---------------------------------------------------------------------------------------------
// Bad input: every case answered with the INEWW envelope, the server healthy after
// ---------------------------------------------------------------------------------------------

/// Bad requests and the status and code each must get.
#[rustfmt::skip]
fn bad_cases(me: &User) -> Vec<Case> {
    vec![
        case("not JSON", "POST", "/ineww/session").json(b"{nope").answers(400, "400010"),
        case("a form body", "POST", "/ineww/session").form(b"account=1&password=2").answers(400, "400010"),
        case("an array", "POST", "/ineww/session").json(b"[1,2]").answers(400, "400010"),
        case("a string", "POST", "/ineww/session").json(b"\"x\"").answers(400, "400010"),
        case("null", "POST", "/ineww/user").json(b"null").answers(400, "400010"),
        case("invalid UTF-8", "POST", "/ineww/session").json(b"{\"account\":\"\xff\"}").answers(400, "400010"),
        case("wrong types", "POST", "/ineww/session").json(br#"{"account":true,"password":{}}"#).answers(422, "422001"),
        case("missing fields", "POST", "/ineww/user").json(b"{}").answers(422, "422001"),
        case("an empty body", "POST", "/ineww/session").answers(422, "422001"),
        case("unknown path", "GET", "/ineww/nothing/here").answers(404, "404000"),
        case("the bare prefix", "POST", "/ineww").answers(404, "404000"),
        case("wrong method", "PATCH", "/ineww/session").answers(405, "405001"),
        case("wrong method on a literal path", "GET", "/ineww/user/pwd").headers(&me.headers()).answers(405, "405001"),
        case("bad percent-encoding", "GET", "/ineww/user/phone?phone=%E4%ZZ%").answers(422, "422001"),
        case("no token", "GET", "/ineww/session").answers(401, "401001"),
        case("a non-Bearer Authorization", "GET", "/ineww/session").header("Authorization", "Basic eDp5").answers(401, "401004"),
    ]
}

#[tokio::test]
async fn bad_input_is_answered_with_the_envelope_and_the_right_code() {
    let s = Server::start().await;
    let me = s.ineww().register("18511521040").await;
    let html = "text/html; charset=utf-8";
    table::run(&s, &bad_cases(&me), html, |c, r| c.assert_code(r)).await;
    let r = s
        .json(
            "POST",
            "/ineww/session",
            &[],
            json!({"account": null, "password": 5}),
        )
        .await;
    assert_eq!(
        r.json()["data"],
        json!([{"field": "account", "code": "invalid"}])
    );
    s.healthy().await;
}

#[tokio::test]
async fn a_nine_mib_body_is_413001_declared_or_chunked() {
    let s = Server::start().await;
    let big = vec![b' '; 9 * 1024 * 1024];
    let json_ct = vec![("Content-Type", "application/json")];
    let r = s.send("POST", "/ineww/session", &json_ct, &big).await;
    assert_eq!((r.status, r.code()), (413, "413001".into()), "{r:?}");

    let r = s.send_chunked("POST", "/ineww/user", &big).await;
    assert_eq!((r.status, r.code()), (413, "413001".into()), "{r:?}");
    s.healthy().await;
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_429001_and_nothing_is_sent() {
    let s = Server::start().await;
    let r = s
        .send(
            "POST",
            "/ineww/code/phone",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"phone=18511521050",
        )
        .await;
    assert_eq!(r.status, 204);
    let first = s.code_for("18511521050");
    assert_eq!(first.len(), 4);
    let r = s
        .json(
            "POST",
            "/ineww/code/phone",
            &[],
            json!({"phone": 18511521050u64}),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "429001".into()));
    let sent = s.outbox("18511521050");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].purpose, "ineww");
}
