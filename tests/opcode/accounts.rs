//! Accounts: 1001 register and 1003 login (the extensions 1002 and 1004 are in `sessions`).

use crate::support::checks::*;
use crate::support::pb::*;
use crate::support::Server;
use serde_json::json;
use switchboard::config::Config;

const PHONE: &str = "13000000001";

#[tokio::test]
async fn registering_answers_success_with_a_uuid_rid_in_the_documents_key_order() {
    // Arrange
    let app = Server::start().await;

    // Act
    let resp = app
        .pb()
        .post(
            json!({"op": 1001, "phone": PHONE, "email": "13000000001@163.com",
                     "name": "zhangsan", "password": "123456"}),
        )
        .await;

    // Assert
    let v = resp.ok_json();
    assert_eq!(keys(&v), ["msg", "rid", "ret"]);
    assert_uuid_v1(&v["rid"]);
    let stored = app.count(
        "SELECT COUNT(*) FROM accounts WHERE phone = ?1 AND uid = ?2 AND name = 'zhangsan'
         AND email = '13000000001@163.com'",
        &[&PHONE, &v["rid"].as_str().unwrap()],
    );
    assert_eq!(stored, 1, "the account row carries the rid, name and email");
}

#[tokio::test]
async fn registering_with_only_phone_and_password_succeeds() {
    let app = Server::start().await;

    let resp = app
        .pb()
        .post(json!({"op": 1001, "phone": PHONE, "password": "123456"}))
        .await;

    resp.ok_json();
    app.pb().login(PHONE, "123456").await;
}

#[tokio::test]
async fn registering_a_phone_twice_answers_user_had_registed_and_keeps_one_account() {
    let app = Server::start().await;
    let first = app.pb().register(PHONE).await;

    let resp = app
        .pb()
        .post(json!({"op": 1001, "phone": PHONE, "password": "other-password"}))
        .await;

    assert_eq!(resp.failure(200), "user had registed");
    let n = app.count("SELECT COUNT(*) FROM accounts WHERE phone = ?1", &[&PHONE]);
    assert_eq!(n, 1);
    let (rid, _) = app.pb().login(PHONE, PASSWORD).await;
    assert_eq!(
        rid, first,
        "the first password still logs in to the first account"
    );
}

#[tokio::test]
async fn logging_in_answers_a_jwt_of_type_jwt_and_the_number_of_contacts() {
    // Arrange
    let app = Server::builder().manual_clock().start().await;
    let rid = app.pb().register(PHONE).await;

    // Act: an empty book
    let empty = app.pb().login_resp(PHONE, PASSWORD).await.ok_json();

    // Assert
    assert_eq!(keys(&empty), ["msg", "rid", "num", "token", "ret"]);
    assert_eq!(keys(&empty["token"]), ["access_token", "type"]);
    assert_eq!(empty["rid"], rid.as_str());
    assert_eq!(empty["num"], 0);
    assert_eq!(empty["token"]["type"], "JWT");
    let token = empty["token"]["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3, "a compact JWT");
    let claims = jwt_claims(&token);
    let mut claim_keys = keys(&claims);
    claim_keys.sort_unstable();
    // The original's claims, plus a random jti so same-second logins get distinct tokens.
    assert_eq!(claim_keys, ["exp", "iat", "jti", "uid"]);
    assert_eq!(claims["uid"], rid.as_str());
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(
        iat,
        app.clock_secs(),
        "iat is now on the server's (stopped) clock"
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - iat,
        86_400,
        "24 h lifetime"
    );

    // Act: two contacts later
    app.pb().add_contact(&token, "a").await;
    app.pb().add_contact(&token, "b").await;
    let two = app.pb().login_resp(PHONE, PASSWORD).await.ok_json();

    // Assert
    assert_eq!(two["num"], 2);
    assert_eq!(two["num"], app.pb().contact_count(PHONE));
}

#[tokio::test]
async fn logging_in_with_a_wrong_password_or_an_unknown_phone_answers_phone_or_password_error() {
    let app = Server::start().await;
    app.pb().register(PHONE).await;

    let wrong = app.pb().login_resp(PHONE, "654321").await;
    let unknown = app.pb().login_resp("13999999999", PASSWORD).await;
    let trailing_space = app.pb().login_resp("13000000001 ", PASSWORD).await;

    assert_eq!(wrong.failure(200), "phone or password error");
    assert_eq!(unknown.failure(200), "phone or password error");
    assert_eq!(trailing_space.failure(200), "phone or password error");
    assert_eq!(app.rows("tokens"), 0, "no token issued");
}

#[tokio::test]
async fn logging_in_without_a_phone_answers_login_phone_empty() {
    let app = Server::start().await;

    let resp = app
        .pb()
        .post(json!({"op": 1003, "password": PASSWORD}))
        .await;

    assert_eq!(resp.failure(200), "login phone empty");
}

#[tokio::test]
async fn the_op_may_be_a_numeric_string_or_an_integral_float_on_both_paths() {
    let app = Server::start().await;
    app.pb().register(PHONE).await;

    for (path, op) in [
        ("/phonebooks", json!("1003")),
        ("/phonebooks", json!(1003.0)),
        ("/", json!(1003)),
        ("/", json!("1003")),
    ] {
        let resp = app
            .pb()
            .post_to(
                path,
                json!({"op": op, "phone": PHONE, "password": PASSWORD}),
                None,
            )
            .await;
        let v = resp.ok_json();
        assert_eq!(v["token"]["type"], "JWT", "{path} {op}");
    }
}

#[tokio::test]
async fn the_authorization_prefix_is_case_insensitive_and_bearer_is_accepted() {
    let app = Server::start().await;
    let (rid, token) = app.pb().account(PHONE).await;

    for scheme in ["JWT", "jwt", "Jwt", "Bearer", "bearer"] {
        let auth = format!("{scheme} {token}");
        let resp = app
            .pb()
            .post_to("/phonebooks", json!({"op": 1009}), Some(&auth))
            .await;
        assert_eq!(resp.ok_json()["rid"], rid.as_str(), "{scheme}");
    }
}

#[tokio::test]
async fn logging_in_with_an_empty_phone_answers_login_phone_empty() {
    let app = Server::start().await;

    let resp = app.pb().login_resp("", PASSWORD).await;

    assert_eq!(resp.failure(200), "login phone empty");
}

#[tokio::test]
async fn a_slow_command_is_answered_with_its_real_outcome_never_a_false_timeout() {
    // The default (slow) password cost and a 50 ms request timeout: registration takes longer
    // than the timeout, yet the answer must say what really happened to the database.
    let app = Server::with(|c| {
        (c.argon2_m_cost_kib, c.argon2_t_cost, c.request_timeout_ms) = (
            Config::default().argon2_m_cost_kib,
            Config::default().argon2_t_cost,
            50,
        )
    })
    .await;

    let resp = app
        .pb()
        .post(json!({"op": 1001, "phone": PHONE, "password": PASSWORD}))
        .await;
    let body = resp.ok_json();

    assert_eq!(body["ret"], 0, "{body}");
    assert_eq!(
        app.rows("accounts"),
        1,
        "the client was told the registration succeeded"
    );
}
