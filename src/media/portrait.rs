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
    // Background, silhouette, silhouette edge.
    let palette = [0xE4EAF1, 0xA3B1C2, 0xC3CDD9].map(rgb);
    rendered_once(&PNG, &palette, |c| silhouette(c, 1, 2))
}

/// The image served for an unknown or malformed user id (`image/png`,
/// 128×128): a faded silhouette behind a red banner reading "BAD USER ID".
pub fn error_portrait() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    // Background, faded silhouette, silhouette edge, banner, text.
    let palette = [0xF7E6E6, 0xDFBDBD, 0xEBD1D1, 0xB02424, 0xFFFFFF].map(rgb);
    rendered_once(&PNG, &palette, |c| {
        silhouette(c, 1, 2);
        c.fill_rect(0, 62, SIDE, 46, 3);
        c.fill_rect(0, 64, SIDE, 1, 0);
        c.fill_rect(0, 105, SIDE, 1, 0);
        caption(c, &[("BAD", 70), ("USER ID", 88)]);
    })
}

/// The image served instead of a portrait requested from a foreign site
/// (`image/png`, 128×128): a "no entry" sign over "EXTERNAL LINK BLOCKED".
pub fn ban_portrait() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    // Background, sign, sign edge, bar, text.
    let palette = [0xF2F2EE, 0xC62828, 0xDC8D8B, 0xFFFFFF, 0x3A3A3A].map(rgb);
    rendered_once(&PNG, &palette, |c| {
        c.fill_ellipse((64.0, 38.0), (28.0, 28.0), 1, Some(2));
        c.fill_rect(46, 33, 36, 10, 3);
        caption(c, &[("EXTERNAL", 74), ("LINK", 91), ("BLOCKED", 108)]);
    })
}

/// The PNG kept in `png`, drawn by `draw` on a portrait-sized canvas of `palette` (background
/// at index 0) the first time it is asked for.
fn rendered_once(
    png: &'static OnceLock<Vec<u8>>,
    palette: &[Rgb],
    draw: impl FnOnce(&mut Canvas),
) -> &'static [u8] {
    png.get_or_init(|| {
        let mut c = Canvas::new(SIDE as usize, SIDE as usize, palette, 0);
        draw(&mut c);
        c.to_png()
    })
}

/// Writes each line of a caption centred at its baseline `y`, in bold at twice the font size,
/// in palette colour 4.
fn caption(c: &mut Canvas, lines: &[(&str, i32)]) {
    let pen = Pen {
        scale: 2,
        slant: 0.0,
        bold: true,
        color: 4,
    };
    for &(text, y) in lines {
        c.text_centered(text, y, &pen);
    }
}

/// A palette colour written as `0xRRGGBB`.
const fn rgb(hex: u32) -> Rgb {
    [(hex >> 16) as u8, (hex >> 8) as u8, hex as u8]
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
