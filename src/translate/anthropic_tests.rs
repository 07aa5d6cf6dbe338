//! Tests of the Anthropic wire types: tolerance and exact serialization.

use super::*;
use serde_json::json;

#[test]
fn claude_code_request_parses_with_unknown_parts() {
    let body = json!({
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 32000,
        "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "system", "content": "late system note"},
            {"role": "user", "content": [
                {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}},
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}},
                {"type": "image", "source": {"type": "file", "file_id": "file_1"}}
            ]},
            {"role": "critic", "content": null}
        ],
        "tools": [
            {"name": "Read", "input_schema": {"type": "object"}, "defer_loading": true},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
        ],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
        "thinking": {"type": "enabled", "budget_tokens": 4000},
        "metadata": {"user_id": "{\"session\":\"abc\"}"},
        "context_management": {"edits": []},
        "top_k": 5
    });
    let req: MessagesRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(req.messages[0].role, Role::System);
    assert_eq!(req.messages[2].role, Role::Other("critic".into()));
    let MessageContent::Blocks(blocks) = &req.messages[1].content else {
        panic!("blocks expected")
    };
    assert!(
        matches!(&blocks[0], ContentBlock::Text { extra, .. } if extra.contains_key("cache_control"))
    );
    assert!(matches!(&blocks[1], ContentBlock::Unknown(v) if v["type"] == "server_tool_use"));
    assert!(matches!(
        &blocks[2],
        ContentBlock::Image { source, .. } if matches!(**source, ImageSource::Unknown(_))
    ));
    assert_eq!(
        req.tools.as_ref().unwrap()[1].extra["type"],
        "web_search_20250305"
    );
    assert!(req.extra.contains_key("context_management"));
    // Everything but the `null` content survives a round trip.
    let mut want = body;
    want["messages"][2]["content"] = json!([]);
    assert_eq!(serde_json::to_value(&req).unwrap(), want);
}

#[test]
fn malformed_known_block_degrades_to_unknown() {
    let block: ContentBlock = serde_json::from_value(json!({"type": "text"})).unwrap();
    assert_eq!(
        block,
        ContentBlock::Unknown(Box::new(json!({"type": "text"})))
    );
}

#[test]
fn stream_events_serialize_like_anthropic() {
    let cases = [
        (
            StreamEvent::ContentBlockStart {
                index: 0,
                content_block: ResponseBlock::Thinking {
                    thinking: String::new(),
                    signature: String::new(),
                },
            },
            json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        ),
        (
            StreamEvent::ContentBlockDelta {
                index: 1,
                delta: BlockDelta::InputJsonDelta {
                    partial_json: "{\"a".into(),
                },
            },
            json!({"type": "content_block_delta", "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": "{\"a"}}),
        ),
        (
            StreamEvent::MessageDelta {
                delta: MessageDeltaBody {
                    stop_reason: Some("end_turn".into()),
                    stop_sequence: None,
                },
                usage: Usage {
                    input_tokens: 3,
                    output_tokens: 5,
                    ..Usage::default()
                },
            },
            json!({"type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                "usage": {"input_tokens": 3, "output_tokens": 5}}),
        ),
        (StreamEvent::MessageStop, json!({"type": "message_stop"})),
        (StreamEvent::Ping, json!({"type": "ping"})),
        (
            StreamEvent::Error {
                error: ErrorBody {
                    kind: "overloaded_error".into(),
                    message: "busy".into(),
                },
            },
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
        ),
    ];
    for (event, want) in cases {
        assert_eq!(serde_json::to_value(&event).unwrap(), want);
        assert_eq!(event.event_name(), want["type"].as_str().unwrap());
        let back: StreamEvent = serde_json::from_value(want).unwrap();
        assert_eq!(back, event);
    }
    let unknown: StreamEvent =
        serde_json::from_value(json!({"type": "brand_new", "x": 1})).unwrap();
    assert_eq!(unknown.event_name(), "unknown");
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        json!({"type": "brand_new", "x": 1})
    );
}

#[test]
fn message_start_shell_has_explicit_nulls() {
    let shell = MessagesResponse {
        id: "msg_1".into(),
        kind: "message".into(),
        role: "assistant".into(),
        model: "claude-sonnet-4-5".into(),
        content: vec![],
        stop_reason: None,
        stop_sequence: None,
        usage: Usage {
            input_tokens: 10,
            ..Usage::default()
        },
        extra: Extra::new(),
    };
    assert_eq!(
        serde_json::to_value(StreamEvent::MessageStart { message: shell }).unwrap(),
        json!({"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 0}}})
    );
}

#[test]
fn one_pass_deserialisers_keep_unknown_fields_and_read_nulls_as_absent() {
    let req: MessagesRequest = serde_json::from_slice(
        br#"{"model": "m", "temperature": null, "context_management": {"edits": [1]},
            "messages": [{"role": "user", "content": null, "x\u0079": 1}], "system": "s"}"#,
    )
    .unwrap();
    assert_eq!(req.messages[0].content, MessageContent::Blocks(Vec::new()));
    assert_eq!(req.messages[0].extra["xy"], 1, "escaped keys are read too");
    assert_eq!(req.extra["context_management"], json!({"edits": [1]}));
    assert_eq!(req.temperature, None);
    assert_eq!(req.system, Some(System::Text("s".into())));
    let missing = serde_json::from_str::<MessagesRequest>(r#"{"messages": []}"#).unwrap_err();
    assert!(
        missing.to_string().contains("missing field `model`"),
        "{missing}"
    );
    let wrong = serde_json::from_str::<MessagesRequest>(
        r#"{"model": "m", "messages": [{"role": "user", "content": 5}]}"#,
    )
    .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("a string or an array of content blocks"),
        "{wrong}"
    );
    // Everything read is written back.
    let body = json!({"model": "m", "service_tier": "auto",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}],
        "tools": [{"name": "t", "input_schema": {"type": "object"}, "defer_loading": true}],
        "thinking": {"type": "enabled", "budget_tokens": 10, "x": 1}});
    let req: MessagesRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(serde_json::to_value(&req).unwrap(), body);
}
