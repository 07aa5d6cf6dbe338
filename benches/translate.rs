//! Translator throughput: Anthropic request → OpenAI request, OpenAI response → Anthropic
//! response, and a whole streamed answer through `StreamTranslator`, on realistic Claude Code
//! sized payloads. Run with `cargo bench --bench translate`.

use std::hint::black_box;

use copilot_api::translate::anthropic::MessagesRequest;
use copilot_api::translate::openai::{ChatChunk, ChatResponse};
use copilot_api::translate::request::{TargetModel, anthropic_to_openai};
use copilot_api::translate::response::openai_to_anthropic;
use copilot_api::translate::stream::StreamTranslator;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// A Claude Code-like turn: long system prompt, 20 tools, 30 messages with tool round trips.
fn claude_code_request() -> Value {
    let tools: Vec<Value> = (0..20)
        .map(|i| {
            json!({"name": format!("Tool{i}"), "description": "Does a thing with a file. ".repeat(10),
                   "input_schema": {"type": "object", "properties": {"path": {"type": "string", "description": "Absolute path"},
                   "limit": {"type": "integer"}}, "required": ["path"]}})
        })
        .collect();
    let mut messages = vec![
        json!({"role": "user", "content": [{"type": "text", "text": "Fix the failing test in src/lib.rs", "cache_control": {"type": "ephemeral"}}]}),
    ];
    for i in 0..15 {
        messages.push(json!({"role": "assistant", "content": [
            {"type": "text", "text": "Let me look at the file."},
            {"type": "tool_use", "id": format!("toolu_{i}"), "name": "Tool1", "input": {"path": "/src/lib.rs"}}]}));
        messages.push(json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": format!("toolu_{i}"), "content": "fn main() {}\n".repeat(40)}]}));
    }
    json!({"model": "claude-sonnet-4-5-20250929", "max_tokens": 32000, "stream": true,
           "system": [{"type": "text", "text": "You are Claude Code. ".repeat(200), "cache_control": {"type": "ephemeral"}}],
           "messages": messages, "tools": tools, "metadata": {"user_id": "u"}})
}

fn bench(c: &mut Criterion) {
    let raw = serde_json::to_vec(&claude_code_request()).unwrap_or_default();
    let target = TargetModel {
        id: "claude-sonnet-4.5".into(),
        supports_thinking_budget: true,
        supports_reasoning_effort: false,
        max_output_tokens: Some(16000),
        replays_reasoning: false,
    };
    let mut group = c.benchmark_group("request");
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_function("parse+translate+serialize (25 KB Claude Code turn)", |b| {
        b.iter(|| {
            let req: MessagesRequest =
                serde_json::from_slice(black_box(&raw)).unwrap_or_else(|_| unreachable!());
            let chat = anthropic_to_openai(req, &target).unwrap_or_else(|_| unreachable!());
            black_box(serde_json::to_vec(&chat).unwrap_or_default())
        });
    });
    group.finish();

    let response: ChatResponse = serde_json::from_value(json!({
        "id": "chatcmpl-1", "model": "claude-sonnet-4.5",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Here is the fix. ".repeat(50)}, "finish_reason": "stop"},
                    {"index": 1, "message": {"role": "assistant", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "Edit", "arguments": "{\"path\":\"/a\",\"text\":\"x\"}"}}]}, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 12000, "completion_tokens": 300, "prompt_tokens_details": {"cached_tokens": 10000}}
    }))
    .unwrap_or_else(|_| unreachable!());
    c.bench_function("response: openai_to_anthropic", |b| {
        b.iter(|| black_box(openai_to_anthropic(black_box(&response), "claude-sonnet-4-5").ok()));
    });

    let chunks: Vec<ChatChunk> = (0..200)
        .map(|i| {
            serde_json::from_value(json!({"id": "m", "model": "claude-sonnet-4.5",
                "choices": [{"index": 0, "delta": {"content": format!("word{i} ")}}]}))
            .unwrap_or_else(|_| unreachable!())
        })
        .collect();
    c.bench_function("stream: 200 text chunks + finish", |b| {
        b.iter(|| {
            let mut t = StreamTranslator::new("claude-sonnet-4-5".into(), 0);
            let mut n = 0;
            for chunk in &chunks {
                n += t.push(chunk).len();
            }
            n += t.finish().len();
            black_box(n)
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
