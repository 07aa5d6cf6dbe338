//! Pre-tokenisation: splitting text into the pieces that are BPE-encoded one by one.
//!
//! tiktoken splits with a `fancy-regex` pattern per encoding (a backtracking engine).
//! Those patterns use two features the DFA-based `regex-automata` engine lacks:
//! possessive quantifiers (`++`, `?+`, `*+`) and the lookahead `\s+(?!\S)`. Both are
//! rewritten here without changing which pieces come out. `regex-automata`'s
//! leftmost-first semantics pick, at a given start, the same match a backtracking
//! engine picks, so only these two features need an argument:
//!
//! * **Possessive quantifiers** never give anything back in these patterns (each is
//!   followed by a disjoint class or ends its alternative), so the greedy form matches
//!   the same text.
//! * **`\s+(?!\S)`** comes after every other alternative except a final `\s` (r50k,
//!   cl100k) or `\s+` (o200k). If the earlier alternatives fail at a position, the
//!   original's match there is: the whole whitespace run if it reaches the end of the
//!   text; else all of the run but its last character if the run has 2+ characters
//!   (that character is left to prefix the next piece); else the single character. We
//!   search for two patterns with leftmost-first priority, the original's alternatives
//!   before the lookahead one (`*_HEAD`) and then `\s+`; when the `\s+` pattern wins
//!   it has matched the maximal run, and we give back its last character if text
//!   follows and the run has 2+ characters. That is the same piece.
//!
//! Searches are anchored at the end of the previous piece. Every character is `\s`,
//! `\p{L}`, `\p{N}` or none of these, and each pattern matches any such character, so
//! tiktoken's unanchored `find_iter` also always matches right at the previous end.
//! The unit tests below compare our pieces with `fancy-regex` running tiktoken's
//! original patterns, on the fixture corpus and 20 000 generated strings.

use std::sync::Arc;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input};

/// tiktoken's original pattern for `r50k_base`, `p50k_base` and `p50k_edit`.
#[cfg(test)]
pub(crate) const R50K_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";
/// tiktoken's original pattern for `cl100k_base`.
#[cfg(test)]
pub(crate) const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
/// tiktoken's original pattern for `o200k_base`.
#[cfg(test)]
pub(crate) const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+(?!\S)",
    r"|\s+",
);

/// `R50K_PATTERN` up to its lookahead alternative, possessives made greedy.
const R50K_HEAD: &str = r"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+$";
/// `CL100K_PATTERN` up to its lookahead alternative, possessives made greedy.
const CL100K_HEAD: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]";
/// `O200K_PATTERN` up to its lookahead alternative.
const O200K_HEAD: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
);
/// Second pattern: a whitespace run, trimmed by one character when text follows.
const WHITESPACE_RUN: &str = r"\s+";

/// Which tiktoken pattern to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `r50k_base`, `p50k_base`, `p50k_edit`.
    R50k,
    /// `cl100k_base`.
    Cl100k,
    /// `o200k_base`.
    O200k,
}

impl Pattern {
    /// tiktoken's original pattern (for documentation and the equivalence test).
    #[cfg(test)]
    pub(crate) fn original(self) -> &'static str {
        match self {
            Pattern::R50k => R50K_PATTERN,
            Pattern::Cl100k => CL100K_PATTERN,
            Pattern::O200k => O200K_PATTERN,
        }
    }

    fn head(self) -> &'static str {
        match self {
            Pattern::R50k => R50K_HEAD,
            Pattern::Cl100k => CL100K_HEAD,
            Pattern::O200k => O200K_HEAD,
        }
    }
}

type CachePool = Pool<
    Cache,
    Box<dyn Fn() -> Cache + Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>,
>;

/// A compiled pre-tokeniser (thread-safe; per-thread search caches are pooled).
///
/// Only a forward lazy DFA is built: searches are anchored, so the start of each match
/// is known and the end is all a forward search has to find.
pub(crate) struct Pretokenizer {
    dfa: Arc<DFA>,
    caches: CachePool,
}

impl std::fmt::Debug for Pretokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pretokenizer").finish_non_exhaustive()
    }
}

impl Pretokenizer {
    /// Compiles the pre-tokeniser for `pattern`.
    ///
    /// # Panics
    /// Never for the built-in patterns (covered by tests).
    pub(crate) fn new(pattern: Pattern) -> Pretokenizer {
        // Defaults: leftmost-first, Unicode, and a lazy DFA that never gives up (it
        // clears its cache instead); no Unicode word boundaries, so no quit bytes.
        let dfa = match DFA::new_many(&[pattern.head(), WHITESPACE_RUN]) {
            Ok(dfa) => Arc::new(dfa),
            Err(e) => panic!("built-in pre-tokeniser pattern {pattern:?} does not compile: {e}"),
        };
        let for_pool = Arc::clone(&dfa);
        let caches: CachePool = Pool::new(Box::new(move || for_pool.create_cache()));
        Pretokenizer { dfa, caches }
    }

    /// Calls `f` with each piece of `text`, in order; the pieces concatenate to `text`.
    #[inline]
    pub(crate) fn for_each_piece<'t>(&self, text: &'t str, mut f: impl FnMut(&'t str)) {
        let mut cache = self.caches.get();
        let bytes = text.as_bytes();
        let mut pos = 0;
        while pos < text.len() {
            let input = Input::new(text).range(pos..).anchored(Anchored::Yes);
            let Ok(Some(m)) = self.dfa.try_search_fwd(&mut cache, &input) else {
                // Unreachable: the patterns match every character and the lazy DFA
                // cannot fail (see `new`). Skip a character rather than loop, as an
                // unanchored search would.
                pos += text[pos..].chars().next().map_or(1, char::len_utf8);
                continue;
            };
            let mut end = m.offset();
            if m.pattern().as_usize() == 1 && end < text.len() {
                // `\s+(?!\S)`: give back the run's last character if one remains
                let mut last = end - 1;
                while last > pos && bytes[last] & 0xC0 == 0x80 {
                    last -= 1;
                }
                if last > pos {
                    end = last;
                }
            }
            if end <= pos {
                end = pos + text[pos..].chars().next().map_or(1, char::len_utf8);
            }
            f(&text[pos..end]);
            pos = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces as tiktoken computes them: `fancy-regex` with the original pattern.
    fn reference(re: &fancy_regex::Regex, text: &str) -> Vec<String> {
        re.find_iter(text)
            .map(|m| m.unwrap().as_str().to_owned())
            .collect()
    }

    fn ours(p: &Pretokenizer, text: &str) -> Vec<String> {
        let mut pieces = Vec::new();
        p.for_each_piece(text, |piece| pieces.push(piece.to_owned()));
        pieces
    }

    fn corpus() -> Vec<(String, String)> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokens/corpus");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|f| {
                let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
                (f.file_name().unwrap().to_string_lossy().into_owned(), text)
            })
            .collect()
    }

    /// Deterministic strings over an alphabet chosen to stress the rewritten alternatives.
    fn generated() -> Vec<String> {
        const ALPHABET: &[&str] = &[
            " ", " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u{a0}", "\u{3000}", "\u{85}",
            "\u{2028}", "\u{b}", "a", "b", "Z", "Q", "é", "É", "ǅ", "ʰ", "日", "\u{301}",
            "\u{94d}", "1", "٣", "½", "Ⅻ", "'", "'s", "'T", "'ll", "’", "ſ", "K", ".", "!", "/",
            "-", "😀", "\u{200d}", "\u{fe0f}", "\u{feff}", "<|",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..20000)
            .map(|_| {
                let len = next() % 32;
                (0..len)
                    .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rewrite_matches_tiktoken_patterns() {
        let texts: Vec<(String, String)> = corpus()
            .into_iter()
            .chain(
                generated()
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| (format!("generated #{i}"), t)),
            )
            .collect();
        for pattern in [Pattern::R50k, Pattern::Cl100k, Pattern::O200k] {
            let p = Pretokenizer::new(pattern);
            let re = fancy_regex::Regex::new(pattern.original()).unwrap();
            for (name, text) in &texts {
                assert_eq!(
                    ours(&p, text),
                    reference(&re, text),
                    "{pattern:?} on {name}: {text:?}"
                );
            }
        }
    }
}
