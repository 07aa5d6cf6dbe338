//! Every client on every model, through the binary: chat and Messages clients on a model
//! served only on `/responses`, chat and Responses clients on a model served only on
//! `/v1/messages` — requests translated, answers and streams translated back, a cut stream
//! ending in the client's error event.

use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{post, signed_in};
use crate::server::Proxy;
use crate::support::TestContext;

/// A Claude model Copilot serves only on `/v1/messages`.
const MESSAGES_ONLY: &str = "claude-opus-4.5";

fn with_messages_only_model(ctx: &TestContext) {
    ctx.fake.with(|s| {
        s.models["data"].as_array_mut().unwrap().push(json!(
            {"id": MESSAGES_ONLY, "name": "Claude Opus 4.5", "vendor": "Anthropic",
             "capabilities": {"family": "claude-opus-4.5", "type": "chat", "tokenizer": "o200k_base",
                "limits": {"max_context_window_tokens": 200000, "max_output_tokens": 32000},
                "supports": {"tool_calls": true, "vision": true}},
             "supported_endpoints": ["/v1/messages"]}
        ));
    });
}

/// An SSE body of `event:`/`data:` pairs.
fn sse(events: &[Value]) -> Bytes {
    let mut out = String::new();
    for e in events {
        out.push_str(&format!(
            "event: {}\ndata: {e}\n\n",
            e["type"].as_str().unwrap()
        ));
    }
    Bytes::from(out)
}

/// `data:` payloads of an SSE body.
fn data_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect()
}

fn responses_stream() -> Vec<Value> {
    vec![
        json!({"type": "response.created", "sequence_number": 0, "response": {"id": "resp_s1", "created_at": 5, "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 2, "output_index": 0, "delta": "Look at the files."}),
        json!({"type": "response.output_item.done", "sequence_number": 3, "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Look at the files."}], "encrypted_content": "ENCRYPTED"}}),
        json!({"type": "response.output_item.added", "sequence_number": 4, "output_index": 1, "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []}}),
        json!({"type": "response.output_text.delta", "sequence_number": 5, "output_index": 1, "content_index": 0, "delta": "Listing "}),
        json!({"type": "response.output_text.delta", "sequence_number": 6, "output_index": 1, "content_index": 0, "delta": "them."}),
        json!({"type": "response.output_item.added", "sequence_number": 7, "output_index": 2, "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "Bash", "arguments": ""}}),
        json!({"type": "response.function_call_arguments.delta", "sequence_number": 8, "output_index": 2, "delta": "{\"command\":\"ls\"}"}),
        json!({"type": "response.completed", "sequence_number": 9, "response": {"id": "resp_s1", "status": "completed", "output": [],
            "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 10}, "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 8}}}}),
    ]
}

#[tokio::test]
async fn a_chat_client_works_on_a_responses_only_model() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/responses",
        Reply::Json(200, json!({"id": "resp_1", "object": "response", "created_at": 7, "status": "completed", "model": "gpt-5.1-codex",
            "output": [
                {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "Hi there.", "annotations": []}]}
            ],
            "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 3, "output_tokens_details": {"reasoning_tokens": 0}}})),
    );
    ctx.fake.reply(
        "/responses",
        Reply::Sse(vec![sse(&responses_stream())], Duration::from_millis(1)),
    );
    ctx.fake.reply(
        "/responses",
        Reply::SseThenCut(vec![sse(&responses_stream()[..6])]),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    let resp = post(&proxy, "/v1/chat/completions", json!({"model": "gpt-5.1-codex",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}],
        "max_tokens": 300})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["message"]["content"], "Hi there.");
    assert_eq!(v["choices"][0]["message"]["refusal"], Value::Null);
    assert_eq!(v["choices"][0]["logprobs"], Value::Null);
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(v["usage"]["prompt_tokens"], 12);
    let sent = ctx.fake.requests("/copilot/responses")[0].json();
    assert_eq!(sent["instructions"], "Be brief.");
    assert_eq!(
        sent["input"],
        json!([{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]}])
    );
    assert_eq!(sent["max_output_tokens"], 300);
    assert_eq!(sent["store"], false);

    // Streamed, with the usage chunk the client asked for.
    let resp = post(&proxy, "/v1/chat/completions", json!({"model": "gpt-5.1-codex", "stream": true,
        "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "list the files"}],
        "tools": [{"type": "function", "function": {"name": "Bash", "parameters": {"type": "object"}}}]})).await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let lines = data_lines(&text);
    assert_eq!(lines.last(), Some(&"[DONE]"), "{text}");
    let chunks: Vec<Value> = lines[..lines.len() - 1]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, "Listing them.");
    let reasoning: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["reasoning_text"].as_str())
        .collect();
    assert_eq!(reasoning, "Look at the files.");
    let call = chunks
        .iter()
        .find_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["id"].as_str())
        .unwrap();
    assert_eq!(call, "call_1");
    let finishes: Vec<&str> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["finish_reason"].as_str())
        .collect();
    assert_eq!(finishes, ["tool_calls"]);
    assert_eq!(chunks.last().unwrap()["usage"]["prompt_tokens"], 50);
    let sent = ctx.fake.requests("/copilot/responses")[1].json();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["tools"][0]["name"], "Bash");

    // A stream the upstream cuts ends with chat's error line, never `[DONE]`.
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-5.1-codex", "stream": true,
        "messages": [{"role": "user", "content": "again"}]}),
    )
    .await;
    let text = resp.text().await.unwrap();
    assert!(!text.contains("[DONE]"), "{text}");
    let last: Value = serde_json::from_str(data_lines(&text).last().unwrap()).unwrap();
    assert!(last["error"]["message"].is_string(), "{text}");

    // What Responses cannot do is refused before any upstream call, in OpenAI's shape.
    let before = ctx.fake.requests("/copilot/responses").len();
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-5.1-codex",
        "messages": [{"role": "user", "content": "hi"}], "stop": ["END"]}),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("stop"),
        "{v}"
    );
    assert_eq!(ctx.fake.requests("/copilot/responses").len(), before);
}

#[tokio::test]
async fn a_messages_client_works_on_a_responses_only_model_with_reasoning_across_turns() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/responses",
        Reply::Sse(vec![sse(&responses_stream())], Duration::from_millis(1)),
    );
    ctx.fake.reply(
        "/responses",
        Reply::Json(200, json!({"id": "resp_2", "object": "response", "status": "completed",
            "output": [{"type": "message", "id": "m", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "Two files.", "annotations": []}]}],
            "usage": {"input_tokens": 90, "output_tokens": 4}})),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let tools = json!([{"name": "Bash", "description": "Runs a command", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}]);
    let resp = post(
        &proxy,
        "/v1/messages",
        json!({"model": "gpt-5.1-codex", "max_tokens": 4000, "stream": true,
        "thinking": {"type": "enabled", "budget_tokens": 3000},
        "messages": [{"role": "user", "content": "list the files"}], "tools": tools}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let events: Vec<Value> = data_lines(&text)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "message_start");
    assert_eq!(events.last().unwrap()["type"], "message_stop", "{text}");
    // message_start carries the exact local count (what count_tokens answers), not 0.
    let counted: Value = post(
        &proxy,
        "/v1/messages/count_tokens",
        json!({"model": "gpt-5.1-codex",
        "messages": [{"role": "user", "content": "list the files"}], "tools": tools}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(counted["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        events[0]["message"]["usage"]["input_tokens"], counted["input_tokens"],
        "{text}"
    );
    let signature = events
        .iter()
        .find_map(|e| e["delta"]["signature"].as_str())
        .unwrap();
    let thinking: String = events
        .iter()
        .filter_map(|e| e["delta"]["thinking"].as_str())
        .collect();
    assert_eq!(thinking, "Look at the files.");
    let tool = events
        .iter()
        .find(|e| e["content_block"]["type"] == "tool_use")
        .unwrap();
    assert_eq!(tool["content_block"]["id"], "call_1");
    let stop = events
        .iter()
        .find(|e| e["type"] == "message_delta")
        .unwrap();
    assert_eq!(stop["delta"]["stop_reason"], "tool_use");
    assert_eq!(stop["usage"]["output_tokens"], 20);
    let sent = ctx.fake.requests("/copilot/responses")[0].json();
    assert_eq!(sent["reasoning"]["effort"], "medium");
    assert_eq!(sent["tools"][0]["name"], "Bash");
    assert_eq!(
        sent["tools"][0]["parameters"]["properties"]["command"]["type"],
        "string"
    );

    // The next turn sends the thinking block back: the reasoning item it came from goes
    // upstream again, then the call and its result.
    let resp = post(&proxy, "/v1/messages", json!({"model": "gpt-5.1-codex", "max_tokens": 4000,
        "thinking": {"type": "enabled", "budget_tokens": 3000}, "tools": tools,
        "messages": [
            {"role": "user", "content": "list the files"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": thinking, "signature": signature},
                {"type": "text", "text": "Listing them."},
                {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "a.txt b.txt"}]}
        ]})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["content"][0]["text"], "Two files.");
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(v["usage"]["input_tokens"], 90);
    let sent = ctx.fake.requests("/copilot/responses")[1].json();
    let input = sent["input"].as_array().unwrap();
    let kinds: Vec<&str> = input.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "message",
            "reasoning",
            "message",
            "function_call",
            "function_call_output"
        ]
    );
    assert_eq!(input[1]["id"], "rs_1");
    assert_eq!(input[1]["encrypted_content"], "ENCRYPTED");
    assert_eq!(input[4]["output"], "a.txt b.txt");
}

fn messages_stream() -> Vec<Value> {
    vec![
        json!({"type": "message_start", "message": {"id": "msg_s", "type": "message", "role": "assistant", "content": [], "model": MESSAGES_ONLY, "usage": {"input_tokens": 30, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Patching."}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "apply_patch", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"input\":\"*** Begin Patch\"}"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 25}}),
        json!({"type": "message_stop"}),
    ]
}

#[tokio::test]
async fn responses_and_chat_clients_work_on_a_messages_only_model() {
    let ctx = signed_in();
    with_messages_only_model(&ctx);
    ctx.fake.reply(
        "/v1/messages",
        Reply::Sse(vec![sse(&messages_stream())], Duration::from_millis(1)),
    );
    ctx.fake.reply(
        "/v1/messages",
        Reply::Json(
            200,
            json!({"id": "msg_2", "type": "message", "role": "assistant", "model": MESSAGES_ONLY,
            "content": [{"type": "text", "text": "Bonjour."}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 11, "cache_read_input_tokens": 100, "output_tokens": 2}}),
        ),
    );
    ctx.fake.reply(
        "/v1/messages",
        Reply::SseThenCut(vec![sse(&messages_stream()[..3])]),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    // Codex: Responses with a custom tool, streamed.
    let resp = post(&proxy, "/v1/responses", json!({"model": MESSAGES_ONLY, "stream": true, "instructions": "Be Codex.",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix it"}]}],
        "tools": [{"type": "custom", "name": "apply_patch", "description": "Edit files"}]})).await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(names.first(), Some(&"response.created"));
    assert_eq!(names.last(), Some(&"response.completed"), "{text}");
    let completed: Value = serde_json::from_str(data_lines(&text).last().unwrap()).unwrap();
    let output = completed["response"]["output"].as_array().unwrap();
    assert_eq!(output[0]["content"][0]["text"], "Patching.");
    assert_eq!(output[1]["type"], "custom_tool_call");
    assert_eq!(output[1]["input"], "*** Begin Patch");
    assert_eq!(completed["response"]["usage"]["output_tokens"], 25);
    let sent = ctx.fake.requests("/copilot/v1/messages")[0].json();
    assert_eq!(sent["system"], "Be Codex.");
    assert_eq!(sent["max_tokens"], 32000);
    assert_eq!(sent["tools"][0]["name"], "apply_patch");
    assert_eq!(
        sent["tools"][0]["input_schema"]["required"],
        json!(["input"])
    );

    // A chat client, whole answer: cache reads counted as OpenAI does.
    let resp = post(&proxy, "/v1/chat/completions", json!({"model": MESSAGES_ONLY,
        "messages": [{"role": "system", "content": "French."}, {"role": "user", "content": "hello"}],
        "stop": "END"})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Bonjour.");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(v["usage"]["prompt_tokens"], 111);
    assert_eq!(v["usage"]["prompt_tokens_details"]["cached_tokens"], 100);
    let sent = ctx.fake.requests("/copilot/v1/messages")[1].json();
    assert_eq!(sent["system"], "French.");
    assert_eq!(sent["stop_sequences"], json!(["END"]));
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "hello"}]}])
    );

    // Cut mid-stream: the Responses client gets an error event, not a completion.
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": MESSAGES_ONLY, "stream": true, "input": "again"}),
    )
    .await;
    let text = resp.text().await.unwrap();
    assert!(!text.contains("response.completed"), "{text}");
    assert!(text.contains("event: error"), "{text}");
}

#[tokio::test]
async fn legacy_completions_work_on_chat_and_responses_models() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "chatcmpl-5", "object": "chat.completion", "created": 4, "model": "gpt-4o-2024-11-20",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": " a time"}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}})),
    );
    let chat_stream = concat!(
        "data: {\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
        "data: {\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"}}]}\n\n",
        "data: {\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n",
        "data: [DONE]\n\n",
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            vec![Bytes::from_static(chat_stream.as_bytes())],
            Duration::from_millis(1),
        ),
    );
    ctx.fake.reply(
        "/responses",
        Reply::Sse(vec![sse(&responses_stream())], Duration::from_millis(1)),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    let resp = post(
        &proxy,
        "/v1/completions",
        json!({"model": "gpt-4o", "prompt": "Once upon", "max_tokens": 2, "echo": true}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "text_completion");
    assert_eq!(v["id"], "cmpl-5");
    assert_eq!(
        v["choices"],
        json!([{"text": "Once upon a time", "index": 0, "logprobs": null, "finish_reason": "length"}])
    );
    assert_eq!(v["usage"]["total_tokens"], 11);
    let sent = ctx.fake.requests("/copilot/chat/completions")[0].json();
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "Once upon"}])
    );
    assert_eq!(sent["max_tokens"], 2);

    // Streamed, with the usage the client asked for.
    let resp = post(
        &proxy,
        "/completions",
        json!({"model": "gpt-4o", "prompt": ["Hello"], "stream": true,
        "stream_options": {"include_usage": true}}),
    )
    .await;
    let text = resp.text().await.unwrap();
    let lines = data_lines(&text);
    assert_eq!(lines.last(), Some(&"[DONE]"), "{text}");
    let chunks: Vec<Value> = lines[..lines.len() - 1]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let body: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["text"].as_str())
        .collect();
    assert_eq!(body, " there");
    assert!(chunks.iter().all(|c| c["object"] == "text_completion"));
    assert_eq!(
        chunks[chunks.len() - 2]["choices"][0]["finish_reason"],
        "stop"
    );
    assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 4);
    let sent = ctx.fake.requests("/copilot/chat/completions")[1].json();
    assert_eq!(sent["max_tokens"], 16, "OpenAI's legacy default");

    // On a model served only on /responses, through the pivot.
    let resp = post(
        &proxy,
        "/v1/completions",
        json!({"model": "gpt-5.1-codex", "prompt": "ls", "stream": true, "max_tokens": 100}),
    )
    .await;
    let text = resp.text().await.unwrap();
    let body: String = data_lines(&text)
        .iter()
        .filter(|l| **l != "[DONE]")
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|c| c["choices"][0]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(body, "Listing them.");
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");

    // What a chat model cannot honour is refused by name.
    let resp = post(
        &proxy,
        "/v1/completions",
        json!({"model": "gpt-4o", "prompt": "def f(", "suffix": "return x"}),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["error"]["message"].as_str().unwrap().contains("suffix"),
        "{v}"
    );
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), 2);
}

#[tokio::test]
async fn previous_response_id_works_on_a_chat_only_model() {
    let ctx = signed_in();
    for (id, text) in [
        ("chatcmpl-t1", "Hello Ada."),
        ("chatcmpl-t2", "Your name is Ada."),
    ] {
        ctx.fake.reply(
            "/chat/completions",
            Reply::Json(200, json!({"id": id, "object": "chat.completion", "created": 1, "model": "claude-haiku-4.5",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})),
        );
    }
    let stream = concat!(
        "data: {\"id\":\"chatcmpl-t3\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Ada, \"}}]}\n\n",
        "data: {\"id\":\"chatcmpl-t3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"still.\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            vec![Bytes::from_static(stream.as_bytes())],
            Duration::from_millis(1),
        ),
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "chatcmpl-t4", "object": "chat.completion", "model": "claude-haiku-4.5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let model = "claude-haiku-4.5";

    let first: Value = post(
        &proxy,
        "/v1/responses",
        json!({"model": model, "instructions": "Be kind.", "input": "My name is Ada."}),
    )
    .await
    .json()
    .await
    .unwrap();
    let first_id = first["id"].as_str().unwrap();
    let second: Value = post(
        &proxy,
        "/v1/responses",
        json!({"model": model, "previous_response_id": first_id, "input": "What is my name?"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(second["previous_response_id"], first_id);
    assert_eq!(
        second["output"][0]["content"][0]["text"],
        "Your name is Ada."
    );
    let sent = ctx.fake.requests("/copilot/chat/completions")[1].json();
    let said: Vec<(&str, &str)> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap(),
                m["content"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // Instructions are not carried over (as on OpenAI's API); the conversation is.
    assert_eq!(
        said,
        [
            ("user", "My name is Ada."),
            ("assistant", "Hello Ada."),
            ("user", "What is my name?")
        ]
    );

    // Third turn, streamed, on the second; then kept too.
    let resp = post(&proxy, "/v1/responses", json!({"model": model, "stream": true, "previous_response_id": second["id"], "input": "Again?"})).await;
    let text = resp.text().await.unwrap();
    assert!(text.contains("event: response.completed"), "{text}");
    let sent = ctx.fake.requests("/copilot/chat/completions")[2].json();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 5);
    assert_eq!(sent["messages"][3]["content"], "Your name is Ada.");
    let third: Value = serde_json::from_str(data_lines(&text).last().unwrap()).unwrap();
    let third_id = third["response"]["id"].as_str().unwrap();
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": model, "store": false, "previous_response_id": third_id, "input": "Bye"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let fourth: Value = resp.json().await.unwrap();
    let sent = ctx.fake.requests("/copilot/chat/completions")[3].json();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 7);
    assert_eq!(sent["messages"][5]["content"], "Ada, still.");

    // `store: false` kept nothing; an unknown id gets the Responses API's own error.
    for id in [fourth["id"].as_str().unwrap(), "resp_nope"] {
        let resp = post(
            &proxy,
            "/v1/responses",
            json!({"model": model, "previous_response_id": id, "input": "x"}),
        )
        .await;
        assert_eq!(resp.status(), 404);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "previous_response_not_found");
        assert_eq!(v["error"]["param"], "previous_response_id");
        assert_eq!(
            v["error"]["message"],
            format!("Previous response with id '{id}' not found.")
        );
    }
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), 4);
}

#[tokio::test]
async fn side_requests_are_the_agents_and_light_ones_go_to_the_background_model() {
    let ctx = signed_in();
    ctx.write_config("[routing]\nbackground_model = \"gpt-4o\"\n");
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(
            200,
            crate::proxy::chat_answer("gpt-4o", "{\"isNewTopic\": true, \"title\": \"Login bug\"}"),
        ),
    );
    ctx.fake.reply(
        "/v1/messages",
        Reply::Json(200, json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4.5",
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "usage": {"input_tokens": 3, "output_tokens": 1}})),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    // Claude Code's topic/title request: served by the background model, as the agent's.
    let resp = post(&proxy, "/v1/messages", json!({"model": "claude-sonnet-4.5", "max_tokens": 512,
        "system": [{"type": "text", "text": "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that captures the new topic."}],
        "messages": [{"role": "user", "content": "fix the login bug"}]})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["content"][0]["text"],
        "{\"isNewTopic\": true, \"title\": \"Login bug\"}"
    );
    let sent = &ctx.fake.requests("/copilot/chat/completions")[0];
    assert_eq!(sent.json()["model"], "gpt-4o");
    assert_eq!(sent.header("x-initiator"), Some("agent"));
    assert!(
        proxy.wait_for_log(
            "side request (title) for claude-sonnet-4.5 sent to gpt-4o",
            Duration::from_secs(5)
        ),
        "{}",
        proxy.log()
    );

    // A compaction stays on its model (it needs the window) but is the agent's too.
    let resp = post(&proxy, "/v1/messages", json!({"model": "claude-sonnet-4.5", "max_tokens": 2000,
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "Your task is to create a detailed summary of the conversation so far."}]})).await;
    assert_eq!(resp.status(), 200);
    let sent = &ctx.fake.requests("/copilot/v1/messages")[0];
    assert_eq!(sent.json()["model"], "claude-sonnet-4.5");
    assert_eq!(sent.header("x-initiator"), Some("agent"));

    // The person's own prompt is theirs, and stays on the model they chose.
    let resp = post(
        &proxy,
        "/v1/messages",
        json!({"model": "claude-sonnet-4.5", "max_tokens": 2000,
        "messages": [{"role": "user", "content": "fix the login bug"}],
        "tools": [{"name": "Bash", "input_schema": {"type": "object"}}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let sent = &ctx.fake.requests("/copilot/v1/messages")[1];
    assert_eq!(sent.json()["model"], "claude-sonnet-4.5");
    assert_eq!(sent.header("x-initiator"), Some("user"));
}

#[tokio::test]
async fn claudes_split_choices_end_once_for_a_chat_client() {
    let ctx = signed_in();
    let stream = concat!(
        "data: {\"id\":\"c\",\"model\":\"claude-sonnet-4.5\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Reading.\"}}]}\n\n",
        "data: {\"id\":\"c\",\"model\":\"claude-sonnet-4.5\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"id\":\"c\",\"model\":\"claude-sonnet-4.5\",\"created\":1,\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"Read\",\"arguments\":\"{}\"}}]}}]}\n\n",
        "data: {\"id\":\"c\",\"model\":\"claude-sonnet-4.5\",\"created\":1,\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}\n\n",
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
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "claude-sonnet-4.5", "stream": true,
        "messages": [{"role": "user", "content": "read it"}]}),
    )
    .await;
    let text = resp.text().await.unwrap();
    let chunks: Vec<Value> = data_lines(&text)
        .iter()
        .filter(|l| **l != "[DONE]")
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let finishes: Vec<&str> = chunks
        .iter()
        .flat_map(|c| c["choices"].as_array().unwrap())
        .filter_map(|c| c["finish_reason"].as_str())
        .collect();
    assert_eq!(finishes, ["tool_calls"], "{text}");
    assert!(
        chunks
            .iter()
            .flat_map(|c| c["choices"].as_array().unwrap())
            .all(|c| c["index"] == 0)
    );
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn a_responses_shaped_body_sent_to_chat_completions_is_served_as_one() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, crate::proxy::chat_answer("gpt-4o", "Hi from chat.")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    // As Cursor sends it.
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "hello"}]}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "response");
    assert_eq!(v["output"][0]["content"][0]["text"], "Hi from chat.");
    let sent = ctx.fake.requests("/copilot/chat/completions")[0].json();
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "hello"}])
    );
    // Neither shape: still the chat route's own error.
    let resp = post(&proxy, "/v1/chat/completions", json!({"model": "gpt-4o"})).await;
    assert_eq!(resp.status(), 400);
}

/// The README's rule for the upstream shape: a reasoning model goes between Messages and
/// Responses (thinking blocks with signatures ↔ reasoning items with `encrypted_content`),
/// the rest through chat completions.
#[tokio::test]
async fn reasoning_models_go_between_messages_and_responses_and_the_rest_through_chat() {
    let ctx = signed_in();
    ctx.fake.with(|s| {
        s.models["data"].as_array_mut().unwrap().push(json!(
            {"id": "gpt-5-mini", "name": "GPT-5 mini", "vendor": "Azure OpenAI",
             "capabilities": {"family": "gpt-5-mini", "type": "chat", "tokenizer": "o200k_base",
                "limits": {"max_context_window_tokens": 264000, "max_output_tokens": 64000},
                "supports": {"tool_calls": true, "streaming": true, "vision": true,
                             "reasoning_effort": ["low", "medium", "high"]}},
             "supported_endpoints": ["/chat/completions", "/responses"]}
        ));
    });
    ctx.fake.reply(
        "/v1/messages",
        Reply::Json(
            200,
            json!({"id": "msg_r", "type": "message", "role": "assistant", "model": "claude-sonnet-4.5",
            "content": [{"type": "thinking", "thinking": "Two and two.", "signature": "SIG"},
                        {"type": "text", "text": "Four."}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 12, "output_tokens": 9}}),
        ),
    );
    ctx.fake.reply(
        "/responses",
        Reply::Json(
            200,
            json!({"id": "resp_r", "object": "response", "created_at": 5, "status": "completed", "model": "gpt-5-mini",
            "output": [{"type": "reasoning", "id": "rs_9", "summary": [{"type": "summary_text", "text": "Add."}], "encrypted_content": "ENC"},
                       {"type": "message", "id": "msg_9", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": "Four.", "annotations": []}]}],
            "usage": {"input_tokens": 12, "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 20}}}),
        ),
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(
            200,
            json!({"id": "c1", "object": "chat.completion", "created": 5, "model": "x",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Four."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}}),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    // Codex on Claude with thinking: Messages upstream, the thinking back as a reasoning item.
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": "claude-sonnet-4.5", "input": "2+2?",
        "reasoning": {"effort": "high"}, "include": ["reasoning.encrypted_content"]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["output"][0]["type"], "reasoning", "{v}");
    assert_eq!(v["output"][0]["summary"][0]["text"], "Two and two.");
    assert_eq!(v["output"][1]["content"][0]["text"], "Four.");
    let sent = ctx.fake.requests("/copilot/v1/messages");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].json()["thinking"]["type"],
        "enabled",
        "{}",
        sent[0].json()
    );
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());

    // Claude Code on GPT-5 (served on chat and Responses): Responses upstream, effort kept.
    let resp = post(
        &proxy,
        "/v1/messages",
        json!({"model": "gpt-5-mini", "max_tokens": 2000,
        "thinking": {"type": "enabled", "budget_tokens": 1500},
        "messages": [{"role": "user", "content": "2+2?"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["content"][0]["type"], "thinking", "{v}");
    assert_eq!(v["content"][1]["text"], "Four.");
    let sent = ctx.fake.requests("/copilot/responses");
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].json()["reasoning"]["effort"].is_string(),
        "{}",
        sent[0].json()
    );
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());

    // Models without reasoning: through chat completions.
    for (path, body) in [
        (
            "/v1/responses",
            json!({"model": "claude-haiku-4.5", "input": "2+2?"}),
        ),
        (
            "/v1/messages",
            json!({"model": "gpt-4o", "max_tokens": 100,
            "messages": [{"role": "user", "content": "2+2?"}]}),
        ),
    ] {
        let resp = post(&proxy, path, body).await;
        assert_eq!(resp.status(), 200, "{path}");
    }
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), 2);

    // Stop sequences, which the Responses API lacks: the reasoning model goes through chat.
    let resp = post(
        &proxy,
        "/v1/messages",
        json!({"model": "gpt-5-mini", "max_tokens": 100,
        "stop_sequences": ["END"], "messages": [{"role": "user", "content": "2+2?"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let chat = ctx.fake.requests("/copilot/chat/completions");
    assert_eq!(chat.len(), 3);
    assert_eq!(chat[2].json()["stop"], json!(["END"]));
    assert_eq!(ctx.fake.requests("/copilot/v1/messages").len(), 1);
    assert_eq!(ctx.fake.requests("/copilot/responses").len(), 1);
}

/// More tools than the upstream API takes (128 on OpenAI's and Copilot's chat completions and
/// Responses) is refused before any upstream call, in the client's shape; Messages upstreams
/// state no limit.
#[tokio::test]
async fn more_tools_than_the_upstream_takes_are_refused_before_it_is_called() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/v1/messages",
        Reply::Json(
            200,
            json!({"id": "msg_t", "type": "message", "role": "assistant", "model": "claude-sonnet-4.5",
            "content": [{"type": "text", "text": "Ok."}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 12, "output_tokens": 2}}),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let tools: Vec<Value> = (0..130)
        .map(|i| json!({"name": format!("mcp__t{i}"), "input_schema": {"type": "object"}}))
        .collect();
    let request = |model: &str| {
        json!({"model": model, "max_tokens": 100, "tools": tools,
               "messages": [{"role": "user", "content": "hi"}]})
    };
    let resp = post(&proxy, "/v1/messages", request("gpt-4o")).await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("maximum length 128") && message.contains("length 130"),
        "{message}"
    );
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());

    // Claude through Copilot's Messages API: no stated limit, so it goes.
    let resp = post(&proxy, "/v1/messages", request("claude-sonnet-4.5")).await;
    assert_eq!(resp.status(), 200);

    // A Responses client: a namespace counts as the functions in it.
    let members: Vec<Value> = (0..129)
        .map(|i| json!({"type": "function", "name": format!("f{i}"), "parameters": {"type": "object"}}))
        .collect();
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": "gpt-5.1-codex", "input": "hi",
        "tools": [{"type": "namespace", "name": "mcp", "tools": members}]}),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "too_many_tools", "{v}");
    assert!(ctx.fake.requests("/copilot/responses").is_empty());
}
