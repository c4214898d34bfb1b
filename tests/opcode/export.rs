//! Contacts: 1011 export (an extension) — the caller's whole book as 1009 lists it, with its
//! size and the export time after `rid`; never another account's book; the 401 envelope.

use crate::support::checks::*;
use crate::support::pb::*;
use crate::support::Server;
use serde_json::json;

const PHONE: &str = "13000000001";
const OTHER: &str = "13000000002";

/// 1011's top-level keys in wire order: 1009's, with `count` and `exported_at` after `rid`.
const EXPORT_KEYS: [&str; 6] = ["msg", "rid", "count", "exported_at", "users", "ret"];

#[tokio::test]
async fn the_export_is_what_1009_lists_plus_count_and_exported_at_after_rid() {
    // Arrange
    let s = Server::start().await;
    let (rid, token) = s.pb().account(PHONE).await;
    s.pb()
        .add_contacts(
            &token,
            json!([
                {"name": "a", "phones": [{"phone": "13503768800"}], "mails": [{"mail": "1@qq.com"}]},
                {"name": "刘可", "phones": [{"phone": "135012345678"}, {"phone": "13503768801"}]},
            ]),
        )
        .await;
    s.pb()
        .add_contacts(
            &token,
            json!([{"name": "c", "mails": [{"mail": "88@qq.com"}]}]),
        )
        .await;
    let before = s.pb().stamp_now();

    // Act
    let listed = s.pb().list(&token).await;
    let exported = s
        .pb()
        .post_auth(json!({"op": 1011, "rid": rid}), &token)
        .await
        .ok_json();
    let after = s.pb().stamp_now();

    // Assert: the header
    assert_eq!(keys(&exported), EXPORT_KEYS);
    assert_eq!(exported["count"], json!(3));
    let at = exported["exported_at"].as_str().unwrap();
    assert!(
        at.len() == 14 && at.bytes().all(|b| b.is_ascii_digit()),
        "exported_at {at:?} is not a 14-digit stamp"
    );
    assert!(
        before.as_str() <= at && at <= after.as_str(),
        "exported_at {at} is not the local time of the export ({before}..{after})"
    );
    // The rest is 1009's answer, byte for byte.
    let mut without_header = exported.clone();
    let header = without_header.as_object_mut().unwrap();
    header.shift_remove("count");
    header.shift_remove("exported_at");
    assert_eq!(without_header, listed, "the export is 1009's answer");
    assert_eq!(
        serde_json::to_string(&without_header).unwrap(),
        serde_json::to_string(&listed).unwrap(),
        "in 1009's key order, contacts in 1009's order"
    );
}

#[tokio::test]
async fn another_accounts_book_is_never_in_the_export() {
    // Arrange
    let s = Server::start().await;
    let (rid_a, token_a) = s.pb().account(PHONE).await;
    let (rid_b, token_b) = s.pb().account(OTHER).await;
    let mine = s
        .pb()
        .add_contacts(
            &token_a,
            json!([{"name": "mine", "phones": [{"phone": "13000000101"}]}]),
        )
        .await;
    let theirs = s
        .pb()
        .add_contacts(
            &token_b,
            json!([
                {"name": "theirs 1", "phones": [{"phone": "13000000201"}]},
                {"name": "theirs 2", "mails": [{"mail": "b@qq.com"}]},
            ]),
        )
        .await;

    // Act
    let a = s.pb().export(&token_a).await;
    let b = s.pb().export(&token_b).await;

    // Assert: each book holds its own contacts only
    assert_eq!((a["rid"].as_str(), &a["count"]), (Some(&*rid_a), &json!(1)));
    assert_eq!(strs(&a["users"], "uid"), mine);
    assert_eq!((b["rid"].as_str(), &b["count"]), (Some(&*rid_b), &json!(2)));
    let mut got = strs(&b["users"], "uid");
    got.sort();
    let mut want = theirs.clone();
    want.sort();
    assert_eq!(got, want);
    let text = a.to_string();
    for (uid, fragment) in [(&theirs[0], "13000000201"), (&theirs[1], "b@qq.com")] {
        assert!(
            !text.contains(uid.as_str()) && !text.contains(fragment),
            "{text}"
        );
    }
    // Naming the other account's book does not reach it either.
    let claim = s
        .pb()
        .post_auth(json!({"op": 1011, "rid": rid_b}), &token_a)
        .await;
    assert_eq!(
        (claim.status, claim.json()),
        (
            200,
            json!({"ret": -1, "msg": "token does not belong to this account"})
        )
    );
}

#[tokio::test]
async fn without_authorization_the_export_is_http_401_with_the_envelope() {
    // Arrange
    let s = Server::start().await;
    let (rid, token) = s.pb().account(PHONE).await;
    s.pb().add_contacts(&token, json!([{"name": "a"}])).await;

    // Act
    let bare = s.pb().post(json!({"op": 1011, "rid": rid})).await;
    let wrong = s.pb().post_auth(json!({"op": 1011}), "not-a-token").await;

    // Assert
    assert_eq!(
        (bare.status, bare.json()),
        (
            401,
            json!({"ret": -1, "msg": "missing Authorization header"})
        )
    );
    let wrong_body = wrong.json();
    assert_eq!(wrong.status, 200, "{wrong_body}");
    assert_eq!(wrong_body["ret"], -1);
    assert!(wrong_body.get("users").is_none(), "{wrong_body}");
}

#[tokio::test]
async fn an_empty_book_exports_count_0_and_an_empty_list() {
    // Arrange
    let s = Server::start().await;
    let (rid, token) = s.pb().account(PHONE).await;

    // Act
    let exported = s.pb().export(&token).await;

    // Assert
    assert_eq!(exported["rid"], json!(rid));
    assert_eq!(exported["count"], json!(0));
    assert_eq!(exported["users"], json!([]));
    assert_eq!(keys(&exported), EXPORT_KEYS);
}
