//! Account lookups that several handlers make, each in one read: by login phone, whether a
//! phone is registered, and the caller's own account.

use crate::ctx::Ctx;
use crate::domain::{Account, Caller};
use crate::error::{Error, Result};
use crate::store::accounts;

/// Whether an account has this login phone.
pub fn phone_registered(ctx: &Ctx, phone: &str) -> Result<bool> {
    ctx.store
        .read(|c| Ok(accounts::by_phone(c, phone)?.is_some()))
}

/// The account with this login phone, or `missing` when there is none.
pub fn account_by_phone(ctx: &Ctx, phone: &str, missing: Error) -> Result<Account> {
    match ctx.store.read(|c| accounts::by_phone(c, phone))? {
        Some((account, _)) => Ok(account),
        None => Err(missing),
    }
}

/// The caller's account, or a token error when it is gone.
pub fn own_account(ctx: &Ctx, caller: &Caller) -> Result<Account> {
    ctx.store
        .read(|c| accounts::by_pk(c, caller.account_pk))?
        .ok_or_else(|| Error::BadToken("the token's account is gone".into()))
}
