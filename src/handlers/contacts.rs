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
mod tests;
