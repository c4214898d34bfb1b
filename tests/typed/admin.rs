//! HelpAged administration: only an administrator lists, reads, updates and deletes accounts.

use crate::support::checks::*;
use crate::support::typed::*;
use crate::support::Server;
use serde_json::json;

#[tokio::test]
async fn admin_operations_refuse_a_non_administrator_with_id_minus_one() {
    let s = Server::start().await;
    let user = s.typed().account("13750687070").await;
    s.typed().account("13750687071").await;
    s.set_level("13750687070", 8); // one below the default admin level
    let path = s.typed().at("/api/admin/user", &user);
    for (subtype, data) in [
        ("list", json!({})),
        ("info", json!({"phone": "13750687071"})),
        ("update", json!({"phone": "13750687071", "level": 9})),
        ("delete", json!({"phone": "13750687071"})),
    ] {
        let mut req = body("user", subtype, data);
        req["id"] = json!(1234);
        let v = path.post(&req).await;
        assert_eq!(
            v,
            json!({"id": -1, "status": -103, "message": "No permission to operate", "data": {}}),
            "{subtype}"
        );
    }
    assert_eq!(s.account("13750687071").unwrap().level, 1);
}

#[tokio::test]
async fn an_administrator_lists_every_account_as_an_array() {
    let s = Server::start().await;
    let admin = s.typed().admin("13750687072").await;
    s.typed().account("13750687073").await;
    s.typed().register("13750687074").await;
    let mut req = body("user", "list", json!({}));
    req["id"] = json!(1234);
    let v = ok(s.typed().at("/api/admin/user", &admin).post(&req).await);
    assert_eq!(keys(&v), ["id", "status", "message", "data"]);
    assert_eq!(v["id"], 1234);
    assert_eq!(v["message"], "successful");
    let list = v["data"].as_array().expect("data is an array");
    assert_eq!(
        strs(&v["data"], "phone"),
        ["13750687072", "13750687073", "13750687074"]
    );
    assert_eq!(
        list[1],
        json!({"phone": "13750687073", "name": null, "nickname": null, "email": null, "level": 1})
    );
    assert_eq!(list[0]["level"], 9);
}

#[tokio::test]
async fn admin_info_answers_an_account_and_status_1_for_an_unknown_phone() {
    let s = Server::start().await;
    let admin = s.typed().admin("13750687075").await;
    let path = s.typed().at("/api/admin/user", &admin);
    let v = ok(path
        .send("user", "info", json!({"phone": "13750687075"}))
        .await);
    assert_eq!(v["message"], "Successful");
    assert_eq!(
        v["data"],
        json!({"phone": "13750687075", "name": null, "nickname": null, "email": null, "level": 9})
    );
    let v = path
        .send("user", "info", json!({"phone": "13750687079"}))
        .await;
    assert_eq!(
        v,
        json!({"id": 1, "status": 1, "message": "user not existed", "data": {}})
    );
}

#[tokio::test]
async fn admin_update_accepts_only_name_nickname_email_and_level() {
    let s = Server::start().await;
    let admin = s.typed().admin("13750687076").await;
    let user = s.typed().account("13750687077").await;
    let path = s.typed().at("/api/admin/user", &admin);
    let data = json!({"phone": "13750687077", "name": "王凌超", "nickname": "FatBallFish",
                      "email": "893721708@qq.com", "level": 2});
    let v = ok(path.send("user", "update", data).await);
    assert_eq!(v["message"], "Successful");
    assert_eq!(
        ok(s.typed().info(&user).await)["data"],
        json!({"phone": "13750687077", "name": "王凌超", "nickname": "FatBallFish",
               "email": "893721708@qq.com", "level": 2})
    );
    for key in ["pass", "password", "username", "new_phone"] {
        let mut data = json!({"phone": "13750687077", "name": "changed"});
        data[key] = json!("x");
        let v = path.send("user", "update", data).await;
        assert_status(&v, -3);
    }
    assert_eq!(ok(s.typed().info(&user).await)["data"]["name"], "王凌超");
    s.typed().login("13750687077", PASS).await;
    let v = path
        .send(
            "user",
            "update",
            json!({"phone": "13750687078", "name": "x"}),
        )
        .await;
    assert_status(&v, 1);
}

#[tokio::test]
async fn admin_delete_removes_the_account_and_its_tokens() {
    let s = Server::start().await;
    let admin = s.typed().admin("13750687080").await;
    s.typed().register("13750687081").await;
    let typed = s.typed().login("13750687081", PASS).await;
    let jwt = s.pb().login("13750687081", PASS).await.1;
    let pk = s.account("13750687081").unwrap().pk;
    assert_eq!(s.token_count(pk), 2);

    let path = s.typed().at("/api/admin/user", &admin);
    let v = ok(path
        .send("user", "delete", json!({"phone": "13750687081"}))
        .await);
    assert_eq!(
        v,
        json!({"id": 1, "status": 0, "message": "successful", "data": {}})
    );
    assert!(s.account("13750687081").is_none());
    assert_eq!(s.token_count(pk), 0);
    assert_status(&s.typed().info(&typed).await, 1);
    let v = s.pb().post_auth(json!({"op": 1009}), &jwt).await.json();
    assert_eq!(v["ret"], -1, "{v}");
    assert_status(
        &s.typed().login_raw("13750687081", PASS, json!(0)).await,
        100,
    );
    let v = path
        .send("user", "info", json!({"phone": "13750687081"}))
        .await;
    assert_status(&v, 1);
    // Deleting it again: unknown.
    let v = path
        .send("user", "delete", json!({"phone": "13750687081"}))
        .await;
    assert_status(&v, 1);
    // The administrator is unaffected.
    ok(s.typed().doki(&admin).await);
}
