//! Decoding images that clients upload as base64 text (avatars, photos).
//!
//! Accepted: standard base64 with or without `=` padding, optionally behind a
//! `data:image/<subtype>;base64,` header (any image subtype, any case), with
//! ASCII whitespace anywhere (clients wrap lines). The URL-safe characters
//! `-` and `_` are read as `+` and `/`. The decoded bytes must be an image
//! that [`sniff_image`] recognises; the subtype named in a data URI is not
//! trusted and need not match.
//!
//! Note for callers: in an `application/x-www-form-urlencoded` body a literal
//! `+` arrives as a space unless the client percent-encoded it; decode the
//! form first and pass the value here.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use super::sniff::{sniff_image, ImageKind};

/// Why an uploaded base64 image was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Nothing to decode: empty text, only whitespace, or an empty data URI.
    #[error("image data is empty")]
    Empty,
    /// The text is not valid base64.
    #[error("image data is not valid base64: {0}")]
    BadBase64(#[from] base64::DecodeError),
    /// A `data:` URI that is not `data:image/...;base64,...`.
    #[error("unsupported data URI: {0}")]
    BadDataUri(&'static str),
    /// The bytes decoded fine but are not a PNG, JPEG, GIF, WebP or BMP image.
    #[error("data is not a PNG, JPEG, GIF, WebP or BMP image")]
    NotAnImage,
    /// The decoded image would be larger than allowed.
    #[error("image is {size} bytes, larger than the {max}-byte limit")]
    TooLarge {
        /// Size of the decoded image in bytes.
        size: usize,
        /// The limit it exceeds.
        max: usize,
    },
}

/// Standard alphabet; padding optional; non-zero trailing bits tolerated.
const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes a base64 image (see the module notes for the accepted forms) and
/// reports its kind. No size limit; prefer [`decode_base64_image_limited`]
/// for anything a client sends.
pub fn decode_base64_image(text: &str) -> Result<(Vec<u8>, ImageKind), ImageError> {
    decode_base64_image_limited(text, usize::MAX)
}

/// Like [`decode_base64_image`], but fails with [`ImageError::TooLarge`] when
/// the decoded image would exceed `max_bytes`. The size is worked out from the
/// length of the base64 text before anything is decoded or copied.
pub fn decode_base64_image_limited(
    text: &str,
    max_bytes: usize,
) -> Result<(Vec<u8>, ImageKind), ImageError> {
    let payload = strip_data_uri(text)?;
    let digits = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count();
    if digits == 0 {
        return Err(ImageError::Empty);
    }
    // Every 4 digits carry 3 bytes; a trailing 2 or 3 carry 1 or 2.
    let size = digits / 4 * 3 + (digits % 4).saturating_sub(1);
    if size > max_bytes {
        return Err(ImageError::TooLarge {
            size,
            max: max_bytes,
        });
    }
    let cleaned: Vec<u8> = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    let bytes = ENGINE.decode(cleaned)?;
    let kind = sniff_image(&bytes).ok_or(ImageError::NotAnImage)?;
    Ok((bytes, kind))
}

/// Returns the base64 payload: `text` itself, or what follows the comma of a
/// `data:image/<subtype>[;param...];base64,` header.
fn strip_data_uri(text: &str) -> Result<&str, ImageError> {
    let trimmed = text.trim_start();
    let Some(head) = trimmed.get(..5) else {
        return Ok(text);
    };
    if !head.eq_ignore_ascii_case("data:") {
        return Ok(text);
    }
    let (header, payload) = trimmed[5..]
        .split_once(',')
        .ok_or(ImageError::BadDataUri("no comma after the header"))?;
    let mut parts = header.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    let is_image = media_type
        .get(..6)
        .is_some_and(|t| t.eq_ignore_ascii_case("image/"))
        && media_type.len() > 6;
    if !is_image {
        return Err(ImageError::BadDataUri("media type is not image/*"));
    }
    if !parts.any(|p| p.eq_ignore_ascii_case("base64")) {
        return Err(ImageError::BadDataUri("not base64-encoded"));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

    /// The classic 1×1 GIF: 43 bytes, so its base64 ends in `=`.
    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\
        \x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";

    fn portrait() -> &'static [u8] {
        super::super::default_portrait()
    }

    #[test]
    fn plain_padded_base64_of_a_png_decodes() {
        let text = STANDARD.encode(portrait());
        assert_eq!(
            decode_base64_image(&text),
            Ok((portrait().to_vec(), ImageKind::Png))
        );
    }

    #[test]
    fn base64_without_padding_decodes() {
        let text = STANDARD_NO_PAD.encode(GIF);
        assert!(!text.ends_with('='));
        assert_eq!(
            decode_base64_image(&text),
            Ok((GIF.to_vec(), ImageKind::Gif))
        );
    }

    #[test]
    fn a_data_uri_header_of_any_image_subtype_and_case_is_skipped() {
        let body = STANDARD.encode(GIF);
        for header in [
            "data:image/gif;base64,",
            "DATA:IMAGE/JPEG;BASE64,",
            "data:image/png;charset=x;base64,",
        ] {
            let (bytes, kind) = decode_base64_image(&format!("{header}{body}")).expect(header);
            assert_eq!((bytes.as_slice(), kind), (GIF, ImageKind::Gif), "{header}");
        }
    }

    #[test]
    fn line_breaks_and_spaces_inside_the_base64_are_ignored() {
        let body = STANDARD.encode(portrait());
        let wrapped: Vec<&str> = body
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        for sep in ["\n", "\r\n", " ", "\t\n "] {
            let text = format!("  data:image/png;base64,\n{}\n", wrapped.join(sep));
            assert_eq!(
                decode_base64_image(&text).map(|(b, _)| b.len()),
                Ok(portrait().len()),
                "{sep:?}"
            );
        }
    }

    #[test]
    fn url_safe_characters_are_accepted_too() {
        let text = STANDARD
            .encode(portrait())
            .replace('+', "-")
            .replace('/', "_");
        assert_eq!(
            decode_base64_image(&text).map(|(b, _)| b),
            Ok(portrait().to_vec())
        );
    }

    #[test]
    fn invalid_base64_is_rejected_as_bad_base64() {
        for text in [
            "not base64!!",
            "R0lGODlh*AAB",
            "A",
            "data:image/png;base64,QQ=Q",
        ] {
            assert!(
                matches!(decode_base64_image(text), Err(ImageError::BadBase64(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn empty_input_is_rejected_as_empty() {
        for text in [
            "",
            "   \r\n",
            "data:image/png;base64,",
            "data:image/png;base64,\n==",
        ] {
            assert_eq!(
                decode_base64_image(text),
                Err(ImageError::Empty),
                "{text:?}"
            );
        }
    }

    #[test]
    fn valid_base64_of_something_that_is_not_an_image_is_rejected() {
        for data in [
            &b"hello world"[..],
            b"<html><body>hi</body></html>",
            &portrait()[..20],
        ] {
            let text = STANDARD.encode(data);
            assert_eq!(decode_base64_image(&text), Err(ImageError::NotAnImage));
        }
    }

    #[test]
    fn data_uris_that_are_not_base64_images_are_rejected() {
        let cases = [
            "data:text/plain;base64,aGk=",
            "data:image/;base64,aGk=",
            "data:image/png,R0lGOD",
            "data:image/png;base64 R0lGOD",
        ];
        for text in cases {
            assert!(
                matches!(decode_base64_image(text), Err(ImageError::BadDataUri(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn the_limit_counts_decoded_bytes_exactly() {
        let len = portrait().len();
        let text = STANDARD.encode(portrait());
        assert!(decode_base64_image_limited(&text, len).is_ok());
        let err = decode_base64_image_limited(&text, len - 1);
        assert_eq!(
            err,
            Err(ImageError::TooLarge {
                size: len,
                max: len - 1
            })
        );
        let gif = STANDARD_NO_PAD.encode(GIF);
        assert!(decode_base64_image_limited(&gif, GIF.len()).is_ok());
        assert!(decode_base64_image_limited(&gif, GIF.len() - 1).is_err());
    }

    #[test]
    fn an_oversized_upload_is_refused_before_it_is_decoded() {
        // 8 MB of base64 digits that would not even decode to an image.
        let text = "A".repeat(8 << 20);
        let err = decode_base64_image_limited(&text, 1 << 20);
        assert_eq!(
            err,
            Err(ImageError::TooLarge {
                size: 6 << 20,
                max: 1 << 20
            })
        );
    }

    #[test]
    fn error_messages_say_what_went_wrong() {
        assert_eq!(ImageError::Empty.to_string(), "image data is empty");
        let too_large = ImageError::TooLarge { size: 10, max: 5 };
        assert_eq!(
            too_large.to_string(),
            "image is 10 bytes, larger than the 5-byte limit"
        );
        let bad = decode_base64_image("R0lGOD*=").unwrap_err().to_string();
        assert!(bad.starts_with("image data is not valid base64: "), "{bad}");
    }
}
