//! Images clients upload (portraits, fall-notice pictures): base64 decoded into a real image
//! within the configured size limit.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::media::{self, ImageKind};

/// Decodes base64 into a real image within the configured size limit.
pub fn decode_image(ctx: &Ctx, base64: &str) -> Result<(Vec<u8>, ImageKind)> {
    media::decode_base64_image_limited(base64, ctx.config.image_limit)
        .map_err(|e| Error::invalid("base64", e.to_string()))
}
