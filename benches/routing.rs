//! Routing + dispatch per request, without the network: resolving the model against the
//! routing table and the catalogues, choosing the upstream shape, and building the body (the
//! model id rewritten when the route names another). Run with `cargo bench --bench routing`.

use std::hint::black_box;

use axum::body::Bytes;
use copilot_api::bench::Routing;
use criterion::{Criterion, criterion_group, criterion_main};

const CONFIG: &str = r#"
[providers.openai]
kind = "openai-compatible"
base_url = "http://127.0.0.1:9/v1"
models = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o3", "o4-mini", "text-embedding-3-small"]
[providers.local]
kind = "openai-compatible"
base_url = "http://127.0.0.1:9/v1"
models = ["qwen3-coder", "llama-3.3-70b", "deepseek-r1"]
[providers.claude]
kind = "openai-compatible"
base_url = "http://127.0.0.1:9/v1"
models = ["claude-sonnet-4.5", "claude-opus-4.5", "claude-haiku-4.5"]
[model_aliases]
fast = "gpt-4o-mini"
[[routes]]
match = "gpt-4o*"
targets = [{ provider = "openai", priority = 1, weight = 3 }, { provider = "local", model = "qwen3-coder", priority = 1 }]
[[routes]]
match = "o?"
targets = [{ provider = "openai" }]
[[routes]]
match = "claude-*-4*"
targets = [{ provider = "claude" }]
[[routes]]
match = "~coder"
targets = [{ provider = "local", model = "qwen3-coder" }]
[[routes]]
match = "big"
targets = [{ provider = "local", model = "llama-3.3-70b" }]
"#;

fn bench(c: &mut Criterion) {
    let routing = Routing::new(CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let body = Bytes::from(
        serde_json::json!({"model": "gpt-4o-mini", "messages": [
            {"role": "system", "content": "You are a helpful assistant. ".repeat(20)},
            {"role": "user", "content": "Write a function that reverses a string."}
        ], "temperature": 0.2})
        .to_string(),
    );
    for model in [
        "gpt-4o-mini",
        "claude-sonnet-4-5-20250929",
        "llama-3.3-70b",
        "local/qwen3-coder",
    ] {
        assert!(routing.chat(model, &body) > 0, "{model} did not route");
    }
    let mut group = c.benchmark_group("routing+dispatch");
    group.bench_function("glob route, model rewritten", |b| {
        b.iter(|| routing.chat(black_box("gpt-4o-mini"), black_box(&body)))
    });
    group.bench_function("glob route, dated name normalised", |b| {
        b.iter(|| routing.chat(black_box("claude-sonnet-4-5-20250929"), black_box(&body)))
    });
    group.bench_function("no route: merged catalogues", |b| {
        b.iter(|| routing.chat(black_box("llama-3.3-70b"), black_box(&body)))
    });
    group.bench_function("provider/model, body untouched", |b| {
        b.iter(|| routing.chat(black_box("local/qwen3-coder"), black_box(&body)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
