//! Password checks under the login throttle, for every path that checks a password (logins and
//! password changes of every dialect). Before any hashing: a client address over its failures
//! for the minute, or an account in its cooldown, is refused ([`Error::LoginThrottled`]) —
//! the right password too. After the check: a success clears the account's failures; a
//! failure is recorded for the account and the address in one small write, which the group
//! commit batches with others, and which drops the rows nobody needs any more (accounts quiet
//! for longer than the window, addresses' past minutes).

use crate::ctx::Ctx;
use crate::domain::{Account, ThrottlePolicy};
use crate::error::{Error, Result};
use crate::store::throttle;
use std::net::IpAddr;

/// The limits from the configuration.
pub fn policy(ctx: &Ctx) -> ThrottlePolicy {
    let c = &ctx.config;
    ThrottlePolicy {
        account_failures: c.login_failures_per_account,
        account_window_secs: c.login_failure_window_secs,
        cooldown_min_secs: c.login_cooldown_min_secs,
        cooldown_max_secs: c.login_cooldown_max_secs,
        peer_failures_per_minute: c.login_failures_per_peer_per_minute,
    }
}

/// Checks `password` against `found` (the account and its stored hash, or none: then the
/// same time is spent and the answer is [`Error::UnknownAccount`]), from client address
/// `peer` when known. Answers the account when the password is right.
pub fn check_password(
    ctx: &Ctx,
    found: Option<(Account, String)>,
    password: &str,
    peer: Option<IpAddr>,
) -> Result<Account> {
    let p = policy(ctx);
    let now = ctx.now_secs();
    let peer = peer.map(|ip| ip.to_string());
    let pk = found.as_ref().map(|(a, _)| a.pk);
    let (peer_state, account_state) = ctx.store.read(|c| {
        let peer_state = match &peer {
            Some(ip) => Some(throttle::peer(c, ip)?),
            None => None,
        };
        let account_state = match pk {
            Some(pk) => Some(throttle::account(c, pk)?),
            None => None,
        };
        Ok((peer_state, account_state))
    })?;
    if peer_state.is_some_and(|s| s.limited(now, &p)) {
        return Err(Error::LoginThrottled(format!(
            "client address over {} failed logins this minute",
            p.peer_failures_per_minute
        )));
    }
    if let Some(until) = account_state.and_then(|s| s.locked(now)) {
        return Err(Error::LoginThrottled(format!(
            "account locked for {} more seconds after repeated failures",
            until - now
        )));
    }
    let verified = ctx
        .passwords
        .verify(password, found.as_ref().map(|(_, h)| h.as_str()))?;
    match (found, verified) {
        (Some((account, _)), true) => {
            if account_state.is_some_and(|s| s != Default::default()) {
                ctx.store
                    .write(|tx| throttle::clear_account(tx, account.pk).map(drop))?;
            }
            Ok(account)
        }
        (found, _) => {
            ctx.store.write(|tx| {
                // Rows quiet longer than the window count from zero again: drop them.
                throttle::prune_accounts(tx, now, p.account_window_secs)?;
                if let (Some(pk), Some(s)) = (pk, account_state) {
                    throttle::set_account(tx, pk, &s.after_failure(now, &p))?;
                }
                if let (Some(ip), Some(s)) = (&peer, peer_state) {
                    throttle::set_peer(tx, ip, &s.after_failure(now))?;
                }
                Ok(())
            })?;
            Err(match found {
                Some(_) => Error::WrongPassword,
                None => Error::UnknownAccount,
            })
        }
    }
}

/// Lifts an account's lock and forgets its failures (a reset by code, an operator's unlock).
/// Answers whether it had any.
pub fn clear(ctx: &Ctx, account_pk: i64) -> Result<bool> {
    ctx.store
        .write(|tx| throttle::clear_account(tx, account_pk))
}
