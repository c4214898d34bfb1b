//! Accounts: registration, password change and reset, phone change.

use crate::command::accounts::AccountsCommand;
use crate::command::accounts::{
    ChangeOwnPassword, ChangePassword, ChangePhone, Nickname, PhoneExists, Profile, Register,
    RegisterByName, ResetPassword, SignUp, UpdateProfile,
};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Requester;
use crate::domain::{Caller, CodePurpose, Phone, SessionExtras, TokenPolicy};
use crate::error::{Error, Result};
use crate::handlers::shared::lookup::{self, own_account};
use crate::handlers::shared::{codes, passwords, session};
use crate::store::accounts;
use crate::store::Tx;
use std::net::IpAddr;
use uuid::Uuid;

impl AccountsCommand {
    /// Applies an account command.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        match self {
            AccountsCommand::Register(c) => c.apply(ctx),
            AccountsCommand::ResetPassword(c) => c.apply(ctx),
            AccountsCommand::ChangePassword(c) => c.apply(ctx, from.peer),
            AccountsCommand::Nickname(c) => c.apply(ctx),
            AccountsCommand::Profile(c) => c.apply(ctx, from.account()?),
            AccountsCommand::UpdateProfile(c) => c.apply(ctx, from.account()?),
            AccountsCommand::SignUp(c) => c.apply(ctx),
            AccountsCommand::ChangeOwnPassword(c) => c.apply(ctx, from.account()?, from.peer),
            AccountsCommand::ChangePhone(c) => c.apply(ctx, from.account()?),
            AccountsCommand::PhoneExists(c) => c.apply(ctx),
        }
    }
}

impl Register {
    /// Hashes the password (slow, outside any transaction), then inserts the account.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let (account_uid, ..) = self.create(ctx, CodePurpose::Register, |_, _| Ok(()))?;
        Ok(Outcome::Registered { account_uid })
    }

    /// Creates the account — `proof` checked against a code requested for `purpose` before
    /// the duplicate-phone check, used up only on success — and runs `then` on the new
    /// account's pk in the same transaction. Answers the account's UUID and pk with what
    /// `then` made.
    pub fn create<T>(
        self,
        ctx: &Ctx,
        purpose: CodePurpose,
        mut then: impl FnMut(&Tx, i64) -> Result<T>,
    ) -> Result<(Uuid, i64, T)> {
        let now = ctx.now_secs();
        let purpose = purpose.as_str();
        // Cheap checks before the slow hash. With a proof, a taken phone is found only after
        // the code was checked (the insert refuses it and rolls the code's use back).
        let refused = ctx.store.read(|c| {
            Ok(match self.proof {
                Some(_) if !codes::usable_exists(c, now, self.phone.as_str(), purpose)? => {
                    Some(Error::BadCode)
                }
                None if accounts::by_phone(c, self.phone.as_str())?.is_some() => {
                    Some(Error::PhoneTaken)
                }
                _ => None,
            })
        })?;
        if let Some(e) = refused {
            return Err(e);
        }
        let hash = ctx.passwords.hash(self.password.expose())?;
        let uid = ctx.ids.uuid();
        let created_at = ctx.now().timestamp_micros();
        let create = |tx: &Tx| {
            let pk = accounts::insert(
                tx,
                &accounts::NewAccount {
                    uid,
                    phone: self.phone.as_str(),
                    email: self.email.as_deref(),
                    name: self.name.as_deref(),
                    password_hash: &hash,
                    created_at,
                },
            )?;
            then(tx, pk).map(|made| (uid, pk, made))
        };
        match &self.proof {
            Some(proof) => codes::redeem(ctx, self.phone.as_str(), purpose, proof, create),
            None => ctx.store.write(create),
        }
    }
}

impl Register {
    /// [`Register::create`], opening the new account's first session by `policy` (with
    /// `extras`) in the same transaction; answers the session, marked as a creation.
    pub fn sign_up(
        self,
        ctx: &Ctx,
        purpose: CodePurpose,
        policy: &TokenPolicy,
        extras: &SessionExtras,
    ) -> Result<Outcome> {
        let (_, _, mut session) = self.create(ctx, purpose, |tx, pk| {
            let account = accounts::by_pk(tx, pk)?.ok_or(Error::NotFound("account"))?;
            session::open(ctx, tx, account, policy, false, extras)
        })?;
        session.created = true;
        Ok(Outcome::Session(Box::new(session)))
    }
}

/// The stored "hash" of an account that has no password (made by a third-party login): not a
/// PHC string, so no password ever matches it.
pub const NO_PASSWORD: &str = "!";

impl RegisterByName {
    /// Checks the name and phone are free, hashes the password (slow, outside any
    /// transaction), inserts the account and runs `then` on its pk in the same transaction.
    pub fn create<T>(
        self,
        ctx: &Ctx,
        mut then: impl FnMut(&Tx, i64) -> Result<T>,
    ) -> Result<(i64, T)> {
        let phone = self.phone.as_ref().map(Phone::as_str);
        crate::domain::check_username(&self.username, phone)?;
        let refused = ctx.store.read(|c| {
            if accounts::by_username(c, &self.username)?.is_some() {
                return Ok(Some(Error::AlreadyDone("username already taken")));
            }
            match phone {
                Some(p) if accounts::by_phone(c, p)?.is_some() => Ok(Some(Error::PhoneTaken)),
                _ => Ok(None),
            }
        })?;
        if let Some(e) = refused {
            return Err(e);
        }
        let hash = match &self.password {
            Some(p) => ctx.passwords.hash(p.expose())?,
            None => NO_PASSWORD.to_string(),
        };
        let uid = ctx.ids.uuid();
        let created_at = ctx.now().timestamp_micros();
        ctx.store.write(|tx| {
            let pk = accounts::insert_named(
                tx,
                &accounts::NewNamedAccount {
                    uid,
                    username: &self.username,
                    nickname: Some(&self.nickname),
                    phone,
                    email: self.email.as_deref(),
                    password_hash: &hash,
                    created_at,
                },
            )?;
            then(tx, pk).map(|made| (pk, made))
        })
    }
}

impl SignUp {
    /// Creates the account and its first token pair in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        self.account
            .sign_up(ctx, self.purpose, &self.policy, &self.extras)
    }
}

impl ResetPassword {
    /// Checks the code, stores the new hash and revokes tokens, in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let phone = self.phone.as_str();
        let purpose = CodePurpose::Reset.as_str();
        let now = ctx.now_secs();
        let account = lookup::account_by_phone(ctx, phone, Error::NotFound("account"))?;
        if !ctx
            .store
            .read(|c| codes::usable_exists(c, now, phone, purpose))?
        {
            return Err(Error::BadCode);
        }
        let hash = ctx.passwords.hash(self.password.expose())?;
        codes::redeem(ctx, phone, purpose, &self.code, |tx| {
            passwords::set_password_revoking_tokens(tx, account.pk, &hash)
        })?;
        Ok(Outcome::Done)
    }
}

impl ChangePassword {
    /// Verifies the old password, stores the new hash and revokes tokens.
    pub fn apply(self, ctx: &Ctx, peer: Option<IpAddr>) -> Result<Outcome> {
        let found = ctx.store.read(|c| accounts::by_phone(c, &self.phone))?;
        passwords::replace_password(ctx, found, &self.old, &self.new, peer, |_, _| Ok(()))?;
        Ok(Outcome::Done)
    }
}

impl ChangeOwnPassword {
    /// [`passwords::replace_password`] on the caller's account.
    pub fn apply(self, ctx: &Ctx, caller: &Caller, peer: Option<IpAddr>) -> Result<Outcome> {
        let found = ctx
            .store
            .read(|c| accounts::by_pk_with_hash(c, caller.account_pk))?;
        if found.is_none() {
            return Err(Error::BadToken("the token's account is gone".into()));
        }
        passwords::replace_password(ctx, found, &self.old, &self.new, peer, |_, _| Ok(()))?;
        Ok(Outcome::Done)
    }
}

impl ChangePhone {
    /// Checks the phone is free, uses the code up and moves the account, in one transaction.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let phone = self.phone.as_str();
        if lookup::phone_registered(ctx, phone)? {
            return Err(Error::PhoneTaken);
        }
        codes::redeem(ctx, phone, self.purpose.as_str(), &self.code, |tx| {
            accounts::set_phone(tx, caller.account_pk, phone)
        })?;
        Ok(Outcome::Done)
    }
}

impl PhoneExists {
    /// Answers [`Outcome::Exists`].
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let found = lookup::phone_registered(ctx, self.phone.as_str())?;
        Ok(Outcome::Exists(found))
    }
}

impl Nickname {
    /// Answers the nickname (possibly unset).
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let account = lookup::account_by_phone(ctx, &self.phone, Error::NotFound("account"))?;
        Ok(Outcome::Nickname(account.nickname))
    }
}

impl Profile {
    /// Answers the caller's account.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        Ok(Outcome::Profile(own_account(ctx, caller)?))
    }
}

impl UpdateProfile {
    /// Applies the patch to the caller's row.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let me = own_account(ctx, caller)?;
        if me.phone.as_deref() != Some(self.phone.as_str()) {
            return Err(Error::Forbidden);
        }
        let level_change = self.patch.level.is_some_and(|l| l != me.level);
        if level_change && me.level < ctx.config.admin_level {
            return Err(Error::Forbidden);
        }
        ctx.store
            .write(|tx| accounts::update_profile(tx, me.pk, &self.patch))?;
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Account;
    use crate::handlers::testing;

    use testing::register;

    /// The stored account with this phone, and its password hash.
    fn stored(ctx: &Ctx, phone: &str) -> (Account, String) {
        ctx.store
            .read(|c| accounts::by_phone(c, phone))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn registering_stores_an_argon2id_hash_not_the_password() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "13000000001").unwrap();
        let (_, hash) = stored(&ctx, "13000000001");
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("123456"));
    }

    #[test]
    fn a_phone_registers_only_once() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "13000000001").unwrap();
        assert!(matches!(
            register(&ctx, "13000000001"),
            Err(Error::PhoneTaken)
        ));
    }

    #[test]
    fn a_new_account_has_level_one() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "13000000001").unwrap();
        let (a, _) = stored(&ctx, "13000000001");
        assert_eq!(a.level, 1);
    }
}
