//! Recognising uploaded images by their bytes: PNG, JPEG, GIF, WebP and BMP.
//!
//! A file is accepted only when its magic number matches *and* the header
//! that carries the dimensions parses: field values a real encoder writes
//! (PNG `IHDR` with a correct CRC, a complete JPEG start-of-frame segment, a
//! GIF followed by an extension or image block, a known BMP info header, a
//! WebP `VP8`/`VP8L`/`VP8X` chunk) and 1..=10000 px on each side. Pixel data
//! is not decoded, so a file cut off after its header still passes.

/// Largest width or height [`sniff_image`] accepts, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 10_000;

/// An image format the server accepts for uploads and serves back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// Portable Network Graphics.
    Png,
    /// JPEG / JFIF / Exif.
    Jpeg,
    /// GIF87a or GIF89a.
    Gif,
    /// WebP (lossy, lossless or extended).
    Webp,
    /// Windows bitmap.
    Bmp,
}

impl ImageKind {
    /// The MIME type to send in `Content-Type`, e.g. `image/png`.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
            ImageKind::Bmp => "image/bmp",
        }
    }

    /// The kind whose [`ImageKind::content_type`] is `ct`.
    pub fn from_content_type(ct: &str) -> Option<ImageKind> {
        [
            ImageKind::Png,
            ImageKind::Jpeg,
            ImageKind::Gif,
            ImageKind::Webp,
            ImageKind::Bmp,
        ]
        .into_iter()
        .find(|k| k.content_type() == ct)
    }

    /// The usual file extension, without a dot, e.g. `jpg`.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
            ImageKind::Bmp => "bmp",
        }
    }
}

/// What [`sniff_image_info`] learned from an image header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageInfo {
    /// The format.
    pub kind: ImageKind,
    /// Width in pixels (1..=[`MAX_IMAGE_SIDE`]).
    pub width: u32,
    /// Height in pixels (1..=[`MAX_IMAGE_SIDE`]).
    pub height: u32,
}

/// The kind of image `bytes` hold, or `None` when they are not a PNG, JPEG,
/// GIF, WebP or BMP with a well-formed header and plausible dimensions.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageKind> {
    sniff_image_info(bytes).map(|info| info.kind)
}

/// Like [`sniff_image`], also returning the dimensions found in the header.
pub fn sniff_image_info(bytes: &[u8]) -> Option<ImageInfo> {
    let (kind, (width, height)) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (ImageKind::Png, png(bytes)?)
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        (ImageKind::Jpeg, jpeg(bytes)?)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        (ImageKind::Gif, gif(bytes)?)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        (ImageKind::Webp, webp(bytes)?)
    } else if bytes.starts_with(b"BM") {
        (ImageKind::Bmp, bmp(bytes)?)
    } else {
        return None;
    };
    let plausible = |side: u32| (1..=MAX_IMAGE_SIDE).contains(&side);
    (plausible(width) && plausible(height)).then_some(ImageInfo {
        kind,
        width,
        height,
    })
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// CRC-32 (IEEE), bitwise: only ever run over the 17 bytes of `IHDR`.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

fn png(b: &[u8]) -> Option<(u32, u32)> {
    // Signature, then the IHDR chunk: length 13, type, 13 data bytes, CRC.
    if be32(b, 8)? != 13 || b.get(12..16)? != b"IHDR" || be32(b, 29)? != crc32(b.get(12..29)?) {
        return None;
    }
    let (depth, color) = (b[24], b[25]);
    let depth_ok = match color {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    (depth_ok && b[26] == 0 && b[27] == 0 && b[28] <= 1).then_some((be32(b, 16)?, be32(b, 20)?))
}

fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    // Walk the marker segments after SOI until a start-of-frame segment.
    let mut at = 2;
    loop {
        if *b.get(at)? != 0xFF {
            return None;
        }
        while *b.get(at)? == 0xFF {
            at += 1; // fill bytes
        }
        let marker = b[at];
        at += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,           // stand-alone markers
            0x00 | 0xD8 | 0xD9 | 0xDA => return None, // no frame before data/end
            _ => {}
        }
        let len = be16(b, at)? as usize;
        let segment = b.get(at + 2..at + len)?; // complete segment or reject
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            let (precision, comps) = (*segment.first()?, *segment.get(5)? as usize);
            let ok =
                (2..=16).contains(&precision) && (1..=4).contains(&comps) && len == 8 + 3 * comps;
            return ok.then_some((be16(segment, 3)?, be16(segment, 1)?));
        }
        at += len;
    }
}

fn gif(b: &[u8]) -> Option<(u32, u32)> {
    // Logical screen descriptor, optional global colour table, then the first
    // block must be an extension (0x21) or an image descriptor (0x2C).
    let flags = *b.get(10)?;
    let table = if flags & 0x80 != 0 {
        3 << ((flags & 7) + 1)
    } else {
        0
    };
    matches!(b.get(13 + table)?, 0x21 | 0x2C).then_some((le16(b, 6)?, le16(b, 8)?))
}

fn bmp(b: &[u8]) -> Option<(u32, u32)> {
    let data_offset = le32(b, 10)?;
    let info_size = le32(b, 14)?;
    let (width, height, planes, bpp) = match info_size {
        12 => (le16(b, 18)?, le16(b, 20)?, le16(b, 22)?, le16(b, 24)?),
        40 | 52 | 56 | 64 | 108 | 124 => {
            let width = i32::try_from(le32(b, 18)?).ok()?;
            let height = le32(b, 22)? as i32; // negative = top-down rows
            (
                u32::try_from(width).ok()?,
                height.unsigned_abs(),
                le16(b, 26)?,
                le16(b, 28)?,
            )
        }
        _ => return None,
    };
    let bpp_ok = matches!(bpp, 1 | 4 | 8 | 16 | 24 | 32);
    (planes == 1 && bpp_ok && data_offset >= 14 + info_size).then_some((width, height))
}

fn webp(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        b"VP8 " => {
            // Key frame: frame tag bit 0 clear, then the start code.
            let key = b.get(20)? & 1 == 0 && b.get(23..26)? == [0x9D, 0x01, 0x2A];
            key.then_some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF))
        }
        b"VP8L" => {
            let bits = le32(b, 21)?;
            let ok = *b.get(20)? == 0x2F && bits >> 29 == 0;
            ok.then_some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => (le32(b, 16)? == 10).then_some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        _ => None,
    }
}

#[cfg(test)]
#[path = "sniff_tests.rs"]
mod tests;
