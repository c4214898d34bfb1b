//! Accounts: registration and password reset.

use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::{CodePurpose, Password, Phone};
use crate::error::{Error, Result};
use crate::handlers::codes;
use crate::store::{accounts, tokens};

/// Create an account.
#[derive(Debug)]
pub struct Register {
    /// Login phone.
    pub phone: Phone,
    /// Chosen password.
    pub password: Password,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

impl Register {
    /// Hashes the password (slow, outside any transaction), then inserts the account.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let taken = ctx
            .store
            .read(|c| Ok(accounts::by_phone(c, self.phone.as_str())?.is_some()))?;
        if taken {
            return Err(Error::PhoneTaken);
        }
        let hash = ctx.passwords.hash(self.password.expose())?;
        let uid = ctx.ids.uuid();
        let created_at = ctx.now().timestamp_micros();
        ctx.store.write(|tx| {
            accounts::insert(
                tx,
                &accounts::NewAccount {
                    uid,
                    phone: self.phone.as_str(),
                    email: self.email.as_deref(),
                    name: self.name.as_deref(),
                    password_hash: &hash,
                    created_at,
                },
            )
        })?;
        Ok(Outcome::Registered { account_uid: uid })
    }
}

/// Set a new password with a reset code; revokes every token of the account.
#[derive(Debug)]
pub struct ResetPassword {
    /// The account's phone.
    pub phone: Phone,
    /// The code sent to it.
    pub code: String,
    /// The new password.
    pub password: Password,
}

impl ResetPassword {
    /// Checks the code, stores the new hash and revokes tokens, in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let phone = self.phone.as_str();
        let purpose = CodePurpose::Reset.as_str();
        let now = ctx.now_secs();
        let (account, _) = ctx
            .store
            .read(|c| accounts::by_phone(c, phone))?
            .ok_or(Error::NotFound("account"))?;
        if !ctx
            .store
            .read(|c| codes::usable_exists(c, now, phone, purpose))?
        {
            return Err(Error::BadCode);
        }
        let hash = ctx.passwords.hash(self.password.expose())?;
        ctx.store.write(|tx| {
            if let Err(e) = codes::consume(tx, now, phone, purpose, &self.code)? {
                return Ok(Err(e));
            }
            accounts::set_password(tx, account.pk, &hash)?;
            tokens::delete_all(tx, account.pk)?;
            Ok(Ok(()))
        })??;
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testing;

    fn register(ctx: &Ctx, phone: &str) -> Result<Outcome> {
        Register {
            phone: Phone::parse(phone, "phone").unwrap(),
            password: Password::parse("123456", "password").unwrap(),
            email: None,
            name: Some("zhangsan".into()),
        }
        .apply(ctx)
    }

    #[test]
    fn registering_stores_an_argon2id_hash_not_the_password() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "13000000001").unwrap();
        let (_, hash) = ctx
            .store
            .read(|c| accounts::by_phone(c, "13000000001"))
            .unwrap()
            .unwrap();
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
        let (a, _) = ctx
            .store
            .read(|c| accounts::by_phone(c, "13000000001"))
            .unwrap()
            .unwrap();
        assert_eq!(a.level, 1);
    }
}
