//! PhoneBooks contacts. Every operation is scoped to the caller's account: another account's
//! contact uid behaves exactly like one that does not exist.

use crate::command::contacts::{
    AddContacts, DeleteContacts, EditContactItem, ExportContacts, GetContacts, ItemAction,
    ItemKind, ListContacts, SearchContacts, UpdateContact,
};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::{Caller, Contact, ContactMail, ContactPhone};
use crate::error::{Error, Result};
use crate::store::contacts as store;

impl AddContacts {
    /// Inserts every contact in one transaction; answers them with their new ids.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let intime = ctx.intime();
        let added: Vec<Contact> = self
            .users
            .into_iter()
            .map(|u| Contact {
                uid: ctx.ids.uuid().to_string(),
                name: u.name,
                intime: intime.clone(),
                phones: non_blank(u.phones)
                    .map(|phone| ContactPhone {
                        pid: ctx.ids.uuid().to_string(),
                        phone,
                        intime: intime.clone(),
                    })
                    .collect(),
                mails: non_blank(u.mails)
                    .map(|mail| ContactMail {
                        mid: ctx.ids.uuid().to_string(),
                        mail,
                        intime: intime.clone(),
                    })
                    .collect(),
            })
            .collect();
        ctx.store.write(|tx| {
            added
                .iter()
                .try_for_each(|c| store::insert(tx, caller.account_pk, c))
        })?;
        Ok(Outcome::Contacts {
            owner: caller.account_uid,
            contacts: added,
        })
    }
}

fn non_blank(items: Vec<String>) -> impl Iterator<Item = String> {
    items.into_iter().filter(|s| !s.trim().is_empty())
}

impl UpdateContact {
    /// Applies the edit in one transaction; an unknown pid or mid fails the whole edit.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let intime = ctx.intime();
        let uid = self.uid;
        ctx.store.write(|tx| {
            let mut contact =
                store::get(tx, caller.account_pk, &uid)?.ok_or(Error::NotFound("contact"))?;
            if let Some(name) = self.name {
                store::rename(tx, &uid, &name)?;
                contact.name = name;
            }
            let mut phones = Vec::new();
            for edit in self
                .phones
                .into_iter()
                .filter(|e| !e.value.trim().is_empty())
            {
                let p = ContactPhone {
                    pid: edit
                        .id
                        .clone()
                        .unwrap_or_else(|| ctx.ids.uuid().to_string()),
                    phone: edit.value,
                    intime: intime.clone(),
                };
                if edit.id.is_some() {
                    if !store::update_phone(tx, &uid, &p)? {
                        return Err(Error::NotFound("phone"));
                    }
                } else {
                    store::insert_phone(tx, &uid, &p)?;
                }
                phones.push(p);
            }
            let mut mails = Vec::new();
            for edit in self
                .mails
                .into_iter()
                .filter(|e| !e.value.trim().is_empty())
            {
                let m = ContactMail {
                    mid: edit
                        .id
                        .clone()
                        .unwrap_or_else(|| ctx.ids.uuid().to_string()),
                    mail: edit.value,
                    intime: intime.clone(),
                };
                if edit.id.is_some() {
                    if !store::update_mail(tx, &uid, &m)? {
                        return Err(Error::NotFound("mail"));
                    }
                } else {
                    store::insert_mail(tx, &uid, &m)?;
                }
                mails.push(m);
            }
            contact.phones = phones;
            contact.mails = mails;
            Ok(Outcome::ContactUpdated(contact))
        })
    }
}

impl EditContactItem {
    /// Applies the edit; unknown contacts and items are "not found". The outcome names the
    /// contact beside the item.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let intime = ctx.intime();
        let new_id = ctx.ids.uuid().to_string();
        ctx.store.write(|tx| {
            if !store::owns(tx, caller.account_pk, &self.uid)? {
                return Err(Error::NotFound("contact"));
            }
            match (self.kind, self.action) {
                (ItemKind::Phone, ItemAction::Add(phone)) => {
                    let p = ContactPhone {
                        pid: new_id,
                        phone,
                        intime,
                    };
                    store::insert_phone(tx, &self.uid, &p)?;
                    Ok(Outcome::PhoneAdded {
                        uid: self.uid,
                        phone: p,
                    })
                }
                (ItemKind::Mail, ItemAction::Add(mail)) => {
                    let m = ContactMail {
                        mid: new_id,
                        mail,
                        intime,
                    };
                    store::insert_mail(tx, &self.uid, &m)?;
                    Ok(Outcome::MailAdded {
                        uid: self.uid,
                        mail: m,
                    })
                }
                (ItemKind::Phone, ItemAction::Remove(pid)) => {
                    if !store::delete_phone(tx, &self.uid, &pid)? {
                        return Err(Error::NotFound("phone"));
                    }
                    Ok(Outcome::PhoneRemoved { uid: self.uid, pid })
                }
                (ItemKind::Mail, ItemAction::Remove(mid)) => {
                    if !store::delete_mail(tx, &self.uid, &mid)? {
                        return Err(Error::NotFound("mail"));
                    }
                    Ok(Outcome::MailRemoved { uid: self.uid, mid })
                }
            }
        })
    }
}

impl DeleteContacts {
    /// Deletes all of them, or — when any is unknown — none.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        ctx.store.write(|tx| {
            for uid in &self.uids {
                if !store::delete(tx, caller.account_pk, uid)? {
                    return Err(Error::NotFound("contact"));
                }
            }
            Ok(Outcome::Done)
        })
    }
}

impl ListContacts {
    /// Lists the book in uid order.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let contacts = ctx.store.read(|c| store::list(c, caller.account_pk))?;
        Ok(Outcome::Contacts {
            owner: caller.account_uid,
            contacts,
        })
    }
}

impl GetContacts {
    /// Fetches each; any unknown uid fails the request.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let contacts = ctx.store.read(|c| {
            self.uids
                .iter()
                .map(|uid| store::get(c, caller.account_pk, uid)?.ok_or(Error::NotFound("contact")))
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(Outcome::Contacts {
            owner: caller.account_uid,
            contacts,
        })
    }
}

impl SearchContacts {
    /// Searches the caller's book; answers in uid order.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let contacts = ctx.store.read(|c| {
            store::search(c, caller.account_pk, &self.q)?
                .iter()
                .filter_map(|uid| store::get(c, caller.account_pk, uid).transpose())
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(Outcome::Contacts {
            owner: caller.account_uid,
            contacts,
        })
    }
}

impl ExportContacts {
    /// Reads the whole book in one read transaction, listed as 1009 lists it, stamped with
    /// the time of the read.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let exported_at = ctx.intime();
        let contacts = ctx.store.snapshot(|c| store::list(c, caller.account_pk))?;
        Ok(Outcome::ContactsExport {
            owner: caller.account_uid,
            contacts,
            exported_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::contacts::{ItemEdit, NewContact};
    use crate::handlers::testing;
    use crate::store::accounts;
    use uuid::Uuid;

    fn caller(ctx: &Ctx, phone: &str) -> Caller {
        let uid = Uuid::new_v4();
        let pk = ctx
            .store
            .write(|tx| {
                accounts::insert(
                    tx,
                    &accounts::NewAccount {
                        uid,
                        phone,
                        email: None,
                        name: None,
                        password_hash: "x",
                        created_at: 0,
                    },
                )
            })
            .unwrap();
        Caller {
            account_pk: pk,
            account_uid: uid,
            token_id: 0,
            refresh_kind: None,
        }
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
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let c = add(&ctx, &me, "a");
        assert_eq!(c.phones.len(), 1);
        assert_eq!(c.phones[0].intime, c.intime);
        assert_eq!(c.intime, "20170511165017");
    }

    #[test]
    fn another_accounts_contact_is_not_found_for_every_operation() {
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let other = caller(&ctx, "13000000002");
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
        let mine = ctx
            .store
            .read(|conn| store::get(conn, me.account_pk, &c.uid))
            .unwrap();
        assert_eq!(mine, Some(c));
    }

    #[test]
    fn deleting_with_one_unknown_uid_deletes_nothing() {
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let c = add(&ctx, &me, "a");
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
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let c = add(&ctx, &me, "a");
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
        let now = ctx
            .store
            .read(|conn| store::get(conn, me.account_pk, &c.uid))
            .unwrap()
            .unwrap();
        assert_eq!(now.name, "刘可");
        assert_eq!(now.phones.len(), 2);
        assert_eq!(now.mails.len(), 1);
        assert_eq!(now.mails[0].mail, "5678@qq.com");
    }

    #[test]
    fn an_update_with_an_unknown_pid_changes_nothing() {
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let c = add(&ctx, &me, "a");
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
        let now = ctx
            .store
            .read(|conn| store::get(conn, me.account_pk, &c.uid))
            .unwrap()
            .unwrap();
        assert_eq!(now.name, "a");
    }

    #[test]
    fn search_matches_name_phone_and_mail_fragments_of_the_callers_book_only() {
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let other = caller(&ctx, "13000000002");
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
        let (ctx, _, _d) = testing::ctx();
        let me = caller(&ctx, "13000000001");
        let other = caller(&ctx, "13000000002");
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
}
