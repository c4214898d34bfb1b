//! Replacing a password: check the old one under the login throttle, store the new hash,
//! revoke every token of the account in every dialect, in one transaction.

use super::guard;
use crate::ctx::Ctx;
use crate::domain::{Account, Password};
use crate::error::Result;
use crate::store::{accounts, throttle, tokens, Tx};
use std::net::IpAddr;

/// Verifies `old` against the account `found` under the login throttle (spending the same
/// time when there is none; `peer` is the client address, when known),
/// then, in one transaction, stores the hash of `new`, revokes every token of the account in
/// every dialect, and runs `then` (which may issue a fresh token). Answers the account and
/// what `then` made.
pub fn replace_password<T>(
    ctx: &Ctx,
    found: Option<(Account, String)>,
    old: &str,
    new: &Password,
    peer: Option<IpAddr>,
    mut then: impl FnMut(&Tx, &Account) -> Result<T>,
) -> Result<(Account, T)> {
    let account = guard::check_password(ctx, found, old, peer)?;
    let hash = ctx.passwords.hash(new.expose())?;
    let made = ctx.store.write(|tx| {
        set_password_revoking_tokens(tx, account.pk, &hash)?;
        then(tx, &account)
    })?;
    Ok((account, made))
}

/// Stores a new password hash for the account, revokes every token it has in every dialect,
/// and lifts its login lock (a reset by code is how a locked-out owner gets back in), in the
/// caller's transaction.
pub fn set_password_revoking_tokens(tx: &Tx, account_pk: i64, hash: &str) -> Result<()> {
    accounts::set_password(tx, account_pk, hash)?;
    tokens::delete_all(tx, account_pk)?;
    throttle::clear_account(tx, account_pk)?;
    Ok(())
}
