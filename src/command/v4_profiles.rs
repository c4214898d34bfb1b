//! v4.0 commands: sign up with a code, verify a reset code, reset inside its window.
//!
//! Data only: what each command carries. `handlers` applies them.

use super::accounts::Register;
use crate::domain::{Password, Phone, TokenPolicy};

domain_commands! {
    /// v4.0 commands, one per input below.
    pub enum V4ProfilesCommand in Command::V4Profiles {
        /// Create an account with a code and open a v4 session on it.
        SignUp(SignUp) => "sign_up_v4", hashes_password;
        /// Check a reset code and open the password-reset window.
        VerifyCode(VerifyCode) => "verify_code";
        /// Set a new password inside the reset window.
        ResetPassword(ResetPassword) => "reset_in_window", hashes_password;
    }
}

/// Create an account with a register code and open a v4 session on it.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// The account; its `proof` is the register code sent to its phone.
    pub account: Register,
    /// The client's `device_identifier`.
    pub device: String,
    /// The tokens to issue.
    pub policy: TokenPolicy,
}

/// Check a reset code (`verify_code`): uses it up and opens the reset window for the phone.
#[derive(Debug, Clone)]
pub struct VerifyCode {
    /// The account's phone.
    pub phone: Phone,
    /// The reset code sent to it.
    pub code: String,
}

/// Set a new password inside the window a [`VerifyCode`] opened (`forget_password`); closes
/// the window and revokes every token of the account in every dialect.
#[derive(Debug, Clone)]
pub struct ResetPassword {
    /// The account's phone (the one the code was verified for).
    pub phone: Phone,
    /// The new password.
    pub password: Password,
}
