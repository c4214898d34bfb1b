//! Sessions: login, logout, and authenticating a presented token.

use crate::auth::token_digest;
use crate::command::sessions::{Doki, Login, Logout, PhoneLogin};
use crate::command::{Credential, Outcome};
use crate::ctx::Ctx;
use crate::domain::{Account, Auth, Caller, CodePurpose, TokenIssue, TokenPair};
use crate::error::{Error, Result};
use crate::handlers::{codes, profiles, rooms, v4_profiles};
use crate::store::{accounts, contacts, tokens};
use rusqlite::Connection;
use uuid::Uuid;

/// Token kind of opcode-dialect JWTs in the token table.
pub const JWT: &str = "jwt";
/// Token kind of HelpAged opaque tokens.
pub const TYPED: &str = "typed";
/// HelpAged tokens unused this long (seconds) are dead, unless enduring.
pub const TYPED_IDLE_SECS: i64 = 600;
/// Most live non-enduring HelpAged tokens per account; a new login drops the oldest.
pub const TYPED_CAP: i64 = 10;
/// Token kind of INEWW access tokens.
pub const INEWW_ACCESS: &str = "ineww_access";
/// Token kind of INEWW refresh tokens (never accepted as an access token).
pub const INEWW_REFRESH: &str = "ineww_refresh";
/// Lifetime of an INEWW access token, seconds (30 days, as the original).
pub const INEWW_ACCESS_SECS: i64 = 2_592_000;
/// Lifetime of an INEWW refresh token, seconds (60 days, as the original).
pub const INEWW_REFRESH_SECS: i64 = 5_184_000;
/// Most live INEWW token pairs per account; a new one drops the oldest.
pub const INEWW_CAP: i64 = 10;
/// Token kind of v4.0 tokens.
pub const V4: &str = "v4";
/// Lifetime of a v4.0 token, seconds (30 days; the document is silent).
pub const V4_SECS: i64 = 2_592_000;
/// Most live v4.0 tokens per account; a new one drops the oldest.
pub const V4_CAP: i64 = 10;
/// Token kind of rooms tokens.
pub const ROOMS: &str = "rooms";
/// Lifetime of a rooms token, seconds (24 h, as the document says).
pub const ROOMS_SECS: i64 = 86_400;
/// Most live rooms tokens per account; a new one drops the oldest.
pub const ROOMS_CAP: i64 = 10;
/// A use refreshes a token's idle clock only when it is at least this stale (seconds), so
/// that reads do not each cost a write; idle expiry is exact to within this much.
pub const REFRESH_SECS: i64 = 15;

impl Login {
    /// Verifies the password (slow, outside any transaction), then records the new token.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let found = ctx.store.read(|c| match self.issue {
            TokenIssue::Rooms => accounts::by_login_key(c, &self.phone),
            _ => accounts::by_phone(c, &self.phone),
        })?;
        let stored = found.as_ref().map(|(_, hash)| hash.as_str());
        let verified = ctx.passwords.verify(&self.password, stored);
        let Some((account, _)) = found else {
            return Err(Error::UnknownAccount);
        };
        if !verified {
            return Err(Error::WrongPassword);
        }
        let now = ctx.now_secs();
        let (token, kind, expires_at, enduring) = match self.issue {
            TokenIssue::Jwt => {
                let uid = account.uid.hyphenated().to_string();
                let exp = now + ctx.config.jwt_lifetime_secs;
                (ctx.jwt.issue(&uid, now)?, JWT, Some(exp), false)
            }
            TokenIssue::Typed { enduring } => (ctx.ids.hex32(), TYPED, None, enduring),
            TokenIssue::Ineww => return ineww_session(ctx, account),
            TokenIssue::Rooms => return rooms_session(ctx, account.pk),
            TokenIssue::V4 { device } => return v4_profiles::login(ctx, account, &device),
        };
        let count = ctx.store.write(|tx| {
            tokens::prune_expired(tx, account.pk, now)?;
            if kind == TYPED && !enduring {
                tokens::prune_idle(tx, account.pk, TYPED, now - TYPED_IDLE_SECS)?;
                tokens::keep_newest(tx, account.pk, TYPED, TYPED_CAP - 1)?;
            }
            let id = tokens::insert(tx, account.pk, kind, &token_digest(&token), now, expires_at)?;
            if enduring {
                tokens::set_enduring(tx, id)?;
            }
            contacts::count(tx, account.pk)
        })?;
        Ok(Outcome::LoggedIn {
            account_uid: account.uid,
            token,
            contacts: count,
        })
    }
}

/// A rooms login: a new 24-hour token (and the rooms row at an account's first rooms login),
/// answered with the rooms user.
fn rooms_session(ctx: &Ctx, account_pk: i64) -> Result<Outcome> {
    let (user, token) = ctx
        .store
        .write(|tx| rooms::open_session(ctx, tx, account_pk))?;
    Ok(Outcome::RoomsUser {
        user,
        token: Some(token),
        created: false,
    })
}

/// Issues a rooms token (24 h) in the caller's transaction, after dropping expired tokens
/// and, beyond [`ROOMS_CAP`] live ones, the oldest.
pub fn open_rooms_token(ctx: &Ctx, tx: &Connection, account_pk: i64) -> Result<String> {
    let now = ctx.now_secs();
    let token = ctx.ids.hex32();
    tokens::prune_expired(tx, account_pk, now)?;
    tokens::keep_newest(tx, account_pk, ROOMS, ROOMS_CAP - 1)?;
    let digest = token_digest(&token);
    tokens::insert(tx, account_pk, ROOMS, &digest, now, Some(now + ROOMS_SECS))?;
    Ok(token)
}

impl PhoneLogin {
    /// Uses the code up and opens the session in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let phone = self.phone.as_str();
        let (account, _) = ctx
            .store
            .read(|c| accounts::by_phone(c, phone))?
            .ok_or(Error::UnknownAccount)?;
        let purpose = CodePurpose::Login.as_str();
        let (user, token) = codes::redeem(ctx, phone, purpose, &self.code, |tx| {
            rooms::open_session(ctx, tx, account.pk)
        })?;
        Ok(Outcome::RoomsUser {
            user,
            token: Some(token),
            created: false,
        })
    }
}

/// An INEWW login: a new token pair, answered with the member.
fn ineww_session(ctx: &Ctx, account: Account) -> Result<Outcome> {
    let pair = ctx.store.write(|tx| open_pair(ctx, tx, account.pk))?;
    let member = ctx.store.read(|c| profiles::member(c, account))?;
    Ok(Outcome::Session { pair, member })
}

/// Issues an INEWW access/refresh pair in the caller's transaction, after dropping expired
/// tokens and, beyond [`INEWW_CAP`] live pairs, the oldest.
pub fn open_pair(ctx: &Ctx, tx: &Connection, account_pk: i64) -> Result<TokenPair> {
    let now = ctx.now_secs();
    let pair = TokenPair {
        access_token: ctx.ids.hex32(),
        access_token_expired: now + INEWW_ACCESS_SECS,
        refresh_token: ctx.ids.hex32(),
        refresh_token_expired: now + INEWW_REFRESH_SECS,
    };
    tokens::prune_expired(tx, account_pk, now)?;
    // Pairs are written together and expire in creation order, so keeping the newest of each
    // kind keeps whole pairs.
    tokens::keep_newest(tx, account_pk, INEWW_ACCESS, INEWW_CAP - 1)?;
    tokens::keep_newest(tx, account_pk, INEWW_REFRESH, INEWW_CAP - 1)?;
    let access = token_digest(&pair.access_token);
    let refresh = token_digest(&pair.refresh_token);
    tokens::insert_pair(
        tx,
        account_pk,
        (INEWW_ACCESS, &access, pair.access_token_expired),
        (INEWW_REFRESH, &refresh, pair.refresh_token_expired),
        now,
    )?;
    Ok(pair)
}

/// Issues a v4.0 token in the caller's transaction, after dropping expired tokens and,
/// beyond [`V4_CAP`] live ones, the oldest. Nothing uses it after login yet (the document
/// names no such endpoint), but it is a real row: a password change revokes it.
pub fn open_v4(ctx: &Ctx, tx: &Connection, account_pk: i64) -> Result<String> {
    let now = ctx.now_secs();
    let token = ctx.ids.hex32();
    tokens::prune_expired(tx, account_pk, now)?;
    tokens::keep_newest(tx, account_pk, V4, V4_CAP - 1)?;
    tokens::insert(
        tx,
        account_pk,
        V4,
        &token_digest(&token),
        now,
        Some(now + V4_SECS),
    )?;
    Ok(token)
}

impl Logout {
    /// Deletes the caller's token row, and its pair's refresh row when it has one.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        ctx.store
            .write(|tx| tokens::delete_pair(tx, caller.token_id, INEWW_REFRESH))?;
        Ok(Outcome::Done)
    }
}

impl Doki {
    /// Answers success for a live token.
    pub fn apply(self, _ctx: &Ctx, _caller: &Caller) -> Result<Outcome> {
        Ok(Outcome::Done)
    }
}

/// The account behind the request, or an error when there is none (or it is a device).
pub fn require(auth: Option<&Auth>) -> Result<&Caller> {
    match auth {
        Some(Auth::Account(c)) => Ok(c),
        Some(Auth::Device(_)) => Err(Error::Forbidden),
        None => Err(Error::MissingToken),
    }
}

/// Checks a presented credential of any kind.
pub fn authenticate(ctx: &Ctx, credential: Option<&Credential>) -> Result<Auth> {
    match credential {
        None => Err(Error::MissingToken),
        Some(Credential::Jwt(token)) => authenticate_jwt(ctx, token).map(Auth::Account),
        Some(Credential::Typed(token)) => authenticate_typed(ctx, token).map(Auth::Account),
        Some(Credential::Device(token)) => {
            crate::handlers::devices::authenticate(ctx, token).map(Auth::Device)
        }
        Some(Credential::Ineww { user_id, token }) => {
            authenticate_ineww(ctx, user_id.as_deref(), token).map(Auth::Account)
        }
        Some(Credential::Rooms(token)) => authenticate_rooms(ctx, token).map(Auth::Account),
    }
}

/// A rooms token: live (not logged out, not revoked) and younger than 24 hours.
fn authenticate_rooms(ctx: &Ctx, token: &str) -> Result<Caller> {
    let row = ctx
        .store
        .read(|c| tokens::find(c, ROOMS, &token_digest(token)))?
        .ok_or_else(|| Error::BadToken("token not found".into()))?;
    if row.expires_at.is_none_or(|at| at <= ctx.now_secs()) {
        ctx.store.write(|tx| tokens::delete(tx, row.id))?;
        return Err(Error::TokenExpired);
    }
    Ok(Caller {
        account_pk: row.account_pk,
        account_uid: Uuid::parse_str(&row.account_uid)
            .map_err(|_| Error::BadToken("token names no account".into()))?,
        token_id: row.id,
    })
}

/// An INEWW access token: live, unexpired, and owned by the `USER-ID` when one is sent. A
/// refresh token is not an access token (it is not found under that kind).
fn authenticate_ineww(ctx: &Ctx, user_id: Option<&str>, token: &str) -> Result<Caller> {
    let row = ctx
        .store
        .read(|c| tokens::find(c, INEWW_ACCESS, &token_digest(token)))?
        .ok_or_else(|| Error::BadToken("token not found".into()))?;
    let uid = Uuid::parse_str(&row.account_uid)
        .map_err(|_| Error::BadToken("token names no account".into()))?;
    if user_id.is_some_and(|claimed| Uuid::try_parse(claimed).ok() != Some(uid)) {
        return Err(Error::BadToken("USER-ID is not the token's account".into()));
    }
    if row.expires_at.is_none_or(|at| at <= ctx.now_secs()) {
        ctx.store
            .write(|tx| tokens::delete_pair(tx, row.id, INEWW_REFRESH))?;
        return Err(Error::TokenExpired);
    }
    Ok(Caller {
        account_pk: row.account_pk,
        account_uid: uid,
        token_id: row.id,
    })
}

/// A HelpAged token: live, not idle for 10 minutes unless enduring; each use refreshes it.
fn authenticate_typed(ctx: &Ctx, token: &str) -> Result<Caller> {
    let now = ctx.now_secs();
    let digest = token_digest(token);
    let row = ctx
        .store
        .read(|c| tokens::find(c, TYPED, &digest))?
        .ok_or_else(|| Error::BadToken("token not found".into()))?;
    if !row.enduring && now - row.last_used_at > TYPED_IDLE_SECS {
        ctx.store.write(|tx| tokens::delete(tx, row.id))?;
        return Err(Error::TokenExpired);
    }
    if now - row.last_used_at >= REFRESH_SECS {
        ctx.store.write(|tx| tokens::touch(tx, row.id, now))?;
    }
    Ok(Caller {
        account_pk: row.account_pk,
        account_uid: Uuid::parse_str(&row.account_uid)
            .map_err(|_| Error::BadToken("token names no account".into()))?,
        token_id: row.id,
    })
}

/// A PhoneBooks JWT: signature, algorithm and expiry, then that it is still live (not
/// logged out, not revoked by a password change) and names its own account.
fn authenticate_jwt(ctx: &Ctx, token: &str) -> Result<Caller> {
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
    use crate::command::accounts::Register;
    use crate::domain::{Password, Phone};
    use crate::handlers::testing;

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
            proof: None,
        }
        .apply(&ctx)
        .unwrap();
        (ctx, clock, d)
    }

    fn login(ctx: &Ctx, password: &str) -> Result<String> {
        match (Login {
            phone: "13000000001".into(),
            password: password.into(),
            issue: TokenIssue::Jwt,
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
            issue: TokenIssue::Jwt,
        }
        .apply(&ctx);
        assert!(matches!(r, Err(Error::UnknownAccount)));
    }

    #[test]
    fn a_fresh_token_authenticates_its_account() {
        let (ctx, _, _d) = setup();
        let t = login(&ctx, "123456").unwrap();
        let auth = authenticate(&ctx, Some(&Credential::Jwt(t))).unwrap();
        assert_eq!(require(Some(&auth)).unwrap().account_pk, 1);
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
        let auth = authenticate(&ctx, Some(&cred)).unwrap();
        Logout.apply(&ctx, require(Some(&auth)).unwrap()).unwrap();
        assert!(matches!(
            authenticate(&ctx, Some(&cred)),
            Err(Error::BadToken(_))
        ));
    }
}
