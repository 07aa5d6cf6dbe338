//! OpenAI chat-completions response → Anthropic Messages response (non-streaming).
//!
//! Owns [`openai_to_anthropic`] plus the stop-reason, usage and message-id rules that the
//! streaming translator ([`super::stream`]) shares. Rules, improving on 0.7.0 (reference §5.2):
//!
//! * All choices are read: Copilot's Claude puts text in choice 0 and tool calls in choice 1.
//!   Blocks come out as all thinking blocks, then all non-empty text, then all tool calls.
//! * `reasoning_text` becomes a `thinking` block signed with `reasoning_opaque` (empty
//!   signature when none). A signature without text still yields a thinking block with empty
//!   text, so the signature survives the round trip back into the next request.
//! * Tool-call arguments are parsed; empty (or `null`) arguments mean `{}`; anything else
//!   that is not JSON is an error ([`TranslateError::InvalidToolArguments`]) rather than a
//!   guessed input.
//! * Stop reason: `tool_calls` on any choice wins, then `length` (`max_tokens`); tool calls
//!   under a plain `stop` also give `tool_use` (Copilot sometimes says `stop`); everything
//!   else, including `content_filter` and a missing reason, is `end_turn`. `content_filter`
//!   is not mapped to `refusal` because Claude Code treats that as a hard policy refusal,
//!   which Copilot's filter results are not reliably.
//! * The id is `msg_` + the upstream id reduced to ASCII alphanumerics, and `model` is the
//!   name the client asked for, not Copilot's id.

use serde_json::Value;

use super::TranslateError;
use super::anthropic::{Extra, MessagesResponse, ResponseBlock, Usage};
use super::openai::{self, ChatResponse, ContentPart, MessageContent};

/// Translates a complete upstream response. `model` is the model name the client sent.
pub fn openai_to_anthropic(
    resp: &ChatResponse,
    model: &str,
) -> Result<MessagesResponse, TranslateError> {
    let mut thinking = Vec::new();
    let mut text = Vec::new();
    let mut tools = Vec::new();
    let mut stop = StopReason::default();
    for choice in &resp.choices {
        let message = &choice.message;
        let reasoning = message.reasoning_text.clone().unwrap_or_default();
        let signature = message.reasoning_opaque.clone().unwrap_or_default();
        if !reasoning.is_empty() || !signature.is_empty() {
            thinking.push(ResponseBlock::Thinking {
                thinking: reasoning,
                signature,
            });
        }
        match &message.content {
            Some(MessageContent::Text(t)) if !t.is_empty() => {
                text.push(ResponseBlock::Text { text: t.clone() });
            }
            Some(MessageContent::Parts(parts)) => {
                text.extend(parts.iter().filter_map(|p| match p {
                    ContentPart::Text { text, .. } if !text.is_empty() => {
                        Some(ResponseBlock::Text { text: text.clone() })
                    }
                    _ => None,
                }));
            }
            _ => {}
        }
        for call in message.tool_calls.iter().flatten() {
            let input = parse_arguments(&call.function.name, &call.function.arguments)?;
            tools.push(ResponseBlock::ToolUse {
                id: tool_use_id(&call.id, tools.len()),
                name: call.function.name.clone(),
                input,
            });
        }
        stop.observe(choice.finish_reason.as_deref());
    }
    if !tools.is_empty() {
        stop.saw_tool_use();
    }
    let mut content = thinking;
    content.extend(text);
    content.extend(tools);
    Ok(MessagesResponse {
        id: message_id(&resp.id, resp.created),
        kind: "message".to_owned(),
        role: "assistant".to_owned(),
        model: model.to_owned(),
        content,
        stop_reason: Some(stop.anthropic().to_owned()),
        stop_sequence: None,
        usage: resp.usage.as_ref().map(anthropic_usage).unwrap_or_default(),
        extra: Extra::new(),
    })
}

/// Parses tool-call arguments; blank or `null` means no arguments (`{}`).
pub(crate) fn parse_arguments(name: &str, arguments: &str) -> Result<Value, TranslateError> {
    if arguments.trim().is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_str(arguments) {
        Ok(Value::Null) => Ok(Value::Object(serde_json::Map::new())),
        Ok(value) => Ok(value),
        Err(source) => Err(TranslateError::InvalidToolArguments {
            name: name.to_owned(),
            source,
        }),
    }
}

/// Upstream tool-call id, or a stable stand-in when upstream sent none.
pub(crate) fn tool_use_id(upstream: &str, ordinal: usize) -> String {
    if upstream.is_empty() {
        format!("toolu_{ordinal}")
    } else {
        upstream.to_owned()
    }
}

/// `msg_` + the upstream id reduced to ASCII alphanumerics (kept as is when it already is a
/// `msg_` id). Copilot's leading chunks can have an empty id; then the timestamp is used.
pub(crate) fn message_id(upstream: &str, created: Option<u64>) -> String {
    if upstream.starts_with("msg_") {
        return upstream.to_owned();
    }
    let clean: String = upstream
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match (clean.is_empty(), created) {
        (false, _) => format!("msg_{clean}"),
        (true, Some(created)) => format!("msg_copilot{created}"),
        (true, None) => "msg_copilot".to_owned(),
    }
}

/// Anthropic usage from OpenAI usage: cached tokens are reported separately, as Anthropic does.
pub(crate) fn anthropic_usage(usage: &openai::Usage) -> Usage {
    let cached = usage.cached_tokens().unwrap_or(0);
    let written = usage.cache_write_tokens();
    Usage {
        input_tokens: usage.prompt_tokens.saturating_sub(cached + written),
        output_tokens: usage.completion_tokens,
        cache_creation_input_tokens: Some(written),
        cache_read_input_tokens: Some(cached),
        extra: Extra::new(),
    }
}

/// Folds the finish reasons of all choices into one Anthropic stop reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StopReason {
    tool_calls: bool,
    length: bool,
    tool_use_seen: bool,
    any: bool,
}

impl StopReason {
    /// Records one choice's `finish_reason`.
    pub(crate) fn observe(&mut self, finish_reason: Option<&str>) {
        let Some(reason) = finish_reason else {
            return;
        };
        self.any = true;
        match reason {
            "tool_calls" | "function_call" => self.tool_calls = true,
            "length" => self.length = true,
            _ => {}
        }
    }

    /// Records that at least one tool_use block was produced.
    pub(crate) fn saw_tool_use(&mut self) {
        self.tool_use_seen = true;
    }

    /// Whether any finish reason was observed.
    pub(crate) fn finished(&self) -> bool {
        self.any
    }

    /// The Anthropic `stop_reason`.
    pub(crate) fn anthropic(&self) -> &'static str {
        if self.tool_calls {
            "tool_use"
        } else if self.length {
            "max_tokens"
        } else if self.tool_use_seen {
            "tool_use"
        } else {
            "end_turn"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn translate(body: Value) -> Result<MessagesResponse, TranslateError> {
        let resp: ChatResponse = serde_json::from_value(body).unwrap();
        openai_to_anthropic(&resp, "claude-sonnet-4-5-20250929")
    }

    #[test]
    fn text_and_tool_calls_split_across_choices() {
        let got = translate(json!({
            "id": "chatcmpl-9f2b7c",
            "object": "chat.completion",
            "created": 1760000000,
            "model": "claude-sonnet-4.5",
            "choices": [
                {"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "Let me read both files."}},
                {"index": 1, "finish_reason": "tool_calls",
                 "message": {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "toolu_01A", "type": "function",
                     "function": {"name": "Read", "arguments": "{\"file_path\":\"/a.rs\"}"}},
                    {"id": "toolu_01B", "type": "function",
                     "function": {"name": "Read", "arguments": "{\"file_path\":\"/b.rs\"}"}}
                 ]}}
            ],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280}
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(got).unwrap(),
            json!({
                "id": "msg_chatcmpl9f2b7c", "type": "message", "role": "assistant",
                "model": "claude-sonnet-4-5-20250929",
                "content": [
                    {"type": "text", "text": "Let me read both files."},
                    {"type": "tool_use", "id": "toolu_01A", "name": "Read", "input": {"file_path": "/a.rs"}},
                    {"type": "tool_use", "id": "toolu_01B", "name": "Read", "input": {"file_path": "/b.rs"}}
                ],
                "stop_reason": "tool_use", "stop_sequence": null,
                "usage": {"input_tokens": 1200, "output_tokens": 80, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
            })
        );
    }

    #[test]
    fn reasoning_becomes_a_leading_signed_thinking_block_and_cache_is_split_out() {
        let got = translate(json!({
            "id": "msg_already", "model": "claude-sonnet-4.5",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": "42",
                "reasoning_text": "Six times seven.", "reasoning_opaque": "sig-abc"}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110,
                      "prompt_tokens_details": {"cached_tokens": 60}}
        }))
        .unwrap();
        let value = serde_json::to_value(got).unwrap();
        assert_eq!(value["id"], "msg_already");
        assert_eq!(
            value["content"],
            json!([
                {"type": "thinking", "thinking": "Six times seven.", "signature": "sig-abc"},
                {"type": "text", "text": "42"}
            ])
        );
        assert_eq!(value["stop_reason"], "end_turn");
        assert_eq!(
            value["usage"],
            json!({"input_tokens": 40, "output_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 60})
        );
    }

    #[test]
    fn reasoning_without_signature_gets_empty_signature() {
        let got = translate(json!({"id": "x", "choices": [{"message": {"reasoning_text": "hm"}}]}))
            .unwrap();
        assert_eq!(
            got.content,
            vec![ResponseBlock::Thinking {
                thinking: "hm".into(),
                signature: String::new()
            }]
        );
        assert_eq!(got.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!(got.usage, Usage::default());
    }

    #[test]
    fn invalid_tool_arguments_are_an_error() {
        let err = translate(
            json!({"id": "x", "choices": [{"finish_reason": "tool_calls", "message": {
            "tool_calls": [{"id": "t", "type": "function",
                "function": {"name": "Bash", "arguments": "{\"command\": \"ls"}}]}}]}),
        )
        .unwrap_err();
        assert!(
            matches!(&err, TranslateError::InvalidToolArguments { name, .. } if name == "Bash"),
            "{err}"
        );
    }

    #[test]
    fn empty_arguments_mean_empty_object_and_empty_text_is_skipped() {
        let got = translate(
            json!({"id": "x", "choices": [{"finish_reason": "stop", "message": {
            "content": "",
            "tool_calls": [{"id": "", "function": {"name": "Now", "arguments": ""}}]}}]}),
        )
        .unwrap();
        assert_eq!(
            got.content,
            vec![ResponseBlock::ToolUse {
                id: "toolu_0".into(),
                name: "Now".into(),
                input: json!({})
            }]
        );
        // Copilot said `stop` but produced a tool call.
        assert_eq!(got.stop_reason.as_deref(), Some("tool_use"));
    }

    #[test]
    fn finish_reasons_map_to_anthropic() {
        for (reason, want) in [
            (json!("stop"), "end_turn"),
            (json!("length"), "max_tokens"),
            (json!("content_filter"), "end_turn"),
            (json!(null), "end_turn"),
            (json!("tool_calls"), "tool_use"),
        ] {
            let got = translate(json!({"id": "x", "choices": [
                {"finish_reason": reason, "message": {"content": "hi"}}]}))
            .unwrap();
            assert_eq!(got.stop_reason.as_deref(), Some(want), "{reason}");
        }
    }

    #[test]
    fn message_ids_are_sanitised() {
        assert_eq!(message_id("chatcmpl-A_b.9", None), "msg_chatcmplAb9");
        assert_eq!(message_id("msg_01XY", None), "msg_01XY");
        assert_eq!(message_id("", Some(17)), "msg_copilot17");
        assert_eq!(message_id("--", None), "msg_copilot");
    }
}
