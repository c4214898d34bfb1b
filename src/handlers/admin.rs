//! Administration of accounts (HelpAged `user/*`): only for accounts at or above the
//! configured admin level (`switchboard user set-level` makes the first one).

use crate::command::admin::AdminCommand;
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::{Account, Caller};
use crate::error::{Error, Result};
use crate::handlers::shared::lookup::{self, own_account};
use crate::store::accounts;

impl AdminCommand {
    /// Checks the caller is an administrator, then applies the operation.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let me = own_account(ctx, caller)?;
        if me.level < ctx.config.admin_level {
            return Err(Error::Forbidden);
        }
        match self {
            AdminCommand::List => Ok(Outcome::Accounts(ctx.store.read(accounts::all)?)),
            AdminCommand::Info { phone } => Ok(Outcome::Profile(find(ctx, &phone)?)),
            AdminCommand::Update { phone, patch } => {
                let target = find(ctx, &phone)?;
                ctx.store
                    .write(|tx| accounts::update_profile(tx, target.pk, &patch))?;
                Ok(Outcome::Done)
            }
            AdminCommand::Delete { phone } => {
                let target = find(ctx, &phone)?;
                ctx.store.write(|tx| accounts::delete(tx, target.pk))?;
                Ok(Outcome::Done)
            }
        }
    }
}

fn find(ctx: &Ctx, phone: &str) -> Result<Account> {
    lookup::account_by_phone(ctx, phone, Error::NotFound("account"))
}
