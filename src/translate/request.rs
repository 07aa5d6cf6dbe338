//! Anthropic Messages request → OpenAI chat-completions request (for Copilot).
//!
//! Owns [`anthropic_to_openai`] and the per-model switches in [`TargetModel`]. Rules, and
//! where they deliberately differ from copilot-api 0.7.0 (reference §5.1):
//!
//! * The system prompt (string, or text blocks joined with a blank line) becomes one leading
//!   `system` message. A `role: "system"` message inside `messages` (Claude Code sends them)
//!   becomes a `system` message at that position. Unknown roles are treated as `user`.
//! * A user message's `tool_result` blocks become one `tool` message each, then the other
//!   blocks become one `user` message, omitted when nothing is left (empty or
//!   whitespace-only text blocks are dropped). Tool messages only carry text, so images
//!   inside a tool result move into that following `user` message (before the user's own
//!   blocks); a result that was *only* images gets [`TOOL_IMAGE_NOTE`] as its text. Putting
//!   the images anywhere between the tool messages would break OpenAI's rule that the tool
//!   answers directly follow the assistant's tool calls.
//! * `is_error: true` has no OpenAI field, so the tool text is prefixed with `"Error: "`
//!   unless it already starts with "error" (any case); the model then still sees the failure.
//! * Images: `base64` sources become `data:` URLs and `url` sources are passed as the URL.
//!   Other sources (e.g. `file`) cannot be forwarded and are dropped. Content with an image
//!   becomes an array of parts, otherwise a string joined with a blank line.
//! * Documents: plain-text and nested-content documents are inlined as text; PDFs and other
//!   binary sources are replaced by [`DOCUMENT_OMITTED`] so the model knows something was
//!   there instead of silently answering without it.
//! * Assistant thinking becomes `reasoning_text` (all thinking texts of the message) plus
//!   `reasoning_opaque` (the first non-empty signature) only when the target takes a thinking
//!   budget; otherwise it is dropped. It is never mixed into visible content (0.7.0 did
//!   that). Thinking without any signature is dropped too: Claude rejects reasoning it cannot
//!   verify. (Our stream can split one thinking block from its late signature, which is why
//!   texts and signature are gathered across the message's blocks.) `redacted_thinking` has
//!   no Copilot field and is dropped. An assistant message left with no text, tool call or
//!   reasoning is dropped rather than sent empty.
//! * `thinking.enabled` → `thinking_budget` (clamped below the output limit) for Claude
//!   targets, or a `reasoning_effort` bucket for GPT/o-series targets. `output_config.effort`
//!   maps to `reasoning_effort` independently of `thinking` (it also applies when thinking is
//!   disabled or adaptive) and wins over the budget bucket.
//! * An empty `tools` array is omitted, and so are `tool_choice` and
//!   `disable_parallel_tool_use` (→ `parallel_tool_calls: false`) when there are no tools,
//!   because OpenAI rejects both.
//! * Fields with no OpenAI meaning (`top_k`, `cache_control`, `context_management`,
//!   `service_tier`, ...) are dropped, never an error.

use serde_json::{Value, json};

use super::TranslateError;
use super::anthropic::{
    self, ContentBlock, ImageSource, MessageContent as AContent, MessagesRequest, Role as ARole,
    System, ThinkingKind, ToolChoiceKind, ToolResultContent,
};
use super::openai::{
    ChatMessage, ChatRequest, ContentPart, Extra, FunctionCall, FunctionDef, FunctionName,
    ImageUrl, MessageContent, NamedToolChoice, Role, Stop, StreamOptions, Tool, ToolCall,
    ToolChoice,
};

/// Text given to a tool message whose result consisted only of images (which travel in the
/// following user message).
pub const TOOL_IMAGE_NOTE: &str = "[image output attached in the next message]";

/// Text standing in for a document whose content cannot be sent to a chat-completions
/// upstream (PDF, file reference, ...).
pub const DOCUMENT_OMITTED: &str =
    "[document omitted: only text documents can be sent to this model]";

/// What the translation needs to know about the Copilot model it targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetModel {
    /// Resolved Copilot model id (see [`super::model::resolve_model`]).
    pub id: String,
    /// Claude on Copilot: send `thinking_budget` and replay reasoning on assistant messages.
    pub supports_thinking_budget: bool,
    /// GPT-5 / o-series: send `reasoning_effort`.
    pub supports_reasoning_effort: bool,
    /// The model's output limit, used when the request has no `max_tokens`.
    pub max_output_tokens: Option<u64>,
    /// Replay signed reasoning on assistant messages even without a thinking budget (the
    /// chat request is a pivot on its way to a Responses or Messages upstream).
    pub replays_reasoning: bool,
}

/// Translates an Anthropic request into the chat-completions request sent to Copilot. Takes
/// the request by value: tool schemas (often the largest part of a Claude Code request) move
/// into the new request instead of being copied.
pub fn anthropic_to_openai(
    mut req: MessagesRequest,
    target: &TargetModel,
) -> Result<ChatRequest, TranslateError> {
    refuse_binary_documents(&req, &target.id)?;
    let mut messages = Vec::new();
    if let Some(text) = req.system.as_ref().map(system_text) {
        push_system(&mut messages, text);
    }
    for message in &req.messages {
        match &message.role {
            ARole::System => push_system(&mut messages, content_text(&message.content)),
            ARole::Assistant => push_assistant(&mut messages, &message.content, target)?,
            ARole::User | ARole::Other(_) => push_user(&mut messages, &message.content),
        }
    }

    let max_tokens = req.max_tokens.or(target.max_output_tokens);
    let stream_options = (req.stream == Some(true)).then(|| StreamOptions {
        include_usage: Some(true),
        extra: Extra::new(),
    });
    let (thinking_budget, reasoning_effort) = reasoning(&req, target, max_tokens);
    // OpenAI rejects `tools: []`, and `tool_choice` / `parallel_tool_calls` without tools.
    let tools: Option<Vec<Tool>> = req
        .tools
        .take()
        .filter(|tools| !tools.is_empty())
        .map(|tools| {
            tools
                .into_iter()
                .map(|tool| function_tool(tool, &target.id))
                .collect::<Result<_, _>>()
        })
        .transpose()?;
    let choice = req.tool_choice.as_ref().filter(|_| tools.is_some());

    Ok(ChatRequest {
        model: target.id.clone(),
        messages,
        max_tokens,
        max_completion_tokens: None,
        stream: req.stream,
        stream_options,
        temperature: req.temperature,
        top_p: req.top_p,
        stop: req
            .stop_sequences
            .take()
            .filter(|s| !s.is_empty())
            .map(Stop::Many),
        user: req.metadata.take().and_then(|m| m.user_id),
        tools,
        tool_choice: choice.and_then(tool_choice),
        parallel_tool_calls: choice
            .and_then(|c| c.disable_parallel_tool_use)
            .filter(|disabled| *disabled)
            .map(|_| false),
        response_format: req.output_config.as_ref().and_then(response_format),
        reasoning_effort,
        thinking_budget,
        extra: Extra::new(),
    })
}

fn system_text(system: &System) -> String {
    match system {
        System::Text(text) => text.clone(),
        System::Blocks(blocks) => join(blocks.iter().filter_map(block_text)),
    }
}

fn push_system(out: &mut Vec<ChatMessage>, text: String) {
    if !text.trim().is_empty() {
        out.push(ChatMessage::new(
            Role::System,
            Some(MessageContent::Text(text)),
        ));
    }
}

/// The text of string content, or of its text (and text-document) blocks.
fn content_text(content: &AContent) -> String {
    match content {
        AContent::Text(text) => text.clone(),
        AContent::Blocks(blocks) => join(blocks.iter().filter_map(block_text)),
    }
}

fn block_text(block: &ContentBlock) -> Option<String> {
    match block {
        ContentBlock::Text { text, .. } if !text.trim().is_empty() => Some(text.clone()),
        ContentBlock::Document { source, title, .. } => Some(document_text(source, title)),
        _ => None,
    }
}

fn join(texts: impl Iterator<Item = String>) -> String {
    texts.collect::<Vec<_>>().join("\n\n")
}

/// Documents chat completions cannot carry (PDFs and other binary sources, file and URL
/// references) are refused by position: a model answering without the document it was given
/// would look like an answer about it.
fn refuse_binary_documents(req: &MessagesRequest, model: &str) -> Result<(), TranslateError> {
    fn binary(block: &ContentBlock) -> Option<String> {
        match block {
            ContentBlock::Document { source, .. } => {
                match source.get("type").and_then(Value::as_str) {
                    Some("text" | "content") => None,
                    kind => Some(
                        source
                            .get("media_type")
                            .and_then(Value::as_str)
                            .or(kind)
                            .unwrap_or("unknown")
                            .to_owned(),
                    ),
                }
            }
            ContentBlock::ToolResult {
                content: Some(ToolResultContent::Blocks(inner)),
                ..
            } => inner.iter().find_map(binary),
            _ => None,
        }
    }
    for (i, message) in req.messages.iter().enumerate() {
        let AContent::Blocks(blocks) = &message.content else {
            continue;
        };
        for (j, block) in blocks.iter().enumerate() {
            if let Some(kind) = binary(block) {
                return Err(TranslateError::InvalidRequest(format!(
                    "messages.{i}.content.{j}: a document of type `{kind}` cannot be sent to `{model}`, which is served through chat completions and reads only text documents and images; send the document's text, or pick a model served on /v1/messages"
                )));
            }
        }
    }
    Ok(())
}

fn document_text(source: &Value, title: &Option<String>) -> String {
    let body = match source.get("type").and_then(Value::as_str) {
        Some("text") => source
            .get("data")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Some("content") => match source.get("content") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(blocks @ Value::Array(_)) => {
                serde_json::from_value::<Vec<ContentBlock>>(blocks.clone())
                    .ok()
                    .map(|blocks| join(blocks.iter().filter_map(block_text)))
            }
            _ => None,
        },
        _ => None,
    };
    let body = body.unwrap_or_else(|| DOCUMENT_OMITTED.to_owned());
    match title {
        Some(title) if !title.is_empty() => format!("{title}\n\n{body}"),
        _ => body,
    }
}

/// A piece of user-visible content on its way to becoming OpenAI content.
enum Piece {
    Text(String),
    /// Boxed: a request of a million tiny text blocks holds a million pieces, each the size of
    /// the largest variant.
    Image(Box<ContentPart>),
}

fn piece(block: &ContentBlock) -> Option<Piece> {
    match block {
        ContentBlock::Image { source, .. } => image_part(source).map(|p| Piece::Image(Box::new(p))),
        other => block_text(other).map(Piece::Text),
    }
}

fn image_part(source: &ImageSource) -> Option<ContentPart> {
    let url = match source {
        ImageSource::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
        ImageSource::Url { url } => url.clone(),
        ImageSource::Unknown(_) => return None,
    };
    Some(ContentPart::ImageUrl {
        image_url: ImageUrl {
            url,
            detail: None,
            extra: Extra::new(),
        },
        extra: Extra::new(),
    })
}

/// Pieces → string content when there is no image, array content otherwise.
fn to_content(pieces: Vec<Piece>) -> MessageContent {
    if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
        return MessageContent::Text(join(pieces.into_iter().filter_map(|p| match p {
            Piece::Text(text) => Some(text),
            Piece::Image(_) => None,
        })));
    }
    MessageContent::Parts(
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(text) => ContentPart::Text {
                    text,
                    extra: Extra::new(),
                },
                Piece::Image(part) => *part,
            })
            .collect(),
    )
}

fn push_user(out: &mut Vec<ChatMessage>, content: &AContent) {
    let blocks = match content {
        AContent::Text(text) => {
            out.push(ChatMessage::new(
                Role::User,
                Some(MessageContent::Text(text.clone())),
            ));
            return;
        }
        AContent::Blocks(blocks) => blocks,
    };
    let mut tool_images = Vec::new();
    let mut rest = Vec::new();
    for block in blocks {
        match block {
            ContentBlock::ToolResult {
                tool_use_id,
                content,
                is_error,
                ..
            } => {
                let (text, images) = tool_result(content.as_ref(), *is_error == Some(true));
                let mut message = ChatMessage::new(Role::Tool, Some(MessageContent::Text(text)));
                message.tool_call_id = Some(tool_use_id.clone());
                out.push(message);
                tool_images.extend(images);
            }
            other => rest.extend(piece(other)),
        }
    }
    tool_images.extend(rest);
    if !tool_images.is_empty() {
        out.push(ChatMessage::new(Role::User, Some(to_content(tool_images))));
    }
}

/// A tool result's text (with the error prefix applied) and its images.
fn tool_result(content: Option<&ToolResultContent>, is_error: bool) -> (String, Vec<Piece>) {
    let (mut text, images) = match content {
        None => (String::new(), Vec::new()),
        Some(ToolResultContent::Text(text)) => (text.clone(), Vec::new()),
        Some(ToolResultContent::Blocks(blocks)) => {
            let (texts, images): (Vec<_>, Vec<_>) = blocks
                .iter()
                .filter_map(piece)
                .partition(|p| matches!(p, Piece::Text(_)));
            let text = join(texts.into_iter().filter_map(|p| match p {
                Piece::Text(text) => Some(text),
                Piece::Image(_) => None,
            }));
            (text, images)
        }
    };
    if text.is_empty() && !images.is_empty() {
        text = TOOL_IMAGE_NOTE.to_owned();
    }
    if is_error && !text.trim_start().to_ascii_lowercase().starts_with("error") {
        text = format!("Error: {text}");
    }
    (text, images)
}

fn push_assistant(
    out: &mut Vec<ChatMessage>,
    content: &AContent,
    target: &TargetModel,
) -> Result<(), TranslateError> {
    let blocks = match content {
        AContent::Text(text) => {
            if !text.is_empty() {
                out.push(ChatMessage::new(
                    Role::Assistant,
                    Some(MessageContent::Text(text.clone())),
                ));
            }
            return Ok(());
        }
        AContent::Blocks(blocks) => blocks,
    };
    let mut texts = Vec::new();
    let mut reasoning = Vec::new();
    let mut signature: Option<String> = None;
    let mut tool_calls = Vec::new();
    for block in blocks {
        match block {
            ContentBlock::Text { text, .. } if !text.trim().is_empty() => texts.push(text.clone()),
            ContentBlock::Thinking {
                thinking,
                signature: sig,
                ..
            } if target.supports_thinking_budget || target.replays_reasoning => {
                if !thinking.is_empty() {
                    reasoning.push(thinking.clone());
                }
                let sig = sig.as_deref().map(str::trim).filter(|s| !s.is_empty());
                match (sig, &mut signature) {
                    // Several reasoning items of a Responses upstream, one block each: all of
                    // them go back.
                    (Some(more), Some(all))
                        if target.replays_reasoning && super::foreign_to_claude(more) =>
                    {
                        all.push(' ');
                        all.push_str(more);
                    }
                    // Reasoning only OpenAI can verify goes to a Responses upstream only.
                    (Some(first), None)
                        if target.replays_reasoning || !super::foreign_to_claude(first) =>
                    {
                        signature = Some(first.to_owned());
                    }
                    _ => {}
                }
            }
            ContentBlock::ToolUse {
                id, name, input, ..
            } => tool_calls.push(tool_call(id, name, input)?),
            _ => {}
        }
    }
    if signature.is_none() {
        reasoning.clear();
    }
    if texts.is_empty() && signature.is_none() && tool_calls.is_empty() {
        return Ok(());
    }
    let content = match (texts.is_empty(), tool_calls.is_empty()) {
        (false, _) => Some(MessageContent::Text(texts.join("\n\n"))),
        (true, true) => Some(MessageContent::Text(String::new())),
        (true, false) => None,
    };
    let mut message = ChatMessage::new(Role::Assistant, content);
    message.tool_calls = (!tool_calls.is_empty()).then_some(tool_calls);
    message.reasoning_text = (!reasoning.is_empty()).then(|| reasoning.join("\n\n"));
    message.reasoning_opaque = signature;
    out.push(message);
    Ok(())
}

fn tool_call(id: &str, name: &str, input: &Value) -> Result<ToolCall, TranslateError> {
    let arguments = match input {
        Value::Null => "{}".to_owned(),
        input => serde_json::to_string(input)
            .map_err(|e| TranslateError::InvalidRequest(format!("tool_use `{name}`: {e}")))?,
    };
    Ok(ToolCall {
        id: id.to_owned(),
        kind: "function".to_owned(),
        function: FunctionCall {
            name: name.to_owned(),
            arguments,
            extra: Extra::new(),
        },
        extra: Extra::new(),
    })
}

/// The published input schema of Anthropic's versioned client tools, by type prefix: they
/// arrive without one, and a function without a schema would let the model call them with
/// anything.
fn versioned_schema(kind: &str) -> Option<Value> {
    if kind.starts_with("bash_") {
        return Some(json!({"type": "object", "properties": {
            "command": {"type": "string", "description": "The bash command to run."},
            "restart": {"type": "boolean", "description": "Restart the bash session."}}}));
    }
    if kind.starts_with("text_editor_") {
        // `undo_edit` went away with the 2025-04-29 version.
        let mut commands = vec!["view", "create", "str_replace", "insert"];
        if kind
            .as_bytes()
            .get(12..20)
            .is_some_and(|date| date < b"20250429".as_slice())
        {
            commands.push("undo_edit");
        }
        return Some(json!({"type": "object", "properties": {
            "command": {"type": "string", "enum": commands},
            "path": {"type": "string", "description": "Absolute path to the file or directory."},
            "file_text": {"type": "string"},
            "old_str": {"type": "string"},
            "new_str": {"type": "string"},
            "insert_line": {"type": "integer"},
            "insert_text": {"type": "string"},
            "view_range": {"type": "array", "items": {"type": "integer"}}},
            "required": ["command", "path"]}));
    }
    None
}

/// Anthropic tools that Anthropic's servers run (or that need its computer-use protocol):
/// a model served on chat completions cannot, and a function standing in for them would come
/// back with made-up results.
const SERVER_TOOLS: [&str; 6] = [
    "web_search_",
    "web_fetch_",
    "code_execution_",
    "computer_",
    "tool_search_tool_",
    "mcp_toolset",
];

fn function_tool(tool: anthropic::Tool, model: &str) -> Result<Tool, TranslateError> {
    let kind = tool
        .extra
        .get("type")
        .and_then(Value::as_str)
        .filter(|k| *k != "custom");
    if let Some(kind) = kind
        && SERVER_TOOLS.iter().any(|prefix| kind.starts_with(prefix))
    {
        return Err(TranslateError::InvalidRequest(format!(
            "tools: `{}` ({kind}) runs on Anthropic's servers, and `{model}` is served through chat completions, which cannot run it; remove the tool or pick a model served on /v1/messages",
            tool.name
        )));
    }
    let schema = tool
        .input_schema
        .or_else(|| kind.and_then(versioned_schema))
        .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    Ok(Tool {
        kind: "function".to_owned(),
        function: FunctionDef {
            name: tool.name,
            description: tool.description,
            parameters: Some(schema),
            extra: Extra::new(),
        },
        extra: Extra::new(),
    })
}

fn tool_choice(choice: &anthropic::ToolChoice) -> Option<ToolChoice> {
    let mode = |m: &str| Some(ToolChoice::Mode(m.to_owned()));
    match &choice.kind {
        ToolChoiceKind::Auto => mode("auto"),
        ToolChoiceKind::Any => mode("required"),
        ToolChoiceKind::None => mode("none"),
        ToolChoiceKind::Tool => choice.name.as_ref().map(|name| {
            ToolChoice::Named(NamedToolChoice {
                kind: "function".to_owned(),
                function: FunctionName { name: name.clone() },
            })
        }),
        ToolChoiceKind::Other(_) => None,
    }
}

/// `(thinking_budget, reasoning_effort)` for the target.
fn reasoning(
    req: &MessagesRequest,
    target: &TargetModel,
    max_tokens: Option<u64>,
) -> (Option<u64>, Option<String>) {
    let mut budget = None;
    let mut effort = None;
    let enabled_budget = req
        .thinking
        .as_ref()
        .filter(|t| t.kind == ThinkingKind::Enabled)
        .and_then(|t| t.budget_tokens);
    if let Some(tokens) = enabled_budget {
        if target.supports_thinking_budget {
            // Claude requires budget < max_tokens; a client that left max_tokens to the
            // model default cannot know that limit, so keep it valid here.
            budget = Some(match max_tokens {
                Some(max) if max > 1 && tokens >= max => max - 1,
                _ => tokens,
            });
        } else if target.supports_reasoning_effort {
            effort = Some(effort_for_budget(tokens).to_owned());
        }
    }
    if target.supports_reasoning_effort {
        let requested = req.output_config.as_ref().and_then(|c| c.effort.as_deref());
        if let Some(mapped) = requested.and_then(map_effort) {
            effort = Some(mapped.to_owned());
        }
    }
    (budget, effort)
}

pub(crate) fn effort_for_budget(tokens: u64) -> &'static str {
    match tokens {
        0..2048 => "low",
        2048..16384 => "medium",
        _ => "high",
    }
}

/// Anthropic effort → OpenAI `reasoning_effort`; unknown levels are dropped rather than
/// risking an upstream 400.
fn map_effort(effort: &str) -> Option<&'static str> {
    match effort {
        "low" => Some("low"),
        "medium" => Some("medium"),
        "high" | "max" => Some("high"),
        _ => None,
    }
}

fn response_format(config: &anthropic::OutputConfig) -> Option<Value> {
    let format = config.format.as_ref()?;
    if format.get("type").and_then(Value::as_str) != Some("json_schema") {
        return None;
    }
    let schema = format.get("schema")?;
    Some(json!({
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": schema, "strict": false}
    }))
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
