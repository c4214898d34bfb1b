//! Contacts changed: 1005 add, 1006 update, 10061/10062 phone and mail edits, 1007 delete.

use super::*;

#[tokio::test]
async fn adding_contacts_answers_uuid_ids_a_14_digit_intime_and_items_carrying_the_contact_uid() {
    // Arrange
    let app = Server::start().await;
    let (rid, token) = app.pb().account(PHONE).await;

    // Act
    let resp = app
        .pb().post_auth(
            json!({"op": 1005, "rid": rid, "users": [
                {"name": "a", "phones": [{"phone": "13503768800"}], "mails": [{"mail": "1@qq.com"}]},
                {"name": "刘可", "phones": [{"phone": "13500000001"}, {"phone": ""},
                                            {"phone": "  "}, {"phone": "13500000002"}]}
            ]}),
            &token,
        )
        .await;

    // Assert: envelope
    let v = resp.ok_json();
    assert_eq!(keys(&v), ["msg", "rid", "users", "ret"]);
    assert_eq!(v["rid"], rid.as_str());
    let users = v["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    // Each contact and its items
    for u in users {
        assert_eq!(keys(u), ["phones", "mails", "intime", "uid", "name"]);
        assert_uuid_v1(&u["uid"]);
        assert_intime(&u["intime"]);
        for p in u["phones"].as_array().unwrap() {
            assert_eq!(keys(p), ["phone", "pid", "intime", "uid"]);
            assert_uuid_v1(&p["pid"]);
            assert_eq!(p["uid"], u["uid"], "a phone carries its contact's uid");
            assert_eq!(p["intime"], u["intime"], "one intime per added contact");
        }
        for m in u["mails"].as_array().unwrap() {
            assert_eq!(keys(m), ["mail", "intime", "uid", "mid"]);
            assert_uuid_v1(&m["mid"]);
            assert_eq!(m["uid"], u["uid"], "a mail carries its contact's uid");
            assert_eq!(m["intime"], u["intime"]);
        }
    }
    assert_eq!(users[0]["name"], "a");
    assert_eq!(users[0]["phones"][0]["phone"], "13503768800");
    assert_eq!(users[0]["mails"][0]["mail"], "1@qq.com");
    assert_eq!(users[1]["name"], "刘可");
    let phones = strs(&users[1]["phones"], "phone");
    assert_eq!(
        phones,
        ["13500000001", "13500000002"],
        "blank phones are skipped"
    );
    assert_eq!(users[1]["mails"], json!([]));
    assert_ne!(users[0]["uid"], users[1]["uid"]);
    // Non-ASCII travels escaped, as Python's json.dumps wrote it.
    let text = std::str::from_utf8(&resp.body).unwrap();
    assert!(text.is_ascii(), "{text}");
    assert!(text.contains(r"\u5218\u53ef"), "{text}");
    // Persisted
    assert_eq!(app.pb().contact_count(PHONE), 2);
    assert_eq!(
        app.pb().list(&token).await["users"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn adding_contacts_without_rid_uses_the_tokens_book() {
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;

    let v = app
        .pb()
        .post_auth(json!({"op": 1005, "users": [{"name": "x"}]}), &token)
        .await
        .ok_json();

    assert_eq!(v["users"][0]["phones"], json!([]));
    assert_eq!(app.pb().contact_count(PHONE), 1);
}

#[tokio::test]
async fn a_contact_added_without_a_name_is_stored_named_empty() {
    // Arrange
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;

    // Act: one contact without a name, one with null, one named, in one batch
    let v = app
        .pb()
        .post_auth(
            json!({"op": 1005, "users": [
                {"phones": [{"phone": "13503768800"}]},
                {"name": null, "mails": [{"mail": "1@qq.com"}]},
                {"name": "a"}
            ]}),
            &token,
        )
        .await
        .ok_json();

    // Assert: the whole batch is stored, the nameless ones named ""
    let users = v["users"].as_array().unwrap();
    assert_eq!(strs(&v["users"], "name"), ["", "", "a"]);
    for u in users {
        assert_eq!(keys(u), ["phones", "mails", "intime", "uid", "name"]);
    }
    assert_eq!(app.pb().contact_count(PHONE), 3);
    let uid = users[0]["uid"].as_str().unwrap();
    let stored = fetch(&app, &token, uid).await;
    assert_eq!(stored["name"], "");
    assert_eq!(stored["phones"][0]["phone"], "13503768800");
}

#[tokio::test]
async fn updating_a_contact_persists_the_name_updates_listed_items_inserts_new_ones_and_keeps_unlisted_ones(
) {
    // Arrange: a contact with two phones and two mails
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    let added = app
        .pb()
        .post_auth(
            json!({"op": 1005, "users": [{"name": "a",
                "phones": [{"phone": "13500000001"}, {"phone": "13500000002"}],
                "mails": [{"mail": "a@qq.com"}, {"mail": "b@qq.com"}]}]}),
            &token,
        )
        .await
        .ok_json();
    let c = &added["users"][0];
    let uid = c["uid"].as_str().unwrap();
    let (p1, p2) = (&c["phones"][0]["pid"], &c["phones"][1]["pid"]);
    let (m1, m2) = (&c["mails"][0]["mid"], &c["mails"][1]["mid"]);
    let p2_intime = c["phones"][1]["intime"].clone();

    // Act
    let resp = app
        .pb()
        .post_auth(
            json!({"op": 1006, "uid": uid, "user": {"name": "刘可",
                "phones": [{"pid": p1, "phone": "135012345678"}, {"phone": "13503768800"}],
                "mails": [{"mid": m1, "mail": "5678@qq.com"}, {"mail": "88@qq.com"}]}}),
            &token,
        )
        .await;

    // Assert: the answer, in the document's shape
    let v = resp.ok_json();
    assert_eq!(keys(&v), ["msg", "uid", "ret", "user"]);
    assert_eq!(v["uid"], uid);
    let user = &v["user"];
    assert_eq!(keys(user), ["phones", "mails", "uid", "name"]);
    assert_eq!(user["uid"], uid);
    assert_eq!(user["name"], "刘可");
    assert!(std::str::from_utf8(&resp.body)
        .unwrap()
        .contains(r"\u5218\u53ef"));
    let phones = user["phones"].as_array().unwrap();
    assert_eq!(phones.len(), 2);
    for p in phones {
        assert_eq!(keys(p), ["phone", "pid", "intime"]);
        assert_intime(&p["intime"]);
    }
    assert_eq!(phones[0]["pid"], *p1);
    assert_eq!(phones[0]["phone"], "135012345678");
    assert_uuid_v1(&phones[1]["pid"]);
    assert_ne!(phones[1]["pid"], *p1);
    assert_ne!(phones[1]["pid"], *p2);
    let mails = user["mails"].as_array().unwrap();
    assert_eq!(mails.len(), 2);
    for m in mails {
        assert_eq!(keys(m), ["mail", "intime", "mid"]);
    }
    assert_eq!(mails[0]["mid"], *m1);
    assert_eq!(mails[0]["mail"], "5678@qq.com");
    assert_uuid_v1(&mails[1]["mid"]);
    let new_pid = phones[1]["pid"].as_str().unwrap().to_string();
    let new_mid = mails[1]["mid"].as_str().unwrap().to_string();

    // Assert: what 1010 reads back afterwards
    let now = fetch(&app, &token, uid).await;
    assert_eq!(now["name"], "刘可", "the new name was saved");
    let phones = by_id(&now["phones"], "pid", "phone");
    let expected = owned([
        (p1.as_str().unwrap(), "135012345678"),
        (p2.as_str().unwrap(), "13500000002"),
        (new_pid.as_str(), "13503768800"),
    ]);
    assert_eq!(
        phones, expected,
        "listed updated, new inserted, unlisted kept"
    );
    let mails = by_id(&now["mails"], "mid", "mail");
    let expected = owned([
        (m1.as_str().unwrap(), "5678@qq.com"),
        (m2.as_str().unwrap(), "b@qq.com"),
        (new_mid.as_str(), "88@qq.com"),
    ]);
    assert_eq!(mails, expected);
    let untouched = now["phones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == *p2)
        .unwrap();
    assert_eq!(
        untouched["intime"], p2_intime,
        "an unlisted phone keeps its intime"
    );
}

#[tokio::test]
async fn an_update_with_an_unknown_pid_changes_nothing_at_all() {
    let (app, token, [c]) = book(["a"]).await;
    let before = fetch(&app, &token, &c).await;

    let resp = app
        .pb()
        .post_auth(
            json!({"op": 1006, "uid": c, "user": {"name": "renamed",
                "phones": [{"phone": "13900000000"}, {"pid": UNKNOWN_UID, "phone": "1"}],
                "mails": [{"mail": "new@qq.com"}]}}),
            &token,
        )
        .await;

    assert_eq!(resp.failure(200), "phone not found");
    assert_eq!(
        fetch(&app, &token, &c).await,
        before,
        "one transaction: nothing half-written"
    );
}

/// A contact item edited by its own op: 10061 phones, 10062 mails.
struct Item {
    op: i64,
    /// The request's and answer's object: `phone_info` or `mail_info`.
    info: &'static str,
    /// The contact's list: `phones` or `mails`.
    list: &'static str,
    /// The item's id key: `pid` or `mid`.
    id: &'static str,
    /// The item's value key: `phone` or `mail`.
    key: &'static str,
    /// The value added.
    value: &'static str,
    /// The failure for an unknown id.
    not_found: &'static str,
}

/// Adds an item to a contact with its op, deletes it, then deletes it again.
async fn add_then_delete(item: Item) {
    // Arrange
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    let c = app
        .pb()
        .add_contact_full(&token, "a", "13500000001", "a@qq.com")
        .await;
    let first = if item.id == "pid" { &c.pid } else { &c.mid };
    let edit = |action: i64, info: Value| {
        let mut body = json!({"op": item.op, "uid": c.uid, "action": action});
        body[item.info] = info;
        body
    };

    // Act: add
    let mut info = json!({});
    info[item.key] = json!(item.value);
    let added = app.pb().post_auth(edit(0, info), &token).await.ok_json();

    // Assert
    assert_eq!(keys(&added), ["msg", "uid", item.info, "ret"]);
    let beside = format!("the contact's uid beside {}", item.info);
    assert_eq!(added["uid"], c.uid.as_str(), "{beside}");
    let new = &added[item.info];
    assert_eq!(keys(new), [item.key, item.id, "intime"]);
    assert_eq!(new[item.key], item.value);
    assert_uuid_v1(&new[item.id]);
    assert_intime(&new["intime"]);
    let id = new[item.id].as_str().unwrap().to_string();
    let items = by_id(
        &fetch(&app, &token, &c.uid).await[item.list],
        item.id,
        item.key,
    );
    assert_eq!(items.get(&id).map(String::as_str), Some(item.value));
    assert_eq!(items.len(), 2);

    // Act: delete
    let mut gone = json!({});
    gone[item.id] = json!(id);
    let deleted_raw = app.pb().post_auth(edit(1, gone.clone()), &token).await;
    assert_eq!(deleted_raw.ok_json()["ret"], 0);

    // Assert
    let (uid, info, key) = (&c.uid, item.info, item.id);
    assert_eq!(
        std::str::from_utf8(&deleted_raw.body).unwrap(),
        format!(r#"{{"msg":"success","uid":"{uid}","{info}":{{"{key}":"{id}"}},"ret":0}}"#)
    );
    let items = by_id(
        &fetch(&app, &token, &c.uid).await[item.list],
        item.id,
        item.key,
    );
    assert_eq!(items.keys().collect::<Vec<_>>(), [first]);
    let again = app.pb().post_auth(edit(1, gone), &token).await;
    assert_eq!(again.failure(200), item.not_found);
}

#[tokio::test]
async fn adding_and_deleting_a_phone_with_10061() {
    add_then_delete(Item {
        op: 10061,
        info: "phone_info",
        list: "phones",
        id: "pid",
        key: "phone",
        value: "13000001234",
        not_found: "phone not found",
    })
    .await;
}

#[tokio::test]
async fn adding_and_deleting_a_mail_with_10062() {
    add_then_delete(Item {
        op: 10062,
        info: "mail_info",
        list: "mails",
        id: "mid",
        key: "mail",
        value: "13000001234@qq.com",
        not_found: "mail not found",
    })
    .await;
}

#[tokio::test]
async fn deleting_contacts_really_removes_them_with_their_phones_and_mails() {
    // Arrange
    let (app, token, [a, b, keep]) = book(["a", "b", "keep"]).await;

    // Act
    let resp = app.pb().delete_contacts(&token, &[&a, &b]).await;

    // Assert
    assert_eq!(resp.ok_json(), json!({"msg": "success", "ret": 0}));
    let listed = app.pb().list(&token).await;
    assert_eq!(strs(&listed["users"], "uid"), [keep.as_str()]);
    assert_eq!(app.pb().contact_count(PHONE), 1);
    for gone in [&a, &b] {
        assert_eq!(count_rows(&app, "contact_phones", gone), 0);
        assert_eq!(count_rows(&app, "contact_mails", gone), 0);
        assert_eq!(
            app.pb().get_contacts(&token, &[gone]).await.failure(200),
            "contact not found"
        );
    }
    assert_eq!(count_rows(&app, "contact_phones", &keep), 1);
}

#[tokio::test]
async fn deleting_with_one_unknown_uid_deletes_nothing() {
    let (app, token, [a]) = book(["a"]).await;

    let resp = app.pb().delete_contacts(&token, &[&a, UNKNOWN_UID]).await;

    assert_eq!(resp.failure(200), "contact not found");
    assert_eq!(app.pb().contact_count(PHONE), 1);
    fetch(&app, &token, &a).await;
}
