//! Sessions as values: how a dialect's tokens live ([`TokenPolicy`]), what a login's answer
//! needs besides its token ([`SessionExtras`]), and the session a login opens ([`Session`]).
//!
//! Dialects differ here only in values: each dialect module holds its own policy constant and
//! its commands ask for the extras their answers show. Handlers apply the values and never
//! know which dialect asked.

use super::{Account, MemberProfile, RoomsProfile};

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
