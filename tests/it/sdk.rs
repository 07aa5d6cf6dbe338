//! The official OpenAI and Anthropic Python SDKs through the binary, on models served on
//! another API than theirs (`tests/it/sdk.py`): the OpenAI Responses client on a chat-only
//! model (text, stream, a function-tool round trip, reasoning), the Anthropic client on a
//! Responses-only model (text, stream, a tool round trip, thinking), chat and legacy
//! completions on top.
//!
//! The SDKs come from PyPI: `.ci/run` installs them in a virtualenv and names its Python in
//! `COPILOT_API_TEST_PYTHON`. Elsewhere the test uses `python3` when it has both packages, and
//! otherwise says it skipped — except under `CI`, where a missing SDK is a failure.

use std::process::Command;
use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{chat_answer, signed_in};
use crate::server::Proxy;

/// A Python that imports both SDKs.
fn python() -> Option<String> {
    let candidates = std::env::var("COPILOT_API_TEST_PYTHON")
        .into_iter()
        .chain(["python3".to_owned()]);
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import openai, anthropic"])
            .output()
            .is_ok_and(|out| out.status.success());
        if ok {
            return Some(python);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs the OpenAI and Anthropic Python SDKs: set COPILOT_API_TEST_PYTHON to a Python that has them (.ci/run does)"
    );
    None
}

fn sse(events: &[Value]) -> Reply {
    let mut body: String = events
        .iter()
        .map(|e| match e["type"].as_str() {
            Some(kind) => format!("event: {kind}\ndata: {e}\n\n"),
            None => format!("data: {e}\n\n"),
        })
        .collect();
    if events.iter().all(|e| e["type"].is_null()) {
        // Chat streams end with [DONE].
        body.push_str("data: [DONE]\n\n");
    }
    Reply::Sse(vec![Bytes::from(body)], Duration::from_millis(1))
}

fn chat_chunk(delta: Value, finish: Option<&str>) -> Value {
    json!({"id": "chatcmpl-s", "model": "claude-haiku-4.5", "created": 1,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

fn responses_message(id: &str, text: &str) -> Value {
    json!({"id": id, "object": "response", "created_at": 1, "status": "completed", "model": "gpt-5.1-codex",
        "output": [{"type": "message", "id": format!("msg_{id}"), "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 0}}})
}

fn responses_text_stream(id: &str, words: &[&str]) -> Reply {
    let mut events = vec![
        json!({"type": "response.created", "response": {"id": id, "created_at": 1, "status": "in_progress", "output": []}}),
    ];
    for word in words {
        events.push(json!({"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": word}));
    }
    events.push(json!({"type": "response.completed", "response": {"id": id, "status": "completed", "output": [],
        "usage": {"input_tokens": 8, "output_tokens": 3}}}));
    sse(&events)
}

#[tokio::test]
async fn the_official_python_sdks_work_on_translated_models() {
    let Some(python) = python() else {
        eprintln!("skipped: no Python with the openai and anthropic packages");
        return;
    };
    let ctx = signed_in();
    let chat = "/chat/completions";
    ctx.fake.reply(
        chat,
        Reply::Json(200, chat_answer("claude-haiku-4.5", "Hello from chat.")),
    );
    ctx.fake.reply(
        chat,
        sse(&[
            chat_chunk(json!({"role": "assistant", "content": "Hello, "}), None),
            chat_chunk(json!({"content": "streamed."}), None),
            chat_chunk(json!({}), Some("stop")),
            json!({"id": "chatcmpl-s", "choices": [], "usage": {"prompt_tokens": 6, "completion_tokens": 3, "total_tokens": 9}}),
        ]),
    );
    ctx.fake.reply(
        chat,
        Reply::Json(200, json!({"id": "chatcmpl-t", "object": "chat.completion", "created": 1, "model": "claude-haiku-4.5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}})),
    );
    ctx.fake.reply(
        chat,
        Reply::Json(
            200,
            chat_answer("claude-haiku-4.5", "It is sunny in Paris."),
        ),
    );
    ctx.fake.reply(
        chat,
        Reply::Json(200, json!({"id": "chatcmpl-r", "object": "chat.completion", "created": 1, "model": "claude-haiku-4.5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "42", "reasoning_text": "Think.", "reasoning_opaque": "SIG"},
                "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}})),
    );
    ctx.fake
        .reply(chat, Reply::Json(200, chat_answer("gpt-4o", " a time")));
    ctx.fake.reply(
        chat,
        sse(&[
            chat_chunk(json!({"role": "assistant", "content": " there"}), None),
            chat_chunk(json!({}), Some("stop")),
        ]),
    );
    let responses = "/responses";
    ctx.fake.reply(
        responses,
        Reply::Json(200, responses_message("resp_1", "Hi from responses.")),
    );
    ctx.fake.reply(
        responses,
        responses_text_stream("resp_2", &["Hi ", "there"]),
    );
    ctx.fake.reply(
        responses,
        Reply::Json(200, json!({"id": "resp_3", "object": "response", "created_at": 1, "status": "completed",
            "output": [{"type": "function_call", "id": "fc_1", "call_id": "call_r", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}", "status": "completed"}],
            "usage": {"input_tokens": 30, "output_tokens": 6}})),
    );
    ctx.fake.reply(
        responses,
        Reply::Json(200, responses_message("resp_4", "Sunny, then.")),
    );
    ctx.fake.reply(
        responses,
        Reply::Json(200, json!({"id": "resp_5", "object": "response", "created_at": 1, "status": "completed",
            "output": [
                {"type": "reasoning", "id": "rs_9", "summary": [{"type": "summary_text", "text": "Thinking."}], "encrypted_content": "ENC"},
                {"type": "message", "id": "m5", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "Answer.", "annotations": []}]}],
            "usage": {"input_tokens": 12, "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 20}}})),
    );
    ctx.fake.reply(
        responses,
        Reply::Json(200, responses_message("resp_6", "chat via responses")),
    );
    ctx.fake.reply(
        responses,
        responses_text_stream("resp_7", &["chat ", "stream"]),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    let url = proxy.url.clone();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/sdk.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(script)
            .env("COPILOT_API_URL", url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{}", proxy.log());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(v["responses_text"], "Hello from chat.");
    assert_eq!(v["responses_stream_text"], "Hello, streamed.");
    assert_eq!(v["responses_stream_last_event"], "response.completed");
    assert_eq!(
        v["responses_call"],
        json!({"name": "get_weather", "arguments": {"city": "Paris"}})
    );
    assert_eq!(v["responses_after_tool"], "It is sunny in Paris.");
    assert_eq!(
        v["responses_reasoning"],
        json!({"summary": "Think.", "encrypted": "SIG", "answer": "42"})
    );
    let sent = ctx.fake.requests("/copilot/chat/completions");
    let tool_turn = sent[3].json();
    let messages = tool_turn["messages"].as_array().unwrap();
    assert_eq!(messages[1]["tool_calls"][0]["id"], "call_w");
    assert_eq!(
        messages[2],
        json!({"role": "tool", "tool_call_id": "call_w", "content": "sunny"})
    );

    assert_eq!(v["messages_text"], "Hi from responses.");
    assert_eq!(v["messages_stop"], "end_turn");
    assert_eq!(v["messages_stream_text"], "Hi there");
    assert_eq!(v["messages_stream_usage"], 3);
    assert_eq!(
        v["messages_call"],
        json!({"name": "get_weather", "input": {"city": "Paris"}, "stop": "tool_use"})
    );
    assert_eq!(v["messages_after_tool"], "Sunny, then.");
    assert_eq!(
        v["messages_thinking"],
        json!({"type": "thinking", "thinking": "Thinking.", "signature": "rs_9.ENC", "answer": "Answer."})
    );
    let sent = ctx.fake.requests("/copilot/responses");
    let tool_turn = sent[3].json();
    let kinds: Vec<&str> = tool_turn["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["message", "function_call", "function_call_output"]);
    assert_eq!(
        sent[4].json()["reasoning"]["effort"],
        "low",
        "a 2,000-token budget"
    );

    assert_eq!(v["chat_text"], "chat via responses");
    assert_eq!(v["chat_stream_text"], "chat stream");
    assert_eq!(v["chat_stream_finish"], json!(["stop"]));
    assert_eq!(v["legacy_text"], " a time");
    assert_eq!(v["legacy_stream_text"], " there");
    eprintln!("SDKs: {}", v["versions"]);
}
