//! HelpAged devices, their bindings to accounts, and the fall notices they upload.

use crate::domain::{Device, Notice};
use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Inserts a device; false when the owner already has a device of that name.
pub fn insert(
    conn: &Connection,
    token_hash: &[u8; 32],
    name: &str,
    owner_pk: i64,
    now: i64,
) -> Result<bool, Error> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO devices (token_hash, name, owner_pk, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![&token_hash[..], name, owner_pk, now],
    )?;
    Ok(n == 1)
}

/// The device with this token digest: (row id, name).
pub fn by_token(conn: &Connection, token_hash: &[u8; 32]) -> Result<Option<(i64, String)>, Error> {
    Ok(conn
        .prepare_cached("SELECT pk, name FROM devices WHERE token_hash = ?1")?
        .query_row([&token_hash[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Binds a device to an account; false when already bound.
pub fn bind(conn: &Connection, device_pk: i64, account_pk: i64, now: i64) -> Result<bool, Error> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO device_bindings (device_pk, account_pk, bound_at) VALUES (?1, ?2, ?3)",
        params![device_pk, account_pk, now],
    )?;
    Ok(n == 1)
}

/// The devices bound to an account, in binding order, with their unix binding time.
pub fn bound(conn: &Connection, account_pk: i64) -> Result<Vec<(String, i64)>, Error> {
    let rows = conn
        .prepare_cached(
            "SELECT d.name, b.bound_at FROM device_bindings b JOIN devices d ON d.pk = b.device_pk
             WHERE b.account_pk = ?1 ORDER BY b.bound_at, d.pk",
        )?
        .query_map([account_pk], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Phones of every account bound to a device (fall-alert recipients).
pub fn bound_phones(conn: &Connection, device_pk: i64) -> Result<Vec<String>, Error> {
    let rows = conn
        .prepare_cached(
            "SELECT a.phone FROM device_bindings b JOIN accounts a ON a.pk = b.account_pk
             WHERE b.device_pk = ?1 ORDER BY a.pk",
        )?
        .query_map([device_pk], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A new notice's fields.
pub struct NewNotice<'a> {
    /// 32-hex event id.
    pub event_id: &'a str,
    /// 32-hex picture name.
    pub pic_name: &'a str,
    /// Free text.
    pub content: &'a str,
    /// Picture content type.
    pub content_type: &'a str,
    /// Picture bytes.
    pub image: &'a [u8],
}

/// Stores a notice from a device.
pub fn insert_notice(
    conn: &Connection,
    device_pk: i64,
    n: &NewNotice<'_>,
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO notices (event_id, device_pk, pic_name, content, content_type, image, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![n.event_id, device_pk, n.pic_name, n.content, n.content_type, n.image, now],
    )?;
    Ok(())
}

/// Which notices to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFilter {
    /// Not yet read by the account.
    Unread,
    /// Already read by the account.
    Read,
    /// Every notice.
    All,
}

/// A notice row with its unix creation time.
pub type NoticeRow = (Notice, i64);

fn notice_row(r: &Row<'_>, with_picture: bool) -> rusqlite::Result<NoticeRow> {
    Ok((
        Notice {
            event_id: r.get(0)?,
            content: r.get(1)?,
            device: r.get(2)?,
            pic_name: r.get(3)?,
            createtime: String::new(),
            picture: if with_picture { Some(r.get(5)?) } else { None },
        },
        r.get(4)?,
    ))
}

/// Notices of the devices bound to an account, oldest first.
pub fn notices(
    conn: &Connection,
    account_pk: i64,
    filter: ReadFilter,
) -> Result<Vec<NoticeRow>, Error> {
    let read = match filter {
        ReadFilter::Unread => 0,
        ReadFilter::Read => 1,
        ReadFilter::All => 2,
    };
    let rows = conn
        .prepare_cached(
            "SELECT n.event_id, n.content, d.name, n.pic_name, n.created_at FROM notices n
             JOIN devices d ON d.pk = n.device_pk
             JOIN device_bindings b ON b.device_pk = n.device_pk AND b.account_pk = ?1
             WHERE ?2 = 2 OR (EXISTS (SELECT 1 FROM notice_reads r
                                       WHERE r.notice_pk = n.pk AND r.account_pk = ?1)) = (?2 = 1)
             ORDER BY n.created_at, n.pk",
        )?
        .query_map(params![account_pk, read], |r| notice_row(r, false))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One notice of a device bound to the account, with its picture and row id.
pub fn notice(
    conn: &Connection,
    account_pk: i64,
    event_id: &str,
) -> Result<Option<(i64, NoticeRow)>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT n.event_id, n.content, d.name, n.pic_name, n.created_at, n.image, n.pk
             FROM notices n JOIN devices d ON d.pk = n.device_pk
             JOIN device_bindings b ON b.device_pk = n.device_pk AND b.account_pk = ?1
             WHERE n.event_id = ?2",
        )?
        .query_row(params![account_pk, event_id], |r| {
            Ok((r.get(6)?, notice_row(r, true)?))
        })
        .optional()?)
}

/// Marks a notice read by an account; false when it already was.
pub fn mark_read(
    conn: &Connection,
    notice_pk: i64,
    account_pk: i64,
    now: i64,
) -> Result<bool, Error> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO notice_reads (notice_pk, account_pk, read_at) VALUES (?1, ?2, ?3)",
        params![notice_pk, account_pk, now],
    )?;
    Ok(n == 1)
}

/// Devices as their binder sees them.
pub fn to_devices(rows: Vec<(String, i64)>, fmt: impl Fn(i64) -> String) -> Vec<Device> {
    rows.into_iter()
        .map(|(name, at)| Device {
            name,
            bound_at: fmt(at),
        })
        .collect()
}
