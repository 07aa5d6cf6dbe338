//! What an image costs, by the vendors' published formulas and the image's own size, read from
//! its header (PNG, JPEG, GIF, WebP) — never by the length of its base64 text.
//!
//! - Claude (Anthropic's vision guide): the image is scaled down until its long edge is at most
//!   1568 px, then costs `width × height / 750` tokens, at most about 1,600 (larger images are
//!   scaled down to that).
//! - OpenAI models (GPT-4o's formula): `detail: low` costs 85; otherwise the image is scaled to
//!   fit 2048 × 2048, then its short side to 768, and costs 85 + 170 per 512 px tile.
//!
//! An image whose size cannot be read (a URL, which is never fetched, or a format without a
//! known header) counts as a large one: 1,600 for Claude, 765 (a 1024 × 1024 image) otherwise.

use base64::Engine as _;

/// Claude's ceiling per image.
const CLAUDE_MAX: u64 = 1600;
/// A 1024 × 1024 image at high detail on OpenAI models.
const OPENAI_UNKNOWN: u64 = 765;

/// The tokens of one image part: `url` is a `data:` URL or a web address, `detail` OpenAI's
/// `image_url.detail`.
pub(crate) fn tokens(url: &str, detail: Option<&str>, claude: bool) -> u64 {
    let size = data_url_bytes(url).and_then(|bytes| dimensions(&bytes));
    if claude {
        size.map_or(CLAUDE_MAX, |(w, h)| claude_tokens(w, h))
    } else if detail == Some("low") {
        85
    } else {
        size.map_or(OPENAI_UNKNOWN, |(w, h)| openai_tokens(w, h))
    }
}

fn claude_tokens(width: u32, height: u32) -> u64 {
    let (mut w, mut h) = (f64::from(width), f64::from(height));
    let long = w.max(h);
    if long > 1568.0 {
        let scale = 1568.0 / long;
        w = (w * scale).floor();
        h = (h * scale).floor();
    }
    ((w * h / 750.0).ceil() as u64).min(CLAUDE_MAX)
}

fn openai_tokens(width: u32, height: u32) -> u64 {
    let (mut w, mut h) = (f64::from(width), f64::from(height));
    let fit = 2048.0 / w.max(h);
    if fit < 1.0 {
        w *= fit;
        h *= fit;
    }
    let short = 768.0 / w.min(h);
    if short < 1.0 {
        w *= short;
        h *= short;
    }
    let tiles = (w / 512.0).ceil() as u64 * (h / 512.0).ceil() as u64;
    85 + 170 * tiles
}

/// The first bytes of a base64 `data:` URL's payload: enough for any header we read.
fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    /// JPEG's size marker can follow a large EXIF block.
    const PREFIX: usize = 256 * 1024;
    let rest = url.strip_prefix("data:")?;
    let (meta, payload) = rest.split_once(',')?;
    if !meta.ends_with(";base64") {
        return None;
    }
    let payload = payload.trim_end_matches('=');
    let take = payload.len().min(PREFIX) / 4 * 4;
    let chunk = if take == 0 { payload } else { &payload[..take] };
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(chunk)
        .ok()
        .filter(|bytes| !bytes.is_empty())
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

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// Width and height from an image's header.
pub(crate) fn dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let size = if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        (be32(b, 16)?, be32(b, 20)?)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        (le16(b, 6)?, le16(b, 8)?)
    } else if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        match b.get(12..16)? {
            b"VP8 " => (le16(b, 26)? & 0x3fff, le16(b, 28)? & 0x3fff),
            b"VP8L" => {
                let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
                ((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
            }
            b"VP8X" => (le24(b, 24)? + 1, le24(b, 27)? + 1),
            _ => return None,
        }
    } else if b.starts_with(&[0xff, 0xd8]) {
        jpeg(b)?
    } else {
        return None;
    };
    (size.0 > 0 && size.1 > 0).then_some(size)
}

/// Walks JPEG segments to the first start-of-frame marker.
fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Fill bytes before a marker.
        while *b.get(at)? == 0xff && *b.get(at + 1)? == 0xff {
            at += 1;
        }
        if *b.get(at)? != 0xff {
            return None;
        }
        let marker = *b.get(at + 1)?;
        // Markers without a length.
        if marker == 0x01 || (0xd0..=0xd8).contains(&marker) {
            at += 2;
            continue;
        }
        let len = be16(b, at + 2)? as usize;
        let is_frame = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if is_frame {
            return Some((be16(b, at + 7)?, be16(b, at + 5)?));
        }
        at += 2 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0]);
        b
    }

    fn data_url(mime: &str, bytes: &[u8]) -> String {
        format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn headers_give_the_size() {
        assert_eq!(dimensions(&png(800, 600)), Some((800, 600)));
        assert_eq!(dimensions(b"GIF89a\x20\x03\x58\x02rest"), Some((800, 600)));
        // JPEG: SOI, an APP0 segment, then SOF0 (height 600, width 800).
        let jpeg = [
            &[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00][..],
            &[0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03],
        ]
        .concat();
        assert_eq!(dimensions(&jpeg), Some((800, 600)));
        // WebP VP8X: 24-bit width-1 and height-1.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x1f, 0x03, 0x00, 0x57, 0x02, 0x00]);
        assert_eq!(dimensions(&webp), Some((800, 600)));
        assert_eq!(dimensions(b"not an image"), None);
        assert_eq!(dimensions(&[0xff, 0xd8, 0xff]), None);
        assert_eq!(dimensions(&png(0, 10)), None);
    }

    #[test]
    fn the_vendor_formulas() {
        // Claude: 800 × 600 / 750 = 640; a 4000 × 3000 photo is scaled to 1568 × 1176 and
        // capped at 1,600.
        assert_eq!(claude_tokens(800, 600), 640);
        assert_eq!(claude_tokens(4000, 3000), 1600);
        assert_eq!(claude_tokens(200, 200), 54);
        // OpenAI: 800 × 600 is 2 × 2 tiles; 4000 × 3000 → 2048 × 1536 → 1024 × 768: 2 × 2.
        assert_eq!(openai_tokens(800, 600), 765);
        assert_eq!(openai_tokens(4000, 3000), 765);
        assert_eq!(openai_tokens(512, 512), 255);
        assert_eq!(openai_tokens(2048, 4096), 85 + 170 * 6);
    }

    #[test]
    fn a_data_url_is_read_never_its_length() {
        let mut big = png(800, 600);
        big.resize(150_000, 7);
        let url = data_url("image/png", &big);
        assert_eq!(tokens(&url, None, true), 640);
        assert_eq!(tokens(&url, None, false), 765);
        assert_eq!(tokens(&url, Some("low"), false), 85);
        assert_eq!(tokens("https://example.com/cat.png", None, true), 1600);
        assert_eq!(tokens("https://example.com/cat.png", None, false), 765);
        assert_eq!(tokens("data:image/png;base64,!!!", None, false), 765);
    }
}
