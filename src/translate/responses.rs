//! OpenAI Responses ⇄ chat completions: a Responses client (Codex, the OpenAI SDK's
//! `responses.create`) on a model served only on chat completions (Claude and GPT-4o on
//! Copilot, most OpenAI-compatible servers).
//!
//! - Requests ([`to_chat`]): `instructions` → a system message; `input` text or items
//!   (messages with `input_text` / `output_text` / `input_image` parts, `function_call`,
//!   `function_call_output` — images in it become a user message after the tool result —,
//!   `custom_tool_call(_output)`, `local_shell_call(_output)`; `reasoning` items are dropped);
//!   `function` tools as they are; `custom` (freeform) tools such as Codex's `apply_patch`
//!   become functions with one string argument `input`; `local_shell` a function with the
//!   action's schema; built-in tools the upstream cannot run (`web_search`, `file_search`,
//!   `code_interpreter`, `computer_use`, `image_generation`, `mcp`) are refused by name.
//!   `max_output_tokens` → `max_tokens`, `text.format` → `response_format`,
//!   `reasoning.effort` → `reasoning_effort`, `tool_choice` mapped, `temperature`, `top_p`,
//!   `parallel_tool_calls` kept. `previous_response_id` is resolved before this (the
//!   server keeps translated conversations); one left here is refused.
//! - Answers ([`to_response`]): one `message` item with the text, one item per tool call
//!   (`function_call`, or `custom_tool_call` for a custom tool), `usage` with its details,
//!   every field the Responses schema requires (nullable ones as null).
//! - Streams ([`StreamTranslator`]): `response.created` and `response.in_progress`, then per
//!   item `output_item.added` … deltas … `output_item.done`, and exactly one terminal event
//!   (`response.completed`, or `response.incomplete` when the output limit cut it); a stream
//!   that breaks off ends with an `error` event. Sequence numbers ascend; every opened item is
//!   closed.
//!
//! The Responses side is handled as JSON values (its input items are many and loosely
//! typed); the chat side uses this crate's typed chat structs for answers and chunks.

use serde::Serialize;
use serde::ser::{SerializeMap as _, SerializeSeq as _, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::openai::{ChatChunk, ChatResponse, ContentPart, MessageContent};
use super::{TranslateError, content_text, object, parts_text};

/// Built-in Responses tools only OpenAI's own servers run.
const HOSTED_TOOLS: [&str; 8] = [
    "web_search",
    "web_search_preview",
    "file_search",
    "code_interpreter",
    "computer_use_preview",
    "image_generation",
    "mcp",
    "web_search_2025_08_26",
];

/// What the translation needs to remember for the answer: which tool names were custom
/// (their calls go back as `custom_tool_call`) or the local shell.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Names of custom (freeform) tools.
    pub custom_tools: Vec<String>,
    /// A `local_shell` tool was offered.
    pub local_shell: bool,
    /// The request's fields the answer echoes.
    pub echo: Echo,
    /// Tools of a namespace: (chat name, namespace, name in it).
    pub namespaced: Vec<(String, String, String)>,
    /// Built-in tools offered but not given to the model (it cannot run them).
    pub dropped_tools: Vec<String>,
}

fn bad(message: impl Into<String>) -> TranslateError {
    TranslateError::InvalidRequest(message.into())
}

/// The request's fields a translated answer echoes, written as JSON when the request is read:
/// the request's own values then move into the chat request (a tool's schema, the
/// instructions), and the answer copies these bytes.
#[derive(Debug, Clone, Default)]
pub struct Echo(Vec<(&'static str, Box<RawValue>)>);

impl Echo {
    /// Keeps `value` as the request's `key`.
    pub fn keep(&mut self, key: &'static str, value: &Value) {
        // Only JSON values: writing one cannot fail.
        if let Ok(raw) = serde_json::value::to_raw_value(value) {
            self.0.retain(|(k, _)| *k != key);
            self.0.push((key, raw));
        }
    }

    /// What the request said for `key`.
    fn get(&self, key: &str) -> Option<&RawValue> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| &**v)
    }

    /// The request's `user`, when it is a string.
    fn user(&self) -> Option<String> {
        self.get("user")
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
    }
}

/// The request fields a translated answer echoes (`Context::echo`).
const ECHOED: [&str; 12] = [
    "instructions",
    "max_output_tokens",
    "temperature",
    "top_p",
    "tool_choice",
    "tools",
    "text",
    "reasoning",
    "parallel_tool_calls",
    "metadata",
    "store",
    "user",
];

/// Translates a Responses request into a chat-completions request. The request is taken
/// apart: its input's texts and images move into the chat messages, and the fields the
/// answer echoes move into the context.
pub fn to_chat(
    mut request: Map<String, Value>,
    model: &str,
) -> Result<(Value, Context), TranslateError> {
    if request
        .get("previous_response_id")
        .is_some_and(|v| !v.is_null())
    {
        return Err(bad(
            "previous_response_id: this model is served through chat completions, where copilot-api keeps no stored responses yet; send the whole conversation in `input`",
        ));
    }
    let mut ctx = Context::default();
    for key in ECHOED {
        if let Some(value) = request.get(key) {
            ctx.echo.keep(key, value);
        }
    }
    let forced = request
        .get("tool_choice")
        .and_then(|c| c.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let hosted = |t: &Value| {
        let k = t.get("type").and_then(Value::as_str).unwrap_or("function");
        HOSTED_TOOLS.contains(&k) || k.starts_with("web_search")
    };
    // Moved out of the request (the echo has its own copy).
    let listed = match request.remove("tools") {
        Some(Value::Array(listed)) => listed,
        _ => Vec::new(),
    };
    let only_hosted = listed.iter().all(hosted);
    let mut tools: Vec<Value> = Vec::new();
    for mut tool in listed {
        let kind = tool
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("function")
            .to_owned();
        if kind == "namespace" {
            // A group of function and custom tools (Codex's sub-agent tools, MCP servers):
            // each becomes a function named `namespace__tool`; calls go back with `namespace`.
            let space = tool
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("tools: a namespace needs a name"))?
                .to_owned();
            let inner_tools = match tool.get_mut("tools").map(Value::take) {
                Some(Value::Array(inner_tools)) => inner_tools,
                _ => Vec::new(),
            };
            for mut inner in inner_tools {
                let name = inner
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|_| inner.is_object())
                    .ok_or_else(|| {
                        bad(format!(
                            "tools: each tool of the namespace `{space}` needs a name"
                        ))
                    })?;
                let flat = format!("{space}__{name}");
                ctx.namespaced
                    .push((flat.clone(), space.clone(), name.to_owned()));
                inner["name"] = json!(flat);
                tools.push(chat_tool(inner, &mut ctx)?);
            }
            continue;
        }
        if hosted(&tool) {
            if forced.as_deref() == Some(kind.as_str()) || only_hosted {
                return Err(bad(format!(
                    "tools: the built-in tool `{kind}` runs only on OpenAI's own servers, and this model is served through chat completions; remove it or pick a model served on /responses"
                )));
            }
            // Offered among others (Codex offers web search by default): the model goes
            // without it, and the log says so.
            tracing::warn!(
                "the built-in tool `{kind}` runs only on OpenAI's servers; this model is served through chat completions, so it is not offered to it"
            );
            ctx.dropped_tools.push(kind);
            continue;
        }
        tools.push(chat_tool(tool, &mut ctx)?);
    }
    let mut messages: Vec<Value> = Vec::new();
    if let Some(Value::String(instructions)) = request.remove("instructions")
        && !instructions.is_empty()
    {
        messages.push(object([
            ("role", "system".into()),
            ("content", instructions.into()),
        ]));
    }
    match request.remove("input") {
        None | Some(Value::Null) => return Err(bad("input: field required")),
        Some(Value::String(text)) => {
            messages.push(object([("role", "user".into()), ("content", text.into())]));
        }
        Some(Value::Array(items)) => {
            for item in items {
                push_item(&mut messages, item)?;
            }
        }
        Some(_) => return Err(bad("input: a string or an array of items")),
    }
    if messages.is_empty() {
        return Err(bad("input: empty"));
    }
    let mut chat = object([
        ("model", model.into()),
        ("messages", Value::Array(messages)),
    ]);
    let obj = chat.as_object_mut().ok_or_else(|| bad("internal"))?;
    if !tools.is_empty() {
        obj.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = request.get("tool_choice").filter(|v| !v.is_null()) {
        let mapped = match choice {
            Value::String(s) => json!(s),
            Value::Object(o) => match o.get("type").and_then(Value::as_str) {
                Some("function" | "custom") => {
                    let name = o.get("name").and_then(Value::as_str).unwrap_or_default();
                    json!({"type": "function", "function": {"name": name}})
                }
                Some("local_shell") => {
                    json!({"type": "function", "function": {"name": "local_shell"}})
                }
                Some("allowed_tools") => {
                    json!(o.get("mode").and_then(Value::as_str).unwrap_or("auto"))
                }
                Some(other) => {
                    return Err(bad(format!(
                        "tool_choice: `{other}` cannot be served through chat completions"
                    )));
                }
                None => json!("auto"),
            },
            _ => json!("auto"),
        };
        obj.insert("tool_choice".into(), mapped);
    }
    for key in ["temperature", "top_p", "parallel_tool_calls", "user"] {
        if let Some(v) = request.get(key).filter(|v| !v.is_null()) {
            obj.insert(key.into(), v.clone());
        }
    }
    if let Some(n) = request.get("max_output_tokens").and_then(Value::as_u64) {
        obj.insert("max_tokens".into(), json!(n));
    }
    if let Some(effort) = request
        .get("reasoning")
        .and_then(|r| r.get("effort"))
        .and_then(Value::as_str)
    {
        obj.insert("reasoning_effort".into(), json!(effort));
    }
    if let Some(format) = request.get("text").and_then(|t| t.get("format")) {
        match format.get("type").and_then(Value::as_str) {
            Some("json_schema") => {
                let mut schema = Map::new();
                for key in ["name", "schema", "strict", "description"] {
                    if let Some(v) = format.get(key) {
                        schema.insert(key.into(), v.clone());
                    }
                }
                obj.insert(
                    "response_format".into(),
                    object([
                        ("type", "json_schema".into()),
                        ("json_schema", Value::Object(schema)),
                    ]),
                );
            }
            Some("json_object") => {
                obj.insert("response_format".into(), json!({"type": "json_object"}));
            }
            _ => {}
        }
    }
    if request.get("stream").and_then(Value::as_bool) == Some(true) {
        obj.insert("stream".into(), json!(true));
        obj.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Ok((chat, ctx))
}

/// One Responses tool as a chat tool (`function`, `custom`, `local_shell`).
fn chat_tool(mut tool: Value, ctx: &mut Context) -> Result<Value, TranslateError> {
    let kind = tool
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("function");
    match kind {
        "function" => {
            let name = tool
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("tools: a function tool needs a name"))?;
            let mut function = json!({"name": name});
            let mut take = |key: &str| tool.get_mut(key).map(Value::take);
            if let Some(d) = take("description") {
                function["description"] = d;
            }
            function["parameters"] =
                take("parameters").unwrap_or_else(|| json!({"type": "object", "properties": {}}));
            if let Some(strict) = take("strict").filter(|s| !s.is_null()) {
                function["strict"] = strict;
            }
            Ok(object([
                ("type", "function".into()),
                ("function", function),
            ]))
        }
        "custom" => {
            let name = tool
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("tools: a custom tool needs a name"))?;
            ctx.custom_tools.push(name.to_owned());
            let mut description = tool
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if let Some(definition) = tool.pointer("/format/definition").and_then(Value::as_str) {
                description.push_str("\n\nThe input follows this grammar:\n");
                description.push_str(definition);
            }
            Ok(json!({"type": "function", "function": {
                "name": name,
                "description": description,
                "parameters": {"type": "object", "properties": {"input": {"type": "string", "description": "The raw input of the tool."}}, "required": ["input"]},
            }}))
        }
        "local_shell" => {
            ctx.local_shell = true;
            Ok(json!({"type": "function", "function": {
                "name": "local_shell",
                "description": "Runs a command on the user's machine.",
                "parameters": {"type": "object", "properties": {
                    "command": {"type": "array", "items": {"type": "string"}},
                    "workdir": {"type": "string"},
                    "timeout_ms": {"type": "integer"},
                    "env": {"type": "object", "additionalProperties": {"type": "string"}}
                }, "required": ["command"]},
            }}))
        }
        other => Err(bad(format!("tools: unsupported tool type `{other}`"))),
    }
}

/// Chat content parts of a Responses content value (text and images), moved out of it.
fn parts_of(content: Value) -> Value {
    match content {
        Value::Array(parts) => {
            let image = |p: &Value| {
                p.get("type").and_then(Value::as_str) == Some("input_image")
                    && p.get("image_url").is_some_and(Value::is_string)
            };
            if !parts.iter().any(image) {
                return Value::String(parts_text(&parts, ""));
            }
            Value::Array(parts.into_iter().filter_map(chat_part).collect())
        }
        other => other,
    }
}

/// One Responses content part as a chat part: text or an image (nothing for other parts).
fn chat_part(mut part: Value) -> Option<Value> {
    let mut take = |key: &str| part.get_mut(key).map(Value::take);
    match take("type").as_ref().and_then(Value::as_str) {
        Some("input_text" | "output_text" | "text") => Some(object([
            ("type", "text".into()),
            ("text", take("text").unwrap_or_default()),
        ])),
        Some("input_image") => {
            let url = take("image_url").filter(Value::is_string)?;
            let mut image_url = object([("url", url)]);
            if let Some(detail) = take("detail") {
                image_url["detail"] = detail;
            }
            Some(object([
                ("type", "image_url".into()),
                ("image_url", image_url),
            ]))
        }
        _ => None,
    }
}

/// Appends an assistant tool call, merged into the assistant message just before when there
/// is one.
fn push_call(messages: &mut Vec<Value>, call: Value) {
    if let Some(last) = messages.last_mut()
        && last.get("role").and_then(Value::as_str) == Some("assistant")
    {
        match last.get_mut("tool_calls").and_then(Value::as_array_mut) {
            Some(calls) => calls.push(call),
            None => {
                last["tool_calls"] = Value::Array(vec![call]);
            }
        }
        return;
    }
    messages.push(object([
        ("role", "assistant".into()),
        ("content", Value::Null),
        ("tool_calls", Value::Array(vec![call])),
    ]));
}

fn push_item(messages: &mut Vec<Value>, mut item: Value) -> Result<(), TranslateError> {
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    match kind {
        "message" => {
            let role = match item.get("role").and_then(Value::as_str) {
                Some("developer" | "system") => "system",
                Some("assistant") => "assistant",
                Some("user") | None => "user",
                Some(other) => return Err(bad(format!("input: unknown role `{other}`"))),
            };
            let content = item.get_mut("content").map(Value::take).unwrap_or_default();
            let content = if role == "user" {
                parts_of(content)
            } else {
                Value::String(content_text(Some(content), ""))
            };
            if role == "assistant"
                && let Some(last) = messages.last_mut()
                && last["role"] == "assistant"
                && last["content"].is_null()
                && last.get("tool_calls").is_none()
            {
                // The reasoning item before it.
                last["content"] = content;
                return Ok(());
            }
            messages.push(object([("role", role.into()), ("content", content)]));
        }
        "function_call" | "custom_tool_call" | "local_shell_call" => {
            let call_id = item
                .get("call_id")
                .or_else(|| item.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("input: a {kind} item needs a call_id")))?;
            let named = |item: &Value| {
                let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
                match item.get("namespace").and_then(Value::as_str) {
                    Some(space) => format!("{space}__{name}"),
                    None => name.to_owned(),
                }
            };
            let (name, arguments) = match kind {
                "function_call" => (
                    named(&item),
                    item.get("arguments")
                        .and_then(Value::as_str)
                        .unwrap_or("{}")
                        .to_owned(),
                ),
                "custom_tool_call" => (
                    named(&item),
                    json!({"input": item.get("input").cloned().unwrap_or(json!(""))}).to_string(),
                ),
                _ => {
                    let action = item.get("action").cloned().unwrap_or(json!({}));
                    let mut args = Map::new();
                    for key in ["command", "workdir", "timeout_ms", "env"] {
                        if let Some(v) = action.get(key) {
                            args.insert(key.into(), v.clone());
                        }
                    }
                    ("local_shell".to_owned(), Value::Object(args).to_string())
                }
            };
            let function = object([("name", name.into()), ("arguments", arguments.into())]);
            push_call(
                messages,
                object([
                    ("id", call_id.into()),
                    ("type", "function".into()),
                    ("function", function),
                ]),
            );
        }
        "function_call_output" | "custom_tool_call_output" | "local_shell_call_output" => {
            let call_id = item
                .get("call_id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("input: a {kind} item needs a call_id")))?;
            let call_id = call_id.to_owned();
            let (text, images) = match item.get_mut("output").map(Value::take) {
                None => (String::new(), Vec::new()),
                Some(Value::String(s)) => (s, Vec::new()),
                Some(Value::Array(parts)) => {
                    let text = parts_text(&parts, "");
                    let images: Vec<Value> = parts
                        .into_iter()
                        .filter(|p| p.get("type").and_then(Value::as_str) == Some("input_image"))
                        .filter_map(chat_part)
                        .collect();
                    (text, images)
                }
                Some(other) => (other.to_string(), Vec::new()),
            };
            messages.push(object([
                ("role", "tool".into()),
                ("tool_call_id", call_id.as_str().into()),
                ("content", text.into()),
            ]));
            if !images.is_empty() {
                // Chat tool results carry text only: the images follow as the user's message.
                let said = format!("(images returned by the tool call {call_id})");
                let mut parts = vec![object([("type", "text".into()), ("text", said.into())])];
                parts.extend(images);
                messages.push(object([
                    ("role", "user".into()),
                    ("content", Value::Array(parts)),
                ]));
            }
        }
        "reasoning" => {
            // Carried on the assistant turn it preceded (its text and tool calls merge in).
            let summary: Vec<&str> = item
                .get("summary")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("text").and_then(Value::as_str))
                .collect();
            // OpenAI's own encrypted reasoning (from an earlier turn on a Responses model)
            // means nothing to this chat model and would fail a Claude request: left out.
            let opaque = item
                .get("encrypted_content")
                .and_then(Value::as_str)
                .filter(|o| !super::foreign_to_claude(o));
            if summary.is_empty() && opaque.is_none() {
                return Ok(());
            }
            let mut message = json!({"role": "assistant", "content": null});
            if !summary.is_empty() {
                message["reasoning_text"] = json!(summary.join("\n\n"));
            }
            if let Some(opaque) = opaque {
                message["reasoning_opaque"] = json!(opaque);
            }
            messages.push(message);
        }
        "item_reference" => {}
        other => {
            return Err(bad(format!(
                "input: items of type `{other}` cannot be sent to this model"
            )));
        }
    }
    Ok(())
}

/// The `usage` object of a Responses answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResponsesUsage {
    input_tokens: u64,
    input_tokens_details: InputDetails,
    output_tokens: u64,
    output_tokens_details: OutputDetails,
    total_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct InputDetails {
    cached_tokens: u64,
    cache_write_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct OutputDetails {
    reasoning_tokens: u64,
}

impl ResponsesUsage {
    fn from_chat(u: &super::openai::Usage) -> Self {
        let reasoning = u
            .extra
            .get("completion_tokens_details")
            .and_then(|d| d.get("reasoning_tokens"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Self {
            input_tokens: u.prompt_tokens,
            input_tokens_details: InputDetails {
                cached_tokens: u.cached_tokens().unwrap_or(0),
                cache_write_tokens: u.cache_write_tokens(),
            },
            output_tokens: u.completion_tokens,
            output_tokens_details: OutputDetails {
                reasoning_tokens: reasoning,
            },
            total_tokens: u.prompt_tokens + u.completion_tokens,
        }
    }
}

/// What the Responses API answers for a field the request left out.
#[derive(Debug, Clone, Copy)]
enum Unsaid {
    Null,
    True,
    One,
    Auto,
    NoTools,
    NoMetadata,
    /// `{"effort": null, "summary": null}`
    NoReasoning,
    /// `{"format": {"type": "text"}}`
    PlainText,
}

impl Serialize for Unsaid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct NoReasoning {
            effort: (),
            summary: (),
        }
        #[derive(Serialize)]
        struct PlainText {
            format: Format,
        }
        #[derive(Serialize)]
        struct Format {
            #[serde(rename = "type")]
            kind: &'static str,
        }
        match self {
            Self::Null => s.serialize_unit(),
            Self::True => s.serialize_bool(true),
            Self::One => s.serialize_f64(1.0),
            Self::Auto => s.serialize_str("auto"),
            Self::NoTools => s.serialize_seq(Some(0))?.end(),
            Self::NoMetadata => s.serialize_map(Some(0))?.end(),
            Self::NoReasoning => NoReasoning {
                effort: (),
                summary: (),
            }
            .serialize(s),
            Self::PlainText => PlainText {
                format: Format { kind: "text" },
            }
            .serialize(s),
        }
    }
}

/// A field of the envelope: what the request said (`Context::echo`), else the default.
struct Said<'a>(Option<&'a RawValue>, Unsaid);

impl Serialize for Said<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(value) => value.serialize(s),
            None => self.1.serialize(s),
        }
    }
}

/// Why an answer is incomplete.
#[derive(Serialize)]
struct Incomplete {
    reason: &'static str,
}

/// A Responses object: the fields every one carries, in the API's order, with the request's
/// echoed fields borrowed from the context (written, never copied) and the output items
/// given as they are kept (`O`: the items' JSON for a whole answer, the closed items of a
/// stream).
#[derive(Serialize)]
struct Envelope<'a, O: Serialize + ?Sized> {
    id: &'a str,
    object: &'static str,
    created_at: u64,
    status: &'a str,
    error: (),
    incomplete_details: Option<Incomplete>,
    instructions: Said<'a>,
    max_output_tokens: Said<'a>,
    model: &'a str,
    output: &'a O,
    parallel_tool_calls: Said<'a>,
    previous_response_id: Said<'a>,
    reasoning: Said<'a>,
    store: Said<'a>,
    temperature: Said<'a>,
    text: Said<'a>,
    tool_choice: Said<'a>,
    tools: Said<'a>,
    top_p: Said<'a>,
    truncation: &'static str,
    usage: Option<&'a ResponsesUsage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    metadata: Said<'a>,
}

/// The parts of a Responses object that are not echoed from the request.
struct Written<'a, O: ?Sized> {
    id: &'a str,
    model: &'a str,
    created: u64,
    status: &'a str,
    output: &'a O,
    usage: Option<&'a ResponsesUsage>,
}

impl<'a, O: Serialize + ?Sized> Written<'a, O> {
    fn with_echo(self, echo: &'a Echo, user: Option<&'a str>) -> Envelope<'a, O> {
        let said = |key: &str, unsaid: Unsaid| Said(echo.get(key), unsaid);
        Envelope {
            id: self.id,
            object: "response",
            created_at: self.created,
            status: self.status,
            error: (),
            incomplete_details: (self.status == "incomplete").then_some(Incomplete {
                reason: "max_output_tokens",
            }),
            instructions: said("instructions", Unsaid::Null),
            max_output_tokens: said("max_output_tokens", Unsaid::Null),
            model: self.model,
            output: self.output,
            parallel_tool_calls: said("parallel_tool_calls", Unsaid::True),
            previous_response_id: said("previous_response_id", Unsaid::Null),
            reasoning: said("reasoning", Unsaid::NoReasoning),
            store: said("store", Unsaid::True),
            temperature: said("temperature", Unsaid::One),
            text: said("text", Unsaid::PlainText),
            tool_choice: said("tool_choice", Unsaid::Auto),
            tools: said("tools", Unsaid::NoTools),
            top_p: said("top_p", Unsaid::One),
            truncation: "disabled",
            usage: self.usage,
            user,
            metadata: said("metadata", Unsaid::NoMetadata),
        }
    }
}

/// A tool call as a Responses output item.
fn call_item(id: &str, name: &str, arguments: &str, ctx: &Context, status: &str) -> Value {
    let mut item = plain_call_item(id, name, arguments, ctx, status);
    if let Some((_, space, inner)) = ctx.namespaced.iter().find(|(flat, ..)| flat == name) {
        item["name"] = json!(inner);
        item["namespace"] = json!(space);
    }
    item
}

fn plain_call_item(id: &str, name: &str, arguments: &str, ctx: &Context, status: &str) -> Value {
    if ctx.custom_tools.iter().any(|t| t == name) {
        let input = serde_json::from_str::<Value>(arguments)
            .ok()
            .and_then(|v| v.get("input").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| arguments.to_owned());
        return json!({"type": "custom_tool_call", "id": format!("ctc_{id}"), "call_id": id, "name": name, "input": input, "status": status});
    }
    if ctx.local_shell && name == "local_shell" {
        let action: Value = serde_json::from_str(arguments).unwrap_or(json!({}));
        let mut action = action.as_object().cloned().unwrap_or_default();
        action.insert("type".into(), json!("exec"));
        return json!({"type": "local_shell_call", "id": format!("lsc_{id}"), "call_id": id, "action": action, "status": status});
    }
    json!({"type": "function_call", "id": format!("fc_{id}"), "call_id": id, "name": name, "arguments": arguments, "status": status})
}

/// A reasoning output item: the reasoning as its summary, the upstream's opaque reasoning
/// (Claude's signature, OpenAI's encrypted content) as `encrypted_content`, which the client
/// sends back with the next turn.
fn reasoning_item(id: &str, text: &str, opaque: Option<&str>) -> Value {
    let summary: Vec<Value> = if text.is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "summary_text", "text": text})]
    };
    object([
        ("type", "reasoning".into()),
        ("id", id.into()),
        ("summary", Value::Array(summary)),
        ("encrypted_content", opaque.into()),
    ])
}

/// A fresh id for a translated answer: unique, since clients continue conversations by it
/// (`previous_response_id`) and the upstream's chat id can be empty or shared.
fn response_id() -> String {
    let tail: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect();
    format!("resp_{tail}")
}

/// A whole Responses answer translated from chat ([`to_response`]). Its output items are
/// written once, as JSON: the answer's `output`, and what the server keeps of the turn for
/// `previous_response_id` ([`Self::output_json`]).
#[derive(Debug)]
pub struct WholeResponse<'a> {
    id: String,
    model: &'a str,
    created: u64,
    status: &'static str,
    echo: Echo,
    user: Option<String>,
    output: Box<RawValue>,
    usage: Option<ResponsesUsage>,
}

impl WholeResponse<'_> {
    /// The answer's id (`resp_…`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The output items, a JSON array.
    pub fn output_json(&self) -> &str {
        self.output.get()
    }
}

impl Serialize for WholeResponse<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Written {
            id: &self.id,
            model: self.model,
            created: self.created,
            status: self.status,
            output: &*self.output,
            usage: self.usage.as_ref(),
        }
        .with_echo(&self.echo, self.user.as_deref())
        .serialize(s)
    }
}

/// Translates a whole chat answer into a Responses object.
pub fn to_response<'a>(
    chat: &ChatResponse,
    model: &'a str,
    ctx: Context,
) -> Result<WholeResponse<'a>, TranslateError> {
    let id = response_id();
    let created = chat.created.unwrap_or(0);
    let mut text = String::new();
    let mut calls: Vec<Value> = Vec::new();
    let mut finish = None;
    let mut reasoning: Vec<&str> = Vec::new();
    let mut opaque = None;
    for choice in &chat.choices {
        if let Some(t) = choice
            .message
            .reasoning_text
            .as_deref()
            .filter(|t| !t.is_empty())
        {
            reasoning.push(t);
        }
        if opaque.is_none() {
            opaque = choice
                .message
                .reasoning_opaque
                .clone()
                .filter(|o| !o.is_empty());
        }
        match &choice.message.content {
            Some(MessageContent::Text(t)) => text.push_str(t),
            Some(MessageContent::Parts(parts)) => {
                for part in parts {
                    if let ContentPart::Text { text: t, .. } = part {
                        text.push_str(t);
                    }
                }
            }
            None => {}
        }
        for call in choice.message.tool_calls.iter().flatten() {
            calls.push(call_item(
                &call.id,
                &call.function.name,
                &call.function.arguments,
                &ctx,
                "completed",
            ));
        }
        if choice.finish_reason.is_some() {
            finish = choice.finish_reason.clone();
        }
    }
    let incomplete = finish.as_deref() == Some("length");
    let mut output = Vec::new();
    if !reasoning.is_empty() || opaque.is_some() {
        output.push(reasoning_item(
            &format!("rs_{}", id.trim_start_matches("resp_")),
            &reasoning.join("\n\n"),
            opaque.as_deref(),
        ));
    }
    if !text.is_empty() {
        let part = object([
            ("type", "output_text".into()),
            ("text", text.into()),
            ("annotations", Value::Array(Vec::new())),
            ("logprobs", Value::Array(Vec::new())),
        ]);
        output.push(object([
            ("type", "message".into()),
            (
                "id",
                format!("msg_{}", id.trim_start_matches("resp_")).into(),
            ),
            ("status", "completed".into()),
            ("role", "assistant".into()),
            ("content", Value::Array(vec![part])),
        ]));
    }
    output.extend(calls);
    Ok(WholeResponse {
        id,
        model,
        created,
        status: if incomplete {
            "incomplete"
        } else {
            "completed"
        },
        user: ctx.echo.user(),
        echo: ctx.echo,
        output: serde_json::value::to_raw_value(&output).map_err(TranslateError::Unwritable)?,
        usage: chat.usage.as_ref().map(ResponsesUsage::from_chat),
    })
}

/// An open output item of a stream.
#[derive(Debug)]
enum Open {
    Reasoning {
        index: usize,
        id: String,
        text: String,
        opaque: Option<String>,
        /// A summary part was opened (the first reasoning text arrived).
        part: bool,
    },
    Text {
        index: usize,
        id: String,
        text: String,
    },
    Call {
        index: usize,
        call_id: String,
        name: String,
        arguments: String,
    },
}

/// Chat chunks in, Responses events out (`push` per chunk, `finish` at the end, `fail` when
/// the upstream breaks off).
#[derive(Debug)]
pub struct StreamTranslator {
    model: String,
    ctx: Context,
    /// The request's `user` (echoed).
    user: Option<String>,
    id: String,
    created: u64,
    sequence: u64,
    started: bool,
    finished: bool,
    /// Closed items with their output index.
    items: Vec<(usize, Value)>,
    reasoning: Option<Open>,
    text: Option<Open>,
    calls: Vec<(u32, Open)>,
    finish: Option<String>,
    usage: Option<ResponsesUsage>,
}

impl StreamTranslator {
    /// A translator for a stream answering `model`.
    pub fn new(model: String, ctx: Context) -> Self {
        Self {
            model,
            user: ctx.echo.user(),
            ctx,
            id: response_id(),
            created: 0,
            sequence: 0,
            started: false,
            finished: false,
            items: Vec::new(),
            reasoning: None,
            text: None,
            calls: Vec::new(),
            finish: None,
            usage: None,
        }
    }

    /// Whether a terminal event was sent.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the upstream said why it stopped (a stream that ends after this ended well).
    pub fn has_finish_reason(&self) -> bool {
        self.finish.is_some()
    }

    fn event(&mut self, kind: &str, mut body: Value) -> (String, Value) {
        body["type"] = json!(kind);
        body["sequence_number"] = json!(self.sequence);
        self.sequence += 1;
        (kind.to_owned(), body)
    }

    fn response(&self, status: &str) -> Value {
        let mut items: Vec<&(usize, Value)> = self.items.iter().collect();
        items.sort_by_key(|(index, _)| *index);
        let items: Vec<&Value> = items.into_iter().map(|(_, item)| item).collect();
        let written = Written {
            id: &self.id,
            model: &self.model,
            created: self.created,
            status,
            output: &items,
            usage: self.usage.as_ref(),
        };
        // Only strings, numbers and JSON values: nothing here can fail to become JSON.
        serde_json::to_value(written.with_echo(&self.ctx.echo, self.user.as_deref()))
            .unwrap_or_default()
    }

    fn start(&mut self, out: &mut Vec<(String, Value)>) {
        if self.started {
            return;
        }
        self.started = true;
        let response = self.response("in_progress");
        out.push(self.event("response.created", object([("response", response)])));
        let response = self.response("in_progress");
        out.push(self.event("response.in_progress", object([("response", response)])));
    }

    fn close_text(&mut self, out: &mut Vec<(String, Value)>) {
        let Some(Open::Text { index, id, text }) = self.text.take() else {
            return;
        };
        out.push(self.event("response.output_text.done", json!({"item_id": id, "output_index": index, "content_index": 0, "text": text, "logprobs": []})));
        let part = json!({"type": "output_text", "text": text, "annotations": [], "logprobs": []});
        out.push(self.event(
            "response.content_part.done",
            json!({"item_id": id, "output_index": index, "content_index": 0, "part": part}),
        ));
        let item = json!({"type": "message", "id": id, "status": "completed", "role": "assistant", "content": [part]});
        out.push(self.event(
            "response.output_item.done",
            object([("output_index", index.into()), ("item", item.clone())]),
        ));
        self.items.push((index, item));
    }

    /// Reasoning text or opaque reasoning: opens the reasoning item on first sight.
    fn push_reasoning(
        &mut self,
        text: Option<&str>,
        opaque: Option<&str>,
        out: &mut Vec<(String, Value)>,
    ) {
        if self.reasoning.is_none() {
            let index = self.next_index();
            let id = format!("rs_{}", self.id.trim_start_matches("resp_"));
            let item = json!({"type": "reasoning", "id": id, "summary": []});
            out.push(self.event(
                "response.output_item.added",
                object([("output_index", index.into()), ("item", item)]),
            ));
            self.reasoning = Some(Open::Reasoning {
                index,
                id,
                text: String::new(),
                opaque: None,
                part: false,
            });
        }
        let Some(Open::Reasoning {
            index,
            id,
            text: all,
            opaque: held,
            part,
        }) = &mut self.reasoning
        else {
            return;
        };
        let (index, id) = (*index, id.clone());
        if let Some(more) = opaque {
            held.get_or_insert_with(String::new).push_str(more);
        }
        if let Some(text) = text {
            all.push_str(text);
            let open_part = !*part;
            *part = true;
            if open_part {
                out.push(self.event("response.reasoning_summary_part.added", json!({"item_id": id, "output_index": index, "summary_index": 0, "part": {"type": "summary_text", "text": ""}})));
            }
            out.push(self.event(
                "response.reasoning_summary_text.delta",
                json!({"item_id": id, "output_index": index, "summary_index": 0, "delta": text}),
            ));
        }
    }

    /// Closes the reasoning item: when the answer moves on and its opaque part is known, or at
    /// the end. (Copilot can send Claude's signature after the text has started: the item then
    /// stays open until it arrives.)
    fn close_reasoning(&mut self, force: bool, out: &mut Vec<(String, Value)>) {
        let ready = match &self.reasoning {
            Some(Open::Reasoning { opaque, .. }) => force || opaque.is_some(),
            _ => false,
        };
        if !ready {
            return;
        }
        let Some(Open::Reasoning {
            index,
            id,
            text,
            opaque,
            part,
        }) = self.reasoning.take()
        else {
            return;
        };
        if part {
            out.push(self.event(
                "response.reasoning_summary_text.done",
                json!({"item_id": id, "output_index": index, "summary_index": 0, "text": text}),
            ));
            out.push(self.event("response.reasoning_summary_part.done", json!({"item_id": id, "output_index": index, "summary_index": 0, "part": {"type": "summary_text", "text": text}})));
        }
        let item = reasoning_item(&id, &text, opaque.as_deref());
        out.push(self.event(
            "response.output_item.done",
            object([("output_index", index.into()), ("item", item.clone())]),
        ));
        self.items.push((index, item));
    }

    fn close_calls(&mut self, out: &mut Vec<(String, Value)>) {
        for (_, open) in std::mem::take(&mut self.calls) {
            if let Open::Call {
                index,
                call_id,
                name,
                arguments,
            } = open
            {
                let item = call_item(&call_id, &name, &arguments, &self.ctx, "completed");
                let item_id = item.get("id").cloned().unwrap_or_default();
                if item.get("type").and_then(Value::as_str) == Some("function_call") {
                    out.push(self.event(
                        "response.function_call_arguments.done",
                        json!({"item_id": item_id, "output_index": index, "name": name, "arguments": arguments}),
                    ));
                }
                out.push(self.event(
                    "response.output_item.done",
                    object([("output_index", index.into()), ("item", item.clone())]),
                ));
                self.items.push((index, item));
            }
        }
    }

    fn next_index(&self) -> usize {
        self.items.len()
            + usize::from(self.reasoning.is_some())
            + usize::from(self.text.is_some())
            + self.calls.len()
    }

    /// Events for one chat chunk.
    pub fn push(&mut self, chunk: &ChatChunk) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if self.finished {
            return out;
        }
        if !self.started {
            self.created = chunk.created.unwrap_or(0);
        }
        self.start(&mut out);
        for choice in &chunk.choices {
            let thought = choice
                .delta
                .reasoning_text
                .as_deref()
                .filter(|t| !t.is_empty());
            let opaque = choice
                .delta
                .reasoning_opaque
                .as_deref()
                .filter(|t| !t.is_empty());
            if thought.is_some() || opaque.is_some() {
                self.push_reasoning(thought, opaque, &mut out);
                if self.text.is_some() || !self.calls.is_empty() {
                    // A late signature: the answer has moved on already.
                    self.close_reasoning(false, &mut out);
                }
            }
            let moves_on = choice
                .delta
                .content
                .as_deref()
                .is_some_and(|t| !t.is_empty())
                || choice
                    .delta
                    .tool_calls
                    .as_ref()
                    .is_some_and(|c| !c.is_empty());
            if moves_on {
                self.close_reasoning(false, &mut out);
            }
            if let Some(text) = choice.delta.content.as_deref().filter(|t| !t.is_empty()) {
                if !self.calls.is_empty() {
                    self.close_calls(&mut out);
                }
                if self.text.is_none() {
                    let index = self.next_index();
                    let id = format!("msg_{}", self.id);
                    let item = json!({"type": "message", "id": id, "status": "in_progress", "role": "assistant", "content": []});
                    out.push(self.event(
                        "response.output_item.added",
                        object([("output_index", index.into()), ("item", item)]),
                    ));
                    out.push(self.event("response.content_part.added", json!({"item_id": id, "output_index": index, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}})));
                    self.text = Some(Open::Text {
                        index,
                        id,
                        text: String::new(),
                    });
                }
                if let Some(Open::Text {
                    index,
                    id,
                    text: all,
                }) = &mut self.text
                {
                    all.push_str(text);
                    let (index, id) = (*index, id.clone());
                    out.push(self.event("response.output_text.delta", json!({"item_id": id, "output_index": index, "content_index": 0, "delta": text, "logprobs": []})));
                }
            }
            for call in choice.delta.tool_calls.iter().flatten() {
                self.close_text(&mut out);
                let known = self.calls.iter().position(|(i, _)| *i == call.index);
                let position = match known {
                    Some(p) => p,
                    None => {
                        let index = self.next_index();
                        let call_id = call
                            .id
                            .clone()
                            .unwrap_or_else(|| format!("call_{}_{}", self.id, call.index));
                        let name = call
                            .function
                            .as_ref()
                            .and_then(|f| f.name.clone())
                            .unwrap_or_default();
                        let item = call_item(&call_id, &name, "", &self.ctx, "in_progress");
                        out.push(self.event(
                            "response.output_item.added",
                            object([("output_index", index.into()), ("item", item)]),
                        ));
                        self.calls.push((
                            call.index,
                            Open::Call {
                                index,
                                call_id,
                                name,
                                arguments: String::new(),
                            },
                        ));
                        self.calls.len() - 1
                    }
                };
                if let Some(args) = call
                    .function
                    .as_ref()
                    .and_then(|f| f.arguments.as_deref())
                    .filter(|a| !a.is_empty())
                    && let (
                        _,
                        Open::Call {
                            index,
                            call_id,
                            name,
                            arguments,
                        },
                    ) = &mut self.calls[position]
                {
                    arguments.push_str(args);
                    let custom = self.ctx.custom_tools.iter().any(|t| t == name)
                        || (self.ctx.local_shell && name == "local_shell");
                    if !custom {
                        let (index, item_id) = (*index, format!("fc_{call_id}"));
                        out.push(self.event(
                            "response.function_call_arguments.delta",
                            json!({"item_id": item_id, "output_index": index, "delta": args}),
                        ));
                    }
                }
            }
            if let Some(reason) = &choice.finish_reason {
                self.finish = Some(reason.clone());
            }
        }
        if let Some(u) = &chunk.usage {
            self.usage = Some(ResponsesUsage::from_chat(u));
        }
        out
    }

    /// The end of the upstream stream: closes what is open and sends the one terminal event.
    pub fn finish(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if self.finished {
            return out;
        }
        self.start(&mut out);
        self.close_reasoning(true, &mut out);
        self.close_text(&mut out);
        self.close_calls(&mut out);
        self.finished = true;
        if self.finish.as_deref() == Some("length") {
            let response = self.response("incomplete");
            out.push(self.event("response.incomplete", object([("response", response)])));
        } else {
            let response = self.response("completed");
            out.push(self.event("response.completed", object([("response", response)])));
        }
        out
    }

    /// The upstream broke off: one `error` event, never a made-up completion.
    pub fn fail(&mut self, message: &str) -> Vec<(String, Value)> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        vec![self.event(
            "error",
            json!({"code": "upstream_error", "message": message, "param": null}),
        )]
    }
}

#[cfg(test)]
#[path = "responses_tests.rs"]
mod tests;
