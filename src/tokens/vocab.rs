//! Read-only view of a rank table prepared by `build.rs` (layout: [`super::format`]).
//!
//! The tables are embedded with `include_bytes!`; a [`Vocab`] is a handful of slices
//! into them, so "loading" an encoding costs a header check and the operating system
//! pages in only the parts of the table a text actually touches.

use super::format::{self, EMPTY, EMPTY_SLOT, HEADER_LEN, MAGIC, RANK_MASK};

static O200K_BASE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/o200k_base.bin"));
static CL100K_BASE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/cl100k_base.bin"));
static P50K_BASE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/p50k_base.bin"));

/// Which embedded table a [`Vocab`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// `o200k_base`.
    O200k,
    /// `cl100k_base`.
    Cl100k,
    /// `p50k_base` (also `p50k_edit`, and `r50k_base` with a rank limit).
    P50k,
}

/// Rank lookups and token bytes of one encoding.
#[derive(Clone, Copy)]
pub(crate) struct Vocab {
    offsets: &'static [[u8; 4]],
    singles: &'static [[u8; 4]],
    pairs: &'static [[u8; 4]],
    slots: &'static [[u8; 8]],
    bytes: &'static [u8],
    slot_bits: u32,
    slot_mask: usize,
    max_len: usize,
    /// Ranks above this are treated as absent (how `r50k_base` reuses the p50k table).
    rank_limit: u32,
}

impl std::fmt::Debug for Vocab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocab")
            .field("n_ranks", &self.n_ranks())
            .field("slots", &self.slots.len())
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

#[inline]
fn read(words: &[[u8; 4]], i: usize) -> u32 {
    words.get(i).map_or(EMPTY, |w| u32::from_le_bytes(*w))
}

/// Splits `n` little-endian words of `W` bytes off the front of `blob`.
fn words<const W: usize>(blob: &mut &'static [u8], n: usize) -> Result<&'static [[u8; W]], String> {
    let len = n.checked_mul(W).ok_or("size overflow")?;
    let Some((head, tail)) = blob.split_at_checked(len) else {
        return Err(format!("truncated: need {len} bytes, {} left", blob.len()));
    };
    *blob = tail;
    let (words, rest) = head.as_chunks::<W>();
    debug_assert!(rest.is_empty());
    Ok(words)
}

impl Vocab {
    /// Opens an embedded table. `rank_limit` hides ranks above it (`u32::MAX - 1`: none).
    ///
    /// # Panics
    /// If the embedded table is corrupt, which only a broken build can cause.
    pub(crate) fn load(table: Table, rank_limit: u32) -> Vocab {
        let blob = match table {
            Table::O200k => O200K_BASE,
            Table::Cl100k => CL100K_BASE,
            Table::P50k => P50K_BASE,
        };
        match Vocab::parse(blob, rank_limit) {
            Ok(vocab) => vocab,
            Err(e) => panic!("embedded token table {table:?} is corrupt ({e}); rebuild the crate"),
        }
    }

    fn parse(mut blob: &'static [u8], rank_limit: u32) -> Result<Vocab, String> {
        if blob.len() < HEADER_LEN || blob[..MAGIC.len()] != MAGIC {
            return Err("bad magic".into());
        }
        let header = words::<4>(&mut &blob[MAGIC.len()..HEADER_LEN], 4)?;
        let [n_ranks, slot_bits, bytes_len, max_len] = [0, 1, 2, 3].map(|i| read(header, i));
        if !(10..=30).contains(&slot_bits) || n_ranks >= RANK_MASK {
            return Err("bad header".into());
        }
        blob = &blob[HEADER_LEN..];
        let offsets = words(&mut blob, n_ranks as usize + 1)?;
        let singles = words(&mut blob, 256)?;
        let pairs = words(&mut blob, 1 << 16)?;
        let slots = words(&mut blob, 1 << slot_bits)?;
        if blob.len() != bytes_len as usize {
            return Err(format!("bytes: {} != {bytes_len}", blob.len()));
        }
        Ok(Vocab {
            offsets,
            singles,
            pairs,
            slots,
            bytes: blob,
            slot_bits,
            slot_mask: (1 << slot_bits) - 1,
            max_len: max_len as usize,
            rank_limit: rank_limit.min(n_ranks.saturating_sub(1)),
        })
    }

    /// Rank of the token whose bytes are exactly `piece`, if there is one.
    #[inline]
    pub(crate) fn rank(&self, piece: &[u8]) -> Option<u32> {
        let rank = match *piece {
            [a] => read(self.singles, usize::from(a)),
            [a, b] => read(self.pairs, (usize::from(a) << 8) | usize::from(b)),
            _ => return self.rank_long(piece),
        };
        (rank <= self.rank_limit).then_some(rank)
    }

    #[inline]
    fn rank_long(&self, piece: &[u8]) -> Option<u32> {
        if piece.len() > self.max_len {
            return None;
        }
        let h = format::hash(piece);
        let tag = format::tag(h, self.slot_bits);
        let mut i = format::home(h, self.slot_bits);
        loop {
            let slot = self
                .slots
                .get(i)
                .map_or(EMPTY_SLOT, |w| u64::from_le_bytes(*w));
            if slot == EMPTY_SLOT {
                return None;
            }
            if format::slot_tag(slot) == tag {
                let (rank, len, offset) = format::unpack(slot);
                if len == piece.len()
                    && self
                        .bytes
                        .get(offset..offset + len)
                        .is_some_and(|t| format::same_bytes(t, piece))
                {
                    return (rank <= self.rank_limit).then_some(rank);
                }
            }
            i = (i + 1) & self.slot_mask;
        }
    }

    /// Bytes of the token with this rank (empty for a rank that has no token).
    #[inline]
    pub(crate) fn token(&self, rank: u32) -> &'static [u8] {
        let r = rank as usize;
        let (start, end) = (
            read(self.offsets, r) as usize,
            read(self.offsets, r + 1) as usize,
        );
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// Number of ranks visible through this view (highest rank + 1).
    pub(crate) fn n_ranks(&self) -> u32 {
        self.rank_limit + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_round_trip() {
        for (table, limit, n) in [
            (Table::O200k, u32::MAX, 199_998),
            (Table::Cl100k, u32::MAX, 100_256),
            (Table::P50k, u32::MAX, 50_281),
            (Table::P50k, 50_255, 50_256),
        ] {
            let v = Vocab::load(table, limit);
            assert_eq!(v.n_ranks(), n, "{table:?}");
            let mut present = 0;
            for rank in 0..v.n_ranks() {
                let bytes = v.token(rank);
                if bytes.is_empty() {
                    continue;
                }
                present += 1;
                assert_eq!(v.rank(bytes), Some(rank), "{table:?} rank {rank}");
            }
            assert!(present >= n - 1);
            // every single byte is a token in these byte-level vocabularies
            for b in 0..=255u8 {
                assert!(v.rank(&[b]).is_some());
            }
            assert_eq!(v.rank(b"\xff\xff\xff\xff\xff"), None);
        }
        // r50k hides p50k's extra whitespace tokens
        let r50k = Vocab::load(Table::P50k, 50_255);
        let p50k = Vocab::load(Table::P50k, u32::MAX);
        assert_eq!(p50k.rank(b"  "), Some(50_257));
        assert_eq!(r50k.rank(b"  "), None);
        assert_eq!(r50k.rank(b"    "), None);
    }
}
