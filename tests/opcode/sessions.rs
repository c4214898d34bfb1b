//! Sessions: the extensions 1002 (reset a forgotten password with a code) and 1004 (logout),
//! and what each does to the tokens already issued.

use crate::support::checks::*;
use crate::support::pb::*;
use crate::support::Server;
use serde_json::json;

const PHONE: &str = "13000000001";

#[tokio::test]
async fn a_reset_code_resets_the_password_and_revokes_every_earlier_token() {
    // Arrange: two sessions, then a code request.
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let (_, token1) = app.pb().login(PHONE, PASSWORD).await;
    let (_, token2) = app.pb().login(PHONE, PASSWORD).await;
    app.pb().list(&token1).await;

    // Act: request a code
    let asked = app.pb().post(json!({"op": 1002, "phone": PHONE})).await;

    // Assert: success, one 6-digit reset code in the outbox
    assert_eq!(keys(&asked.ok_json()), ["msg", "ret"]);
    let sent = app.outbox(PHONE);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].purpose, "reset");
    assert_eq!(sent[0].code.len(), 6);
    assert!(sent[0].code.bytes().all(|b| b.is_ascii_digit()));
    let code = sent[0].code.clone();

    // Act: reset with it
    let reset = app.pb().reset(PHONE, &code, "new-pass-1").await;

    // Assert
    reset.ok_json();
    for old in [&token1, &token2] {
        let msg = app
            .pb()
            .post_auth(json!({"op": 1009}), old)
            .await
            .failure(200);
        assert!(msg.contains("token"), "{msg}");
    }
    assert_eq!(
        app.pb().login_resp(PHONE, PASSWORD).await.failure(200),
        "phone or password error",
        "the old password no longer works"
    );
    let (_, fresh) = app.pb().login(PHONE, "new-pass-1").await;
    app.pb().list(&fresh).await;

    // And the code was single use.
    let again = app.pb().reset(PHONE, &code, "new-pass-2").await;
    let msg = again.failure(200);
    assert!(msg.contains("code"), "{msg}");
    app.pb().login(PHONE, "new-pass-1").await;
}

#[tokio::test]
async fn a_wrong_reset_code_changes_nothing() {
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let (_, token) = app.pb().login(PHONE, PASSWORD).await;
    let code = app.pb().reset_code(PHONE).await;
    let wrong = wrong_code(&code);

    let resp = app.pb().reset(PHONE, wrong, "new-pass-1").await;

    let msg = resp.failure(200);
    assert!(msg.contains("code"), "{msg}");
    app.pb().login(PHONE, PASSWORD).await;
    app.pb().list(&token).await;
    assert_eq!(
        app.pb().login_resp(PHONE, "new-pass-1").await.failure(200),
        "phone or password error"
    );
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_refused_and_nothing_new_is_queued() {
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    app.pb()
        .post(json!({"op": 1002, "phone": PHONE}))
        .await
        .ok_json();

    let again = app.pb().post(json!({"op": 1002, "phone": PHONE})).await;

    let msg = again.failure(200);
    assert!(msg.contains("minute"), "{msg}");
    assert_eq!(app.outbox(PHONE).len(), 1);
}

#[tokio::test]
async fn a_reset_code_for_a_phone_without_an_account_is_refused_and_not_sent() {
    let app = Server::start().await;

    let resp = app
        .pb()
        .post(json!({"op": 1002, "phone": "13999999999"}))
        .await;

    let msg = resp.failure(200);
    assert!(msg.contains("not found"), "{msg}");
    assert!(app.outbox("13999999999").is_empty());
}

#[tokio::test]
async fn logging_out_revokes_that_jwt_and_another_sessions_jwt_keeps_working() {
    // Arrange: two sessions opened in different seconds (so they are different tokens), on a
    // clock that moves only when told.
    let app = Server::builder().manual_clock().start().await;
    app.pb().register(PHONE).await;
    let (_, phone_session) = app.pb().login(PHONE, PASSWORD).await;
    app.advance(1);
    let (rid, tablet_session) = app.pb().login(PHONE, PASSWORD).await;
    assert_ne!(phone_session, tablet_session);

    // Act
    let out = app
        .pb()
        .post_auth(json!({"op": 1004}), &phone_session)
        .await;

    // Assert
    assert_eq!(keys(&out.ok_json()), ["msg", "ret"]);
    let msg = app
        .pb()
        .post_auth(json!({"op": 1009}), &phone_session)
        .await
        .failure(200);
    assert!(msg.contains("revoked"), "{msg}");
    assert_eq!(app.pb().list(&tablet_session).await["rid"], rid.as_str());
    let again = app
        .pb()
        .post_auth(json!({"op": 1004}), &phone_session)
        .await;
    again.failure(200);
}

#[tokio::test]
async fn two_sessions_opened_in_the_same_second_are_distinct_so_logging_out_one_keeps_the_other() {
    // A stopped clock: both logins are in the same second, however slow the machine.
    let app = Server::builder().manual_clock().start().await;
    app.pb().register(PHONE).await;
    let (_, phone_session) = app.pb().login(PHONE, PASSWORD).await;
    let (_, tablet_session) = app.pb().login(PHONE, PASSWORD).await;

    app.pb()
        .post_auth(json!({"op": 1004}), &phone_session)
        .await
        .ok_json();

    let tablet = app
        .pb()
        .post_auth(json!({"op": 1009}), &tablet_session)
        .await;
    assert_eq!(
        tablet.json()["ret"],
        0,
        "the tablet was logged out by the phone's logout: {:?}",
        tablet.json()
    );
    assert_ne!(
        phone_session, tablet_session,
        "each login is its own session"
    );
}

#[tokio::test]
async fn a_token_revoked_by_a_password_reset_stays_revoked_after_a_new_login() {
    // A stopped clock: the old token, the reset and the new login share one second.
    let app = Server::builder().manual_clock().start().await;
    app.pb().register(PHONE).await;
    let (_, old) = app.pb().login(PHONE, PASSWORD).await;
    let code = app.pb().reset_code(PHONE).await;
    app.pb().reset(PHONE, &code, "new-pass-1").await.ok_json();

    let (_, fresh) = app.pb().login(PHONE, "new-pass-1").await;

    let v = app.pb().post_auth(json!({"op": 1009}), &old).await.json();
    assert_eq!(
        v["ret"],
        -1,
        "the pre-reset token works again (fresh token identical: {}): {v}",
        fresh == old
    );
}

#[tokio::test]
async fn five_wrong_reset_codes_kill_the_code() {
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let code = app.pb().reset_code(PHONE).await;
    let wrong = wrong_code(&code);
    for _ in 0..5 {
        app.pb()
            .reset(PHONE, wrong, "new-pass-1")
            .await
            .failure(200);
    }

    let right = app.pb().reset(PHONE, &code, "new-pass-1").await;

    let msg = right.failure(200);
    assert!(msg.contains("code"), "{msg}");
    app.pb().login(PHONE, PASSWORD).await;
}

#[tokio::test]
async fn a_queued_reset_code_is_printed_by_switchboard_outbox() {
    // Arrange
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let code = app.pb().reset_code(PHONE).await;

    // Act: the CLI reads the live database
    let text = app.cli("outbox", &["--phone", PHONE]);

    // Assert
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        keys(&v),
        [
            "id",
            "phone",
            "code",
            "purpose",
            "created_at",
            "state",
            "attempts",
            "last_error",
            "delivered_at"
        ]
    );
    assert_eq!(v["state"], "kept");
    assert_eq!(v["phone"], PHONE);
    assert_eq!(v["code"], code.as_str());
    assert_eq!(v["purpose"], "reset");
    let at = v["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(at).is_ok(),
        "created_at {at}"
    );
}
