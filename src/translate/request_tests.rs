//! Golden tests of [`super::anthropic_to_openai`] with realistic Claude Code bodies.

use serde_json::{Value, json};

use super::*;

fn claude() -> TargetModel {
    TargetModel {
        id: "claude-sonnet-4.5".into(),
        supports_thinking_budget: true,
        supports_reasoning_effort: false,
        max_output_tokens: Some(16000),
        replays_reasoning: false,
    }
}

fn gpt() -> TargetModel {
    TargetModel {
        id: "gpt-5".into(),
        supports_thinking_budget: false,
        supports_reasoning_effort: true,
        max_output_tokens: Some(128000),
        replays_reasoning: false,
    }
}

fn translate(body: Value, target: &TargetModel) -> Value {
    let req: MessagesRequest = serde_json::from_value(body).unwrap();
    serde_json::to_value(anthropic_to_openai(req, target).unwrap()).unwrap()
}

#[test]
fn reference_worked_example() {
    let target = TargetModel {
        id: "claude-sonnet-4".into(),
        ..claude()
    };
    let got = translate(
        json!({"model": "claude-sonnet-4-20250514", "max_tokens": 1024,
            "system": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}],
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "ok"},
                    {"type": "tool_use", "id": "t1", "name": "Read", "input": {"p": 1}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": "data"},
                    {"type": "text", "text": "go on"}]}],
            "tools": [{"name": "Read", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "any"}, "stream": true}),
        &target,
    );
    assert_eq!(
        got,
        json!({"model": "claude-sonnet-4", "messages": [
                {"role": "system", "content": "A\n\nB"},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "ok", "tool_calls": [
                    {"id": "t1", "type": "function", "function": {"name": "Read", "arguments": "{\"p\":1}"}}]},
                {"role": "tool", "tool_call_id": "t1", "content": "data"},
                {"role": "user", "content": "go on"}],
            "max_tokens": 1024, "stream": true, "stream_options": {"include_usage": true},
            "tools": [{"type": "function", "function": {"name": "Read", "parameters": {"type": "object"}}}],
            "tool_choice": "required"})
    );
}

fn thinking_conversation() -> Value {
    json!({"model": "claude-sonnet-4-5-20250929", "max_tokens": 32000,
        "thinking": {"type": "enabled", "budget_tokens": 8000},
        "messages": [
            {"role": "user", "content": "How many files?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "I should count them.", "signature": "EqMBsig1"},
                {"type": "redacted_thinking", "data": "ENCRYPTED"},
                {"type": "text", "text": "Counting."},
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls | wc -l"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "12"}]}]})
}

#[test]
fn thinking_is_replayed_as_reasoning_for_claude() {
    let got = translate(thinking_conversation(), &claude());
    assert_eq!(got["thinking_budget"], 8000);
    assert_eq!(got.get("reasoning_effort"), None);
    assert_eq!(
        got["messages"][1],
        json!({"role": "assistant", "content": "Counting.",
            "tool_calls": [{"id": "toolu_1", "type": "function",
                "function": {"name": "Bash", "arguments": "{\"command\":\"ls | wc -l\"}"}}],
            "reasoning_text": "I should count them.", "reasoning_opaque": "EqMBsig1"})
    );
    // Only tool results: no empty user message after the tool message.
    assert_eq!(got["messages"].as_array().unwrap().len(), 3);
    assert_eq!(
        got["messages"][2],
        json!({"role": "tool", "tool_call_id": "toolu_1", "content": "12"})
    );
}

#[test]
fn thinking_is_dropped_and_budget_becomes_effort_for_gpt() {
    let got = translate(thinking_conversation(), &gpt());
    assert_eq!(got.get("thinking_budget"), None);
    assert_eq!(got["reasoning_effort"], "medium");
    let assistant = &got["messages"][1];
    assert_eq!(assistant["content"], "Counting.");
    assert_eq!(assistant.get("reasoning_text"), None);
    assert_eq!(assistant.get("reasoning_opaque"), None);
}

#[test]
fn thinking_settings_per_target() {
    let with = |thinking: Value, output_config: Value, target: &TargetModel| {
        let got = translate(
            json!({"model": "m", "max_tokens": 4096, "messages": [{"role": "user", "content": "x"}],
                "thinking": thinking, "output_config": output_config}),
            target,
        );
        (
            got.get("thinking_budget").cloned(),
            got.get("reasoning_effort").cloned(),
        )
    };
    let enabled = |n: u64| json!({"type": "enabled", "budget_tokens": n});
    let none = json!({});
    // Budget is kept below max_tokens for Claude.
    assert_eq!(
        with(enabled(1024), none.clone(), &claude()),
        (Some(json!(1024)), None)
    );
    assert_eq!(
        with(enabled(10000), none.clone(), &claude()),
        (Some(json!(4095)), None)
    );
    // Budget buckets for GPT.
    assert_eq!(
        with(enabled(1024), none.clone(), &gpt()),
        (None, Some(json!("low")))
    );
    assert_eq!(
        with(enabled(2048), none.clone(), &gpt()),
        (None, Some(json!("medium")))
    );
    assert_eq!(
        with(enabled(16384), none.clone(), &gpt()),
        (None, Some(json!("high")))
    );
    // Explicit effort wins and also applies to adaptive and disabled thinking.
    let effort = |e: &str| json!({"effort": e});
    assert_eq!(
        with(enabled(1024), effort("max"), &gpt()),
        (None, Some(json!("high")))
    );
    assert_eq!(
        with(json!({"type": "adaptive"}), effort("low"), &gpt()),
        (None, Some(json!("low")))
    );
    assert_eq!(
        with(json!({"type": "adaptive"}), none.clone(), &gpt()),
        (None, None)
    );
    assert_eq!(
        with(json!({"type": "disabled"}), none.clone(), &claude()),
        (None, None)
    );
    assert_eq!(
        with(json!({"type": "adaptive"}), effort("high"), &claude()),
        (None, None)
    );
    assert_eq!(
        with(json!({"type": "disabled"}), effort("extreme"), &gpt()),
        (None, None)
    );
}

#[test]
fn images_base64_url_and_inside_tool_results() {
    let got = translate(
        json!({"model": "m", "max_tokens": 100, "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "What is in these?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
                {"type": "image", "source": {"type": "file", "file_id": "file_011"}}]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "s1", "name": "Screenshot", "input": {}},
                {"type": "tool_use", "id": "s2", "name": "Screenshot", "input": {}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "s1", "content": [
                    {"type": "text", "text": "Captured 800x600"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}}]},
                {"type": "tool_result", "tool_use_id": "s2", "content": [
                    {"type": "image", "source": {"type": "url", "url": "https://example.com/s2.png"}}]},
                {"type": "text", "text": "Compare them."}]}]}),
        &claude(),
    );
    let image = |url: &str| json!({"type": "image_url", "image_url": {"url": url}});
    assert_eq!(
        got["messages"],
        json!([
            {"role": "user", "content": [
                {"type": "text", "text": "What is in these?"},
                image("data:image/png;base64,iVBORw0KGgo="),
                image("https://example.com/cat.jpg")]},
            {"role": "assistant", "tool_calls": [
                {"id": "s1", "type": "function", "function": {"name": "Screenshot", "arguments": "{}"}},
                {"id": "s2", "type": "function", "function": {"name": "Screenshot", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "s1", "content": "Captured 800x600"},
            {"role": "tool", "tool_call_id": "s2", "content": TOOL_IMAGE_NOTE},
            {"role": "user", "content": [
                image("data:image/jpeg;base64,/9j/4AAQ"),
                image("https://example.com/s2.png"),
                {"type": "text", "text": "Compare them."}]}
        ])
    );
    let req: ChatRequest = serde_json::from_value(got).unwrap();
    assert!(req.has_images());
    assert!(matches!(
        req.messages.last().map(|m| &m.role),
        Some(Role::User)
    ));
}

#[test]
fn tool_errors_are_prefixed_once() {
    let got = translate(
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "a", "is_error": true, "content": "No such file"},
            {"type": "tool_result", "tool_use_id": "b", "is_error": true, "content": "Error: exit code 2"},
            {"type": "tool_result", "tool_use_id": "c", "is_error": true,
             "content": [{"type": "text", "text": "<tool_use_error>denied</tool_use_error>"}]},
            {"type": "tool_result", "tool_use_id": "d", "is_error": false, "content": "fine"},
            {"type": "tool_result", "tool_use_id": "e"},
            {"type": "text", "text": "  "}]}]}),
        &claude(),
    );
    let contents: Vec<&str> = got["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        [
            "Error: No such file",
            "Error: exit code 2",
            "Error: <tool_use_error>denied</tool_use_error>",
            "fine",
            ""
        ]
    );
    let req: ChatRequest = serde_json::from_value(got).unwrap();
    assert!(matches!(
        req.messages.last().map(|m| &m.role),
        Some(Role::Tool)
    ));
}

#[test]
fn system_messages_inside_messages_stay_system_and_in_place() {
    let got = translate(
        json!({"model": "m", "system": "You are Claude Code.", "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "system", "content": [{"type": "text", "text": "Reminder: be brief.", "cache_control": {"type": "ephemeral"}}]},
            {"role": "user", "content": [{"type": "text", "text": "and?"}, {"type": "text", "text": ""}]},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "unsigned", "signature": ""}]},
            {"role": "assistant", "content": ""}]}),
        &claude(),
    );
    assert_eq!(
        got["messages"],
        json!([
            {"role": "system", "content": "You are Claude Code."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "system", "content": "Reminder: be brief."},
            {"role": "user", "content": "and?"}
        ])
    );
}

#[test]
fn tool_choice_variants() {
    let choice = |tool_choice: Value| {
        let got = translate(
            json!({"model": "m", "messages": [], "tool_choice": tool_choice,
                "tools": [{"name": "Read", "description": "Reads", "input_schema": {"type": "object"}}]}),
            &claude(),
        );
        (
            got.get("tool_choice").cloned(),
            got.get("parallel_tool_calls").cloned(),
        )
    };
    assert_eq!(choice(json!({"type": "auto"})), (Some(json!("auto")), None));
    assert_eq!(
        choice(json!({"type": "any"})),
        (Some(json!("required")), None)
    );
    assert_eq!(choice(json!({"type": "none"})), (Some(json!("none")), None));
    assert_eq!(
        choice(json!({"type": "tool", "name": "Read", "disable_parallel_tool_use": true})),
        (
            Some(json!({"type": "function", "function": {"name": "Read"}})),
            Some(json!(false))
        )
    );
    assert_eq!(choice(json!({"type": "tool"})), (None, None));
    assert_eq!(
        choice(json!({"type": "auto", "disable_parallel_tool_use": false})),
        (Some(json!("auto")), None)
    );
    assert_eq!(choice(json!({"type": "someday"})), (None, None));
    let no_tools = translate(
        json!({"model": "m", "messages": [], "tools": [],
            "tool_choice": {"type": "any", "disable_parallel_tool_use": true}}),
        &claude(),
    );
    assert_eq!(
        no_tools,
        json!({"model": "claude-sonnet-4.5", "messages": [], "max_tokens": 16000})
    );
}

#[test]
fn tools_keep_schemas_and_get_a_default_one() {
    let got = translate(
        json!({"model": "m", "messages": [], "tools": [
            {"name": "Read", "description": "Read a file", "cache_control": {"type": "ephemeral"},
             "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"],
                 "additionalProperties": false, "$schema": "http://json-schema.org/draft-07/schema#"}},
            {"name": "Bare"},
            {"name": "Later", "input_schema": {"type": "object"}, "defer_loading": true}]}),
        &claude(),
    );
    assert_eq!(
        got["tools"],
        json!([
            {"type": "function", "function": {"name": "Read", "description": "Read a file",
                "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"],
                    "additionalProperties": false, "$schema": "http://json-schema.org/draft-07/schema#"}}},
            {"type": "function", "function": {"name": "Bare", "parameters": {"type": "object", "properties": {}}}},
            {"type": "function", "function": {"name": "Later", "parameters": {"type": "object"}}}
        ])
    );
}

#[test]
fn output_config_format_and_scalar_fields() {
    let got = translate(
        json!({"model": "m", "messages": [{"role": "user", "content": "json please"}],
            "stop_sequences": ["\n\nHuman:"], "temperature": 0.2, "top_p": 0.9, "top_k": 40,
            "stream": false, "service_tier": "auto", "context_management": {"edits": []},
            "metadata": {"user_id": "{\"device_id\":\"d\",\"session_id\":\"s\"}"},
            "output_config": {"effort": "medium", "format": {"type": "json_schema",
                "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}),
        &gpt(),
    );
    assert_eq!(
        got,
        json!({"model": "gpt-5", "messages": [{"role": "user", "content": "json please"}],
            "max_tokens": 128000, "stream": false, "temperature": 0.2, "top_p": 0.9,
            "stop": ["\n\nHuman:"], "user": "{\"device_id\":\"d\",\"session_id\":\"s\"}",
            "response_format": {"type": "json_schema", "json_schema": {"name": "response",
                "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}, "strict": false}},
            "reasoning_effort": "medium"})
    );
    let plain = translate(
        json!({"model": "m", "messages": [], "output_config": {"format": {"type": "text"}}}),
        &TargetModel {
            max_output_tokens: None,
            ..claude()
        },
    );
    assert_eq!(plain, json!({"model": "claude-sonnet-4.5", "messages": []}));
}

#[test]
fn text_documents_are_inlined_and_binary_ones_refused() {
    let got = translate(
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "document", "title": "notes.txt",
             "source": {"type": "text", "media_type": "text/plain", "data": "line one"}},
            {"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "nested"}]}},
            {"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {}}]}]}),
        &claude(),
    );
    assert_eq!(
        got["messages"],
        json!([{"role": "user", "content": "notes.txt\n\nline one\n\nnested"}])
    );
    // A PDF cannot travel on chat completions: refused, never replaced by a placeholder.
    for content in [
        json!([{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"}}]),
        json!([{"type": "text", "text": "see"}, {"type": "tool_result", "tool_use_id": "t", "content": [
            {"type": "document", "source": {"type": "file", "file_id": "file_1"}}]}]),
    ] {
        let req: MessagesRequest = serde_json::from_value(
            json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": content}]}),
        )
        .unwrap();
        let err = anthropic_to_openai(req, &claude()).unwrap_err().to_string();
        assert!(err.contains("messages.0.content."), "{err}");
        assert!(
            err.contains("application/pdf") || err.contains("`file`"),
            "{err}"
        );
    }
}

#[test]
fn thinking_split_from_its_late_signature_is_rejoined() {
    // What our own stream produces when Copilot sends the signature after text started.
    let got = translate(
        json!({"model": "m", "messages": [{"role": "assistant", "content": [
            {"type": "thinking", "thinking": "First, look.", "signature": ""},
            {"type": "text", "text": "Looking."},
            {"type": "thinking", "thinking": "", "signature": "sig-late"}]}]}),
        &claude(),
    );
    assert_eq!(
        got["messages"],
        json!([{"role": "assistant", "content": "Looking.",
            "reasoning_text": "First, look.", "reasoning_opaque": "sig-late"}])
    );
}

#[test]
fn versioned_client_tools_get_their_schemas_and_server_tools_are_refused() {
    let got = translate(
        json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "bash_20250124", "name": "bash"},
                      {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
                      {"type": "text_editor_20250124", "name": "str_replace_editor"}],
            "tool_choice": {"type": "tool", "name": "bash"}}),
        &claude(),
    );
    let tools = got["tools"].as_array().unwrap();
    assert_eq!(
        tools[0]["function"]["parameters"]["properties"]["command"]["type"],
        "string"
    );
    let editor = &tools[1]["function"]["parameters"];
    assert_eq!(editor["required"], json!(["command", "path"]));
    assert!(
        !editor["properties"]["command"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("undo_edit"))
    );
    assert!(
        tools[2]["function"]["parameters"]["properties"]["command"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("undo_edit"))
    );
    // A forced tool stays forced.
    assert_eq!(
        got["tool_choice"],
        json!({"type": "function", "function": {"name": "bash"}})
    );
    for server in [
        "web_search_20250305",
        "web_fetch_20250910",
        "code_execution_20250825",
    ] {
        let req: MessagesRequest = serde_json::from_value(json!({"model": "m", "max_tokens": 10,
            "messages": [{"role": "user", "content": "Perform a web search for the query: rust"}],
            "tools": [{"type": server, "name": "web_search", "max_uses": 8}]}))
        .unwrap();
        let err = anthropic_to_openai(req, &claude()).unwrap_err().to_string();
        assert!(
            err.contains(server) && err.contains("/v1/messages"),
            "{err}"
        );
    }
}
