//! rooms (the `rooms` dialect): each hole of the document that CONTRACT.md closes, proved over
//! a real in-process server, the table rebuild that made the phone optional, and a bad-input
//! table answered with the FAIL envelope.

use crate::support::rooms::*;
use crate::support::Server;
use serde_json::{json, Value};
use std::path::Path;
use switchboard::config::Config;

// ---------------------------------------------------------------------------------------------
// Writes need the OWNER's token: another user's is 403 and changes nothing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_room_update_by_another_user_is_403_and_changes_nothing() {
    let s = Server::start().await;
    let owner = s.rooms().register("owner", None).await;
    let other = s.rooms().register("other", None).await;
    let pk = s.rooms().room(&owner.token, "1262", true).await;
    let path = format!("/rooms/{pk}/");
    let body = json!({"active": false, "room_alias": "mine now"});
    let r = s.rooms().with_token("PUT", &path, &other.token, body).await;
    assert_fail(&r, 403);
    let room = s.send("GET", &path, &[], b"").await.json();
    assert_eq!(
        (room["active"].clone(), room["room_alias"].clone()),
        (json!(true), json!("1262"))
    );
}

#[tokio::test]
async fn a_room_delete_by_another_user_is_403_and_the_room_stays() {
    let s = Server::start().await;
    let owner = s.rooms().register("owner", None).await;
    let other = s.rooms().register("other", None).await;
    let pk = s.rooms().room(&owner.token, "1262", true).await;
    let path = format!("/rooms/{pk}/");
    assert_fail(
        &s.rooms()
            .with_token("DELETE", &path, &other.token, json!({}))
            .await,
        403,
    );
    assert_eq!(s.send("GET", &path, &[], b"").await.status, 200);
    let r = s
        .rooms()
        .with_token("DELETE", &path, &owner.token, json!({}))
        .await;
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_fail(&s.send("GET", &path, &[], b"").await, 404);
}

#[tokio::test]
async fn an_icon_change_by_another_user_is_403_and_changes_nothing() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let other = s.rooms().register("other", None).await;
    let path = format!("/users/icon/{}/", me.pk);
    let body = json!({"icon": "http://evil.example/x.png", "token": other.token});
    assert_fail(&s.rooms().json("PUT", &path, body).await, 403);
    assert_eq!(s.rooms().login("me", PASSWORD).await.json()["img"], "");
    // Another pk, known or not, is refused the same way.
    let unknown = s
        .rooms()
        .with_token(
            "PUT",
            "/users/icon/99999/",
            &other.token,
            json!({"icon": "x"}),
        )
        .await;
    assert_fail(&unknown, 403);
}

#[tokio::test]
async fn a_user_info_change_by_another_user_is_403_and_changes_nothing() {
    let s = Server::start().await;
    let me = s.rooms().register("me", Some("18752000601")).await;
    let other = s.rooms().register("other", None).await;
    let path = format!("/users/{}/", me.pk);
    let body = json!({"username": "stolen", "phone": "18752000602", "nickname": "x"});
    assert_fail(
        &s.rooms().with_token("PUT", &path, &other.token, body).await,
        403,
    );
    let r = s.rooms().login("me", PASSWORD).await.json();
    assert_eq!(
        (r["username"].clone(), r["phone"].clone()),
        (json!("me"), json!("18752000601"))
    );
    assert_eq!(r["nickname"], "never");
    assert_eq!(s.rooms().login("stolen", PASSWORD).await.status, 400);
}

#[tokio::test]
async fn a_password_change_with_another_users_token_is_403_and_changes_nothing() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let other = s.rooms().register("other", None).await;
    let body = json!({"username": "me", "old_password": PASSWORD, "password": "654321"});
    assert_fail(
        &s.rooms()
            .with_token("PUT", "/users/password/", &other.token, body)
            .await,
        403,
    );
    assert_eq!(s.rooms().login("me", PASSWORD).await.status, 200);
    assert!(s.rooms().token_works(&me.pk, &me.token).await);
    assert!(s.rooms().token_works(&other.pk, &other.token).await);
}

// ---------------------------------------------------------------------------------------------
// snslogin: refused unless the configuration trusts client identities
// ---------------------------------------------------------------------------------------------

fn sns_body() -> Value {
    json!({"username": "wxuser", "nickname": "never", "login_type": "1", "snsid": "o6_bmjrPTlm6",
           "access_token": "ACCESS_TOKEN", "icon": "static/mcuser/img/tests1.jpg", "sex": "0"})
}

#[tokio::test]
async fn snslogin_is_refused_by_default_and_creates_nothing() {
    let s = Server::start().await;
    let r = s.rooms().json("POST", "/snslogin/", sns_body()).await;
    assert_fail(&r, 403);
    assert_eq!(r.msg(), "third-party login is not configured");
    assert_eq!(s.count("SELECT COUNT(*) FROM accounts", &[]), 0);
}

#[tokio::test]
async fn a_trusted_snslogin_answers_201_first_then_200_for_the_same_account() {
    let s = Server::builder()
        .config(|c| c.rooms_trust_sns_identities = true)
        .start()
        .await;
    let first = s.rooms().json("POST", "/snslogin/", sns_body()).await;
    assert_eq!(
        (first.status, first.code()),
        (201, "201".into()),
        "{first:?}"
    );
    let v = first.json();
    assert_eq!(v["login_type"], "1");
    assert_eq!(v["img"], "static/mcuser/img/tests1.jpg");
    assert_eq!(v["password"], "");
    let again = s.rooms().json("POST", "/snslogin/", sns_body()).await;
    assert_eq!(
        (again.status, again.code()),
        (200, "200".into()),
        "{again:?}"
    );
    assert_eq!(again.json()["pk"], v["pk"]);
    assert_ne!(again.json()["token"], v["token"]);
    // A third-party account has no password: none logs it in.
    assert_eq!(s.rooms().login("wxuser", "").await.status, 400);
    assert_eq!(s.rooms().login("wxuser", "ACCESS_TOKEN").await.status, 400);
}

// ---------------------------------------------------------------------------------------------
// Tokens: body, query or Authorization; 24 h; logout; password change revokes everywhere
// ---------------------------------------------------------------------------------------------

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
    let r = s
        .rooms()
        .json(
            "POST",
            "/phonebooks",
            json!({"op": 1003, "phone": phone, "password": PASSWORD}),
        )
        .await;
    let jwt = r.json()["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let login = json!({"id": 1, "type": "login", "subtype": "pass",
                       "data": {"phone": phone, "pass": PASSWORD}});
    let typed = s
        .rooms()
        .json("POST", "/api/user/login", login)
        .await
        .json()["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let ineww = s
        .rooms()
        .json(
            "POST",
            "/ineww/session",
            json!({"account": phone, "password": PASSWORD}),
        )
        .await
        .json()["data"]["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let book = |jwt: String| {
        let s = &s;
        async move {
            let auth = format!("JWT {jwt}");
            let h = [("Authorization", auth.as_str())];
            s.send("POST", "/phonebooks", &h, br#"{"op":1009}"#)
                .await
                .json()["ret"]
                .clone()
        }
    };
    let info = format!("/api/user/info?token={typed}");
    let auth = format!("Bearer {ineww}");
    let session = [("Authorization", auth.as_str())];
    assert_eq!(book(jwt.clone()).await, 0);
    assert_eq!(s.send("GET", &info, &[], b"").await.json()["status"], 0);
    assert_eq!(
        s.send("GET", "/ineww/session", &session, b"").await.status,
        200
    );

    let body = json!({"username": "me", "old_password": PASSWORD, "password": "654321"});
    let r = s
        .rooms()
        .with_token("PUT", "/users/password/", &me.token, body)
        .await;
    assert_eq!((r.status, r.msg()), (200, "修改成功".into()), "{r:?}");
    let fresh = r.json()["token"].as_str().unwrap().to_string();
    assert_ne!(fresh, me.token);

    assert_eq!(book(jwt).await, -1);
    assert_ne!(s.send("GET", &info, &[], b"").await.json()["status"], 0);
    assert_eq!(
        s.send("GET", "/ineww/session", &session, b"").await.status,
        401
    );
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

// ---------------------------------------------------------------------------------------------
// Paging: counts as strings, the size used, only active rooms, a cap
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn paging_counts_only_active_rooms_and_cuts_the_page_size_to_100() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    for i in 0..105 {
        s.rooms().room(&me.token, &format!("open-{i}"), true).await;
    }
    for i in 0..3 {
        s.rooms()
            .room(&me.token, &format!("closed-{i}"), false)
            .await;
    }
    let page = |q: &'static str| {
        let s = &s;
        async move { s.send("GET", &format!("/rooms/{q}"), &[], b"").await.json() }
    };
    let v = page("?page=1&pageSize=3").await;
    assert_eq!(
        (
            v["pageSize"].clone(),
            v["currentPage"].clone(),
            v["totalPage"].clone(),
            v["total"].clone()
        ),
        (json!("3"), json!("1"), json!("35"), json!("105"))
    );
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    let v = page("").await;
    assert_eq!(
        (v["pageSize"].clone(), v["totalPage"].clone()),
        (json!("30"), json!("4"))
    );
    let v = page("?page=4").await;
    assert_eq!(v["results"].as_array().unwrap().len(), 15);
    let v = page("?pageSize=500").await;
    assert_eq!(
        (v["pageSize"].clone(), v["totalPage"].clone()),
        (json!("100"), json!("2"))
    );
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    assert!(results.iter().all(|r| r["active"] == json!(true)));
    assert!(results
        .iter()
        .all(|r| r["pk"].is_string() && r["roomid"].is_string()));
    let v = page("?page=3&pageSize=100").await;
    assert_eq!(
        (v["currentPage"].clone(), v["results"].clone()),
        (json!("3"), json!([]))
    );
}

// ---------------------------------------------------------------------------------------------
// One account table: the phone became optional; other dialects' accounts log in here
// ---------------------------------------------------------------------------------------------

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
    let s = Server::builder().database(version_3).start().await;
    let r = s
        .rooms()
        .json(
            "POST",
            "/phonebooks",
            json!({"op": 1003, "phone": "18752000620", "password": PASSWORD}),
        )
        .await
        .json();
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
    let r = s
        .rooms()
        .json(
            "POST",
            "/phonebooks",
            json!({"op": 1003, "phone": "", "password": PASSWORD}),
        )
        .await;
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

// ---------------------------------------------------------------------------------------------
// CORS and bad input: every case the FAIL envelope with a clear msg, the server healthy after
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn options_answers_a_cors_preflight_and_answers_allow_any_origin() {
    let s = Server::start().await;
    let headers = [
        ("Origin", "http://app.example"),
        ("Access-Control-Request-Method", "PUT"),
    ];
    for path in [
        "/users/",
        "/rooms/1/",
        "/users/icon/1",
        "/password/",
        "/phonelogin/",
    ] {
        let r = s.send("OPTIONS", path, &headers, b"").await;
        assert_eq!((r.status, r.body.len()), (204, 0), "{path}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"), "{path}");
    }
    let r = s.send("GET", "/rooms/", &[], b"").await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = s.send("GET", "/rooms/nope/x/y", &[], b"").await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

/// name, method, path, body → expected status and a fragment of the message.
type BadCase<'a> = (&'a str, &'a str, String, Vec<u8>, u16, &'a str);

#[tokio::test]
async fn bad_input_is_answered_with_the_fail_envelope_and_a_clear_msg() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    let mine = format!("/users/{}/?token={}", me.pk, me.token);
    let cases: Vec<BadCase> = vec![
        (
            "not JSON",
            "POST",
            "/login/".into(),
            b"{nope".to_vec(),
            400,
            "invalid request body",
        ),
        (
            "a JSON array",
            "POST",
            "/users/".into(),
            b"[1]".to_vec(),
            400,
            "invalid request body",
        ),
        (
            "invalid UTF-8",
            "POST",
            "/login/".into(),
            b"{\"username\":\"\xff\"}".to_vec(),
            400,
            "invalid request body",
        ),
        (
            "a wrong type",
            "POST",
            "/login/".into(),
            br#"{"username":["x"],"password":"1"}"#.to_vec(),
            400,
            "username must be a string",
        ),
        (
            "a wrong boolean",
            "POST",
            format!("/rooms/?token={}", me.token),
            br#"{"room_alias":"x","active":"maybe"}"#.to_vec(),
            400,
            "active must be a boolean",
        ),
        (
            "a missing field",
            "POST",
            "/users/".into(),
            br#"{"username":"x","password":"y"}"#.to_vec(),
            400,
            "missing field: nickname",
        ),
        (
            "null is missing",
            "POST",
            "/login/".into(),
            br#"{"username":null,"password":"y"}"#.to_vec(),
            400,
            "missing field: username",
        ),
        (
            "an unknown field",
            "PUT",
            mine.clone(),
            br#"{"favourite":"x"}"#.to_vec(),
            400,
            "unknown field: favourite",
        ),
        (
            "a blank required field",
            "POST",
            "/users/".into(),
            br#"{"username":" ","password":"y","nickname":"n"}"#.to_vec(),
            400,
            "may not be blank",
        ),
        (
            "an age out of range",
            "PUT",
            mine.clone(),
            br#"{"age":"200"}"#.to_vec(),
            400,
            "invalid age",
        ),
        (
            "a bad e-mail",
            "PUT",
            mine.clone(),
            br#"{"email":"nobody"}"#.to_vec(),
            400,
            "invalid email",
        ),
        (
            "an unknown path",
            "GET",
            "/rooms/1/extra".into(),
            vec![],
            404,
            "no such endpoint",
        ),
        (
            "an unknown users path",
            "PUT",
            "/users/icon/1/2/".into(),
            vec![],
            404,
            "no such endpoint",
        ),
        (
            "a wrong method",
            "DELETE",
            "/users/".into(),
            vec![],
            405,
            "method not allowed",
        ),
        (
            "a wrong method on a literal path",
            "GET",
            "/users/password/".into(),
            vec![],
            405,
            "method not allowed",
        ),
        (
            "bad percent-encoding",
            "GET",
            "/rooms/?page=%E4%ZZ".into(),
            vec![],
            400,
            "bad %-escape",
        ),
        (
            "percent-encoding that is not UTF-8",
            "GET",
            "/rooms/?page=%FF".into(),
            vec![],
            400,
            "not UTF-8",
        ),
        (
            "a non-numeric pk",
            "GET",
            "/rooms/abc/".into(),
            vec![],
            400,
            "invalid pk",
        ),
        (
            "a negative pk",
            "GET",
            "/rooms/-1/".into(),
            vec![],
            400,
            "invalid pk",
        ),
        (
            "a pk too large",
            "GET",
            "/rooms/99999999999999999999/".into(),
            vec![],
            400,
            "invalid pk",
        ),
        (
            "a page of zero",
            "GET",
            "/rooms/?page=0".into(),
            vec![],
            400,
            "invalid page",
        ),
        (
            "no token",
            "POST",
            "/rooms/".into(),
            br#"{"room_alias":"x"}"#.to_vec(),
            401,
            "missing token",
        ),
        (
            "an unknown token",
            "POST",
            format!("/rooms/?token={NOBODY}"),
            br#"{"room_alias":"x"}"#.to_vec(),
            401,
            "token not found",
        ),
    ];
    let json_ct = vec![("Content-Type", "application/json")];
    for (name, method, path, body, status, msg) in cases {
        let r = s.send(method, &path, &json_ct, &body).await;
        assert_fail(&r, status);
        assert!(r.msg().contains(msg), "{name}: {:?}", r.msg());
        if msg == "invalid request body" {
            assert_eq!(
                r.msg(),
                msg,
                "{name}: the detail goes to the log, not the wire"
            );
        }
        assert_eq!(r.header("content-type"), Some("application/json"), "{name}");
    }
    s.healthy().await;
    assert!(s.rooms().token_works(&me.pk, &me.token).await);
}

#[tokio::test]
async fn a_nine_mib_body_is_413_declared_or_chunked_and_the_server_stays_healthy() {
    let s = Server::start().await;
    let big = vec![b' '; 9 * 1024 * 1024];
    let r = s.send("POST", "/users/", &[], &big).await;
    assert_fail(&r, 413);
    assert_eq!(r.msg(), "request body too large");

    let mut bytes = format!(
        "PUT /rooms/1/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        s.addr
    )
    .into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(9 * 16) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    assert_fail(&s.raw(&bytes).await, 413);
    s.healthy().await;
}
