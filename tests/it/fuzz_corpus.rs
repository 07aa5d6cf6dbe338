//! The fuzz corpus (`fuzz/corpus/TARGET/`, minimised, findings included) replayed through the
//! same entry points the `cargo fuzz` targets call, on the stable toolchain: every input that
//! once broke something, and everything coverage-guided fuzzing found interesting, stays checked.

use std::path::Path;

use copilot_api::tokens::{Encoding, Tokenizer};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            (path.display().to_string(), data)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no corpus for {target}");
    out
}

#[test]
fn every_target_holds_on_its_corpus() {
    for (target, run) in copilot_api::fuzz::TARGETS {
        for (name, data) in inputs(target) {
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target}: {name} fails");
        }
    }
}

#[test]
fn the_tokenizer_equals_tiktoken_rs_on_its_corpus() {
    let references = [
        (Encoding::O200kBase, tiktoken_rs::o200k_base().unwrap()),
        (Encoding::Cl100kBase, tiktoken_rs::cl100k_base().unwrap()),
        (Encoding::R50kBase, tiktoken_rs::r50k_base().unwrap()),
    ];
    for (name, data) in inputs("tokenizer") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        for (encoding, reference) in &references {
            assert_eq!(
                Tokenizer::get(*encoding).encode(text),
                reference.encode_ordinary(text),
                "{encoding}: {name}"
            );
        }
    }
}
