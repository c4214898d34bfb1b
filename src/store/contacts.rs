//! PhoneBooks contacts with their phones and mails. Every query is scoped to an owner.

use super::sql::{params, Engine, Tx};
use super::{optional_row, value};
use crate::domain::{Contact, ContactMail, ContactPhone};
use crate::error::Error;
use std::collections::HashMap;

/// [`count`]'s statement.
pub(crate) const COUNT: &str = "SELECT COUNT(*) FROM contacts WHERE owner_pk = ?1";
/// [`list`]'s statement (op 1009, the export): the owner's contacts by uid, then their phones
/// by pid, then their mails by mid, as rows of (part 0/1/2, sort key, contact uid, name or
/// value, intime). One statement reads one state of the database on either engine, so a book
/// never mixes the states before and after a concurrent write, with no transaction around it
/// (on PostgreSQL that is two round trips fewer than three statements in one).
pub(crate) const BOOK: &str = "\
    SELECT 0, uid, uid, name, intime FROM contacts WHERE owner_pk = ?1
    UNION ALL
    SELECT 1, i.pid, i.contact_uid, i.phone, i.intime FROM contact_phones i
    JOIN contacts c ON c.uid = i.contact_uid WHERE c.owner_pk = ?1
    UNION ALL
    SELECT 2, i.mid, i.contact_uid, i.mail, i.intime FROM contact_mails i
    JOIN contacts c ON c.uid = i.contact_uid WHERE c.owner_pk = ?1
    ORDER BY 1, 2";
/// [`BOOK`] on PostgreSQL: the items of each of the owner's contacts looked up by contact (the
/// `OFFSET 0` keeps the subquery from being folded into a join the planner may turn into a
/// scan of every item). The plain join, prepared once and planned generically, scanned all
/// 36 000 phones of the bench's database (one account with 18 000 contacts beside accounts
/// with 10): 4.7 ms a book instead of 0.03 ms (`EXPLAIN ANALYZE EXECUTE`), which left
/// PostgreSQL spending 1.5 cores on 1 900 books a second.
pub(crate) const BOOK_PG: &str = "\
    SELECT 0, uid, uid, name, intime FROM contacts WHERE owner_pk = ?1
    UNION ALL
    SELECT 1, i.pid, i.contact_uid, i.phone, i.intime FROM contacts c,
    LATERAL (SELECT contact_uid, pid, phone, intime FROM contact_phones
             WHERE contact_uid = c.uid OFFSET 0) i WHERE c.owner_pk = ?1
    UNION ALL
    SELECT 2, i.mid, i.contact_uid, i.mail, i.intime FROM contacts c,
    LATERAL (SELECT contact_uid, mid, mail, intime FROM contact_mails
             WHERE contact_uid = c.uid OFFSET 0) i WHERE c.owner_pk = ?1
    ORDER BY 1, 2";
/// [`get`]'s statement for the contact.
pub(crate) const GET: &str = "SELECT name, intime FROM contacts WHERE uid = ?1 AND owner_pk = ?2";
/// [`get`]'s template for the items of one contact ([`sql`] fills it in).
pub(crate) const ITEMS_OF_CONTACT: &str =
    "SELECT {id}, {value}, intime FROM {table} WHERE contact_uid = ?1 ORDER BY {id}";

/// How many contacts the owner's book holds.
pub fn count(conn: &Tx<'_>, owner_pk: i64) -> Result<i64, Error> {
    value(conn, COUNT, params![owner_pk])
}

/// Inserts a contact with its phones and mails.
pub fn insert(conn: &Tx<'_>, owner_pk: i64, c: &Contact) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO contacts (uid, owner_pk, name, intime) VALUES (?1, ?2, ?3, ?4)",
        params![c.uid, owner_pk, c.name, c.intime],
    )?;
    for p in &c.phones {
        insert_item(conn, &c.uid, p)?;
    }
    for m in &c.mails {
        insert_item(conn, &c.uid, m)?;
    }
    Ok(())
}

/// A contact's phone or mail. The two kinds live in tables of one shape, `(id, contact_uid,
/// value, intime)` with the id and value columns named as the item's fields, so that every
/// query of items below serves both.
pub trait Item: Sized {
    /// What the item is called, which is also its value column: `phone`, `mail`.
    const KIND: &'static str;
    /// Its id column: `pid`, `mid`.
    const ID: &'static str;
    /// The table of this kind of item.
    const TABLE: &'static str;
    /// The item with this id and value, written at `intime`.
    fn new(id: String, value: String, intime: String) -> Self;
    /// The item's id, value and time.
    fn parts(&self) -> [&str; 3];
    /// The contact's items of this kind.
    fn of(contact: &mut Contact) -> &mut Vec<Self>;
}

/// Implements [`Item`] for `$ty { $id, $value, intime }`, stored in `$table` and listed in a
/// contact's `$list`.
macro_rules! item {
    ($ty:ident { $id:ident, $value:ident }, $table:literal, $list:ident) => {
        impl Item for $ty {
            const KIND: &'static str = stringify!($value);
            const ID: &'static str = stringify!($id);
            const TABLE: &'static str = $table;
            fn new($id: String, $value: String, intime: String) -> Self {
                $ty {
                    $id,
                    $value,
                    intime,
                }
            }
            fn parts(&self) -> [&str; 3] {
                [&self.$id, &self.$value, &self.intime]
            }
            fn of(contact: &mut Contact) -> &mut Vec<Self> {
                &mut contact.$list
            }
        }
    };
}

item!(ContactPhone { pid, phone }, "contact_phones", phones);
item!(ContactMail { mid, mail }, "contact_mails", mails);

/// `template` with `{table}`, `{id}` and `{value}` replaced by `T`'s table and columns.
pub(crate) fn sql<T: Item>(template: &str) -> String {
    template
        .replace("{table}", T::TABLE)
        .replace("{id}", T::ID)
        .replace("{value}", T::KIND)
}

/// Adds a phone or mail to a contact.
pub fn insert_item<T: Item>(conn: &Tx<'_>, contact_uid: &str, item: &T) -> Result<(), Error> {
    let [id, value, intime] = item.parts();
    conn.execute(
        &sql::<T>(
            "INSERT INTO {table} ({id}, contact_uid, {value}, intime) VALUES (?1, ?2, ?3, ?4)",
        ),
        params![id, contact_uid, value, intime],
    )?;
    Ok(())
}

/// Whether the owner has a contact with this uid.
pub fn owns(conn: &Tx<'_>, owner_pk: i64, uid: &str) -> Result<bool, Error> {
    Ok(optional_row(
        conn,
        "SELECT 1 FROM contacts WHERE uid = ?1 AND owner_pk = ?2",
        params![uid, owner_pk],
        |_| Ok(()),
    )?
    .is_some())
}

/// Renames a contact.
pub fn rename(conn: &Tx<'_>, uid: &str, name: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE contacts SET name = ?2 WHERE uid = ?1",
        params![uid, name],
    )?;
    Ok(())
}

/// Rewrites one phone or mail of a contact; false when the contact has none with its id.
pub fn update_item<T: Item>(conn: &Tx<'_>, contact_uid: &str, item: &T) -> Result<bool, Error> {
    let [id, value, intime] = item.parts();
    let n = conn.execute(
        &sql::<T>(
            "UPDATE {table} SET {value} = ?3, intime = ?4 WHERE {id} = ?1 AND contact_uid = ?2",
        ),
        params![id, contact_uid, value, intime],
    )?;
    Ok(n == 1)
}

/// Removes one phone or mail of a contact; false when the contact has none with this id.
pub fn delete_item<T: Item>(conn: &Tx<'_>, contact_uid: &str, id: &str) -> Result<bool, Error> {
    let n = conn.execute(
        &sql::<T>("DELETE FROM {table} WHERE {id} = ?1 AND contact_uid = ?2"),
        params![id, contact_uid],
    )?;
    Ok(n == 1)
}

/// Deletes an owner's contact with its phones and mails; false when the owner has none such.
pub fn delete(conn: &Tx<'_>, owner_pk: i64, uid: &str) -> Result<bool, Error> {
    let n = conn.execute(
        "DELETE FROM contacts WHERE uid = ?1 AND owner_pk = ?2",
        params![uid, owner_pk],
    )?;
    Ok(n == 1)
}

/// Every contact of the owner, ordered by uid, phones by pid and mails by mid, read by one
/// statement ([`BOOK`]).
pub fn list(conn: &Tx<'_>, owner_pk: i64) -> Result<Vec<Contact>, Error> {
    let book = match conn.engine() {
        Engine::Sqlite => BOOK,
        Engine::Postgres => BOOK_PG,
    };
    let mut contacts: Vec<Contact> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    conn.each(book, params![owner_pk], |r| {
        let part: i64 = r.get(0)?;
        let (key, contact, text, intime): (String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        if part == 0 {
            at.insert(contact, contacts.len());
            contacts.push(Contact {
                uid: key,
                name: text,
                intime,
                phones: Vec::new(),
                mails: Vec::new(),
            });
        } else if let Some(&i) = at.get(&contact) {
            match part {
                1 => contacts[i]
                    .phones
                    .push(ContactPhone::new(key, text, intime)),
                _ => contacts[i].mails.push(ContactMail::new(key, text, intime)),
            }
        }
        Ok(())
    })?;
    Ok(contacts)
}

/// One contact of the owner, with its phones and mails.
pub fn get(conn: &Tx<'_>, owner_pk: i64, uid: &str) -> Result<Option<Contact>, Error> {
    let head = optional_row(conn, GET, params![uid, owner_pk], |r| {
        Ok((r.get::<String>(0)?, r.get::<String>(1)?))
    })?;
    let Some((name, intime)) = head else {
        return Ok(None);
    };
    Ok(Some(Contact {
        uid: uid.to_string(),
        name,
        intime,
        phones: items(conn, uid)?,
        mails: items(conn, uid)?,
    }))
}

/// A contact's items of one kind, in id order.
fn items<T: Item>(conn: &Tx<'_>, contact_uid: &str) -> Result<Vec<T>, Error> {
    let items = conn.rows(&sql::<T>(ITEMS_OF_CONTACT), params![contact_uid], |r| {
        Ok(T::new(r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(items)
}

/// Uids of the owner's contacts whose name, phone or mail contains `q` (case-insensitive).
pub fn search(conn: &Tx<'_>, owner_pk: i64, q: &str) -> Result<Vec<String>, Error> {
    let sql = match conn.engine() {
        Engine::Sqlite => SEARCH,
        Engine::Postgres => SEARCH_PG,
    };
    conn.rows(sql, params![owner_pk, q], |r| r.get(0))
}

/// [`search`]'s statement: `lower` folds ASCII letters only, and `instr` finds a substring.
const SEARCH: &str = "SELECT c.uid FROM contacts c WHERE c.owner_pk = ?1 AND (
       instr(lower(c.name), lower(?2)) > 0
    OR EXISTS (SELECT 1 FROM contact_phones p
               WHERE p.contact_uid = c.uid AND instr(p.phone, ?2) > 0)
    OR EXISTS (SELECT 1 FROM contact_mails m
               WHERE m.contact_uid = c.uid AND instr(lower(m.mail), lower(?2)) > 0))
    ORDER BY c.uid";

/// [`SEARCH`] on PostgreSQL, whose `lower` also folds non-ASCII letters (`É`): SQLite's ASCII
/// folding is spelt out with `translate`, and `strpos` is `instr`.
const SEARCH_PG: &str = "SELECT c.uid FROM contacts c WHERE c.owner_pk = ?1 AND (
       strpos(translate(c.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
              translate(?2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) > 0
    OR EXISTS (SELECT 1 FROM contact_phones p
               WHERE p.contact_uid = c.uid AND strpos(p.phone, ?2) > 0)
    OR EXISTS (SELECT 1 FROM contact_mails m
               WHERE m.contact_uid = c.uid
                 AND strpos(translate(m.mail, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
                            translate(?2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) > 0))
    ORDER BY c.uid";
