//! Legacy `/v1/completions` on chat models: the prompt becomes one user message, the chat
//! answer becomes `text` choices.
//!
//! - Requests ([`request`]): `prompt` (a string, or an array holding one string) → one user
//!   message; `max_tokens` (OpenAI's legacy default is 16, kept), `temperature`, `top_p`,
//!   `n`, `stop`, `presence_penalty`, `frequency_penalty`, `seed`, `user`, `stream` kept.
//!   `echo` is honoured here (the prompt is put in front of the text). What no chat model
//!   can honour is refused with a 400 naming it: `suffix` (insertion), `logprobs`,
//!   `best_of > 1`, several prompts, token-id prompts.
//! - Answers ([`answer`], [`chunk`]): `object: "text_completion"`, one choice per chat
//!   choice with `text`, `index`, `logprobs: null` and `finish_reason`; usage as it is.

use serde_json::{Map, Value, json};

use super::openai::{ChatChunk, ChatResponse, ContentPart, MessageContent};
use super::{TranslateError, object};

fn bad(message: impl Into<String>) -> TranslateError {
    TranslateError::InvalidRequest(message.into())
}

/// OpenAI's default `max_tokens` for legacy completions.
pub const DEFAULT_MAX_TOKENS: u64 = 16;

/// What rendering needs from the request.
#[derive(Debug, Clone, Default)]
pub struct Legacy {
    /// `echo: true`: the prompt, put in front of the answer's text.
    pub echo: Option<String>,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
    /// Streaming: the choices whose echo went out (each choice's first chunk carries it).
    pub echoed: Vec<u32>,
}

/// Translates a legacy completions request into a chat request (JSON) and what rendering
/// needs.
pub fn request(legacy: &Map<String, Value>) -> Result<(Value, Legacy), TranslateError> {
    let prompt = match legacy.get("prompt") {
        Some(Value::String(p)) => p.clone(),
        Some(Value::Array(items)) => match items.as_slice() {
            [Value::String(p)] => p.clone(),
            [] => return Err(bad("prompt: must not be empty")),
            items if items.iter().all(Value::is_string) => {
                return Err(bad(
                    "prompt: several prompts in one request are not supported on chat models; send one request per prompt",
                ));
            }
            _ => {
                return Err(bad(
                    "prompt: token-id prompts cannot be sent to a chat model; send the prompt as text",
                ));
            }
        },
        None | Some(Value::Null) => return Err(bad("prompt: field required")),
        Some(_) => return Err(bad("prompt: a string or an array holding one string")),
    };
    if legacy
        .get("suffix")
        .is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty()))
    {
        return Err(bad(
            "suffix: insertion is not supported on chat models; send the text before the cursor only",
        ));
    }
    if legacy.get("logprobs").is_some_and(|l| !l.is_null()) {
        return Err(bad(
            "logprobs: log probabilities are not available through copilot-api's legacy completions; remove `logprobs`",
        ));
    }
    if legacy
        .get("best_of")
        .and_then(Value::as_u64)
        .is_some_and(|b| b > 1)
    {
        return Err(bad(
            "best_of: not supported on chat models; send best_of = 1",
        ));
    }
    let mut chat = Map::new();
    if let Some(model) = legacy.get("model") {
        chat.insert("model".into(), model.clone());
    }
    chat.insert(
        "messages".into(),
        json!([{"role": "user", "content": prompt}]),
    );
    chat.insert(
        "max_tokens".into(),
        legacy
            .get("max_tokens")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(json!(DEFAULT_MAX_TOKENS)),
    );
    for key in [
        "temperature",
        "top_p",
        "n",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "seed",
        "user",
        "stream",
    ] {
        if let Some(v) = legacy.get(key).filter(|v| !v.is_null()) {
            chat.insert(key.into(), v.clone());
        }
    }
    let stream = legacy.get("stream").and_then(Value::as_bool) == Some(true);
    if stream {
        chat.insert("stream_options".into(), json!({"include_usage": true}));
    }
    let include_usage = legacy
        .get("stream_options")
        .and_then(|o| o.get("include_usage"))
        .and_then(Value::as_bool)
        == Some(true);
    let echo = (legacy.get("echo").and_then(Value::as_bool) == Some(true)).then_some(prompt);
    Ok((
        Value::Object(chat),
        Legacy {
            echo,
            include_usage,
            echoed: Vec::new(),
        },
    ))
}

/// The text of a chat message content.
fn text(content: Option<&MessageContent>) -> String {
    match content {
        Some(MessageContent::Text(t)) => t.clone(),
        Some(MessageContent::Parts(parts)) => parts
            .iter()
            .filter_map(|p| match p {
                ContentPart::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect(),
        None => String::new(),
    }
}

/// `cmpl-` for a chat id.
fn completion_id(id: &str) -> String {
    format!("cmpl-{}", id.trim_start_matches("chatcmpl-"))
}

/// A whole chat answer as a legacy completion.
pub fn answer(chat: &ChatResponse, legacy: &Legacy, created: u64) -> Value {
    let choices: Vec<Value> = chat
        .choices
        .iter()
        .map(|choice| {
            let mut text = text(choice.message.content.as_ref());
            if let Some(prompt) = &legacy.echo {
                text.insert_str(0, prompt);
            }
            object([
                ("text", text.into()),
                ("index", choice.index.into()),
                ("logprobs", Value::Null),
                (
                    "finish_reason",
                    choice.finish_reason.as_deref().unwrap_or("stop").into(),
                ),
            ])
        })
        .collect();
    let mut out = json!({
        "id": completion_id(&chat.id),
        "object": "text_completion",
        "created": chat.created.unwrap_or(created),
        "model": chat.model,
    });
    out["choices"] = Value::Array(choices);
    if let Some(usage) = &chat.usage {
        out["usage"] = json!({"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens, "total_tokens": usage.total_tokens});
    }
    out
}

/// Streams a chat chunk as legacy completion chunks (`None` when it carries nothing for a
/// legacy client: a role-only or reasoning delta). A choice's first chunk puts the echoed
/// prompt in front (with `n > 1`, each choice's).
pub fn chunk(chat: &ChatChunk, legacy: &mut Legacy, created: u64) -> Option<Value> {
    let mut choices = Vec::new();
    for choice in &chat.choices {
        let mut text = choice.delta.content.clone().unwrap_or_default();
        if let Some(prompt) = &legacy.echo
            && !legacy.echoed.contains(&choice.index)
        {
            legacy.echoed.push(choice.index);
            text.insert_str(0, prompt);
        }
        if text.is_empty() && choice.finish_reason.is_none() {
            continue;
        }
        choices.push(object([
            ("text", text.into()),
            ("index", choice.index.into()),
            ("logprobs", Value::Null),
            ("finish_reason", choice.finish_reason.as_deref().into()),
        ]));
    }
    let usage = chat
        .usage
        .as_ref()
        .filter(|_| legacy.include_usage)
        .map(|u| json!({"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens, "total_tokens": u.total_tokens}));
    if choices.is_empty() && usage.is_none() {
        return None;
    }
    let mut out = json!({
        "id": completion_id(&chat.id),
        "object": "text_completion",
        "created": chat.created.unwrap_or(created),
        "model": chat.model,
    });
    out["choices"] = Value::Array(choices);
    if let Some(usage) = usage {
        out["usage"] = usage;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_prompt_becomes_one_user_message_and_what_chat_cannot_do_is_refused() {
        let (chat, legacy) = request(&map(json!({"model": "gpt-4o", "prompt": ["Once upon"],
            "stop": ["\n"], "temperature": 0.5, "echo": true, "stream": true})))
        .unwrap();
        assert_eq!(
            chat["messages"],
            json!([{"role": "user", "content": "Once upon"}])
        );
        assert_eq!(chat["max_tokens"], DEFAULT_MAX_TOKENS);
        assert_eq!(chat["stop"], json!(["\n"]));
        assert_eq!(chat["stream_options"]["include_usage"], true);
        assert_eq!(legacy.echo.as_deref(), Some("Once upon"));
        assert!(!legacy.include_usage);
        let err = |v: Value| request(&map(v)).unwrap_err().to_string();
        assert!(err(json!({"prompt": "a", "suffix": "b"})).contains("suffix"));
        assert!(err(json!({"prompt": "a", "logprobs": 2})).contains("logprobs"));
        assert!(err(json!({"prompt": "a", "best_of": 3})).contains("best_of"));
        assert!(err(json!({"prompt": ["a", "b"]})).contains("several prompts"));
        assert!(err(json!({"prompt": [1, 2, 3]})).contains("token-id"));
        assert!(err(json!({"model": "m"})).contains("prompt"));
    }

    #[test]
    fn answers_and_chunks_are_text_completions() {
        let chat: ChatResponse = serde_json::from_value(json!({"id": "chatcmpl-9", "model": "gpt-4o", "created": 3,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": " a time"}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}})).unwrap();
        let mut legacy = Legacy {
            echo: Some("Once upon".into()),
            include_usage: true,
            ..Legacy::default()
        };
        let out = answer(&chat, &legacy, 0);
        assert_eq!(
            out,
            json!({"id": "cmpl-9", "object": "text_completion", "created": 3, "model": "gpt-4o",
                "choices": [{"text": "Once upon a time", "index": 0, "logprobs": null, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}})
        );
        let c: ChatChunk = serde_json::from_value(json!({"id": "chatcmpl-9", "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": " a"}}]}))
        .unwrap();
        let out = chunk(&c, &mut legacy, 8).unwrap();
        assert_eq!(out["choices"][0]["text"], "Once upon a");
        assert_eq!(out["created"], 8);
        assert_eq!(out["choices"][0]["finish_reason"], Value::Null);
        // With n = 2, the second choice's first chunk gets the echo too, and only that one.
        let c: ChatChunk = serde_json::from_value(json!({"id": "chatcmpl-9", "model": "gpt-4o",
            "choices": [{"index": 1, "delta": {"content": " b"}}, {"index": 0, "delta": {"content": " time"}}]}))
        .unwrap();
        let out = chunk(&c, &mut legacy, 8).unwrap();
        assert_eq!(out["choices"][0]["text"], "Once upon b");
        assert_eq!(out["choices"][1]["text"], " time");
        let out = chunk(&c, &mut legacy, 8).unwrap();
        assert_eq!(out["choices"][0]["text"], " b");
        let role: ChatChunk = serde_json::from_value(
            json!({"id": "x", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
        )
        .unwrap();
        assert!(chunk(&role, &mut Legacy::default(), 0).is_none());
    }
}
