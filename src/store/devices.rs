//! HelpAged devices, their bindings to accounts, and the fall notices they upload.

use super::optional_row;
use super::sql::{params, Row, Tx};
use crate::domain::{Device, Notice, ReadFilter};
use crate::error::Error;

/// Inserts a device with its id and the id's digest; false when the owner already has a
/// device of that name.
pub fn insert(
    conn: &Tx<'_>,
    device_id: &str,
    token_hash: &[u8; 32],
    name: &str,
    owner_pk: i64,
    now: i64,
) -> Result<bool, Error> {
    Ok(insert_row(conn, Some(device_id), token_hash, name, owner_pk, now)? == 1)
}

/// Inserts a device as schema version 5 stored it, without its id (only the id's digest), for
/// tests of what version 6 does with such a device; answers its pk.
#[cfg(test)]
pub fn insert_without_id(
    conn: &Tx<'_>,
    hash: &[u8; 32],
    name: &str,
    owner: i64,
) -> Result<i64, Error> {
    insert_row(conn, None, hash, name, owner, 0)?;
    super::value(
        conn,
        "SELECT pk FROM devices WHERE token_hash = ?1",
        params![&hash[..]],
    )
}

/// Inserts a device row unless its owner has one of that name; answers the rows inserted.
fn insert_row(
    conn: &Tx<'_>,
    device_id: Option<&str>,
    token_hash: &[u8; 32],
    name: &str,
    owner_pk: i64,
    now: i64,
) -> Result<usize, Error> {
    conn.execute(
        "INSERT INTO devices (token_hash, device_id, name, owner_pk, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![&token_hash[..], device_id, name, owner_pk, now],
    )
}

/// A device found by its token digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Row id.
    pub pk: i64,
    /// Name.
    pub name: String,
    /// Its id in clear; `None` for a device added before version 6 not presented since.
    pub device_id: Option<String>,
}

/// [`by_token`]'s statement: every device upload's.
pub(crate) const BY_TOKEN: &str = "SELECT pk, name, device_id FROM devices WHERE token_hash = ?1";

/// The device with this token digest.
pub fn by_token(conn: &Tx<'_>, token_hash: &[u8; 32]) -> Result<Option<DeviceRow>, Error> {
    optional_row(conn, BY_TOKEN, params![&token_hash[..]], |r| {
        columns! { r, DeviceRow { pk, name, device_id } }
    })
}

/// Keeps the id of a device added before ids were kept, now that it was presented (and
/// matched its digest). A device that has one keeps it.
pub fn remember_id(conn: &Tx<'_>, device_pk: i64, device_id: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE devices SET device_id = ?2 WHERE pk = ?1 AND device_id IS NULL",
        params![device_pk, device_id],
    )?;
    Ok(())
}

/// Binds a device to an account; false when already bound.
pub fn bind(conn: &Tx<'_>, device_pk: i64, account_pk: i64, now: i64) -> Result<bool, Error> {
    let n = conn.execute(
        "INSERT INTO device_bindings (device_pk, account_pk, bound_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![device_pk, account_pk, now],
    )?;
    Ok(n == 1)
}

/// A device bound to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundRow {
    /// Its id in clear, when kept (see [`DeviceRow::device_id`]).
    pub device_id: Option<String>,
    /// Its name.
    pub name: String,
    /// When the account bound it, unix seconds.
    pub bound_at: i64,
}

fn bound_row(r: &Row<'_>) -> Result<BoundRow, Error> {
    columns! { r, BoundRow { device_id, name, bound_at } }
}

/// The devices bound to an account, in binding order.
pub fn bound(conn: &Tx<'_>, account_pk: i64) -> Result<Vec<BoundRow>, Error> {
    let rows = conn.rows(
        "SELECT d.device_id, d.name, b.bound_at
             FROM device_bindings b JOIN devices d ON d.pk = b.device_pk
             WHERE b.account_pk = ?1 ORDER BY b.bound_at, d.pk",
        params![account_pk],
        bound_row,
    )?;
    Ok(rows)
}

/// The first device (in binding order) bound to an account whose token digest is
/// `token_hash` and whose name is `name`, each when given. Another account's device, bound or
/// not to this one, is never found.
pub fn bound_device(
    conn: &Tx<'_>,
    account_pk: i64,
    token_hash: Option<&[u8; 32]>,
    name: Option<&str>,
) -> Result<Option<BoundRow>, Error> {
    optional_row(
        conn,
        "SELECT d.device_id, d.name, b.bound_at
         FROM device_bindings b JOIN devices d ON d.pk = b.device_pk
         WHERE b.account_pk = ?1 AND (d.token_hash = ?2 OR ?2 IS NULL)
               AND (d.name = ?3 OR ?3 IS NULL)
         ORDER BY b.bound_at, d.pk LIMIT 1",
        params![account_pk, token_hash.map(|h| &h[..]), name],
        bound_row,
    )
}

/// Phones of every account bound to a device (fall-alert recipients).
pub fn bound_phones(conn: &Tx<'_>, device_pk: i64) -> Result<Vec<String>, Error> {
    let rows = conn.rows(
        "SELECT a.phone FROM device_bindings b JOIN accounts a ON a.pk = b.account_pk
             WHERE b.device_pk = ?1 ORDER BY a.pk",
        params![device_pk],
        |r| r.get(0),
    )?;
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
    conn: &Tx<'_>,
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

/// A notice row with its unix creation time.
pub type NoticeRow = (Notice, i64);

fn notice_row(r: &Row<'_>, with_picture: bool) -> Result<NoticeRow, Error> {
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
    conn: &Tx<'_>,
    account_pk: i64,
    filter: ReadFilter,
) -> Result<Vec<NoticeRow>, Error> {
    let read = match filter {
        ReadFilter::Unread => 0,
        ReadFilter::Read => 1,
        ReadFilter::All => 2,
    };
    let rows = conn.rows(
        "SELECT n.event_id, n.content, d.name, n.pic_name, n.created_at FROM notices n
             JOIN devices d ON d.pk = n.device_pk
             JOIN device_bindings b ON b.device_pk = n.device_pk AND b.account_pk = ?1
             WHERE ?2 = 2 OR (EXISTS (SELECT 1 FROM notice_reads r
                                       WHERE r.notice_pk = n.pk AND r.account_pk = ?1)) = (?2 = 1)
             ORDER BY n.created_at, n.pk",
        params![account_pk, read],
        |r| notice_row(r, false),
    )?;
    Ok(rows)
}

/// One notice of a device bound to the account, with its picture and row id.
pub fn notice(
    conn: &Tx<'_>,
    account_pk: i64,
    event_id: &str,
) -> Result<Option<(i64, NoticeRow)>, Error> {
    optional_row(
        conn,
        "SELECT n.event_id, n.content, d.name, n.pic_name, n.created_at, n.image, n.pk
         FROM notices n JOIN devices d ON d.pk = n.device_pk
         JOIN device_bindings b ON b.device_pk = n.device_pk AND b.account_pk = ?1
         WHERE n.event_id = ?2",
        params![account_pk, event_id],
        |r| Ok((r.get(6)?, notice_row(r, true)?)),
    )
}

/// Marks a notice read by an account; false when it already was.
pub fn mark_read(conn: &Tx<'_>, notice_pk: i64, account_pk: i64, now: i64) -> Result<bool, Error> {
    let n = conn.execute(
        "INSERT INTO notice_reads (notice_pk, account_pk, read_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![notice_pk, account_pk, now],
    )?;
    Ok(n == 1)
}

/// A device as its binder sees it; `fmt` writes the binding time.
pub fn to_device(row: BoundRow, fmt: impl Fn(i64) -> String) -> Device {
    Device {
        device_id: row.device_id.unwrap_or_default(),
        name: row.name,
        bound_at: fmt(row.bound_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{testing, Store};
    use uuid::Uuid;

    /// A store with two accounts, each adding and binding its own `camera1`; the second also
    /// binds the first's, later.
    fn two_accounts() -> (Store, i64, i64, tempfile::TempDir) {
        let (store, dir) = testing::store();
        let account = |tx: &Tx<'_>, n, phone| testing::account(tx, Uuid::from_u128(n), phone);
        let (a, b) = store
            .write(|tx| {
                let a = account(tx, 1, "13750687001")?;
                let b = account(tx, 2, "13750687002")?;
                assert!(insert(tx, "aa", &[1; 32], "camera1", a, 10)?);
                assert!(insert(tx, "bb", &[2; 32], "camera1", b, 10)?);
                assert!(bind(tx, 1, a, 20)?);
                assert!(bind(tx, 2, b, 20)?);
                assert!(bind(tx, 1, b, 30)?);
                Ok((a, b))
            })
            .unwrap();
        (store, a, b, dir)
    }

    #[test]
    fn a_bound_device_is_found_by_id_name_or_both_and_only_by_its_binders() {
        let (store, a, b, _dir) = two_accounts();
        let find = |who, id: Option<&[u8; 32]>, name: Option<&str>| {
            store
                .read(|c| bound_device(c, who, id, name))
                .unwrap()
                .and_then(|r| r.device_id)
        };
        assert_eq!(find(a, Some(&[1; 32]), None).as_deref(), Some("aa"));
        assert_eq!(find(a, None, Some("camera1")).as_deref(), Some("aa"));
        assert_eq!(
            find(a, Some(&[1; 32]), Some("camera1")).as_deref(),
            Some("aa")
        );
        assert_eq!(find(a, Some(&[1; 32]), Some("camera2")), None);
        // b's device is not a's, whoever added it.
        assert_eq!(find(a, Some(&[2; 32]), None), None);
        assert_eq!(find(a, Some(&[9; 32]), None), None);
        // b bound two devices named camera1: the first bound answers.
        assert_eq!(find(b, None, Some("camera1")).as_deref(), Some("bb"));
        assert_eq!(find(b, Some(&[1; 32]), None).as_deref(), Some("aa"));
    }

    #[test]
    fn a_device_list_carries_each_bound_devices_id_in_binding_order() {
        let (store, _, b, _dir) = two_accounts();
        let rows = store.read(|c| bound(c, b)).unwrap();
        let ids: Vec<_> = rows.iter().map(|r| r.device_id.as_deref()).collect();
        assert_eq!(ids, [Some("bb"), Some("aa")]);
        let device = to_device(rows[0].clone(), |t| format!("t{t}"));
        assert_eq!(
            device,
            Device {
                device_id: "bb".into(),
                name: "camera1".into(),
                bound_at: "t20".into()
            }
        );
    }
}
