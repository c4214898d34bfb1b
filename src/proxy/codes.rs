//! Verification codes in recorded traffic, read from the decoded command: which requests ask
//! for a code (so that replay waits out the one-a-minute throttle where the recording did),
//! and which prove one — the code itself (PhoneBooks, INEWW, rooms, v4) or HelpAged's
//! `MD5(code + rand)` — so that replay reads its own server's code from the outbox instead.

use crate::command::accounts::AccountsCommand;
use crate::command::codes::{CodesCommand, HashKind};
use crate::command::sessions::SessionsCommand;
use crate::command::v4_profiles::V4ProfilesCommand;
use crate::command::Command;
use md5::Digest as _;

/// What a request proves with a verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The code itself, sent to `phone`, under the request key `key`.
    Code {
        /// Where the code was sent.
        phone: String,
        /// The code as the request carries it.
        value: String,
        /// The request key that carries it (`code`, `captcha`).
        key: &'static str,
    },
    /// HelpAged's `hash` = MD5(code + rand), of a code sent to `phone` when the request
    /// names it (register, password forget) — `sms/validate` does not.
    Salted {
        /// Where the code was sent, when the request says.
        phone: Option<String>,
        /// The hash as the request carries it.
        hash: String,
    },
    /// An image captcha's hash: the picture is random, so no replay can answer it.
    Image,
}

/// The proof a decoded command carries, if any.
pub fn proof(command: &Command, salted: bool) -> Option<Proof> {
    let code = |phone: &str, value: &str, key| Proof::Code {
        phone: phone.to_string(),
        value: value.to_string(),
        key,
    };
    let either = |phone: &str, value: &str| match salted {
        true => Proof::Salted {
            phone: Some(phone.to_string()),
            hash: value.to_string(),
        },
        false => code(phone, value, "code"),
    };
    match command {
        Command::Accounts(AccountsCommand::Register(r)) => {
            Some(either(r.phone.as_str(), r.proof.as_deref()?))
        }
        Command::Accounts(AccountsCommand::SignUp(s)) => Some(either(
            s.account.phone.as_str(),
            s.account.proof.as_deref()?,
        )),
        Command::Accounts(AccountsCommand::ResetPassword(r)) => {
            Some(either(r.phone.as_str(), &r.code))
        }
        Command::Accounts(AccountsCommand::ChangePhone(c)) => {
            Some(code(c.phone.as_str(), &c.code, "code"))
        }
        Command::Codes(CodesCommand::CheckHash(h)) => Some(match h.kind {
            HashKind::Image => Proof::Image,
            HashKind::Sms => Proof::Salted {
                phone: None,
                hash: h.hash.clone(),
            },
        }),
        Command::Sessions(SessionsCommand::PhoneLogin(p)) => {
            Some(code(p.phone.as_str(), &p.code, "captcha"))
        }
        Command::V4Profiles(V4ProfilesCommand::SignUp(s)) => Some(code(
            s.account.phone.as_str(),
            s.account.proof.as_deref()?,
            "code",
        )),
        Command::V4Profiles(V4ProfilesCommand::VerifyCode(v)) => {
            Some(code(v.phone.as_str(), &v.code, "code"))
        }
        _ => None,
    }
}

/// The phone a command asks a code for, and whether its answer carries a `rand` (HelpAged).
pub fn requested(command: &Command) -> Option<(String, bool)> {
    match command {
        Command::Codes(CodesCommand::RequestCode(r)) => Some((r.phone.as_str().into(), r.salted)),
        Command::Codes(CodesCommand::RequestCodeIf(r)) => Some((r.phone.as_str().into(), false)),
        _ => None,
    }
}

/// Digits in a HelpAged SMS code.
const SALTED_DIGITS: u32 = 5;

/// Which of `candidates` (phone, rand), newest first, a HelpAged hash was made with: every
/// 5-digit code is tried with each rand (100 000 MD5s a candidate, a few milliseconds).
pub fn salted_match<'c>(
    hash: &str,
    candidates: &'c [(String, String)],
) -> Option<&'c (String, String)> {
    let hash = hash.to_ascii_lowercase();
    let want = hex::decode(&hash).ok()?;
    candidates.iter().rev().find(|(_, rand)| {
        (0..10u32.pow(SALTED_DIGITS)).any(|n| {
            let text = format!("{n:05}{rand}");
            md5::Md5::digest(text.as_bytes()).as_slice() == want.as_slice()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salted_hash_is_traced_back_to_the_rand_it_was_made_with() {
        let candidates = vec![
            ("13000000001".to_string(), "aaaaa".to_string()),
            ("13000000002".to_string(), "bbbbb".to_string()),
        ];
        let hash = hex::encode(md5::Md5::digest(b"04217aaaaa"));
        let found = salted_match(&hash, &candidates).unwrap();
        assert_eq!(found.0, "13000000001");
        assert!(salted_match("cffb7f1eb316fd45bbfbd43082e36f9c", &candidates).is_none());
    }
}
