//! Accounts and what checks their input: the validated [`Phone`] and [`Password`], the shared
//! [`Account`] record, partial updates ([`Patch`], [`ProfilePatch`]) and what a verification
//! code is for ([`CodePurpose`]).

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

/// A login name shaped like a phone (`^1\d{10}$`) must be the account's own phone, so that a
/// rooms login key (a username, else a phone) names one account.
pub fn check_username(username: &str, own_phone: Option<&str>) -> Result<(), Error> {
    if Phone::parse(username, "username").is_ok() && own_phone != Some(username) {
        return Err(Error::invalid(
            "username",
            "a username that looks like a phone must be the account's own phone",
        ));
    }
    Ok(())
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
