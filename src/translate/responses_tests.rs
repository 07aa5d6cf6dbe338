use serde_json::{Value, json};

use super::*;

fn map(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn codex_requests_become_chat_requests() {
    let request = map(json!({
        "model": "claude-sonnet-4.5",
        "instructions": "You are Codex.",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be terse"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix it"},
                {"type": "input_image", "image_url": "data:image/png;base64,AA==", "detail": "low"}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Looking."}]},
            {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
            {"type": "custom_tool_call", "call_id": "c2", "name": "apply_patch", "input": "*** Begin Patch"},
            {"type": "function_call_output", "call_id": "c1", "output": "a.rs"},
            {"type": "custom_tool_call_output", "call_id": "c2", "output": "Done!"},
            {"type": "function_call_output", "call_id": "c3", "output": [{"type": "input_image", "image_url": "data:image/png;base64,BB=="}]}
        ],
        "tools": [
            {"type": "function", "name": "shell", "parameters": {"type": "object", "properties": {"command": {"type": "array"}}}, "strict": false},
            {"type": "custom", "name": "apply_patch", "description": "Edit files.", "format": {"type": "grammar", "definition": "start: patch"}}
        ],
        "tool_choice": {"type": "custom", "name": "apply_patch"},
        "max_output_tokens": 1000,
        "reasoning": {"effort": "high"},
        "text": {"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": true}},
        "stream": true
    }));
    let (chat, ctx) = to_chat(request.clone(), "claude-sonnet-4.5").unwrap();
    assert_eq!(ctx.custom_tools, ["apply_patch"]);
    let m = chat["messages"].as_array().unwrap();
    assert_eq!(m[0], json!({"role": "system", "content": "You are Codex."}));
    assert_eq!(m[1], json!({"role": "system", "content": "be terse"}));
    assert_eq!(
        m[2]["content"][1]["image_url"]["url"],
        "data:image/png;base64,AA=="
    );
    assert_eq!(m[3]["role"], "assistant");
    assert_eq!(m[3]["content"], "Looking.");
    let calls = m[3]["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "both calls join the assistant turn");
    assert_eq!(
        calls[1]["function"]["arguments"],
        "{\"input\":\"*** Begin Patch\"}"
    );
    assert_eq!(
        m[4],
        json!({"role": "tool", "tool_call_id": "c1", "content": "a.rs"})
    );
    assert_eq!(m[5]["tool_call_id"], "c2");
    assert_eq!(m[6]["tool_call_id"], "c3");
    assert_eq!(
        m[7]["role"], "user",
        "the tool's image follows as a user message"
    );
    assert_eq!(m[7]["content"][1]["type"], "image_url");
    assert_eq!(
        chat["tools"][1]["function"]["parameters"]["required"],
        json!(["input"])
    );
    assert!(
        chat["tools"][1]["function"]["description"]
            .as_str()
            .unwrap()
            .contains("start: patch")
    );
    assert_eq!(
        chat["tool_choice"],
        json!({"type": "function", "function": {"name": "apply_patch"}})
    );
    assert_eq!(chat["max_tokens"], 1000);
    assert_eq!(chat["reasoning_effort"], "high");
    assert_eq!(chat["response_format"]["json_schema"]["name"], "out");
    assert_eq!(chat["stream_options"]["include_usage"], true);
}

#[test]
fn hosted_tools_and_stored_state_are_refused_by_name() {
    let err = to_chat(
        map(json!({"model": "m", "input": "hi", "tools": [{"type": "web_search"}]})),
        "m",
    )
    .unwrap_err();
    assert!(err.to_string().contains("web_search"), "{err}");
    let err = to_chat(
        map(json!({"model": "m", "input": "hi", "previous_response_id": "resp_1"})),
        "m",
    )
    .unwrap_err();
    assert!(err.to_string().contains("previous_response_id"), "{err}");
    assert!(to_chat(map(json!({"model": "m"})), "m").is_err());
}

/// A whole answer as the client reads it.
fn whole(chat: &ChatResponse, model: &str, ctx: Context) -> Value {
    serde_json::to_value(to_response(chat, model, ctx).unwrap()).unwrap()
}

fn chat_response(v: Value) -> ChatResponse {
    serde_json::from_value(v).unwrap()
}

#[test]
fn answers_carry_every_required_field() {
    let ctx = Context {
        custom_tools: vec!["apply_patch".into()],
        ..Context::default()
    };
    let r = whole(
        &chat_response(
            json!({"id": "chatcmpl-9", "model": "claude", "created": 5, "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Patching."}, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "apply_patch", "arguments": "{\"input\":\"*** Begin\"}"}},
                {"id": "t2", "type": "function", "function": {"name": "shell", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "prompt_tokens_details": {"cached_tokens": 4}}}),
        ),
        "claude-sonnet-4.5",
        ctx.clone(),
    );
    assert_eq!(r["object"], "response");
    assert_eq!(r["status"], "completed");
    for key in [
        "error",
        "incomplete_details",
        "instructions",
        "previous_response_id",
    ] {
        assert!(r.get(key).is_some_and(Value::is_null), "{key}");
    }
    // `user` is an optional string in OpenAI's schema, not a nullable one.
    assert!(r.get("user").is_none());
    assert_eq!(r["output"][0]["content"][0]["text"], "Patching.");
    assert_eq!(
        r["output"][1],
        json!({"type": "custom_tool_call", "id": "ctc_t1", "call_id": "t1", "name": "apply_patch", "input": "*** Begin", "status": "completed"})
    );
    assert_eq!(r["output"][2]["type"], "function_call");
    assert_eq!(
        r["usage"]["input_tokens_details"],
        json!({"cached_tokens": 4, "cache_write_tokens": 0})
    );
    assert_eq!(r["usage"]["total_tokens"], 15);
}

fn chunk(v: Value) -> ChatChunk {
    serde_json::from_value(v).unwrap()
}

#[test]
fn streams_open_and_close_every_item_and_end_once() {
    let mut t = StreamTranslator::new("claude-sonnet-4.5".into(), Context::default());
    let mut events = Vec::new();
    events.extend(t.push(&chunk(json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]}))));
    events.extend(t.push(&chunk(
        json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "lo"}}]}),
    )));
    events.extend(t.push(&chunk(json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "t1", "type": "function", "function": {"name": "shell", "arguments": ""}}]}}]}))));
    events.extend(t.push(&chunk(json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"a\":1}"}}]}, "finish_reason": "tool_calls"}]}))));
    events.extend(t.push(&chunk(json!({"id": "c", "model": "m", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}))));
    events.extend(t.finish());
    assert!(t.finish().is_empty(), "one terminal event");
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let seq: Vec<u64> = events
        .iter()
        .map(|(_, v)| v["sequence_number"].as_u64().unwrap())
        .collect();
    assert!(seq.windows(2).all(|w| w[1] == w[0] + 1));
    let done = &events.last().unwrap().1["response"];
    assert_eq!(done["output"][0]["content"][0]["text"], "Hello");
    assert_eq!(done["output"][1]["arguments"], "{\"a\":1}");
    assert_eq!(done["usage"]["output_tokens"], 2);

    let mut cut = StreamTranslator::new("m".into(), Context::default());
    cut.push(&chunk(
        json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "part"}}]}),
    ));
    let end = cut.fail("connection reset");
    assert_eq!(end.len(), 1);
    assert_eq!(end[0].0, "error");
    assert!(cut.finish().is_empty());
    let mut long = StreamTranslator::new("m".into(), Context::default());
    long.push(&chunk(json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": "length"}]})));
    assert_eq!(long.finish().last().unwrap().0, "response.incomplete");
}

#[test]
fn reasoning_becomes_a_reasoning_item_and_comes_back_as_reasoning() {
    // A Claude answer through Copilot's chat: thinking text and its signature.
    let chat = chat_response(json!({"id": "chatcmpl-r1", "model": "claude", "created": 3,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Done.",
            "reasoning_text": "Think first.", "reasoning_opaque": "SIG"}, "finish_reason": "stop"}]}));
    let answer = whole(&chat, "claude", Context::default());
    let item = &answer["output"][0];
    assert_eq!(item["type"], "reasoning");
    assert_eq!(item["summary"][0]["text"], "Think first.");
    assert_eq!(item["encrypted_content"], "SIG");
    assert_eq!(answer["output"][1]["type"], "message");

    // The client sends it back: the assistant turn carries it again.
    let (chat, _) = to_chat(
        map(json!({"model": "claude", "input": [
            {"type": "message", "role": "user", "content": "hi"},
            item.clone(),
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Done."}]},
            {"type": "message", "role": "user", "content": "again"}]})),
        "claude",
    )
    .unwrap();
    let messages = chat["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert_eq!(
        messages[1],
        json!({"role": "assistant", "content": "Done.", "reasoning_text": "Think first.", "reasoning_opaque": "SIG"})
    );
}

#[test]
fn streamed_reasoning_is_an_item_closed_when_its_signature_is_known() {
    let mut t = StreamTranslator::new("claude".into(), Context::default());
    let mut events = Vec::new();
    for c in [
        json!({"id": "c", "choices": [{"index": 0, "delta": {"reasoning_text": "Hm"}}]}),
        json!({"id": "c", "choices": [{"index": 0, "delta": {"reasoning_text": "m."}}]}),
        json!({"id": "c", "choices": [{"index": 0, "delta": {"content": "Answer"}}]}),
        // Copilot sends Claude's signature after the text started.
        json!({"id": "c", "choices": [{"index": 0, "delta": {"reasoning_opaque": "SIG"}}]}),
        json!({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    ] {
        events.extend(t.push(&chunk(c)));
    }
    events.extend(t.finish());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"response.reasoning_summary_text.delta"),
        "{names:?}"
    );
    let added = names
        .iter()
        .filter(|n| **n == "response.output_item.added")
        .count();
    let done = names
        .iter()
        .filter(|n| **n == "response.output_item.done")
        .count();
    assert_eq!((added, done), (2, 2), "{names:?}");
    let (_, completed) = events.last().unwrap();
    let output = completed["response"]["output"].as_array().unwrap();
    assert_eq!(output[0]["type"], "reasoning", "in output-index order");
    assert_eq!(output[0]["summary"][0]["text"], "Hmm.");
    assert_eq!(output[0]["encrypted_content"], "SIG");
    assert_eq!(output[1]["content"][0]["text"], "Answer");
}

#[test]
fn codexs_namespaces_and_offered_web_search_are_handled() {
    // As Codex 0.171 sends them: a namespace of sub-agent tools, and web search offered.
    let request = map(json!({"model": "claude", "input": [
            {"type": "message", "role": "user", "content": "spawn"},
            {"type": "function_call", "call_id": "c0", "name": "spawn_agent", "namespace": "multi_agent_v1", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c0", "output": "ok"}],
        "tools": [
            {"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}},
            {"type": "namespace", "name": "multi_agent_v1", "description": "Sub-agents.", "tools": [
                {"type": "function", "name": "spawn_agent", "description": "Spawn.", "parameters": {"type": "object", "properties": {}}}]},
            {"type": "web_search", "external_web_access": true}]}));
    let (chat, ctx) = to_chat(request.clone(), "claude").unwrap();
    let names: Vec<&str> = chat["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["exec_command", "multi_agent_v1__spawn_agent"]);
    assert_eq!(ctx.dropped_tools, ["web_search"]);
    assert_eq!(
        chat["messages"][1]["tool_calls"][0]["function"]["name"],
        "multi_agent_v1__spawn_agent"
    );
    // The model's call goes back under its namespace.
    let answer = chat_response(
        json!({"id": "x", "model": "claude", "choices": [{"index": 0, "message": {"role": "assistant",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "multi_agent_v1__spawn_agent", "arguments": "{}"}}]},
        "finish_reason": "tool_calls"}]}),
    );
    let r = whole(&answer, "claude", ctx.clone());
    assert_eq!(r["output"][0]["name"], "spawn_agent");
    assert_eq!(r["output"][0]["namespace"], "multi_agent_v1");
    // Forced, or alone, web search is refused by name.
    for body in [
        json!({"model": "m", "input": "hi", "tools": [{"type": "web_search"}]}),
        json!({"model": "m", "input": "hi", "tool_choice": {"type": "web_search"},
               "tools": [{"type": "web_search"}, {"type": "function", "name": "f"}]}),
    ] {
        let err = to_chat(map(body), "m").unwrap_err().to_string();
        assert!(err.contains("web_search"), "{err}");
    }
}

#[test]
fn every_translated_answer_has_its_own_id_and_hosted_only_tools_are_refused() {
    let chat = chat_response(
        json!({"id": "", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "a"}, "finish_reason": "stop"}]}),
    );
    let (a, b) = (
        whole(&chat, "m", Context::default()),
        whole(&chat, "m", Context::default()),
    );
    assert_ne!(a["id"], b["id"]);
    assert!(a["id"].as_str().unwrap().starts_with("resp_"));
    let mut s1 = StreamTranslator::new("m".into(), Context::default());
    let mut s2 = StreamTranslator::new("m".into(), Context::default());
    let empty = chunk(json!({"id": "", "choices": [{"index": 0, "delta": {"content": "x"}}]}));
    assert_ne!(
        s1.push(&empty)[0].1["response"]["id"],
        s2.push(&empty)[0].1["response"]["id"]
    );

    for tools in [
        json!([{"type": "web_search"}, {"type": "file_search"}]),
        json!([{"type": "namespace", "name": "ns", "tools": ["oops"]}]),
    ] {
        assert!(
            to_chat(
                map(json!({"model": "m", "input": "hi", "tools": tools})),
                "m"
            )
            .is_err()
        );
    }
    // OpenAI's encrypted reasoning from a Responses model is not replayed to a chat model.
    let (chat, _) = to_chat(
        map(json!({"model": "m", "input": [
            {"type": "message", "role": "user", "content": "hi"},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAAABfernet"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}]})),
        "m",
    )
    .unwrap();
    assert_eq!(
        chat["messages"][1],
        json!({"role": "assistant", "content": "ok"})
    );
}

#[test]
fn the_envelope_says_what_the_request_said_and_the_api_defaults_otherwise() {
    let chat = chat_response(
        json!({"id": "c", "model": "m", "created": 7, "choices": [{"index": 0, "message": {"role": "assistant", "content": "a"}, "finish_reason": "stop"}]}),
    );
    let keys = |r: &Value| r.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let order = [
        "id",
        "object",
        "created_at",
        "status",
        "error",
        "incomplete_details",
        "instructions",
        "max_output_tokens",
        "model",
        "output",
        "parallel_tool_calls",
        "previous_response_id",
        "reasoning",
        "store",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_p",
        "truncation",
        "usage",
        "metadata",
    ];
    let plain = whole(&chat, "m", Context::default());
    assert_eq!(keys(&plain), order);
    let mut defaults = plain.as_object().unwrap().clone();
    for key in ["id", "output"] {
        defaults.remove(key);
    }
    assert_eq!(
        Value::Object(defaults),
        json!({"object": "response", "created_at": 7, "status": "completed", "error": null,
            "incomplete_details": null, "instructions": null, "max_output_tokens": null,
            "model": "m", "parallel_tool_calls": true, "previous_response_id": null,
            "reasoning": {"effort": null, "summary": null}, "store": true, "temperature": 1.0,
            "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
            "top_p": 1.0, "truncation": "disabled", "usage": null, "metadata": {}})
    );
    // Everything the request said comes back, `user` included (only then).
    let said = json!({"instructions": "Be brief.", "max_output_tokens": 99,
        "parallel_tool_calls": false, "previous_response_id": "resp_1",
        "reasoning": {"effort": "high", "summary": "auto"}, "store": false, "temperature": 0.2,
        "text": {"format": {"type": "json_object"}}, "tool_choice": "required",
        "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
        "top_p": 0.5, "user": "u1", "metadata": {"k": "v"}});
    let mut ctx = Context::default();
    for key in ECHOED.into_iter().chain(["previous_response_id"]) {
        ctx.echo.keep(key, &said[key]);
    }
    let echoed = whole(&chat, "m", ctx.clone());
    for (key, value) in said.as_object().unwrap() {
        assert_eq!(&echoed[key], value, "{key}");
    }
    let mut with_user = order.to_vec();
    with_user.insert(order.len() - 1, "user");
    assert_eq!(keys(&echoed), with_user);
    // A stream's envelopes are the same object.
    let mut t = StreamTranslator::new("m".into(), ctx);
    let mut events = t.push(&chunk(
        json!({"id": "c", "created": 7, "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": "length"}]}),
    ));
    events.extend(t.finish());
    let (name, last) = events.last().unwrap();
    assert_eq!(name, "response.incomplete");
    let streamed = &last["response"];
    assert_eq!(keys(streamed), with_user);
    assert_eq!(
        streamed["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    for (key, value) in said.as_object().unwrap() {
        assert_eq!(&streamed[key], value, "{key}");
    }
    let created = &events[0].1["response"];
    assert_eq!(created["status"], "in_progress");
    assert!(created["incomplete_details"].is_null());
    assert_eq!(created["output"], json!([]));
}
