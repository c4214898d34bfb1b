//! The original server's security holes, each closed: contacts belong to the token's account,
//! only HS256 JWTs signed with our key and unexpired are accepted, `rid` must be the token's
//! account, passwords are argon2id, and the JWT secret lives in the database.

use crate::support::checks::*;
use crate::support::pb::*;
use crate::support::{Resp, Server};
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};
use switchboard::store::sql::params;

const A: &str = "13000000001";
const B: &str = "13000000002";
const SECRET: &str = "a configured test secret";

/// Two accounts; A has one contact with one phone and one mail, B has one of its own.
struct TwoBooks {
    app: Server,
    a_rid: String,
    a_token: String,
    a_contact: AddedContact,
    b_token: String,
    b_contact: AddedContact,
}

async fn two_books() -> TwoBooks {
    let app = Server::start().await;
    let (a_rid, a_token) = app.pb().account(A).await;
    let (_, b_token) = app.pb().account(B).await;
    let a_contact = app
        .pb()
        .add_contact_full(&a_token, "A's friend", "13500000001", "friend@a.com")
        .await;
    let b_contact = app
        .pb()
        .add_contact_full(&b_token, "B's friend", "13500000002", "friend@b.com")
        .await;
    TwoBooks {
        app,
        a_rid,
        a_token,
        a_contact,
        b_token,
        b_contact,
    }
}

impl TwoBooks {
    /// B sends `with_foreign` (naming A's data) and `with_unknown` (naming nothing); both must
    /// get exactly the same answer, a failure, and neither book may change. Returns the msg.
    async fn assert_foreign_is_unknown(&self, with_foreign: Value, with_unknown: Value) -> String {
        // Arrange
        let a_before = self.app.pb().list(&self.a_token).await;
        let b_before = self.app.pb().list(&self.b_token).await;
        let rows_before = self.all_rows();

        // Act
        let foreign = self.app.pb().post_auth(with_foreign, &self.b_token).await;
        let unknown = self.app.pb().post_auth(with_unknown, &self.b_token).await;

        // Assert
        let msg = foreign.failure(200);
        assert_eq!(foreign.status, unknown.status);
        assert_eq!(
            foreign.json(),
            unknown.json(),
            "another account's id must look exactly like an unknown one"
        );
        assert_eq!(
            self.app.pb().list(&self.a_token).await,
            a_before,
            "A unchanged"
        );
        assert_eq!(
            self.app.pb().list(&self.b_token).await,
            b_before,
            "B unchanged"
        );
        assert_eq!(self.all_rows(), rows_before, "no row written anywhere");
        msg
    }

    fn all_rows(&self) -> Vec<i64> {
        ["contacts", "contact_phones", "contact_mails"]
            .iter()
            .map(|t| self.app.rows(t))
            .collect()
    }
}

/// Which of A's ids a case names.
type IdOf = fn(&TwoBooks) -> &str;

/// A request B sends naming one of A's ids, and the failure it must get: the same as for an id
/// that exists nowhere.
struct Foreign {
    what: &'static str,
    /// The id of A's that B names.
    id: IdOf,
    /// B's request naming `id`.
    body: fn(&TwoBooks, &str) -> Value,
    msg: &'static str,
}

/// Every request that names another account's contact, item or rid.
#[rustfmt::skip]
fn foreign_cases() -> Vec<Foreign> {
    let contact: IdOf = |t| &t.a_contact.uid;
    let pid: IdOf = |t| &t.a_contact.pid;
    let mid: IdOf = |t| &t.a_contact.mid;
    let rid: IdOf = |t| &t.a_rid;
    const NO_CONTACT: &str = "contact not found";
    const NOT_YOURS: &str = "token does not belong to this account";
    vec![
        Foreign { body: |_, uid| json!({"op": 1006, "uid": uid, "user": {"name": "hijacked",
                "phones": [{"phone": "13900000000"}], "mails": [{"mail": "x@evil.com"}]}}),
            id: contact, msg: NO_CONTACT, what: "updating A's contact" },
        Foreign { body: |t, pid| json!({"op": 1006, "uid": t.b_contact.uid, "user": {"phones": [{"pid": pid, "phone": "13900000000"}]}}),
            id: pid, msg: "phone not found", what: "updating B's contact with A's pid" },
        Foreign { body: |t, mid| json!({"op": 1006, "uid": t.b_contact.uid, "user": {"mails": [{"mid": mid, "mail": "x@evil.com"}]}}),
            id: mid, msg: "mail not found", what: "updating B's contact with A's mid" },
        Foreign { body: |_, uid| json!({"op": 10061, "uid": uid, "action": 0, "phone_info": {"phone": "13900000000"}}),
            id: contact, msg: NO_CONTACT, what: "adding a phone to A's contact" },
        Foreign { body: |t, uid| json!({"op": 10061, "uid": uid, "action": 1, "phone_info": {"pid": t.a_contact.pid}}),
            id: contact, msg: NO_CONTACT, what: "deleting a phone of A's contact" },
        Foreign { body: |t, pid| json!({"op": 10061, "uid": t.b_contact.uid, "action": 1, "phone_info": {"pid": pid}}),
            id: pid, msg: "phone not found", what: "deleting A's pid through B's contact" },
        Foreign { body: |_, uid| json!({"op": 10062, "uid": uid, "action": 0, "mail_info": {"mail": "x@evil.com"}}),
            id: contact, msg: NO_CONTACT, what: "adding a mail to A's contact" },
        Foreign { body: |t, uid| json!({"op": 10062, "uid": uid, "action": 1, "mail_info": {"mid": t.a_contact.mid}}),
            id: contact, msg: NO_CONTACT, what: "deleting a mail of A's contact" },
        Foreign { body: |t, mid| json!({"op": 10062, "uid": t.b_contact.uid, "action": 1, "mail_info": {"mid": mid}}),
            id: mid, msg: "mail not found", what: "deleting A's mid through B's contact" },
        Foreign { body: |_, uid| json!({"op": 1007, "users": [{"uid": uid}]}),
            id: contact, msg: NO_CONTACT, what: "deleting A's contact" },
        Foreign { body: |_, uid| json!({"op": 1010, "users": [{"uid": uid}]}),
            id: contact, msg: NO_CONTACT, what: "getting A's contact" },
        Foreign { body: |_, rid| json!({"op": 1009, "rid": rid}),
            id: rid, msg: NOT_YOURS, what: "listing with A's rid" },
        Foreign { body: |_, rid| json!({"op": 1005, "rid": rid, "users": [{"name": "planted"}]}),
            id: rid, msg: NOT_YOURS, what: "adding with A's rid" },
    ]
}

#[tokio::test]
async fn another_accounts_contact_item_or_rid_answers_like_an_unknown_one_and_changes_nothing() {
    let t = two_books().await;

    for case in foreign_cases() {
        let foreign = (case.body)(&t, (case.id)(&t));
        let unknown = (case.body)(&t, UNKNOWN_UID);
        let msg = t.assert_foreign_is_unknown(foreign, unknown).await;
        assert_eq!(msg, case.msg, "{}", case.what);
    }

    assert_eq!(t.app.pb().contact_count(A), 1);
    assert_eq!(t.app.pb().contact_count(B), 1);
}

#[tokio::test]
async fn searching_never_finds_another_accounts_contacts() {
    let t = two_books().await;

    let v = t
        .app
        .pb()
        .post_auth(json!({"op": 1008, "q": "friend"}), &t.b_token)
        .await
        .ok_json();

    let got = strs(&v["users"], "uid");
    assert_eq!(got, [t.b_contact.uid.as_str()]);
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

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

#[tokio::test]
async fn passwords_are_stored_as_argon2id_phc_strings_never_in_clear() {
    let app = Server::start().await;
    app.pb().register(A).await;
    app.pb().register(B).await;

    let hashes: Vec<String> = app
        .on_store(|s| {
            s.read(|c| {
                c.rows(
                    "SELECT password_hash FROM accounts ORDER BY pk",
                    params![],
                    |r| r.get::<String>(0),
                )
            })
        })
        .unwrap();

    assert_eq!(hashes.len(), 2);
    for h in &hashes {
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert_eq!(
            h.split('$').count(),
            6,
            "a PHC string with salt and hash: {h}"
        );
        assert!(!h.contains(PASSWORD), "{h}");
    }
    assert_ne!(hashes[0], hashes[1], "same password, different salts");
    let clear = app.count(
        "SELECT COUNT(*) FROM accounts WHERE instr(password_hash, ?1) > 0
            OR instr(COALESCE(email,''), ?1) > 0 OR instr(COALESCE(name,''), ?1) > 0",
        &[&PASSWORD],
    );
    assert_eq!(clear, 0);
}

#[tokio::test]
async fn tokens_are_stored_only_as_digests() {
    let app = Server::start().await;
    let (_, token) = app.pb().account(A).await;

    let in_clear = app.count(
        "SELECT COUNT(*) FROM tokens WHERE CAST(token_hash AS TEXT) = ?1",
        &[&token],
    );
    let rows = app.count(
        "SELECT COUNT(*) FROM tokens WHERE length(token_hash) = 32",
        &[],
    );

    assert_eq!(in_clear, 0);
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn the_jwt_secret_is_kept_in_the_settings_table_and_survives_a_restart() {
    // Arrange: a server that generated its own secret, and a token it issued
    let app = Server::start().await;
    let (rid, token) = app.pb().account(A).await;
    let secret = |store: &switchboard::store::Store| {
        store
            .read(|c| switchboard::store::settings::get(c, "jwt_secret"))
            .unwrap()
            .expect("a jwt_secret row")
    };
    let before = app.on_store(secret);
    assert!(
        before.len() >= 32,
        "a generated secret of at least 256 bits"
    );
    jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(&before),
        &jsonwebtoken::Validation::new(Algorithm::HS256),
    )
    .expect("the stored secret signs the tokens");

    // Act: restart on the same database
    let app = app.restart().await;

    // Assert
    assert_eq!(
        app.on_store(secret),
        before,
        "the same secret after restart"
    );
    assert_eq!(app.pb().list(&token).await["rid"], rid.as_str());
}
