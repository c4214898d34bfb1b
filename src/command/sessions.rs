//! Session commands: log in, log out, heartbeat, log in with a code.
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::{Phone, TokenIssue};

/// Log in with phone and password; answers a new token.
#[derive(Debug)]
pub struct Login {
    /// Login phone (not format-checked: an odd phone simply has no account); for
    /// [`TokenIssue::Rooms`], a username, or a phone when no account has that username.
    pub phone: String,
    /// Password to check.
    pub password: String,
    /// Which token to issue.
    pub issue: TokenIssue,
}

/// Log in with a code sent to the account's phone (rooms `GET /phonelogin/`); answers the
/// rooms user with a new token. A phone with no account is refused before the code is
/// looked at; a wrong code counts as one of its five tries.
#[derive(Debug)]
pub struct PhoneLogin {
    /// The account's phone.
    pub phone: Phone,
    /// The code sent to it for [`CodePurpose::Login`].
    pub code: String,
}

/// Revoke the token the request was authenticated with (an INEWW access token with its
/// refresh token).
#[derive(Debug)]
pub struct Logout;

/// HelpAged heartbeat: the token was checked (and its idle clock refreshed) by
/// [`authenticate`]; nothing more to do.
#[derive(Debug)]
pub struct Doki;
