//! Image captchas (as digests) and portraits.

use super::optional_row;
use super::sql::{params, Tx};
use crate::error::Error;

/// [`put_captcha`]'s purge of expired captchas (index `image_captchas_expires`).
pub(crate) const PURGE_CAPTCHAS: &str = "DELETE FROM image_captchas WHERE expires_at <= ?1";
/// [`take_captcha`]'s statement.
pub(crate) const TAKE_CAPTCHA: &str =
    "DELETE FROM image_captchas WHERE digest = ?1 AND expires_at > ?2";

/// Stores an image-captcha digest, dropping expired ones.
pub fn put_captcha(
    conn: &Tx<'_>,
    digest: &[u8; 32],
    now: i64,
    expires_at: i64,
) -> Result<(), Error> {
    conn.execute(PURGE_CAPTCHAS, params![now])?;
    conn.execute(
        "INSERT INTO image_captchas (digest, expires_at) VALUES (?1, ?2)
         ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at",
        params![&digest[..], expires_at],
    )?;
    Ok(())
}

/// Uses up a live image-captcha digest; false when there is none.
pub fn take_captcha(conn: &Tx<'_>, digest: &[u8; 32], now: i64) -> Result<bool, Error> {
    let n = conn.execute(TAKE_CAPTCHA, params![&digest[..], now])?;
    Ok(n == 1)
}

/// Stores (replacing) an account's portrait.
pub fn put_portrait(
    conn: &Tx<'_>,
    account_pk: i64,
    content_type: &str,
    image: &[u8],
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO portraits (account_pk, content_type, image, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(account_pk) DO UPDATE SET content_type = excluded.content_type,
             image = excluded.image, updated_at = excluded.updated_at",
        params![account_pk, content_type, image, now],
    )?;
    Ok(())
}

/// The portrait of the account with this phone: (content type, bytes).
pub fn portrait_by_phone(conn: &Tx<'_>, phone: &str) -> Result<Option<(String, Vec<u8>)>, Error> {
    optional_row(
        conn,
        "SELECT p.content_type, p.image FROM portraits p
         JOIN accounts a ON a.pk = p.account_pk WHERE a.phone = ?1",
        params![phone],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}
