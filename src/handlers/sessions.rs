//! Session commands: log in (by password or by a code sent to the phone), log out, heartbeat.
//! Each login opens its session through `shared::session::open` by the token policy its
//! command carries. Nothing here knows which dialect asked.

use crate::command::sessions::SessionsCommand;
use crate::command::sessions::{Doki, Login, Logout, PhoneLogin};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Requester;
use crate::domain::{Caller, CodePurpose, LoginKey};
use crate::error::{Error, Result};
use crate::handlers::shared::session::open;
use crate::handlers::shared::{codes, guard, lookup};
use crate::store::{accounts, tokens};
use std::net::IpAddr;

impl SessionsCommand {
    /// Applies a session command.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        match self {
            SessionsCommand::Login(c) => c.apply(ctx, from.peer),
            SessionsCommand::Logout(c) => c.apply(ctx, from.account()?),
            SessionsCommand::Doki(c) => c.apply(ctx, from.account()?),
            SessionsCommand::PhoneLogin(c) => c.apply(ctx),
        }
    }
}

impl Login {
    /// Checks the password under the login throttle (slow, outside any transaction), then
    /// opens the session. `peer` is the client address, when known.
    pub fn apply(self, ctx: &Ctx, peer: Option<IpAddr>) -> Result<Outcome> {
        let found = ctx.store.read(|c| match self.key {
            LoginKey::UsernameOrPhone => accounts::by_login_key(c, &self.login),
            LoginKey::Phone => accounts::by_phone(c, &self.login),
        })?;
        let account = guard::check_password(ctx, found, &self.password, peer)?;
        let session = ctx.store.write(|tx| {
            open(
                ctx,
                tx,
                account.clone(),
                &self.policy,
                self.enduring,
                &self.extras,
            )
        })?;
        Ok(Outcome::Session(Box::new(session)))
    }
}

impl PhoneLogin {
    /// Uses the code up and opens the session in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let phone = self.phone.as_str();
        let account = lookup::account_by_phone(ctx, phone, Error::UnknownAccount)?;
        let purpose = CodePurpose::Login.as_str();
        let session = codes::redeem(ctx, phone, purpose, &self.code, |tx| {
            open(ctx, tx, account.clone(), &self.policy, false, &self.extras)
        })?;
        Ok(Outcome::Session(Box::new(session)))
    }
}

impl Logout {
    /// Deletes the caller's token row, and its refresh row when it has one.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        ctx.store.write(|tx| match caller.refresh_kind {
            Some(kind) => tokens::delete_pair(tx, caller.token_id, kind),
            None => tokens::delete(tx, caller.token_id),
        })?;
        Ok(Outcome::Done)
    }
}

impl Doki {
    /// Answers success for a live token.
    pub fn apply(self, _ctx: &Ctx, _caller: &Caller) -> Result<Outcome> {
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests;
