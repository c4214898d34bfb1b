//! The rooms app: its users' rooms-only fields and room numbers, and its rooms. A rooms user is
//! the shared account plus a `rooms_profiles` row, made at the account's first rooms register
//! or login, so an account registered through any dialect becomes a rooms user when it first
//! logs in here. Writes need the owner's token: another account's is refused (`Forbidden`)
//! and changes nothing.

use crate::command::accounts::RegisterByName;
use crate::command::rooms::{ChangePassword, RoomsCommand, SetIcon, SignUp, SnsLogin, UpdateUser};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::ProfilePatch;
use crate::domain::{Account, Auth, Caller, Patch, Phone, RoomsChanges, RoomsProfile, RoomsUser};
use crate::error::{Error, Result};
use crate::handlers::accounts;
use crate::handlers::sessions;
use crate::store::{accounts as store_accounts, rooms as store};
use rusqlite::Connection;

/// Random 4-digit room numbers drawn before falling back to one above the highest in use.
const ROOMID_DRAWS: usize = 8;

/// A rooms user: the account and its rooms row (defaults, room number 0, when it has none).
pub fn user(conn: &Connection, account: Account) -> Result<RoomsUser> {
    let profile = store::profile(conn, account.pk)?.unwrap_or(RoomsProfile {
        roomid: 0,
        sex: 2,
        age: 0,
        country: String::new(),
        province: String::new(),
        city: String::new(),
        career: String::new(),
        login_type: 0,
        img: String::new(),
    });
    Ok(RoomsUser { account, profile })
}

/// The rooms user with this pk.
pub fn load(conn: &Connection, account_pk: i64) -> Result<RoomsUser> {
    let account = store_accounts::by_pk(conn, account_pk)?.ok_or(Error::NotFound("user"))?;
    user(conn, account)
}

/// A room number no account and no room has: a random one of 1000–9999 (the document's
/// numbers have 4 digits), or, when [`ROOMID_DRAWS`] draws all hit taken numbers, one above
/// the highest in use. Run inside the writing transaction, so no one else takes it meanwhile.
pub fn new_roomid(ctx: &Ctx, conn: &Connection) -> Result<i64> {
    for _ in 0..ROOMID_DRAWS {
        let n: i64 = ctx.ids.digits(4).parse().unwrap_or(0);
        if n >= 1000 && !store::roomid_taken(conn, n)? {
            return Ok(n);
        }
    }
    Ok(store::max_roomid(conn)?.max(999) + 1)
}

/// Gives an account its rooms row, with a new room number, unless it has one.
pub fn ensure_profile(ctx: &Ctx, tx: &Connection, account_pk: i64) -> Result<()> {
    if store::profile(tx, account_pk)?.is_none() {
        let roomid = new_roomid(ctx, tx)?;
        let none = RoomsChanges::default();
        store::insert_profile(tx, account_pk, roomid, 0, None, &none, ctx.now_secs())?;
    }
    Ok(())
}

/// Opens a rooms session in the caller's transaction: the rooms row (made if missing), a new
/// 24-hour token, and the user as it now is.
pub fn open_session(ctx: &Ctx, tx: &Connection, account_pk: i64) -> Result<(RoomsUser, String)> {
    ensure_profile(ctx, tx, account_pk)?;
    let token = sessions::open_rooms_token(ctx, tx, account_pk)?;
    Ok((load(tx, account_pk)?, token))
}

fn session(user: RoomsUser, token: String, created: bool) -> Outcome {
    Outcome::RoomsUser {
        user,
        token: Some(token),
        created,
    }
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
    /// Applies the command; writes need the caller (`auth`).
    pub fn apply(self, ctx: &Ctx, auth: Option<&Auth>) -> Result<Outcome> {
        let caller = || sessions::require(auth);
        match self {
            RoomsCommand::SignUp(c) => c.apply(ctx),
            RoomsCommand::SnsLogin(c) => c.apply(ctx),
            RoomsCommand::SetIcon(c) => c.apply(ctx, caller()?),
            RoomsCommand::UpdateUser(c) => c.apply(ctx, caller()?),
            RoomsCommand::ChangePassword(c) => c.apply(ctx, caller()?),
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
        let (user, token) = create(ctx, self.account, 0, None, &self.profile)?;
        Ok(session(user, token, true))
    }
}

/// Creates an account with its rooms row and first token.
fn create(
    ctx: &Ctx,
    account: RegisterByName,
    login_type: i64,
    snsid: Option<&str>,
    profile: &RoomsChanges,
) -> Result<(RoomsUser, String)> {
    let now = ctx.now_secs();
    let (_, made) = account.create(ctx, |tx, pk| {
        let roomid = new_roomid(ctx, tx)?;
        store::insert_profile(tx, pk, roomid, login_type, snsid, profile, now)?;
        open_session(ctx, tx, pk)
    })?;
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
            let (user, token) = ctx.store.write(|tx| open_session(ctx, tx, pk))?;
            return Ok(session(user, token, false));
        }
        let (user, token) = create(
            ctx,
            self.account,
            self.login_type,
            Some(&self.snsid),
            &self.profile,
        )?;
        Ok(session(user, token, true))
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
        Ok(Outcome::RoomsUser {
            user,
            token: None,
            created: false,
        })
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
                accounts::check_username(name, phone.or(me.phone.as_deref()))?;
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
        Ok(Outcome::RoomsUser {
            user,
            token: None,
            created: false,
        })
    }
}

impl ChangePassword {
    /// Checks the name and the old password, then replaces it in one transaction.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
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
        let (_, (user, token)) =
            accounts::replace_password(ctx, found, &self.old, &self.new, |tx, account| {
                open_session(ctx, tx, account.pk)
            })?;
        Ok(session(user, token, false))
    }
}

mod room;

#[cfg(test)]
mod tests;
