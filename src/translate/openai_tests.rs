//! Tests of the OpenAI wire types: tolerance and exact serialization.

use super::*;
use serde_json::json;

fn request(messages: Value) -> ChatRequest {
    serde_json::from_value(json!({"model": "gpt-4.1", "messages": messages})).unwrap()
}

#[test]
fn request_round_trips_unknown_fields_and_skips_absent_ones() {
    let body = json!({
        "model": "gpt-4.1",
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "hi"},
                {"type": "input_audio", "input_audio": {"data": "..", "format": "wav"}}
            ], "x_custom": 1}
        ],
        "n": 2,
        "seed": 7,
        "stream": true,
        "stream_options": {"include_usage": true}
    });
    let req: ChatRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(req.extra.get("seed"), Some(&json!(7)));
    assert!(matches!(
        &req.messages[0].content,
        Some(MessageContent::Parts(p)) if matches!(p[1], ContentPart::Unknown(_))
    ));
    assert_eq!(serde_json::to_value(&req).unwrap(), body);
}

#[test]
fn nulls_are_accepted_and_not_sent_back() {
    let req: ChatRequest = serde_json::from_value(json!({
        "model": "m", "messages": [{"role": "assistant", "content": null}],
        "temperature": null
    }))
    .unwrap();
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"model": "m", "messages": [{"role": "assistant"}]})
    );
}

#[test]
fn has_images_looks_at_every_message() {
    assert!(!request(json!([{"role": "user", "content": "hi"}])).has_images());
    let req = request(json!([
        {"role": "user", "content": "hi"},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA", "detail": "low"}}
        ]}
    ]));
    assert!(req.has_images());
}

#[test]
fn chunk_with_copilot_reasoning_fields_parses() {
    let chunk: ChatChunk = serde_json::from_value(json!({
        "id": "x", "model": "claude-sonnet-4.5", "created": 1,
        "choices": [{"index": 0, "delta": {"content": null, "reasoning_text": "hm",
            "tool_calls": [{"index": 0, "function": {"arguments": "{\""}}]},
            "finish_reason": null, "logprobs": null}]
    }))
    .unwrap();
    let delta = &chunk.choices[0].delta;
    assert_eq!(delta.reasoning_text.as_deref(), Some("hm"));
    assert_eq!(delta.content, None);
    let args = delta.tool_calls.as_ref().unwrap()[0]
        .function
        .as_ref()
        .unwrap();
    assert_eq!(args.arguments.as_deref(), Some("{\""));
}

#[test]
fn response_usage_exposes_cached_tokens() {
    let resp: ChatResponse = serde_json::from_value(json!({
        "id": "c", "model": "m", "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
            "prompt_tokens_details": {"cached_tokens": 4}}
    }))
    .unwrap();
    assert_eq!(resp.usage.unwrap().cached_tokens(), Some(4));
}

#[test]
fn responses_and_chunks_read_in_one_pass_keep_unknown_fields() {
    let chunk: ChatChunk = serde_json::from_slice(
        br#"{"id": "c", "choices": [{"index": 1, "delta": {"content": "h\u00e9", "tool_calls": [{"index": 0, "type": "function", "function": {"arguments": "{}"}}]}, "finish_reason": null, "logprobs": null}],
            "usage": null, "system_fingerprint": "fp"}"#,
    )
    .unwrap();
    assert_eq!(chunk.choices[0].index, 1);
    assert_eq!(chunk.choices[0].delta.content.as_deref(), Some("hé"));
    let call = &chunk.choices[0].delta.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.kind.as_deref(), Some("function"));
    assert_eq!(
        call.function.as_ref().unwrap().arguments.as_deref(),
        Some("{}")
    );
    assert_eq!(chunk.extra["system_fingerprint"], "fp");
    assert!(chunk.choices[0].extra.contains_key("logprobs"));
    assert!(chunk.usage.is_none());
    let response: ChatResponse = serde_json::from_value(json!({"id": "r", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": [{"type": "text", "text": "a"}]}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 2}}}))
    .unwrap();
    assert!(matches!(
        response.choices[0].message.content.as_ref(),
        Some(MessageContent::Parts(parts)) if matches!(&parts[..], [ContentPart::Text { text, .. }] if text == "a")
    ));
    assert_eq!(
        response.usage.as_ref().and_then(Usage::cached_tokens),
        Some(2)
    );
}

#[test]
fn a_request_moved_into_json_equals_the_request_serialised() {
    let request: ChatRequest = serde_json::from_value(json!({
        "model": "gpt-4.1",
        "max_tokens": 100,
        "temperature": 0.5,
        "stream": true,
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "x_top": {"kept": true},
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [
                {"type": "text", "text": "look", "cache_control": {"type": "ephemeral"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high", "x": 1}},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                {"type": "input_audio", "input_audio": {"data": "..", "format": "wav"}}
            ], "name": "ann"},
            {"role": "assistant", "content": null, "reasoning_text": "hm", "reasoning_opaque": "sig",
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "done", "x_msg": [1, 2]},
            {"role": "assistant"}
        ]
    }))
    .unwrap();
    let serialised = serde_json::to_value(&request).unwrap();
    assert_eq!(Value::Object(request.into_map().unwrap()), serialised);
}

#[test]
fn a_completion_carries_what_openai_requires_and_everything_the_upstream_said() {
    let chat: ChatResponse = serde_json::from_value(json!({
        "id": "chatcmpl-1", "model": "claude", "object": "chat.completion.chunk",
        "system_fingerprint": "fp",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi.", "padding": "x"},
             "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "refusal": "no",
                "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                "reasoning_text": "hm", "reasoning_opaque": "sig"},
             "logprobs": {"content": []}, "finish_reason": "tool_calls", "x": 1}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    }))
    .unwrap();
    let written = serde_json::to_value(chat.as_completion(42)).unwrap();
    assert_eq!(
        written,
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 42, "model": "claude",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "Hi.", "refusal": null,
                    "padding": "x"}, "logprobs": null, "finish_reason": "stop"},
                {"index": 1, "message": {"role": "assistant", "content": null, "refusal": "no",
                    "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                    "reasoning_text": "hm", "reasoning_opaque": "sig"},
                 "logprobs": {"content": []}, "finish_reason": "tool_calls", "x": 1}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            "system_fingerprint": "fp"
        })
    );
    // Written once per key: the upstream's `object`, `logprobs` and `refusal` are not repeated.
    let text = serde_json::to_string(&chat.as_completion(42)).unwrap();
    for (key, times) in [("\"object\"", 1), ("\"logprobs\"", 2), ("\"refusal\"", 2)] {
        assert_eq!(text.matches(key).count(), times, "{key}");
    }
    // The upstream's own `created` is kept.
    let dated = ChatResponse {
        created: Some(7),
        ..chat
    };
    assert_eq!(
        serde_json::to_value(dated.as_completion(42)).unwrap()["created"],
        7
    );
}
