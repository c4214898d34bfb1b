//! HelpAged and the one account table: a password change or reset revokes the tokens of both
//! dialects, and an account of either dialect logs in through the other.

use crate::support::typed::*;
use crate::support::Server;
use serde_json::json;

/// Asserts that a PhoneBooks JWT is refused as revoked.
async fn assert_jwt_revoked(s: &Server, jwt: &str) {
    let v = s.pb().post_auth(json!({"op": 1009}), jwt).await.json();
    assert_eq!(v["ret"], -1, "{v}");
    assert_eq!(v["msg"], "invalid token: token has been revoked");
}

#[tokio::test]
async fn a_password_change_revokes_the_tokens_of_both_dialects() {
    let s = Server::start().await;
    s.typed().register("13750687040").await;
    let jwt = s.pb().login("13750687040", PASS).await.1;
    let typed = s.typed().login("13750687040", PASS).await;
    let enduring = token_of(&ok(s
        .typed()
        .login_raw("13750687040", PASS, json!(1))
        .await));
    assert_eq!(
        s.pb().post_auth(json!({"op": 1009}), &jwt).await.json()["ret"],
        0
    );

    let change = json!({"phone": "13750687040", "old": PASS, "new": "abc123"});
    let v = ok(s
        .typed()
        .post("/api/user/password", &body("password", "change", change))
        .await);
    assert_eq!(v["message"], "successful");
    assert_eq!(v["data"], json!({}), "no token is handed out by a change");

    assert_jwt_revoked(&s, &jwt).await;
    assert_status(&s.typed().doki(&typed).await, 1);
    assert_status(&s.typed().doki(&enduring).await, 1);
    let pk = s.account("13750687040").unwrap().pk;
    assert_eq!(s.token_count(pk), 0);
    // The new password works in both dialects, the old one in neither.
    s.typed().login("13750687040", "abc123").await;
    s.pb().login("13750687040", "abc123").await;
    assert_status(
        &s.typed().login_raw("13750687040", PASS, json!(0)).await,
        101,
    );
}

#[tokio::test]
async fn a_password_reset_revokes_the_tokens_of_both_dialects() {
    let s = Server::start().await;
    s.pb().register_bare("13750687041", "123456").await;
    let jwt = s.pb().login("13750687041", "123456").await.1;
    let typed = s.typed().login("13750687041", "123456").await;
    let hash = s.typed().sms_hash("13750687041", 2).await;
    let forget = json!({"phone": "13750687041", "hash": hash, "pass": "abc123"});
    ok(s.typed()
        .post("/", &body("password", "forget", forget))
        .await);
    assert_jwt_revoked(&s, &jwt).await;
    assert_status(&s.typed().doki(&typed).await, 1);
}

#[tokio::test]
async fn an_account_of_either_dialect_logs_in_through_the_other() {
    let s = Server::start().await;
    // Registered through PhoneBooks, logs in through HelpAged.
    s.pb().register_bare("13750687042", "123456").await;
    let token = s.typed().login("13750687042", "123456").await;
    assert_eq!(
        ok(s.typed().info(&token).await)["data"]["phone"],
        "13750687042",
        "the HelpAged profile is the PhoneBooks account"
    );
    // Registered through HelpAged, logs in through PhoneBooks.
    s.typed().register("13750687043").await;
    let jwt = s.pb().login("13750687043", PASS).await.1;
    let v = s.pb().post_auth(json!({"op": 1009}), &jwt).await.json();
    assert_eq!(v["ret"], 0, "{v}");
    // And the phone is taken for the other dialect's registration too.
    let v = s
        .pb()
        .post(json!({"op": 1001, "phone": "13750687043", "password": "x"}))
        .await
        .json();
    assert_eq!(v["msg"], "user had registed");
}
