//! Verification codes, built once for every dialect: issue (with the one-a-minute throttle)
//! and consume (single use, 3-minute expiry, 5 wrong tries).

use crate::auth::token_digest;
use crate::command::codes::CodesCommand;
use crate::command::codes::{CheckHash, HashKind, ImageCaptcha, RequestCode, RequestCodeIf};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Requester;
use crate::error::{Error, Result};
use crate::handlers::shared::codes::issue;
use crate::handlers::shared::lookup;
use crate::media;
use crate::store::{codes, media as store_media};

impl CodesCommand {
    /// Applies a code or captcha command.
    pub fn apply(self, ctx: &Ctx, _from: &Requester<'_>) -> Result<Outcome> {
        match self {
            CodesCommand::RequestCode(c) => c.apply(ctx),
            CodesCommand::ImageCaptcha(c) => c.apply(ctx),
            CodesCommand::CheckHash(c) => c.apply(ctx),
            CodesCommand::RequestCodeIf(c) => c.apply(ctx),
        }
    }
}

/// Characters of a HelpAged `rand` salt.
const SALT_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// How long an image captcha stays valid, in seconds.
pub const CAPTCHA_TTL_SECS: i64 = 300;

impl RequestCode {
    /// Issues the code; answers [`Outcome::CodeSent`], with the salt when the client proves
    /// the code as a salted hash.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        if self.needs_account && !lookup::phone_registered(ctx, self.phone.as_str())? {
            return Err(Error::NotFound("account"));
        }
        let rand = self.salted.then(|| ctx.ids.text(SALT_ALPHABET, 5));
        let purpose = self.purpose.as_str();
        issue(ctx, &self.phone, purpose, self.length, |code| match &rand {
            Some(rand) => media::sms_hash(code, rand),
            None => code.to_string(),
        })?;
        Ok(Outcome::CodeSent { rand })
    }
}

impl RequestCodeIf {
    /// Issues the code; [`Error::PhoneTaken`] or [`Error::UnknownAccount`] when the phone's
    /// state is not the expected one (nothing is sent then).
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let known = lookup::phone_registered(ctx, self.phone.as_str())?;
        match (self.registered, known) {
            (false, true) => return Err(Error::PhoneTaken),
            (true, false) => return Err(Error::UnknownAccount),
            _ => {}
        }
        let purpose = self.purpose.as_str();
        issue(ctx, &self.phone, purpose, self.length, str::to_string)?;
        Ok(Outcome::CodeSent { rand: None })
    }
}

impl ImageCaptcha {
    /// Draws and remembers the captcha.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let code = ctx.ids.text(media::CAPTCHA_ALPHABET, media::CAPTCHA_LEN);
        let rand = ctx.ids.text(SALT_ALPHABET, 5);
        let png = media::captcha_png(&code, rand::random());
        let digest = token_digest(&media::captcha_hash(&code, &rand));
        let now = ctx.now_secs();
        ctx.store
            .write(|tx| store_media::put_captcha(tx, &digest, now, now + CAPTCHA_TTL_SECS))?;
        Ok(Outcome::Captcha { png, rand })
    }
}

impl CheckHash {
    /// Answers [`Outcome::Done`] for a live hash of that kind, else [`Error::BadCode`].
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let digest = token_digest(&self.hash.to_ascii_lowercase());
        let now = ctx.now_secs();
        let ok = match self.kind {
            HashKind::Image => ctx
                .store
                .write(|tx| store_media::take_captcha(tx, &digest, now))?,
            HashKind::Sms => ctx.store.read(|c| codes::live_digest(c, &digest, now))?,
        };
        if ok {
            Ok(Outcome::Done)
        } else {
            Err(Error::BadCode)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CodePurpose, Phone};
    use crate::handlers::shared::codes::{consume, CODE_TTL_SECS};
    use crate::handlers::testing;
    use crate::store::codes::outbox;

    fn phone() -> Phone {
        Phone::parse("13000000001", "phone").unwrap()
    }

    fn try_code(ctx: &Ctx, code: &str) -> Result<()> {
        let now = ctx.now_secs();
        ctx.store
            .write(|tx| consume(tx, now, "13000000001", "reset", code))?
    }

    #[test]
    fn an_issued_code_reaches_the_outbox_with_its_purpose() {
        let (ctx, _, _d) = testing::ctx();
        issue(&ctx, &phone(), "reset", 6, str::to_string).unwrap();
        let out = ctx.store.read(|c| outbox(c, Some("13000000001"))).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code, "123456");
        assert_eq!(out[0].purpose, "reset");
    }

    #[test]
    fn a_second_code_within_a_minute_is_refused_and_not_sent() {
        let (ctx, clock, _d) = testing::ctx();
        issue(&ctx, &phone(), "reset", 6, str::to_string).unwrap();
        clock.advance(chrono::Duration::seconds(59));
        assert!(matches!(
            issue(&ctx, &phone(), "register", 6, str::to_string),
            Err(Error::Throttled)
        ));
        assert_eq!(ctx.store.read(|c| outbox(c, None)).unwrap().len(), 1);
        clock.advance(chrono::Duration::seconds(1));
        assert!(issue(&ctx, &phone(), "register", 6, str::to_string).is_ok());
    }

    #[test]
    fn a_code_works_once() {
        let (ctx, _, _d) = testing::ctx();
        issue(&ctx, &phone(), "reset", 6, str::to_string).unwrap();
        assert!(try_code(&ctx, "123456").is_ok());
        assert!(matches!(try_code(&ctx, "123456"), Err(Error::BadCode)));
    }

    #[test]
    fn a_code_expires_after_three_minutes() {
        let (ctx, clock, _d) = testing::ctx();
        issue(&ctx, &phone(), "reset", 6, str::to_string).unwrap();
        clock.advance(chrono::Duration::seconds(CODE_TTL_SECS));
        assert!(matches!(try_code(&ctx, "123456"), Err(Error::BadCode)));
    }

    #[test]
    fn five_wrong_tries_kill_the_code() {
        let (ctx, _, _d) = testing::ctx();
        issue(&ctx, &phone(), "reset", 6, str::to_string).unwrap();
        for _ in 0..5 {
            assert!(try_code(&ctx, "000000").is_err());
        }
        assert!(matches!(try_code(&ctx, "123456"), Err(Error::BadCode)));
    }

    fn check(ctx: &Ctx, kind: HashKind, hash: &str) -> Result<Outcome> {
        CheckHash {
            kind,
            hash: hash.into(),
        }
        .apply(ctx)
    }

    #[test]
    fn an_image_captcha_hash_validates_once_and_is_case_insensitive_on_the_code() {
        let (ctx, _, _d) = testing::ctx();
        let Outcome::Captcha { png, rand } = ImageCaptcha.apply(&ctx).unwrap() else {
            panic!()
        };
        assert!(png.starts_with(b"\x89PNG"));
        let code = ctx_code();
        let hash = media::captcha_hash(&code.to_uppercase(), &rand);
        assert!(check(&ctx, HashKind::Image, &hash).is_ok());
        assert!(matches!(
            check(&ctx, HashKind::Image, &hash),
            Err(Error::BadCode)
        ));
    }

    /// The code SequentialIds draws: the alphabet's first five characters.
    fn ctx_code() -> String {
        media::CAPTCHA_ALPHABET.chars().take(5).collect()
    }

    #[test]
    fn an_image_captcha_expires_after_five_minutes() {
        let (ctx, clock, _d) = testing::ctx();
        let Outcome::Captcha { rand, .. } = ImageCaptcha.apply(&ctx).unwrap() else {
            panic!()
        };
        clock.advance(chrono::Duration::seconds(CAPTCHA_TTL_SECS));
        let hash = media::captcha_hash(&ctx_code(), &rand);
        assert!(check(&ctx, HashKind::Image, &hash).is_err());
    }

    #[test]
    fn an_image_hash_is_not_an_sms_hash_and_the_reverse() {
        let (ctx, _, _d) = testing::ctx();
        let Outcome::Captcha { rand, .. } = ImageCaptcha.apply(&ctx).unwrap() else {
            panic!()
        };
        let img_hash = media::captcha_hash(&ctx_code(), &rand);
        assert!(check(&ctx, HashKind::Sms, &img_hash).is_err());
        let out = RequestCode {
            phone: phone(),
            purpose: CodePurpose::Register,
            length: 5,
            needs_account: false,
            salted: true,
        }
        .apply(&ctx)
        .unwrap();
        let Outcome::CodeSent { rand: Some(rand) } = out else {
            panic!()
        };
        let sms = media::sms_hash("12345", &rand);
        assert!(check(&ctx, HashKind::Image, &sms).is_err());
        assert!(check(&ctx, HashKind::Sms, &sms).is_ok());
    }

    #[test]
    fn a_code_for_one_purpose_does_not_serve_another() {
        let (ctx, _, _d) = testing::ctx();
        issue(&ctx, &phone(), "register", 6, str::to_string).unwrap();
        assert!(matches!(try_code(&ctx, "123456"), Err(Error::BadCode)));
    }
}
