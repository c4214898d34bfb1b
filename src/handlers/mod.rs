//! Handlers, grouped by domain. Plain functions of (command, caller, [`Ctx`]): no HTTP, no
//! wire envelopes, no knowledge of which dialect asked. They run on blocking threads.
//!
//! [`execute`] authenticates and hands each domain's command to its file (`contacts.rs`
//! applies a `ContactsCommand`, …), whose one match calls the handler. What two handler files
//! share is in [`shared`]; no handler file imports another.

pub mod accounts;
pub mod admin;
pub mod codes;
pub mod contacts;
pub mod devices;
pub mod media;
pub mod profiles;
pub mod rooms;
pub mod sessions;
pub mod shared;
pub mod v4_profiles;

use crate::command::{Command, Outcome, Request};
use crate::ctx::Ctx;
use crate::domain::{Auth, Requester};
use crate::error::{Error, Result};
use std::net::IpAddr;

/// What a command answered, and until when the same request would answer the same.
#[derive(Debug)]
pub struct Answer {
    /// The outcome.
    pub outcome: Outcome,
    /// Unix seconds from which the same request may answer differently even while the store
    /// does not change (its token's expiry, idle limit or next recorded use); `i64::MAX` when
    /// only a change to the store can change it.
    pub valid_until: i64,
}

/// Authenticates the request when its route needs a token, checks any account it claims to
/// act for, and applies its command. `peer` is the client address (behind trusted proxies,
/// the one they forwarded), which the login throttle counts failures against. Answers the
/// outcome and until when it holds (what the answer cache needs).
pub fn execute(ctx: &Ctx, req: Request, peer: Option<IpAddr>) -> Result<Answer> {
    let auth = if req.auth {
        Some(shared::session::authenticate(ctx, req.credential.as_ref())?)
    } else {
        None
    };
    if let (Some(Auth::Account(caller)), Some(claimed)) = (&auth, &req.acting_for) {
        if !claimed.eq_ignore_ascii_case(&caller.account_uid.hyphenated().to_string()) {
            return Err(Error::TokenMismatch);
        }
    }
    let valid_until = match &auth {
        Some(Auth::Account(caller)) => caller.valid_until,
        Some(Auth::Device(_)) | None => i64::MAX,
    };
    let outcome = apply(ctx, req.command, auth.as_ref(), peer)?;
    Ok(Answer {
        outcome,
        valid_until,
    })
}

/// The one dispatch: each domain's commands to that domain's handlers, with who sent them.
fn apply(
    ctx: &Ctx,
    command: Command,
    auth: Option<&Auth>,
    peer: Option<IpAddr>,
) -> Result<Outcome> {
    let from = Requester { auth, peer };
    match command {
        Command::Accounts(c) => c.apply(ctx, &from),
        Command::Codes(c) => c.apply(ctx, &from),
        Command::Sessions(c) => c.apply(ctx, &from),
        Command::Contacts(c) => c.apply(ctx, &from),
        Command::Devices(c) => c.apply(ctx, &from),
        Command::Media(c) => c.apply(ctx, &from),
        Command::Profiles(c) => c.apply(ctx, &from),
        Command::V4Profiles(c) => c.apply(ctx, &from),
        Command::Admin(c) => c.apply(ctx, from.account()?),
        Command::Rooms(c) => c.apply(ctx, &from),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A context over a temporary database with a manual clock and sequential ids, accounts
    //! made the short way, and token policies shaped like the dialects' (test values:
    //! handlers never see a dialect).
    use crate::auth::jwt::JwtKeys;
    use crate::auth::passwords::Passwords;
    use crate::command::accounts::Register;
    use crate::command::Outcome;
    use crate::config::Config;
    use crate::ctx::{Ctx, KeepInOutbox, ManualClock, SequentialIds};
    use crate::domain::{Caller, Password, Phone, TokenPolicy};
    use std::sync::Arc;
    use uuid::Uuid;

    /// A JWT policy.
    pub const JWT: TokenPolicy = TokenPolicy::jwt("jwt");
    /// Opaque tokens that die after 10 idle minutes, 10 live at most.
    pub const IDLE: TokenPolicy = TokenPolicy::opaque("typed").idle(600).cap(10);
    /// 30-day access tokens with 60-day refresh tokens, 10 live pairs at most.
    pub const PAIR: TokenPolicy = TokenPolicy::opaque("ineww_access")
        .lifetime(2_592_000)
        .cap(10)
        .refresh("ineww_refresh", 5_184_000);
    /// 24-hour tokens, 10 live at most.
    pub const DAY: TokenPolicy = TokenPolicy::opaque("rooms").lifetime(86_400).cap(10);
    /// 30-day tokens, 10 live at most.
    pub const MONTH: TokenPolicy = TokenPolicy::opaque("v4").lifetime(2_592_000).cap(10);

    /// A test context and the clock that drives it; keep the tempdir alive with it.
    pub fn ctx() -> (Ctx, Arc<ManualClock>, tempfile::TempDir) {
        let (store, dir) = crate::store::testing::pooled(2);
        let config = Config::for_tests(dir.path().join("db"));
        let clock = Arc::new(ManualClock::new(
            chrono::DateTime::from_timestamp(1_494_492_617, 0).unwrap(),
        ));
        let ctx = Ctx {
            courier: Arc::new(KeepInOutbox),
            store,
            clock: clock.clone(),
            ids: Arc::new(SequentialIds::default()),
            jwt: JwtKeys::new(b"test secret", config.jwt_lifetime_secs),
            passwords: Passwords::new(&config).unwrap(),
            config: Arc::new(config),
        };
        (ctx, clock, dir)
    }

    /// A caller (token 0) whose account, with this uid and phone and no known password, is
    /// inserted first.
    pub fn caller(ctx: &Ctx, uid: Uuid, phone: &str) -> Caller {
        let account_pk = ctx
            .store
            .write(|tx| crate::store::testing::account(tx, uid, phone))
            .unwrap();
        Caller {
            account_pk,
            account_uid: uid,
            token_id: 0,
            refresh_kind: None,
            valid_until: i64::MAX,
        }
    }

    /// Registers `phone` (password `123456`, name `zhangsan`) through PhoneBooks' register;
    /// answers the new account's uid.
    pub fn register(ctx: &Ctx, phone: &str) -> crate::error::Result<Uuid> {
        let out = Register {
            phone: Phone::parse(phone, "phone").unwrap(),
            password: Password::parse("123456", "password").unwrap(),
            email: None,
            name: Some("zhangsan".into()),
            proof: None,
        }
        .apply(ctx)?;
        match out {
            Outcome::Registered { account_uid } => Ok(account_uid),
            other => panic!("{other:?}"),
        }
    }
}
