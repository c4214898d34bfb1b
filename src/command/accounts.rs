//! Account commands: register, reset or change a password, change phone, profiles.
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::{CodePurpose, Password, Phone, ProfilePatch, SessionExtras, TokenPolicy};

domain_commands! {
    /// Account commands, one per input below.
    pub enum AccountsCommand in Command::Accounts {
        /// Create an account.
        Register(Register) => "register", hashes_password;
        /// Reset a forgotten password with a code.
        ResetPassword(ResetPassword) => "reset_password", hashes_password;
        /// Change a password knowing the old one.
        ChangePassword(ChangePassword) => "change_password", hashes_password;
        /// Another account's nickname.
        Nickname(Nickname) => "nickname", short_read;
        /// The caller's profile.
        Profile(Profile) => "profile", short_read;
        /// Update the caller's profile.
        UpdateProfile(UpdateProfile) => "update_profile", short_write;
        /// Create an account and open a session on it.
        SignUp(SignUp) => "sign_up", hashes_password;
        /// Change the caller's own password.
        ChangeOwnPassword(ChangeOwnPassword) => "change_own_password", hashes_password;
        /// Move the caller's account to a new phone.
        ChangePhone(ChangePhone) => "change_phone";
        /// Whether a phone has an account.
        PhoneExists(PhoneExists) => "phone_exists", short_read;
    }
}

/// Create an account.
#[derive(Debug, Clone)]
pub struct Register {
    /// Login phone.
    pub phone: Phone,
    /// Chosen password.
    pub password: Password,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// A registration code (or its salted hash) the client must present, when the dialect
    /// verifies phones; checked before the duplicate-phone check, used up on success.
    pub proof: Option<String>,
}

/// Create an account by login name (rooms): the phone is optional, and so is the password
/// (an account made by a third-party login has none).
#[derive(Debug, Clone)]
pub struct RegisterByName {
    /// Login name (unique; see `check_username`).
    pub username: String,
    /// Chosen password; `None` stores `NO_PASSWORD`.
    pub password: Option<Password>,
    /// Nickname.
    pub nickname: String,
    /// Login phone, if given.
    pub phone: Option<Phone>,
    /// Contact e-mail.
    pub email: Option<String>,
}

/// Create an account and open an INEWW session on it: answers the token pair and the member.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// The account; its `proof` is the code sent to its phone.
    pub account: Register,
    /// What that code was requested for.
    pub purpose: CodePurpose,
    /// The tokens to issue.
    pub policy: TokenPolicy,
    /// What the answer shows besides the token.
    pub extras: SessionExtras,
}

/// Set a new password with a reset code; revokes every token of the account.
#[derive(Debug, Clone)]
pub struct ResetPassword {
    /// The account's phone.
    pub phone: Phone,
    /// The code sent to it.
    pub code: String,
    /// The new password.
    pub password: Password,
}

/// Change a password knowing the old one; revokes every token of the account.
#[derive(Debug, Clone)]
pub struct ChangePassword {
    /// The account's phone.
    pub phone: String,
    /// The current password.
    pub old: String,
    /// The new password.
    pub new: Password,
}

/// Change the caller's own password knowing the old one; revokes every token of the account.
#[derive(Debug, Clone)]
pub struct ChangeOwnPassword {
    /// The current password.
    pub old: String,
    /// The new password.
    pub new: Password,
}

/// Move the caller's account to a new login phone, proven by a code sent to that phone. A
/// phone that has an account is refused before the code is looked at (as INEWW's original).
#[derive(Debug, Clone)]
pub struct ChangePhone {
    /// The new phone.
    pub phone: Phone,
    /// The code sent to it.
    pub code: String,
    /// What that code was requested for.
    pub purpose: CodePurpose,
}

/// Whether a phone has an account.
#[derive(Debug, Clone)]
pub struct PhoneExists {
    /// The phone.
    pub phone: Phone,
}

/// Another account's nickname, by phone.
#[derive(Debug, Clone)]
pub struct Nickname {
    /// The account's phone.
    pub phone: String,
}

/// The caller's own profile.
#[derive(Debug, Clone)]
pub struct Profile;

/// Update the caller's own profile. `phone` must be the caller's (it is the row key and
/// cannot change); `level` may change only by an administrator.
#[derive(Debug, Clone)]
pub struct UpdateProfile {
    /// The phone of the row to update; must be the caller's own.
    pub phone: String,
    /// The changes.
    pub patch: ProfilePatch,
}
