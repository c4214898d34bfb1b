//! Portraits: upload (a real image, size-limited) and fetch, with the original's three
//! placeholder images for unknown, malformed and hot-linked requests.

use crate::command::media::MediaCommand;
use crate::command::media::{Portrait, UploadPortrait};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Caller;
use crate::domain::Requester;
use crate::error::{Error, Result};
use crate::handlers::shared::images::decode_image;
use crate::handlers::shared::lookup::own_account;
use crate::media::{self, ImageKind};
use crate::store::media as store;

impl MediaCommand {
    /// Applies a portrait command.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        match self {
            MediaCommand::UploadPortrait(c) => c.apply(ctx, from.account()?),
            MediaCommand::Portrait(c) => c.apply(ctx),
        }
    }
}

impl UploadPortrait {
    /// Decodes and checks the image, stores it; answers the portrait's URL id (the phone).
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let (image, kind) = decode_image(ctx, &self.base64)?;
        let me = own_account(ctx, caller)?;
        // The portrait's URL names it by phone. HelpAged logs in by phone, so its tokens never
        // belong to a phoneless (rooms-only) account; refuse rather than store it unreachable.
        let phone = me.phone.ok_or(Error::NotFound("phone"))?;
        let now = ctx.now_secs();
        ctx.store
            .write(|tx| store::put_portrait(tx, me.pk, kind.content_type(), &image, now))?;
        Ok(Outcome::PortraitStored { phone })
    }
}

impl Portrait {
    /// The stored image, or the ban, error or default placeholder.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        if !referer_allowed(ctx, self.referer.as_deref(), self.host.as_deref()) {
            return Ok(placeholder(media::ban_portrait()));
        }
        let id = self.user_id.as_str();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(placeholder(media::error_portrait()));
        }
        match ctx.store.read(|c| store::portrait_by_phone(c, id))? {
            Some((content_type, bytes)) => Ok(Outcome::Image {
                bytes: bytes.into(),
                content_type: ImageKind::from_content_type(&content_type)
                    .map_or("application/octet-stream", ImageKind::content_type),
            }),
            None => Ok(placeholder(media::default_portrait())),
        }
    }
}

/// A missing Referer is allowed (apps fetch directly); otherwise its host must be an
/// allow-listed domain (or a subdomain of one) or the server's own host.
fn referer_allowed(ctx: &Ctx, referer: Option<&str>, own_host: Option<&str>) -> bool {
    let Some(referer) = referer else {
        return true;
    };
    let Some(host) = url_host(referer) else {
        return false;
    };
    let own = own_host.map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name));
    own.is_some_and(|o| o.eq_ignore_ascii_case(&host))
        || ctx.config.portrait_referers.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            host == allowed || host.ends_with(&format!(".{allowed}"))
        })
}

/// The lower-cased host of an absolute URL.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        authority.split(']').next()?.trim_start_matches('[')
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn placeholder(png: &'static [u8]) -> Outcome {
    Outcome::Image {
        bytes: bytes::Bytes::from_static(png),
        content_type: "image/png",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testing;

    /// Whether a fetch with this Referer (and Host) is served, under the test configuration.
    fn allowed(referer: Option<&str>, own_host: Option<&str>) -> bool {
        let (ctx, _, _d) = testing::ctx();
        referer_allowed(&ctx, referer, own_host)
    }

    #[test]
    fn a_missing_referer_is_allowed() {
        assert!(allowed(None, None));
    }

    #[test]
    fn the_allow_listed_domain_and_its_subdomains_are_allowed() {
        assert!(allowed(Some("http://www.helpaged.cn/app"), None));
        assert!(allowed(Some("https://helpaged.cn"), None));
        assert!(allowed(Some("http://localhost:3000/x"), None));
    }

    #[test]
    fn a_foreign_referer_is_banned_even_when_it_contains_an_allowed_name() {
        assert!(!allowed(Some("http://evil.com/helpaged.cn"), None));
        assert!(!allowed(Some("http://helpaged.cn.evil.com/"), None));
        assert!(!allowed(Some("not a url"), None));
    }

    #[test]
    fn the_servers_own_host_is_allowed() {
        assert!(allowed(
            Some("http://10.0.0.7:8080/page"),
            Some("10.0.0.7:8080")
        ));
    }
}
