//! The answer cache from outside: a cached answer never outlives the token that earned it, a
//! write that revokes it, or a write made by another process on the same file.

use crate::support::Server;
use serde_json::json;
use std::time::Duration;

const PHONE: &str = "13000000001";

#[tokio::test]
async fn a_book_read_again_and_again_is_refused_the_second_its_jwt_expires() {
    let app = Server::builder().manual_clock().start().await;
    let (_, token) = app.pb().account(PHONE).await;
    app.pb().add_contact(&token, "li").await;
    for _ in 0..3 {
        assert_eq!(app.pb().list(&token).await["users"][0]["name"], "li");
    }
    app.advance(86_400 - 1);
    assert_eq!(
        app.pb().list(&token).await["ret"],
        0,
        "a second before expiry"
    );
    app.advance(2);
    let r = app.pb().post_auth(json!({"op": 1009}), &token).await;
    assert_eq!(r.json(), json!({"ret": -1, "msg": "Signature has expired"}));
}

#[tokio::test]
async fn a_book_read_from_the_cache_is_refused_right_after_logout() {
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    app.pb().list(&token).await;
    app.pb().list(&token).await;
    let out = app.pb().post_auth(json!({"op": 1004}), &token).await;
    assert_eq!(out.json()["ret"], 0);
    let r = app.pb().post_auth(json!({"op": 1009}), &token).await;
    assert_eq!(r.json()["ret"], -1, "{}", r.text());
}

#[tokio::test]
async fn two_accounts_asking_the_same_thing_get_their_own_books() {
    let app = Server::start().await;
    let (a, token_a) = app.pb().account(PHONE).await;
    let (b, token_b) = app.pb().account("13000000002").await;
    for _ in 0..2 {
        assert_eq!(app.pb().list(&token_a).await["rid"], a.as_str());
        assert_eq!(app.pb().list(&token_b).await["rid"], b.as_str());
    }
}

#[tokio::test]
async fn a_write_by_another_process_reaches_the_next_reads() {
    if crate::support::postgres::sqlite_only("a write by another process to the database file") {
        return;
    }
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    app.pb().add_contact(&token, "before").await;
    assert_eq!(app.pb().list(&token).await["users"][0]["name"], "before");

    // Another connection to the file, as the command line or a second process would be: the
    // server's own commits do not see it.
    let outside = rusqlite::Connection::open(app.db_path()).expect("open the file");
    let renamed = outside
        .execute("UPDATE contacts SET name = 'after'", [])
        .expect("rename");
    assert_eq!(renamed, 1);

    // The server notices within its watch period; wait for the event, not for a time.
    let mut seen = String::new();
    for _ in 0..200 {
        seen = app.pb().list(&token).await["users"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if seen == "after" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "after", "the outside write was never seen");
}

#[tokio::test]
async fn a_helpaged_token_read_from_the_cache_still_has_its_uses_recorded() {
    // The token dies after 600 idle seconds; each use is recorded at most every 15 s. Answers
    // served from the cache must not skip the recording: the last read counts.
    let s = crate::support::typed::on_manual_clock().await;
    let d = s.typed();
    d.register(PHONE).await;
    let token = d.login(PHONE, crate::support::typed::PASS).await;
    for step in 1..=59 {
        s.advance(10);
        let v = d.info(&token).await;
        assert_eq!(v["status"], 0, "after {} s: {v}", step * 10);
    }
    // 590 s after login. A use is recorded at most every 15 s, so the last recorded one is at
    // most 15 s old: 585 s later the token still lives. (Served from the cache without the
    // recording, it would have died 600 s after login.)
    s.advance(585);
    let v = d.info(&token).await;
    assert_eq!(v["status"], 0, "{v}");
}
