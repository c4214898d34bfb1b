//! HelpAged profiles: only one's own row, the level only by an administrator, values stored
//! verbatim, null clears.

use crate::support::typed::*;
use crate::support::Server;
use serde_json::{json, Value};

#[tokio::test]
async fn info_update_of_another_phone_is_refused_and_changes_nothing() {
    let s = Server::start().await;
    let me = s.typed().account("13750687020").await;
    let other = s.typed().account("13750687021").await;
    let data = json!({"phone": "13750687021", "name": "hijacked", "nickname": "x", "email": "x@x"});
    let v = s.typed().update_info(&me, data).await;
    assert_status(&v, -103);
    assert_eq!(v["message"], "No permission to operate");
    assert_eq!(v["id"], 1, "info update echoes the id: {v}");
    let theirs = ok(s.typed().info(&other).await);
    assert_eq!(
        theirs["data"],
        json!({"phone": "13750687021", "name": null, "nickname": null, "email": null, "level": 1})
    );
    let mine = ok(s.typed().info(&me).await);
    assert_eq!(mine["data"]["name"], Value::Null);
}

#[tokio::test]
async fn raising_ones_own_level_is_refused_and_the_level_stays() {
    let s = Server::start().await;
    let me = s.typed().account("13750687022").await;
    let path = s.typed().at("/api/user/info", &me);
    for level in [9, 2, 100] {
        let data = json!({"phone": "13750687022", "level": level, "name": "sneaky"});
        let v = path.send("info", "update", data).await;
        assert_status(&v, -103);
    }
    let v = ok(s.typed().info(&me).await);
    assert_eq!(v["data"]["level"], 1);
    assert_eq!(
        v["data"]["name"],
        Value::Null,
        "a refused update writes nothing"
    );
    // Sending one's current level unchanged is not a raise.
    let data = json!({"phone": "13750687022", "level": 1, "name": "fine"});
    ok(path.send("info", "update", data).await);
    assert_eq!(ok(s.typed().info(&me).await)["data"]["name"], "fine");
}

#[tokio::test]
async fn an_administrator_can_set_levels() {
    let s = Server::start().await;
    let admin = s.typed().admin("13750687023").await;
    let user = s.typed().account("13750687024").await;
    let own = json!({"phone": "13750687023", "level": 10});
    ok(s.typed().update_info(&admin, own).await);
    assert_eq!(ok(s.typed().info(&admin).await)["data"]["level"], 10);

    let other = json!({"phone": "13750687024", "level": 5});
    let v = ok(s
        .typed()
        .at("/api/admin/user", &admin)
        .send("user", "update", other)
        .await);
    assert_eq!(v["message"], "Successful");
    assert_eq!(ok(s.typed().info(&user).await)["data"]["level"], 5);
    // Level 5 is still below the admin level: the user cannot go further by itself.
    let raise = json!({"phone": "13750687024", "level": 9});
    let v = s.typed().update_info(&user, raise).await;
    assert_status(&v, -103);
}

#[tokio::test]
async fn null_clears_a_profile_field_and_an_absent_one_stays() {
    let s = Server::start().await;
    let me = s.typed().account("13750687025").await;
    let path = s.typed().at("/api/user/info", &me);
    let all = json!({"phone": "13750687025", "name": "王凌超", "nickname": "FatBallFish",
                     "email": "893721708@qq.com"});
    ok(path.send("info", "update", all).await);
    let clear = json!({"phone": "13750687025", "nickname": null});
    ok(path.send("info", "update", clear).await);
    let v = ok(s.typed().info(&me).await);
    assert_eq!(
        v["data"],
        json!({"phone": "13750687025", "name": "王凌超", "nickname": null,
               "email": "893721708@qq.com", "level": 1})
    );
    // `null` is really NULL, not the text "None" as the original stored.
    let row = s.account("13750687025").unwrap();
    assert_eq!(row.nickname, None);
    // A null level is not "clear the level".
    let null_level = json!({"phone": "13750687025", "level": null});
    assert_status(&path.send("info", "update", null_level).await, -203);
    assert_eq!(ok(s.typed().info(&me).await)["data"]["level"], 1);
}

#[tokio::test]
async fn a_value_with_a_quote_is_stored_verbatim() {
    let s = Server::start().await;
    let me = s.typed().account("13750687026").await;
    let name = "O'Brien";
    let nickname = "'; DROP TABLE x;--";
    let email = "o'brien@example.com";
    let data = json!({"phone": "13750687026", "name": name, "nickname": nickname, "email": email});
    ok(s.typed().update_info(&me, data).await);
    let v = ok(s.typed().info(&me).await);
    assert_eq!(v["data"]["name"], name);
    assert_eq!(v["data"]["nickname"], nickname);
    assert_eq!(v["data"]["email"], email);
    // The table is still there and the nickname is readable by others.
    let other = s.typed().account("13750687027").await;
    let v = ok(s
        .typed()
        .at("/api/user/nickname", &other)
        .send("info", "nickname", json!({"user_id": "13750687026"}))
        .await);
    assert_eq!(v["data"]["nickname"], nickname);
}
