//! rooms and the one account table: a version-3 database migrates (the phone became optional),
//! other dialects' accounts log in here, and the phone login code.

use crate::support::rooms::*;
use crate::support::Server;
use serde_json::json;
use std::path::Path;
use switchboard::config::Config;

/// Writes a version-3 database (before the phone became optional) with one account, one
/// contact and one token.
fn version_3(db: &Path) {
    let config = Config::for_tests(db.to_path_buf());
    let hash = switchboard::auth::passwords::Passwords::new(&config)
        .unwrap()
        .hash(PASSWORD)
        .unwrap();
    let old = rusqlite::Connection::open(db).unwrap();
    old.execute_batch(include_str!("../../src/store/testdata/schema_v3.sql"))
        .unwrap();
    old.execute(
        "INSERT INTO accounts (pk, uid, phone, password_hash, created_at)
         VALUES (1, '6f1e0b3a-0000-1000-8000-000000000001', '18752000620', ?1, 1477621635211240)",
        [&hash],
    )
    .unwrap();
    old.execute_batch(
        "INSERT INTO contacts (uid, owner_pk, name, intime)
             VALUES ('0c7a2a3e-0000-1000-8000-000000000002', 1, '刘可', '20161028102715');
         INSERT INTO tokens (account_pk, kind, token_hash, created_at, last_used_at)
             VALUES (1, 'typed', x'00', 1, 1);
         PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(old);
}

#[tokio::test]
async fn a_version_3_database_is_migrated_with_its_accounts_contacts_and_tokens() {
    if crate::support::postgres::sqlite_only("upgrading a version-3 database file") {
        return;
    }
    let s = Server::builder().database(version_3).start().await;
    let r = s.pb().login_resp("18752000620", PASSWORD).await.json();
    assert_eq!(
        (r["ret"].clone(), r["num"].clone()),
        (json!(0), json!(1)),
        "{r}"
    );
    assert_eq!(s.token_count(1), 2, "the old token and the new JWT");
    // The rebuilt table takes a phoneless account, and the old one logs in through rooms.
    s.rooms().register("phoneless", None).await;
    let r = s.rooms().login("18752000620", PASSWORD).await.json();
    assert_eq!(
        (r["pk"].clone(), r["date_joined"].clone()),
        (json!("1"), json!("2016-10-28T02:27:15.211240Z"))
    );
}

#[tokio::test]
async fn a_phonebooks_account_logs_in_through_rooms_by_phone_and_gets_a_room_number() {
    let s = Server::start().await;
    let body = json!({"op": 1001, "phone": "18752000630", "password": "secret7", "name": "刘可"});
    assert_eq!(
        s.rooms().json("POST", "/phonebooks", body).await.json()["ret"],
        0
    );
    let r = s.rooms().login("18752000630", "secret7").await;
    assert_eq!((r.status, r.msg()), (200, "登录成功".into()), "{r:?}");
    let v = r.json();
    assert_eq!(
        (v["username"].clone(), v["phone"].clone()),
        (json!(""), json!("18752000630"))
    );
    let roomid = v["roomid"].as_str().unwrap();
    assert!(
        roomid.len() == 4 && roomid.bytes().all(|b| b.is_ascii_digit()),
        "{roomid}"
    );
    // The same room number on the next login.
    assert_eq!(
        s.rooms().login("18752000630", "secret7").await.json()["roomid"],
        roomid
    );
}

#[tokio::test]
async fn a_phoneless_rooms_account_never_logs_in_by_phone_elsewhere_and_helpaged_shows_null() {
    let s = Server::start().await;
    let me = s.rooms().register("nophone", None).await;
    assert_eq!(
        s.rooms().login("nophone", PASSWORD).await.json()["phone"],
        ""
    );
    let r = s.pb().login_resp("", PASSWORD).await;
    assert_eq!(r.json()["ret"], -1);
    // An administrator's HelpAged list shows the phoneless account with a null phone.
    let admin = "18752000640";
    s.rooms().register("admin", Some(admin)).await;
    s.set_level(admin, 9);
    let login = json!({"id": 1, "type": "login", "subtype": "pass",
                       "data": {"phone": admin, "pass": PASSWORD}});
    let token = s
        .rooms()
        .json("POST", "/api/user/login", login)
        .await
        .json()["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let list = json!({"id": 2, "type": "user", "subtype": "list", "data": {}});
    let r = s
        .rooms()
        .json("POST", &format!("/api/admin/user?token={token}"), list)
        .await
        .json();
    let users = r["data"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert!(users.iter().any(|u| u["phone"].is_null()), "{r}");
    assert!(s.rooms().token_works(&me.pk, &me.token).await);
}

#[tokio::test]
async fn a_phone_login_code_logs_in_once_and_a_phone_without_account_is_400() {
    let s = Server::start().await;
    s.rooms().register("me", Some("18752000650")).await;
    let r = s
        .rooms()
        .json("POST", "/phonelogin/", json!({"phone": "18752000650"}))
        .await;
    assert_eq!((r.status, r.msg()), (200, "验证码已发送".into()));
    let code = s.code_for("18752000650");
    assert_eq!(code.len(), 6);
    // A JSON body is tolerated under GET.
    let r = s
        .rooms()
        .json(
            "GET",
            "/phonelogin/",
            json!({"phone": "18752000650", "captcha": code}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["username"].clone()),
        (200, json!("me")),
        "{r:?}"
    );
    let again = format!("/phonelogin/?phone=18752000650&captcha={code}");
    assert_fail(&s.send("GET", &again, &[], b"").await, 400);
    let r = s
        .rooms()
        .json("POST", "/phonelogin/", json!({"phone": "18752000651"}))
        .await;
    assert_fail(&r, 400);
    assert!(s.outbox("18752000651").is_empty());
    let r = s
        .send(
            "GET",
            "/phonelogin/?phone=18752000651&captcha=123456",
            &[],
            b"",
        )
        .await;
    assert_fail(&r, 400);
    assert_eq!(r.msg(), "no account has this phone");
}
