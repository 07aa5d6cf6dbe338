//! Anthropic Messages wire types: request, response, stream events and error bodies.
//!
//! Owns what Claude Code and other Anthropic clients send to `/v1/messages` and what we send
//! back. Types are tolerant in the same way as [`super::openai`]: unknown fields go to
//! `extra`, unknown content blocks, image sources, response blocks, deltas and stream events
//! become an `Unknown(Value)` arm (also when a known `type` has a shape we cannot read), and
//! unknown roles become `Role::Other`. Only the response side serializes `stop_reason` /
//! `stop_sequence` as explicit `null`s, because that is what Anthropic itself sends.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::openai::Initiator;

pub use super::Extra;

/// A `POST /v1/messages` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MessagesRequest {
    /// Requested model name (resolved by [`super::model`]).
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// System prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<System>,
    /// Output token limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Custom stop sequences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Whether to stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling (no OpenAI equivalent; dropped by translation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    /// Request metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Tools the model may call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model must use tools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Extended thinking configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Thinking>,
    /// Effort and structured-output configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_config: Option<OutputConfig>,
    /// Unknown fields (`context_management`, `service_tier`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl MessagesRequest {
    /// `X-Initiator`: agent when the last turn is the assistant's, or a user turn that carries
    /// tool results and nothing the person typed. Claude Code attaches `<system-reminder>` text
    /// blocks (hook output, file-change notices) to tool results; those are not a prompt, so
    /// they do not make the turn a premium "user" request. A tool result next to real text (the
    /// user interrupting a tool) is a user turn. A `system` message inside `messages` is
    /// skipped: it is neither.
    pub fn initiator(&self) -> Initiator {
        let Some(last) = self.messages.iter().rev().find(|m| m.role != Role::System) else {
            return Initiator::User;
        };
        if last.role == Role::Assistant {
            return Initiator::Agent;
        }
        let MessageContent::Blocks(blocks) = &last.content else {
            return Initiator::User;
        };
        let typed_by_a_person = blocks.iter().any(|block| match block {
            ContentBlock::Text { text, .. } => {
                let text = text.trim_start();
                !text.is_empty() && !text.starts_with("<system-reminder>")
            }
            ContentBlock::ToolResult { .. } => false,
            // A text or tool result block we could not read is still not a prompt.
            ContentBlock::Unknown(value) => !matches!(
                value.get("type").and_then(Value::as_str),
                Some("text" | "tool_result")
            ),
            _ => true,
        });
        let has_results = blocks.iter().any(|block| match block {
            ContentBlock::ToolResult { .. } => true,
            ContentBlock::Unknown(value) => {
                value.get("type").and_then(Value::as_str) == Some("tool_result")
            }
            _ => false,
        });
        if has_results && !typed_by_a_person {
            Initiator::Agent
        } else {
            Initiator::User
        }
    }

    /// Whether any message carries an image, including inside tool results (Copilot needs the
    /// vision header).
    pub fn has_images(&self) -> bool {
        fn any_image(blocks: &[ContentBlock]) -> bool {
            blocks.iter().any(|block| match block {
                ContentBlock::Image { .. } => true,
                ContentBlock::ToolResult {
                    content: Some(ToolResultContent::Blocks(inner)),
                    ..
                } => any_image(inner),
                ContentBlock::Unknown(value) => {
                    value.get("type").and_then(Value::as_str) == Some("image")
                }
                _ => false,
            })
        }
        self.messages
            .iter()
            .any(|m| matches!(&m.content, MessageContent::Blocks(blocks) if any_image(blocks)))
    }
}

/// `system`: a string or an array of (text) blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum System {
    /// Plain text.
    Text(String),
    /// Blocks, normally `text` ones carrying `cache_control` in their `extra`.
    Blocks(Vec<ContentBlock>),
}

/// `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metadata {
    /// Opaque end-user id; Claude Code sometimes puts JSON text in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A message role. Claude Code sends `system` messages inside `messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `user`.
    User,
    /// `assistant`.
    Assistant,
    /// `system` (not in Anthropic's public schema, but sent by Claude Code).
    System,
    /// Anything else, verbatim.
    #[serde(untagged)]
    Other(String),
}

/// One conversation message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Author role.
    pub role: Role,
    /// A string or blocks; `null` or absent reads as no blocks.
    pub content: MessageContent,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Message content: a string or an array of blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Content blocks.
    Blocks(Vec<ContentBlock>),
}

impl Default for MessageContent {
    fn default() -> Self {
        Self::Blocks(Vec::new())
    }
}

deserialize_with_extra!(
    MessagesRequest,
    "a Messages request object",
    required { model: "model" },
    optional {
        messages: "messages",
        system: "system",
        max_tokens: "max_tokens",
        stop_sequences: "stop_sequences",
        stream: "stream",
        temperature: "temperature",
        top_p: "top_p",
        top_k: "top_k",
        metadata: "metadata",
        tools: "tools",
        tool_choice: "tool_choice",
        thinking: "thinking",
        output_config: "output_config",
    }
);
deserialize_with_extra!(
    Metadata,
    "a metadata object",
    required {},
    optional { user_id: "user_id" }
);
deserialize_with_extra!(
    Message,
    "a message object",
    required { role: "role" },
    optional { content: "content" }
);
deserialize_with_extra!(
    Tool,
    "a tool definition",
    required { name: "name" },
    optional {
        description: "description",
        input_schema: "input_schema"
    }
);
deserialize_with_extra!(
    ToolChoice,
    "a tool_choice object",
    required { kind: "type" },
    optional {
        name: "name",
        disable_parallel_tool_use: "disable_parallel_tool_use"
    }
);
deserialize_with_extra!(
    Thinking,
    "a thinking object",
    required { kind: "type" },
    optional {
        budget_tokens: "budget_tokens"
    }
);
deserialize_with_extra!(
    OutputConfig,
    "an output_config object",
    required {},
    optional {
        effort: "effort",
        format: "format"
    }
);

text_or_array!(System, MessageContent, ToolResultContent; Text, Blocks; "a string or an array of content blocks");

/// A request content block. Anything unreadable becomes [`ContentBlock::Unknown`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    /// Text.
    Text {
        /// The text.
        text: String,
        /// Unknown fields (`cache_control`, `citations`).
        #[serde(flatten)]
        extra: Extra,
    },
    /// An image.
    Image {
        /// Where the image is (boxed, as the other rare variants' large fields are: a
        /// request may hold millions of text blocks, each as large as the largest variant).
        source: Box<ImageSource>,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// A tool call made by the assistant.
    ToolUse {
        /// Call id.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments object.
        #[serde(default)]
        input: Box<Value>,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// The result of a tool call, sent by the user.
    ToolResult {
        /// The call this answers.
        tool_use_id: String,
        /// Result text or blocks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<ToolResultContent>,
        /// True when the tool failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_error: Option<bool>,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// Extended thinking of an earlier assistant turn.
    Thinking {
        /// The reasoning text.
        #[serde(default)]
        thinking: String,
        /// Signature proving the reasoning came from the model.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// Encrypted thinking of an earlier assistant turn.
    RedactedThinking {
        /// Opaque data.
        data: String,
        /// Unknown fields.
        #[serde(flatten)]
        extra: Extra,
    },
    /// A document (PDF, plain text, nested content).
    Document {
        /// The document source, kept as JSON (`base64`, `text`, `content`, `url`, `file`).
        #[serde(default)]
        source: Box<Value>,
        /// Optional title.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Unknown fields (`context`, `citations`, `cache_control`).
        #[serde(flatten)]
        extra: Extra,
    },
    /// Any other block (`server_tool_use`, `web_search_tool_result`, ...), kept verbatim.
    #[serde(untagged)]
    Unknown(Box<Value>),
}

/// `image.source`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImageSource {
    /// Inline data.
    Base64 {
        /// MIME type, e.g. `image/png`.
        media_type: String,
        /// Base64 data.
        data: String,
    },
    /// A URL.
    Url {
        /// The URL.
        url: String,
    },
    /// Any other source (`file`, ...), kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// `tool_result.content`: a string or blocks (text, image, document).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    /// Plain text.
    Text(String),
    /// Blocks.
    Blocks(Vec<ContentBlock>),
}

/// A tool definition: a client tool (`input_schema`) or a server tool (`type`, no schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    /// Tool name.
    pub name: String,
    /// What the tool does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON schema of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    /// Unknown fields (`type`, `cache_control`, `defer_loading`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_choice`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolChoice {
    /// `auto`, `any`, `tool` or `none`.
    #[serde(rename = "type")]
    pub kind: ToolChoiceKind,
    /// With `tool`: the tool to call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// At most one tool call per turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_choice.type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoiceKind {
    /// The model decides.
    Auto,
    /// The model must call some tool.
    Any,
    /// The model must call the named tool.
    Tool,
    /// The model must not call tools.
    None,
    /// Anything else, verbatim.
    #[serde(untagged)]
    Other(String),
}

/// `thinking`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thinking {
    /// `enabled`, `adaptive` or `disabled`.
    #[serde(rename = "type")]
    pub kind: ThinkingKind,
    /// With `enabled`: the token budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u64>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `thinking.type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThinkingKind {
    /// Fixed budget.
    Enabled,
    /// The model decides how much to think.
    Adaptive,
    /// No thinking.
    Disabled,
    /// Anything else, verbatim.
    #[serde(untagged)]
    Other(String),
}

/// `output_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutputConfig {
    /// `low`, `medium`, `high` or `max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Structured output, e.g. `{"type":"json_schema","schema":{..}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A non-streaming `/v1/messages` response (also the `message` of `message_start`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesResponse {
    /// `msg_...`.
    pub id: String,
    /// Always `"message"`.
    #[serde(rename = "type", default = "message_kind")]
    pub kind: String,
    /// Always `"assistant"`.
    #[serde(default = "assistant_role")]
    pub role: String,
    /// The model name the client asked for.
    #[serde(default)]
    pub model: String,
    /// Generated blocks.
    #[serde(default)]
    pub content: Vec<ResponseBlock>,
    /// `end_turn`, `max_tokens`, `tool_use`, `stop_sequence`, ... (`null` in `message_start`).
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that matched, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token usage.
    #[serde(default)]
    pub usage: Usage,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

fn message_kind() -> String {
    "message".to_owned()
}

fn assistant_role() -> String {
    "assistant".to_owned()
}

/// A response content block (also `content_block_start.content_block`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseBlock {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A tool call.
    ToolUse {
        /// Call id.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments object (`{}` in `content_block_start`).
        input: Value,
    },
    /// Extended thinking.
    Thinking {
        /// The reasoning text.
        thinking: String,
        /// Signature (empty when upstream gave none).
        signature: String,
    },
    /// Encrypted thinking.
    RedactedThinking {
        /// Opaque data.
        data: String,
    },
    /// Any other block, kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// Token usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Uncached input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Input tokens written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Unknown fields (`server_tool_use`, `service_tier`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One Anthropic SSE event; serializes as the `data:` JSON, [`StreamEvent::event_name`] is
/// the `event:` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// First event: the message shell with empty content.
    MessageStart {
        /// The shell.
        message: MessagesResponse,
    },
    /// A content block begins.
    ContentBlockStart {
        /// Block index, ascending from 0.
        index: u32,
        /// The block with empty text/input.
        content_block: ResponseBlock,
    },
    /// More content for the open block.
    ContentBlockDelta {
        /// Block index.
        index: u32,
        /// The increment.
        delta: BlockDelta,
    },
    /// A content block ends.
    ContentBlockStop {
        /// Block index.
        index: u32,
    },
    /// Final stop reason and usage.
    MessageDelta {
        /// Stop reason and sequence.
        delta: MessageDeltaBody,
        /// Final usage.
        usage: Usage,
    },
    /// Last event of a successful stream.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// An in-band error; the stream ends after it.
    Error {
        /// Error type and message.
        error: ErrorBody,
    },
    /// Any other event, kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl StreamEvent {
    /// The SSE `event:` name. [`StreamEvent::Unknown`] has no static name and reports
    /// `"unknown"`, which Anthropic SDKs ignore.
    pub fn event_name(&self) -> &'static str {
        match self {
            Self::MessageStart { .. } => "message_start",
            Self::ContentBlockStart { .. } => "content_block_start",
            Self::ContentBlockDelta { .. } => "content_block_delta",
            Self::ContentBlockStop { .. } => "content_block_stop",
            Self::MessageDelta { .. } => "message_delta",
            Self::MessageStop => "message_stop",
            Self::Ping => "ping",
            Self::Error { .. } => "error",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// `content_block_delta.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockDelta {
    /// Text for a text block.
    TextDelta {
        /// The text.
        text: String,
    },
    /// A slice of the JSON input of a tool_use block.
    InputJsonDelta {
        /// The slice.
        partial_json: String,
    },
    /// Reasoning text for a thinking block.
    ThinkingDelta {
        /// The text.
        thinking: String,
    },
    /// The signature of a thinking block, sent just before it stops.
    SignatureDelta {
        /// The signature.
        signature: String,
    },
    /// Any other delta (`citations_delta`, ...), kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// `message_delta.delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageDeltaBody {
    /// Why generation stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that matched, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
}

/// The `error` object of an error body or event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// E.g. `invalid_request_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Human-readable message.
    pub message: String,
}

#[cfg(test)]
#[path = "anthropic_tests.rs"]
mod tests;
