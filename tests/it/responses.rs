//! The Responses API on models served only on chat completions (Codex on Claude or GPT-4o):
//! requests translated to chat, answers and streams translated back.

use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{post, signed_in};
use crate::server::Proxy;

#[tokio::test]
async fn a_responses_client_works_on_a_chat_only_model() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "chatcmpl-7", "object": "chat.completion", "created": 9, "model": "claude-haiku-4.5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "toolu_1", "type": "function", "function": {"name": "apply_patch", "arguments": "{\"input\":\"*** Begin Patch\"}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 8, "total_tokens": 38}})),
    );
    let stream = concat!(
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"All \"}}]}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"done.\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"id\":\"c2\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":3,\"total_tokens\":43}}\n\n",
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
    let tools = json!([{"type": "custom", "name": "apply_patch", "description": "Edit files"},
                       {"type": "function", "name": "shell", "parameters": {"type": "object", "properties": {}}}]);
    let resp = post(&proxy, "/v1/responses", json!({"model": "claude-haiku-4.5", "instructions": "Be Codex.",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix the bug"}]}],
        "tools": tools})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "response");
    assert_eq!(v["output"][0]["type"], "custom_tool_call");
    assert_eq!(v["output"][0]["input"], "*** Begin Patch");
    assert_eq!(v["usage"]["input_tokens"], 30);
    let sent = &ctx.fake.requests("/copilot/chat/completions")[0];
    let body = sent.json();
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "Be Codex."})
    );
    assert_eq!(body["tools"][0]["function"]["name"], "apply_patch");
    assert_eq!(sent.header("x-initiator"), Some("user"));

    // The tool's output goes back, streamed this time.
    let resp = post(&proxy, "/v1/responses", json!({"model": "claude-haiku-4.5", "stream": true,
        "input": [{"type": "message", "role": "user", "content": "fix the bug"},
                  {"type": "custom_tool_call", "call_id": "toolu_1", "name": "apply_patch", "input": "*** Begin Patch"},
                  {"type": "custom_tool_call_output", "call_id": "toolu_1", "output": "Done!"}],
        "tools": tools})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let text = resp.text().await.unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(names.first(), Some(&"response.created"));
    assert_eq!(names.last(), Some(&"response.completed"), "{text}");
    assert_eq!(
        names.iter().filter(|n| **n == "response.completed").count(),
        1
    );
    let completed: Value = serde_json::from_str(
        text.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .next_back()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        completed["response"]["output"][0]["content"][0]["text"],
        "All done."
    );
    assert_eq!(completed["response"]["usage"]["output_tokens"], 3);
    let sent = &ctx.fake.requests("/copilot/chat/completions")[1];
    assert_eq!(sent.header("x-initiator"), Some("agent"));
    let m = sent.json()["messages"].clone();
    assert_eq!(m[1]["tool_calls"][0]["id"], "toolu_1");
    assert_eq!(
        m[2],
        json!({"role": "tool", "tool_call_id": "toolu_1", "content": "Done!"})
    );

    // Built-in tools that only OpenAI runs are refused by name, before any upstream call.
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": "claude-haiku-4.5", "input": "hi",
        "tools": [{"type": "web_search"}]}),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("web_search"));
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), 2);
    assert!(
        proxy.wait_for_log(
            "POST /v1/responses 200 model=claude-haiku-4.5 provider=copilot stream",
            Duration::from_secs(5)
        ),
        "{}",
        proxy.log()
    );
}
