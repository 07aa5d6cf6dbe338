//! Translator throughput: Anthropic request → OpenAI request, OpenAI response → Anthropic
//! response, and a whole streamed answer through `StreamTranslator`, on realistic Claude Code
//! sized payloads; then every translated pair on a 1 MB long session (history, tool results,
//! base64 images), and the upstream stream decoders per event. Run with
//! `cargo bench --bench translate`.

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

/// A 1 MB Claude Code-shaped session: 120 tool round trips with 6 KB results, and four
/// screenshots as base64.
fn long_session() -> Value {
    let mut request = claude_code_request();
    let image = "iVBORw0KGgo".repeat(4_000);
    let messages = request["messages"]
        .as_array_mut()
        .unwrap_or_else(|| unreachable!());
    messages.truncate(1);
    for i in 0..120 {
        messages.push(json!({"role": "assistant", "content": [
            {"type": "text", "text": "Reading the next file."},
            {"type": "tool_use", "id": format!("toolu_{i}"), "name": "Tool1", "input": {"path": format!("/src/m{i}.rs")}}]}));
        let mut result =
            vec![json!({"type": "text", "text": "pub fn f() -> u32 { 42 }\n".repeat(240)})];
        if i % 30 == 0 {
            result.push(json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image}}));
        }
        messages.push(json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": format!("toolu_{i}"), "content": result}]}));
    }
    request
}

/// Every translated pair on the 1 MB session: parse, translate, serialise.
fn pairs(c: &mut Criterion) {
    use copilot_api::translate::{responses, via_messages, via_responses};
    let raw = serde_json::to_vec(&long_session()).unwrap_or_default();
    let target = TargetModel {
        id: "gpt-5-codex".into(),
        supports_thinking_budget: false,
        supports_reasoning_effort: true,
        max_output_tokens: Some(128_000),
        replays_reasoning: true,
    };
    let claude = via_messages::Target {
        id: "claude-sonnet-4.5".into(),
        max_output: Some(32_000),
    };
    // As the server does: the typed chat request is written as it is for a chat upstream,
    // and moved into JSON for the translators towards Responses and Messages.
    let typed = |raw: &[u8]| {
        let req: MessagesRequest = serde_json::from_slice(raw).unwrap_or_else(|_| unreachable!());
        anthropic_to_openai(req, &target).unwrap_or_else(|_| unreachable!())
    };
    let to_chat = |raw: &[u8]| typed(raw).into_map().unwrap_or_default();
    let chat_raw = serde_json::to_vec(&to_chat(&raw)).unwrap_or_default();
    let responses_raw = serde_json::to_vec(
        &via_responses::request(to_chat(&raw), "gpt-5-codex").unwrap_or_else(|_| unreachable!()),
    )
    .unwrap_or_default();
    let mut group = c.benchmark_group("pair (1 MB session)");
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.sample_size(30);
    // The floor every pair stands on: the same bytes parsed and written again, untranslated.
    group.bench_function("floor: parse + serialise", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_slice(black_box(&raw)).unwrap_or_default();
            black_box(serde_json::to_vec(&value).unwrap_or_default())
        });
    });
    group.bench_function("messages -> chat", |b| {
        b.iter(|| black_box(serde_json::to_vec(&typed(black_box(&raw))).unwrap_or_default()));
    });
    group.bench_function("messages -> responses", |b| {
        b.iter(|| {
            let out = via_responses::request(to_chat(black_box(&raw)), "gpt-5-codex");
            black_box(serde_json::to_vec(&out.ok()).unwrap_or_default())
        });
    });
    let parse = |raw: &[u8]| -> serde_json::Map<String, Value> {
        serde_json::from_slice(raw).unwrap_or_else(|_| unreachable!())
    };
    group.bench_function("chat -> responses", |b| {
        b.iter(|| {
            let out = via_responses::request(parse(black_box(&chat_raw)), "gpt-5-codex");
            black_box(serde_json::to_vec(&out.ok()).unwrap_or_default())
        });
    });
    group.bench_function("chat -> messages", |b| {
        b.iter(|| {
            let out = via_messages::request(parse(black_box(&chat_raw)), &claude);
            black_box(serde_json::to_vec(&out.ok()).unwrap_or_default())
        });
    });
    group.bench_function("responses -> chat", |b| {
        b.iter(|| {
            let out = responses::to_chat(parse(black_box(&responses_raw)), "gpt-4o");
            black_box(serde_json::to_vec(&out.ok().map(|(chat, _)| chat)).unwrap_or_default())
        });
    });
    group.bench_function("responses -> messages", |b| {
        b.iter(|| {
            let (chat, _) = responses::to_chat(parse(black_box(&responses_raw)), "claude")
                .unwrap_or_else(|_| unreachable!());
            let Value::Object(chat) = chat else {
                unreachable!()
            };
            let out = via_messages::request(chat, &claude);
            black_box(serde_json::to_vec(&out.ok()).unwrap_or_default())
        });
    });
    group.finish();

    // Upstream stream events decoded into chat chunks (the JSON parse included), per event.
    let responses_events: Vec<String> = (0..200)
        .map(|i| json!({"type": "response.output_text.delta", "sequence_number": i, "output_index": 0, "content_index": 0, "item_id": "msg_1", "delta": format!("word{i} ")}).to_string())
        .collect();
    let messages_events: Vec<String> = (0..200)
        .map(|i| json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": format!("word{i} ")}}).to_string())
        .collect();
    let mut group = c.benchmark_group("decode 200 events");
    group.throughput(Throughput::Elements(200));
    group.bench_function("responses events -> chat chunks", |b| {
        b.iter(|| {
            let mut source = copilot_api::translate::Source::Responses(
                via_responses::Decoder::new("gpt-5-codex".into()),
            );
            let mut n = 0;
            for data in &responses_events {
                n += source.decode(black_box(data)).len();
            }
            black_box(n)
        });
    });
    group.bench_function("messages events -> chat chunks", |b| {
        b.iter(|| {
            let mut source = copilot_api::translate::Source::Messages(via_messages::Decoder::new(
                "claude".into(),
            ));
            let mut n = 0;
            for data in &messages_events {
                n += source.decode(black_box(data)).len();
            }
            black_box(n)
        });
    });
    // The translation alone, on events already parsed (as the chat → Messages figure above is
    // measured on parsed chunks).
    let parsed = |events: &[String]| -> Vec<Value> {
        events
            .iter()
            .map(|e| serde_json::from_str(e).unwrap_or_default())
            .collect()
    };
    let (responses_values, messages_values) = (parsed(&responses_events), parsed(&messages_events));
    group.bench_function("responses events -> chat chunks, parsed", |b| {
        b.iter(|| {
            let mut decoder = via_responses::Decoder::new("gpt-5-codex".into());
            let mut n = 0;
            for event in &responses_values {
                n += decoder.push(black_box(event)).len();
            }
            black_box(n)
        });
    });
    group.bench_function("messages events -> chat chunks, parsed", |b| {
        b.iter(|| {
            let mut decoder = via_messages::Decoder::new("claude".into());
            let mut n = 0;
            for event in &messages_values {
                n += decoder.push(black_box(event)).len();
            }
            black_box(n)
        });
    });
    group.finish();
}

criterion_group!(benches, bench, pairs);
criterion_main!(benches);
