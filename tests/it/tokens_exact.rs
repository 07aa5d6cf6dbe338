//! Exactness of `tokens::Tokenizer` against OpenAI's Python `tiktoken`.
//!
//! `tests/fixtures/tokens/expected.json` holds counts for every corpus file and
//! encoding, and exact ids for short strings, produced by `generate.py` beside it.
//! A second test compares ids with the `tiktoken-rs` crate on generated text.

use std::collections::BTreeMap;
use std::path::PathBuf;

use copilot_api::tokens::{Encoding, Tokenizer};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokens")
}

fn expected() -> Value {
    let path = fixtures().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn corpus_counts_equal_python_tiktoken() {
    let expected = expected();
    let files = expected["files"].as_object().unwrap();
    let on_disk = std::fs::read_dir(fixtures().join("corpus"))
        .unwrap()
        .count();
    assert_eq!(
        files.len(),
        on_disk,
        "expected.json is stale: rerun generate.py"
    );
    assert!(files.len() >= 15);
    let mut failures = BTreeMap::new();
    for (file, want) in files {
        let bytes = std::fs::read(fixtures().join("corpus").join(file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(
            text.chars().count() as u64,
            want["chars"].as_u64().unwrap(),
            "{file}: decoded length"
        );
        let replacements = text.chars().filter(|&c| c == '\u{fffd}').count() as u64;
        assert_eq!(
            replacements,
            want["replacement_chars"].as_u64().unwrap(),
            "{file}: lossy decoding differs"
        );
        for enc in Encoding::ALL {
            let got = Tokenizer::get(enc).count(&text) as u64;
            let want = want[enc.as_str()].as_u64().unwrap();
            if got != want {
                failures.insert(format!("{file} {enc}"), (got, want));
            }
            assert_eq!(
                Tokenizer::get(enc).encode(&text).len() as u64,
                got,
                "{file} {enc}: encode vs count"
            );
        }
    }
    assert!(failures.is_empty(), "(got, want): {failures:#?}");
    assert!(
        files["invalid_utf8.bin"]["replacement_chars"]
            .as_u64()
            .unwrap()
            > 10
    );
}

#[test]
fn short_string_ids_equal_python_tiktoken() {
    let expected = expected();
    let strings = expected["strings"].as_array().unwrap();
    assert!(strings.len() >= 20);
    for case in strings {
        let text = case["text"].as_str().unwrap();
        for enc in Encoding::ALL {
            let want: Vec<u32> = serde_json::from_value(case["ids"][enc.as_str()].clone()).unwrap();
            let tok = Tokenizer::get(enc);
            assert_eq!(tok.encode(text), want, "{enc} {text:?}");
            assert_eq!(tok.count(text), want.len(), "{enc} {text:?}");
            assert_eq!(tok.decode_bytes(&want).unwrap(), text.as_bytes());
        }
    }
}

/// Deterministic text mixing scripts, spacing, digits and symbols, in words of 0-60 chars.
fn generated_text(seed: u64, words: usize) -> String {
    const ALPHABET: &[&str] = &[
        "a",
        "e",
        "t",
        "o",
        "n",
        "s",
        "r",
        "th",
        "ing",
        "E",
        "T",
        "Qu",
        "é",
        "ß",
        "ø",
        "ǅ",
        "Ж",
        "ж",
        "Ω",
        "日",
        "本",
        "語",
        "の",
        "カ",
        "한",
        "ก",
        "\u{301}",
        "क्ष",
        "0",
        "7",
        "42",
        "٣",
        "½",
        "'",
        "'s",
        "'LL",
        "’",
        ".",
        ",",
        "!",
        "?",
        "/",
        "\\",
        "-",
        "_",
        "(",
        ")",
        "{",
        "}",
        "\"",
        "#",
        "<|endoftext|>",
        "😀",
        "👍🏽",
        "👨‍👩‍👧",
        "🇫🇷",
        "\u{fe0f}",
        "\u{200b}",
        "\u{a0}",
        "\u{3000}",
        "\t",
        "\r\n",
        "\n",
    ];
    const SEPARATORS: &[&str] = &[
        " ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "    ", "", "\r\n", " \n ",
    ];
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let mut text = String::new();
    for _ in 0..words {
        let len = next() % 12;
        for _ in 0..len {
            text.push_str(ALPHABET[next() % ALPHABET.len()]);
        }
        text.push_str(SEPARATORS[next() % SEPARATORS.len()]);
    }
    text
}

#[test]
fn ids_equal_tiktoken_rs_on_generated_text() {
    let cases: [(Encoding, fn() -> tiktoken_rs::CoreBPE); 3] = [
        (Encoding::O200kBase, || tiktoken_rs::o200k_base().unwrap()),
        (Encoding::Cl100kBase, || tiktoken_rs::cl100k_base().unwrap()),
        (Encoding::R50kBase, || tiktoken_rs::r50k_base().unwrap()),
    ];
    for (enc, reference) in cases {
        let reference = reference();
        let tok = Tokenizer::get(enc);
        for seed in 1..=40 {
            let text = generated_text(seed, 400);
            let want = reference.encode_ordinary(&text);
            let got = tok.encode(&text);
            assert!(
                got == want,
                "{enc} seed {seed}: first difference at id {}",
                first_difference(&got, &want)
            );
        }
    }
}

fn first_difference(a: &[u32], b: &[u32]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}
