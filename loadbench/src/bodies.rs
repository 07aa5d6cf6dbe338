//! Request bodies: a realistic ~2 KB agent turn (system prompt, a short history, one tool),
//! written in the OpenAI chat shape, the Anthropic Messages shape and the OpenAI Responses
//! shape, so every route carries the same conversation; and a legacy completions request
//! (the same turn as one text prompt) with the chat request the proxy makes of it.

use bytes::Bytes;
use serde_json::{Value, json};

const SYSTEM: &str = "You are a careful coding assistant working inside the user's repository. \
Prefer small, reviewable changes; explain what you change and why; never invent APIs. When a \
tool can answer a question about the code, call it instead of guessing. Keep answers short \
unless asked for detail, and quote file paths exactly as they appear in the project tree.";

const QUESTION: &str = "The request handler in src/server/routes/openai.rs parses the body \
into a map, fills a missing max_tokens from the model catalogue and forwards it. Could the \
catalogue lookup become a bottleneck under load? Please read the file and tell me what you \
think, then suggest a change if one is needed.";

const ANSWER: &str = "I will read the handler first, then the catalogue cache it consults, \
and report what each request costs before proposing anything.";

const FOLLOW_UP: &str = "Go ahead, and also check whether the access log formats strings when \
its level is disabled.";

const TOOL_DESCRIPTION: &str = "Reads a file of the repository and returns its text, with line \
numbers. Use it before answering questions about code.";

fn tool_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Path relative to the repository root"},
            "start_line": {"type": "integer", "description": "First line to return (1-based)"},
            "end_line": {"type": "integer", "description": "Last line to return (inclusive)"}
        },
        "required": ["path"]
    })
}

/// The turn as an OpenAI chat completion request for `model`.
pub fn openai(model: &str, stream: bool) -> Bytes {
    let mut body = json!({
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": ANSWER},
            {"role": "user", "content": FOLLOW_UP}
        ],
        "tools": [{
            "type": "function",
            "function": {"name": "read_file", "description": TOOL_DESCRIPTION, "parameters": tool_schema()}
        }],
        "temperature": 0.2
    });
    if stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    to_bytes(&body)
}

/// The same turn as an Anthropic Messages request for `model`.
pub fn anthropic(model: &str, stream: bool) -> Bytes {
    let mut body = json!({
        "model": model,
        "max_tokens": 1024,
        "system": [{"type": "text", "text": SYSTEM}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
            {"role": "assistant", "content": [{"type": "text", "text": ANSWER}]},
            {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]}
        ],
        "tools": [{"name": "read_file", "description": TOOL_DESCRIPTION, "input_schema": tool_schema()}],
        "temperature": 0.2,
        "metadata": {"user_id": "user_loadbench_account__session_0f4c2a9e-5b7d-4e21-9c3a-7d8e1f2a3b4c"}
    });
    if stream {
        body["stream"] = json!(true);
    }
    to_bytes(&body)
}

/// The same turn as an OpenAI Responses request for `model`: the system prompt as
/// `instructions`, the history as message items (`input_text` / `output_text` parts), the tool
/// flattened.
pub fn responses(model: &str, stream: bool) -> Bytes {
    let mut body = json!({
        "model": model,
        "instructions": SYSTEM,
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": QUESTION}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": ANSWER}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": FOLLOW_UP}]}
        ],
        "tools": [{
            "type": "function",
            "name": "read_file",
            "description": TOOL_DESCRIPTION,
            "parameters": tool_schema()
        }],
        "temperature": 0.2
    });
    if stream {
        body["stream"] = json!(true);
    }
    to_bytes(&body)
}

/// Output limit of the legacy completions request.
const LEGACY_MAX_TOKENS: u64 = 1024;

/// The turn as one text prompt (the system prompt and the history, one line each).
fn legacy_prompt() -> String {
    format!(
        "{SYSTEM}\n\nUser: {QUESTION}\n\nAssistant: {ANSWER}\n\nUser: {FOLLOW_UP}\n\nAssistant:"
    )
}

/// The turn as a legacy completions request (`POST /v1/completions`) for `model`.
pub fn completions(model: &str, stream: bool) -> Bytes {
    let mut body = json!({
        "model": model,
        "prompt": legacy_prompt(),
        "max_tokens": LEGACY_MAX_TOKENS
    });
    if stream {
        body["stream"] = json!(true);
    }
    to_bytes(&body)
}

/// What the proxy sends upstream for [`completions`]: a chat request with the prompt as one
/// user message (for the direct side of the legacy route).
pub fn completions_as_chat(model: &str, stream: bool) -> Bytes {
    let mut body = json!({
        "model": model,
        "messages": [{"role": "user", "content": legacy_prompt()}],
        "max_tokens": LEGACY_MAX_TOKENS
    });
    if stream {
        body["stream"] = json!(true);
    }
    to_bytes(&body)
}

fn to_bytes(value: &Value) -> Bytes {
    // Serialising a `Value` built from literals cannot fail.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_about_two_kilobytes() {
        for body in [
            openai("gpt-4o", false),
            anthropic("claude-haiku-4.5", true),
            responses("gpt-5-codex", false),
            responses("gpt-4o", true),
        ] {
            assert!((1500..3000).contains(&body.len()), "{} bytes", body.len());
        }
        // The legacy prompt carries the conversation's text, without the tool (~1 KB).
        for body in [
            completions("gpt-4o", false),
            completions_as_chat("gpt-4o", true),
        ] {
            assert!((900..1500).contains(&body.len()), "{} bytes", body.len());
        }
    }

    #[test]
    fn existing_bodies_are_unchanged() {
        // The chat and Messages bodies the earlier reports measured, byte for byte.
        assert_eq!(openai("gpt-4o", false).len(), 1531);
        assert_eq!(openai("gpt-4o", true).len(), 1585);
        assert_eq!(anthropic("claude-haiku-4.5", false).len(), 1705);
        assert_eq!(anthropic("claude-haiku-4.5", true).len(), 1719);
    }

    #[test]
    fn every_shape_says_what_it_is() {
        let json = |b: Bytes| serde_json::from_slice::<Value>(&b).unwrap_or_default();
        let r = json(responses("gpt-5-codex", true));
        assert_eq!(r["instructions"], json!(SYSTEM));
        assert_eq!(r["input"].as_array().map(Vec::len), Some(3));
        assert_eq!(r["input"][1]["content"][0]["type"], json!("output_text"));
        assert_eq!(r["tools"][0]["name"], json!("read_file"));
        assert_eq!(r["stream"], json!(true));
        assert!(
            json(responses("gpt-5-codex", false))
                .get("stream")
                .is_none()
        );
        let c = json(completions("gpt-4o", true));
        assert!(
            c["prompt"]
                .as_str()
                .is_some_and(|p| p.ends_with("Assistant:"))
        );
        assert_eq!(c["max_tokens"], json!(1024));
        let chat = json(completions_as_chat("gpt-4o", false));
        assert_eq!(chat["messages"][0]["content"], c["prompt"]);
        for body in [
            responses("m", true),
            completions("m", true),
            openai("m", true),
        ] {
            assert!(body.windows(13).any(|w| w == b"\"stream\":true"));
        }
    }
}
