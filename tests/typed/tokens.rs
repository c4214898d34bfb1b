//! HelpAged tokens: ten idle minutes (on a manual clock), doki, enduring tokens, the ten-token
//! cap.

use crate::support::typed::*;
use crate::support::Server;
use serde_json::{json, Value};

/// [`on_manual_clock`] with `phone` registered through HelpAged, then logged in once with each
/// `enduring` value: the server and the tokens, in that order.
async fn logged_in<const N: usize>(phone: &str, enduring: [Value; N]) -> (Server, [String; N]) {
    let s = on_manual_clock().await;
    s.typed().register(phone).await;
    let mut tokens = Vec::new();
    for e in enduring {
        tokens.push(s.typed().login_enduring(phone, PASS, e).await);
    }
    (s, tokens.try_into().expect("one token a login"))
}

#[tokio::test]
async fn a_typed_token_expires_after_ten_idle_minutes() {
    let (s, [used, idle]) = logged_in("13750687030", [json!(0), json!(false)]).await;
    let d = s.typed();
    s.advance(599);
    ok(d.doki(&used).await);
    s.advance(2); // 601 s since `idle` was last used
    let v = d.info(&idle).await;
    assert_status(&v, 1);
    assert_eq!(v["message"], "Error Token");
    assert_eq!(v["id"], -1);
    // Expired means gone: it stays refused on every route.
    assert_status(&d.doki(&idle).await, 1);
    let nick = body("info", "nickname", json!({"user_id": "13750687030"}));
    assert_status(
        &d.post(&format!("/api/user/nickname?token={idle}"), &nick)
            .await,
        -101,
    );
    // The other token was used 2 s ago.
    ok(d.info(&used).await);
    s.advance(601);
    let v = d.doki(&used).await;
    assert_status(&v, 1);
    assert_eq!(v["message"], "Token not existed");
}

#[tokio::test]
async fn doki_keeps_a_token_alive_past_ten_minutes() {
    let (s, [token]) = logged_in("13750687031", [json!(0)]).await;
    let d = s.typed();
    for _ in 0..5 {
        s.advance(9 * 60);
        ok(d.doki(&token).await);
    }
    // 45 minutes after login, 9 after the last doki.
    s.advance(9 * 60);
    ok(d.info(&token).await);
}

#[tokio::test]
async fn an_enduring_token_does_not_expire() {
    let (s, [one, yes, plain]) = logged_in("13750687032", [json!(1), json!(true), json!(0)]).await;
    let d = s.typed();
    s.advance(30 * 24 * 3600);
    ok(d.doki(&one).await);
    ok(d.info(&yes).await);
    assert_status(&d.doki(&plain).await, 1);
}

#[tokio::test]
async fn the_eleventh_login_drops_the_oldest_token() {
    let s = Server::start().await;
    s.typed().register("13750687033").await;
    let mut tokens = Vec::new();
    for _ in 0..11 {
        tokens.push(s.typed().login("13750687033", PASS).await);
    }
    let v = s.typed().doki(&tokens[0]).await;
    assert_status(&v, 1);
    assert_eq!(v["message"], "Token not existed");
    for t in &tokens[1..] {
        ok(s.typed().doki(t).await);
    }
    let pk = s.account("13750687033").unwrap().pk;
    assert_eq!(s.token_count(pk), 10);
}

#[tokio::test]
async fn an_enduring_token_is_not_counted_against_the_ten_token_cap() {
    let s = Server::start().await;
    s.pb().register_bare("13750687034", PASS).await;
    let enduring = token_of(&ok(s
        .typed()
        .login_raw("13750687034", PASS, json!(1))
        .await));
    for _ in 0..12 {
        s.typed().login("13750687034", PASS).await;
    }
    ok(s.typed().doki(&enduring).await);
}
