//! Relaying an upstream response when no translation is needed: status, content type and body
//! bytes go through unchanged; event streams are forwarded chunk by chunk as they arrive, never
//! buffered. Dropping the response (a client that went away) drops the upstream stream, which
//! closes the upstream connection.

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt as _;
use serde_json::Value;

use crate::server::peek::{
    CompletionPeek, first_member, insert_first_member, insert_member_after, member_after,
    splice_members,
};

use crate::providers::{Shape, UpstreamError};
use crate::server::dispatch::{Answer, AnswerBody};
use crate::server::error::ApiError;
use crate::server::log::RequestLog;

/// Whether a response is an event stream.
pub(crate) fn is_event_stream(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"))
}

/// Response headers we copy from upstream (everything else — hop-by-hop headers, upstream
/// cookies, request ids that name Copilot internals — stays behind).
const COPIED: [header::HeaderName; 2] = [header::CONTENT_TYPE, header::RETRY_AFTER];

/// The event that ends a stream the upstream broke off, in the client's shape: OpenAI clients
/// read `data: {"error": …}` (the SDKs raise it), Anthropic clients an `error` event,
/// Responses clients an `error` event with a code. Never a made-up end.
pub(crate) fn broken_stream_event(surface: Shape, message: &str) -> Bytes {
    let text = match surface {
        Shape::Messages => format!(
            "event: error\ndata: {}\n\n",
            serde_json::json!({"type": "error", "error": {"type": "api_error", "message": message}})
        ),
        Shape::Responses => format!(
            "event: error\ndata: {}\n\n",
            serde_json::json!({"type": "error", "code": "upstream_error", "message": message, "param": null})
        ),
        Shape::Chat | Shape::Embeddings => format!(
            "data: {}\n\n",
            serde_json::json!({"error": {"message": message, "type": "upstream_error", "code": "stream_interrupted"}})
        ),
    };
    Bytes::from(text)
}

/// Whether `bytes` end between two SSE events (a blank line).
pub(crate) fn ends_event(bytes: &[u8]) -> bool {
    bytes.ends_with(b"\n\n") || bytes.ends_with(b"\r\n\r\n")
}

/// Whether a relayed stream reached its proper end: the last bytes of the previous chunk plus
/// each new chunk are searched for the surface's end markers. A marker that only looks like one
/// (inside a text) can only hold back the error event, never add one to a stream that ended
/// well.
struct EndSeen {
    markers: &'static [&'static [u8]],
    seen: bool,
    /// The previous chunk's tail, for a marker split across two reads.
    carry: Vec<u8>,
    /// The bytes sent so far end between two events.
    at_boundary: bool,
}

impl EndSeen {
    fn new(surface: Shape) -> Self {
        let markers: &'static [&'static [u8]] = match surface {
            Shape::Messages => &[b"message_stop", b"event: error"],
            Shape::Responses => &[
                b"response.completed",
                b"response.incomplete",
                b"response.failed",
                b"event: error",
            ],
            Shape::Chat | Shape::Embeddings => &[b"[DONE]", b"{\"error\""],
        };
        Self {
            markers,
            seen: false,
            carry: Vec::new(),
            at_boundary: true,
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.at_boundary = ends_event(chunk);
        if self.seen {
            return;
        }
        const KEEP: usize = 24;
        let found = |hay: &[u8]| {
            self.markers
                .iter()
                .any(|m| memchr::memmem::find(hay, m).is_some())
        };
        if found(chunk) {
            self.seen = true;
            return;
        }
        if !self.carry.is_empty() {
            self.carry
                .extend_from_slice(&chunk[..chunk.len().min(KEEP)]);
            if found(&self.carry) {
                self.seen = true;
                return;
            }
        }
        self.carry.clear();
        self.carry
            .extend_from_slice(&chunk[chunk.len().saturating_sub(KEEP)..]);
    }

    /// The error event, after a blank line that closes a half-sent event first.
    fn error_event(&self, surface: Shape, message: &str) -> Bytes {
        let event = broken_stream_event(surface, message);
        if self.at_boundary {
            event
        } else {
            Bytes::from([&b"\n\n"[..], &event].concat())
        }
    }
}

/// Ends `body` with [`broken_stream_event`] when the upstream breaks off, or ends the stream
/// without its end event (`[DONE]`, `message_stop`, `response.completed`…), instead of a
/// silent cut (the connection to the client then closes normally). `edit` sees every chunk
/// (`Some(chunk)`, returning what to send) and the end of a stream that ended well (`None`,
/// returning what is left to send).
fn closing_with_error_event<F>(
    body: crate::server::commit::ByteStream,
    surface: Shape,
    log: RequestLog,
    ping_every: Duration,
    edit: F,
) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static
where
    F: FnMut(Option<&Bytes>) -> Bytes + Send + 'static,
{
    struct Closing<F> {
        body: Option<crate::server::commit::ByteStream>,
        edit: F,
        log: RequestLog,
        end: EndSeen,
        /// Upstream silence this long gets a keep-alive (between events only).
        ping: Pin<Box<tokio::time::Sleep>>,
    }
    let state = Closing {
        body: Some(body),
        edit,
        log,
        end: EndSeen::new(surface),
        ping: Box::pin(tokio::time::sleep(ping_every)),
    };
    futures_util::stream::unfold(state, move |mut st| async move {
        let next = loop {
            let body = st.body.as_mut()?;
            tokio::select! {
                biased;
                next = body.next() => break next,
                () = st.ping.as_mut() => {
                    st.ping.as_mut().reset(tokio::time::Instant::now() + ping_every);
                    if st.end.at_boundary {
                        return Some((Ok(keep_alive(surface)), st));
                    }
                }
            }
        };
        st.ping
            .as_mut()
            .reset(tokio::time::Instant::now() + ping_every);
        let out = match next {
            Some(Ok(bytes)) => {
                let out = (st.edit)(Some(&bytes));
                st.end.feed(&out);
                out
            }
            Some(Err(err)) => {
                st.body = None;
                let why = UpstreamError::from_reqwest(&err).to_string();
                tracing::warn!("the upstream stream broke off: {why}");
                st.log.broken(why.clone());
                st.end.error_event(surface, &why)
            }
            None => {
                st.body = None;
                let rest = (st.edit)(None);
                st.end.feed(&rest);
                if st.end.seen {
                    rest
                } else {
                    let why = "the upstream ended the stream without its end event";
                    tracing::warn!("{why}");
                    st.log.broken(why);
                    let event = st
                        .end
                        .error_event(surface, &format!("{why}: the answer is incomplete"));
                    Bytes::from([&rest[..], &event].concat())
                }
            }
        };
        Some((Ok(out), st))
    })
    .filter(|chunk| std::future::ready(!matches!(chunk, Ok(bytes) if bytes.is_empty())))
}

/// What keeps a silent stream alive: Anthropic's own `ping` event on Messages, an SSE comment
/// (which every SSE reader skips) on the OpenAI shapes.
pub(crate) fn keep_alive(surface: Shape) -> Bytes {
    match surface {
        Shape::Messages => Bytes::from_static(b"event: ping\ndata: {\"type\": \"ping\"}\n\n"),
        _ => Bytes::from_static(b": ping\n\n"),
    }
}

/// Relays a 2xx upstream answer.
pub(crate) fn relay(
    answer: Answer,
    log: &RequestLog,
    surface: Shape,
    ping_every: Duration,
) -> Result<Response, ApiError> {
    let status = StatusCode::from_u16(answer.status.as_u16()).unwrap_or(StatusCode::OK);
    let mut builder = Response::builder().status(status);
    for name in COPIED {
        if let Some(value) = answer.headers.get(&name) {
            builder = builder.header(name, value.clone());
        }
    }
    let bytes = match answer.body {
        AnswerBody::Stream(body) => {
            let sniffer_log = log.clone();
            let mut sniffer = UsageSniffer::default();
            let body =
                closing_with_error_event(body, surface, log.clone(), ping_every, move |chunk| {
                    let Some(bytes) = chunk else {
                        return Bytes::new();
                    };
                    sniffer.feed(bytes, &sniffer_log);
                    bytes.clone()
                });
            return builder
                .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
                .body(Body::from_stream(body))
                .map_err(|err| ApiError::Internal(err.to_string()));
        }
        AnswerBody::Full(bytes) => bytes,
    };
    if let Ok(CompletionPeek {
        usage: Some(usage), ..
    }) = serde_json::from_slice(&bytes)
    {
        log.openai_usage(Some(&usage));
    }
    builder
        .body(Body::from(bytes))
        .map_err(|err| ApiError::Internal(err.to_string()))
}

/// Picks token usage out of a passthrough event stream for the access log, without parsing
/// every event: only `data:` lines that mention `"usage"` are parsed. Lines split across
/// chunks are reassembled from a small carry buffer.
#[derive(Debug, Default)]
struct UsageSniffer {
    carry: Vec<u8>,
}

impl UsageSniffer {
    fn feed(&mut self, chunk: &[u8], log: &RequestLog) {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let line_part = &rest[..pos];
            if self.carry.is_empty() {
                Self::line(line_part, log);
            } else {
                self.carry.extend_from_slice(line_part);
                let line = std::mem::take(&mut self.carry);
                Self::line(&line, log);
            }
            rest = &rest[pos + 1..];
        }
        // Keep an unfinished line, but never hoard: a usage line is small.
        if self.carry.len() + rest.len() <= 64 * 1024 {
            self.carry.extend_from_slice(rest);
        } else {
            self.carry.clear();
        }
    }

    fn line(line: &[u8], log: &RequestLog) {
        let Some(data) = line.strip_prefix(b"data:") else {
            return;
        };
        if memchr::memmem::find(data, b"\"usage\"").is_none() {
            return;
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(data.trim_ascii()) else {
            return;
        };
        // OpenAI chat chunks carry `usage`; Responses and Anthropic events nest it.
        let usage = value
            .get("usage")
            .or_else(|| value.pointer("/response/usage"))
            .or_else(|| value.pointer("/message/usage"));
        log.openai_usage(usage.filter(|u| !u.is_null()));
    }
}

/// Relays a chat-completions answer, normalised for OpenAI clients when `normalise` (Copilot):
/// - Copilot leaves out `object` (`chat.completion` / `chat.completion.chunk`), which the
///   OpenAI SDKs' stream helpers require;
/// - Copilot's Claude models answer in two choices (text in choice 0, tool calls in choice 1);
///   unless the client asked for `n > 1`, they are merged into choice 0, where every client
///   looks for tool calls.
///
/// Streams are rewritten line by line as they arrive; anything that is not a JSON `data:` line
/// passes through untouched. Without `normalise`, the answer is relayed as it came.
pub(crate) fn relay_chat(
    answer: Answer,
    log: &RequestLog,
    merge_choices: bool,
    normalise: bool,
    ping_every: Duration,
) -> Result<Response, ApiError> {
    if !normalise {
        return relay(answer, log, Shape::Chat, ping_every);
    }
    let body = match answer.body {
        AnswerBody::Full(bytes) => {
            let status = StatusCode::from_u16(answer.status.as_u16()).unwrap_or(StatusCode::OK);
            let body = normalise_completion_bytes(bytes, log, merge_choices)?;
            return Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .map_err(|err| ApiError::Internal(err.to_string()));
        }
        AnswerBody::Stream(body) => body,
    };
    let line_log = log.clone();
    let mut lines = LineRewriter::default();
    let mut finish = FinishHold::default();
    // A last line without its newline is still the client's: it goes out at the end.
    let body = closing_with_error_event(body, Shape::Chat, log.clone(), ping_every, move |chunk| {
        match chunk {
            // One pass over the lines: usage for the log, then the rewrite.
            Some(bytes) => lines.feed(bytes, |line| {
                UsageSniffer::line(line, &line_log);
                if merge_choices {
                    finish.line(line)
                } else {
                    rewrite_chunk_line(line, false)
                }
            }),
            // A last line without its newline is still the client's: send it on at the end,
            // after a finish still held.
            None => {
                let mut out = finish.release().unwrap_or_default();
                out.extend(std::mem::take(&mut lines.carry));
                Bytes::from(out)
            }
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(body))
        .map_err(|err| ApiError::Internal(err.to_string()))
}

/// The cheap path first: a peek at `object`, the choice indexes and `usage`; the body is only
/// re-serialised when split choices must be merged or fields OpenAI's schema requires are
/// missing.
fn normalise_completion_bytes(
    bytes: Bytes,
    log: &RequestLog,
    merge_choices: bool,
) -> Result<Bytes, ApiError> {
    let Ok(peek) = serde_json::from_slice::<CompletionPeek>(&bytes) else {
        return Ok(bytes);
    };
    if let Some(usage) = &peek.usage {
        log.openai_usage(Some(usage));
    }
    let must_merge = merge_choices && peek.choices.len() > 1;
    // OpenAI's schema requires `logprobs` on each choice and `refusal` on each message (both
    // nullable); Copilot leaves them out. Looked for as bytes: only a body without them is
    // parsed and written again.
    let complete = |key: &[u8]| memchr::memmem::find(&bytes, key).is_some();
    let (no_logprobs, no_refusal) = (!complete(b"\"logprobs\""), !complete(b"\"refusal\""));
    if !must_merge && !no_logprobs && !no_refusal && peek.object.is_some() {
        return Ok(bytes);
    }
    if !must_merge && peek.choices.len() <= 1 {
        // One choice (Copilot's usual answer): the missing members spliced into the bytes.
        let spliced = || {
            let mut members = Vec::with_capacity(3);
            if no_logprobs {
                members.push((
                    member_after(&bytes, br#""choices":[{"#)?,
                    "logprobs",
                    "null",
                ));
            }
            if no_refusal {
                members.push((member_after(&bytes, br#""message":{"#)?, "refusal", "null"));
            }
            if peek.object.is_none() {
                members.push((first_member(&bytes)?, "object", "\"chat.completion\""));
            }
            Some(splice_members(&bytes, &mut members))
        };
        if let Some(out) = spliced() {
            return Ok(Bytes::from(out));
        }
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(bytes);
    };
    normalise_completion(&mut value, merge_choices);
    serde_json::to_vec(&value)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Adds `object` and merges split choices in a complete chat completion.
fn normalise_completion(value: &mut Value, merge_choices: bool) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    obj.entry("object")
        .or_insert_with(|| Value::from("chat.completion"));
    let Some(choices) = obj.get_mut("choices").and_then(Value::as_array_mut) else {
        return;
    };
    for choice in choices.iter_mut().filter_map(Value::as_object_mut) {
        choice.entry("logprobs").or_insert(Value::Null);
        if let Some(message) = choice.get_mut("message").and_then(Value::as_object_mut) {
            message.entry("refusal").or_insert(Value::Null);
        }
    }
    if !merge_choices || choices.len() < 2 {
        return;
    }
    let mut rest: Vec<Value> = choices.drain(1..).collect();
    let Some(first) = choices.first_mut() else {
        return;
    };
    for other in &mut rest {
        merge_choice(first, other, "message");
    }
}

/// Folds `other`'s message/delta (`key`) into `into`'s: text appended, tool calls appended,
/// a `tool_calls` finish reason wins.
fn merge_choice(into: &mut Value, other: &mut Value, key: &str) {
    let other_finish = other.get("finish_reason").cloned().filter(|f| !f.is_null());
    if let (Some(target), Some(source)) = (into.get_mut(key), other.get_mut(key).map(Value::take))
        && let (Some(target), Value::Object(source)) = (target.as_object_mut(), source)
    {
        for (field, value) in source {
            match (field.as_str(), target.get_mut(&field)) {
                ("content", Some(Value::String(text))) => {
                    if let Value::String(more) = value {
                        text.push_str(&more);
                    }
                }
                ("tool_calls", Some(Value::Array(calls))) => {
                    if let Value::Array(more) = value {
                        calls.extend(more);
                    }
                }
                (_, Some(existing)) if !existing.is_null() => {}
                _ => {
                    target.insert(field, value);
                }
            }
        }
    }
    if let Some(finish) = other_finish {
        let current = into.get("finish_reason").and_then(Value::as_str);
        if (current.is_none() || finish.as_str() == Some("tool_calls"))
            && let Some(obj) = into.as_object_mut()
        {
            obj.insert("finish_reason".into(), finish);
        }
    }
}

/// One merged answer, one ending: Claude's split choices each end with their own
/// `finish_reason` (`stop` for the text choice, then `tool_calls` for the calls), which merged
/// into one choice would end it twice. On a Claude stream, a finish weaker than `tool_calls`
/// is held back: dropped when `tool_calls` follows (that one goes out where it stands), sent in
/// a chunk of its own before the usage-only chunk or `[DONE]` (or the end) otherwise. Other
/// models' streams are left as they are.
#[derive(Debug, Default)]
struct FinishHold {
    /// The finish held back, and the `id` / `model` / `created` of the chunk it came in.
    held: Option<(String, Value, Value, Value)>,
    /// A finish went out: any later one is dropped.
    sent: bool,
}

impl FinishHold {
    fn rank(finish: &str) -> u8 {
        match finish {
            "tool_calls" | "function_call" => 4,
            "length" => 3,
            "content_filter" => 2,
            _ => 1,
        }
    }

    /// The held finish as a chunk line (with its blank line), once.
    fn release(&mut self) -> Option<Vec<u8>> {
        let (finish, id, model, created) = self.held.take()?;
        self.sent = true;
        let chunk = serde_json::json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]});
        let mut out = b"data: ".to_vec();
        serde_json::to_writer(&mut out, &chunk).ok()?;
        out.extend_from_slice(b"\n\n");
        Some(out)
    }

    /// Rewrites one line of a stream whose choices are merged.
    fn line(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let json = line.strip_prefix(b"data:")?.trim_ascii();
        if json == b"[DONE]" {
            let mut out = self.release()?;
            out.extend_from_slice(line);
            return Some(out);
        }
        let Ok(peek) = serde_json::from_slice::<CompletionPeek>(json) else {
            return None;
        };
        if peek.choices.is_empty() && peek.usage.is_some() && self.held.is_some() {
            // The usage-only chunk: the held finish goes before it.
            let mut out = self.release()?;
            out.extend(rewrite_chunk_line(line, true).unwrap_or_else(|| line.to_vec()));
            return Some(out);
        }
        if !peek.choices.iter().any(|c| c.finish().is_some()) {
            return rewrite_chunk_line(line, true);
        }
        let mut value: Value = serde_json::from_slice(json).ok()?;
        let field = |key: &str| value.get(key).cloned().unwrap_or(Value::Null);
        let (id, model, created) = (field("id"), field("model"), field("created"));
        if !model
            .as_str()
            .is_some_and(|m| m.to_ascii_lowercase().contains("claude"))
        {
            return rewrite_chunk_line(line, true);
        }
        let choices = value.get_mut("choices").and_then(Value::as_array_mut)?;
        for choice in choices.iter_mut() {
            let Some(finish) = choice
                .get("finish_reason")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            let strongest = Self::rank(&finish) >= Self::rank("tool_calls");
            if strongest && !self.sent {
                // Goes out where it stands; a weaker one held is dropped.
                self.held = None;
                self.sent = true;
                continue;
            }
            choice["finish_reason"] = Value::Null;
            if !self.sent
                && self
                    .held
                    .as_ref()
                    .is_none_or(|(held, ..)| Self::rank(&finish) > Self::rank(held))
            {
                self.held = Some((finish, id.clone(), model.clone(), created.clone()));
            }
        }
        let mut out = b"data: ".to_vec();
        serde_json::to_writer(&mut out, &value).ok()?;
        rewrite_chunk_line(&out, true).or(Some(out))
    }
}

/// Rewrites one `data: {…}` line of a chat-completions stream; `None` leaves it as it was.
/// A peek decides: most lines only need `object` spliced in; only lines with choices to merge
/// are parsed into a `Value` and re-serialised.
fn rewrite_chunk_line(line: &[u8], merge_choices: bool) -> Option<Vec<u8>> {
    let json = line.strip_prefix(b"data:")?.trim_ascii();
    if !json.starts_with(b"{") {
        return None;
    }
    let peek: CompletionPeek = serde_json::from_slice(json).ok()?;
    if peek.error.is_some() {
        return None;
    }
    if peek.choices.is_empty() && peek.usage.is_none() && peek.model.is_none() {
        // Copilot's content-filter preamble (`prompt_filter_results`, no model, no choices):
        // nothing an OpenAI client reads, and not a chunk OpenAI's schema allows. The line
        // goes; the blank line after it is one more event separator, which readers skip.
        return Some(Vec::new());
    }
    let must_merge =
        merge_choices && (peek.choices.len() > 1 || peek.choices.iter().any(|c| c.index != 0));
    // OpenAI's schema requires `finish_reason` (null until the end) on every chunk's choices;
    // Copilot leaves it out.
    let must_fill = peek.choices.iter().any(|c| c.finish_reason.is_none());
    // One choice: `"finish_reason":null` spliced in as its first member.
    let filled = match must_fill && peek.choices.len() == 1 {
        true => insert_member_after(json, br#""choices":[{"#, "finish_reason", "null"),
        false => None,
    };
    if !must_merge && (!must_fill || filled.is_some()) {
        if peek.object.is_some() && !must_fill {
            return None;
        }
        let json = filled.as_deref().unwrap_or(json);
        let mut out = b"data: ".to_vec();
        match peek.object {
            Some(_) => out.extend_from_slice(json),
            None => out.extend(insert_first_member(
                json,
                "object",
                "\"chat.completion.chunk\"",
            )?),
        }
        return Some(out);
    }
    let mut value: Value = serde_json::from_slice(json).ok()?;
    let obj = value.as_object_mut()?;
    if obj.contains_key("error") {
        return None;
    }
    let mut changed = false;
    if !obj.contains_key("object") {
        obj.insert("object".into(), Value::from("chat.completion.chunk"));
        changed = true;
    }
    if let Some(choices) = obj.get_mut("choices").and_then(Value::as_array_mut) {
        for choice in choices.iter_mut().filter_map(Value::as_object_mut) {
            if !choice.contains_key("finish_reason") {
                choice.insert("finish_reason".into(), Value::Null);
                changed = true;
            }
        }
    }
    if merge_choices && let Some(choices) = obj.get_mut("choices").and_then(Value::as_array_mut) {
        for choice in choices.iter_mut() {
            if choice
                .get("index")
                .and_then(Value::as_u64)
                .is_some_and(|i| i != 0)
            {
                choice["index"] = Value::from(0);
                changed = true;
            }
        }
        if choices.len() > 1 {
            let mut rest: Vec<Value> = choices.drain(1..).collect();
            if let Some(first) = choices.first_mut() {
                for other in &mut rest {
                    merge_choice(first, other, "delta");
                }
            }
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    let mut out = b"data: ".to_vec();
    serde_json::to_writer(&mut out, &value).ok()?;
    Some(out)
}

/// Longest unfinished line held back for rewriting.
const MAX_CARRY: usize = 1 << 20;

/// Splits a byte stream into lines (keeping the `\n`s) and lets `rewrite` replace whole lines;
/// a line split across reads is held back until it is complete.
#[derive(Debug, Default)]
pub(crate) struct LineRewriter {
    pub(crate) carry: Vec<u8>,
}

impl LineRewriter {
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        mut rewrite: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Bytes {
        let mut out = Vec::with_capacity(chunk.len() + 64);
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(pos + 1);
            let line = if self.carry.is_empty() {
                std::borrow::Cow::Borrowed(head)
            } else {
                self.carry.extend_from_slice(head);
                std::borrow::Cow::Owned(std::mem::take(&mut self.carry))
            };
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            match rewrite(body) {
                Some(new) => {
                    out.extend_from_slice(&new);
                    out.push(b'\n');
                }
                None => out.extend_from_slice(&line),
            }
            rest = tail;
        }
        self.carry.extend_from_slice(rest);
        // No newline for this long (e.g. bare `\r` line endings): pass the bytes on unedited
        // rather than holding the answer back.
        if self.carry.len() > MAX_CARRY {
            out.append(&mut self.carry);
        }
        Bytes::from(out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_merged_stream_ends_once_with_the_finish_that_says_most() {
        let stream = [
            r#"data: {"id":"c","model":"claude","created":1,"choices":[{"index":0,"delta":{"content":"Reading."}}]}"#,
            r#"data: {"id":"c","model":"claude","created":1,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            r#"data: {"id":"c","model":"claude","created":1,"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"t","type":"function","function":{"name":"Read","arguments":"{}"}}]}}]}"#,
            r#"data: {"id":"c","model":"claude","created":1,"choices":[{"index":1,"delta":{},"finish_reason":"tool_calls"}]}"#,
            r#"data: {"id":"c","model":"claude","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}"#,
            "data: [DONE]",
        ];
        let mut hold = FinishHold::default();
        let mut out = String::new();
        for line in stream {
            let new = hold
                .line(line.as_bytes())
                .unwrap_or_else(|| line.as_bytes().to_vec());
            out.push_str(&String::from_utf8(new).unwrap());
            out.push_str("\n\n");
        }
        let data: Vec<Value> = out
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|l| *l != "[DONE]")
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let finishes: Vec<(usize, &str)> = data
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c["choices"][0]["finish_reason"].as_str().map(|f| (i, f)))
            .collect();
        assert_eq!(finishes, [(3, "tool_calls")], "{out}");
        assert!(data.iter().all(|c| {
            c["choices"]
                .as_array()
                .unwrap()
                .iter()
                .all(|choice| choice["index"] == 0)
        }));
        assert!(
            data[4]["usage"].is_object(),
            "usage after the finish: {out}"
        );
        assert_eq!(data.len(), 5, "no extra finish chunk: {out}");
        assert!(out.ends_with("data: [DONE]\n\n"));
        // Without a usage chunk, the finish goes right before [DONE].
        let mut hold = FinishHold::default();
        assert!(hold.line(stream[1].as_bytes()).is_some());
        let done = String::from_utf8(hold.line(b"data: [DONE]").unwrap()).unwrap();
        assert!(
            done.contains("\"finish_reason\":\"stop\"") && done.ends_with("data: [DONE]"),
            "{done}"
        );
        assert!(hold.line(b"data: [DONE]").is_none(), "released once");
    }

    #[test]
    fn split_claude_choices_are_merged_for_openai_clients() {
        let mut v = json!({"id": "x", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Reading."}, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "Read", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}
        ]});
        normalise_completion(&mut v, true);
        assert_eq!(v["object"], "chat.completion");
        assert_eq!(v["choices"].as_array().unwrap().len(), 1);
        assert_eq!(v["choices"][0]["message"]["content"], "Reading.");
        assert_eq!(v["choices"][0]["message"]["tool_calls"][0]["id"], "t");
        assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    }

    #[test]
    fn stream_lines_get_object_and_index_zero_even_when_split_across_reads() {
        let input = b"data: {\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\"}]}}]}\n\ndata: [DONE]\n\n";
        let mut rw = LineRewriter::default();
        let mut out = Vec::new();
        for piece in input.chunks(7) {
            out.extend_from_slice(&rw.feed(piece, |l| rewrite_chunk_line(l, true)));
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\"}]},\"finish_reason\":null}],\"object\":\"chat.completion.chunk\"}\n\ndata: [DONE]\n\n"
        );
    }

    #[test]
    fn an_unterminated_last_line_is_kept_and_long_lines_are_not_hoarded() {
        let mut rw = LineRewriter::default();
        let out = rw.feed(b"data: [DONE]", |_| None);
        assert!(out.is_empty());
        assert_eq!(std::mem::take(&mut rw.carry), b"data: [DONE]");
        let big = vec![b'x'; MAX_CARRY + 1];
        assert_eq!(rw.feed(&big, |_| None).len(), MAX_CARRY + 1);
        assert!(rw.carry.is_empty());
    }

    #[test]
    fn lines_that_need_nothing_pass_through_byte_for_byte() {
        let line = b"data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}";
        assert_eq!(rewrite_chunk_line(line, true), None);
        assert_eq!(rewrite_chunk_line(b": keep-alive", true), None);
        assert_eq!(
            rewrite_chunk_line(b"data: {\"error\":{\"message\":\"x\"}}", true),
            None
        );
    }

    #[test]
    fn a_missing_finish_reason_is_spliced_in_and_the_filter_preamble_goes() {
        let line = br#"data: {"choices":[{"index":0,"delta":{"content":"hi"}}],"created":1,"id":"c","model":"gpt-4o"}"#;
        assert_eq!(
            String::from_utf8(rewrite_chunk_line(line, false).unwrap()).unwrap(),
            r#"data: {"object":"chat.completion.chunk","choices":[{"finish_reason":null,"index":0,"delta":{"content":"hi"}}],"created":1,"id":"c","model":"gpt-4o"}"#
        );
        let empty = br#"data: {"choices":[{}],"model":"m"}"#;
        assert_eq!(
            String::from_utf8(rewrite_chunk_line(empty, false).unwrap()).unwrap(),
            r#"data: {"object":"chat.completion.chunk","choices":[{"finish_reason":null}],"model":"m"}"#
        );
        let spaced = br#"data: {"choices": [{"index": 0, "delta": {}}], "model": "m"}"#;
        let out: Value =
            serde_json::from_slice(&rewrite_chunk_line(spaced, false).unwrap()[6..]).unwrap();
        assert_eq!(out["choices"][0]["finish_reason"], Value::Null);
        assert!(
            out["choices"][0]
                .as_object()
                .unwrap()
                .contains_key("finish_reason")
        );
        let preamble = br#"data: {"choices":[],"created":0,"id":"","prompt_filter_results":[]}"#;
        assert_eq!(rewrite_chunk_line(preamble, false), Some(Vec::new()));
        let usage = br#"data: {"choices":[],"usage":{"prompt_tokens":1}}"#;
        assert!(rewrite_chunk_line(usage, false).is_some_and(|l| l.len() > 20));
    }
}
