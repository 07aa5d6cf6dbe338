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
//! | slots     | `2^slot_bits` × u64  | open-addressing hash table (linear probing), tokens of 3+ bytes |
//! | bytes     | `bytes_len` bytes    | the token byte strings, in rank order                     |
//!
//! A slot is [`EMPTY_SLOT`] or, from the low bits up: the rank ([`RANK_BITS`]), the
//! token length − 1 ([`LEN_BITS`]), the token's offset in `bytes` ([`OFFSET_BITS`]) and
//! a tag of [`TAG_BITS`] more bits of the key's [`hash`] (see [`pack`]). A probe of
//! another key is rejected by tag and length without touching the token bytes, and a
//! hit reads the bytes directly (no detour through `offsets`, which only decoding
//! uses). Keys of 1 and 2 bytes are looked up in the direct `singles`/`pairs` arrays
//! instead (they are the hottest lookups of the BPE merge).

/// First 8 bytes of every table blob (format version included).
pub(crate) const MAGIC: [u8; 8] = *b"CATOKv01";
/// Size of the header in bytes: magic + four u32 fields.
pub(crate) const HEADER_LEN: usize = 24;
/// Marker for "no token" in the singles and pairs arrays.
pub(crate) const EMPTY: u32 = u32::MAX;
/// Marker for an empty slot (its rank field is all ones, which no rank is).
pub(crate) const EMPTY_SLOT: u64 = u64::MAX;
/// Bits of a slot that hold the rank; ranks must be below `2^RANK_BITS - 1`.
pub(crate) const RANK_BITS: u32 = 18;
/// Mask extracting the rank from a slot.
pub(crate) const RANK_MASK: u32 = (1 << RANK_BITS) - 1;
/// Bits of a slot that hold the token length − 1 (tokens are 1..=128 bytes).
pub(crate) const LEN_BITS: u32 = 7;
/// Bits of a slot that hold the token's offset in `bytes` (so `bytes` < 2 MiB).
pub(crate) const OFFSET_BITS: u32 = 21;
/// Bits of a slot that hold the hash tag.
pub(crate) const TAG_BITS: u32 = 64 - RANK_BITS - LEN_BITS - OFFSET_BITS;
/// Longest token a slot can describe.
#[cfg_attr(not(test), allow(dead_code, reason = "used by build.rs"))]
pub(crate) const MAX_TOKEN_LEN: usize = 1 << LEN_BITS;
/// Largest `bytes` part a slot can address.
#[cfg_attr(not(test), allow(dead_code, reason = "used by build.rs"))]
pub(crate) const MAX_BYTES_LEN: usize = 1 << OFFSET_BITS;

/// Multiplier of the hash (2^64 / golden ratio, odd).
const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hash of a token's bytes (stable: the tables are built with it).
///
/// Short keys are read with overlapping loads (no byte loops, no `memcpy`): 1-3 bytes
/// as first/middle/last byte, 4-8 bytes as first and last 4 bytes, longer keys as
/// 8-byte chunks plus the last 8 bytes. With the length mixed in, every byte counts.
#[inline]
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let mut h = (n as u64).wrapping_mul(K);
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>())
        && n <= 8
    {
        let word =
            u64::from(u32::from_le_bytes(*first)) | (u64::from(u32::from_le_bytes(*last)) << 32);
        h = (h ^ word).wrapping_mul(K);
    } else if let Some(last) = bytes.last_chunk::<8>() {
        let (chunks, _) = bytes[..n - 8].as_chunks::<8>();
        for chunk in chunks {
            h = (h ^ u64::from_le_bytes(*chunk))
                .wrapping_mul(K)
                .rotate_left(26);
        }
        h = (h ^ u64::from_le_bytes(*last)).wrapping_mul(K);
    } else if let (Some(&a), Some(&b)) = (bytes.first(), bytes.last()) {
        let word = u64::from(a) | (u64::from(bytes[n / 2]) << 8) | (u64::from(b) << 16);
        h = (h ^ word).wrapping_mul(K);
    }
    (h ^ (h >> 31)).wrapping_mul(K)
}

/// `a == b` for slices of equal length, with overlapping word loads for short ones.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    if a.len() <= 16 {
        if let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
            a.first_chunk::<8>(),
            a.last_chunk::<8>(),
            b.first_chunk::<8>(),
            b.last_chunk::<8>(),
        ) {
            return u64::from_le_bytes(*a0) == u64::from_le_bytes(*b0)
                && u64::from_le_bytes(*a1) == u64::from_le_bytes(*b1);
        }
        if let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
            a.first_chunk::<4>(),
            a.last_chunk::<4>(),
            b.first_chunk::<4>(),
            b.last_chunk::<4>(),
        ) {
            return u32::from_le_bytes(*a0) == u32::from_le_bytes(*b0)
                && u32::from_le_bytes(*a1) == u32::from_le_bytes(*b1);
        }
    }
    a == b
}

/// Home slot of a hash in a table of `2^slot_bits` slots.
#[inline]
pub(crate) fn home(h: u64, slot_bits: u32) -> usize {
    (h >> (64 - slot_bits)) as usize
}

/// Tag stored in a slot (the hash bits just below the home bits).
#[inline]
pub(crate) fn tag(h: u64, slot_bits: u32) -> u64 {
    (h >> (64 - slot_bits - TAG_BITS)) & ((1 << TAG_BITS) - 1)
}

/// Slot of a token: `rank`, `len` bytes at `offset` in `bytes`, hash `tag`.
/// The caller guarantees the limits above (`build.rs` checks them).
#[cfg_attr(not(test), allow(dead_code, reason = "used by build.rs"))]
#[inline]
pub(crate) fn pack(rank: u32, len: usize, offset: usize, tag: u64) -> u64 {
    u64::from(rank)
        | (((len - 1) as u64) << RANK_BITS)
        | ((offset as u64) << (RANK_BITS + LEN_BITS))
        | (tag << (RANK_BITS + LEN_BITS + OFFSET_BITS))
}

/// The tag of a slot (compare with [`tag`] of the key).
#[inline]
pub(crate) fn slot_tag(slot: u64) -> u64 {
    slot >> (RANK_BITS + LEN_BITS + OFFSET_BITS)
}

/// The rank, token length and token offset of a non-empty slot.
#[inline]
pub(crate) fn unpack(slot: u64) -> (u32, usize, usize) {
    let rank = (slot as u32) & RANK_MASK;
    let len = ((slot >> RANK_BITS) & ((1 << LEN_BITS) - 1)) as usize + 1;
    let offset = ((slot >> (RANK_BITS + LEN_BITS)) & ((1 << OFFSET_BITS) - 1)) as usize;
    (rank, len, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip() {
        let h = hash(b"hello");
        let slot = pack(RANK_MASK - 1, MAX_TOKEN_LEN, MAX_BYTES_LEN - 1, tag(h, 19));
        assert_ne!(slot, EMPTY_SLOT);
        assert_eq!(
            unpack(slot),
            (RANK_MASK - 1, MAX_TOKEN_LEN, MAX_BYTES_LEN - 1)
        );
        assert_eq!(slot_tag(slot), tag(h, 19));
        assert_eq!(unpack(pack(7, 1, 0, 0)), (7, 1, 0));
        assert_ne!(hash(b"abc"), hash(b"abc\0"));
        for (a, b) in [
            (&b"abcdefghijkl"[..], &b"abcdefghijkm"[..]),
            (b"abcde", b"abcdf"),
            (b"abc", b"abd"),
        ] {
            assert!(same_bytes(a, a));
            assert!(!same_bytes(a, b));
            assert_ne!(hash(a), hash(b));
        }
        assert!(home(h, 19) < 1 << 19);
    }
}
