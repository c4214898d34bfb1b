//! Tests for `sniff.rs`: hand-made headers of every kind, truncations,
//! garbage, and the images this module generates.

use super::*;
use rand::{rngs::StdRng, RngCore, SeedableRng};

/// A PNG signature plus IHDR chunk (33 bytes) with a correct CRC.
fn png_header(width: u32, height: u32, depth: u8, color: u8) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([depth, color, 0, 0, 0]);
    let crc = crc32(&ihdr);
    [
        &b"\x89PNG\r\n\x1a\n\0\0\0\x0d"[..],
        &ihdr,
        &crc.to_be_bytes(),
    ]
    .concat()
}

/// SOI, APP0 (JFIF), SOF0 for 32×16 with 3 components, EOI.
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\
    \xff\xc0\x00\x11\x08\x00\x10\x00\x20\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9";
/// The classic 1×1 transparent GIF.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\
    \x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";

/// A complete 2×2 24-bit bottom-up BMP.
fn bmp_2x2() -> Vec<u8> {
    let mut b = b"BM".to_vec();
    for v in [70u32, 0, 54, 40, 2, 2] {
        b.extend(v.to_le_bytes());
    }
    b.extend([1, 0, 24, 0]); // planes, bits per pixel
    for v in [0u32, 16, 2835, 2835, 0, 0] {
        b.extend(v.to_le_bytes());
    }
    b.extend([0x80; 16]);
    b
}

fn webp(chunk: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let riff_size = (4 + 8 + payload.len()) as u32;
    let mut b = b"RIFF".to_vec();
    b.extend(riff_size.to_le_bytes());
    b.extend(b"WEBP");
    b.extend(chunk);
    b.extend((payload.len() as u32).to_le_bytes());
    b.extend(payload);
    b
}

fn samples() -> Vec<(Vec<u8>, usize, ImageInfo)> {
    let info = |kind, width, height| ImageInfo {
        kind,
        width,
        height,
    };
    let vp8l = [&[0x2F][..], &(99u32 | 49 << 14).to_le_bytes(), &[0; 4]].concat();
    let vp8x = [&[0u8; 4][..], &[0x3F, 0x01, 0], &[0xDF, 0, 0]].concat();
    let vp8 = [
        &[0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A][..],
        &[0x80, 0x02, 0xE0, 0x01],
        &[0; 8],
    ]
    .concat();
    // (bytes, length of the header that must be present, expected info)
    vec![
        (png_header(120, 40, 8, 3), 33, info(ImageKind::Png, 120, 40)),
        (JPEG.to_vec(), 39, info(ImageKind::Jpeg, 32, 16)),
        (GIF.to_vec(), 20, info(ImageKind::Gif, 1, 1)),
        (bmp_2x2(), 30, info(ImageKind::Bmp, 2, 2)),
        (webp(b"VP8L", &vp8l), 25, info(ImageKind::Webp, 100, 50)),
        (webp(b"VP8X", &vp8x), 30, info(ImageKind::Webp, 320, 224)),
        (webp(b"VP8 ", &vp8), 30, info(ImageKind::Webp, 640, 480)),
    ]
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn hand_made_headers_of_every_kind_are_recognised_with_their_size() {
    for (bytes, _, expected) in samples() {
        assert_eq!(sniff_image_info(&bytes), Some(expected));
        assert_eq!(sniff_image(&bytes), Some(expected.kind));
    }
}

#[test]
fn every_truncation_of_a_header_is_rejected() {
    for (bytes, header_len, expected) in samples() {
        for cut in 0..header_len {
            assert_eq!(
                sniff_image(&bytes[..cut]),
                None,
                "{expected:?} cut at {cut}"
            );
        }
    }
}

#[test]
fn generated_portraits_and_captchas_sniff_as_png() {
    for png in [
        super::super::default_portrait(),
        super::super::error_portrait(),
        super::super::ban_portrait(),
    ] {
        assert_eq!(sniff_image(png), Some(ImageKind::Png));
    }
    let captcha = super::super::captcha_png("Hk7mW", 5);
    let info = sniff_image_info(&captcha).expect("captcha is a PNG");
    assert_eq!((info.width, info.height), (120, 40));
}

#[test]
fn empty_text_html_and_random_bytes_are_rejected() {
    assert_eq!(sniff_image(b""), None);
    assert_eq!(sniff_image(b"hello, this is not an image at all"), None);
    assert_eq!(
        sniff_image(b"<!DOCTYPE html><html><body>404</body></html>"),
        None
    );
    assert_eq!(
        sniff_image(b"BMW 320i for sale, call 555-0100 after six"),
        None
    );
    assert_eq!(sniff_image(b"GIF89a is a format"), None);
    let mut rng = StdRng::seed_from_u64(1);
    for len in 0..2000 {
        let mut buf = vec![0u8; len % 200];
        rng.fill_bytes(&mut buf);
        assert_eq!(sniff_image(&buf), None, "{buf:?}");
    }
}

#[test]
fn a_png_with_a_bad_crc_or_impossible_fields_is_rejected() {
    let mut bad_crc = png_header(10, 10, 8, 2);
    bad_crc[32] ^= 1;
    assert_eq!(sniff_image(&bad_crc), None);
    assert_eq!(sniff_image(&png_header(10, 10, 3, 2)), None); // depth 3
    assert_eq!(sniff_image(&png_header(10, 10, 8, 5)), None); // colour type 5
    assert_eq!(sniff_image(&png_header(10, 10, 16, 3)), None); // 16-bit palette
}

#[test]
fn zero_and_oversized_dimensions_are_rejected() {
    assert_eq!(sniff_image(&png_header(0, 10, 8, 2)), None);
    assert_eq!(sniff_image(&png_header(10, 10_001, 8, 2)), None);
    assert!(sniff_image(&png_header(10_000, 1, 8, 2)).is_some());
    let mut gif = GIF.to_vec();
    gif[6] = 0;
    assert_eq!(sniff_image(&gif), None);
}

#[test]
fn a_jpeg_whose_data_starts_before_any_frame_header_is_rejected() {
    let sos_first = b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\xff\xd9";
    assert_eq!(sniff_image(sos_first), None);
    let mut wrong_len = JPEG.to_vec();
    wrong_len[23] = 0x0E; // SOF length no longer matches 3 components
    assert_eq!(sniff_image(&wrong_len), None);
}

#[test]
fn content_types_and_extensions_are_the_usual_ones() {
    let all = [
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Gif,
        ImageKind::Webp,
        ImageKind::Bmp,
    ];
    let types: Vec<_> = all.iter().map(|k| k.content_type()).collect();
    assert_eq!(
        types,
        [
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "image/bmp"
        ]
    );
    let exts: Vec<_> = all.iter().map(|k| k.extension()).collect();
    assert_eq!(exts, ["png", "jpg", "gif", "webp", "bmp"]);
}

#[test]
fn a_real_png_cut_inside_its_header_is_rejected() {
    let portrait = super::super::default_portrait();
    for cut in [4, 8, 16, 24, 32] {
        assert_eq!(sniff_image(&portrait[..cut]), None, "cut at {cut}");
    }
    assert_eq!(sniff_image(&portrait[..33]), Some(ImageKind::Png));
}
