//! A Responses upstream behind the chat pivot: chat clients (and, through the Messages ⇄
//! chat translators, Messages clients) on a model served only on `/responses` (`gpt-5-codex`
//! and the other Codex models on Copilot, OpenAI's own reasoning models).
//!
//! Chat completions is the pivot every translated answer goes through (see the matrix in
//! [`super`]): this module turns a chat request into a Responses request ([`request`]), and
//! a Responses answer ([`answer`]) or event stream ([`Decoder`]) back into chat's answer and
//! chunks, which the existing renderers turn into whatever the client speaks.
//!
//! - Requests: leading `system` / `developer` messages become `instructions`, later ones
//!   `developer` input messages; user text and images become `input_text` / `input_image`;
//!   assistant text an `output_text` message; `tool_calls` → `function_call` items and tool
//!   messages → `function_call_output` (their images as `input_image` parts of the output);
//!   reasoning this module produced earlier (an opaque `rs_….<encrypted>`) goes back as the
//!   `reasoning` item it came from, reasoning of another vendor is dropped (no one else can
//!   verify it). `max_tokens` / `max_completion_tokens` → `max_output_tokens`,
//!   `response_format` → `text.format`, `reasoning_effort` → `reasoning.effort`, tools and
//!   `tool_choice` flattened, `temperature` / `top_p` / `parallel_tool_calls` / `user` kept,
//!   `store: false` with `reasoning.encrypted_content` included so a reasoning model's tool
//!   loop works without server-side state. `stop` and `n > 1` have no Responses equivalent
//!   and are refused with a 400 naming them, never dropped.
//! - Answers: `message` items → `content` (a refusal → `refusal`), `reasoning` items →
//!   `reasoning_text` (the summaries) and `reasoning_opaque` (id and encrypted content),
//!   `function_call` items → `tool_calls`; `finish_reason` from the status (`length` for
//!   `max_output_tokens`, `content_filter`, `tool_calls` when a call was made, else `stop`);
//!   usage with cached and reasoning details.
//! - Streams: `response.output_text.delta`, `response.reasoning_summary_text.delta` /
//!   `response.reasoning_text.delta`, function-call items and their argument deltas become
//!   chunk deltas (tool indexes from 0 in output order); `response.completed` /
//!   `response.incomplete` a finish chunk and a usage chunk, then the end; `response.failed`
//!   and `error` a failure, never a made-up finish.

use std::borrow::Cow;

use serde::Deserialize;
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

/// The separator between a reasoning item's id and its encrypted content in a chat
/// `reasoning_opaque` (neither contains it: ids are `rs_` and alphanumerics, the content
/// URL-safe base64).
const OPAQUE_SEPARATOR: char = '.';

/// A reasoning item's id and encrypted content as one `reasoning_opaque`.
pub(crate) fn pack_reasoning(id: &str, encrypted: &str) -> String {
    format!("{id}{OPAQUE_SEPARATOR}{encrypted}")
}

/// The reasoning items packed by [`pack_reasoning`] (several joined by a space), or `None` for
/// another vendor's opaque.
pub(crate) fn unpack_reasoning(opaque: &str) -> Option<Vec<(&str, &str)>> {
    opaque
        .split(super::TOKEN_SEPARATOR)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (id, encrypted) = part.split_once(OPAQUE_SEPARATOR)?;
            (id.starts_with("rs_") && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .then_some((id, encrypted))
        })
        .collect::<Option<Vec<_>>>()
        .filter(|items| !items.is_empty())
}

/// Chat content as Responses input parts (`input_text`, `input_image`), its strings moved
/// into them.
fn input_parts(content: Option<Value>, field: &str) -> Result<Vec<Value>, TranslateError> {
    match content {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(vec![object([
            ("type", "input_text".into()),
            ("text", text.into()),
        ])]),
        Some(Value::Array(parts)) => parts
            .into_iter()
            .map(|mut part| match part.get("type").and_then(Value::as_str) {
                Some("text") => Ok(object([
                    ("type", "input_text".into()),
                    ("text", part.get_mut("text").map_or_else(|| "".into(), Value::take)),
                ])),
                Some("image_url") => {
                    let url = match part.pointer_mut("/image_url/url") {
                        Some(url) => Some(url.take()),
                        None => part
                            .get_mut("image_url")
                            .filter(|u| u.is_string())
                            .map(Value::take),
                    }
                    .ok_or_else(|| bad(format!("{field}: an image_url part needs a url")))?;
                    let detail = part
                        .pointer("/image_url/detail")
                        .cloned()
                        .filter(|d| d.is_string())
                        .unwrap_or(json!("auto"));
                    Ok(object([
                        ("type", "input_image".into()),
                        ("image_url", url),
                        ("detail", detail),
                    ]))
                }
                Some("file") => Ok(match part.pointer("/file/file_id") {
                    Some(id) if id.is_string() => json!({"type": "input_file", "file_id": id}),
                    _ => json!({"type": "input_file", "file_data": part.pointer("/file/file_data").cloned().unwrap_or(Value::Null), "filename": part.pointer("/file/filename").cloned().unwrap_or(json!("file"))}),
                }),
                other => Err(bad(format!(
                    "{field}: a content part of type `{}` cannot be sent to the Responses API",
                    other.unwrap_or("?")
                ))),
            })
            .collect(),
        Some(_) => Err(bad(format!("{field}: a string or an array of parts"))),
    }
}

/// A Responses message item of `role` with `content` parts.
fn message_item(role: &str, content: Vec<Value>) -> Value {
    object([
        ("type", "message".into()),
        ("role", role.into()),
        ("content", Value::Array(content)),
    ])
}

/// Translates a chat-completions request (as JSON) into a Responses request for `model`. The
/// request is taken apart: its texts and images move into the new one.
pub fn request(mut chat: Map<String, Value>, model: &str) -> Result<Value, TranslateError> {
    if chat.get("n").and_then(Value::as_u64).is_some_and(|n| n > 1) {
        return Err(bad(format!(
            "n: the model `{model}` is served here through the Responses API, which gives one answer per request; send n = 1"
        )));
    }
    if chat.get("stop").is_some_and(|s| match s {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }) {
        return Err(bad(format!(
            "stop: the model `{model}` is served here through the Responses API, which has no stop sequences; remove `stop`"
        )));
    }
    let Some(Value::Array(messages)) = chat.remove("messages") else {
        return Err(bad("messages: field required"));
    };
    let mut instructions: Vec<String> = Vec::new();
    let mut input: Vec<Value> = Vec::new();
    for (i, mut message) in messages.into_iter().enumerate() {
        let field = format!("messages[{i}]");
        let content = message.get_mut("content").map(Value::take);
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        match role {
            "system" | "developer" => {
                if input.is_empty() {
                    instructions.push(content_text(content, ""));
                } else {
                    input.push(message_item("developer", input_parts(content, &field)?));
                }
            }
            "user" => {
                input.push(message_item("user", input_parts(content, &field)?));
            }
            "assistant" => {
                if let Some(items) = message
                    .get("reasoning_opaque")
                    .and_then(Value::as_str)
                    .and_then(unpack_reasoning)
                {
                    // The summary text travels on the first item; each item keeps its own id
                    // and encrypted content.
                    let mut summary: Vec<Value> = message
                        .get("reasoning_text")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(|t| json!({"type": "summary_text", "text": t}))
                        .into_iter()
                        .collect();
                    for (id, encrypted) in items {
                        input.push(object([
                            ("type", "reasoning".into()),
                            ("id", id.into()),
                            ("summary", Value::Array(std::mem::take(&mut summary))),
                            ("encrypted_content", encrypted.into()),
                        ]));
                    }
                }
                let text = content_text(content, "");
                if !text.is_empty() {
                    let part = object([
                        ("type", "output_text".into()),
                        ("text", text.into()),
                        ("annotations", Value::Array(Vec::new())),
                    ]);
                    input.push(message_item("assistant", vec![part]));
                }
                for call in message
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = call.get("id").and_then(Value::as_str).unwrap_or_default();
                    let name = call
                        .pointer("/function/name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            bad(format!("{field}.tool_calls: a call needs a function name"))
                        })?;
                    let arguments = call
                        .pointer("/function/arguments")
                        .and_then(Value::as_str)
                        .unwrap_or("{}");
                    input.push(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}));
                }
            }
            "tool" | "function" => {
                let call_id = message
                    .get("tool_call_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(format!("{field}: a tool message needs tool_call_id")))?;
                let output = match content {
                    Some(Value::Array(ref parts))
                        if parts
                            .iter()
                            .any(|p| p.get("type").and_then(Value::as_str) != Some("text")) =>
                    {
                        Value::Array(input_parts(content, &field)?)
                    }
                    _ => Value::String(content_text(content, "")),
                };
                input.push(object([
                    ("type", "function_call_output".into()),
                    ("call_id", call_id.into()),
                    ("output", output),
                ]));
            }
            other => {
                return Err(bad(format!(
                    "{field}.role: unknown role `{other}`; use system, developer, user, assistant or tool"
                )));
            }
        }
    }
    let mut out = Map::new();
    out.insert("model".into(), json!(model));
    let instructions = instructions.join("\n\n");
    if !instructions.is_empty() {
        out.insert("instructions".into(), Value::String(instructions));
    }
    out.insert("input".into(), Value::Array(input));
    if let Some(Value::Array(tools)) = chat.remove("tools") {
        let tools: Vec<Value> = tools
            .into_iter()
            .map(|tool| {
                let mut function = super::chat_function(tool);
                let mut flat = Map::new();
                flat.insert("type".into(), json!("function"));
                for key in ["name", "description", "parameters", "strict"] {
                    if let Some(v) = function.remove(key).filter(|v| !v.is_null()) {
                        flat.insert(key.into(), v);
                    }
                }
                flat.entry("parameters")
                    .or_insert_with(|| json!({"type": "object", "properties": {}}));
                Value::Object(flat)
            })
            .collect();
        if !tools.is_empty() {
            out.insert("tools".into(), Value::Array(tools));
        }
    }
    if let Some(choice) = chat.get("tool_choice").filter(|v| !v.is_null()) {
        let mapped = match choice {
            Value::String(_) => choice.clone(),
            _ => match choice.pointer("/function/name").and_then(Value::as_str) {
                Some(name) => json!({"type": "function", "name": name}),
                None => return Err(bad("tool_choice: a named choice needs function.name")),
            },
        };
        out.insert("tool_choice".into(), mapped);
    }
    for key in [
        "temperature",
        "top_p",
        "parallel_tool_calls",
        "user",
        "metadata",
    ] {
        if let Some(v) = chat.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(max) = chat
        .get("max_completion_tokens")
        .or_else(|| chat.get("max_tokens"))
        .and_then(Value::as_u64)
    {
        out.insert("max_output_tokens".into(), json!(max));
    }
    if let Some(format) = chat.get("response_format").filter(|v| !v.is_null()) {
        let format = match format.get("type").and_then(Value::as_str) {
            Some("json_schema") => {
                let mut flat = Map::new();
                flat.insert("type".into(), json!("json_schema"));
                if let Some(Value::Object(schema)) = format.get("json_schema") {
                    for (k, v) in schema {
                        flat.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(flat)
            }
            Some("json_object") => json!({"type": "json_object"}),
            _ => json!({"type": "text"}),
        };
        out.insert("text".into(), object([("format", format)]));
    }
    let effort = chat
        .get("reasoning_effort")
        .and_then(Value::as_str)
        .or_else(|| {
            chat.get("thinking_budget")
                .and_then(Value::as_u64)
                .map(super::request::effort_for_budget)
        });
    if let Some(effort) = effort {
        out.insert(
            "reasoning".into(),
            json!({"effort": effort, "summary": "auto"}),
        );
    }
    out.insert("store".into(), json!(false));
    out.insert("include".into(), json!(["reasoning.encrypted_content"]));
    if chat.get("stream").and_then(Value::as_bool) == Some(true) {
        out.insert("stream".into(), json!(true));
    }
    Ok(Value::Object(out))
}

/// Chat usage from a Responses `usage` object.
fn usage(u: &Value) -> Option<Usage> {
    let input = u.get("input_tokens").and_then(Value::as_u64)?;
    let output = u.get("output_tokens").and_then(Value::as_u64).unwrap_or(0);
    let cached = u
        .pointer("/input_tokens_details/cached_tokens")
        .and_then(Value::as_u64);
    let mut extra = Map::new();
    if let Some(reasoning) = u
        .pointer("/output_tokens_details/reasoning_tokens")
        .and_then(Value::as_u64)
    {
        extra.insert(
            "completion_tokens_details".into(),
            json!({"reasoning_tokens": reasoning}),
        );
    }
    Some(Usage {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input + output,
        prompt_tokens_details: Some(PromptTokensDetails {
            cached_tokens: Some(cached.unwrap_or(0)),
            extra: super::Extra::new(),
        }),
        extra: extra.into(),
    })
}

/// The chat `finish_reason` of a finished Responses object.
fn finish_reason(status: Option<&str>, reason: Option<&str>, called: bool) -> &'static str {
    match (status, reason) {
        (Some("incomplete"), Some("content_filter")) => "content_filter",
        (Some("incomplete"), _) => "length",
        _ if called => "tool_calls",
        _ => "stop",
    }
}

/// A chat `id` for a Responses id.
fn chat_id(id: &str) -> String {
    format!("chatcmpl-{}", id.trim_start_matches("resp_"))
}

/// A whole Responses answer as read: only what the pivot takes (not the request's echoed
/// fields), its texts borrowed from the bytes where they need no unescaping.
#[derive(Deserialize)]
struct ResponsesAnswer<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    /// Read leniently, as before: a number that is not a whole one is no time.
    #[serde(default)]
    created_at: Option<Value>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(default)]
    incomplete_details: Option<Value>,
    #[serde(borrow)]
    output: Option<Vec<OutputItem<'a>>>,
    #[serde(default)]
    usage: Option<Value>,
}

/// One output item (any type: the fields of the ones the pivot reads).
#[derive(Deserialize)]
struct OutputItem<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    content: Option<Vec<Part<'a>>>,
    #[serde(borrow, default)]
    summary: Option<Vec<Part<'a>>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    encrypted_content: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arguments: Option<Cow<'a, str>>,
}

/// A content part of a message item, or a summary part of a reasoning item.
#[derive(Deserialize)]
struct Part<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    refusal: Option<Cow<'a, str>>,
}

/// Translates a whole Responses answer (its bytes) into a chat completion answering `model`.
pub fn answer(bytes: &[u8], model: &str) -> Result<ChatResponse, TranslateError> {
    let response: ResponsesAnswer<'_> = serde_json::from_slice(bytes).map_err(|err| {
        TranslateError::InvalidRequest(format!("the upstream sent an unreadable answer: {err}"))
    })?;
    let output = response
        .output
        .ok_or_else(|| bad("the Responses answer has no output"))?;
    let mut answer = PivotAnswer {
        id: chat_id(text(&response.id)),
        created: response.created_at.as_ref().and_then(Value::as_u64),
        usage: response.usage.as_ref().and_then(usage),
        ..PivotAnswer::default()
    };
    let mut refusal = String::new();
    for item in &output {
        match &*item.kind {
            "message" => {
                for part in item.content.iter().flatten() {
                    match part.kind.as_deref() {
                        Some("output_text") => answer.text.push_str(text(&part.text)),
                        Some("refusal") => refusal.push_str(text(&part.refusal)),
                        _ => {}
                    }
                }
            }
            "reasoning" => {
                let summary: Vec<&str> = item
                    .summary
                    .iter()
                    .flatten()
                    .filter_map(|part| part.text.as_deref())
                    .collect();
                if !summary.is_empty() {
                    answer.reasoning.push(summary.join("\n\n"));
                }
                if let (Some(id), Some(encrypted)) = (&item.id, &item.encrypted_content) {
                    super::push_opaque(&mut answer.opaque, &pack_reasoning(id, encrypted));
                }
            }
            "function_call" => answer.calls.push(pivot_call(
                text(&item.call_id),
                text(&item.name),
                item.arguments.as_deref().unwrap_or("{}").to_owned(),
            )),
            _ => {}
        }
    }
    answer.finish = finish_reason(
        response.status.as_deref(),
        response
            .incomplete_details
            .as_ref()
            .and_then(|d| d.get("reason"))
            .and_then(Value::as_str),
        !answer.calls.is_empty(),
    );
    if !refusal.is_empty() {
        answer
            .message_extra
            .insert("refusal".into(), json!(refusal));
    }
    Ok(answer.into_chat(model))
}

/// Responses events in, chat chunks out: one per event that carries content, a finish chunk
/// and a usage chunk on completion, a failure on `response.failed` or `error`.
#[derive(Debug)]
pub struct Decoder {
    model: String,
    id: String,
    created: Option<u64>,
    /// Output index → tool-call index, for the function-call items seen so far.
    calls: Vec<(u64, u32)>,
    /// Whether a reasoning summary was streamed (the summary separator goes between parts).
    summaries: u32,
    /// Reasoning items sent on as opaque deltas so far.
    opaque_items: u32,
    finished: bool,
}

impl Decoder {
    /// A decoder whose chunks name `model`.
    pub fn new(model: String) -> Self {
        Self {
            model,
            id: "chatcmpl-copilotapi".into(),
            created: None,
            calls: Vec::new(),
            summaries: 0,
            opaque_items: 0,
            finished: false,
        }
    }

    fn chunk(&self, delta: Delta) -> ChatChunk {
        pivot_chunk(&self.id, &self.model, self.created, delta, None)
    }

    fn call_index(&self, output_index: u64) -> Option<u32> {
        self.calls
            .iter()
            .find(|(o, _)| *o == output_index)
            .map(|(_, i)| *i)
    }

    /// The chunk for a text, reasoning or argument delta event (`None`: another kind).
    fn delta(&self, kind: &str, text: &str, output_index: Option<u64>) -> Option<Vec<Pivot>> {
        let known = matches!(
            kind,
            "response.output_text.delta"
                | "response.reasoning_summary_text.delta"
                | "response.reasoning_text.delta"
                | "response.function_call_arguments.delta"
        );
        if !known {
            return None;
        }
        if text.is_empty() {
            return Some(Vec::new());
        }
        let delta = match kind {
            "response.output_text.delta" => Delta {
                content: Some(text.to_owned()),
                ..Delta::default()
            },
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => Delta {
                reasoning_text: Some(text.to_owned()),
                ..Delta::default()
            },
            "response.function_call_arguments.delta" => {
                let Some(index) = output_index.and_then(|o| self.call_index(o)) else {
                    return Some(Vec::new());
                };
                call_delta(index, None, None, text)
            }
            _ => return None,
        };
        Some(vec![Pivot::Chunk(self.chunk(delta))])
    }

    /// One upstream event's `data` as text: the frequent delta events (nearly every event of
    /// a stream) are read into a small struct borrowing the text, the rest in full by
    /// [`Self::push`].
    pub fn push_str(&mut self, data: &str) -> Result<Vec<Pivot>, serde_json::Error> {
        #[derive(serde::Deserialize)]
        struct DeltaEvent<'a> {
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
            #[serde(borrow, default)]
            delta: Option<std::borrow::Cow<'a, str>>,
            #[serde(default)]
            output_index: Option<u64>,
        }
        if let Ok(event) = serde_json::from_str::<DeltaEvent<'_>>(data)
            && let Some(text) = &event.delta
        {
            if self.finished {
                return Ok(Vec::new());
            }
            if let Some(pivots) = self.delta(&event.kind, text, event.output_index) {
                return Ok(pivots);
            }
        }
        Ok(self.push(&serde_json::from_str(data)?))
    }

    /// What one upstream event (its `data`, parsed) means for the chat client.
    pub fn push(&mut self, event: &Value) -> Vec<Pivot> {
        if self.finished {
            return Vec::new();
        }
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
        let output_index = event.get("output_index").and_then(Value::as_u64);
        let text = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or("");
        match kind {
            "response.created" => {
                if let Some(id) = event.pointer("/response/id").and_then(Value::as_str) {
                    self.id = chat_id(id);
                }
                self.created = event
                    .pointer("/response/created_at")
                    .and_then(Value::as_u64);
                let delta = Delta {
                    role: Some(Role::Assistant),
                    content: Some(String::new()),
                    ..Delta::default()
                };
                vec![Pivot::Chunk(self.chunk(delta))]
            }
            "response.output_text.delta"
            | "response.reasoning_summary_text.delta"
            | "response.reasoning_text.delta"
            | "response.function_call_arguments.delta" => self
                .delta(kind, text("delta"), output_index)
                .unwrap_or_default(),
            "response.refusal.delta" if !text("delta").is_empty() => {
                let mut delta = Delta::default();
                delta.extra.insert("refusal".into(), json!(text("delta")));
                vec![Pivot::Chunk(self.chunk(delta))]
            }
            "response.reasoning_summary_part.added" => {
                self.summaries += 1;
                if self.summaries == 1 {
                    return Vec::new();
                }
                let delta = Delta {
                    reasoning_text: Some("\n\n".into()),
                    ..Delta::default()
                };
                vec![Pivot::Chunk(self.chunk(delta))]
            }
            "response.output_item.added"
                if event.pointer("/item/type").and_then(Value::as_str) == Some("function_call") =>
            {
                let index = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
                self.calls.push((output_index.unwrap_or(u64::MAX), index));
                let item = &event["item"];
                let field = |key: &str| item.get(key).and_then(Value::as_str);
                let delta = call_delta(
                    index,
                    Some(field("call_id").unwrap_or_default()),
                    field("name"),
                    field("arguments").unwrap_or(""),
                );
                vec![Pivot::Chunk(self.chunk(delta))]
            }
            "response.output_item.done"
                if event.pointer("/item/type").and_then(Value::as_str) == Some("reasoning") =>
            {
                let item = &event["item"];
                let (Some(id), Some(encrypted)) = (
                    item.get("id").and_then(Value::as_str),
                    item.get("encrypted_content").and_then(Value::as_str),
                ) else {
                    return Vec::new();
                };
                // Chat clients join opaque deltas: the items after the first are separated.
                let mut packed = pack_reasoning(id, encrypted);
                if self.opaque_items > 0 {
                    packed.insert(0, super::TOKEN_SEPARATOR);
                }
                self.opaque_items += 1;
                let delta = Delta {
                    reasoning_opaque: Some(packed),
                    ..Delta::default()
                };
                vec![Pivot::Chunk(self.chunk(delta))]
            }
            "response.completed" | "response.incomplete" => {
                self.finished = true;
                let response = &event["response"];
                pivot_ending(
                    &self.id,
                    &self.model,
                    self.created,
                    finish_reason(
                        response.get("status").and_then(Value::as_str),
                        response
                            .pointer("/incomplete_details/reason")
                            .and_then(Value::as_str),
                        !self.calls.is_empty(),
                    ),
                    response.get("usage").and_then(usage),
                )
            }
            "response.failed" => {
                self.finished = true;
                let message = event
                    .pointer("/response/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("the upstream reported that the response failed");
                vec![Pivot::Failed(message.to_owned())]
            }
            "error" => {
                self.finished = true;
                let message = event
                    .get("message")
                    .or_else(|| event.pointer("/error/message"))
                    .and_then(Value::as_str)
                    .unwrap_or("the upstream reported an error");
                vec![Pivot::Failed(message.to_owned())]
            }
            _ => Vec::new(),
        }
    }

    /// Whether the upstream finished (completed, incomplete or failed).
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
#[path = "via_responses_tests.rs"]
mod tests;
