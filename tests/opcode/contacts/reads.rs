//! Contacts read: 1009 list, 1010 get and the extension 1008 search.

use super::*;

#[tokio::test]
async fn listing_answers_the_whole_book_of_the_caller_in_the_documents_shape() {
    // Arrange
    let app = Server::start().await;
    let (rid, token) = app.pb().account(PHONE).await;
    let (_, other) = app.pb().account(OTHER).await;
    app.pb().add_contact(&other, "not mine").await;
    let mut mine = Vec::new();
    for name in ["a", "b", "c"] {
        mine.push(app.pb().add_contact(&token, name).await);
    }
    app.pb().post_auth(
        json!({"op": 10061, "uid": mine[0], "action": 0, "phone_info": {"phone": "13000001234"}}),
        &token,
    )
    .await
    .ok_json();

    // Act
    let v = app
        .pb()
        .post_auth(json!({"op": 1009, "rid": rid}), &token)
        .await
        .ok_json();

    // Assert
    assert_eq!(keys(&v), ["msg", "rid", "users", "ret"]);
    assert_eq!(v["rid"], rid.as_str());
    let users = v["users"].as_array().unwrap();
    let mut uids = strs(&v["users"], "uid");
    let listed_order = uids.clone();
    uids.sort_unstable();
    assert_eq!(listed_order, uids, "listed in id order, as the original");
    let mut expected: Vec<&str> = mine.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(uids, expected, "exactly the caller's contacts");
    for u in users {
        assert_eq!(keys(u), ["phones", "mails", "intime", "uid", "name"]);
        assert_intime(&u["intime"]);
        for p in u["phones"].as_array().unwrap() {
            assert_eq!(keys(p), ["intime", "pid", "phone"]);
        }
        for m in u["mails"].as_array().unwrap() {
            assert_eq!(keys(m), ["mail", "intime", "mid"]);
        }
        let pids = strs(&u["phones"], "pid");
        let mut sorted = pids.clone();
        sorted.sort_unstable();
        assert_eq!(pids, sorted, "phones in id order");
    }
    let first = users.iter().find(|u| u["uid"] == mine[0].as_str()).unwrap();
    assert_eq!(first["phones"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn getting_contacts_answers_them_in_the_request_order() {
    // Arrange
    let (app, token, [a, b, c]) = book(["a", "b", "c"]).await;

    // Act
    let v = app.pb().get_contacts(&token, &[&c, &a, &b]).await.ok_json();

    // Assert
    assert_eq!(keys(&v), ["msg", "users", "ret"]);
    let users = v["users"].as_array().unwrap();
    let got: Vec<(&str, &str)> = users
        .iter()
        .map(|u| (u["uid"].as_str().unwrap(), u["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(c.as_str(), "c"), (a.as_str(), "a"), (b.as_str(), "b")]
    );
    for u in users {
        assert_eq!(keys(u), ["phones", "mails", "intime", "uid", "name"]);
        assert_eq!(keys(&u["phones"][0]), ["intime", "pid", "phone"]);
        assert_eq!(keys(&u["mails"][0]), ["mail", "intime", "mid"]);
    }
}

#[tokio::test]
async fn getting_a_known_and_then_an_unknown_uid_is_refused_instead_of_echoing_the_previous_contact(
) {
    let (app, token, [a]) = book(["a"]).await;

    let resp = app.pb().get_contacts(&token, &[&a, UNKNOWN_UID]).await;

    assert_eq!(resp.failure(200), "contact not found");
}

#[tokio::test]
async fn searching_finds_the_callers_contacts_by_name_phone_or_mail_fragment() {
    // Arrange
    let app = Server::start().await;
    let (rid, token) = app.pb().account(PHONE).await;
    let (_, other) = app.pb().account(OTHER).await;
    let alice = app
        .pb()
        .add_contact_full(&token, "Alice", "13511112222", "alice@example.com")
        .await
        .uid;
    let bob = app
        .pb()
        .add_contact_full(&token, "Bob", "13633334444", "bob@work.org")
        .await
        .uid;
    app.pb()
        .add_contact_full(&other, "Alice Other", "13511119999", "alice@work.org")
        .await;

    for (q, expected) in [
        ("ali", vec![alice.as_str()]),
        ("ALICE", vec![alice.as_str()]),
        ("1111", vec![alice.as_str()]),
        ("3333", vec![bob.as_str()]),
        ("work.org", vec![bob.as_str()]),
        ("example", vec![alice.as_str()]),
        ("zzz", vec![]),
        ("%", vec![]),
        ("_", vec![]),
    ] {
        // Act
        let v = app
            .pb()
            .post_auth(json!({"op": 1008, "q": q}), &token)
            .await
            .ok_json();

        // Assert
        assert_eq!(v["rid"], rid.as_str(), "{q}");
        let got = strs(&v["users"], "uid");
        assert_eq!(got, expected, "query {q:?}");
        for u in v["users"].as_array().unwrap() {
            assert_eq!(keys(u), ["phones", "mails", "intime", "uid", "name"]);
        }
    }
    let both = app
        .pb()
        .post_auth(json!({"op": 1008, "q": "3"}), &token)
        .await
        .ok_json();
    assert_eq!(both["users"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn searching_with_an_empty_fragment_is_refused() {
    let (app, token, _) = book(["a"]).await;

    let resp = app
        .pb()
        .post_auth(json!({"op": 1008, "q": "  "}), &token)
        .await;

    let msg = resp.failure(200);
    assert!(msg.contains('q'), "{msg}");
}
