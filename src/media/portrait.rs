//! Placeholder portraits the server draws itself: the default avatar, the
//! "bad user id" image and the "external link blocked" image. Each is a
//! 128×128 palette PNG rendered on first use and cached for the life of the
//! process (a few kilobytes each).

use std::sync::OnceLock;

use super::canvas::{Canvas, Pen, Rgb};

/// Width and height of every placeholder portrait, in pixels.
pub const PORTRAIT_SIZE: u32 = 128;

const SIDE: i32 = PORTRAIT_SIZE as i32;

/// The neutral default avatar (`image/png`, 128×128): a head-and-shoulders
/// silhouette in blue-grey on a light background.
pub fn default_portrait() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| {
        let palette: &[Rgb] = &[
            [0xE4, 0xEA, 0xF1], // background
            [0xA3, 0xB1, 0xC2], // silhouette
            [0xC3, 0xCD, 0xD9], // silhouette edge
        ];
        let mut c = Canvas::new(SIDE as usize, SIDE as usize, palette, 0);
        silhouette(&mut c, 1, 2);
        c.to_png()
    })
}

/// The image served for an unknown or malformed user id (`image/png`,
/// 128×128): a faded silhouette behind a red banner reading "BAD USER ID".
pub fn error_portrait() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| {
        let palette: &[Rgb] = &[
            [0xF7, 0xE6, 0xE6], // background
            [0xDF, 0xBD, 0xBD], // faded silhouette
            [0xEB, 0xD1, 0xD1], // silhouette edge
            [0xB0, 0x24, 0x24], // banner
            [0xFF, 0xFF, 0xFF], // text
        ];
        let mut c = Canvas::new(SIDE as usize, SIDE as usize, palette, 0);
        silhouette(&mut c, 1, 2);
        c.fill_rect(0, 62, SIDE, 46, 3);
        c.fill_rect(0, 64, SIDE, 1, 0);
        c.fill_rect(0, 105, SIDE, 1, 0);
        let pen = Pen {
            scale: 2,
            slant: 0.0,
            bold: true,
            color: 4,
        };
        c.text_centered("BAD", 70, &pen);
        c.text_centered("USER ID", 88, &pen);
        c.to_png()
    })
}

/// The image served instead of a portrait requested from a foreign site
/// (`image/png`, 128×128): a "no entry" sign over "EXTERNAL LINK BLOCKED".
pub fn ban_portrait() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| {
        let palette: &[Rgb] = &[
            [0xF2, 0xF2, 0xEE], // background
            [0xC6, 0x28, 0x28], // sign
            [0xDC, 0x8D, 0x8B], // sign edge
            [0xFF, 0xFF, 0xFF], // bar
            [0x3A, 0x3A, 0x3A], // text
        ];
        let mut c = Canvas::new(SIDE as usize, SIDE as usize, palette, 0);
        c.fill_ellipse((64.0, 38.0), (28.0, 28.0), 1, Some(2));
        c.fill_rect(46, 33, 36, 10, 3);
        let pen = Pen {
            scale: 2,
            slant: 0.0,
            bold: true,
            color: 4,
        };
        c.text_centered("EXTERNAL", 74, &pen);
        c.text_centered("LINK", 91, &pen);
        c.text_centered("BLOCKED", 108, &pen);
        c.to_png()
    })
}

/// Draws a head-and-shoulders silhouette filling the canvas in `color`,
/// outlines smoothed with `edge`.
fn silhouette(c: &mut Canvas, color: u8, edge: u8) {
    let mid = c.width() as f64 / 2.0;
    let bottom = c.height() as f64;
    c.fill_ellipse((mid, 51.0), (24.0, 26.0), color, Some(edge));
    c.fill_ellipse((mid, bottom + 6.0), (50.0, 48.0), color, Some(edge));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size_of(png_bytes: &[u8]) -> (u32, u32) {
        let reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
            .read_info()
            .expect("valid PNG");
        let info = reader.info();
        (info.width, info.height)
    }

    #[test]
    fn every_portrait_is_a_128_pixel_square_png() {
        for png_bytes in [default_portrait(), error_portrait(), ban_portrait()] {
            assert_eq!(size_of(png_bytes), (PORTRAIT_SIZE, PORTRAIT_SIZE));
        }
    }

    #[test]
    fn portraits_are_rendered_once_and_then_shared() {
        assert!(std::ptr::eq(default_portrait(), default_portrait()));
        assert!(std::ptr::eq(ban_portrait(), ban_portrait()));
    }

    #[test]
    fn the_three_portraits_differ_and_stay_small() {
        let all = [default_portrait(), error_portrait(), ban_portrait()];
        assert_ne!(all[0], all[1]);
        assert_ne!(all[1], all[2]);
        assert!(
            all.iter().all(|p| p.len() < 8 * 1024),
            "sizes {:?}",
            all.map(<[u8]>::len)
        );
    }
}
