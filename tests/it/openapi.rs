//! Translated answers on the OpenAI surfaces checked against OpenAI's published schemas
//! (`tests/fixtures/openai/schemas.json`, extracted from `openai/openai-openapi`): what a
//! client generated from that spec would reject, these tests reject.

use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{post, signed_in};
use crate::server::Proxy;

/// Checks `value` against the schema `name`; the failures listed when it does not hold.
fn check(name: &str, value: &Value) {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/openai/schemas.json")).unwrap();
    let schema = json!({"$defs": fixture["$defs"], "$ref": format!("#/$defs/{name}")});
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} rejects {value:#}:\n{}",
        errors.join("\n")
    );
}

/// The `data:` payloads of an SSE body, `[DONE]` left out.
fn data(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|l| *l != "[DONE]")
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Responses stream events the schema file describes (the union `ResponseStreamEvent`).
const DESCRIBED_EVENTS: [&str; 14] = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.completed",
    "response.incomplete",
    "response.failed",
    "error",
];

#[tokio::test]
async fn translated_answers_match_openais_schemas() {
    let ctx = signed_in();
    // Chat answers from a Responses upstream, whole and streamed.
    ctx.fake.reply(
        "/responses",
        Reply::Json(200, json!({"id": "resp_1", "object": "response", "created_at": 7, "status": "completed",
            "output": [
                {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Plan."}], "encrypted_content": "E"},
                {"type": "message", "id": "m", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "Hi.", "annotations": []}]},
                {"type": "function_call", "id": "fc", "call_id": "call_1", "name": "Bash", "arguments": "{}", "status": "completed"}],
            "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 2}, "output_tokens": 3, "output_tokens_details": {"reasoning_tokens": 1}}})),
    );
    let events = [
        json!({"type": "response.created", "response": {"id": "resp_2", "created_at": 5, "output": []}}),
        json!({"type": "response.output_text.delta", "output_index": 0, "delta": "Hel"}),
        json!({"type": "response.output_text.delta", "output_index": 0, "delta": "lo"}),
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "function_call", "call_id": "c", "name": "Bash", "arguments": ""}}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 1, "delta": "{}"}),
        json!({"type": "response.completed", "response": {"id": "resp_2", "status": "completed", "usage": {"input_tokens": 4, "output_tokens": 2}}}),
    ];
    let body: String = events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()))
        .collect();
    ctx.fake.reply(
        "/responses",
        Reply::Sse(vec![Bytes::from(body)], Duration::from_millis(1)),
    );
    // Legacy completions from chat.
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, crate::proxy::chat_answer("gpt-4o", " a time")),
    );
    // Responses answers from chat (Claude through Copilot's chat), whole and streamed, with
    // reasoning and a tool call.
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "chatcmpl-3", "object": "chat.completion", "created": 3, "model": "claude-haiku-4.5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sure.", "reasoning_text": "Think.", "reasoning_opaque": "SIG",
                "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "shell", "arguments": "{\"command\":[\"ls\"]}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 8, "total_tokens": 38}})),
    );
    let stream = concat!(
        "data: {\"id\":\"c4\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_text\":\"Hm.\"}}]}\n\n",
        "data: {\"id\":\"c4\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_opaque\":\"SIG\"}}]}\n\n",
        "data: {\"id\":\"c4\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"All \"}}]}\n\n",
        "data: {\"id\":\"c4\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"done.\"}}]}\n\n",
        "data: {\"id\":\"c4\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\",\"type\":\"function\",\"function\":{\"name\":\"shell\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"id\":\"c4\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":3,\"total_tokens\":43}}\n\n",
        "data: [DONE]\n\n",
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            vec![Bytes::from_static(stream.as_bytes())],
            Duration::from_millis(1),
        ),
    );
    // A passthrough answer as Copilot sends it: no `refusal`, no `logprobs`.
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "chatcmpl-p", "created": 1, "model": "gpt-4o-2024-11-20",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}})),
    );
    // A passthrough stream as Copilot sends it: no `object`, no `finish_reason` until the end,
    // a first chunk with no choices; Claude's split choices for another.
    let stream = concat!(
        "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"prompt_filter_results\":[]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\",\"role\":\"assistant\"}}],\"created\":1,\"id\":\"c5\",\"model\":\"gpt-4o-2024-11-20\"}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{}}],\"created\":1,\"id\":\"c5\",\"model\":\"gpt-4o-2024-11-20\"}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}},{\"index\":1,\"delta\":{\"content\":\"?\"}}],\"created\":1,\"id\":\"c5\",\"model\":\"gpt-4o-2024-11-20\"}\n\n",
        "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{\"content\":null}}],\"created\":1,\"id\":\"c5\",\"model\":\"gpt-4o-2024-11-20\"}\n\n",
        "data: [DONE]\n\n",
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            vec![Bytes::from_static(stream.as_bytes())],
            Duration::from_millis(1),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let tools = json!([{"type": "function", "function": {"name": "Bash", "parameters": {"type": "object"}}}]);

    let v: Value = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-5.1-codex", "tools": tools,
        "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    check("CreateChatCompletionResponse", &v);

    let text = post(&proxy, "/v1/chat/completions", json!({"model": "gpt-5.1-codex", "stream": true,
        "stream_options": {"include_usage": true}, "tools": tools, "messages": [{"role": "user", "content": "hi"}]}))
    .await
    .text()
    .await
    .unwrap();
    let chunks = data(&text);
    assert!(chunks.len() >= 4, "{text}");
    for chunk in &chunks {
        check("CreateChatCompletionStreamResponse", chunk);
    }

    let v: Value = post(
        &proxy,
        "/v1/completions",
        json!({"model": "gpt-4o", "prompt": "Once upon", "max_tokens": 3}),
    )
    .await
    .json()
    .await
    .unwrap();
    check("CreateCompletionResponse", &v);

    let responses_tools =
        json!([{"type": "function", "name": "shell", "parameters": {"type": "object"}}]);
    let v: Value = post(
        &proxy,
        "/v1/responses",
        json!({"model": "claude-haiku-4.5", "input": "list", "tools": responses_tools}),
    )
    .await
    .json()
    .await
    .unwrap();
    check("Response", &v);
    check("ResponseUsage", &v["usage"]);

    let text = post(&proxy, "/v1/responses", json!({"model": "claude-haiku-4.5", "stream": true, "input": "list", "tools": responses_tools}))
        .await
        .text()
        .await
        .unwrap();
    let events = data(&text);
    let mut checked = 0;
    for event in &events {
        if DESCRIBED_EVENTS.contains(&event["type"].as_str().unwrap_or("")) {
            check("ResponseStreamEvent", event);
            checked += 1;
        }
    }
    assert!(checked >= 10, "{text}");
    let completed = events.last().unwrap();
    assert_eq!(completed["type"], "response.completed");
    check("ResponseUsage", &completed["response"]["usage"]);

    let v: Value = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    check("CreateChatCompletionResponse", &v);

    let text = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "stream": true, "n": 2,
        "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await
    .text()
    .await
    .unwrap();
    let chunks = data(&text);
    assert_eq!(chunks.len(), 4, "the preamble is not passed on: {text}");
    for chunk in &chunks {
        check("CreateChatCompletionStreamResponse", chunk);
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["content"], "Hi");
    assert_eq!(chunks[2]["choices"][1]["delta"]["content"], "?");
    assert_eq!(chunks[3]["choices"][0]["finish_reason"], "stop");
}
