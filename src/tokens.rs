//! Token counting with OpenAI's BPE encodings, exactly as OpenAI's `tiktoken`.
//!
//! # Text
//!
//! [`Tokenizer::get`] returns the process-wide tokenizer of an [`Encoding`]
//! (`o200k_base`, `cl100k_base`, `p50k_base`, `p50k_edit`, `r50k_base`), built on first
//! use. [`Tokenizer::encode`] and [`Tokenizer::count`] give the same ids/count as Python
//! `tiktoken`'s `Encoding.encode_ordinary`:
//!
//! * **Special tokens are ordinary text.** `<|endoftext|>` and friends in the input are
//!   encoded like any other characters (tiktoken's `encode_ordinary`; its `encode`
//!   would refuse such input by default).
//! * **Input is `&str`.** Callers reading bytes should decode them with
//!   [`String::from_utf8_lossy`] (invalid sequences become U+FFFD, each then counted as
//!   text); the fixtures check that this agrees with Python's `errors="replace"`.
//! * **Exactness** is tested against counts and ids produced by Python `tiktoken` 0.14
//!   (`tests/fixtures/tokens/`, see `generate.py` there) and against `tiktoken-rs` and
//!   `fancy-regex` on generated text. Character classes (`\p{L}`, `\s`, …) come from
//!   `regex-syntax`'s Unicode tables, as in tiktoken (whose Rust core uses the same
//!   crates); only characters assigned in a Unicode version newer than one side's
//!   tables could ever be classified differently.
//!
//! How it is fast: `build.rs` turns the `.tiktoken` vocabularies in `assets/` into
//! binary hash tables that are embedded in the executable, so getting a tokenizer only
//! compiles the pre-tokenisation regex (1–2 ms for `o200k_base`) and never builds a
//! `HashMap` of 200 000 tokens; the pages of the table a text needs are mapped in on
//! demand. Pre-tokenisation uses a forward lazy DFA of `regex-automata` instead of
//! `fancy-regex`; the rewrite of tiktoken's lookahead patterns is explained in
//! `tokens/pretok.rs`. The BPE merge follows tiktoken's (`tokens/bpe.rs`).
//!
//! Which encoding a model uses: [`Encoding::for_model`].
//!
//! # Chat requests
//!
//! [`count_chat`] estimates the prompt tokens of an OpenAI-shaped chat request the way
//! copilot-api 0.7.0 does in `POST /v1/messages/count_tokens` (its `getTokenCount`,
//! reference spec §6). With `T(s)` = tokens of string `s`:
//!
//! * **Messages** are split into input (every role but `assistant`) and output
//!   (`assistant`). A group counts 0 if empty, else the sum of its messages **+ 3**.
//! * **A message** counts 3, plus for every field of the message object: a string value
//!   → `T(value)` (so `role`, `name`, `tool_call_id` and string `content` all count);
//!   key `name` → +1 more; key `tool_calls` → per call `funcInit + T(JSON of the call)`,
//!   then `funcEnd` once; array `content` → per part: `image_url` → `T(url) + 85`,
//!   otherwise `T(text)`.
//! * **Tools** (if any): per tool `funcInit + T("name:description")` (one trailing `.`
//!   of the description dropped) plus its parameter tokens; then `funcEnd` once.
//!   Parameter tokens, per key of `parameters`: `properties` (non-empty) → `propInit`
//!   plus, per property, `propKey`, plus (with `enum`) `enumInit` and `enumItem + T(item)`
//!   per item, plus `T("name:type:description")` (type defaults to `string`, one
//!   trailing `.` dropped), plus `T("key:value")` for each other key of the property;
//!   any other key → `T("key:value")`. Values that are not strings are written as JSON.
//! * **Constants:** `funcInit` 7 (10 for the model ids `gpt-3.5-turbo` and `gpt-4`),
//!   `propInit` 3, `propKey` 3, `enumInit` −3, `enumItem` 3, `funcEnd` 12.
//! * **Claude/Grok correction** (opt-in, [`CountOptions::claude_correction`]): for
//!   models starting with `claude`, +346 when the original Anthropic request had tools
//!   (unless the `anthropic-beta` header starts with `claude-code` and a tool name
//!   starts with `mcp__`), then the total × 1.15, rounded; for `grok` models +480 and
//!   × 1.03.
//!
//! [`ChatCount`] splits the total into `system` (messages with role `system` or
//! `developer`), `messages` (the other messages' fields), `tools`, `overhead` (the
//! per-message 3s and per-group 3s) and `claude_correction`.

mod bpe;
mod chat;
mod encoding;
mod format;
mod image;
mod pretok;
pub(crate) mod requests;
mod vocab;

use std::sync::OnceLock;

pub(crate) use chat::{ChatCount, CountOptions, count_chat};
pub use encoding::Encoding;

use bpe::Scratch;
use pretok::{Pattern, Pretokenizer};
use vocab::{Table, Vocab};

/// A BPE tokenizer for one [`Encoding`]; get one with [`Tokenizer::get`].
#[derive(Debug)]
pub struct Tokenizer {
    encoding: Encoding,
    vocab: Vocab,
    pretok: Pretokenizer,
}

static TOKENIZERS: [OnceLock<Tokenizer>; 5] = [const { OnceLock::new() }; 5];

impl Tokenizer {
    /// The process-wide tokenizer of `encoding`, built on first use (thread-safe).
    ///
    /// The first call for an encoding costs a few milliseconds (compiling its
    /// pre-tokenisation regex); the vocabulary itself is a build-time table. Only the
    /// requested encoding is touched.
    pub fn get(encoding: Encoding) -> &'static Tokenizer {
        let slot = &TOKENIZERS[encoding as usize];
        slot.get_or_init(|| Tokenizer::new(encoding))
    }

    fn new(encoding: Encoding) -> Tokenizer {
        let (table, rank_limit, pattern) = match encoding {
            Encoding::O200kBase => (Table::O200k, u32::MAX, Pattern::O200k),
            Encoding::Cl100kBase => (Table::Cl100k, u32::MAX, Pattern::Cl100k),
            Encoding::P50kBase | Encoding::P50kEdit => (Table::P50k, u32::MAX, Pattern::R50k),
            // r50k_base = p50k_base without p50k's 24 whitespace-run tokens (ranks > 50255)
            Encoding::R50kBase => (Table::P50k, 50_255, Pattern::R50k),
        };
        Tokenizer {
            encoding,
            vocab: Vocab::load(table, rank_limit),
            pretok: Pretokenizer::new(pattern),
        }
    }

    /// The encoding of this tokenizer.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Number of tokens of `text` (= `self.encode(text).len()`, without the ids).
    pub fn count(&self, text: &str) -> usize {
        let mut n = 0;
        self.for_each_token(text, |_| n += 1);
        n
    }

    /// Token ids of `text`, like tiktoken's `encode_ordinary` (special tokens are text).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(text.len() / 4 + 1);
        self.for_each_token(text, |id| ids.push(id));
        ids
    }

    /// The bytes of the given token ids, concatenated; `None` if an id is not a token
    /// of this encoding. (For UTF-8 text, `String::from_utf8` of the result.)
    pub fn decode_bytes(&self, ids: &[u32]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            if id >= self.vocab.n_ranks() {
                return None;
            }
            match self.vocab.token(id) {
                [] => return None,
                bytes => out.extend_from_slice(bytes),
            }
        }
        Some(out)
    }

    #[inline]
    fn for_each_token(&self, text: &str, mut emit: impl FnMut(u32)) {
        let mut scratch = Scratch::default();
        self.pretok.for_each_piece(text, |piece| {
            let piece = piece.as_bytes();
            match self.vocab.rank(piece) {
                Some(id) => emit(id),
                None => bpe::merge(&self.vocab, piece, &mut scratch, &mut emit),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let t = Tokenizer::get(Encoding::O200kBase);
        assert_eq!(t.encoding(), Encoding::O200kBase);
        assert_eq!(t.count(""), 0);
        let debug = format!("{t:?}");
        assert!(debug.len() < 300 && debug.contains("O200kBase"), "{debug}");
        assert_eq!(t.encode("hello world"), vec![24912, 2375]);
        assert_eq!(t.count("hello world"), 2);
        assert!(std::ptr::eq(t, Tokenizer::get(Encoding::O200kBase)));
        let ids = t.encode("naïve 👨‍👩‍👧 <|endoftext|>");
        assert_eq!(
            t.decode_bytes(&ids).unwrap(),
            "naïve 👨‍👩‍👧 <|endoftext|>".as_bytes()
        );
        assert_eq!(t.decode_bytes(&[199_998]), None);
        assert_eq!(
            Tokenizer::get(Encoding::R50kBase).decode_bytes(&[50_257]),
            None
        );
        assert_eq!(
            Tokenizer::get(Encoding::P50kBase)
                .decode_bytes(&[50_257])
                .unwrap(),
            b"  "
        );
    }
}
