//! The Anthropic surface end to end: model resolution, translation to chat completions and back
//! (JSON and streams), and the native `/v1/messages` passthrough.

use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{client, fixture, pieces, signed_in};
use crate::server::Proxy;

async fn messages(proxy: &Proxy, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/v1/messages?beta=true", proxy.url))
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,oauth-2025-04-20")
        .header("authorization", "Bearer dummy")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Parses an Anthropic SSE body into (event name, data) pairs.
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = String::new();
            let mut data = Value::Null;
            for line in block.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_owned();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(d).unwrap();
                }
            }
            (name, data)
        })
        .collect()
}

#[tokio::test]
async fn claude_code_style_stream_is_translated_event_by_event() {
    let ctx = signed_in();
    let body = fixture("copilot/claude_text_then_tool.sse");
    // Split every 5 bytes: cuts through JSON, lines and the multi-byte characters.
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(pieces(&body, 5), Duration::from_millis(1)),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = messages(&proxy, json!({
        "model": "claude-haiku-4-5-20251001",
        "max_tokens": 32000,
        "stream": true,
        "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "read /tmp/a.txt", "cache_control": {"type": "ephemeral"}}]}
        ],
        "tools": [{"name": "Read", "description": "Read a file", "input_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}],
        "metadata": {"user_id": "{\"device_id\":\"abc\"}"},
        "context_management": {"edits": []},
        "thinking": {"type": "disabled"}
    })).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let text = resp.text().await.unwrap();
    let evs = events(&text);
    let names: Vec<&str> = evs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ],
        "{text}"
    );
    let start = &evs[0].1["message"];
    assert_eq!(start["model"], "claude-haiku-4-5-20251001");
    assert_eq!(evs[3].1["delta"]["text"], "read it — ok ✓");
    assert_eq!(
        evs[5].1["content_block"],
        json!({"type": "tool_use", "id": "toolu_01", "name": "Read", "input": {}})
    );
    let args: String = evs[6..8]
        .iter()
        .map(|(_, d)| d["delta"]["partial_json"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&args).unwrap(),
        json!({"path": "/tmp/a.txt"})
    );
    assert_eq!(evs[9].1["delta"]["stop_reason"], "tool_use");
    assert_eq!(evs[9].1["usage"]["output_tokens"], 42);
    assert_eq!(evs[9].1["usage"]["input_tokens"], 200);
    assert_eq!(evs[9].1["usage"]["cache_read_input_tokens"], 1000);

    // What went upstream.
    let sent = &ctx.fake.requests("/copilot/chat/completions")[0];
    let chat = sent.json();
    assert_eq!(chat["model"], "claude-haiku-4.5");
    assert_eq!(
        chat["messages"][0],
        json!({"role": "system", "content": "You are Claude Code."})
    );
    assert_eq!(chat["tools"][0]["function"]["name"], "Read");
    assert_eq!(chat["stream"], true);
    assert_eq!(sent.header("x-initiator"), Some("user"));
    assert!(
        proxy.wait_for_log(
            "model=claude-haiku-4-5-20251001→claude-haiku-4.5",
            Duration::from_secs(5)
        ),
        "{}",
        proxy.log()
    );
}

#[tokio::test]
async fn non_streaming_translation_and_agent_turns() {
    let ctx = signed_in();
    ctx.fake.reply("/chat/completions", Reply::Json(200, json!({
        "id": "chatcmpl-9", "model": "claude-haiku-4.5", "created": 1,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Done."}, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "tool_calls": [{"id": "toolu_9", "type": "function", "function": {"name": "Bash", "arguments": "{\"cmd\":\"ls\"}"}}]}, "finish_reason": "tool_calls"}
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57}
    })));
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = messages(&proxy, json!({
        "model": "claude-haiku-4-5",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"cmd": "pwd"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "/home", "is_error": false}]}
        ]
    })).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "message");
    assert!(v["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(v["model"], "claude-haiku-4-5");
    assert_eq!(v["content"][0], json!({"type": "text", "text": "Done."}));
    assert_eq!(
        v["content"][1],
        json!({"type": "tool_use", "id": "toolu_9", "name": "Bash", "input": {"cmd": "ls"}})
    );
    assert_eq!(v["stop_reason"], "tool_use");
    assert_eq!(v["usage"]["input_tokens"], 50);
    assert_eq!(v["usage"]["output_tokens"], 7);
    let sent = &ctx.fake.requests("/copilot/chat/completions")[0];
    assert_eq!(sent.header("x-initiator"), Some("agent"));
    let msgs = sent.json()["messages"].clone();
    assert_eq!(msgs[2]["role"], "tool");
    assert_eq!(msgs[2]["tool_call_id"], "toolu_1");
}

#[tokio::test]
async fn a_truncated_stream_ends_with_an_error_event_not_a_fake_stop() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            vec![fixture("copilot/claude_truncated.sse")],
            Duration::from_millis(1),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = messages(&proxy, json!({"model": "claude-haiku-4.5", "max_tokens": 10, "stream": true, "messages": [{"role": "user", "content": "hi"}]})).await;
    let text = resp.text().await.unwrap();
    let evs = events(&text);
    let names: Vec<&str> = evs.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!names.contains(&"message_stop"), "{text}");
    assert_eq!(names.last(), Some(&"error"), "{text}");
    assert_eq!(evs.last().unwrap().1["error"]["type"], "api_error");
    assert!(
        proxy.wait_for_log(
            "200 model=claude-haiku-4.5 provider=copilot stream broken after",
            Duration::from_secs(5)
        ),
        "{}",
        proxy.log()
    );
    assert!(proxy.log().contains("WARN"), "{}", proxy.log());
}

#[tokio::test]
async fn native_messages_models_are_passed_through() {
    let ctx = signed_in();
    let sse = Bytes::from_static(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4.5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    ctx.fake.reply(
        "/v1/messages",
        Reply::Sse(pieces(&sse, 11), Duration::from_millis(1)),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = messages(&proxy, json!({
        "model": "claude-sonnet-4-5-20250929[1m]",
        "max_tokens": 32000,
        "stream": true,
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}, {"type": "text", "text": "what is this?"}]}]
    })).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap(), sse);
    let sent = &ctx.fake.requests("/copilot/v1/messages")[0];
    let body = sent.json();
    assert_eq!(body["model"], "claude-sonnet-4.5");
    assert_eq!(body["thinking"]["budget_tokens"], 2048);
    // Claude Code's 32000 is lowered to the model's 16000 output limit.
    assert_eq!(body["max_tokens"], 16000);
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(
        sent.header("anthropic-beta"),
        Some("interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14")
    );
    assert_eq!(sent.header("copilot-vision-request"), Some("true"));
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());
}

#[tokio::test]
async fn unknown_models_get_not_found_with_suggestions() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = messages(&proxy, json!({"model": "claude-sonet-4.5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})).await;
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "not_found_error");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("claude-sonet-4.5") && message.contains("claude-sonnet-4.5"),
        "{message}"
    );
}

#[tokio::test]
async fn config_aliases_resolve() {
    let ctx = signed_in();
    ctx.write_config("[model_aliases]\nhaiku = \"claude-haiku-4.5\"\n");
    ctx.fake.reply("/chat/completions", Reply::Json(200, json!({"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})));
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = messages(
        &proxy,
        json!({"model": "haiku", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        ctx.fake.requests("/copilot/chat/completions")[0].json()["model"],
        "claude-haiku-4.5"
    );
}

#[tokio::test]
async fn silent_upstreams_get_pings_and_mid_stream_errors_become_error_events() {
    let ctx = signed_in();
    let start = Bytes::from_static(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Thinking\",\"role\":\"assistant\"}}],\"id\":\"m1\",\"model\":\"claude-haiku-4.5\"}\n\n");
    let failure = Bytes::from_static(b"data: {\"error\":{\"message\":\"upstream model overloaded\",\"code\":\"overloaded\"}}\n\n");
    // 1.5 s of silence between the two pieces; pings every 0.5 s.
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(vec![start, failure], Duration::from_millis(1500)),
    );
    let proxy = Proxy::start(&ctx, &["--ping-interval", "0.5"], &[]);
    let resp = messages(&proxy, json!({"model": "claude-haiku-4.5", "max_tokens": 10, "stream": true, "messages": [{"role": "user", "content": "hi"}]})).await;
    let text = resp.text().await.unwrap();
    let evs = events(&text);
    let names: Vec<&str> = evs.iter().map(|(n, _)| n.as_str()).collect();
    let pings = names.iter().filter(|n| **n == "ping").count();
    assert!(pings >= 2, "{text}");
    assert_eq!(
        evs.iter().find(|(n, _)| n == "ping").unwrap().1,
        json!({"type": "ping"})
    );
    assert_eq!(names.last(), Some(&"error"), "{text}");
    assert_eq!(
        evs.last().unwrap().1["error"]["message"],
        "upstream model overloaded"
    );
    assert!(!names.contains(&"message_stop"));
}

#[tokio::test]
async fn count_tokens_answers_from_the_shared_counter() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let body = json!({"model": "claude-sonnet-4-5-20250929", "system": "You are terse.",
        "messages": [{"role": "user", "content": "How many tokens is this sentence?"}],
        "tools": [{"name": "Read", "description": "Read a file.", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}]});
    let resp = client()
        .post(format!("{}/v1/messages/count_tokens?beta=true", proxy.url))
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let n = v["input_tokens"].as_u64().unwrap();
    // The CLI counts the same payload to the same number.
    let path = ctx.root.path().join("req.json");
    std::fs::write(&path, body.to_string()).unwrap();
    let out = ctx
        .cmd()
        .args(["count-tokens", "--model", "claude-sonnet-4.5"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), n.to_string());
    assert!(n > 346, "tool overhead missing: {n}");
}
