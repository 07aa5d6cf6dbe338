use serde_json::{Value, json};

use super::*;
use crate::translate::openai::MessageContent;
use crate::translate::responses::{Context, StreamTranslator as ResponsesStream};

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn target() -> Target {
    Target {
        id: "claude-sonnet-4-5".into(),
        max_output: Some(64_000),
    }
}

#[test]
fn a_chat_request_becomes_a_messages_request() {
    let chat = map(json!({
        "model": "claude",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
            ]},
            {"role": "assistant", "content": "Let me look.", "reasoning_text": "Hmm.", "reasoning_opaque": "sig-1",
             "tool_calls": [
                {"id": "toolu_1", "type": "function", "function": {"name": "look", "arguments": "{\"x\":1}"}},
                {"id": "toolu_2", "type": "function", "function": {"name": "look", "arguments": ""}}
             ]},
            {"role": "tool", "tool_call_id": "toolu_1", "content": "a cat"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": [{"type": "text", "text": "a dog"}]},
            {"role": "user", "content": "Thanks"},
            {"role": "developer", "content": "Answer in French."}
        ],
        "tools": [{"type": "function", "function": {"name": "look", "description": "Looks.", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}],
        "tool_choice": "required",
        "parallel_tool_calls": false,
        "max_tokens": 100000,
        "temperature": 1.7,
        "stop": "END",
        "user": "u-1",
        "stream": true,
    }));
    let out = request(chat.clone(), &target()).unwrap();
    assert_eq!(out["model"], "claude-sonnet-4-5");
    assert_eq!(out["max_tokens"], 64_000, "capped at the model's limit");
    assert_eq!(out["system"], "Be brief.\n\nAnswer in French.");
    let messages = out["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert_eq!(
        messages[0]["content"][1]["source"],
        json!({"type": "base64", "media_type": "image/png", "data": "AAAA"})
    );
    assert_eq!(
        messages[0]["content"][2]["source"],
        json!({"type": "url", "url": "https://example.com/a.png"})
    );
    let assistant = &messages[1]["content"];
    assert_eq!(
        assistant[0],
        json!({"type": "thinking", "thinking": "Hmm.", "signature": "sig-1"})
    );
    assert_eq!(
        assistant[1],
        json!({"type": "text", "text": "Let me look."})
    );
    assert_eq!(
        assistant[2],
        json!({"type": "tool_use", "id": "toolu_1", "name": "look", "input": {"x": 1}})
    );
    assert_eq!(assistant[3]["input"], json!({}));
    let user = messages[2]["content"].as_array().unwrap();
    assert_eq!(
        user[0],
        json!({"type": "tool_result", "tool_use_id": "toolu_1", "content": "a cat"})
    );
    assert_eq!(user[1]["tool_use_id"], "toolu_2");
    assert_eq!(
        user[1]["content"],
        json!([{"type": "text", "text": "a dog"}])
    );
    assert_eq!(user[2], json!({"type": "text", "text": "Thanks"}));
    assert_eq!(
        out["tools"][0]["input_schema"]["properties"]["x"]["type"],
        "integer"
    );
    assert_eq!(
        out["tool_choice"],
        json!({"type": "any", "disable_parallel_tool_use": true})
    );
    assert_eq!(out["temperature"], 1.0, "clamped to Anthropic's range");
    assert_eq!(out["stop_sequences"], json!(["END"]));
    assert_eq!(out["metadata"], json!({"user_id": "u-1"}));
    assert_eq!(out["stream"], true);
}

#[test]
fn reasoning_effort_becomes_a_thinking_budget_and_bad_input_is_refused() {
    let chat = map(json!({"messages": [{"role": "user", "content": "hi"}],
        "reasoning_effort": "medium", "temperature": 0.3, "max_tokens": 4000}));
    let out = request(chat.clone(), &target()).unwrap();
    assert_eq!(
        out["thinking"],
        json!({"type": "enabled", "budget_tokens": 3999})
    );
    assert!(
        out.get("temperature").is_none(),
        "Anthropic refuses it with thinking"
    );
    let no_limit = Target {
        id: "x".into(),
        max_output: None,
    };
    let out = request(
        map(json!({"messages": [{"role": "user", "content": "hi"}]})),
        &no_limit,
    )
    .unwrap();
    assert_eq!(out["max_tokens"], DEFAULT_MAX_TOKENS);

    let err = |v: Value| request(map(v), &target()).unwrap_err().to_string();
    assert!(err(json!({"messages": []})).contains("at least one"));
    assert!(err(json!({"messages": [{"role": "user", "content": "hi"}], "n": 2})).contains("n:"));
    assert!(
        err(json!({"messages": [{"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "{oops"}}]}]}))
            .contains("not JSON")
    );
    assert!(err(json!({"messages": [{"role": "tool", "content": "x"}]})).contains("tool_call_id"));
    // A Responses reasoning item cannot be verified by Anthropic: it is not sent.
    let out = request(
        map(json!({"messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "yo", "reasoning_text": "t", "reasoning_opaque": "rs_1.enc"},
            {"role": "user", "content": "again"}]})),
        &target(),
    )
    .unwrap();
    assert_eq!(
        out["messages"][1]["content"],
        json!([{"type": "text", "text": "yo"}])
    );
}

#[test]
fn a_messages_answer_becomes_a_chat_answer() {
    let message = json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Plan.", "signature": "sig"},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_9", "name": "bash", "input": {"command": "ls"}}
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 5, "output_tokens": 7}
    });
    let chat = answer(&serde_json::to_vec(&message).unwrap(), "claude-sonnet-4-5").unwrap();
    assert_eq!(chat.id, "chatcmpl-01");
    let m = &chat.choices[0].message;
    assert_eq!(m.content, Some(MessageContent::Text("Checking.".into())));
    assert_eq!(m.reasoning_text.as_deref(), Some("Plan."));
    assert_eq!(m.reasoning_opaque.as_deref(), Some("sig"));
    let call = &m.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.function.arguments, "{\"command\":\"ls\"}");
    assert_eq!(chat.choices[0].finish_reason.as_deref(), Some("tool_calls"));
    let usage = chat.usage.unwrap();
    assert_eq!(usage.prompt_tokens, 115);
    assert_eq!(usage.cached_tokens(), Some(100));
    assert_eq!(usage.extra["cache_creation_input_tokens"], 5);
    assert_eq!(usage.completion_tokens, 7);
}

fn stream_fixture() -> Vec<Value> {
    vec![
        json!({"type": "message_start", "message": {"id": "msg_s", "type": "message", "role": "assistant", "content": [], "model": "claude", "usage": {"input_tokens": 30, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Hmm"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "SIG"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "ping"}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Let me "}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "check."}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "local_shell", "input": {}}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"command\":"}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "[\"ls\"]}"}}),
        json!({"type": "content_block_stop", "index": 2}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 25}}),
        json!({"type": "message_stop"}),
    ]
}

#[test]
fn a_messages_stream_becomes_chat_chunks_and_then_a_responses_stream() {
    let mut decoder = Decoder::new("claude".into());
    let pivots: Vec<Pivot> = stream_fixture()
        .iter()
        .flat_map(|e| decoder.push(e))
        .collect();
    assert!(decoder.is_finished());
    assert_eq!(pivots.last(), Some(&Pivot::Done));
    let chunks: Vec<&ChatChunk> = pivots
        .iter()
        .filter_map(|p| match p {
            Pivot::Chunk(c) => Some(c),
            _ => None,
        })
        .collect();
    let finishes: Vec<_> = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.finish_reason.as_deref())
        .collect();
    assert_eq!(finishes, ["tool_calls"]);
    let usage = chunks.last().unwrap().usage.as_ref().unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (30, 25));

    // Codex asked with a local_shell tool: the call comes back as a local_shell_call.
    let ctx = Context {
        local_shell: true,
        ..Context::default()
    };
    let mut responses = ResponsesStream::new("claude".into(), ctx);
    let mut events = Vec::new();
    for pivot in &pivots {
        match pivot {
            Pivot::Chunk(c) => events.extend(responses.push(c)),
            Pivot::Done => events.extend(responses.finish()),
            Pivot::Failed(m) => events.extend(responses.fail(m)),
        }
    }
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"response.created"));
    assert_eq!(names.last(), Some(&"response.completed"));
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("response.completed"))
            .count(),
        1
    );
    let (_, done) = events.last().unwrap();
    let output = done["response"]["output"].as_array().unwrap();
    assert!(
        output
            .iter()
            .any(|i| i["type"] == "message" && i["content"][0]["text"] == "Let me check."),
        "{output:#?}"
    );
    let shell = output
        .iter()
        .find(|i| i["type"] == "local_shell_call")
        .unwrap();
    assert_eq!(shell["call_id"], "toolu_1");
    assert_eq!(shell["action"]["command"], json!(["ls"]));
    for (i, (_, e)) in events.iter().enumerate() {
        assert_eq!(e["sequence_number"], i, "sequence numbers ascend");
    }
}

#[test]
fn a_cut_or_failed_messages_stream_never_finishes() {
    let events = stream_fixture();
    let mut decoder = Decoder::new("m".into());
    let pivots: Vec<Pivot> = events[..15].iter().flat_map(|e| decoder.push(e)).collect();
    assert!(!decoder.is_finished(), "message_delta alone is not the end");
    assert!(!pivots.iter().any(|p| matches!(p, Pivot::Done)));
    let failed = decoder.push(
        &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    );
    assert_eq!(failed, vec![Pivot::Failed("Overloaded".into())]);
    assert!(decoder.push(&events[15]).is_empty());
}

#[test]
fn thinking_and_sampling_stay_within_what_anthropic_takes() {
    let user = json!({"role": "user", "content": "hi"});
    // A forced tool and thinking do not go together.
    let forced = request(
        map(
            json!({"messages": [user], "reasoning_effort": "high", "max_tokens": 8000,
            "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"}),
        ),
        &target(),
    )
    .unwrap();
    assert!(forced.get("thinking").is_none(), "{forced}");
    // The tool loop's last assistant turn came back without its signed thinking.
    let unsigned = request(
        map(json!({"reasoning_effort": "high", "max_tokens": 8000,
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "messages": [user,
                {"role": "assistant", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "t", "content": "ok"}]})),
        &target(),
    )
    .unwrap();
    assert!(unsigned.get("thinking").is_none(), "{unsigned}");
    // Signed, it stays on.
    let signed = request(
        map(json!({"reasoning_effort": "high", "max_tokens": 8000,
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "messages": [user,
                {"role": "assistant", "reasoning_text": "t", "reasoning_opaque": "EqSIG", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "t", "content": "ok"}]})),
        &target(),
    )
    .unwrap();
    assert_eq!(signed["thinking"]["type"], "enabled");
    // One of temperature and top_p.
    let both = request(
        map(json!({"messages": [user], "temperature": 0.7, "top_p": 0.9})),
        &target(),
    )
    .unwrap();
    assert_eq!(both["temperature"], 0.7);
    assert!(both.get("top_p").is_none());
    // OpenAI's encrypted reasoning is never sent as a Claude signature.
    let foreign = request(
        map(json!({"messages": [user,
            {"role": "assistant", "content": "yo", "reasoning_text": "t", "reasoning_opaque": "gAAAAABoSome"},
            {"role": "user", "content": "again"}]})),
        &target(),
    )
    .unwrap();
    assert_eq!(
        foreign["messages"][1]["content"],
        json!([{"type": "text", "text": "yo"}])
    );
}

#[test]
fn redacted_thinking_travels_in_the_opaque_reasoning_and_comes_back_as_itself() {
    let message = json!({
        "id": "msg_r", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "redacted_thinking", "data": "RED1"},
            {"type": "thinking", "thinking": "Plan.", "signature": "SIG"},
            {"type": "redacted_thinking", "data": "RED2"},
            {"type": "tool_use", "id": "toolu_9", "name": "bash", "input": {"command": "ls"}}
        ],
        "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 7}
    });
    let chat = answer(&serde_json::to_vec(&message).unwrap(), "claude-sonnet-4-5").unwrap();
    let opaque = chat.choices[0].message.reasoning_opaque.clone().unwrap();
    assert_eq!(opaque, "redacted:RED1 SIG redacted:RED2");

    // The same from a stream: the deltas add up to the same tokens.
    let events = [
        json!({"type": "message_start", "message": {"id": "msg_s", "usage": {"input_tokens": 3, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "redacted_thinking", "data": "RED1"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "thinking", "thinking": ""}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "thinking_delta", "thinking": "Plan."}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "signature_delta", "signature": "SI"}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "signature_delta", "signature": "G"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "content_block_start", "index": 2, "content_block": {"type": "redacted_thinking", "data": "RED2"}}),
        json!({"type": "content_block_stop", "index": 2}),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}),
        json!({"type": "message_stop"}),
    ];
    let mut decoder = Decoder::new("claude".into());
    let streamed: String = events
        .iter()
        .flat_map(|e| decoder.push(e))
        .filter_map(|p| match p {
            Pivot::Chunk(c) => c.choices.first()?.delta.reasoning_opaque.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, opaque);

    // Sent back on the next turn: the blocks in their order, the text on the signed one.
    let chat_request = map(json!({"model": "claude", "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": null, "reasoning_text": "Plan.", "reasoning_opaque": opaque,
         "tool_calls": [{"id": "toolu_9", "type": "function", "function": {"name": "bash", "arguments": "{\"command\":\"ls\"}"}}]},
        {"role": "tool", "tool_call_id": "toolu_9", "content": "a.txt"}
    ], "reasoning_effort": "high"}));
    let body = request(chat_request.clone(), &target()).unwrap();
    let content = &body["messages"][1]["content"];
    assert_eq!(
        content[0],
        json!({"type": "redacted_thinking", "data": "RED1"})
    );
    assert_eq!(
        content[1],
        json!({"type": "thinking", "thinking": "Plan.", "signature": "SIG"})
    );
    assert_eq!(
        content[2],
        json!({"type": "redacted_thinking", "data": "RED2"})
    );
    assert_eq!(content[3]["type"], "tool_use");
    assert_eq!(body["thinking"]["type"], "enabled", "{body}");
}
