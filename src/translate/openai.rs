//! OpenAI chat-completions wire types, as Copilot speaks them.
//!
//! Owns the request ([`ChatRequest`]), the non-streaming response ([`ChatResponse`]) and the
//! streaming chunk ([`ChatChunk`]), including Copilot's Claude reasoning extensions:
//! `reasoning_text` / `reasoning_opaque` on messages and deltas and `thinking_budget` on
//! requests.
//!
//! Every struct is tolerant: unknown fields land in `extra` and are serialized back, every
//! optional field is skipped when `None` (so we never send a `null` the client did not send),
//! and unknown content parts are kept as [`ContentPart::Unknown`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::Extra;

/// A `POST /chat/completions` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model id.
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Output token limit (the field Copilot reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Newer name of the output token limit, used by o-series clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u64>,
    /// Whether to stream chunks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Streaming options, e.g. `include_usage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// End-user identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Function tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// `"auto"`, `"none"`, `"required"` or a named function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether the model may call several tools in one turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// `{"type":"json_object"}` or `{"type":"json_schema","json_schema":{..}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// `low` / `medium` / `high` for reasoning models (GPT-5, o-series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Copilot extension: extended-thinking budget for Claude models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_budget: Option<u64>,
    /// Unknown fields, forwarded verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Who started a request, sent to Copilot as `X-Initiator`; premium-request accounting
/// differs between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// A human typed the last message.
    User,
    /// The agent is continuing on its own (after an assistant turn or a tool result).
    Agent,
}

impl Initiator {
    /// The header value: `"user"` or `"agent"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Agent => "agent",
        }
    }
}

impl ChatRequest {
    /// The request as a JSON object, for the translators that read JSON (towards Messages and
    /// Responses), with its messages' content moved in. Serialising the typed request would
    /// copy every string: a long session's megabytes of history once more.
    pub fn into_map(mut self) -> Result<Map<String, Value>, serde_json::Error> {
        let messages = std::mem::take(&mut self.messages);
        // A struct serialises as an object.
        let mut map = match serde_json::to_value(&self)? {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let messages = messages
            .into_iter()
            .map(ChatMessage::into_value)
            .collect::<Result<_, _>>()?;
        map.insert("messages".into(), Value::Array(messages));
        Ok(map)
    }

    /// True when any message carries an `image_url` part.
    #[cfg(test)]
    pub fn has_images(&self) -> bool {
        self.messages.iter().any(|m| match &m.content {
            Some(MessageContent::Parts(parts)) => parts
                .iter()
                .any(|p| matches!(p, ContentPart::ImageUrl { .. })),
            _ => false,
        })
    }
}

/// `stream_options`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Ask for a final chunk carrying `usage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `stop`: one string or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stop {
    /// A single stop sequence.
    One(String),
    /// Several stop sequences.
    Many(Vec<String>),
}

/// A message role. Roles we do not know are kept as [`Role::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `system`.
    System,
    /// `developer` (OpenAI's newer name for system).
    Developer,
    /// `user`.
    User,
    /// `assistant`.
    Assistant,
    /// `tool`.
    Tool,
    /// Anything else, verbatim.
    #[serde(untagged)]
    Other(String),
}

/// One request message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Author role.
    pub role: Role,
    /// Text or parts; absent for assistant messages that only call tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MessageContent>,
    /// Optional participant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool calls made by an assistant message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// On `tool` messages: the call this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Copilot extension: visible reasoning of an earlier assistant turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_text: Option<String>,
    /// Copilot extension: opaque reasoning signature of an earlier assistant turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_opaque: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatMessage {
    /// The message as JSON, its content moved in (the rest is small and serialised).
    fn into_value(mut self) -> Result<Value, serde_json::Error> {
        let content = self.content.take();
        let mut value = serde_json::to_value(&self)?;
        if let (Some(content), Value::Object(map)) = (content, &mut value) {
            map.insert("content".into(), content.into_value());
        }
        Ok(value)
    }

    /// A message with only a role and content; every optional field empty.
    pub fn new(role: Role, content: Option<MessageContent>) -> Self {
        Self {
            role,
            content,
            name: None,
            tool_calls: None,
            tool_call_id: None,
            reasoning_text: None,
            reasoning_opaque: None,
            extra: Extra::new(),
        }
    }
}

/// Message content: a plain string or an array of parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Typed parts (text, images, unknown).
    Parts(Vec<ContentPart>),
}

impl MessageContent {
    /// The content as JSON, its strings moved.
    fn into_value(self) -> Value {
        match self {
            Self::Text(text) => Value::String(text),
            Self::Parts(parts) => {
                Value::Array(parts.into_iter().map(ContentPart::into_value).collect())
            }
        }
    }
}

impl ContentPart {
    /// The part as JSON, its strings moved.
    fn into_value(self) -> Value {
        let (kind, field, value, extra) = match self {
            Self::Text { text, extra } => ("text", "text", Value::String(text), extra),
            Self::ImageUrl { image_url, extra } => {
                let mut image = Map::new();
                image.insert("url".into(), Value::String(image_url.url));
                if let Some(detail) = image_url.detail {
                    image.insert("detail".into(), Value::String(detail));
                }
                image.extend(image_url.extra.into_map());
                ("image_url", "image_url", Value::Object(image), extra)
            }
            Self::Unknown(value) => return value,
        };
        let mut part = Map::new();
        part.insert("type".into(), kind.into());
        part.insert(field.into(), value);
        part.extend(extra.into_map());
        Value::Object(part)
    }
}

/// One content part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// `{"type":"text","text":..}`.
    Text {
        /// The text.
        text: String,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// `{"type":"image_url","image_url":{"url":..,"detail":..}}`.
    ImageUrl {
        /// The image reference (a `data:` URL or an http(s) URL).
        image_url: ImageUrl,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// Any other part (audio, file, ...), kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// The `image_url` object of an image part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// `data:<mime>;base64,<data>` or an http(s) URL.
    pub url: String,
    /// `low` / `high` / `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A function tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `"function"` for what we send.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function definition.
    pub function: FunctionDef,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A function definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDef {
    /// Function name.
    pub name: String,
    /// What the function does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// Unknown fields (e.g. `strict`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_choice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolChoice {
    /// `"auto"`, `"none"` or `"required"`.
    Mode(String),
    /// `{"type":"function","function":{"name":..}}`.
    Named(NamedToolChoice),
    /// Anything else, verbatim.
    Other(Value),
}

/// A forced function call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedToolChoice {
    /// `"function"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Which function.
    pub function: FunctionName,
}

/// `{"name":..}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionName {
    /// Function name.
    pub name: String,
}

/// A complete tool call (requests and non-streaming responses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Call id, echoed back by the `tool` message.
    #[serde(default)]
    pub id: String,
    /// `"function"`.
    #[serde(rename = "type", default = "function_kind")]
    pub kind: String,
    /// Name and JSON-encoded arguments.
    pub function: FunctionCall,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

fn function_kind() -> String {
    "function".to_owned()
}

/// Function name plus arguments as a JSON string.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCall {
    /// Function name.
    pub name: String,
    /// Arguments, a JSON document encoded as a string.
    pub arguments: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A non-streaming response.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatResponse {
    /// Upstream id (`chatcmpl-...`, sometimes empty).
    pub id: String,
    /// Upstream model id.
    pub model: String,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<u64>,
    /// Choices; Copilot's Claude may split text and tool calls across several.
    pub choices: Vec<Choice>,
    /// Token usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Unknown fields (`object`, `system_fingerprint`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatResponse {
    /// The answer as OpenAI's schema has it, written straight from the typed answer: `object`,
    /// `created` (`now` when the upstream gave none), and the fields it requires even when
    /// null (`logprobs`, `refusal`, `content`).
    pub fn as_completion(&self, now: u64) -> impl Serialize + '_ {
        Completion { chat: self, now }
    }
}

struct Completion<'a> {
    chat: &'a ChatResponse,
    now: u64,
}

impl Serialize for Completion<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let chat = self.chat;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &chat.id)?;
        m.serialize_entry("object", "chat.completion")?;
        m.serialize_entry("created", &chat.created.unwrap_or(self.now))?;
        m.serialize_entry("model", &chat.model)?;
        m.serialize_entry("choices", &Choices(&chat.choices))?;
        if let Some(usage) = &chat.usage {
            m.serialize_entry("usage", usage)?;
        }
        for (key, value) in chat.extra.iter().filter(|(key, _)| *key != "object") {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

struct Choices<'a>(&'a [Choice]);

impl Serialize for Choices<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(CompletionChoice))
    }
}

struct CompletionChoice<'a>(&'a Choice);

impl Serialize for CompletionChoice<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let Choice {
            index,
            message,
            finish_reason,
            extra,
        } = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", index)?;
        m.serialize_entry("message", &CompletionMessage(message))?;
        m.serialize_entry("logprobs", extra.get("logprobs").unwrap_or(&Value::Null))?;
        m.serialize_entry("finish_reason", finish_reason)?;
        for (key, value) in extra.iter().filter(|(key, _)| *key != "logprobs") {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

struct CompletionMessage<'a>(&'a ResponseMessage);

impl Serialize for CompletionMessage<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let ResponseMessage {
            role,
            content,
            tool_calls,
            reasoning_text,
            reasoning_opaque,
            extra,
        } = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(role) = role {
            m.serialize_entry("role", role)?;
        }
        m.serialize_entry("content", content)?;
        m.serialize_entry("refusal", extra.get("refusal").unwrap_or(&Value::Null))?;
        if let Some(calls) = tool_calls {
            m.serialize_entry("tool_calls", calls)?;
        }
        if let Some(text) = reasoning_text {
            m.serialize_entry("reasoning_text", text)?;
        }
        if let Some(opaque) = reasoning_opaque {
            m.serialize_entry("reasoning_opaque", opaque)?;
        }
        for (key, value) in extra.iter().filter(|(key, _)| *key != "refusal") {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

/// One non-streaming choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Choice {
    /// Choice index.
    pub index: u32,
    /// The generated message.
    pub message: ResponseMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter` or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The message of a non-streaming choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResponseMessage {
    /// Normally `assistant`; some Copilot choices omit it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Generated text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<MessageContent>,
    /// Tool calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// Copilot extension: visible reasoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_text: Option<String>,
    /// Copilot extension: reasoning signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_opaque: Option<String>,
    /// Unknown fields (`refusal`, `padding`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Token usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Input tokens, including cached ones.
    pub prompt_tokens: u64,
    /// Output tokens.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
    /// Cache details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// Unknown fields (`completion_tokens_details`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Usage {
    /// Cached prompt tokens, when upstream reported them.
    pub fn cached_tokens(&self) -> Option<u64> {
        self.prompt_tokens_details.as_ref()?.cached_tokens
    }

    /// Input tokens written to the prompt cache: `cache_creation_input_tokens` (what a Messages
    /// upstream reports, kept by the pivot) or `prompt_tokens_details.cache_write_tokens`.
    pub fn cache_write_tokens(&self) -> u64 {
        self.extra
            .get("cache_creation_input_tokens")
            .or_else(|| {
                self.prompt_tokens_details
                    .as_ref()
                    .and_then(|d| d.extra.get("cache_write_tokens"))
            })
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }
}

/// `prompt_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PromptTokensDetails {
    /// Prompt tokens served from cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One streaming chunk (`data:` payload of the upstream SSE stream).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatChunk {
    /// Upstream id; empty on Copilot's leading filter-results chunk.
    pub id: String,
    /// Upstream model id.
    pub model: String,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<u64>,
    /// Choice deltas; may be empty (usage-only or filter-results chunks).
    pub choices: Vec<ChunkChoice>,
    /// Usage, on the final chunk when `include_usage` was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One choice of a chunk.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChunkChoice {
    /// Choice index.
    pub index: u32,
    /// What was added.
    pub delta: Delta,
    /// Set on the chunk that ends this choice; `null` before (OpenAI's schema requires the
    /// field on every chunk).
    pub finish_reason: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The incremental part of a chunk choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Delta {
    /// Role, on the first delta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Text piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Tool-call pieces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// Copilot extension: reasoning text piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_text: Option<String>,
    /// Copilot extension: reasoning signature (usually once, at the end of the reasoning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_opaque: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A piece of a streamed tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ToolCallDelta {
    /// Which tool call of this choice the piece belongs to.
    pub index: u32,
    /// Call id, on the first piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `"function"`, on the first piece.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name and/or argument text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionDelta>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Function part of a tool-call piece.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FunctionDelta {
    /// Function name, on the first piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Next slice of the JSON arguments text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

text_or_array!(MessageContent; Text, Parts; "a string or an array of content parts");

deserialize_with_extra!(
    ChatResponse,
    "a chat completion",
    required {},
    optional {
        id: "id",
        model: "model",
        created: "created",
        choices: "choices",
        usage: "usage"
    }
);
deserialize_with_extra!(
    Choice,
    "a choice",
    required {},
    optional {
        index: "index",
        message: "message",
        finish_reason: "finish_reason"
    }
);
deserialize_with_extra!(
    ResponseMessage,
    "a message",
    required {},
    optional {
        role: "role",
        content: "content",
        tool_calls: "tool_calls",
        reasoning_text: "reasoning_text",
        reasoning_opaque: "reasoning_opaque",
    }
);
deserialize_with_extra!(
    Usage,
    "a usage object",
    required {},
    optional {
        prompt_tokens: "prompt_tokens",
        completion_tokens: "completion_tokens",
        total_tokens: "total_tokens",
        prompt_tokens_details: "prompt_tokens_details",
    }
);
deserialize_with_extra!(
    PromptTokensDetails,
    "prompt token details",
    required {},
    optional {
        cached_tokens: "cached_tokens"
    }
);
deserialize_with_extra!(
    ChatChunk,
    "a chat completion chunk",
    required {},
    optional {
        id: "id",
        model: "model",
        created: "created",
        choices: "choices",
        usage: "usage"
    }
);
deserialize_with_extra!(
    ChunkChoice,
    "a chunk choice",
    required {},
    optional {
        index: "index",
        delta: "delta",
        finish_reason: "finish_reason"
    }
);
deserialize_with_extra!(
    Delta,
    "a delta",
    required {},
    optional {
        role: "role",
        content: "content",
        tool_calls: "tool_calls",
        reasoning_text: "reasoning_text",
        reasoning_opaque: "reasoning_opaque",
    }
);
deserialize_with_extra!(
    ToolCallDelta,
    "a tool call delta",
    required {},
    optional {
        index: "index",
        id: "id",
        kind: "type",
        function: "function"
    }
);
deserialize_with_extra!(
    FunctionDelta,
    "a function delta",
    required {},
    optional {
        name: "name",
        arguments: "arguments"
    }
);
deserialize_with_extra!(
    FunctionCall,
    "a function call",
    required {},
    optional {
        name: "name",
        arguments: "arguments"
    }
);

#[cfg(test)]
#[path = "openai_tests.rs"]
mod tests;
