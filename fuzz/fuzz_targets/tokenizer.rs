#![no_main]
//! Our tokenizer against tiktoken-rs: the same ids for any text, in every encoding.

use std::sync::LazyLock;

use copilot_api::tokens::{Encoding, Tokenizer};

static REFERENCE: LazyLock<Vec<(Encoding, tiktoken_rs::CoreBPE)>> = LazyLock::new(|| {
    vec![
        (Encoding::O200kBase, tiktoken_rs::o200k_base().expect("o200k_base")),
        (Encoding::Cl100kBase, tiktoken_rs::cl100k_base().expect("cl100k_base")),
        (Encoding::R50kBase, tiktoken_rs::r50k_base().expect("r50k_base")),
    ]
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (encoding, reference) in REFERENCE.iter() {
        let ours = Tokenizer::get(*encoding).encode(text);
        assert_eq!(ours, reference.encode_ordinary(text), "{encoding} on {text:?}");
        assert_eq!(Tokenizer::get(*encoding).count(text), ours.len());
    }
});
