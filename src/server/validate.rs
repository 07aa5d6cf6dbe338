//! Each surface's own request rules, checked before any upstream call and worded the way the
//! vendor words them, so a client sees the same 400 it would get from OpenAI or Anthropic
//! whatever model serves it (and never pays for an upstream round trip to learn it):
//!
//! | rule                                      | Messages | chat | Responses |
//! | ----------------------------------------- | -------- | ---- | --------- |
//! | at least one message                      | ✓        | ✓    |           |
//! | `max_tokens` present and ≥ 1              | ✓        |      |           |
//! | known roles                               | ✓        | ✓    |           |
//! | `temperature` in range (0–1 / 0–2 / 0–2)  | ✓        | ✓    | ✓         |
//! | `top_p` in 0–1                            | ✓        | ✓    | ✓         |
//! | `n` ≥ 1                                   |          | ✓    |           |
//! | every `tool_result` answers a `tool_use`  | ✓        | ✓ (`tool_call_id`) |  |
//!
//! Rules that depend on the model (images to a model without vision, a shape that cannot
//! express `n > 1` or `stop`) are checked per target by dispatch and the translators.

use serde_json::Value;

use super::error::ApiError;
use super::peek::ChatPeek;
use crate::translate::anthropic::{ContentBlock, MessageContent, MessagesRequest, Role};

fn bad(message: String) -> ApiError {
    ApiError::bad_request(message)
}

/// A number outside `[low, high]`, as OpenAI words it.
fn openai_range(name: &str, value: Option<f64>, high: f64) -> Result<(), ApiError> {
    match value {
        Some(v) if v < 0.0 => Err(bad(format!(
            "Invalid '{name}': decimal below minimum value. Expected a value >= 0, but got {v} instead."
        ))),
        Some(v) if v > high => Err(bad(format!(
            "Invalid '{name}': decimal above maximum value. Expected a value <= {high}, but got {v} instead."
        ))),
        _ => Ok(()),
    }
}

/// `/v1/messages`.
pub(crate) fn messages(request: &MessagesRequest) -> Result<(), ApiError> {
    if request.messages.is_empty() {
        return Err(bad("messages: at least one message is required".to_owned()));
    }
    match request.max_tokens {
        None => return Err(bad("max_tokens: Field required".to_owned())),
        Some(0) => {
            return Err(bad(
                "max_tokens: Input should be greater than or equal to 1".to_owned(),
            ));
        }
        Some(_) => {}
    }
    for (name, value) in [
        ("temperature", request.temperature),
        ("top_p", request.top_p),
    ] {
        if let Some(v) = value
            && !(0.0..=1.0).contains(&v)
        {
            return Err(bad(format!(
                "{name}: Input should be less than or equal to 1 and greater than or equal to 0, got {v}"
            )));
        }
    }
    let mut calls: Vec<&str> = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        if let Role::Other(role) = &message.role {
            return Err(bad(format!(
                "messages.{i}.role: Input should be 'user' or 'assistant', got '{role}'"
            )));
        }
        let MessageContent::Blocks(blocks) = &message.content else {
            continue;
        };
        for (j, block) in blocks.iter().enumerate() {
            match block {
                ContentBlock::ToolUse { id, .. } => calls.push(id),
                ContentBlock::ToolResult { tool_use_id, .. }
                    if !calls.contains(&tool_use_id.as_str()) =>
                {
                    return Err(bad(format!(
                        "messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: {tool_use_id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                    )));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Roles chat completions accepts.
const CHAT_ROLES: [&str; 6] = [
    "system",
    "developer",
    "user",
    "assistant",
    "tool",
    "function",
];

/// `/v1/chat/completions`, on the route's peek at the body.
pub(crate) fn chat(peek: &ChatPeek<'_>) -> Result<(), ApiError> {
    let Some(messages) = &peek.messages else {
        return Ok(());
    };
    if messages.is_empty() {
        return Err(bad("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.".to_owned()));
    }
    let mut calls: Vec<&str> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let role = message.role.as_deref().unwrap_or("");
        if !CHAT_ROLES.contains(&role) {
            return Err(bad(format!(
                "Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'. (messages[{i}].role)"
            )));
        }
        calls.extend(
            message
                .tool_calls
                .iter()
                .flatten()
                .filter_map(|call| call.id.as_deref()),
        );
        if role == "tool"
            && let Some(id) = message.tool_call_id.as_deref()
            && !calls.contains(&id)
        {
            return Err(bad(format!(
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. (messages[{i}]: tool_call_id '{id}')"
            )));
        }
    }
    openai_range("temperature", peek.temperature, 2.0)?;
    openai_range("top_p", peek.top_p, 1.0)?;
    if peek.n == Some(0) {
        return Err(bad(
            "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."
                .to_owned(),
        ));
    }
    Ok(())
}

/// `temperature` (0–2) and `top_p` (0–1) on a Responses request.
pub(crate) fn responses(body: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
    openai_range(
        "temperature",
        body.get("temperature").and_then(Value::as_f64),
        2.0,
    )?;
    openai_range("top_p", body.get("top_p").and_then(Value::as_f64), 1.0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages_err(v: Value) -> String {
        let request: MessagesRequest = serde_json::from_value(v).unwrap();
        messages(&request).unwrap_err().to_string()
    }

    fn chat_err(v: Value) -> String {
        let bytes = serde_json::to_vec(&v).unwrap();
        let peek: ChatPeek<'_> = serde_json::from_slice(&bytes).unwrap();
        chat(&peek).unwrap_err().to_string()
    }

    #[test]
    fn messages_rules() {
        let ok: MessagesRequest = serde_json::from_value(json!({"model": "m", "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"},
                         {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x"}]},
                         {"role": "system", "content": "reminder"}]}))
        .unwrap();
        messages(&ok).unwrap();
        assert!(
            messages_err(json!({"model": "m", "max_tokens": 5, "messages": []}))
                .contains("at least one")
        );
        assert_eq!(
            messages_err(json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]})),
            "max_tokens: Field required"
        );
        assert!(messages_err(json!({"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]})).contains("greater than or equal to 1"));
        assert!(messages_err(json!({"model": "m", "max_tokens": 5, "temperature": 1.5, "messages": [{"role": "user", "content": "hi"}]})).starts_with("temperature:"));
        assert!(messages_err(json!({"model": "m", "max_tokens": 5, "top_p": -1, "messages": [{"role": "user", "content": "hi"}]})).starts_with("top_p:"));
        assert!(messages_err(json!({"model": "m", "max_tokens": 5, "messages": [{"role": "robot", "content": "hi"}]})).contains("messages.0.role"));
        assert!(messages_err(json!({"model": "m", "max_tokens": 5, "messages": [
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "ghost", "content": "x"}]}]})).contains("ghost"));
    }

    #[test]
    fn chat_rules() {
        let ok = serde_json::to_vec(&json!({"messages": [{"role": "user", "content": "hi"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "x"}], "temperature": 2, "top_p": 1}))
        .unwrap();
        chat(&serde_json::from_slice(&ok).unwrap()).unwrap();
        assert!(chat_err(json!({"messages": []})).contains("empty array"));
        assert!(
            chat_err(json!({"messages": [{"role": "wizard", "content": "x"}]}))
                .contains("'wizard'")
        );
        assert!(
            chat_err(json!({"messages": [{"role": "user", "content": "x"}], "temperature": 2.5}))
                .contains("Expected a value <= 2")
        );
        assert!(
            chat_err(json!({"messages": [{"role": "user", "content": "x"}], "top_p": 1.2}))
                .contains("'top_p'")
        );
        assert!(
            chat_err(json!({"messages": [{"role": "user", "content": "x"}], "n": 0}))
                .contains("'n'")
        );
        assert!(
            chat_err(json!({"messages": [{"role": "user", "content": "x"}], "temperature": -1}))
                .contains(">= 0")
        );
        assert!(
            chat_err(
                json!({"messages": [{"role": "tool", "tool_call_id": "nope", "content": "x"}]})
            )
            .contains("nope")
        );
    }
}
