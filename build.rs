//! Build script: turns the `.tiktoken` vocabularies in `assets/` into the binary rank
//! tables described in `src/tokens/format.rs`, written to `OUT_DIR` and embedded with
//! `include_bytes!` by `src/tokens/vocab.rs`. Loading an encoding at run time is then
//! a header check: no parsing, no hashing, no allocation.
//!
//! Three tables are built: `o200k_base`, `cl100k_base` and `p50k_base`. `p50k_edit` has
//! the same ranks as `p50k_base`, and `r50k_base` is exactly the ranks `0..=50255` of
//! `p50k_base` (its `.tiktoken` file is the first 50 256 lines of p50k's), so both reuse
//! the p50k table.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::{env, fs};

#[allow(dead_code, reason = "shared with the library, which uses more of it")]
#[path = "src/tokens/format.rs"]
mod format;

/// Encodings to prepare, by asset file stem.
const TABLES: [&str; 3] = ["o200k_base", "cl100k_base", "p50k_base"];

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(env::var("OUT_DIR")?);
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/tokens/format.rs");
    for name in TABLES {
        let src = root.join("assets").join(format!("{name}.tiktoken"));
        println!("cargo::rerun-if-changed={}", src.display());
        let blob = build_table(&src)?;
        write_if_changed(&out.join(format!("{name}.bin")), &blob)?;
    }
    Ok(())
}

/// Writes `data` unless the file already holds exactly it (keeps mtimes stable).
fn write_if_changed(path: &Path, data: &[u8]) -> Result<(), Box<dyn Error>> {
    if fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    fs::write(path, data)?;
    Ok(())
}

/// Parses one `.tiktoken` file (`base64(token) rank` per line) and lays out its table.
fn build_table(src: &Path) -> Result<Vec<u8>, Box<dyn Error>> {
    let text = fs::read(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let mut tokens: Vec<(u32, Vec<u8>)> = Vec::with_capacity(200_000);
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = || format!("{}:{}: malformed line", src.display(), i + 1);
        let space = line.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let token = base64_decode(&line[..space]).ok_or_else(bad)?;
        let rank: u32 = std::str::from_utf8(&line[space + 1..])?.trim().parse()?;
        if token.is_empty() || rank >= format::RANK_MASK {
            return Err(bad().into());
        }
        tokens.push((rank, token));
    }
    tokens.sort_unstable_by_key(|&(rank, _)| rank);
    if tokens.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(format!("{}: duplicate rank", src.display()).into());
    }
    let n_ranks = tokens.last().map_or(0, |&(rank, _)| rank + 1);

    // offsets + bytes, in rank order (a missing rank gets an empty, never-matching range)
    let mut offsets = Vec::with_capacity(n_ranks as usize + 1);
    let mut bytes = Vec::with_capacity(tokens.iter().map(|(_, t)| t.len()).sum());
    let mut next = tokens.iter().peekable();
    for rank in 0..n_ranks {
        offsets.push(u32::try_from(bytes.len())?);
        if let Some((_, token)) = next.next_if(|&&(r, _)| r == rank) {
            bytes.extend_from_slice(token);
        }
    }
    offsets.push(u32::try_from(bytes.len())?);
    let max_len = tokens.iter().map(|(_, t)| t.len()).max().unwrap_or(0);

    let mut singles = vec![format::EMPTY; 256];
    let mut pairs = vec![format::EMPTY; 1 << 16];
    let long = tokens.iter().filter(|(_, t)| t.len() > 2).count();
    let mut slot_bits = 10;
    while (1usize << slot_bits) * 2 < long * 5 {
        slot_bits += 1;
    }
    let mask = (1usize << slot_bits) - 1;
    if bytes.len() > format::MAX_BYTES_LEN || max_len > format::MAX_TOKEN_LEN {
        return Err(format!("{}: too large for the table format", src.display()).into());
    }
    let mut slots = vec![format::EMPTY_SLOT; 1 << slot_bits];
    for (rank, token) in &tokens {
        let dup = || format!("{}: duplicate token for rank {rank}", src.display());
        let cell = match token.as_slice() {
            [a] => &mut singles[usize::from(*a)],
            [a, b] => &mut pairs[(usize::from(*a) << 8) | usize::from(*b)],
            _ => {
                let h = format::hash(token);
                let mut i = format::home(h, slot_bits);
                while slots[i] != format::EMPTY_SLOT {
                    let (_, len, offset) = format::unpack(slots[i]);
                    if bytes[offset..offset + len] == token[..] {
                        return Err(dup().into());
                    }
                    i = (i + 1) & mask;
                }
                let offset = offsets[*rank as usize] as usize;
                slots[i] = format::pack(*rank, token.len(), offset, format::tag(h, slot_bits));
                continue;
            }
        };
        if *cell != format::EMPTY {
            return Err(dup().into());
        }
        *cell = *rank;
    }

    let mut blob = Vec::with_capacity(
        format::HEADER_LEN
            + 4 * (offsets.len() + singles.len() + pairs.len())
            + 8 * slots.len()
            + bytes.len(),
    );
    blob.extend_from_slice(&format::MAGIC);
    for field in [
        n_ranks,
        slot_bits,
        u32::try_from(bytes.len())?,
        u32::try_from(max_len)?,
    ] {
        blob.extend_from_slice(&field.to_le_bytes());
    }
    for part in [&offsets, &singles, &pairs] {
        for v in part.iter() {
            blob.extend_from_slice(&v.to_le_bytes());
        }
    }
    for v in &slots {
        blob.extend_from_slice(&v.to_le_bytes());
    }
    blob.extend_from_slice(&bytes);
    Ok(blob)
}

/// Decodes standard base64 (with `=` padding); `None` on malformed input.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for quad in text.chunks_exact(4) {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 {
            return None;
        }
        let mut acc = 0u32;
        for &c in &quad[..4 - pad] {
            acc = (acc << 6) | value(c)?;
        }
        acc <<= 6 * pad as u32;
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    Some(out)
}
