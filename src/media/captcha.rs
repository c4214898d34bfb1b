//! Image captchas and the MD5 check values HelpAged clients send back.
//!
//! The server picks a code with [`captcha_code`] and a `rand` with
//! [`captcha_rand`], serves [`captcha_png`] of the code, and later compares the
//! client's hash against [`captcha_hash`] (or [`sms_hash`] for SMS codes).

use md5::{Digest, Md5};
use rand::distributions::Alphanumeric;
use rand::Rng;

use super::canvas::{glyph_height, Canvas, Mix, Pen, Rgb};
use super::font::CAP_H;

/// Characters captcha codes are drawn from: mixed-case letters and digits
/// with at most one member of each look-alike group. `0 O o Q` and
/// `1 I l i j` are left out entirely; `2 5 6 8 9` stand in for `Z z`, `S s`,
/// `G b`, `B` and `g q`, and `U u` for `V v`. Clients lower-case the code
/// before hashing, so letters that differ only by case are not ambiguous.
pub const CAPTCHA_ALPHABET: &str = "ACDEFHJKLMNPRTUWXYacdefhkmnprtuwxy23456789";

/// Number of characters in a captcha code and in a captcha `rand`.
pub const CAPTCHA_LEN: usize = 5;

/// Nominal captcha image width in pixels (for a 5-character code).
pub const CAPTCHA_WIDTH: u32 = 120;
/// Captcha image height in pixels.
pub const CAPTCHA_HEIGHT: u32 = 40;

/// Pixels per font unit in the captcha.
const SCALE: i32 = 3;
/// Horizontal distance between neighbouring captcha glyphs.
const PITCH: i32 = 22;

// Palette layout: background shades, then ink colours, then noise colours.
const PALETTE: &[Rgb] = &[
    [0xF6, 0xF2, 0xE7], // 0 cream background
    [0xE9, 0xE2, 0xCF], // 1 speckle
    [0xDD, 0xE6, 0xEE], // 2 speckle
    [0xEE, 0xDD, 0xDD], // 3 speckle
    [0x1F, 0x2A, 0x6B], // 4 ink: navy
    [0x6B, 0x1A, 0x1A], // 5 ink: maroon
    [0x1C, 0x5A, 0x2E], // 6 ink: forest
    [0x4B, 0x23, 0x6E], // 7 ink: plum
    [0x0F, 0x4C, 0x5C], // 8 ink: teal
    [0x33, 0x33, 0x33], // 9 ink: charcoal
    [0x8C, 0x9B, 0xB5], // 10 noise: slate
    [0xB5, 0x8C, 0x8C], // 11 noise: rose
    [0x8F, 0xAE, 0x8F], // 12 noise: sage
    [0xA7, 0x95, 0xBE], // 13 noise: lavender
];
const SPECKLES: std::ops::RangeInclusive<i32> = 1..=3;
const INKS: std::ops::RangeInclusive<i32> = 4..=9;
const NOISE: std::ops::RangeInclusive<i32> = 10..=13;

fn pick(mix: &mut Mix, range: &std::ops::RangeInclusive<i32>) -> u8 {
    mix.range(*range.start(), *range.end()) as u8
}

/// Renders `code` as a PNG captcha, 120×40 px for a 5-character code (wider
/// for longer codes), 8-bit palette.
///
/// Each glyph gets a dark colour different from its neighbours', a small
/// random offset and slant; speckles, dots, straight lines behind the text
/// and wavy lines over it add noise. The output depends only on `code` and
/// `seed`, so with a given build the same pair always gives the same bytes.
/// Characters the font lacks are drawn as `?`; `code` should come from
/// [`captcha_code`] (the image grows with its length).
pub fn captcha_png(code: &str, seed: u64) -> Vec<u8> {
    let n = code.chars().count() as i32;
    let glyph_w = 5 * SCALE + 1;
    let width = (CAPTCHA_WIDTH as i32).max((n - 1) * PITCH + glyph_w + 16);
    let height = CAPTCHA_HEIGHT as i32;
    let mut mix = Mix::new(seed ^ 0xC0DE_CA57_CA97_C4A5);
    let mut canvas = Canvas::new(width as usize, height as usize, PALETTE, 0);

    // Background speckle.
    for _ in 0..width * height / 12 {
        let (x, y) = (mix.range(0, width - 1), mix.range(0, height - 1));
        canvas.set(x, y, pick(&mut mix, &SPECKLES));
    }

    // Faint lines behind the text.
    for _ in 0..2 {
        let from = (mix.range(0, width / 3), mix.range(0, height - 1));
        let to = (
            mix.range(2 * width / 3, width - 1),
            mix.range(0, height - 1),
        );
        canvas.line(from, to, 1, pick(&mut mix, &NOISE));
    }

    // Glyphs, centred as a group on the cap height.
    let span = if n > 0 { (n - 1) * PITCH + glyph_w } else { 0 };
    let left = (width - span) / 2;
    let top = (height - CAP_H as i32 * SCALE) / 2;
    let mut last_ink = u8::MAX;
    for (i, ch) in code.chars().enumerate() {
        let dx = mix.range(-2, 2);
        let dy = mix.range(-3, 3).min(height - glyph_height(SCALE) - top);
        let slant = (mix.unit() - 0.5) * 0.4;
        let mut ink = pick(&mut mix, &INKS);
        while ink == last_ink {
            ink = pick(&mut mix, &INKS); // neighbours never share a colour
        }
        last_ink = ink;
        let x = left + i as i32 * PITCH + dx;
        let pen = Pen {
            scale: SCALE,
            slant,
            bold: true,
            color: ink,
        };
        canvas.glyph(ch, x, top + dy, &pen);
    }

    // Wavy lines and dots over the text. Waves rather than straight lines, so
    // that noise never looks like a glyph's own bar (turning `c` into `e`).
    for _ in 0..2 {
        let mid = f64::from(mix.range(12, height - 12));
        let amplitude = f64::from(mix.range(4, 9));
        let period = f64::from(mix.range(40, 80));
        let phase = mix.unit() * std::f64::consts::TAU;
        let color = pick(&mut mix, &NOISE);
        let wave = |x: i32| {
            let angle = f64::from(x) / period * std::f64::consts::TAU + phase;
            (mid + amplitude * angle.sin()).round() as i32
        };
        for x in 1..width {
            canvas.line((x - 1, wave(x - 1)), (x, wave(x)), 1, color);
        }
    }
    for _ in 0..width * height / 60 {
        let (x, y) = (mix.range(0, width - 1), mix.range(0, height - 1));
        let color = if mix.range(0, 2) == 0 {
            pick(&mut mix, &INKS)
        } else {
            pick(&mut mix, &NOISE)
        };
        canvas.set(x, y, color);
    }

    canvas.to_png()
}

/// A fresh captcha code: [`CAPTCHA_LEN`] characters from [`CAPTCHA_ALPHABET`].
pub fn captcha_code(rng: &mut impl Rng) -> String {
    let alphabet = CAPTCHA_ALPHABET.as_bytes();
    (0..CAPTCHA_LEN)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// A fresh captcha `rand` (the salt the client hashes the code with):
/// [`CAPTCHA_LEN`] random ASCII letters and digits, e.g. `"CST43"`.
pub fn captcha_rand(rng: &mut impl Rng) -> String {
    (0..CAPTCHA_LEN)
        .map(|_| char::from(rng.sample(Alphanumeric)))
        .collect()
}

/// The captcha check value as HelpAged clients compute it: lowercase hex
/// MD5 of `lowercase(code) + rand`. Only `code` is lower-cased (ASCII);
/// `rand` is used as issued.
pub fn captcha_hash(code: &str, rand: &str) -> String {
    md5_hex(&[code.to_ascii_lowercase().as_bytes(), rand.as_bytes()])
}

/// The SMS-code check value: lowercase hex MD5 of `code + rand`, with no case
/// change (SMS codes are digits).
pub fn sms_hash(code: &str, rand: &str) -> String {
    md5_hex(&[code.as_bytes(), rand.as_bytes()])
}

fn md5_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .expect("valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("valid PNG data");
        (info, buf)
    }

    #[test]
    fn captcha_png_decodes_as_a_120_by_40_png() {
        let (info, _) = decode(&captcha_png("aB3xY", 1));
        assert_eq!((info.width, info.height), (CAPTCHA_WIDTH, CAPTCHA_HEIGHT));
    }

    #[test]
    fn the_same_code_and_seed_give_identical_bytes() {
        assert_eq!(captcha_png("Hk7mW", 42), captcha_png("Hk7mW", 42));
    }

    #[test]
    fn different_codes_give_different_pixels_under_the_same_seed() {
        assert_ne!(
            decode(&captcha_png("Hk7mW", 42)).1,
            decode(&captcha_png("Hk7mX", 42)).1
        );
    }

    #[test]
    fn different_seeds_give_different_noise_for_the_same_code() {
        assert_ne!(captcha_png("Hk7mW", 1), captcha_png("Hk7mW", 2));
    }

    #[test]
    fn long_and_empty_codes_still_give_valid_pngs() {
        let (info, _) = decode(&captcha_png("ABCDEFGHJK", 3));
        assert!(info.width > CAPTCHA_WIDTH);
        assert_eq!(decode(&captcha_png("", 3)).0.width, CAPTCHA_WIDTH);
    }

    #[test]
    fn the_alphabet_has_no_look_alikes_and_no_duplicates() {
        for bad in "0OoQ1Ilij".chars() {
            assert!(!CAPTCHA_ALPHABET.contains(bad), "{bad:?} is ambiguous");
        }
        for group in ["2Zz", "5Ss", "6Gb", "8B", "9gq", "UVuv", "DO"] {
            let kept: String = group
                .chars()
                .filter(|c| CAPTCHA_ALPHABET.contains(*c))
                .collect();
            let kept_lower = kept.to_ascii_lowercase();
            assert!(
                kept_lower.chars().all(|c| kept_lower.starts_with(c)),
                "{group}: {kept}"
            );
        }
        let mut chars: Vec<char> = CAPTCHA_ALPHABET.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        assert_eq!(chars.len(), CAPTCHA_ALPHABET.len());
        assert!(chars.iter().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn captcha_codes_are_five_alphabet_characters_of_mixed_kinds() {
        let mut rng = StdRng::seed_from_u64(9);
        let codes: Vec<String> = (0..200).map(|_| captcha_code(&mut rng)).collect();
        for code in &codes {
            assert_eq!(code.len(), CAPTCHA_LEN);
            assert!(code.chars().all(|c| CAPTCHA_ALPHABET.contains(c)));
        }
        let all: String = codes.concat();
        assert!(all.chars().any(|c| c.is_ascii_uppercase()));
        assert!(all.chars().any(|c| c.is_ascii_lowercase()));
        assert!(all.chars().any(|c| c.is_ascii_digit()));
    }

    #[test]
    fn captcha_rand_is_five_ascii_alphanumerics() {
        let mut rng = StdRng::seed_from_u64(10);
        for _ in 0..100 {
            let r = captcha_rand(&mut rng);
            assert_eq!(r.len(), CAPTCHA_LEN);
            assert!(r.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn captcha_hash_is_md5_of_lowercased_code_plus_rand() {
        // python3 -c 'import hashlib;print(hashlib.md5(b"abcdeCST43").hexdigest())'
        assert_eq!(
            captcha_hash("abcde", "CST43"),
            "c0711acedbc7db6c07ce712e15beaa84"
        );
        assert_eq!(
            captcha_hash("AbCdE", "CST43"),
            captcha_hash("abcde", "CST43")
        );
    }

    #[test]
    fn captcha_hash_keeps_the_case_of_rand() {
        assert_ne!(
            captcha_hash("abcde", "cst43"),
            captcha_hash("abcde", "CST43")
        );
    }

    #[test]
    fn sms_hash_is_md5_of_code_plus_rand_without_case_change() {
        // python3 -c 'import hashlib;print(hashlib.md5(b"123456CST43").hexdigest())'
        assert_eq!(
            sms_hash("123456", "CST43"),
            "ca74abb26cbb87264445b42b94c8543d"
        );
        // python3 -c 'import hashlib;print(hashlib.md5(b"AbCdECST43").hexdigest())'
        assert_eq!(
            sms_hash("AbCdE", "CST43"),
            "5c4d699b06cafd3f32e3b5149de2c9f2"
        );
        // The empty string: d41d8cd98f00b204e9800998ecf8427e.
        assert_eq!(sms_hash("", ""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
