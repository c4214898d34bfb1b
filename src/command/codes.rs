//! Verification-code and captcha commands.
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::{CodePurpose, Phone};

domain_commands! {
    /// Code and captcha commands, one per input below.
    pub enum CodesCommand in Command::Codes {
        /// Queue a verification code.
        RequestCode(RequestCode) => "request_code";
        /// Draw an image captcha.
        ImageCaptcha(ImageCaptcha) => "image_captcha";
        /// Check a captcha or SMS hash.
        CheckHash(CheckHash) => "check_hash";
        /// Queue a code when the phone's registration is the expected one (v4).
        RequestCodeIf(RequestCodeIf) => "request_code_if";
    }
}

/// Queue a code of `length` digits for `phone`.
#[derive(Debug, Clone)]
pub struct RequestCode {
    /// Destination.
    pub phone: Phone,
    /// What the code will be good for.
    pub purpose: CodePurpose,
    /// Digits in the code (5 typed, 4 INEWW, 6 others).
    pub length: usize,
    /// Only send when the phone has an account (password resets).
    pub needs_account: bool,
    /// HelpAged flavour: the client proves the code as `MD5(code + rand)` with a fresh
    /// 5-character `rand` returned to it, instead of sending the code itself.
    pub salted: bool,
}

/// Queue a code only when the phone's registration is the expected one (v4.0 `expect`): a
/// registered phone gets no register code, an unregistered one no reset code.
#[derive(Debug, Clone)]
pub struct RequestCodeIf {
    /// Destination.
    pub phone: Phone,
    /// Whether the phone is expected to have an account.
    pub registered: bool,
    /// What the code will be good for.
    pub purpose: CodePurpose,
    /// Digits in the code.
    pub length: usize,
}

/// Draw an image captcha: 5 mixed-case letters and digits, and a 5-character `rand`. Only
/// the digest of `MD5(lower(code) + rand)` is kept, for 5 minutes, for one use.
#[derive(Debug, Clone)]
pub struct ImageCaptcha;

/// Which hash a [`CheckHash`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// An image captcha (used up by the check).
    Image,
    /// An SMS code (checked, not used up: the register or reset that follows uses it).
    Sms,
}

/// Check a captcha or SMS hash.
#[derive(Debug, Clone)]
pub struct CheckHash {
    /// What kind of hash.
    pub kind: HashKind,
    /// `MD5(code + rand)` as the client computed it.
    pub hash: String,
}
