//! Opening a session by the policy its command carries, and authenticating a presented token
//! or device id. Token lifetimes, idle expiry, caps and refresh pairs are values of a
//! [`TokenPolicy`]; what an answer shows besides the token is a [`SessionExtras`] value.
//! Nothing here knows which dialect asked.

use crate::auth::token_digest;
use crate::command::Credential;
use crate::ctx::Ctx;
use crate::domain::{
    Account, Auth, Caller, DeviceCaller, DeviceChange, Session, SessionExtras, TokenPolicy,
};
use crate::error::{Error, Result};
use crate::store::{contacts, devices, profiles, rooms, tokens, v4_profiles, Tx};
use uuid::Uuid;

/// A use refreshes a token's idle clock only when it is at least this stale (seconds), so
/// that reads do not each cost a write; idle expiry is exact to within this much.
pub const REFRESH_SECS: i64 = 15;

/// Opens a session for `account` in the caller's transaction: drops its expired tokens (and,
/// unless `enduring`, its idle ones and those beyond the policy's cap), issues the token (and
/// its refresh token), and gathers the extras the answer shows.
pub fn open(
    ctx: &Ctx,
    tx: &Tx,
    account: Account,
    policy: &TokenPolicy,
    enduring: bool,
    extras: &SessionExtras,
) -> Result<Session> {
    let now = ctx.now_secs();
    let pk = account.pk;
    let rooms = if extras.rooms {
        let mut draw = || ctx.ids.digits(4).parse().unwrap_or(0);
        Some(rooms::ensure_profile(tx, pk, now, &mut draw)?)
    } else {
        None
    };
    tokens::prune_expired(tx, pk, now)?;
    if !enduring {
        if let Some(idle) = policy.idle_secs {
            tokens::prune_idle(tx, pk, policy.kind, now - idle)?;
        }
        if let Some(cap) = policy.cap {
            // Pairs are written together and expire in creation order, so keeping the newest
            // of each kind keeps whole pairs.
            tokens::keep_newest(tx, pk, policy.kind, cap - 1)?;
            if let Some(refresh) = policy.refresh {
                tokens::keep_newest(tx, pk, refresh.kind, cap - 1)?;
            }
        }
    }
    let (token, expires_at) = if policy.jwt {
        let uid = account.uid.hyphenated().to_string();
        let exp = now + ctx.config.jwt_lifetime_secs;
        (ctx.jwt.issue(&uid, now)?, Some(exp))
    } else {
        (ctx.ids.hex32(), policy.lifetime_secs.map(|s| now + s))
    };
    let digest = token_digest(&token);
    let refresh = match policy.refresh {
        Some(r) => {
            let refresh = ctx.ids.hex32();
            let refresh_exp = now + r.lifetime_secs;
            let access_exp = expires_at.unwrap_or(refresh_exp);
            let access = (policy.kind, &digest, access_exp);
            let second = (r.kind, &token_digest(&refresh), refresh_exp);
            tokens::insert_pair(tx, pk, access, second, now)?;
            Some((refresh, refresh_exp))
        }
        None => {
            let id = tokens::insert(tx, pk, policy.kind, &digest, now, expires_at)?;
            if enduring {
                tokens::set_enduring(tx, id)?;
            }
            None
        }
    };
    let contacts = match extras.contact_count {
        true => Some(contacts::count(tx, pk)?),
        false => None,
    };
    let member = match extras.member {
        true => Some(profiles::get(tx, pk)?.unwrap_or_default()),
        false => None,
    };
    let device = match &extras.device {
        Some(device) => Some(record_device(tx, pk, device, now)?),
        None => None,
    };
    Ok(Session {
        account,
        token,
        expires_at,
        refresh,
        contacts,
        member,
        rooms,
        device,
        created: false,
    })
}

/// Records `device` as the one the account's latest session was opened on. It changed when
/// a previous session named another one (an account that never had one has not).
fn record_device(tx: &Tx, account_pk: i64, device: &str, now: i64) -> Result<DeviceChange> {
    let before = v4_profiles::get(tx, account_pk)?.unwrap_or_default();
    let changed = before
        .device_identifier
        .as_deref()
        .is_some_and(|last| last != device);
    v4_profiles::set_device(tx, account_pk, device, now)?;
    Ok(DeviceChange {
        changed,
        enterprise_id: before.enterprise_id,
    })
}

/// Checks a presented credential of any kind.
pub fn authenticate(ctx: &Ctx, credential: Option<&Credential>) -> Result<Auth> {
    match credential {
        None => Err(Error::MissingToken),
        Some(Credential::Device(token)) => authenticate_device(ctx, token).map(Auth::Device),
        Some(Credential::Token {
            policy,
            token,
            user_id,
        }) => authenticate_token(ctx, policy, token, user_id.as_deref()).map(Auth::Account),
    }
}

/// A person's token, by its policy: a JWT's signature, algorithm and expiry first; then a
/// live row of the policy's kind (so a refresh token is never an access token, and a logged
/// out or revoked one is refused), owned by the claimed account when one is named, within its
/// lifetime and idle limit. Each use refreshes an idle-limited token's clock.
fn authenticate_token(
    ctx: &Ctx,
    policy: &TokenPolicy,
    token: &str,
    user_id: Option<&str>,
) -> Result<Caller> {
    let now = ctx.now_secs();
    let claims = match policy.jwt {
        true => Some(ctx.jwt.verify(token, now)?),
        false => None,
    };
    let row = ctx
        .store
        .read(|c| tokens::find(c, policy.kind, &token_digest(token)))?
        .ok_or_else(|| {
            // A JWT that verified was issued here: without its row it was revoked.
            let why = if policy.jwt {
                "token has been revoked"
            } else {
                "token not found"
            };
            Error::BadToken(why.into())
        })?;
    let uid = Uuid::parse_str(&row.account_uid)
        .map_err(|_| Error::BadToken("token names no account".into()))?;
    if claims
        .as_ref()
        .is_some_and(|c| !row.account_uid.eq_ignore_ascii_case(&c.uid))
    {
        return Err(Error::BadToken("token does not match its account".into()));
    }
    if user_id.is_some_and(|claimed| Uuid::try_parse(claimed).ok() != Some(uid)) {
        return Err(Error::BadToken("USER-ID is not the token's account".into()));
    }
    let aged =
        !policy.jwt && policy.lifetime_secs.is_some() && row.expires_at.is_none_or(|at| at <= now);
    let idle = policy
        .idle_secs
        .is_some_and(|idle| !row.enduring && now - row.last_used_at > idle);
    if aged || idle {
        ctx.store.write(|tx| match policy.refresh {
            Some(r) => tokens::delete_pair(tx, row.id, r.kind),
            None => tokens::delete(tx, row.id),
        })?;
        return Err(Error::TokenExpired);
    }
    let mut last_used = row.last_used_at;
    if policy.idle_secs.is_some() && now - last_used >= REFRESH_SECS {
        ctx.store.write(|tx| tokens::touch(tx, row.id, now))?;
        last_used = now;
    }
    // Until when this check answers the same while the store does not change: the JWT's
    // expiry, the row's end of life, its idle limit, and the next touch its use must record.
    let deadlines = [
        claims.map(|c| c.exp),
        (!policy.jwt && policy.lifetime_secs.is_some())
            .then_some(row.expires_at)
            .flatten(),
        policy
            .idle_secs
            .filter(|_| !row.enduring)
            .map(|idle| last_used + idle),
        policy.idle_secs.map(|_| last_used + REFRESH_SECS),
    ];
    Ok(Caller {
        account_pk: row.account_pk,
        account_uid: uid,
        token_id: row.id,
        refresh_kind: policy.refresh.map(|r| r.kind),
        valid_until: deadlines.into_iter().flatten().min().unwrap_or(i64::MAX),
    })
}

/// Checks a device token. A device added before its id was kept (schema version 6) has it
/// remembered now: the token matched the digest, so it is the id `device/add` gave out.
pub fn authenticate_device(ctx: &Ctx, token: &str) -> Result<DeviceCaller> {
    let row = ctx
        .store
        .read(|c| devices::by_token(c, &token_digest(token)))?
        .ok_or(Error::BadDeviceToken)?;
    if row.device_id.is_none() {
        ctx.store
            .write(|tx| devices::remember_id(tx, row.pk, token))?;
    }
    Ok(DeviceCaller {
        device_pk: row.pk,
        name: row.name,
    })
}
