//! Byte-pair merge of one pre-tokenised piece, exactly as tiktoken does it.
//!
//! tiktoken's rule: start from single bytes, repeatedly merge the adjacent pair whose
//! concatenation has the lowest rank (the leftmost one on ties), until no adjacent pair
//! is a token. Short pieces use a port of tiktoken's `_byte_pair_merge` (a linear scan
//! for the minimum per merge). Pieces of 100+ bytes, where tiktoken switches to a binary
//! heap with lazy deletion (`_byte_pair_merge_large`), use a tournament tree over the
//! part starts instead: leaf keys are `rank << 32 | start`, so the root is always the
//! lowest rank and, on ties, the leftmost start, i.e. the same merge tiktoken picks, with
//! no stale entries to skip. Both paths also carry each part's own rank along, so the
//! final ids need no second lookup.

use super::vocab::Vocab;

const NONE: u32 = u32::MAX;
/// Pieces at least this long use the tree-based merge (tiktoken's threshold).
const LARGE: usize = 100;

/// Reusable buffers for [`merge`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    parts: Vec<Part>,
    nodes: Vec<Node>,
    tree: Vec<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Part {
    /// Start of this part in the piece.
    start: u32,
    /// Rank of this part merged with the next one, or `NONE`.
    pair: u32,
    /// Rank of this part itself.
    own: u32,
}

/// A part of the piece in the large merge, indexed by its start byte.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Start of the previous part.
    prev: u32,
    /// End of this part (start of the next one).
    end: u32,
    /// Rank of this part itself.
    own: u32,
}

/// Calls `emit` with the ranks of the tokens of `piece` (non-empty, not itself a token).
#[inline]
pub(crate) fn merge(vocab: &Vocab, piece: &[u8], scratch: &mut Scratch, emit: impl FnMut(u32)) {
    if piece.len() < LARGE {
        merge_small(vocab, piece, &mut scratch.parts, emit);
    } else {
        merge_large(vocab, piece, scratch, emit);
    }
}

#[inline]
fn rank_or_none(vocab: &Vocab, bytes: &[u8]) -> u32 {
    vocab.rank(bytes).unwrap_or(NONE)
}

fn merge_small(vocab: &Vocab, piece: &[u8], parts: &mut Vec<Part>, mut emit: impl FnMut(u32)) {
    let n = piece.len();
    parts.clear();
    for i in 0..n {
        let pair = if i + 1 < n {
            rank_or_none(vocab, &piece[i..i + 2])
        } else {
            NONE
        };
        parts.push(Part {
            start: i as u32,
            pair,
            own: rank_or_none(vocab, &piece[i..=i]),
        });
    }
    // sentinel: the end of the piece
    parts.push(Part {
        start: n as u32,
        pair: NONE,
        own: NONE,
    });

    // Rank of parts[i] merged with parts[i + 1], given that parts[i + 1] is about to be
    // removed (so the merged pair ends where parts[i + 3] starts).
    let rank_after_merge = |parts: &[Part], i: usize| -> u32 {
        match parts.get(i + 3) {
            Some(end) => rank_or_none(vocab, &piece[parts[i].start as usize..end.start as usize]),
            None => NONE,
        }
    };

    loop {
        let (mut min_rank, mut min_i) = (NONE, 0);
        for (i, p) in parts[..parts.len() - 1].iter().enumerate() {
            if p.pair < min_rank {
                (min_rank, min_i) = (p.pair, i);
            }
        }
        if min_rank == NONE {
            break;
        }
        let i = min_i;
        if i > 0 {
            parts[i - 1].pair = rank_after_merge(parts, i - 1);
        }
        parts[i].own = min_rank;
        parts[i].pair = rank_after_merge(parts, i);
        parts.remove(i + 1);
    }
    for p in &parts[..parts.len() - 1] {
        emit(p.own);
    }
}

fn merge_large(vocab: &Vocab, piece: &[u8], scratch: &mut Scratch, mut emit: impl FnMut(u32)) {
    let n = piece.len();
    let Scratch { nodes, tree, .. } = scratch;
    nodes.clear();
    for i in 0..n {
        nodes.push(Node {
            prev: i.wrapping_sub(1) as u32,
            end: i as u32 + 1,
            own: rank_or_none(vocab, &piece[i..=i]),
        });
    }
    // Tournament tree over part starts: leaf `s` holds `rank << 32 | s` for the merge of
    // the part starting at `s` with the next part (`u64::MAX` if none), inner nodes the
    // minimum of their children, so the root is the lowest rank, leftmost on ties.
    let size = n.next_power_of_two();
    tree.clear();
    tree.resize(2 * size, u64::MAX);
    for i in 0..n - 1 {
        tree[size + i] = key(rank_or_none(vocab, &piece[i..i + 2]), i);
    }
    for i in (1..size).rev() {
        tree[i] = tree[2 * i].min(tree[2 * i + 1]);
    }
    let set = |tree: &mut [u64], at: usize, value: u64| {
        let mut i = size + at;
        tree[i] = value;
        while i > 1 {
            i /= 2;
            let min = tree[2 * i].min(tree[2 * i + 1]);
            if tree[i] == min {
                break; // nothing above changes either
            }
            tree[i] = min;
        }
    };
    // Key of the merge of the part `start..mid` with the part starting at `mid`.
    let pair = |nodes: &[Node], start: usize, mid: usize| -> u64 {
        match nodes.get(mid) {
            Some(next) => key(rank_or_none(vocab, &piece[start..next.end as usize]), start),
            None => u64::MAX,
        }
    };

    loop {
        let top = tree[1];
        let rank = (top >> 32) as u32;
        if rank == NONE {
            break;
        }
        let left = (top & 0xFFFF_FFFF) as usize;
        let right = nodes[left].end as usize;
        let right_end = nodes[right].end as usize;
        nodes[left].own = rank;
        nodes[left].end = right_end as u32;
        set(tree, right, u64::MAX);
        if right_end < n {
            nodes[right_end].prev = left as u32;
        }
        let next = pair(nodes, left, right_end);
        set(tree, left, next);
        if left > 0 {
            let prev = nodes[left].prev as usize;
            let before = pair(nodes, prev, left);
            set(tree, prev, before);
        }
    }

    let mut i = 0;
    while i < n {
        emit(nodes[i].own);
        i = nodes[i].end as usize;
    }
}

/// Tree key of a candidate merge: by rank, then by position (tiktoken's tie-break).
#[inline]
fn key(rank: u32, start: usize) -> u64 {
    if rank == NONE {
        u64::MAX
    } else {
        (u64::from(rank) << 32) | start as u64
    }
}

#[cfg(test)]
mod tests {
    use super::super::vocab::{Table, Vocab};
    use super::*;

    fn merged(vocab: &Vocab, piece: &[u8], large: bool) -> Vec<u32> {
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        if large {
            merge_large(vocab, piece, &mut scratch, |r| out.push(r));
        } else {
            merge_small(vocab, piece, &mut scratch.parts, |r| out.push(r));
        }
        out
    }

    #[test]
    fn linear_and_tree_merges_agree() {
        let vocab = Vocab::load(Table::O200k, u32::MAX);
        let pieces: [&[u8]; 6] = [
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            b" Pneumonoultramicroscopicsilicovolcanoconiosis",
            "日本語のテキストですよね".as_bytes(),
            b"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9",
            b"xyzzyxyzzyqqqqqqqqqqqqqq",
            b"ab",
        ];
        for piece in pieces {
            let small = merged(&vocab, piece, false);
            assert_eq!(small, merged(&vocab, piece, true), "{piece:?}");
            let joined: Vec<u8> = small
                .iter()
                .flat_map(|&r| vocab.token(r).to_vec())
                .collect();
            assert_eq!(joined, piece);
        }
    }

    #[test]
    fn linear_and_tree_merges_agree_on_corpus_chunks() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokens/corpus");
        let mut bytes = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            bytes.extend(std::fs::read(f).unwrap());
        }
        for (table, limit) in [
            (Table::O200k, u32::MAX),
            (Table::Cl100k, u32::MAX),
            (Table::P50k, 50_255),
        ] {
            let vocab = Vocab::load(table, limit);
            let (mut at, mut len) = (0, 2);
            while at + len <= bytes.len() {
                let piece = &bytes[at..at + len];
                let linear = merged(&vocab, piece, false);
                assert_eq!(linear, merged(&vocab, piece, true), "{table:?} at {at}");
                let joined: Vec<u8> = linear
                    .iter()
                    .flat_map(|&r| vocab.token(r).to_vec())
                    .collect();
                assert_eq!(joined, piece);
                at += len;
                len = len * 7 % 211 + 2;
            }
        }
    }
}
