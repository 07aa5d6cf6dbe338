//! Request bodies: a realistic ~2 KB agent turn (system prompt, a short history, one tool),
//! written once in the OpenAI chat shape and once in the Anthropic Messages shape, so the
//! passthrough and the translated route carry the same conversation.

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

fn to_bytes(value: &Value) -> Bytes {
    // Serialising a `Value` built from literals cannot fail.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_about_two_kilobytes() {
        for body in [openai("gpt-4o", false), anthropic("claude-haiku-4.5", true)] {
            assert!((1500..3000).contains(&body.len()), "{} bytes", body.len());
        }
    }
}
