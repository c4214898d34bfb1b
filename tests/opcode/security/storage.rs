//! Passwords as argon2id, tokens as digests, the JWT secret in the settings table.

use super::*;

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
