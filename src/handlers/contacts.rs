//! PhoneBooks contacts. Every operation is scoped to the caller's account: another account's
//! contact uid behaves exactly like one that does not exist.

use crate::command::contacts::ContactsCommand;
use crate::command::contacts::{
    AddContacts, DeleteContacts, EditContactItem, ExportContacts, GetContacts, ItemAction,
    ItemEdit, ItemKind, ListContacts, SearchContacts, UpdateContact,
};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Requester;
use crate::domain::{Caller, Contact, ContactMail, ContactPhone};
use crate::error::{Error, Result};
use crate::store::contacts::{self as store, Item};
use crate::store::Tx;

impl ContactsCommand {
    /// Applies a contact command to the caller's book.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        let caller = from.account()?;
        match self {
            ContactsCommand::AddContacts(c) => c.apply(ctx, caller),
            ContactsCommand::UpdateContact(c) => c.apply(ctx, caller),
            ContactsCommand::EditContactItem(c) => c.apply(ctx, caller),
            ContactsCommand::DeleteContacts(c) => c.apply(ctx, caller),
            ContactsCommand::ListContacts(c) => c.apply(ctx, caller),
            ContactsCommand::GetContacts(c) => c.apply(ctx, caller),
            ContactsCommand::SearchContacts(c) => c.apply(ctx, caller),
            ContactsCommand::ExportContacts(c) => c.apply(ctx, caller),
        }
    }
}

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
                    .map(|v| new_item(ctx, v, &intime))
                    .collect(),
                mails: non_blank(u.mails)
                    .map(|v| new_item(ctx, v, &intime))
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

/// A new phone or mail with a new id.
fn new_item<T: Item>(ctx: &Ctx, value: String, intime: &str) -> T {
    T::new(ctx.ids.uuid().to_string(), value, intime.to_string())
}

impl UpdateContact {
    /// Applies the edit in one transaction; an unknown pid or mid fails the whole edit.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let intime = ctx.intime();
        let uid = self.uid;
        ctx.store.write(|tx| {
            let mut contact =
                store::get(tx, caller.account_pk, &uid)?.ok_or(Error::NotFound("contact"))?;
            if let Some(name) = self.name.clone() {
                store::rename(tx, &uid, &name)?;
                contact.name = name;
            }
            contact.phones = write_items(ctx, tx, &uid, &intime, self.phones.clone())?;
            contact.mails = write_items(ctx, tx, &uid, &intime, self.mails.clone())?;
            Ok(Outcome::ContactUpdated(contact))
        })
    }
}

/// Writes a contact's item edits in order, blank values skipped: an edit naming an id rewrites
/// that item (not found when the contact has none such), one without adds an item with a new
/// id. Answers the items as written.
fn write_items<T: Item>(
    ctx: &Ctx,
    tx: &Tx,
    contact_uid: &str,
    intime: &str,
    edits: Vec<ItemEdit>,
) -> Result<Vec<T>> {
    let mut written = Vec::new();
    for edit in edits.into_iter().filter(|e| !e.value.trim().is_empty()) {
        let known = edit.id.is_some();
        let item = match edit.id {
            Some(id) => T::new(id, edit.value, intime.to_string()),
            None => new_item(ctx, edit.value, intime),
        };
        if !known {
            store::insert_item(tx, contact_uid, &item)?;
        } else if !store::update_item(tx, contact_uid, &item)? {
            return Err(Error::NotFound(T::KIND));
        }
        written.push(item);
    }
    Ok(written)
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
            match (self.kind, self.action.clone()) {
                (ItemKind::Phone, ItemAction::Add(phone)) => {
                    let phone = add_item(tx, &self.uid, new_id.clone(), phone, intime.clone())?;
                    Ok(Outcome::PhoneAdded {
                        uid: self.uid.clone(),
                        phone,
                    })
                }
                (ItemKind::Mail, ItemAction::Add(mail)) => {
                    let mail = add_item(tx, &self.uid, new_id.clone(), mail, intime.clone())?;
                    Ok(Outcome::MailAdded {
                        uid: self.uid.clone(),
                        mail,
                    })
                }
                (ItemKind::Phone, ItemAction::Remove(pid)) => {
                    remove_item::<ContactPhone>(tx, &self.uid, &pid)?;
                    Ok(Outcome::PhoneRemoved {
                        uid: self.uid.clone(),
                        pid,
                    })
                }
                (ItemKind::Mail, ItemAction::Remove(mid)) => {
                    remove_item::<ContactMail>(tx, &self.uid, &mid)?;
                    Ok(Outcome::MailRemoved {
                        uid: self.uid.clone(),
                        mid,
                    })
                }
            }
        })
    }
}

/// Adds a phone or mail with this id and value to the contact; answers it.
fn add_item<T: Item>(tx: &Tx, uid: &str, id: String, value: String, intime: String) -> Result<T> {
    let item = T::new(id, value, intime);
    store::insert_item(tx, uid, &item)?;
    Ok(item)
}

/// Removes the contact's phone or mail with this id; not found when it has none such.
fn remove_item<T: Item>(tx: &Tx, uid: &str, id: &str) -> Result<()> {
    if !store::delete_item::<T>(tx, uid, id)? {
        return Err(Error::NotFound(T::KIND));
    }
    Ok(())
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
        let contacts = ctx.store.snapshot(|c| {
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
        let contacts = ctx.store.snapshot(|c| {
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
    /// Reads the whole book (one statement, one state), listed as 1009 lists it, stamped with
    /// the time of the read.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let exported_at = ctx.intime();
        let contacts = ctx.store.read(|c| store::list(c, caller.account_pk))?;
        Ok(Outcome::ContactsExport {
            owner: caller.account_uid,
            contacts,
            exported_at,
        })
    }
}

#[cfg(test)]
mod tests;
