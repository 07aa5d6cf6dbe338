//! Byte-pair merge of one pre-tokenised piece, exactly as tiktoken does it.
//!
//! tiktoken's rule: start from single bytes, repeatedly merge the adjacent pair whose
//! concatenation has the lowest rank (the leftmost one on ties), until no adjacent pair
//! is a token. This is a port of tiktoken's `_byte_pair_merge` (quadratic, for short
//! pieces) and `_byte_pair_merge_large` (heap-based, for pieces of 100+ bytes), which
//! compute the same result; only the data structures and the bookkeeping of the merged
//! ranks (so the final ids need no second lookup) differ.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::vocab::Vocab;

const NONE: u32 = u32::MAX;
/// Pieces at least this long use the heap-based merge (tiktoken's threshold).
const LARGE: usize = 100;

/// Reusable buffers for [`merge`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    parts: Vec<Part>,
    nodes: Vec<Node>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
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

/// Node of the linked list used by the heap-based merge (indexed by start byte).
#[derive(Debug, Clone, Copy)]
struct Node {
    prev: u32,
    end: u32,
    /// Rank of `piece[start..next_end]` (this part merged with the next), or `NONE`.
    pair: u32,
    next_end: u32,
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
    let nodes = &mut scratch.nodes;
    let heap = &mut scratch.heap;
    nodes.clear();
    heap.clear();
    for i in 0..n {
        let pair = if i + 1 < n {
            rank_or_none(vocab, &piece[i..i + 2])
        } else {
            NONE
        };
        if pair != NONE {
            heap.push(Reverse((pair, i as u32)));
        }
        nodes.push(Node {
            prev: if i == 0 { NONE } else { i as u32 - 1 },
            end: i as u32 + 1,
            pair,
            next_end: i as u32 + 2,
            own: rank_or_none(vocab, &piece[i..=i]),
        });
    }

    // Re-rank the merge of the part starting at `start` with the part ending at `next_end`.
    let potential_merge = |nodes: &mut Vec<Node>,
                           heap: &mut BinaryHeap<Reverse<(u32, u32)>>,
                           start: u32,
                           next_end: u32| {
        let node = &mut nodes[start as usize];
        node.next_end = next_end;
        node.pair = NONE;
        if (next_end as usize) <= n
            && let Some(rank) = vocab.rank(&piece[start as usize..next_end as usize])
        {
            heap.push(Reverse((rank, start)));
            node.pair = rank;
        }
    };

    while let Some(Reverse((rank, left))) = heap.pop() {
        if rank != nodes[left as usize].pair {
            continue; // stale entry
        }
        let right = nodes[left as usize].end;
        let right_end = nodes[left as usize].next_end;
        let right_next_end = nodes[right as usize].next_end;

        nodes[left as usize].own = rank;
        nodes[left as usize].end = right_end;
        potential_merge(nodes, heap, left, right_next_end);
        if (right_end as usize) < n {
            nodes[right_end as usize].prev = left;
        }
        if left > 0 {
            let prev = nodes[left as usize].prev;
            potential_merge(nodes, heap, prev, right_end);
        }
        nodes[right as usize].pair = NONE;
    }

    let mut i = 0;
    while i < n {
        emit(nodes[i].own);
        i = nodes[i].end as usize;
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
    fn small_and_large_merges_agree() {
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
}
