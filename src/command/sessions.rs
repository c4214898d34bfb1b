//! Session commands: log in, log out, heartbeat, log in with a code.
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::{LoginKey, Phone, SessionExtras, TokenPolicy};

domain_commands! {
    /// Session commands, one per input below.
    pub enum SessionsCommand in Command::Sessions {
        /// Log in.
        Login(Login) => "login", hashes_password;
        /// Revoke the presented token.
        Logout(Logout) => "logout", short_write;
        /// Token heartbeat.
        Doki(Doki) => "doki", short_read;
        /// Log in with a code sent to the phone.
        PhoneLogin(PhoneLogin) => "phone_login";
    }
}

/// Log in with a login key and a password; answers a new session.
#[derive(Debug, Clone)]
pub struct Login {
    /// The phone (not format-checked: an odd phone simply has no account), or a username
    /// where `key` says so.
    pub login: String,
    /// How `login` is looked up.
    pub key: LoginKey,
    /// Password to check.
    pub password: String,
    /// The tokens to issue.
    pub policy: TokenPolicy,
    /// Exempt the token from idle expiry and the live-token cap.
    pub enduring: bool,
    /// What the answer shows besides the token.
    pub extras: SessionExtras,
}

/// Log in with a code sent to the account's phone (rooms `GET /phonelogin/`); answers the
/// rooms user with a new token. A phone with no account is refused before the code is
/// looked at; a wrong code counts as one of its five tries.
#[derive(Debug, Clone)]
pub struct PhoneLogin {
    /// The account's phone.
    pub phone: Phone,
    /// The code sent to it for `CodePurpose::Login`.
    pub code: String,
    /// The tokens to issue.
    pub policy: TokenPolicy,
    /// What the answer shows besides the token.
    pub extras: SessionExtras,
}

/// Revoke the token the request was authenticated with (an INEWW access token with its
/// refresh token).
#[derive(Debug, Clone)]
pub struct Logout;

/// HelpAged heartbeat: the token was checked (and its idle clock refreshed) by
/// `authenticate`; nothing more to do.
#[derive(Debug, Clone)]
pub struct Doki;
