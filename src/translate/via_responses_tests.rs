use serde_json::{Value, json};

use super::*;
use crate::translate::openai::MessageContent;
use crate::translate::stream::StreamTranslator as MessagesStream;

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[test]
fn a_chat_request_becomes_a_responses_request() {
    let chat = map(json!({
        "model": "gpt-5-codex",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
            {"role": "user", "content": [
                {"type": "text", "text": "What is in this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high"}}
            ]},
            {"role": "assistant", "content": null, "reasoning_text": "Look first.",
             "reasoning_opaque": "rs_123.gAAAAenc==",
             "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "look", "arguments": "{\"x\":1}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "a cat"},
            {"role": "system", "content": "Answer in French."},
            {"role": "assistant", "content": "Un chat."},
        ],
        "tools": [{"type": "function", "function": {"name": "look", "description": "Looks.", "parameters": {"type": "object"}}}],
        "tool_choice": {"type": "function", "function": {"name": "look"}},
        "parallel_tool_calls": false,
        "max_completion_tokens": 500,
        "temperature": 0.2,
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": true}},
        "reasoning_effort": "high",
        "stream": true,
        "stream_options": {"include_usage": true},
    }));
    let out = request(chat.clone(), "gpt-5-codex").unwrap();
    assert_eq!(out["model"], "gpt-5-codex");
    assert_eq!(out["instructions"], "Be brief.\n\nUse tools.");
    let input = out["input"].as_array().unwrap();
    assert_eq!(input[0]["role"], "user");
    assert_eq!(
        input[0]["content"][1],
        json!({"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "high"})
    );
    assert_eq!(
        input[1],
        json!({"type": "reasoning", "id": "rs_123", "summary": [{"type": "summary_text", "text": "Look first."}], "encrypted_content": "gAAAAenc=="})
    );
    assert_eq!(
        input[2],
        json!({"type": "function_call", "call_id": "call_1", "name": "look", "arguments": "{\"x\":1}"})
    );
    assert_eq!(
        input[3],
        json!({"type": "function_call_output", "call_id": "call_1", "output": "a cat"})
    );
    assert_eq!(input[4]["role"], "developer");
    assert_eq!(input[5]["content"][0]["type"], "output_text");
    assert_eq!(
        out["tools"],
        json!([{"type": "function", "name": "look", "description": "Looks.", "parameters": {"type": "object"}}])
    );
    assert_eq!(
        out["tool_choice"],
        json!({"type": "function", "name": "look"})
    );
    assert_eq!(out["parallel_tool_calls"], false);
    assert_eq!(out["max_output_tokens"], 500);
    assert_eq!(out["temperature"], 0.2);
    assert_eq!(
        out["text"]["format"],
        json!({"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": true})
    );
    assert_eq!(out["reasoning"]["effort"], "high");
    assert_eq!(out["store"], false);
    assert_eq!(out["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(out["stream"], true);
    assert!(out.get("stream_options").is_none());
}

#[test]
fn what_responses_cannot_do_is_refused_by_name() {
    let base = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let mut with_stop = base.clone();
    with_stop["stop"] = json!(["END"]);
    let err = request(map(with_stop), "gpt-5-codex")
        .unwrap_err()
        .to_string();
    assert!(err.contains("stop") && err.contains("gpt-5-codex"), "{err}");
    let mut with_n = base.clone();
    with_n["n"] = json!(3);
    assert!(
        request(map(with_n), "m")
            .unwrap_err()
            .to_string()
            .contains("n:")
    );
    let mut bad_role = base.clone();
    bad_role["messages"][0]["role"] = json!("robot");
    let err = request(map(bad_role), "m").unwrap_err().to_string();
    assert!(
        err.contains("messages[0].role") && err.contains("robot"),
        "{err}"
    );
    // Another vendor's signature cannot be verified by OpenAI: it is not sent.
    let mut foreign = base;
    foreign["messages"] = json!([
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello", "reasoning_text": "t", "reasoning_opaque": "EqQBCkYIBxgCKkAsig"},
        {"role": "user", "content": "again"},
    ]);
    let out = request(map(foreign), "m").unwrap();
    assert!(
        out["input"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["type"] != "reasoning")
    );
}

fn answer_fixture() -> Value {
    json!({
        "id": "resp_abc", "object": "response", "created_at": 1700000000, "status": "completed",
        "model": "gpt-5-codex",
        "output": [
            {"type": "reasoning", "id": "rs_9", "summary": [{"type": "summary_text", "text": "Plan."}], "encrypted_content": "enc9"},
            {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": "Running it.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_7", "name": "shell", "arguments": "{\"cmd\":\"ls\"}", "status": "completed"}
        ],
        "usage": {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 100},
                  "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 12}, "total_tokens": 150}
    })
}

#[test]
fn a_responses_answer_becomes_a_chat_answer() {
    let chat = answer(
        &serde_json::to_vec(&answer_fixture()).unwrap(),
        "gpt-5-codex",
    )
    .unwrap();
    assert_eq!(chat.id, "chatcmpl-abc");
    assert_eq!(chat.created, Some(1_700_000_000));
    let choice = &chat.choices[0];
    assert_eq!(choice.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(
        choice.message.content,
        Some(MessageContent::Text("Running it.".into()))
    );
    assert_eq!(choice.message.reasoning_text.as_deref(), Some("Plan."));
    assert_eq!(
        choice.message.reasoning_opaque.as_deref(),
        Some("rs_9.enc9")
    );
    let call = &choice.message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(
        (call.id.as_str(), call.function.name.as_str()),
        ("call_7", "shell")
    );
    let usage = chat.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (120, 30));
    assert_eq!(usage.cached_tokens(), Some(100));
    assert_eq!(
        usage.extra["completion_tokens_details"]["reasoning_tokens"],
        12
    );
    // Cut by the output limit.
    let mut cut = answer_fixture();
    cut["status"] = json!("incomplete");
    cut["incomplete_details"] = json!({"reason": "max_output_tokens"});
    let chat = answer(&serde_json::to_vec(&cut).unwrap(), "m").unwrap();
    assert_eq!(chat.choices[0].finish_reason.as_deref(), Some("length"));
    assert!(answer(&serde_json::to_vec(&json!({"id": "x"})).unwrap(), "m").is_err());
}

/// A Responses stream the way OpenAI sends it: reasoning, text, a function call.
fn stream_fixture() -> Vec<Value> {
    vec![
        json!({"type": "response.created", "response": {"id": "resp_s1", "created_at": 5, "status": "in_progress", "output": []}}),
        json!({"type": "response.in_progress", "response": {"id": "resp_s1"}}),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "output_index": 0, "summary_index": 0}),
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": "Think"}),
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": "ing."}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Thinking."}], "encrypted_content": "ENC"}}),
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []}}),
        json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "delta": "Hé "}),
        json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "delta": "there"}),
        json!({"type": "response.output_item.added", "output_index": 2, "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "shell", "arguments": ""}}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 2, "delta": "{\"cmd\":"}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 2, "delta": "\"ls\"}"}),
        json!({"type": "response.function_call_arguments.done", "output_index": 2, "arguments": "{\"cmd\":\"ls\"}"}),
        json!({"type": "response.completed", "response": {"id": "resp_s1", "status": "completed", "output": [],
            "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 8}}}}),
    ]
}

#[test]
fn a_responses_stream_becomes_chat_chunks_and_then_a_messages_stream() {
    let mut decoder = Decoder::new("gpt-5-codex".into());
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
    let text: String = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.delta.content.clone())
        .collect();
    assert_eq!(text, "Hé there");
    let finishes: Vec<_> = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .filter_map(|c| c.finish_reason.as_deref())
        .collect();
    assert_eq!(finishes, ["tool_calls"], "exactly one finish");
    assert_eq!(
        chunks.last().unwrap().usage.as_ref().unwrap().prompt_tokens,
        50
    );

    // Through the Messages renderer: thinking signed with the packed item, text, tool_use.
    let mut messages = MessagesStream::new("gpt-5-codex".into(), 0);
    let mut events = Vec::new();
    for pivot in &pivots {
        match pivot {
            Pivot::Chunk(c) => events.extend(messages.push(c)),
            Pivot::Done => events.extend(messages.finish()),
            Pivot::Failed(m) => events.extend(messages.fail(m, "api_error")),
        }
    }
    let json = serde_json::to_string(&events).unwrap();
    assert!(
        json.contains("\"thinking\":\"Thinking.\"") || json.contains("Think"),
        "{json}"
    );
    assert!(json.contains("rs_1.ENC"), "{json}");
    assert!(
        json.contains("\"partial_json\":\"{\\\"cmd\\\":\""),
        "{json}"
    );
    assert!(json.contains("\"stop_reason\":\"tool_use\""), "{json}");
    assert!(json.ends_with("{\"type\":\"message_stop\"}]"), "{json}");
}

#[test]
fn a_cut_or_failed_stream_never_finishes() {
    let mut decoder = Decoder::new("m".into());
    let events = stream_fixture();
    let pivots: Vec<Pivot> = events[..10].iter().flat_map(|e| decoder.push(e)).collect();
    assert!(!decoder.is_finished());
    assert!(!pivots.iter().any(|p| matches!(p, Pivot::Done)));
    let failed = decoder.push(&json!({"type": "response.failed", "response": {"status": "failed", "error": {"code": "server_error", "message": "overloaded"}}}));
    assert_eq!(failed, vec![Pivot::Failed("overloaded".into())]);
    assert!(
        decoder.push(&events[14]).is_empty(),
        "nothing after the end"
    );
    let mut decoder = Decoder::new("m".into());
    assert_eq!(
        decoder
            .push(&json!({"type": "error", "code": "rate_limit_exceeded", "message": "slow down"})),
        vec![Pivot::Failed("slow down".into())]
    );
}

#[test]
fn reasoning_survives_a_round_trip_through_a_messages_client() {
    // Answer → Messages thinking block (signature = packed item) → the client's next request
    // → chat (pivot) → Responses: the same reasoning item goes back.
    let chat = answer(
        &serde_json::to_vec(&answer_fixture()).unwrap(),
        "gpt-5-codex",
    )
    .unwrap();
    let messages = crate::translate::response::openai_to_anthropic(&chat, "gpt-5-codex").unwrap();
    let assistant = serde_json::to_value(&messages.content).unwrap();
    let next: crate::translate::anthropic::MessagesRequest = serde_json::from_value(json!({
        "model": "gpt-5-codex", "max_tokens": 1000,
        "messages": [
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": assistant},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_7", "content": "a.txt"}]}
        ]
    }))
    .unwrap();
    let target = crate::translate::request::TargetModel {
        id: "gpt-5-codex".into(),
        supports_thinking_budget: false,
        supports_reasoning_effort: true,
        max_output_tokens: None,
        replays_reasoning: true,
    };
    let pivot = crate::translate::request::anthropic_to_openai(next, &target).unwrap();
    let pivot = serde_json::to_value(&pivot).unwrap();
    let out = request(pivot.as_object().unwrap().clone(), "gpt-5-codex").unwrap();
    let input = out["input"].as_array().unwrap();
    let reasoning = input.iter().find(|i| i["type"] == "reasoning").unwrap();
    assert_eq!(reasoning["id"], "rs_9");
    assert_eq!(reasoning["encrypted_content"], "enc9");
    let output = input
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .unwrap();
    assert_eq!(output["call_id"], "call_7");
    assert_eq!(output["output"], "a.txt");
}

#[test]
fn several_reasoning_items_all_go_back() {
    let mut fixture = answer_fixture();
    fixture["output"].as_array_mut().unwrap().insert(
        1,
        json!({"type": "reasoning", "id": "rs_10", "summary": [], "encrypted_content": "enc10"}),
    );
    let chat = answer(&serde_json::to_vec(&fixture).unwrap(), "m").unwrap();
    let opaque = chat.choices[0].message.reasoning_opaque.clone().unwrap();
    assert_eq!(opaque, "rs_9.enc9 rs_10.enc10");
    // Streamed: the second item's delta is separated, so the joined deltas are the same.
    let mut decoder = Decoder::new("m".into());
    let mut joined = String::new();
    for (id, enc) in [("rs_9", "enc9"), ("rs_10", "enc10")] {
        for pivot in decoder.push(
            &json!({"type": "response.output_item.done", "output_index": 0,
            "item": {"type": "reasoning", "id": id, "summary": [], "encrypted_content": enc}}),
        ) {
            if let Pivot::Chunk(c) = pivot {
                joined.push_str(c.choices[0].delta.reasoning_opaque.as_deref().unwrap_or(""));
            }
        }
    }
    assert_eq!(joined, opaque);
    let out = request(
        map(json!({"messages": [{"role": "user", "content": "hi"},
            {"role": "assistant", "content": "ok", "reasoning_opaque": opaque, "reasoning_text": "Plan."},
            {"role": "user", "content": "more"}]})),
        "m",
    )
    .unwrap();
    let items: Vec<&Value> = out["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "reasoning")
        .collect();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["id"].as_str(), items[1]["id"].as_str()),
        (Some("rs_9"), Some("rs_10"))
    );
    assert_eq!(items[1]["encrypted_content"], "enc10");
    assert_eq!(items[0]["summary"][0]["text"], "Plan.");
}

#[test]
fn refusals_and_file_ids_are_carried() {
    let mut decoder = Decoder::new("m".into());
    let pivots = decoder
        .push(&json!({"type": "response.refusal.delta", "output_index": 0, "delta": "I can't."}));
    let Some(Pivot::Chunk(chunk)) = pivots.first() else {
        panic!("{pivots:?}")
    };
    assert_eq!(chunk.choices[0].delta.extra["refusal"], "I can't.");
    let out = request(
        map(json!({"messages": [{"role": "user", "content": [
            {"type": "file", "file": {"file_id": "file-abc"}}]}]})),
        "m",
    )
    .unwrap();
    assert_eq!(
        out["input"][0]["content"][0],
        json!({"type": "input_file", "file_id": "file-abc"})
    );
}
