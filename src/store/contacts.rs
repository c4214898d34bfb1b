//! PhoneBooks contacts with their phones and mails. Every query is scoped to an owner.

use super::{optional_row, value};
use crate::domain::{Contact, ContactMail, ContactPhone};
use crate::error::Error;
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// How many contacts the owner's book holds.
pub fn count(conn: &Connection, owner_pk: i64) -> Result<i64, Error> {
    value(
        conn,
        "SELECT COUNT(*) FROM contacts WHERE owner_pk = ?1",
        [owner_pk],
    )
}

/// Inserts a contact with its phones and mails.
pub fn insert(conn: &Connection, owner_pk: i64, c: &Contact) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO contacts (uid, owner_pk, name, intime) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![c.uid, owner_pk, c.name, c.intime])?;
    for p in &c.phones {
        insert_phone(conn, &c.uid, p)?;
    }
    for m in &c.mails {
        insert_mail(conn, &c.uid, m)?;
    }
    Ok(())
}

/// Adds a phone to a contact.
pub fn insert_phone(conn: &Connection, contact_uid: &str, p: &ContactPhone) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO contact_phones (pid, contact_uid, phone, intime) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![p.pid, contact_uid, p.phone, p.intime])?;
    Ok(())
}

/// Adds a mail to a contact.
pub fn insert_mail(conn: &Connection, contact_uid: &str, m: &ContactMail) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO contact_mails (mid, contact_uid, mail, intime) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![m.mid, contact_uid, m.mail, m.intime])?;
    Ok(())
}

/// Whether the owner has a contact with this uid.
pub fn owns(conn: &Connection, owner_pk: i64, uid: &str) -> Result<bool, Error> {
    Ok(optional_row(
        conn,
        "SELECT 1 FROM contacts WHERE uid = ?1 AND owner_pk = ?2",
        params![uid, owner_pk],
        |_| Ok(()),
    )?
    .is_some())
}

/// Renames a contact.
pub fn rename(conn: &Connection, uid: &str, name: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE contacts SET name = ?2 WHERE uid = ?1",
        params![uid, name],
    )?;
    Ok(())
}

/// Rewrites one phone of a contact; false when the contact has no such pid.
pub fn update_phone(conn: &Connection, contact_uid: &str, p: &ContactPhone) -> Result<bool, Error> {
    let n = conn.execute(
        "UPDATE contact_phones SET phone = ?3, intime = ?4 WHERE pid = ?1 AND contact_uid = ?2",
        params![p.pid, contact_uid, p.phone, p.intime],
    )?;
    Ok(n == 1)
}

/// Rewrites one mail of a contact; false when the contact has no such mid.
pub fn update_mail(conn: &Connection, contact_uid: &str, m: &ContactMail) -> Result<bool, Error> {
    let n = conn.execute(
        "UPDATE contact_mails SET mail = ?3, intime = ?4 WHERE mid = ?1 AND contact_uid = ?2",
        params![m.mid, contact_uid, m.mail, m.intime],
    )?;
    Ok(n == 1)
}

/// Removes one phone of a contact; false when the contact has no such pid.
pub fn delete_phone(conn: &Connection, contact_uid: &str, pid: &str) -> Result<bool, Error> {
    let n = conn.execute(
        "DELETE FROM contact_phones WHERE pid = ?1 AND contact_uid = ?2",
        params![pid, contact_uid],
    )?;
    Ok(n == 1)
}

/// Removes one mail of a contact; false when the contact has no such mid.
pub fn delete_mail(conn: &Connection, contact_uid: &str, mid: &str) -> Result<bool, Error> {
    let n = conn.execute(
        "DELETE FROM contact_mails WHERE mid = ?1 AND contact_uid = ?2",
        params![mid, contact_uid],
    )?;
    Ok(n == 1)
}

/// Deletes an owner's contact with its phones and mails; false when the owner has none such.
pub fn delete(conn: &Connection, owner_pk: i64, uid: &str) -> Result<bool, Error> {
    let n = conn.execute(
        "DELETE FROM contacts WHERE uid = ?1 AND owner_pk = ?2",
        params![uid, owner_pk],
    )?;
    Ok(n == 1)
}

/// Every contact of the owner, ordered by uid, phones by pid and mails by mid.
pub fn list(conn: &Connection, owner_pk: i64) -> Result<Vec<Contact>, Error> {
    let mut contacts: Vec<Contact> = conn
        .prepare_cached("SELECT uid, name, intime FROM contacts WHERE owner_pk = ?1 ORDER BY uid")?
        .query_map([owner_pk], |r| {
            Ok(Contact {
                uid: r.get(0)?,
                name: r.get(1)?,
                intime: r.get(2)?,
                phones: Vec::new(),
                mails: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let at: HashMap<String, usize> = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.uid.clone(), i))
        .collect();
    let mut phones = conn.prepare_cached(
        "SELECT p.contact_uid, p.pid, p.phone, p.intime FROM contact_phones p
         JOIN contacts c ON c.uid = p.contact_uid WHERE c.owner_pk = ?1 ORDER BY p.pid",
    )?;
    let mut rows = phones.query([owner_pk])?;
    while let Some(r) = rows.next()? {
        let owner: String = r.get(0)?;
        if let Some(&i) = at.get(&owner) {
            contacts[i].phones.push(ContactPhone {
                pid: r.get(1)?,
                phone: r.get(2)?,
                intime: r.get(3)?,
            });
        }
    }
    let mut mails = conn.prepare_cached(
        "SELECT m.contact_uid, m.mid, m.mail, m.intime FROM contact_mails m
         JOIN contacts c ON c.uid = m.contact_uid WHERE c.owner_pk = ?1 ORDER BY m.mid",
    )?;
    let mut rows = mails.query([owner_pk])?;
    while let Some(r) = rows.next()? {
        let owner: String = r.get(0)?;
        if let Some(&i) = at.get(&owner) {
            contacts[i].mails.push(ContactMail {
                mid: r.get(1)?,
                mail: r.get(2)?,
                intime: r.get(3)?,
            });
        }
    }
    Ok(contacts)
}

/// One contact of the owner, with its phones and mails.
pub fn get(conn: &Connection, owner_pk: i64, uid: &str) -> Result<Option<Contact>, Error> {
    let head = optional_row(
        conn,
        "SELECT name, intime FROM contacts WHERE uid = ?1 AND owner_pk = ?2",
        params![uid, owner_pk],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    let Some((name, intime)) = head else {
        return Ok(None);
    };
    let phones = conn
        .prepare_cached(
            "SELECT pid, phone, intime FROM contact_phones WHERE contact_uid = ?1 ORDER BY pid",
        )?
        .query_map(
            [uid],
            |r| columns! { r, ContactPhone { pid, phone, intime } },
        )?
        .collect::<Result<_, _>>()?;
    let mails = conn
        .prepare_cached(
            "SELECT mid, mail, intime FROM contact_mails WHERE contact_uid = ?1 ORDER BY mid",
        )?
        .query_map([uid], |r| columns! { r, ContactMail { mid, mail, intime } })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Contact {
        uid: uid.to_string(),
        name,
        intime,
        phones,
        mails,
    }))
}

/// Uids of the owner's contacts whose name, phone or mail contains `q` (case-insensitive).
pub fn search(conn: &Connection, owner_pk: i64, q: &str) -> Result<Vec<String>, Error> {
    let uids = conn
        .prepare_cached(
            "SELECT c.uid FROM contacts c WHERE c.owner_pk = ?1 AND (
                 instr(lower(c.name), lower(?2)) > 0
              OR EXISTS (SELECT 1 FROM contact_phones p
                         WHERE p.contact_uid = c.uid AND instr(p.phone, ?2) > 0)
              OR EXISTS (SELECT 1 FROM contact_mails m
                         WHERE m.contact_uid = c.uid AND instr(lower(m.mail), lower(?2)) > 0))
             ORDER BY c.uid",
        )?
        .query_map(params![owner_pk, q], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(uids)
}
