//! Sessions: login, logout, and authenticating a presented token.

use crate::auth::token_digest;
use crate::command::{Credential, Outcome};
use crate::ctx::Ctx;
use crate::domain::Caller;
use crate::error::{Error, Result};
use crate::store::{accounts, contacts, tokens};
use uuid::Uuid;

/// Token kind of opcode-dialect JWTs in the token table.
pub const JWT: &str = "jwt";

/// Log in with phone and password; answers a JWT.
#[derive(Debug)]
pub struct Login {
    /// Login phone (not format-checked: an odd phone simply has no account).
    pub phone: String,
    /// Password to check.
    pub password: String,
}

impl Login {
    /// Verifies the password (slow, outside any transaction), then records the new token.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let found = ctx.store.read(|c| accounts::by_phone(c, &self.phone))?;
        let stored = found.as_ref().map(|(_, hash)| hash.as_str());
        let verified = ctx.passwords.verify(&self.password, stored);
        let Some((account, _)) = found else {
            return Err(Error::UnknownAccount);
        };
        if !verified {
            return Err(Error::WrongPassword);
        }
        let now = ctx.now_secs();
        let uid = account.uid.hyphenated().to_string();
        let token = ctx.jwt.issue(&uid, now)?;
        let exp = now + ctx.config.jwt_lifetime_secs;
        let count = ctx.store.write(|tx| {
            tokens::prune_expired(tx, account.pk, now)?;
            tokens::insert(tx, account.pk, JWT, &token_digest(&token), now, Some(exp))?;
            contacts::count(tx, account.pk)
        })?;
        Ok(Outcome::LoggedIn {
            account_uid: account.uid,
            token,
            contacts: count,
        })
    }
}

/// Revoke the token the request was authenticated with.
#[derive(Debug)]
pub struct Logout;

impl Logout {
    /// Deletes the caller's token row.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        ctx.store.write(|tx| tokens::delete(tx, caller.token_id))?;
        Ok(Outcome::Done)
    }
}

/// The caller, or [`Error::MissingToken`] when the request was not authenticated.
pub fn require(caller: Option<&Caller>) -> Result<&Caller> {
    caller.ok_or(Error::MissingToken)
}

/// Checks a presented credential: signature, algorithm and expiry, then that it is still
/// live (not logged out, not revoked by a password change) and names its own account.
pub fn authenticate(ctx: &Ctx, credential: Option<&Credential>) -> Result<Caller> {
    let Some(Credential::Jwt(token)) = credential else {
        return Err(Error::MissingToken);
    };
    let now = ctx.now_secs();
    let claims = ctx.jwt.verify(token, now)?;
    let row = ctx
        .store
        .read(|c| tokens::find(c, JWT, &token_digest(token)))?
        .ok_or_else(|| Error::BadToken("token has been revoked".into()))?;
    if !row.account_uid.eq_ignore_ascii_case(&claims.uid) {
        return Err(Error::BadToken("token does not match its account".into()));
    }
    Ok(Caller {
        account_pk: row.account_pk,
        account_uid: Uuid::parse_str(&row.account_uid)
            .map_err(|_| Error::BadToken("token names no account".into()))?,
        token_id: row.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Password, Phone};
    use crate::handlers::{accounts::Register, testing};

    fn setup() -> (
        Ctx,
        std::sync::Arc<crate::ctx::ManualClock>,
        tempfile::TempDir,
    ) {
        let (ctx, clock, d) = testing::ctx();
        Register {
            phone: Phone::parse("13000000001", "phone").unwrap(),
            password: Password::parse("123456", "password").unwrap(),
            email: None,
            name: None,
        }
        .apply(&ctx)
        .unwrap();
        (ctx, clock, d)
    }

    fn login(ctx: &Ctx, password: &str) -> Result<String> {
        match (Login {
            phone: "13000000001".into(),
            password: password.into(),
        })
        .apply(ctx)?
        {
            Outcome::LoggedIn { token, .. } => Ok(token),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_wrong_password_is_refused() {
        let (ctx, _, _d) = setup();
        assert!(matches!(login(&ctx, "654321"), Err(Error::WrongPassword)));
    }

    #[test]
    fn an_unknown_phone_is_refused_as_unknown() {
        let (ctx, _, _d) = setup();
        let r = Login {
            phone: "13999999999".into(),
            password: "123456".into(),
        }
        .apply(&ctx);
        assert!(matches!(r, Err(Error::UnknownAccount)));
    }

    #[test]
    fn a_fresh_token_authenticates_its_account() {
        let (ctx, _, _d) = setup();
        let t = login(&ctx, "123456").unwrap();
        let caller = authenticate(&ctx, Some(&Credential::Jwt(t))).unwrap();
        assert_eq!(caller.account_pk, 1);
    }

    #[test]
    fn a_token_expires_after_its_lifetime_on_the_context_clock() {
        let (ctx, clock, _d) = setup();
        let t = login(&ctx, "123456").unwrap();
        clock.advance(chrono::Duration::seconds(ctx.config.jwt_lifetime_secs));
        let r = authenticate(&ctx, Some(&Credential::Jwt(t)));
        assert!(matches!(r, Err(Error::TokenExpired)));
    }

    #[test]
    fn a_logged_out_token_is_refused() {
        let (ctx, _, _d) = setup();
        let t = login(&ctx, "123456").unwrap();
        let cred = Credential::Jwt(t);
        let caller = authenticate(&ctx, Some(&cred)).unwrap();
        Logout.apply(&ctx, &caller).unwrap();
        assert!(matches!(
            authenticate(&ctx, Some(&cred)),
            Err(Error::BadToken(_))
        ));
    }
}
