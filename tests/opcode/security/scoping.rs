//! Contacts, items and `rid` belong to the token's account; another's answer like unknown ones.

use super::*;

/// Two accounts; A has one contact with one phone and one mail, B has one of its own.
struct TwoBooks {
    app: Server,
    a_rid: String,
    a_token: String,
    a_contact: AddedContact,
    b_token: String,
    b_contact: AddedContact,
}

async fn two_books() -> TwoBooks {
    let app = Server::start().await;
    let (a_rid, a_token) = app.pb().account(A).await;
    let (_, b_token) = app.pb().account(B).await;
    let a_contact = app
        .pb()
        .add_contact_full(&a_token, "A's friend", "13500000001", "friend@a.com")
        .await;
    let b_contact = app
        .pb()
        .add_contact_full(&b_token, "B's friend", "13500000002", "friend@b.com")
        .await;
    TwoBooks {
        app,
        a_rid,
        a_token,
        a_contact,
        b_token,
        b_contact,
    }
}

impl TwoBooks {
    /// B sends `with_foreign` (naming A's data) and `with_unknown` (naming nothing); both must
    /// get exactly the same answer, a failure, and neither book may change. Returns the msg.
    async fn assert_foreign_is_unknown(&self, with_foreign: Value, with_unknown: Value) -> String {
        // Arrange
        let a_before = self.app.pb().list(&self.a_token).await;
        let b_before = self.app.pb().list(&self.b_token).await;
        let rows_before = self.all_rows();

        // Act
        let foreign = self.app.pb().post_auth(with_foreign, &self.b_token).await;
        let unknown = self.app.pb().post_auth(with_unknown, &self.b_token).await;

        // Assert
        let msg = foreign.failure(200);
        assert_eq!(foreign.status, unknown.status);
        assert_eq!(
            foreign.json(),
            unknown.json(),
            "another account's id must look exactly like an unknown one"
        );
        assert_eq!(
            self.app.pb().list(&self.a_token).await,
            a_before,
            "A unchanged"
        );
        assert_eq!(
            self.app.pb().list(&self.b_token).await,
            b_before,
            "B unchanged"
        );
        assert_eq!(self.all_rows(), rows_before, "no row written anywhere");
        msg
    }

    fn all_rows(&self) -> Vec<i64> {
        ["contacts", "contact_phones", "contact_mails"]
            .iter()
            .map(|t| self.app.rows(t))
            .collect()
    }
}

/// Which of A's ids a case names.
type IdOf = fn(&TwoBooks) -> &str;

/// A request B sends naming one of A's ids, and the failure it must get: the same as for an id
/// that exists nowhere.
struct Foreign {
    what: &'static str,
    /// The id of A's that B names.
    id: IdOf,
    /// B's request naming `id`.
    body: fn(&TwoBooks, &str) -> Value,
    msg: &'static str,
}

/// Every request that names another account's contact, item or rid.
#[rustfmt::skip]
fn foreign_cases() -> Vec<Foreign> {
    let contact: IdOf = |t| &t.a_contact.uid;
    let pid: IdOf = |t| &t.a_contact.pid;
    let mid: IdOf = |t| &t.a_contact.mid;
    let rid: IdOf = |t| &t.a_rid;
    const NO_CONTACT: &str = "contact not found";
    const NOT_YOURS: &str = "token does not belong to this account";
    vec![
        Foreign { body: |_, uid| json!({"op": 1006, "uid": uid, "user": {"name": "hijacked",
                "phones": [{"phone": "13900000000"}], "mails": [{"mail": "x@evil.com"}]}}),
            id: contact, msg: NO_CONTACT, what: "updating A's contact" },
        Foreign { body: |t, pid| json!({"op": 1006, "uid": t.b_contact.uid, "user": {"phones": [{"pid": pid, "phone": "13900000000"}]}}),
            id: pid, msg: "phone not found", what: "updating B's contact with A's pid" },
        Foreign { body: |t, mid| json!({"op": 1006, "uid": t.b_contact.uid, "user": {"mails": [{"mid": mid, "mail": "x@evil.com"}]}}),
            id: mid, msg: "mail not found", what: "updating B's contact with A's mid" },
        Foreign { body: |_, uid| json!({"op": 10061, "uid": uid, "action": 0, "phone_info": {"phone": "13900000000"}}),
            id: contact, msg: NO_CONTACT, what: "adding a phone to A's contact" },
        Foreign { body: |t, uid| json!({"op": 10061, "uid": uid, "action": 1, "phone_info": {"pid": t.a_contact.pid}}),
            id: contact, msg: NO_CONTACT, what: "deleting a phone of A's contact" },
        Foreign { body: |t, pid| json!({"op": 10061, "uid": t.b_contact.uid, "action": 1, "phone_info": {"pid": pid}}),
            id: pid, msg: "phone not found", what: "deleting A's pid through B's contact" },
        Foreign { body: |_, uid| json!({"op": 10062, "uid": uid, "action": 0, "mail_info": {"mail": "x@evil.com"}}),
            id: contact, msg: NO_CONTACT, what: "adding a mail to A's contact" },
        Foreign { body: |t, uid| json!({"op": 10062, "uid": uid, "action": 1, "mail_info": {"mid": t.a_contact.mid}}),
            id: contact, msg: NO_CONTACT, what: "deleting a mail of A's contact" },
        Foreign { body: |t, mid| json!({"op": 10062, "uid": t.b_contact.uid, "action": 1, "mail_info": {"mid": mid}}),
            id: mid, msg: "mail not found", what: "deleting A's mid through B's contact" },
        Foreign { body: |_, uid| json!({"op": 1007, "users": [{"uid": uid}]}),
            id: contact, msg: NO_CONTACT, what: "deleting A's contact" },
        Foreign { body: |_, uid| json!({"op": 1010, "users": [{"uid": uid}]}),
            id: contact, msg: NO_CONTACT, what: "getting A's contact" },
        Foreign { body: |_, rid| json!({"op": 1009, "rid": rid}),
            id: rid, msg: NOT_YOURS, what: "listing with A's rid" },
        Foreign { body: |_, rid| json!({"op": 1005, "rid": rid, "users": [{"name": "planted"}]}),
            id: rid, msg: NOT_YOURS, what: "adding with A's rid" },
    ]
}

#[tokio::test]
async fn another_accounts_contact_item_or_rid_answers_like_an_unknown_one_and_changes_nothing() {
    let t = two_books().await;

    for case in foreign_cases() {
        let foreign = (case.body)(&t, (case.id)(&t));
        let unknown = (case.body)(&t, UNKNOWN_UID);
        let msg = t.assert_foreign_is_unknown(foreign, unknown).await;
        assert_eq!(msg, case.msg, "{}", case.what);
    }

    assert_eq!(t.app.pb().contact_count(A), 1);
    assert_eq!(t.app.pb().contact_count(B), 1);
}

#[tokio::test]
async fn searching_never_finds_another_accounts_contacts() {
    let t = two_books().await;

    let v = t
        .app
        .pb()
        .post_auth(json!({"op": 1008, "q": "friend"}), &t.b_token)
        .await
        .ok_json();

    let got = strs(&v["users"], "uid");
    assert_eq!(got, [t.b_contact.uid.as_str()]);
}
