//! Pure, synchronous translation between the two wire shapes we serve and call.
//!
//! This module owns the serde wire types of both APIs and the functions that turn one into
//! the other. Nothing in here does I/O: no tokio, reqwest or axum. The handlers feed parsed
//! bodies and stream chunks in and serialize whatever comes out.
//!
//! # Translation matrix
//!
//! | inbound surface        | upstream wire shape    | what happens                                         |
//! | ---------------------- | ---------------------- | ---------------------------------------------------- |
//! | OpenAI chat            | OpenAI chat (Copilot)  | passthrough; [`openai`] types only for inspection    |
//! | Anthropic Messages     | OpenAI chat (Copilot)  | [`request`] → upstream → [`response`] / [`stream`]   |
//! | Anthropic Messages     | Anthropic Messages     | passthrough; [`anthropic`] types only for inspection |
//! | OpenAI Responses       | OpenAI chat            | [`responses`] both ways, streams included            |
//! | OpenAI chat            | OpenAI Responses       | [`via_responses`] both ways, streams included        |
//! | OpenAI chat            | Anthropic Messages     | [`via_messages`] both ways, streams included         |
//! | Anthropic Messages     | OpenAI Responses       | [`request`] then [`via_responses`]; back the same way |
//! | OpenAI Responses       | Anthropic Messages     | [`responses`] then [`via_messages`]; back the same way |
//! | legacy completions     | any                    | the prompt as one user message; chat rendered back   |
//!
//! Chat completions is the pivot: a translated request is first made a chat request, then
//! the upstream's shape; a translated answer or stream is first made a chat answer or chunks
//! ([`Pivot`]), then the client's shape. Chat carries everything the other two do, with
//! Copilot's `reasoning_text` / `reasoning_opaque` extension for reasoning and signatures.
//!
//! Model names are resolved against the upstream catalogue by [`model`] before any of this.
//!
//! # Why typed structs with `extra`
//!
//! Every wire struct keeps the fields it does not know in a flattened `extra` map and writes
//! them back (STYLE habit 9): a field a client or Copilot adds tomorrow must never fail a
//! request. Unknown content blocks, content parts and stream events deserialize into an
//! `Unknown(Value)` arm instead of erroring. The translators themselves only copy what they
//! understand; `extra` of the *source* shape is deliberately not forwarded across shapes,
//! because an Anthropic field means nothing to an OpenAI upstream.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields a wire type does not model, kept verbatim (flattened into its object).
///
/// Boxed, and absent when empty: most objects have no unknown fields, and a bare `Map` (an
/// `IndexMap` with `preserve_order`) costs 72 bytes inline in every content block and part,
/// which made a request of millions of tiny blocks cost a dozen times its size in memory. It
/// reads as a `Map` ([`Deref`]); the first mutable use allocates it.
#[derive(Debug, Clone, Default)]
pub struct Extra(Option<Box<Map<String, Value>>>);

/// Equal when the fields are: no map and an empty one are the same.
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

static NO_FIELDS: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl Extra {
    /// No fields.
    pub const fn new() -> Self {
        Self(None)
    }

    /// The fields, moved out.
    pub(crate) fn into_map(self) -> Map<String, Value> {
        self.0.map(|map| *map).unwrap_or_default()
    }
}

impl Deref for Extra {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Self::Target {
        self.0.as_deref().unwrap_or(&NO_FIELDS)
    }
}

impl DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0.get_or_insert_with(Box::default)
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        Self((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from)
    }
}

/// `impl Deserialize for $ty` through a one-off `Visitor` that expects `$what`, has the given
/// `visit_*` methods and is handed to `Deserializer::$entry`. The two macros below use it.
macro_rules! deserialize_by_visitor {
    ($ty:ident, $what:literal, $entry:ident, { $($methods:tt)* }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($what)
                    }
                    $($methods)*
                }
                deserializer.$entry(V)
            }
        }
    };
}

/// `Deserialize` for a wire struct with a flattened `extra` map, in one pass over the JSON
/// object: known keys go to their fields, others into `extra`. (`#[serde(flatten)]` would
/// buffer the whole object — for a Messages request, the whole request — and read it twice.)
/// Optional fields take their default when absent or `null`; a missing required field is the
/// usual "missing field" error. The types' own `#[serde(...)]` attributes serve `Serialize`
/// only.
macro_rules! deserialize_with_extra {
    ($ty:ident, $what:literal,
     required { $($req:ident: $rkey:literal),* $(,)? },
     optional { $($opt:ident: $okey:literal),* $(,)? }) => {
        deserialize_by_visitor!($ty, $what, deserialize_map, {
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                $(let mut $req = None;)*
                $(let mut $opt = None;)*
                let mut extra = $crate::translate::Extra::new();
                while let Some($crate::translate::BorrowedStr(key)) = map.next_key()? {
                    match key.as_ref() {
                        $($rkey => $req = Some(map.next_value()?),)*
                        $($okey => $opt = map.next_value::<Option<_>>()?,)*
                        _ => {
                            extra.insert(key.into_owned(), map.next_value()?);
                        }
                    }
                }
                Ok($ty {
                    $($req: $req.ok_or_else(|| serde::de::Error::missing_field($rkey))?,)*
                    $($opt: $opt.unwrap_or_default(),)*
                    extra,
                })
            }
        });
    };
}

/// A string borrowed from the input when it has no escapes (object keys here, optional fields
/// in `server::peek`). serde borrows a `Cow<str>` only when it is a field's whole type, which
/// this wrapper makes it.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct BorrowedStr<'a>(#[serde(borrow)] pub(crate) Cow<'a, str>);

/// `Deserialize` for enums of a string or an array (`$text(String)`, `$array(Vec<_>)`), in
/// one pass: the first token decides, where `#[serde(untagged)]` would buffer the value and
/// try each variant in turn (an allocation per failed attempt, on every message).
macro_rules! text_or_array {
    ($($ty:ident),+; $text:ident, $array:ident; $what:literal) => {$(
        deserialize_by_visitor!($ty, $what, deserialize_any, {
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$ty, E> {
                Ok($ty::$text(text.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<$ty, E> {
                Ok($ty::$text(text))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<$ty, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok($ty::$array(items))
            }
        });
    )+};
}

pub mod anthropic;
pub mod completions;
pub(crate) mod model;
pub mod openai;
pub mod request;
pub mod response;
pub mod responses;
pub mod side;
pub mod stream;
pub mod via_messages;
pub mod via_responses;

/// What one upstream stream event means on the chat pivot: every translated stream is
/// decoded into chat chunks (`via_responses::Decoder`, `via_messages::Decoder`, or parsed
/// as they are from a chat upstream) and rendered from those for the client's surface.
#[derive(Debug, Clone, PartialEq)]
pub enum Pivot {
    /// A chat chunk.
    Chunk(openai::ChatChunk),
    /// The upstream finished well (chat's `[DONE]`).
    Done,
    /// The upstream reported a failure; the message says what.
    Failed(String),
}

/// Why a translation could not be done. Every variant is the client's or upstream's fault in
/// the sense that no retry of the same input can succeed.
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    /// Upstream returned a tool call whose `arguments` are not valid JSON, so no Anthropic
    /// `tool_use.input` object can be built from it.
    #[error("upstream returned invalid JSON arguments for tool `{name}`: {source}")]
    InvalidToolArguments {
        /// The tool (function) name upstream called.
        name: String,
        /// The JSON parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The inbound request cannot be expressed in the target shape.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A translated answer could not be written as JSON.
    #[error("cannot write the translated answer: {0}")]
    Unwritable(#[source] serde_json::Error),
}

/// The function of a chat tool (`{"type": "function", "function": {…}}`, or a bare
/// function), moved out of it: a tool's schema is often the longest part of a short request.
pub(crate) fn chat_function(mut tool: Value) -> Map<String, Value> {
    match tool.get_mut("function").map(Value::take) {
        Some(Value::Object(function)) => function,
        _ => match tool {
            Value::Object(tool) => tool,
            _ => Map::new(),
        },
    }
}

/// A text field of an answer read by a typed reader, empty when absent.
pub(crate) fn text_or_empty<'a>(field: &'a Option<Cow<'_, str>>) -> &'a str {
    field.as_deref().unwrap_or("")
}

/// The `text` of each JSON content part that has one, joined with `separator`.
pub(crate) fn parts_text(parts: &[Value], separator: &str) -> String {
    parts
        .iter()
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The text of a JSON content value: a string (moved out), or its parts' texts joined with
/// `separator`; empty for anything else.
pub(crate) fn content_text(content: Option<Value>, separator: &str) -> String {
    match content {
        Some(Value::String(text)) => text,
        Some(Value::Array(parts)) => parts_text(&parts, separator),
        _ => String::new(),
    }
}

/// A JSON object of `pairs`, in order, with the values moved in. `json!` would copy every
/// `Value` it is given through its serializer: a whole message list, or a megabyte of base64
/// image, once more per level of nesting.
pub(crate) fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Opaque reasoning that only OpenAI's Responses API can verify: an item this proxy packed
/// (`rs_….`), or OpenAI's encrypted content itself (a Fernet token, `gAAAAA…`). Sent to Claude
/// as a thinking signature it would fail the whole request.
pub(crate) fn foreign_to_claude(opaque: &str) -> bool {
    via_responses::unpack_reasoning(opaque).is_some() || opaque.starts_with("gAAAAA")
}

/// Between the tokens of an opaque reasoning string that carries several (packed reasoning
/// items, signatures, redacted thinking): a space, in neither ids nor base64.
pub(crate) const TOKEN_SEPARATOR: char = ' ';

/// Adds `token` to an answer's opaque reasoning, after a separator when there is one already.
pub(crate) fn push_opaque(opaque: &mut Option<String>, token: &str) {
    match opaque {
        Some(all) => {
            all.push(TOKEN_SEPARATOR);
            all.push_str(token);
        }
        None => *opaque = Some(token.to_owned()),
    }
}

/// A one-choice chat chunk on the pivot.
pub(crate) fn pivot_chunk(
    id: &str,
    model: &str,
    created: Option<u64>,
    delta: openai::Delta,
    finish: Option<&str>,
) -> openai::ChatChunk {
    openai::ChatChunk {
        id: id.to_owned(),
        model: model.to_owned(),
        created,
        choices: vec![openai::ChunkChoice {
            index: 0,
            delta,
            finish_reason: finish.map(str::to_owned),
            extra: Extra::new(),
        }],
        usage: None,
        extra: Extra::new(),
    }
}

/// The chunk that ends a translated answer, then its usage chunk (when the upstream gave
/// usage), then the end.
pub(crate) fn pivot_ending(
    id: &str,
    model: &str,
    created: Option<u64>,
    finish: &str,
    usage: Option<openai::Usage>,
) -> Vec<Pivot> {
    let mut out = vec![Pivot::Chunk(pivot_chunk(
        id,
        model,
        created,
        openai::Delta::default(),
        Some(finish),
    ))];
    if let Some(usage) = usage {
        let mut chunk = pivot_chunk(id, model, created, openai::Delta::default(), None);
        chunk.choices.clear();
        chunk.usage = Some(usage);
        out.push(Pivot::Chunk(chunk));
    }
    out.push(Pivot::Done);
    out
}

/// A delta of one tool call: its start (`id`, `name`) or more of its arguments.
pub(crate) fn call_delta(
    index: u32,
    id: Option<&str>,
    name: Option<&str>,
    arguments: &str,
) -> openai::Delta {
    openai::Delta {
        tool_calls: Some(vec![openai::ToolCallDelta {
            index,
            id: id.map(str::to_owned),
            kind: id.map(|_| "function".to_owned()),
            function: Some(openai::FunctionDelta {
                name: name.map(str::to_owned),
                arguments: Some(arguments.to_owned()),
                extra: Extra::new(),
            }),
            extra: Extra::new(),
        }]),
        ..openai::Delta::default()
    }
}

/// A function tool call of a whole answer.
pub(crate) fn pivot_call(id: &str, name: &str, arguments: String) -> openai::ToolCall {
    openai::ToolCall {
        id: id.to_owned(),
        kind: "function".into(),
        function: openai::FunctionCall {
            name: name.to_owned(),
            arguments,
            extra: Extra::new(),
        },
        extra: Extra::new(),
    }
}

/// What a translated whole answer says, gathered from the upstream's shape.
#[derive(Debug, Default)]
pub(crate) struct PivotAnswer {
    pub(crate) id: String,
    pub(crate) created: Option<u64>,
    pub(crate) text: String,
    pub(crate) reasoning: Vec<String>,
    pub(crate) opaque: Option<String>,
    pub(crate) calls: Vec<openai::ToolCall>,
    pub(crate) finish: &'static str,
    pub(crate) usage: Option<openai::Usage>,
    pub(crate) message_extra: serde_json::Map<String, serde_json::Value>,
}

impl PivotAnswer {
    /// The one-choice chat answer, naming `model`.
    pub(crate) fn into_chat(self, model: &str) -> openai::ChatResponse {
        let has_calls = !self.calls.is_empty();
        openai::ChatResponse {
            id: self.id,
            model: model.to_owned(),
            created: self.created,
            choices: vec![openai::Choice {
                index: 0,
                message: openai::ResponseMessage {
                    role: Some(openai::Role::Assistant),
                    content: (!self.text.is_empty() || !has_calls)
                        .then_some(openai::MessageContent::Text(self.text)),
                    tool_calls: has_calls.then_some(self.calls),
                    reasoning_text: (!self.reasoning.is_empty())
                        .then(|| self.reasoning.join("\n\n")),
                    reasoning_opaque: self.opaque,
                    extra: self.message_extra.into(),
                },
                finish_reason: Some(self.finish.to_owned()),
                extra: Extra::new(),
            }],
            usage: self.usage,
            extra: Extra::new(),
        }
    }
}

/// Where a translated stream's events come from: the upstream's shape, decoded into
/// [`Pivot`]s one SSE `data` payload at a time.
#[derive(Debug)]
pub enum Source {
    /// A chat-completions upstream: chunks as they are, `[DONE]`, or an `{"error": …}` line.
    Chat,
    /// A Responses upstream.
    Responses(via_responses::Decoder),
    /// A Messages upstream.
    Messages(via_messages::Decoder),
}

impl Source {
    /// The decoder for an upstream speaking `shape` (Chat for anything else), whose chunks
    /// name `model`.
    pub fn for_upstream(upstream_is: UpstreamKind, model: &str) -> Self {
        match upstream_is {
            UpstreamKind::Chat => Self::Chat,
            UpstreamKind::Responses => {
                Self::Responses(via_responses::Decoder::new(model.to_owned()))
            }
            UpstreamKind::Messages => Self::Messages(via_messages::Decoder::new(model.to_owned())),
        }
    }

    /// What one SSE `data` payload means.
    pub fn decode(&mut self, data: &str) -> Vec<Pivot> {
        match self {
            Self::Chat => {
                if data == "[DONE]" {
                    return vec![Pivot::Done];
                }
                match serde_json::from_str::<openai::ChatChunk>(data) {
                    // Copilot reports a failure mid-stream as a data line `{"error": …}`.
                    Ok(chunk) if chunk.choices.is_empty() && chunk.extra.contains_key("error") => {
                        vec![Pivot::Failed(error_message(data))]
                    }
                    Ok(chunk) => vec![Pivot::Chunk(chunk)],
                    Err(err) => vec![Pivot::Failed(format!(
                        "the upstream sent an unreadable stream event: {err}"
                    ))],
                }
            }
            Self::Responses(decoder) => match decoder.push_str(data) {
                Ok(pivots) => pivots,
                Err(err) => vec![Pivot::Failed(format!(
                    "the upstream sent an unreadable stream event: {err}"
                ))],
            },
            Self::Messages(decoder) => match decoder.push_str(data) {
                Ok(pivots) => pivots,
                Err(err) => vec![Pivot::Failed(format!(
                    "the upstream sent an unreadable stream event: {err}"
                ))],
            },
        }
    }
}

/// The upstream wire shapes a translated answer can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamKind {
    /// Chat completions.
    Chat,
    /// Responses.
    Responses,
    /// Messages.
    Messages,
}

/// The message of an upstream error payload (`{"error": {"message": …}}` or `{"message": …}`).
fn error_message(data: &str) -> String {
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("message"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "the upstream reported an error".to_owned())
}

/// A whole upstream answer of `kind` as a chat answer naming `model`.
pub fn answer_as_chat(
    kind: UpstreamKind,
    bytes: &[u8],
    model: &str,
) -> Result<openai::ChatResponse, TranslateError> {
    let unreadable = |err: serde_json::Error| {
        TranslateError::InvalidRequest(format!("the upstream sent an unreadable answer: {err}"))
    };
    match kind {
        UpstreamKind::Chat => serde_json::from_slice(bytes).map_err(unreadable),
        UpstreamKind::Responses => via_responses::answer(bytes, model),
        UpstreamKind::Messages => via_messages::answer(bytes, model),
    }
}
