//! Sessions as values: how a dialect's tokens live ([`TokenPolicy`]), what a login's answer
//! needs besides its token ([`SessionExtras`]), the session a login opens ([`Session`]), and
//! who a later request was authenticated as ([`Auth`]).
//!
//! Dialects differ here only in values: each dialect module holds its own policy constant and
//! its commands ask for the extras their answers show. Handlers apply the values and never
//! know which dialect asked.

use super::{Account, MemberProfile, RoomsProfile};
use crate::error::{Error, Result};
use std::net::IpAddr;
use uuid::Uuid;

/// How one dialect's tokens are issued, checked and expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    /// The token table's kind for these tokens; a token is only ever found under its kind.
    pub kind: &'static str,
    /// An HS256 JWT naming the account (its lifetime is the configured JWT lifetime), else a
    /// random 32-hex string.
    pub jwt: bool,
    /// Lifetime from issue, seconds; `None`: no age limit (JWTs: the configured lifetime).
    pub lifetime_secs: Option<i64>,
    /// Seconds without use after which a token is dead, unless its session is enduring.
    pub idle_secs: Option<i64>,
    /// Most live tokens per account (enduring ones aside); a new one drops the oldest.
    pub cap: Option<i64>,
    /// A refresh token issued beside each token, revoked and capped with it.
    pub refresh: Option<RefreshPolicy>,
}

impl TokenPolicy {
    /// Random 32-hex tokens of `kind`: no age or idle limit, no cap, no refresh token until a
    /// builder below sets one. Usable in `const` items:
    /// `TokenPolicy::opaque("v4").lifetime(2_592_000).cap(10)`.
    pub const fn opaque(kind: &'static str) -> TokenPolicy {
        TokenPolicy {
            kind,
            jwt: false,
            lifetime_secs: None,
            idle_secs: None,
            cap: None,
            refresh: None,
        }
    }

    /// HS256 JWTs stored under `kind`, living the configured JWT lifetime.
    pub const fn jwt(kind: &'static str) -> TokenPolicy {
        TokenPolicy {
            jwt: true,
            ..TokenPolicy::opaque(kind)
        }
    }

    /// Tokens die `secs` seconds after issue.
    pub const fn lifetime(self, secs: i64) -> TokenPolicy {
        TokenPolicy {
            lifetime_secs: Some(secs),
            ..self
        }
    }

    /// Tokens die after `secs` seconds without use (enduring sessions aside).
    pub const fn idle(self, secs: i64) -> TokenPolicy {
        TokenPolicy {
            idle_secs: Some(secs),
            ..self
        }
    }

    /// At most `live` tokens per account (enduring ones aside); a new one drops the oldest.
    pub const fn cap(self, live: i64) -> TokenPolicy {
        TokenPolicy {
            cap: Some(live),
            ..self
        }
    }

    /// A refresh token of `kind` living `lifetime_secs` is issued beside each token.
    pub const fn refresh(self, kind: &'static str, lifetime_secs: i64) -> TokenPolicy {
        TokenPolicy {
            refresh: Some(RefreshPolicy {
                kind,
                lifetime_secs,
            }),
            ..self
        }
    }
}

/// The refresh token of a token pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Its kind in the token table (never accepted as an access token).
    pub kind: &'static str,
    /// Lifetime from issue, seconds.
    pub lifetime_secs: i64,
}

/// Where a login's key is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKey {
    /// The account's phone.
    Phone,
    /// The account's username, or its phone when no account has that username.
    UsernameOrPhone,
}

/// What a session's answer shows besides the token, asked for by the command of the dialect
/// that shows it, so that no login does work its answer throws away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionExtras {
    /// How many contacts the account's phone book holds.
    pub contact_count: bool,
    /// The account's member profile (INEWW's fields).
    pub member: bool,
    /// The account's rooms profile, made with a new room number at its first use.
    pub rooms: bool,
    /// Record this device as the one the session was opened on, and report whether the
    /// previous session named another.
    pub device: Option<String>,
}

/// A device recorded at a session's opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceChange {
    /// A previous session was opened on another device.
    pub changed: bool,
    /// The account's enterprise, if it has one.
    pub enterprise_id: Option<i64>,
}

/// A session just opened: the account, its new token(s), and the extras asked for.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account.
    pub account: Account,
    /// The new token, in clear (shown once).
    pub token: String,
    /// When the token expires, unix seconds, if it does by age.
    pub expires_at: Option<i64>,
    /// The refresh token and its expiry, when the policy issues one.
    pub refresh: Option<(String, i64)>,
    /// Contacts in the account's book, when asked for.
    pub contacts: Option<i64>,
    /// The member profile, when asked for.
    pub member: Option<MemberProfile>,
    /// The rooms profile, when asked for.
    pub rooms: Option<RoomsProfile>,
    /// The recorded device, when one was given.
    pub device: Option<DeviceChange>,
    /// Whether the session's account was created by this command.
    pub created: bool,
}

/// The authenticated account behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account's integer id.
    pub account_pk: i64,
    /// The account's UUID.
    pub account_uid: Uuid,
    /// The token row that authenticated the request (revoked by logout).
    pub token_id: i64,
    /// The kind of the refresh row paired with it, revoked with it, when its policy has one.
    pub refresh_kind: Option<&'static str>,
    /// Unix seconds from which checking the same token may answer differently even if the
    /// store does not change (expiry, idle limit, the next recorded use); `i64::MAX` if never.
    pub valid_until: i64,
}

/// Who a request was authenticated as.
#[derive(Debug, Clone)]
pub enum Auth {
    /// A person's account.
    Account(Caller),
    /// A HelpAged camera device (its `device_id` is its token).
    Device(DeviceCaller),
}

/// Who a command comes from: what its token proved, when its route needs one, and the client
/// address (behind trusted proxies, the one they forwarded) that the login throttle counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Requester<'a> {
    /// The authenticated party; `None` on routes that need no token.
    pub auth: Option<&'a Auth>,
    /// The client address, when known.
    pub peer: Option<IpAddr>,
}

impl<'a> Requester<'a> {
    /// The person's account behind the token.
    pub fn account(&self) -> Result<&'a Caller> {
        match self.auth {
            Some(Auth::Account(c)) => Ok(c),
            Some(Auth::Device(_)) => Err(Error::Forbidden),
            None => Err(Error::MissingToken),
        }
    }

    /// The device behind a device token.
    pub fn device(&self) -> Result<&'a DeviceCaller> {
        match self.auth {
            Some(Auth::Device(d)) => Ok(d),
            Some(Auth::Account(_)) => Err(Error::BadDeviceToken),
            None => Err(Error::MissingToken),
        }
    }
}

/// The device behind a device-token request.
#[derive(Debug, Clone)]
pub struct DeviceCaller {
    /// The device's row id.
    pub device_pk: i64,
    /// The device's name.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_sets_only_what_it_is_told() {
        let built = TokenPolicy::opaque("access")
            .lifetime(30)
            .idle(5)
            .cap(10)
            .refresh("refresh", 60);
        let spelled = TokenPolicy {
            kind: "access",
            jwt: false,
            lifetime_secs: Some(30),
            idle_secs: Some(5),
            cap: Some(10),
            refresh: Some(RefreshPolicy {
                kind: "refresh",
                lifetime_secs: 60,
            }),
        };
        assert_eq!(built, spelled);
        let jwt = TokenPolicy::jwt("jwt");
        assert!(jwt.jwt && jwt.lifetime_secs.is_none() && jwt.cap.is_none());
        assert_eq!(jwt.refresh, None);
    }
}
