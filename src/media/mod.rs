//! Images for the legacy clients: captchas and their check hashes,
//! placeholder portraits, and validation of uploaded base64 images.
//!
//! Everything is drawn by the server itself with a built-in bitmap font and
//! encoded with the `png` crate; no font or image files are read at run time.
//!
//! * [`captcha_png`], [`captcha_code`], [`captcha_rand`], [`captcha_hash`],
//!   [`sms_hash`] — the HelpAged captcha / SMS-code flow.
//! * [`default_portrait`], [`error_portrait`], [`ban_portrait`] — cached PNG
//!   placeholders.
//! * [`sniff_image`], [`decode_base64_image`],
//!   [`decode_base64_image_limited`] — accepting client uploads.

#![warn(missing_docs)]

mod canvas;
mod captcha;
mod decode;
mod font;
mod portrait;
mod sniff;

pub use captcha::{
    captcha_code, captcha_hash, captcha_png, captcha_rand, sms_hash, CAPTCHA_ALPHABET,
    CAPTCHA_HEIGHT, CAPTCHA_LEN, CAPTCHA_WIDTH,
};
pub use decode::{decode_base64_image, decode_base64_image_limited, ImageError};
pub use portrait::{ban_portrait, default_portrait, error_portrait, PORTRAIT_SIZE};
pub use sniff::{sniff_image, sniff_image_info, ImageInfo, ImageKind, MAX_IMAGE_SIDE};
