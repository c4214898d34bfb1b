//! A tiny palette-indexed raster with just enough drawing primitives for the
//! captcha and the placeholder portraits, plus PNG encoding via the `png`
//! crate, and a small deterministic random generator for noise.

use super::font::{self, CAP_H, GLYPH_H, GLYPH_W};

/// An RGB colour.
pub(crate) type Rgb = [u8; 3];

/// A width × height image whose pixels are indices into a palette.
pub(crate) struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
    palette: Vec<Rgb>,
}

impl Canvas {
    /// A canvas filled with palette entry `background`.
    pub(crate) fn new(width: usize, height: usize, palette: &[Rgb], background: u8) -> Self {
        assert!(!palette.is_empty() && palette.len() <= 256, "palette size");
        assert!(usize::from(background) < palette.len(), "background index");
        Canvas {
            width,
            height,
            pixels: vec![background; width * height],
            palette: palette.to_vec(),
        }
    }

    /// Canvas width in pixels.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// Canvas height in pixels.
    pub(crate) fn height(&self) -> usize {
        self.height
    }

    /// Sets one pixel; coordinates outside the canvas are ignored.
    pub(crate) fn set(&mut self, x: i32, y: i32, color: u8) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            self.pixels[y as usize * self.width + x as usize] = color;
        }
    }

    /// Fills the rectangle with top-left corner (x, y), clipped to the canvas.
    pub(crate) fn fill_rect(&mut self, x: i32, y: i32, w: i32, h: i32, color: u8) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, color);
            }
        }
    }

    /// Fills the ellipse centred at (cx, cy) with radii rx, ry (pixel (x, y)
    /// covers the square from x to x+1). Pixels 4/16 to 11/16 covered get
    /// `edge` if given, which smooths the outline with one blended colour.
    pub(crate) fn fill_ellipse(
        &mut self,
        centre: (f64, f64),
        radii: (f64, f64),
        color: u8,
        edge: Option<u8>,
    ) {
        let ((cx, cy), (rx, ry)) = (centre, radii);
        let (x0, x1) = ((cx - rx).floor() as i32, (cx + rx).ceil() as i32);
        let (y0, y1) = ((cy - ry).floor() as i32, (cy + ry).ceil() as i32);
        for y in y0..y1 {
            for x in x0..x1 {
                let mut covered = 0;
                for sub in 0..16 {
                    let sx = f64::from(x) + (f64::from(sub % 4) + 0.5) / 4.0;
                    let sy = f64::from(y) + (f64::from(sub / 4) + 0.5) / 4.0;
                    let (dx, dy) = ((sx - cx) / rx, (sy - cy) / ry);
                    covered += i32::from(dx * dx + dy * dy <= 1.0);
                }
                match (covered, edge) {
                    (12.., _) => self.set(x, y, color),
                    (4..=11, Some(edge)) => self.set(x, y, edge),
                    (8..=11, None) => self.set(x, y, color),
                    _ => {}
                }
            }
        }
    }

    /// Draws a straight line `thickness` pixels wide (Bresenham with a square brush).
    pub(crate) fn line(&mut self, from: (i32, i32), to: (i32, i32), thickness: i32, color: u8) {
        let (mut x, mut y) = from;
        let (dx, dy) = ((to.0 - x).abs(), -(to.1 - y).abs());
        let (sx, sy) = (if x < to.0 { 1 } else { -1 }, if y < to.1 { 1 } else { -1 });
        let mut err = dx + dy;
        let half = thickness / 2;
        loop {
            self.fill_rect(x - half, y - half, thickness, thickness, color);
            if (x, y) == to {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Draws one glyph with its top-left corner at (x, y) using `pen`.
    pub(crate) fn glyph(&mut self, ch: char, x: i32, y: i32, pen: &Pen) {
        let rows = font::glyph(ch);
        let scale = pen.scale;
        let centre = (CAP_H as i32 * scale) / 2;
        let width = scale + i32::from(pen.bold);
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..GLYPH_W {
                if bits & (0x10 >> col) == 0 {
                    continue;
                }
                for py in 0..scale {
                    let gy = row as i32 * scale + py;
                    let shift = (pen.slant * f64::from(centre - gy)).round() as i32;
                    for px in 0..width {
                        self.set(x + col as i32 * scale + px + shift, y + gy, pen.color);
                    }
                }
            }
        }
    }

    /// Draws `text` left to right from (x, y), one blank font column between glyphs.
    pub(crate) fn text(&mut self, text: &str, x: i32, y: i32, pen: &Pen) {
        for (i, ch) in text.chars().enumerate() {
            self.glyph(ch, x + i as i32 * text_advance(pen.scale), y, pen);
        }
    }

    /// Draws `text` horizontally centred on the canvas with its top at `y`.
    pub(crate) fn text_centered(&mut self, text: &str, y: i32, pen: &Pen) {
        let ink_width = text_width(text, pen.scale) + i32::from(pen.bold);
        self.text(text, (self.width as i32 - ink_width) / 2, y, pen);
    }

    /// Encodes the canvas as an 8-bit palette PNG.
    pub(crate) fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pixels.len() / 4 + 256);
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(self.palette.concat());
        encoder.set_compression(png::Compression::High);
        // Writing into a Vec cannot fail; the header values are valid by construction.
        let mut writer = encoder.write_header().expect("PNG header into a Vec");
        writer
            .write_image_data(&self.pixels)
            .expect("PNG data into a Vec");
        writer.finish().expect("PNG trailer into a Vec");
        out
    }
}

/// How text is drawn: size, italic slant, weight and colour.
pub(crate) struct Pen {
    /// Pixels per font unit.
    pub(crate) scale: i32,
    /// Sideways shift of each pixel row, in pixels per pixel above the
    /// glyph's vertical centre (italics; 0.0 for upright).
    pub(crate) slant: f64,
    /// Widens every stroke by one pixel.
    pub(crate) bold: bool,
    /// Palette index of the ink.
    pub(crate) color: u8,
}

/// Horizontal distance between consecutive glyph origins at `scale`.
pub(crate) fn text_advance(scale: i32) -> i32 {
    (GLYPH_W as i32 + 1) * scale
}

/// Width in pixels of `text` drawn at `scale` (no trailing gap).
pub(crate) fn text_width(text: &str, scale: i32) -> i32 {
    let n = text.chars().count() as i32;
    if n == 0 {
        0
    } else {
        n * text_advance(scale) - scale
    }
}

/// Height in pixels of a glyph cell (descender included) at `scale`.
pub(crate) fn glyph_height(scale: i32) -> i32 {
    GLYPH_H as i32 * scale
}

/// SplitMix64: a tiny, fast, fully deterministic generator. Used for image
/// noise so a given seed gives the same picture on every platform and with
/// every version of `rand`.
pub(crate) struct Mix(u64);

impl Mix {
    /// A generator started from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Mix(seed)
    }

    /// Next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `lo..=hi` (`lo <= hi`).
    pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        let span = (i64::from(hi) - i64::from(lo) + 1) as u64;
        (i64::from(lo) + (self.next_u64() % span) as i64) as i32
    }

    /// A value in `0.0..1.0`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_outside_the_canvas_is_clipped_not_a_panic() {
        let mut c = Canvas::new(4, 4, &[[0, 0, 0], [255, 255, 255]], 0);
        c.line((-10, -10), (20, 20), 3, 1);
        c.fill_ellipse((0.0, 0.0), (9.0, 9.0), 1, Some(0));
        let pen = Pen {
            scale: 2,
            slant: 0.3,
            bold: true,
            color: 1,
        };
        c.text("Hi", -5, 2, &pen);
        assert_eq!(c.pixels.len(), 16);
    }

    #[test]
    fn text_width_counts_gaps_between_glyphs_only() {
        assert_eq!(text_width("", 2), 0);
        assert_eq!(text_width("A", 2), 10);
        assert_eq!(text_width("AB", 2), 22);
    }

    #[test]
    fn mix_is_deterministic_and_stays_in_range() {
        let (mut a, mut b) = (Mix::new(7), Mix::new(7));
        for _ in 0..1000 {
            let v = a.range(-3, 3);
            assert_eq!(v, b.range(-3, 3));
            assert!((-3..=3).contains(&v));
            assert!((0.0..1.0).contains(&a.unit()));
            b.unit();
        }
    }
}
