//! rooms tokens: taken from the body, the query or Authorization; 24 hours on the server's clock;
//! logout; a password change revokes the tokens of every dialect.

use crate::support::rooms::*;
use crate::support::sessions::{Probe, Sessions};
use crate::support::Server;
use serde_json::json;

#[tokio::test]
async fn a_token_is_taken_from_the_body_the_query_or_authorization() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let path = format!("/users/{}/", me.pk);
    let r = s
        .rooms()
        .json("PUT", &path, json!({"city": "a", "token": me.token}))
        .await;
    assert_eq!(r.json()["city"], "a", "{r:?}");
    let r = s
        .rooms()
        .json(
            "PUT",
            &format!("{path}?token={}", me.token),
            json!({"city": "b"}),
        )
        .await;
    assert_eq!(r.json()["city"], "b", "{r:?}");
    let r = s
        .rooms()
        .with_token("PUT", &path, &me.token, json!({"city": "c"}))
        .await;
    assert_eq!(r.json()["city"], "c", "{r:?}");
    let auth = format!("Bearer {}", me.token);
    let bearer = [("Authorization", auth.as_str())];
    let r = s.send("PUT", &path, &bearer, br#"{"city":"d"}"#).await;
    assert_eq!(r.json()["city"], "d", "{r:?}");
    // Answers that issue no token show back the one they were sent.
    assert_eq!(r.json()["token"], me.token.as_str());
    assert_fail(
        &s.rooms().json("PUT", &path, json!({"city": "e"})).await,
        401,
    );
    assert_fail(
        &s.rooms().with_token("PUT", &path, NOBODY, json!({})).await,
        401,
    );
}

#[tokio::test]
async fn a_token_expires_after_24_hours_on_the_servers_clock() {
    let s = Server::builder().manual_clock().start().await;
    let me = s.rooms().register("me", None).await;
    s.advance(86_400 - 1);
    assert!(s.rooms().token_works(&me.pk, &me.token).await);
    s.advance(1);
    assert!(!s.rooms().token_works(&me.pk, &me.token).await);
    let fresh = user(&s.rooms().login("me", PASSWORD).await);
    assert!(s.rooms().token_works(&me.pk, &fresh.token).await);
}

#[tokio::test]
async fn a_token_whose_expiry_passed_in_the_store_is_refused() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    s.expire_tokens("rooms");
    assert!(!s.rooms().token_works(&me.pk, &me.token).await);
}

#[tokio::test]
async fn a_logged_out_token_is_refused_and_other_tokens_stay() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let second = user(&s.rooms().login("me", PASSWORD).await);
    let r = s
        .rooms()
        .json("POST", "/logout/", json!({"token": me.token}))
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            200,
            json!({"status": "SUCCESS", "msg": "注销成功", "code": "200"})
        )
    );
    assert!(!s.rooms().token_works(&me.pk, &me.token).await);
    assert!(s.rooms().token_works(&me.pk, &second.token).await);
}

#[tokio::test]
async fn a_password_change_revokes_the_tokens_of_every_dialect_and_answers_a_new_one() {
    let s = Server::start().await;
    let phone = "18752000610";
    let me = s.rooms().register("me", Some(phone)).await;
    let all = Sessions::open(&s, phone, PASSWORD).await;
    assert_eq!(all.probe(&s).await, Probe::live());

    let body = json!({"username": "me", "old_password": PASSWORD, "password": "654321"});
    let r = s
        .rooms()
        .with_token("PUT", "/users/password/", &me.token, body)
        .await;
    assert_eq!((r.status, r.msg()), (200, "修改成功".into()), "{r:?}");
    let fresh = r.json()["token"].as_str().unwrap().to_string();
    assert_ne!(fresh, me.token);

    all.probe(&s).await.assert_revoked();
    assert!(!s.rooms().token_works(&me.pk, &me.token).await);
    assert!(s.rooms().token_works(&me.pk, &fresh).await);
    let r = s
        .rooms()
        .json(
            "POST",
            "/phonebooks",
            json!({"op": 1003, "phone": phone, "password": "654321"}),
        )
        .await;
    assert_eq!(r.json()["ret"], 0);
}
