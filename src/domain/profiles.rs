//! INEWW members: the shared account plus the INEWW-only profile fields, which default until
//! first set.

use super::Account;

/// An account as INEWW shows a user: the shared account and its INEWW profile fields.
#[derive(Debug, Clone)]
pub struct Member {
    /// The shared account (`name` is INEWW's `username`, `uid` its `uid`).
    pub account: Account,
    /// The INEWW-only fields.
    pub profile: MemberProfile,
}

/// The INEWW-only fields of an account; an account that never set them has the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProfile {
    /// 0 male, 1 female, 2 unknown.
    pub gender: i64,
    /// Short self-description (at most 63 characters).
    pub signature: String,
    /// Avatar URL or path (at most 128 characters).
    pub avatar: String,
    /// Comma-separated tags (at most 20 characters in all).
    pub tags: String,
    /// Postal address.
    pub address: String,
    /// Employer.
    pub company: String,
    /// `YYYY-MM-DD`, when given.
    pub birthday: Option<String>,
    /// Account balance in cents (no endpoint changes it).
    pub balance_cents: i64,
}

impl Default for MemberProfile {
    fn default() -> Self {
        MemberProfile {
            gender: 2,
            signature: String::new(),
            avatar: String::new(),
            tags: String::new(),
            address: String::new(),
            company: String::new(),
            birthday: None,
            balance_cents: 0,
        }
    }
}

/// INEWW profile fields to set; `None` leaves a field as it is (nothing can be cleared, as in
/// the original).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberChanges {
    /// 0, 1 or 2.
    pub gender: Option<i64>,
    /// New signature.
    pub signature: Option<String>,
    /// New avatar.
    pub avatar: Option<String>,
    /// New tags.
    pub tags: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New company.
    pub company: Option<String>,
    /// New birthday, `YYYY-MM-DD` (a real date).
    pub birthday: Option<String>,
}

impl MemberChanges {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == MemberChanges::default()
    }
}
