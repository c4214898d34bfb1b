//! Unit tests of the contact handlers: scoping to the caller, all-or-nothing edits, search
//! and export.

use super::*;
use crate::command::contacts::{ItemEdit, NewContact};
use crate::handlers::testing;
use uuid::Uuid;

fn caller(ctx: &Ctx, phone: &str) -> Caller {
    testing::caller(ctx, Uuid::new_v4(), phone)
}

/// A test context with two accounts, `me` and `other`, each with an empty book.
fn two_books() -> (Ctx, Caller, Caller, tempfile::TempDir) {
    let (ctx, _, dir) = testing::ctx();
    let me = caller(&ctx, "13000000001");
    let other = caller(&ctx, "13000000002");
    (ctx, me, other, dir)
}

/// A test context whose account `me` has one contact, "a", added by [`add`].
fn my_contact() -> (Ctx, Caller, Contact, tempfile::TempDir) {
    let (ctx, _, dir) = testing::ctx();
    let me = caller(&ctx, "13000000001");
    let c = add(&ctx, &me, "a");
    (ctx, me, c, dir)
}

/// The contact as stored in `who`'s book.
fn stored(ctx: &Ctx, who: &Caller, uid: &str) -> Option<Contact> {
    ctx.store
        .read(|conn| store::get(conn, who.account_pk, uid))
        .unwrap()
}

fn add(ctx: &Ctx, who: &Caller, name: &str) -> Contact {
    let out = AddContacts {
        users: vec![NewContact {
            name: name.into(),
            phones: vec!["13503768800".into(), " ".into()],
            mails: vec!["1@qq.com".into()],
        }],
    }
    .apply(ctx, who)
    .unwrap();
    match out {
        Outcome::Contacts { mut contacts, .. } => contacts.remove(0),
        o => panic!("{o:?}"),
    }
}

#[test]
fn added_contacts_skip_blank_phones_and_share_one_intime() {
    let (_ctx, _me, c, _d) = my_contact();
    assert_eq!(c.phones.len(), 1);
    assert_eq!(c.phones[0].intime, c.intime);
    assert_eq!(c.intime, "20170511165017");
}

#[test]
fn another_accounts_contact_is_not_found_for_every_operation() {
    let (ctx, me, other, _d) = two_books();
    let c = add(&ctx, &me, "a");
    let get = GetContacts {
        uids: vec![c.uid.clone()],
    }
    .apply(&ctx, &other);
    assert!(matches!(get, Err(Error::NotFound("contact"))));
    let del = DeleteContacts {
        uids: vec![c.uid.clone()],
    }
    .apply(&ctx, &other);
    assert!(matches!(del, Err(Error::NotFound("contact"))));
    let upd = UpdateContact {
        uid: c.uid.clone(),
        name: Some("x".into()),
        phones: vec![],
        mails: vec![],
    }
    .apply(&ctx, &other);
    assert!(matches!(upd, Err(Error::NotFound("contact"))));
    let item = EditContactItem {
        uid: c.uid.clone(),
        kind: ItemKind::Phone,
        action: ItemAction::Remove(c.phones[0].pid.clone()),
    }
    .apply(&ctx, &other);
    assert!(matches!(item, Err(Error::NotFound("contact"))));
    // Still intact for its owner.
    assert_eq!(stored(&ctx, &me, &c.uid), Some(c));
}

#[test]
fn deleting_with_one_unknown_uid_deletes_nothing() {
    let (ctx, me, c, _d) = my_contact();
    let r = DeleteContacts {
        uids: vec![c.uid.clone(), "nope".into()],
    }
    .apply(&ctx, &me);
    assert!(r.is_err());
    assert_eq!(
        ctx.store
            .read(|conn| store::count(conn, me.account_pk))
            .unwrap(),
        1
    );
}

#[test]
fn an_update_persists_the_name_and_keeps_unlisted_items() {
    let (ctx, me, c, _d) = my_contact();
    UpdateContact {
        uid: c.uid.clone(),
        name: Some("刘可".into()),
        phones: vec![ItemEdit {
            id: None,
            value: "13000001234".into(),
        }],
        mails: vec![ItemEdit {
            id: Some(c.mails[0].mid.clone()),
            value: "5678@qq.com".into(),
        }],
    }
    .apply(&ctx, &me)
    .unwrap();
    let now = stored(&ctx, &me, &c.uid).unwrap();
    assert_eq!(now.name, "刘可");
    assert_eq!(now.phones.len(), 2);
    assert_eq!(now.mails.len(), 1);
    assert_eq!(now.mails[0].mail, "5678@qq.com");
}

#[test]
fn an_update_with_an_unknown_pid_changes_nothing() {
    let (ctx, me, c, _d) = my_contact();
    let r = UpdateContact {
        uid: c.uid.clone(),
        name: Some("b".into()),
        phones: vec![ItemEdit {
            id: Some("no-such-pid".into()),
            value: "1".into(),
        }],
        mails: vec![],
    }
    .apply(&ctx, &me);
    assert!(matches!(r, Err(Error::NotFound("phone"))));
    let now = stored(&ctx, &me, &c.uid).unwrap();
    assert_eq!(now.name, "a");
}

#[test]
fn search_matches_name_phone_and_mail_fragments_of_the_callers_book_only() {
    let (ctx, me, other, _d) = two_books();
    add(&ctx, &me, "Alice");
    add(&ctx, &other, "Alice");
    for q in ["ali", "3768", "QQ.COM"] {
        let out = SearchContacts { q: q.into() }.apply(&ctx, &me).unwrap();
        let Outcome::Contacts { contacts, .. } = out else {
            panic!()
        };
        assert_eq!(contacts.len(), 1, "query {q}");
    }
    let out = SearchContacts { q: "bob".into() }.apply(&ctx, &me).unwrap();
    let Outcome::Contacts { contacts, .. } = out else {
        panic!()
    };
    assert!(contacts.is_empty());
}

#[test]
fn an_export_is_the_whole_book_as_1009_lists_it_stamped_with_the_read_time() {
    let (ctx, me, other, _d) = two_books();
    add(&ctx, &me, "b");
    add(&ctx, &me, "a");
    add(&ctx, &other, "c");
    let Outcome::Contacts {
        contacts: listed, ..
    } = ListContacts.apply(&ctx, &me).unwrap()
    else {
        panic!()
    };
    let out = ExportContacts.apply(&ctx, &me).unwrap();
    let Outcome::ContactsExport {
        owner,
        contacts,
        exported_at,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(owner, me.account_uid);
    assert_eq!(contacts, listed);
    assert_eq!(
        contacts.len(),
        2,
        "another account's contact is not exported"
    );
    assert_eq!(exported_at, ctx.intime());
    assert_eq!(exported_at, "20170511165017");
}

#[test]
fn an_empty_book_exports_no_contacts() {
    let (ctx, _, _d) = testing::ctx();
    let me = caller(&ctx, "13000000001");
    let out = ExportContacts.apply(&ctx, &me).unwrap();
    assert!(matches!(out, Outcome::ContactsExport { contacts, .. } if contacts.is_empty()));
}
