//! The rooms app: its users' rooms-only fields and room numbers, and its rooms. A rooms user is
//! the shared account plus a `rooms_profiles` row, made at the account's first rooms register
//! or login, so an account registered through any dialect becomes a rooms user when it first
//! logs in here. Writes need the owner's token: another account's is refused (`Forbidden`)
//! and changes nothing.

use crate::command::accounts::RegisterByName;
use crate::command::rooms::{ChangePassword, RoomsCommand, SetIcon, SignUp, SnsLogin, UpdateUser};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::{
    Account, Caller, Patch, Phone, ProfilePatch, Requester, RoomsChanges, RoomsUser, Session,
    SessionExtras, TokenPolicy,
};
use crate::error::{Error, Result};
use crate::handlers::shared::{passwords, session};
use crate::store::Tx;
use crate::store::{accounts as store_accounts, rooms as store};
use std::net::IpAddr;

/// The rooms user with this pk.
fn load(tx: &Tx, account_pk: i64) -> Result<RoomsUser> {
    let account = store_accounts::by_pk(tx, account_pk)?.ok_or(Error::NotFound("user"))?;
    store::user(tx, account)
}

/// Gives an account its rooms row, with a new room number, unless it has one.
fn ensure_profile(ctx: &Ctx, tx: &Tx, account_pk: i64) -> Result<()> {
    let mut draw = || ctx.ids.digits(4).parse().unwrap_or(0);
    store::ensure_profile(tx, account_pk, ctx.now_secs(), &mut draw)?;
    Ok(())
}

/// A new room number, drawn from the context's ids.
fn new_roomid(ctx: &Ctx, tx: &Tx) -> Result<i64> {
    let mut draw = || ctx.ids.digits(4).parse().unwrap_or(0);
    store::new_roomid(tx, &mut draw)
}

/// What a rooms session answers besides its token: the rooms user.
fn rooms_extras() -> SessionExtras {
    SessionExtras {
        rooms: true,
        ..SessionExtras::default()
    }
}

/// Opens a rooms session (the rooms row made if missing) in the caller's transaction.
fn open_session(ctx: &Ctx, tx: &Tx, account: Account, policy: &TokenPolicy) -> Result<Session> {
    session::open(ctx, tx, account, policy, false, &rooms_extras())
}

/// Refuses a write on another account's user.
fn own(caller: &Caller, pk: i64) -> Result<()> {
    if caller.account_pk == pk {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

impl RoomsCommand {
    /// Applies the command; writes need the caller (`auth`); a password check counts against
    /// the client address `peer`, when known.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        let caller = || from.account();
        match self {
            RoomsCommand::SignUp(c) => c.apply(ctx),
            RoomsCommand::SnsLogin(c) => c.apply(ctx),
            RoomsCommand::SetIcon(c) => c.apply(ctx, caller()?),
            RoomsCommand::UpdateUser(c) => c.apply(ctx, caller()?),
            RoomsCommand::ChangePassword(c) => c.apply(ctx, caller()?, from.peer),
            RoomsCommand::ListRooms(c) => c.apply(ctx),
            RoomsCommand::ShowRoom(c) => c.apply(ctx),
            RoomsCommand::CreateRoom(c) => c.apply(ctx, caller()?),
            RoomsCommand::UpdateRoom(c) => c.apply(ctx, caller()?),
            RoomsCommand::DeleteRoom(c) => c.apply(ctx, caller()?),
        }
    }
}

impl SignUp {
    /// Creates the account, its rooms row (login type 0) and a token in one transaction.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let session = create(ctx, self.account, 0, None, &self.profile, &self.policy)?;
        Ok(Outcome::Session(Box::new(session)))
    }
}

/// Creates an account with its rooms row and first token.
fn create(
    ctx: &Ctx,
    account: RegisterByName,
    login_type: i64,
    snsid: Option<&str>,
    profile: &RoomsChanges,
    policy: &TokenPolicy,
) -> Result<Session> {
    let now = ctx.now_secs();
    let (_, mut made) = account.create(ctx, |tx, pk| {
        let roomid = new_roomid(ctx, tx)?;
        store::insert_profile(tx, pk, roomid, login_type, snsid, profile, now)?;
        let account = store_accounts::by_pk(tx, pk)?.ok_or(Error::NotFound("user"))?;
        open_session(ctx, tx, account, policy)
    })?;
    made.created = true;
    Ok(made)
}

impl SnsLogin {
    /// Logs the identity's account in, creating it first when the identity is new.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        if !ctx.config.rooms_trust_sns_identities {
            return Err(Error::Forbidden);
        }
        let known = ctx
            .store
            .read(|c| store::by_sns(c, self.login_type, &self.snsid))?;
        if let Some(pk) = known {
            let session = ctx.store.write(|tx| {
                let account = store_accounts::by_pk(tx, pk)?.ok_or(Error::NotFound("user"))?;
                open_session(ctx, tx, account, &self.policy)
            })?;
            return Ok(Outcome::Session(Box::new(session)));
        }
        let session = create(
            ctx,
            self.account,
            self.login_type,
            Some(&self.snsid),
            &self.profile,
            &self.policy,
        )?;
        Ok(Outcome::Session(Box::new(session)))
    }
}

impl SetIcon {
    /// Stores the URL; answers the user.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        own(caller, self.pk)?;
        let now = ctx.now_secs();
        let changes = RoomsChanges {
            img: Some(self.icon),
            ..RoomsChanges::default()
        };
        let user = ctx.store.write(|tx| {
            ensure_profile(ctx, tx, self.pk)?;
            store::update_profile(tx, self.pk, &changes, now)?;
            load(tx, self.pk)
        })?;
        Ok(Outcome::RoomsUser(user))
    }
}

impl UpdateUser {
    /// Applies every change in one transaction; answers the user.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        own(caller, self.pk)?;
        let now = ctx.now_secs();
        let user = ctx.store.write(|tx| {
            let me = store_accounts::by_pk(tx, self.pk)?.ok_or(Error::NotFound("user"))?;
            let phone = self.phone.as_ref().map(Phone::as_str);
            if let Some(p) = phone.filter(|p| me.phone.as_deref() != Some(*p)) {
                store_accounts::set_phone(tx, me.pk, p)?;
            }
            if let Some(name) = &self.username {
                crate::domain::check_username(name, phone.or(me.phone.as_deref()))?;
                if me.username.as_deref() != Some(name.as_str()) {
                    store_accounts::set_username(tx, me.pk, name)?;
                }
            }
            let patch = ProfilePatch {
                nickname: self.nickname.clone().map_or(Patch::Keep, Patch::Set),
                email: self.email.clone(),
                ..ProfilePatch::default()
            };
            store_accounts::update_profile(tx, me.pk, &patch)?;
            ensure_profile(ctx, tx, me.pk)?;
            store::update_profile(tx, me.pk, &self.profile, now)?;
            load(tx, me.pk)
        })?;
        Ok(Outcome::RoomsUser(user))
    }
}

impl ChangePassword {
    /// Checks the name and the old password, then replaces it in one transaction.
    pub fn apply(self, ctx: &Ctx, caller: &Caller, peer: Option<IpAddr>) -> Result<Outcome> {
        let found = ctx
            .store
            .read(|c| store_accounts::by_pk_with_hash(c, caller.account_pk))?;
        let Some((me, _)) = &found else {
            return Err(Error::BadToken("the token's account is gone".into()));
        };
        let key = Some(self.username.as_str());
        if me.username.as_deref() != key && me.phone.as_deref() != key {
            return Err(Error::Forbidden);
        }
        let (_, session) =
            passwords::replace_password(ctx, found, &self.old, &self.new, peer, |tx, account| {
                open_session(ctx, tx, account.clone(), &self.policy)
            })?;
        Ok(Outcome::Session(Box::new(session)))
    }
}

mod room;

#[cfg(test)]
mod tests;
