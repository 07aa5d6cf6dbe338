//! A Messages upstream behind the chat pivot: chat clients (and, through the Responses ⇄
//! chat translators, Responses clients such as Codex) on a model served only on
//! `/v1/messages` (an `anthropic` provider, or any Anthropic-shaped endpoint).
//!
//! - Requests ([`request`]): `system` / `developer` messages → `system` (joined with a blank
//!   line, wherever they stand); user text and images (`data:` URLs → base64 sources, http
//!   URLs → url sources) → blocks; assistant `reasoning_text` + `reasoning_opaque` → a
//!   signed `thinking` block first (reasoning without a signature, or packed by another
//!   vendor's Responses API, is dropped: Claude rejects what it cannot verify), text, and
//!   `tool_calls` → `tool_use` blocks (arguments that are not a JSON object are a 400);
//!   tool messages → `tool_result` blocks at the head of the next user turn. `max_tokens`
//!   is required by Messages: the client's, else the model's output limit, else 4096.
//!   `stop` → `stop_sequences`; `temperature` (clamped to Anthropic's 0–1) and `top_p` kept
//!   unless thinking is on (Anthropic refuses them then); tools → `input_schema`;
//!   `tool_choice` auto / none / required / named → auto / none / any / tool, with
//!   `parallel_tool_calls: false` → `disable_parallel_tool_use`; `response_format` →
//!   `output_config.format`; `reasoning_effort` or `thinking_budget` → `thinking` with a
//!   budget below `max_tokens`; `user` → `metadata.user_id`. `n > 1` is refused.
//! - Answers ([`answer`]): text blocks → `content`; thinking → `reasoning_text` with its
//!   signature as `reasoning_opaque`; a `redacted_thinking` block's data travels in
//!   `reasoning_opaque` too, as a `redacted:DATA` token beside the signature (tokens in block
//!   order, space-separated) and comes back as the same block, so a tool loop with thinking
//!   keeps every block Anthropic wants returned; `tool_use` → `tool_calls`; `stop_reason` →
//!   `finish_reason` (`end_turn` / `stop_sequence` → `stop`, `max_tokens` → `length`,
//!   `tool_use` → `tool_calls`, `refusal` → `content_filter`); usage with the cache reads
//!   as `cached_tokens` and the cache writes in `prompt_tokens` (OpenAI counts every input
//!   token there) and in `cache_creation_input_tokens`.
//! - Streams ([`Decoder`]): `message_start` → the role chunk; text, thinking and signature
//!   deltas → content, `reasoning_text` and `reasoning_opaque` deltas; `tool_use` blocks →
//!   tool-call deltas (indexes from 0); `message_delta` → the finish chunk and the usage
//!   chunk; `message_stop` → the end; an `error` event → a failure.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::openai::{ChatChunk, ChatResponse, Delta, PromptTokensDetails, Role, Usage};
use super::text_or_empty as text;
use super::{
    Pivot, PivotAnswer, TranslateError, call_delta, content_text, object, pivot_call, pivot_chunk,
    pivot_ending,
};

fn bad(message: impl Into<String>) -> TranslateError {
    TranslateError::InvalidRequest(message.into())
}

/// Messages requires `max_tokens`; this is sent when neither the client nor the catalogue
/// gives one.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// The thinking budget for an OpenAI reasoning effort.
fn budget_for_effort(effort: &str) -> Option<u64> {
    match effort {
        "minimal" | "none" => None,
        "low" => Some(2048),
        "medium" => Some(8192),
        _ => Some(24576),
    }
}

/// An image part as a Messages image block (a data URL's base64 moved, not copied).
fn image_block(mut url: String, field: &str) -> Result<Value, TranslateError> {
    let source = if let Some(rest) = url.strip_prefix("data:") {
        let (media_type, data) = rest
            .split_once(";base64,")
            .ok_or_else(|| bad(format!("{field}: an image data URL must be base64")))?;
        let media_type = Value::from(media_type);
        let start = url.len() - data.len();
        url.drain(..start);
        object([
            ("type", "base64".into()),
            ("media_type", media_type),
            ("data", url.into()),
        ])
    } else {
        object([("type", "url".into()), ("url", url.into())])
    };
    Ok(object([("type", "image".into()), ("source", source)]))
}

/// A Messages text block.
fn text_block(text: String) -> Value {
    object([("type", "text".into()), ("text", text.into())])
}

/// Chat content as Messages blocks (its strings moved into them).
fn blocks(content: Option<Value>, field: &str) -> Result<Vec<Value>, TranslateError> {
    match content {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) if text.is_empty() => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(vec![text_block(text)]),
        Some(Value::Array(parts)) => {
            let mut out = Vec::with_capacity(parts.len());
            for mut part in parts {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(Value::String(text)) = part.get_mut("text").map(Value::take)
                            && !text.is_empty()
                        {
                            out.push(text_block(text));
                        }
                    }
                    Some("image_url") => {
                        let url = match part.pointer_mut("/image_url/url") {
                            Some(url) => url.take(),
                            None => part
                                .get_mut("image_url")
                                .map(Value::take)
                                .unwrap_or_default(),
                        };
                        let Value::String(url) = url else {
                            return Err(bad(format!("{field}: an image_url part needs a url")));
                        };
                        out.push(image_block(url, field)?);
                    }
                    other => {
                        return Err(bad(format!(
                            "{field}: a content part of type `{}` cannot be sent to the Messages API",
                            other.unwrap_or("?")
                        )));
                    }
                }
            }
            Ok(out)
        }
        Some(_) => Err(bad(format!("{field}: a string or an array of parts"))),
    }
}

/// Appends `blocks` as a turn of `role`, merged into the previous turn when it has the same
/// role (Messages alternates user and assistant).
fn push_turn(messages: &mut Vec<Value>, role: &str, blocks: Vec<Value>) {
    if blocks.is_empty() {
        return;
    }
    if let Some(last) = messages.last_mut()
        && last.get("role").and_then(Value::as_str) == Some(role)
        && let Some(Value::Array(content)) = last.get_mut("content")
    {
        content.extend(blocks);
        return;
    }
    messages.push(object([
        ("role", role.into()),
        ("content", Value::Array(blocks)),
    ]));
}

/// What the request translation needs to know about the target model.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The upstream model id.
    pub id: String,
    /// The model's output limit: the default `max_tokens`, and its cap.
    pub max_output: Option<u64>,
}

/// Translates a chat-completions request (as JSON) into a Messages request. The request is
/// taken apart: its texts and images move into the new one.
pub fn request(mut chat: Map<String, Value>, target: &Target) -> Result<Value, TranslateError> {
    if chat.get("n").and_then(Value::as_u64).is_some_and(|n| n > 1) {
        return Err(bad(format!(
            "n: the model `{}` is served on the Messages API, which gives one answer per request; send n = 1",
            target.id
        )));
    }
    let Some(Value::Array(list)) = chat.remove("messages") else {
        return Err(bad("messages: field required"));
    };
    let mut system: Vec<String> = Vec::new();
    let mut messages: Vec<Value> = Vec::new();
    for (i, mut message) in list.into_iter().enumerate() {
        let field = format!("messages[{i}]");
        let content = message.get_mut("content").map(Value::take);
        match message.get("role").and_then(Value::as_str).unwrap_or("") {
            "system" | "developer" => {
                let text = content_text(content, "\n\n");
                if !text.is_empty() {
                    system.push(text);
                }
            }
            "user" => push_turn(&mut messages, "user", blocks(content, &field)?),
            "assistant" => {
                let mut out = Vec::new();
                if let Some(opaque) = message
                    .get("reasoning_opaque")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .filter(|s| !super::foreign_to_claude(s))
                {
                    let thinking = message
                        .get("reasoning_text")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    out.extend(thinking_blocks(thinking, opaque));
                }
                out.extend(blocks(content, &field)?);
                for call in message
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = call
                        .pointer("/function/name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            bad(format!("{field}.tool_calls: a call needs a function name"))
                        })?;
                    let arguments = call
                        .pointer("/function/arguments")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let input: Value = if arguments.trim().is_empty() {
                        json!({})
                    } else {
                        serde_json::from_str(arguments).map_err(|err| {
                            bad(format!(
                                "{field}.tool_calls: the arguments of `{name}` are not JSON: {err}"
                            ))
                        })?
                    };
                    if !input.is_object() {
                        return Err(bad(format!(
                            "{field}.tool_calls: the arguments of `{name}` must be a JSON object"
                        )));
                    }
                    let id = call.get("id").and_then(Value::as_str).unwrap_or_default();
                    out.push(object([
                        ("type", "tool_use".into()),
                        ("id", id.into()),
                        ("name", name.into()),
                        ("input", input),
                    ]));
                }
                push_turn(&mut messages, "assistant", out);
            }
            "tool" | "function" => {
                let id = message
                    .get("tool_call_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(format!("{field}: a tool message needs tool_call_id")))?;
                let result = match content {
                    Some(Value::Array(_)) => Value::Array(blocks(content, &field)?),
                    _ => Value::String(content_text(content, "\n\n")),
                };
                let block = object([
                    ("type", "tool_result".into()),
                    ("tool_use_id", id.into()),
                    ("content", result),
                ]);
                // Tool results open the user turn that follows the calls.
                match messages.last_mut() {
                    Some(last)
                        if last.get("role").and_then(Value::as_str) == Some("user")
                            && last["content"]
                                .as_array()
                                .is_some_and(|c| c.iter().all(|b| b["type"] == "tool_result")) =>
                    {
                        if let Some(content) = last["content"].as_array_mut() {
                            content.push(block);
                        }
                    }
                    _ => messages.push(object([
                        ("role", "user".into()),
                        ("content", Value::Array(vec![block])),
                    ])),
                }
            }
            other => {
                return Err(bad(format!(
                    "{field}.role: unknown role `{other}`; use system, developer, user, assistant or tool"
                )));
            }
        }
    }
    if messages.is_empty() {
        return Err(bad(
            "messages: at least one user or assistant message is required",
        ));
    }
    let max_tokens = chat
        .get("max_completion_tokens")
        .or_else(|| chat.get("max_tokens"))
        .and_then(Value::as_u64)
        .or(target.max_output)
        .unwrap_or(DEFAULT_MAX_TOKENS);
    let max_tokens = target
        .max_output
        .map_or(max_tokens, |cap| max_tokens.min(cap));
    let mut out = Map::new();
    out.insert("model".into(), json!(target.id));
    out.insert("max_tokens".into(), json!(max_tokens));
    if !system.is_empty() {
        out.insert("system".into(), Value::String(system.join("\n\n")));
    }
    // Thinking only where Anthropic takes it: not with a forced tool, and not when the tool
    // loop's last assistant turn comes back without its signed thinking (chat clients that
    // do not keep `reasoning_opaque`), which Anthropic refuses.
    let forces_tool = chat
        .get("tools")
        .is_some_and(|t| t.as_array().is_some_and(|t| !t.is_empty()))
        && match chat.get("tool_choice") {
            Some(Value::String(mode)) => mode == "required",
            Some(Value::Object(_)) => true,
            _ => false,
        };
    let unsigned_tool_turn = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "assistant")
        .and_then(|m| m["content"].as_array())
        .is_some_and(|blocks| {
            blocks.iter().any(|b| b["type"] == "tool_use")
                && blocks
                    .first()
                    .is_none_or(|b| b["type"] != "thinking" && b["type"] != "redacted_thinking")
        });
    out.insert("messages".into(), Value::Array(messages));
    let budget = chat
        .get("thinking_budget")
        .and_then(Value::as_u64)
        .or_else(|| {
            chat.get("reasoning_effort")
                .and_then(Value::as_str)
                .and_then(budget_for_effort)
        })
        .filter(|_| max_tokens > 1024 && !forces_tool && !unsigned_tool_turn)
        .map(|budget| budget.clamp(1024, max_tokens - 1));
    if let Some(budget) = budget {
        out.insert(
            "thinking".into(),
            json!({"type": "enabled", "budget_tokens": budget}),
        );
    } else if let Some(t) = chat.get("temperature").and_then(Value::as_f64) {
        // Current Claude models take one of temperature and top_p.
        out.insert("temperature".into(), json!(t.clamp(0.0, 1.0)));
    } else if let Some(p) = chat.get("top_p").filter(|v| !v.is_null()) {
        out.insert("top_p".into(), p.clone());
    }
    match chat.get("stop") {
        Some(Value::String(s)) => {
            out.insert("stop_sequences".into(), json!([s]));
        }
        Some(Value::Array(list)) if !list.is_empty() => {
            out.insert("stop_sequences".into(), Value::Array(list.clone()));
        }
        _ => {}
    }
    let tools: Vec<Value> = match chat.remove("tools") {
        Some(Value::Array(tools)) => tools,
        _ => Vec::new(),
    }
    .into_iter()
    .map(|tool| {
        let mut function = super::chat_function(tool);
        let mut t = Map::new();
        t.insert(
            "name".into(),
            function.remove("name").unwrap_or_else(|| json!("")),
        );
        if let Some(d) = function.remove("description").filter(|d| !d.is_null()) {
            t.insert("description".into(), d);
        }
        t.insert(
            "input_schema".into(),
            function
                .remove("parameters")
                .filter(|p| !p.is_null())
                .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
        );
        Value::Object(t)
    })
    .collect();
    let parallel_off = chat.get("parallel_tool_calls").and_then(Value::as_bool) == Some(false);
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
        let mut choice = match chat.get("tool_choice") {
            None | Some(Value::Null) => json!({"type": "auto"}),
            Some(Value::String(s)) => match s.as_str() {
                "none" => json!({"type": "none"}),
                "required" => json!({"type": "any"}),
                _ => json!({"type": "auto"}),
            },
            Some(named) => match named.pointer("/function/name").and_then(Value::as_str) {
                Some(name) => json!({"type": "tool", "name": name}),
                None => return Err(bad("tool_choice: a named choice needs function.name")),
            },
        };
        if parallel_off && choice["type"] != "none" {
            choice["disable_parallel_tool_use"] = json!(true);
        }
        out.insert("tool_choice".into(), choice);
    }
    if let Some(format) = chat.get("response_format") {
        match format.get("type").and_then(Value::as_str) {
            Some("json_schema") => {
                let schema = format
                    .pointer("/json_schema/schema")
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object"}));
                out.insert(
                    "output_config".into(),
                    json!({"format": {"type": "json_schema", "schema": schema}}),
                );
            }
            Some("json_object") => {
                out.insert(
                    "output_config".into(),
                    json!({"format": {"type": "json_schema", "schema": {"type": "object"}}}),
                );
            }
            _ => {}
        }
    }
    if let Some(user) = chat.get("user").and_then(Value::as_str) {
        out.insert("metadata".into(), json!({"user_id": user}));
    }
    if chat.get("stream").and_then(Value::as_bool) == Some(true) {
        out.insert("stream".into(), json!(true));
    }
    Ok(Value::Object(out))
}

/// The chat `finish_reason` for a Messages `stop_reason`.
fn finish_reason(stop: Option<&str>) -> &'static str {
    match stop {
        Some("max_tokens" | "model_context_window_exceeded") => "length",
        Some("tool_use") => "tool_calls",
        Some("refusal") => "content_filter",
        _ => "stop",
    }
}

/// Chat usage from a Messages `usage` object (message_start's merged with message_delta's).
fn usage(u: &Value) -> Usage {
    let n = |key: &str| u.get(key).and_then(Value::as_u64).unwrap_or(0);
    let (input, read, write, output) = (
        n("input_tokens"),
        n("cache_read_input_tokens"),
        n("cache_creation_input_tokens"),
        n("output_tokens"),
    );
    let prompt = input + read + write;
    let mut extra = Map::new();
    if write > 0 {
        extra.insert("cache_creation_input_tokens".into(), json!(write));
    }
    Usage {
        prompt_tokens: prompt,
        completion_tokens: output,
        total_tokens: prompt + output,
        prompt_tokens_details: Some(PromptTokensDetails {
            cached_tokens: Some(read),
            extra: super::Extra::new(),
        }),
        extra: extra.into(),
    }
}

/// A chat id for a Messages id.
fn chat_id(id: &str) -> String {
    format!("chatcmpl-{}", id.trim_start_matches("msg_"))
}

/// The prefix of a `redacted_thinking` block's data in `reasoning_opaque`.
const REDACTED: &str = "redacted:";

/// The thinking blocks an assistant turn's `reasoning_opaque` stands for, in their order: the
/// first signature signs `thinking` (one signature verifies the turn's reasoning; later ones
/// had their text merged into it and are left out), each `redacted:` token is a
/// `redacted_thinking` block.
fn thinking_blocks(thinking: &str, opaque: &str) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut signed = false;
    for token in opaque.split_ascii_whitespace() {
        match token.strip_prefix(REDACTED) {
            Some("") => {}
            Some(data) => blocks.push(json!({"type": "redacted_thinking", "data": data})),
            None if !signed => {
                signed = true;
                blocks.push(json!({"type": "thinking", "thinking": thinking, "signature": token}));
            }
            None => {}
        }
    }
    blocks
}

/// A whole Messages answer as read: only what the pivot takes, its texts borrowed from the
/// bytes where they need no unescaping, a tool call's input kept as the JSON it came as.
#[derive(Deserialize)]
struct MessagesAnswer<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    content: Option<Vec<AnswerBlock<'a>>>,
    #[serde(borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<Value>,
}

/// One content block of a whole Messages answer (any type: the fields of the known ones).
#[derive(Deserialize)]
struct AnswerBlock<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    thinking: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    signature: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
}

/// Translates a whole Messages answer (its bytes) into a chat completion answering `model`.
pub fn answer(bytes: &[u8], model: &str) -> Result<ChatResponse, TranslateError> {
    let message: MessagesAnswer<'_> = serde_json::from_slice(bytes).map_err(|err| {
        TranslateError::InvalidRequest(format!("the upstream sent an unreadable answer: {err}"))
    })?;
    let content = message
        .content
        .ok_or_else(|| bad("the Messages answer has no content"))?;
    let mut answer = PivotAnswer {
        id: chat_id(message.id.as_deref().unwrap_or("")),
        usage: message.usage.as_ref().map(usage),
        ..PivotAnswer::default()
    };
    for block in &content {
        match &*block.kind {
            "text" => answer.text.push_str(text(&block.text)),
            "thinking" => {
                if !text(&block.thinking).is_empty() {
                    answer.reasoning.push(text(&block.thinking).to_owned());
                }
                if !text(&block.signature).is_empty() {
                    super::push_opaque(&mut answer.opaque, text(&block.signature));
                }
            }
            "redacted_thinking" if !text(&block.data).is_empty() => {
                super::push_opaque(
                    &mut answer.opaque,
                    &format!("{REDACTED}{}", text(&block.data)),
                );
            }
            "tool_use" => answer.calls.push(pivot_call(
                text(&block.id),
                text(&block.name),
                block
                    .input
                    .map_or_else(|| "{}".to_owned(), |input| input.get().to_owned()),
            )),
            _ => {}
        }
    }
    answer.finish = finish_reason(message.stop_reason.as_deref());
    Ok(answer.into_chat(model))
}

/// Messages events in, chat chunks out.
#[derive(Debug)]
pub struct Decoder {
    model: String,
    id: String,
    /// Block index → tool-call index, for the `tool_use` blocks seen so far.
    calls: Vec<(u64, u32)>,
    /// Usage so far: message_start's, updated by message_delta's.
    usage: Map<String, Value>,
    stop_reason: Option<String>,
    finished: bool,
    /// The block whose opaque reasoning (signature or redacted data) went out last: another
    /// block's starts a new space-separated token.
    opaque_block: Option<u64>,
}

impl Decoder {
    /// A decoder whose chunks name `model`.
    pub fn new(model: String) -> Self {
        Self {
            model,
            id: "chatcmpl-copilotapi".into(),
            calls: Vec::new(),
            usage: Map::new(),
            stop_reason: None,
            finished: false,
            opaque_block: None,
        }
    }

    /// A `reasoning_opaque` delta for block `index`: a new token is space-separated from the
    /// last block's.
    fn opaque(&mut self, index: Option<u64>, piece: &str) -> Delta {
        let separate = self.opaque_block.is_some() && self.opaque_block != index;
        self.opaque_block = index;
        Delta {
            reasoning_opaque: Some(match separate {
                true => format!("{}{piece}", super::TOKEN_SEPARATOR),
                false => piece.to_owned(),
            }),
            ..Delta::default()
        }
    }

    fn chunk(&self, delta: Delta) -> ChatChunk {
        pivot_chunk(&self.id, &self.model, None, delta, None)
    }

    /// The chunk for a `content_block_delta` of block `index`: `kind` is the delta's type,
    /// `text` its text, thinking, signature or partial JSON.
    fn block_delta(&mut self, index: Option<u64>, kind: &str, text: &str) -> Vec<Pivot> {
        if text.is_empty() {
            return Vec::new();
        }
        let delta = match kind {
            "text_delta" => Delta {
                content: Some(text.to_owned()),
                ..Delta::default()
            },
            "thinking_delta" => Delta {
                reasoning_text: Some(text.to_owned()),
                ..Delta::default()
            },
            "signature_delta" => self.opaque(index, text),
            "input_json_delta" => {
                let Some(call) =
                    index.and_then(|b| self.calls.iter().find(|(o, _)| *o == b).map(|(_, i)| *i))
                else {
                    return Vec::new();
                };
                call_delta(call, None, None, text)
            }
            _ => return Vec::new(),
        };
        vec![Pivot::Chunk(self.chunk(delta))]
    }

    /// One upstream event's `data` as text: content-block deltas (nearly every event of a
    /// stream) are read into a small struct borrowing the text, the rest in full by
    /// [`Self::push`].
    pub fn push_str(&mut self, data: &str) -> Result<Vec<Pivot>, serde_json::Error> {
        use std::borrow::Cow;
        #[derive(serde::Deserialize)]
        struct Inner<'a> {
            #[serde(rename = "type", borrow)]
            kind: Cow<'a, str>,
            #[serde(borrow)]
            text: Option<Cow<'a, str>>,
            #[serde(borrow)]
            thinking: Option<Cow<'a, str>>,
            #[serde(borrow)]
            signature: Option<Cow<'a, str>>,
            #[serde(borrow)]
            partial_json: Option<Cow<'a, str>>,
        }
        #[derive(serde::Deserialize)]
        struct BlockDelta<'a> {
            #[serde(rename = "type", borrow)]
            kind: Cow<'a, str>,
            #[serde(default)]
            index: Option<u64>,
            #[serde(borrow)]
            delta: Inner<'a>,
        }
        if let Ok(event) = serde_json::from_str::<BlockDelta<'_>>(data)
            && event.kind == "content_block_delta"
        {
            if self.finished {
                return Ok(Vec::new());
            }
            let d = &event.delta;
            let text = match &*d.kind {
                "text_delta" => &d.text,
                "thinking_delta" => &d.thinking,
                "signature_delta" => &d.signature,
                "input_json_delta" => &d.partial_json,
                _ => &None,
            };
            return Ok(self.block_delta(event.index, &d.kind, text.as_deref().unwrap_or("")));
        }
        Ok(self.push(&serde_json::from_str(data)?))
    }

    /// What one upstream event (its `data`, parsed) means for the chat client.
    pub fn push(&mut self, event: &Value) -> Vec<Pivot> {
        if self.finished {
            return Vec::new();
        }
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
        let block_index = event.get("index").and_then(Value::as_u64);
        match kind {
            "message_start" => {
                let message = &event["message"];
                if let Some(id) = message.get("id").and_then(Value::as_str) {
                    self.id = chat_id(id);
                }
                if let Some(Value::Object(u)) = message.get("usage") {
                    self.usage.clone_from(u);
                }
                let delta = Delta {
                    role: Some(Role::Assistant),
                    content: Some(String::new()),
                    ..Delta::default()
                };
                vec![Pivot::Chunk(self.chunk(delta))]
            }
            "content_block_start" => {
                let block = &event["content_block"];
                match block.get("type").and_then(Value::as_str) {
                    Some("tool_use") => {
                        let index = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
                        self.calls.push((block_index.unwrap_or(u64::MAX), index));
                        let field = |key: &str| block.get(key).and_then(Value::as_str);
                        let delta = call_delta(
                            index,
                            Some(field("id").unwrap_or_default()),
                            field("name"),
                            "",
                        );
                        vec![Pivot::Chunk(self.chunk(delta))]
                    }
                    Some("redacted_thinking") => match block.get("data").and_then(Value::as_str) {
                        Some(data) if !data.is_empty() => {
                            let delta = self.opaque(block_index, &format!("{REDACTED}{data}"));
                            vec![Pivot::Chunk(self.chunk(delta))]
                        }
                        _ => Vec::new(),
                    },
                    Some("text") => match block.get("text").and_then(Value::as_str) {
                        Some(t) if !t.is_empty() => {
                            let delta = Delta {
                                content: Some(t.to_owned()),
                                ..Delta::default()
                            };
                            vec![Pivot::Chunk(self.chunk(delta))]
                        }
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                }
            }
            "content_block_delta" => {
                let d = &event["delta"];
                let kind = d.get("type").and_then(Value::as_str).unwrap_or("");
                let key = match kind {
                    "text_delta" => "text",
                    "thinking_delta" => "thinking",
                    "signature_delta" => "signature",
                    "input_json_delta" => "partial_json",
                    _ => return Vec::new(),
                };
                let text = d.get(key).and_then(Value::as_str).unwrap_or("");
                self.block_delta(block_index, kind, text)
            }
            "message_delta" => {
                if let Some(stop) = event.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(stop.to_owned());
                }
                if let Some(Value::Object(u)) = event.get("usage") {
                    for (k, v) in u {
                        if !v.is_null() {
                            self.usage.insert(k.clone(), v.clone());
                        }
                    }
                }
                Vec::new()
            }
            "message_stop" => {
                self.finished = true;
                pivot_ending(
                    &self.id,
                    &self.model,
                    None,
                    finish_reason(self.stop_reason.as_deref()),
                    (!self.usage.is_empty())
                        .then(|| usage(&Value::Object(std::mem::take(&mut self.usage)))),
                )
            }
            "error" => {
                self.finished = true;
                let message = event
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("the upstream reported an error");
                vec![Pivot::Failed(message.to_owned())]
            }
            _ => Vec::new(),
        }
    }

    /// Whether the upstream finished (`message_stop` or an error).
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
#[path = "via_messages_tests.rs"]
mod tests;
