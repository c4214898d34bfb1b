//! Accounts and sessions: 1001 register, 1003 login, and the extensions 1002 (reset a forgotten
//! password with a code) and 1004 (logout).

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

#[tokio::test]
async fn a_queued_reset_code_is_printed_by_switchboard_outbox() {
    // Arrange
    let app = Server::start().await;
    app.pb().register(PHONE).await;
    let code = app.pb().reset_code(PHONE).await;

    // Act: the CLI reads the live database
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("outbox")
        .args(app.database_args())
        .args(["--phone", PHONE])
        .output()
        .expect("run switchboard outbox");

    // Assert
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
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
