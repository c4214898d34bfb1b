//! Domain types shared by handlers, the store and the encoders, with their validation.
//!
//! A handler never sees an unchecked phone or password: decoders build these types with
//! `parse`, which refuses bad values with a domain [`Error`].

mod session;
mod throttle;

pub use session::{DeviceChange, LoginKey, RefreshPolicy, Session, SessionExtras, TokenPolicy};
pub use throttle::{AccountFailures, PeerFailures, ThrottlePolicy};

use crate::error::Error;
use uuid::Uuid;

/// A mobile number matching `^1\d{10}$` (the contract's one phone rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Checks the rule; `field` names the wire field in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Phone, Error> {
        let ok = raw.len() == 11 && raw.starts_with('1') && raw.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Phone(raw.to_string()))
        } else {
            Err(Error::invalid(
                field,
                "a phone is 11 digits starting with 1",
            ))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as the client sent it: non-empty and at most 128 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Checks length bounds; `field` names the wire field in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Password, Error> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(Error::invalid(field, "the password is empty"));
        }
        if n > 128 {
            return Err(Error::invalid(
                field,
                "the password is longer than 128 characters",
            ));
        }
        Ok(Password(raw.to_string()))
    }

    /// The clear text, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// One account, shared by every dialect.
#[derive(Debug, Clone)]
pub struct Account {
    /// Integer id (what rooms shows as `pk`).
    pub pk: i64,
    /// The account's UUID (PhoneBooks `rid`, dashed).
    pub uid: Uuid,
    /// Login phone; `None` for an account registered through rooms without one (it never
    /// logs in by phone).
    pub phone: Option<String>,
    /// Optional login name (rooms).
    pub username: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Nickname (typed, rooms).
    pub nickname: Option<String>,
    /// Privilege level; administrators are at or above the configured admin level.
    pub level: i64,
    /// Creation time, unix microseconds.
    pub created_at: i64,
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
}

/// Who a request was authenticated as.
#[derive(Debug, Clone)]
pub enum Auth {
    /// A person's account.
    Account(Caller),
    /// A HelpAged camera device (its `device_id` is its token).
    Device(DeviceCaller),
}

/// The device behind a device-token request.
#[derive(Debug, Clone)]
pub struct DeviceCaller {
    /// The device's row id.
    pub device_pk: i64,
    /// The device's name.
    pub name: String,
}

/// A field of a partial update: leave it, clear it (`null`), or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Absent from the request: unchanged.
    #[default]
    Keep,
    /// `null` in the request: cleared.
    Clear,
    /// A new value.
    Set(T),
}

/// An INEWW access/refresh token pair as issued (shown in clear once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// 32-hex access token.
    pub access_token: String,
    /// When the access token expires, unix seconds.
    pub access_token_expired: i64,
    /// 32-hex refresh token.
    pub refresh_token: String,
    /// When the refresh token expires, unix seconds.
    pub refresh_token_expired: i64,
}

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

/// An account as rooms shows a user: the shared account (`username`, `nickname`, `email`,
/// `phone`, `pk`, `created_at`) and its rooms-only fields.
#[derive(Debug, Clone)]
pub struct RoomsUser {
    /// The shared account.
    pub account: Account,
    /// The rooms-only fields.
    pub profile: RoomsProfile,
}

/// The rooms-only fields of an account (`rooms_profiles`), made at its first rooms register
/// or login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomsProfile {
    /// The room number assigned to the account (4 digits while they last).
    pub roomid: i64,
    /// 0 male, 1 female, 2 unknown.
    pub sex: i64,
    /// Age in years (0 when not given).
    pub age: i64,
    /// Country.
    pub country: String,
    /// Province or municipality.
    pub province: String,
    /// City.
    pub city: String,
    /// Occupation.
    pub career: String,
    /// 0 ordinary, 1 WeChat, 2 QQ, 3 Weibo.
    pub login_type: i64,
    /// Icon URL, stored as given and never fetched.
    pub img: String,
}

impl Default for RoomsProfile {
    /// An account with no rooms row yet: room number 0, sex unknown, everything else empty.
    fn default() -> Self {
        RoomsProfile {
            roomid: 0,
            sex: 2,
            age: 0,
            country: String::new(),
            province: String::new(),
            city: String::new(),
            career: String::new(),
            login_type: 0,
            img: String::new(),
        }
    }
}

/// Rooms-only fields to set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomsChanges {
    /// 0, 1 or 2.
    pub sex: Option<i64>,
    /// Age in years.
    pub age: Option<i64>,
    /// Country.
    pub country: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Occupation.
    pub career: Option<String>,
    /// Icon URL.
    pub img: Option<String>,
}

/// A room of the rooms app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Integer id (`pk`).
    pub pk: i64,
    /// The account that created it (the only one that may change it).
    pub owner_pk: i64,
    /// Its room number, from the same number space as the accounts' room numbers.
    pub roomid: i64,
    /// The client's label for the room, unique.
    pub room_alias: String,
    /// Whether the room is open (only open rooms are listed).
    pub active: bool,
}

/// One page of open rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPage {
    /// The rooms of the page, by pk.
    pub rooms: Vec<Room>,
    /// How many open rooms there are in all.
    pub total: i64,
    /// The page number (from 1).
    pub page: i64,
    /// The page size used.
    pub page_size: i64,
}

/// A contact in a PhoneBooks phone book.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Contact id, a dashed UUID v1.
    pub uid: String,
    /// Display name.
    pub name: String,
    /// Creation stamp, `%Y%m%d%H%M%S`.
    pub intime: String,
    /// The contact's phones.
    pub phones: Vec<ContactPhone>,
    /// The contact's mails.
    pub mails: Vec<ContactMail>,
}

/// One phone number of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactPhone {
    /// Phone id, a dashed UUID v1.
    pub pid: String,
    /// The number as the client gave it.
    pub phone: String,
    /// When it was written, `%Y%m%d%H%M%S`.
    pub intime: String,
}

/// One mail address of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactMail {
    /// Mail id, a dashed UUID v1.
    pub mid: String,
    /// The address as the client gave it.
    pub mail: String,
    /// When it was written, `%Y%m%d%H%M%S`.
    pub intime: String,
}

/// A HelpAged camera device as its binder sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// The device's 32-hex id (also its upload token); `""` for a device added before ids
    /// were kept whose id nobody has presented since (schema version 6).
    pub device_id: String,
    /// The device's name.
    pub name: String,
    /// When the caller bound it, `YYYY-MM-DD HH:MM:SS` local time.
    pub bound_at: String,
}

/// A fall notice uploaded by a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// 32-hex event id.
    pub event_id: String,
    /// Free text from the device.
    pub content: String,
    /// The uploading device's name.
    pub device: String,
    /// 32-hex picture name.
    pub pic_name: String,
    /// Upload time, `YYYY-MM-DD HH:MM:SS` local time.
    pub createtime: String,
    /// The picture, when asked for.
    pub picture: Option<Vec<u8>>,
}

/// What a verification code may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// Creating an account.
    Register,
    /// Resetting a forgotten password.
    Reset,
    /// An INEWW code: its request names no purpose, so it serves register and phone change.
    Ineww,
    /// A rooms phone-login code (`POST /phonelogin/`): it serves only a login.
    Login,
}

impl CodePurpose {
    /// The purpose as stored and shown in the outbox.
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::Register => "register",
            CodePurpose::Reset => "reset",
            CodePurpose::Ineww => "ineww",
            CodePurpose::Login => "login",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eleven_digit_phone_starting_with_one_is_accepted() {
        assert!(Phone::parse("13000000001", "phone").is_ok());
    }

    #[test]
    fn a_phone_with_ten_digits_is_rejected() {
        assert!(Phone::parse("1300000000", "phone").is_err());
    }

    #[test]
    fn a_phone_not_starting_with_one_is_rejected() {
        assert!(Phone::parse("23000000001", "phone").is_err());
    }

    #[test]
    fn a_phone_with_a_trailing_space_is_rejected() {
        assert!(Phone::parse("13000000001 ", "phone").is_err());
    }

    #[test]
    fn a_phone_with_non_ascii_digits_is_rejected() {
        assert!(Phone::parse("1३000000001", "phone").is_err());
    }

    #[test]
    fn an_empty_password_is_rejected() {
        assert!(Password::parse("", "password").is_err());
    }

    #[test]
    fn a_password_is_never_printed_in_debug_output() {
        let p = Password::parse("hunter22", "password").unwrap();
        assert!(!format!("{p:?}").contains("hunter22"));
    }
}

/// Profile fields to change; absent fields stay, `null` clears.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    /// Display name.
    pub name: Patch<String>,
    /// Nickname.
    pub nickname: Patch<String>,
    /// E-mail.
    pub email: Patch<String>,
    /// Privilege level (administrators only).
    pub level: Option<i64>,
}

/// Which notices to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFilter {
    /// Not yet read by the account.
    Unread,
    /// Already read by the account.
    Read,
    /// Every notice.
    All,
}
