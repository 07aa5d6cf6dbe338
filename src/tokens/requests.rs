//! Counting whole API requests — plain text, OpenAI chat, Anthropic Messages — so that
//! `copilot-api count-tokens` and the proxy's `/v1/messages/count_tokens` share one code path
//! and always agree.
//!
//! Anthropic requests are first translated to the OpenAI chat shape with the same translator
//! the proxy uses (`crate::translate::request`), then counted with [`count_chat`]; the Claude
//! correction is applied for Claude models, as the TypeScript original does.

use serde::Deserialize as _;
use serde_json::Value;

use super::{ChatCount, CountOptions, Encoding, Tokenizer, count_chat};
use crate::translate::anthropic::MessagesRequest;
use crate::translate::request::{TargetModel, anthropic_to_openai};

/// The shape of a request to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Plain text.
    Text,
    /// An OpenAI chat completions request (`messages`, optional `tools`).
    OpenAi,
    /// An Anthropic Messages request (`system`, `messages`, `tools`).
    Anthropic,
}

/// Why a request could not be counted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CountError {
    /// The JSON is not a request of the expected shape.
    #[error("{0}")]
    Shape(String),
}

/// Guesses the shape of a JSON document: Anthropic when it has `system`, a content block type
/// only Anthropic uses, or tools with `input_schema`; OpenAI when it has `messages`.
pub(crate) fn detect(value: &Value) -> Option<Shape> {
    let obj = value.as_object()?;
    let messages = obj.get("messages")?.as_array()?;
    let anthropic_block = messages.iter().any(|m| {
        m.get("content")
            .and_then(Value::as_array)
            .is_some_and(|blocks| {
                blocks.iter().any(|b| {
                    matches!(
                        b.get("type").and_then(Value::as_str),
                        Some("tool_use" | "tool_result" | "image" | "thinking" | "document")
                    )
                })
            })
    });
    let anthropic_tools = obj
        .get("tools")
        .and_then(Value::as_array)
        .is_some_and(|tools| tools.iter().any(|t| t.get("input_schema").is_some()));
    if obj.contains_key("system") || anthropic_block || anthropic_tools {
        Some(Shape::Anthropic)
    } else {
        Some(Shape::OpenAi)
    }
}

/// Counts plain text.
pub(crate) fn count_text(encoding: Encoding, text: &str) -> ChatCount {
    let n = Tokenizer::get(encoding).count(text) as u64;
    ChatCount {
        messages: n,
        total: n,
        ..ChatCount::default()
    }
}

/// Counts an OpenAI chat request.
pub(crate) fn count_openai(
    encoding: Encoding,
    value: &Value,
    model: &str,
) -> Result<ChatCount, CountError> {
    let messages = value
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            CountError::Shape("an OpenAI chat request needs a `messages` array".into())
        })?;
    let tools = value
        .get("tools")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let opts = CountOptions {
        model,
        anthropic_beta: None,
        anthropic_tool_count: 0,
        claude_correction: false,
    };
    Ok(count_chat(Tokenizer::get(encoding), messages, tools, &opts))
}

/// Counts an Anthropic Messages request, with the Claude correction for Claude models.
pub(crate) fn count_anthropic(
    encoding: Encoding,
    value: &Value,
    model: &str,
    anthropic_beta: Option<&str>,
) -> Result<ChatCount, CountError> {
    if !value.get("messages").is_some_and(Value::is_array) {
        return Err(CountError::Shape(
            "an Anthropic Messages request needs a `messages` array".into(),
        ));
    }
    let request = MessagesRequest::deserialize(value)
        .map_err(|err| CountError::Shape(format!("not an Anthropic Messages request: {err}")))?;
    // Thinking blocks are kept (as `reasoning_text`): earlier turns' thinking is input too.
    let target = TargetModel {
        id: model.to_owned(),
        supports_thinking_budget: true,
        supports_reasoning_effort: false,
        max_output_tokens: None,
        replays_reasoning: false,
    };
    let anthropic_tool_count = request.tools.as_ref().map_or(0, Vec::len);
    let chat =
        anthropic_to_openai(request, &target).map_err(|err| CountError::Shape(err.to_string()))?;
    let as_values = |v: Result<Value, serde_json::Error>| match v {
        Ok(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let messages = as_values(serde_json::to_value(&chat.messages));
    let tools = chat
        .tools
        .as_ref()
        .map(|t| as_values(serde_json::to_value(t)))
        .unwrap_or_default();
    let opts = CountOptions {
        model,
        anthropic_beta,
        anthropic_tool_count,
        claude_correction: true,
    };
    Ok(count_chat(
        Tokenizer::get(encoding),
        &messages,
        &tools,
        &opts,
    ))
}

/// The input-token count `/v1/messages/count_tokens` answers: the catalogue's tokenizer for
/// the model, else the built-in map, else `o200k_base`.
pub(crate) fn count_anthropic_request(
    value: &Value,
    model: &str,
    catalogue_tokenizer: Option<&str>,
    anthropic_beta: Option<&str>,
) -> Result<ChatCount, CountError> {
    let encoding = Encoding::for_model(model, catalogue_tokenizer).unwrap_or(Encoding::O200kBase);
    count_anthropic(encoding, value, model, anthropic_beta)
}

/// A rough input estimate for the `--manual` prompt: the request counted in its own shape with
/// `o200k_base`.
pub(crate) fn estimate(value: &Value, model: &str) -> u64 {
    let result = match detect(value) {
        Some(Shape::Anthropic) => count_anthropic(Encoding::O200kBase, value, model, None),
        _ => count_openai(Encoding::O200kBase, value, model),
    };
    result.map_or(0, |c| c.total)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shapes_are_detected() {
        assert_eq!(
            detect(&json!({"messages": [{"role": "user", "content": "hi"}]})),
            Some(Shape::OpenAi)
        );
        assert_eq!(
            detect(&json!({"system": "s", "messages": []})),
            Some(Shape::Anthropic)
        );
        assert_eq!(
            detect(
                &json!({"messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]}]})
            ),
            Some(Shape::Anthropic)
        );
        assert_eq!(detect(&json!({"model": "x"})), None);
        assert_eq!(detect(&json!([1])), None);
    }

    #[test]
    fn anthropic_and_openai_forms_of_one_conversation_agree_without_correction() {
        let anthropic = json!({"model": "gpt-4o", "system": "Be brief.", "messages": [{"role": "user", "content": "Hello there"}]});
        let openai = json!({"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]});
        let a = count_anthropic(Encoding::O200kBase, &anthropic, "gpt-4o", None).unwrap();
        let o = count_openai(Encoding::O200kBase, &openai, "gpt-4o").unwrap();
        assert_eq!(a.total, o.total);
        // Claude models get the correction (×1.15).
        let c =
            count_anthropic(Encoding::O200kBase, &anthropic, "claude-sonnet-4.5", None).unwrap();
        assert_eq!(c.total, (o.total as f64 * 1.15).round() as u64);
    }
}
