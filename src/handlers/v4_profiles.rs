//! v4.0 app accounts: a session is a token plus the device it was opened on (the next login
//! tells whether the device changed), and a forgotten password is reset in two steps — a
//! reset code checked by [`VerifyCode`] opens a window of [`RESET_WINDOW_SECS`] in which
//! [`ResetPassword`] may set a new password for that phone, once.

use crate::command::v4_profiles::V4ProfilesCommand;
use crate::command::v4_profiles::{ResetPassword, SignUp, VerifyCode};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Requester;
use crate::domain::{CodePurpose, SessionExtras};
use crate::error::{Error, Result};
use crate::handlers::shared::{codes, lookup, passwords};
use crate::store::v4_profiles;

impl V4ProfilesCommand {
    /// Applies a v4.0 sign-up or reset command.
    pub fn apply(self, ctx: &Ctx, _from: &Requester<'_>) -> Result<Outcome> {
        match self {
            V4ProfilesCommand::SignUp(c) => c.apply(ctx),
            V4ProfilesCommand::VerifyCode(c) => c.apply(ctx),
            V4ProfilesCommand::ResetPassword(c) => c.apply(ctx),
        }
    }
}

/// How long after a successful `verify_code` a `forget_password` may use it, in seconds.
pub const RESET_WINDOW_SECS: i64 = 600;

impl SignUp {
    /// A registered phone is refused before the code is looked at (the document lists -1
    /// before -2, and `sendsms` never sends a register code to a registered phone); then the
    /// code is used up, the account created and the session opened, in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        if lookup::phone_registered(ctx, self.account.phone.as_str())? {
            return Err(Error::PhoneTaken);
        }
        let extras = SessionExtras {
            device: Some(self.device),
            ..SessionExtras::default()
        };
        self.account
            .sign_up(ctx, CodePurpose::Register, &self.policy, &extras)
    }
}

impl VerifyCode {
    /// [`Error::UnknownAccount`] for a phone without an account (its code is not touched),
    /// [`Error::BadCode`] for a wrong, used or expired code.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let phone = self.phone.as_str();
        let account = lookup::account_by_phone(ctx, phone, Error::UnknownAccount)?;
        let now = ctx.now_secs();
        let purpose = CodePurpose::Reset.as_str();
        codes::redeem(ctx, phone, purpose, &self.code, |tx| {
            v4_profiles::open_reset(tx, account.pk, phone, now + RESET_WINDOW_SECS, now)?;
            Ok(())
        })?;
        Ok(Outcome::Done)
    }
}

impl ResetPassword {
    /// [`Error::UnknownAccount`] for a phone without an account, [`Error::BadCode`] when no
    /// window is open for it (never verified, expired, or already used).
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let phone = self.phone.as_str();
        let account = lookup::account_by_phone(ctx, phone, Error::UnknownAccount)?;
        let now = ctx.now_secs();
        // Cheap check before the slow hash; the write checks again and closes the window.
        if !ctx
            .store
            .read(|c| v4_profiles::reset_open(c, account.pk, phone, now))?
        {
            return Err(Error::BadCode);
        }
        let hash = ctx.passwords.hash(self.password.expose())?;
        ctx.store.write(|tx| {
            if !v4_profiles::take_reset(tx, account.pk, phone, now)? {
                return Ok(Err(Error::BadCode));
            }
            passwords::set_password_revoking_tokens(tx, account.pk, &hash)?;
            Ok(Ok(()))
        })??;
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token_digest;
    use crate::command::accounts::Register;
    use crate::command::codes::RequestCodeIf;
    use crate::command::sessions::Login;
    use crate::domain::{LoginKey, SessionExtras};
    use crate::domain::{Password, Phone};
    use crate::handlers::testing;
    use crate::store::{accounts, tokens, Tx};

    const PHONE: &str = "13126939901";

    fn phone() -> Phone {
        Phone::parse(PHONE, "phone").unwrap()
    }

    fn send_code(ctx: &Ctx, registered: bool) -> Result<Outcome> {
        let purpose = if registered {
            CodePurpose::Reset
        } else {
            CodePurpose::Register
        };
        RequestCodeIf {
            phone: phone(),
            registered,
            purpose,
            length: 6,
        }
        .apply(ctx)
    }

    fn sign_up(ctx: &Ctx, code: &str) -> Result<Outcome> {
        SignUp {
            account: Register {
                phone: phone(),
                password: Password::parse("123456", "password").unwrap(),
                email: None,
                name: Some("于连林".into()),
                proof: Some(code.into()),
            },
            device: "phone-a".into(),
            policy: testing::MONTH,
        }
        .apply(ctx)
    }

    fn login(ctx: &Ctx, password: &str, device: &str) -> Result<(String, bool)> {
        let out = Login {
            login: PHONE.into(),
            key: LoginKey::Phone,
            password: password.into(),
            policy: testing::MONTH,
            enduring: false,
            extras: SessionExtras {
                device: Some(device.into()),
                ..SessionExtras::default()
            },
        }
        .apply(ctx, None)?;
        let Outcome::Session(s) = out else {
            panic!("{out:?}")
        };
        Ok((s.token, s.device.unwrap().changed))
    }

    /// A count the store answers, e.g. `count(&ctx, accounts::count)`.
    fn count(ctx: &Ctx, what: impl Fn(&Tx) -> Result<i64>) -> i64 {
        ctx.store.read(what).unwrap()
    }

    fn v4_tokens(ctx: &Ctx) -> i64 {
        count(ctx, |c| tokens::count_of_kind(c, testing::MONTH.kind))
    }

    /// A registered account (code 123456 from the sequential ids), with the clock past the
    /// code throttle.
    fn registered() -> (
        Ctx,
        std::sync::Arc<crate::ctx::ManualClock>,
        tempfile::TempDir,
    ) {
        let (ctx, clock, d) = testing::ctx();
        send_code(&ctx, false).unwrap();
        sign_up(&ctx, "123456").unwrap();
        clock.advance(chrono::Duration::seconds(60));
        (ctx, clock, d)
    }

    fn verify(ctx: &Ctx, code: &str) -> Result<Outcome> {
        VerifyCode {
            phone: phone(),
            code: code.into(),
        }
        .apply(ctx)
    }

    fn reset(ctx: &Ctx, password: &str) -> Result<Outcome> {
        ResetPassword {
            phone: phone(),
            password: Password::parse(password, "password").unwrap(),
        }
        .apply(ctx)
    }

    #[test]
    fn a_code_goes_out_only_when_the_phones_state_is_the_expected_one() {
        let (ctx, clock, _d) = testing::ctx();
        assert!(matches!(send_code(&ctx, true), Err(Error::UnknownAccount)));
        send_code(&ctx, false).unwrap();
        sign_up(&ctx, "123456").unwrap();
        clock.advance(chrono::Duration::seconds(60));
        assert!(matches!(send_code(&ctx, false), Err(Error::PhoneTaken)));
        send_code(&ctx, true).unwrap();
        let sent = ctx
            .store
            .read(|c| crate::store::codes::outbox(c, Some(PHONE)))
            .unwrap();
        let purposes: Vec<_> = sent.iter().map(|e| e.purpose.as_str()).collect();
        assert_eq!(purposes, ["register", "reset"]);
    }

    #[test]
    fn a_wrong_code_creates_nothing_and_a_registered_phone_is_told_first() {
        let (ctx, _, _d) = testing::ctx();
        send_code(&ctx, false).unwrap();
        assert!(matches!(sign_up(&ctx, "000000"), Err(Error::BadCode)));
        assert_eq!(count(&ctx, accounts::count), 0);
        assert_eq!(count(&ctx, v4_profiles::count), 0);
        let Outcome::Session(s) = sign_up(&ctx, "123456").unwrap() else {
            panic!()
        };
        assert_eq!(s.account.name.as_deref(), Some("于连林"));
        let device = s.device.unwrap();
        assert_eq!((device.changed, device.enterprise_id), (false, None));
        assert!(matches!(sign_up(&ctx, "000000"), Err(Error::PhoneTaken)));
        assert_eq!(v4_tokens(&ctx), 1);
    }

    #[test]
    fn change_device_compares_with_the_last_v4_session() {
        let (ctx, _, _d) = registered();
        assert!(!login(&ctx, "123456", "phone-a").unwrap().1);
        assert!(login(&ctx, "123456", "phone-b").unwrap().1);
        assert!(!login(&ctx, "123456", "phone-b").unwrap().1);
        assert!(matches!(
            login(&ctx, "654321", "phone-b"),
            Err(Error::WrongPassword)
        ));
    }

    #[test]
    fn an_account_keeps_ten_v4_tokens_for_thirty_days() {
        let (ctx, clock, _d) = registered();
        let lifetime = testing::MONTH.lifetime_secs.unwrap();
        let mut last = String::new();
        for _ in 0..11 {
            last = login(&ctx, "123456", "phone-a").unwrap().0;
        }
        assert_eq!(v4_tokens(&ctx), 10);
        let row = ctx
            .store
            .read(|c| tokens::find(c, testing::MONTH.kind, &token_digest(&last)))
            .unwrap()
            .unwrap();
        assert_eq!(row.expires_at, Some(ctx.now_secs() + lifetime));
        clock.advance(chrono::Duration::seconds(lifetime));
        login(&ctx, "123456", "phone-a").unwrap();
        assert_eq!(v4_tokens(&ctx), 1);
    }

    #[test]
    fn a_password_is_reset_only_inside_the_window_once() {
        let (ctx, clock, _d) = registered();
        assert!(matches!(reset(&ctx, "654321"), Err(Error::BadCode)));
        send_code(&ctx, true).unwrap();
        assert!(matches!(verify(&ctx, "000000"), Err(Error::BadCode)));
        verify(&ctx, "123456").unwrap();
        assert!(matches!(verify(&ctx, "123456"), Err(Error::BadCode)));
        login(&ctx, "123456", "phone-a").unwrap();
        reset(&ctx, "654321").unwrap();
        assert_eq!(count(&ctx, tokens::count), 0);
        assert!(matches!(reset(&ctx, "abcdef"), Err(Error::BadCode)));
        login(&ctx, "654321", "phone-a").unwrap();

        clock.advance(chrono::Duration::seconds(60));
        send_code(&ctx, true).unwrap();
        verify(&ctx, "123456").unwrap();
        clock.advance(chrono::Duration::seconds(RESET_WINDOW_SECS));
        assert!(matches!(reset(&ctx, "abcdef"), Err(Error::BadCode)));
        login(&ctx, "654321", "phone-a").unwrap();
    }

    #[test]
    fn a_phone_without_an_account_has_no_window_and_its_code_is_untouched() {
        let (ctx, _, _d) = testing::ctx();
        send_code(&ctx, false).unwrap();
        assert!(matches!(verify(&ctx, "123456"), Err(Error::UnknownAccount)));
        assert!(matches!(reset(&ctx, "654321"), Err(Error::UnknownAccount)));
        sign_up(&ctx, "123456").unwrap();
    }
}
