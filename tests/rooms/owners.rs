//! rooms writes need the owner's token (another user's is 403 and changes nothing), and
//! snslogin is refused unless the configuration trusts client identities.

use crate::support::rooms::*;
use crate::support::Server;
use serde_json::{json, Value};

/// A server where `owner` owns the open room "1262" (at the path answered) and `other` is
/// another user.
async fn a_room_and_another_user() -> (Server, User, User, String) {
    let s = Server::start().await;
    let owner = s.rooms().register("owner", None).await;
    let other = s.rooms().register("other", None).await;
    let pk = s.rooms().room(&owner.token, "1262", true).await;
    (s, owner, other, format!("/rooms/{pk}/"))
}

#[tokio::test]
async fn a_room_update_by_another_user_is_403_and_changes_nothing() {
    let (s, _, other, path) = a_room_and_another_user().await;
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
    let (s, owner, other, path) = a_room_and_another_user().await;
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
    assert_eq!(s.rows("accounts"), 0);
}

#[tokio::test]
async fn a_trusted_snslogin_answers_201_first_then_200_for_the_same_account() {
    let s = Server::with(|c| c.rooms_trust_sns_identities = true).await;
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
