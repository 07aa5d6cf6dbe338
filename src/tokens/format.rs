//! Binary layout of the rank tables that `build.rs` prepares at build time.
//!
//! This file is compiled twice: by `build.rs` (through `#[path]`), which writes the
//! tables, and by the library, which reads them. Keep it free of crate dependencies.
//!
//! A table is one little-endian blob:
//!
//! | part      | size                 | content                                                   |
//! |-----------|----------------------|-----------------------------------------------------------|
//! | header    | [`HEADER_LEN`] bytes | [`MAGIC`], `n_ranks`, `slot_bits`, `bytes_len`, `max_len` (u32 each) |
//! | offsets   | `n_ranks + 1` × u32  | token `r` is `bytes[offsets[r]..offsets[r + 1]]`           |
//! | singles   | 256 × u32            | rank of the 1-byte token `[a]` at `a`, or [`EMPTY`]        |
//! | pairs     | 65 536 × u32         | rank of the 2-byte token `[a, b]` at `a << 8 \| b`, or [`EMPTY`] |
//! | slots     | `2^slot_bits` × u32  | open-addressing hash table (linear probing) of all tokens  |
//! | bytes     | `bytes_len` bytes    | the token byte strings, in rank order                     |
//!
//! A slot is [`EMPTY`] or `tag << RANK_BITS | rank`, where `tag` is [`TAG_BITS`] more
//! bits of the key's [`hash`], so most probes of other keys are rejected without
//! touching the token bytes. Keys of 1 and 2 bytes are looked up in the direct
//! `singles`/`pairs` arrays instead (they are the hottest lookups of the BPE merge).

/// First 8 bytes of every table blob (format version included).
pub(crate) const MAGIC: [u8; 8] = *b"CATOKv01";
/// Size of the header in bytes: magic + four u32 fields.
pub(crate) const HEADER_LEN: usize = 24;
/// Marker for "no token" in the pairs and slots arrays.
pub(crate) const EMPTY: u32 = u32::MAX;
/// Bits of a slot that hold the rank; ranks must be below `2^RANK_BITS - 1`.
pub(crate) const RANK_BITS: u32 = 18;
/// Mask extracting the rank from a slot.
pub(crate) const RANK_MASK: u32 = (1 << RANK_BITS) - 1;
/// Bits of a slot that hold the hash tag.
pub(crate) const TAG_BITS: u32 = 32 - RANK_BITS;

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hash of a token's bytes (stable: the tables are built with it).
#[inline]
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let (chunks, rest) = bytes.as_chunks::<8>();
    for chunk in chunks {
        h = (h ^ u64::from_le_bytes(*chunk))
            .wrapping_mul(K)
            .rotate_left(26);
    }
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    (h ^ (h >> 31)).wrapping_mul(K)
}

/// Home slot of a hash in a table of `2^slot_bits` slots.
#[inline]
pub(crate) fn home(h: u64, slot_bits: u32) -> usize {
    (h >> (64 - slot_bits)) as usize
}

/// Tag stored beside the rank in a slot (the hash bits just below the home bits).
#[inline]
pub(crate) fn tag(h: u64, slot_bits: u32) -> u32 {
    ((h >> (64 - slot_bits - TAG_BITS)) as u32) & ((1 << TAG_BITS) - 1)
}
