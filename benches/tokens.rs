//! Criterion benchmarks of `tokens`: 10 MiB encode throughput (o200k_base, cl100k_base)
//! and get-plus-first-count latency of a one-liner.
//!
//! The 10 MiB input is built like `benches/tiktoken_baseline.py` builds it for Python
//! `tiktoken` (corpus files in name order, lossily decoded, concatenated, repeated up
//! to 10 MiB), so the MB/s figures compare directly. Run: `cargo bench --bench tokens`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use copilot_api::tokens::{Encoding, Tokenizer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TARGET_BYTES: usize = 10 * 1024 * 1024;

fn bench_input() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokens/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let base: String = files
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned())
        .collect();
    assert!(!base.is_empty(), "corpus not found in {}", dir.display());
    let mut text = base.clone();
    while text.len() < TARGET_BYTES {
        text.push_str(&base);
    }
    text
}

#[expect(
    clippy::print_stderr,
    reason = "reports the counts to compare with Python"
)]
fn throughput(c: &mut Criterion) {
    let text = bench_input();
    let mut group = c.benchmark_group("encode_10MiB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for enc in [Encoding::O200kBase, Encoding::Cl100kBase] {
        let tok = Tokenizer::get(enc);
        eprintln!("{enc}: {} bytes -> {} tokens", text.len(), tok.count(&text));
        group.bench_function(format!("{enc}/encode"), |b| {
            b.iter(|| tok.encode(black_box(&text)))
        });
        group.bench_function(format!("{enc}/count"), |b| {
            b.iter(|| tok.count(black_box(&text)))
        });
    }
    group.finish();
}

const LINE: &str = "How many tokens does this one-line prompt use, exactly?";

/// Cold get + first count, once per encoding: the tokenizers are process-wide and
/// cannot be reset, so this runs first and reports a single sample per encoding (the
/// whole-process figure comes from `examples/count_one.rs`).
#[expect(clippy::print_stderr, reason = "reports one-shot timings")]
fn cold_start(_: &mut Criterion) {
    for enc in Encoding::ALL {
        let start = std::time::Instant::now();
        let n = Tokenizer::get(enc).count(black_box(LINE));
        eprintln!(
            "cold get + first count, {enc}: {:.3} ms ({n} tokens)",
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}

fn one_liner(c: &mut Criterion) {
    let line = LINE;
    let mut group = c.benchmark_group("one_liner");
    for enc in [Encoding::O200kBase, Encoding::Cl100kBase] {
        let tok = Tokenizer::get(enc);
        group.bench_function(format!("{enc}/count"), |b| {
            b.iter(|| tok.count(black_box(line)))
        });
    }
    group.finish();
}

criterion_group!(benches, cold_start, throughput, one_liner);
criterion_main!(benches);
