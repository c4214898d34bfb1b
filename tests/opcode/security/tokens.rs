//! Only HS256 JWTs signed with our key, unexpired, ours and of a live account are accepted.

use super::*;

/// An app with a known JWT secret on a stopped clock (so that the tokens a test signs are
/// as old as it says however slow the machine), one account, and its rid and real token.
async fn with_secret() -> (Server, String, String) {
    let app = Server::builder()
        .config(|c| c.jwt_secret = Some(SECRET.into()))
        .manual_clock()
        .start()
        .await;
    let (rid, token) = app.pb().account(A).await;
    (app, rid, token)
}

/// A JWT signed as we sign ours: HS256 with the configured secret.
fn ours(claims: &Value) -> String {
    sign(Algorithm::HS256, SECRET.as_bytes(), claims)
}

/// Claims for `uid`, issued now on `app`'s clock and valid for an hour.
fn claims(app: &Server, uid: &str) -> Value {
    let now = app.clock_secs();
    json!({"iat": now, "uid": uid, "exp": now + 3600})
}

/// Asserts the answer to an expired token: HTTP 200, exactly the original's message.
#[track_caller]
fn assert_expired(r: &Resp) {
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"ret": -1, "msg": "Signature has expired"}));
}

/// Sends 1009 with `token`; asserts an HTTP 200 failure and returns its msg.
async fn refused(app: &Server, token: &str) -> String {
    app.pb()
        .post_auth(json!({"op": 1009}), token)
        .await
        .failure(200)
}

#[tokio::test]
async fn the_configured_secret_signs_the_tokens_we_issue() {
    let (app, rid, token) = with_secret().await;

    let ours = jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
        &jsonwebtoken::Validation::new(Algorithm::HS256),
    )
    .expect("an HS256 token signed with the configured secret");

    assert_eq!(ours.header.alg, Algorithm::HS256);
    assert_eq!(ours.claims["uid"], rid.as_str());
    assert_eq!(app.pb().list(&token).await["rid"], rid.as_str());
}

#[tokio::test]
async fn an_alg_none_token_is_refused() {
    let (app, rid, _) = with_secret().await;
    let unsigned = format!(
        "{}.{}.",
        b64url(br#"{"alg":"none","typ":"JWT"}"#),
        b64url(claims(&app, &rid).to_string().as_bytes())
    );

    let msg = refused(&app, &unsigned).await;

    assert!(msg.contains("token"), "{msg}");
}

#[tokio::test]
async fn an_hs512_token_signed_with_the_right_secret_is_refused() {
    let (app, rid, _) = with_secret().await;
    let hs512 = sign(Algorithm::HS512, SECRET.as_bytes(), &claims(&app, &rid));

    let msg = refused(&app, &hs512).await;

    assert!(msg.contains("HS256"), "{msg}");
}

#[tokio::test]
async fn a_token_signed_with_a_wrong_key_is_refused() {
    let (app, rid, _) = with_secret().await;
    let wrong = sign(Algorithm::HS256, b"not the secret", &claims(&app, &rid));
    // The original deployment's literal key, too.
    let original = sign(Algorithm::HS256, b"secret", &claims(&app, &rid));

    let msg = refused(&app, &wrong).await;
    let msg_original = refused(&app, &original).await;

    assert!(msg.contains("signature"), "{msg}");
    assert!(msg_original.contains("signature"), "{msg_original}");
}

#[tokio::test]
async fn a_token_with_a_tampered_payload_is_refused() {
    let (app, _, token) = with_secret().await;
    let (_, b_token) = app.pb().account(B).await;
    let b_rid = jwt_claims(&b_token)["uid"].as_str().unwrap().to_string();
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64url(claims(&app, &b_rid).to_string().as_bytes()),
        parts[2]
    );

    let msg = refused(&app, &forged).await;

    assert!(msg.contains("signature"), "{msg}");
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    let (app, rid, _) = with_secret().await;
    let forever = ours(&json!({"iat": app.clock_secs(), "uid": rid}));

    let msg = refused(&app, &forever).await;

    assert!(msg.contains("token"), "{msg}");
}

#[tokio::test]
async fn an_expired_token_answers_signature_has_expired() {
    // A correctly signed token that expired a minute ago …
    let (app, rid, _) = with_secret().await;
    let then = app.clock_secs() - 3600;
    let expired = ours(&json!({"iat": then, "uid": rid, "exp": then + 3540}));

    let resp = app.pb().post_auth(json!({"op": 1009}), &expired).await;

    assert_expired(&resp);
}

#[tokio::test]
async fn a_token_we_issued_answers_signature_has_expired_once_its_lifetime_is_over() {
    // … and one this server issued with a lifetime that is already over.
    let app = Server::with(|c| c.jwt_lifetime_secs = 0).await;
    let (_, token) = app.pb().account(A).await;

    let resp = app.pb().post_auth(json!({"op": 1009}), &token).await;

    assert_expired(&resp);
}

#[tokio::test]
async fn a_rid_other_than_the_tokens_uid_is_refused_for_every_op_that_carries_one() {
    let (app, _, token) = with_secret().await;
    let (b_rid, _) = app.pb().account(B).await;

    for body in [
        json!({"op": 1009, "rid": b_rid}),
        json!({"op": 1005, "rid": b_rid, "users": [{"name": "x"}]}),
        json!({"op": 1008, "rid": b_rid, "q": "x"}),
        json!({"op": 1009, "rid": "not-a-uuid"}),
    ] {
        let msg = app.pb().post_auth(body.clone(), &token).await.failure(200);
        assert_eq!(msg, "token does not belong to this account", "{body}");
    }
    assert_eq!(app.pb().contact_count(A), 0);
    assert_eq!(app.pb().contact_count(B), 0);
}

#[tokio::test]
async fn the_tokens_own_rid_in_upper_case_is_accepted() {
    let (app, rid, token) = with_secret().await;

    let v = app
        .pb()
        .post_auth(json!({"op": 1009, "rid": rid.to_uppercase()}), &token)
        .await
        .ok_json();

    assert_eq!(v["rid"], rid.as_str());
}

#[tokio::test]
async fn a_correctly_signed_token_for_an_unknown_account_is_refused() {
    let (app, _, _) = with_secret().await;
    let nobody = ours(&claims(&app, UNKNOWN_UID));

    let msg = refused(&app, &nobody).await;

    assert!(msg.contains("token"), "{msg}");
}

#[tokio::test]
async fn a_correctly_signed_token_that_was_never_issued_is_refused() {
    // Signed with the right key for a real account, but not one we handed out.
    let (app, rid, _) = with_secret().await;
    let minted =
        ours(&json!({"iat": app.clock_secs() - 7, "uid": rid, "exp": app.clock_secs() + 100}));

    let msg = refused(&app, &minted).await;

    assert!(msg.contains("token"), "{msg}");
}

#[tokio::test]
async fn a_token_of_a_deleted_account_is_refused() {
    let (app, _, token) = with_secret().await;
    app.pb().list(&token).await;
    app.on_store(|s| s.write(|tx| tx.execute("DELETE FROM accounts WHERE phone = ?1", params![A])))
        .unwrap();

    let msg = refused(&app, &token).await;

    assert!(msg.contains("token"), "{msg}");
}
