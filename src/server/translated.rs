//! Translated answers rendered for the client: every upstream answer is first read as chat
//! (the pivot: as it is from a chat upstream, through `translate::via_responses` or
//! `translate::via_messages` from the others), then rendered as a Messages, Responses or chat
//! answer — a whole answer at once, a stream event by event (`super::sse`), and a whole
//! answer replayed as events when the client asked for a stream but the upstream sent JSON.

use std::time::Duration;

use axum::response::{IntoResponse as _, Response};
use serde_json::{Value, json};

use super::dispatch::{Answer, AnswerBody};
use super::error::ApiError;
use super::log::RequestLog;
use super::sse::{ChatEncoding, events_response, translated_response};
use crate::translate::anthropic::StreamEvent;
use crate::translate::openai::{ChatChunk, ChatResponse};
use crate::translate::response::openai_to_anthropic;
use crate::translate::stream::StreamTranslator;
use crate::translate::{Source, UpstreamKind, answer_as_chat};

/// Renders a chat-completions answer as an Anthropic one; `requested` is the model name the
/// client used (answers echo it).
pub(crate) fn render(
    input_tokens: Option<u64>,
    answer: Answer,
    kind: UpstreamKind,
    requested: &str,
    ping_every: Duration,
    log: &RequestLog,
    stream: bool,
) -> Result<Response, ApiError> {
    let bytes = match answer.body {
        AnswerBody::Stream(body) => {
            // Real usage arrives with the stream (on the last chunk) and goes into
            // message_delta.
            return Ok(translated_response(
                body,
                Source::for_upstream(kind, requested),
                requested.to_owned(),
                input_tokens.unwrap_or(0),
                ping_every,
                log.clone(),
            ));
        }
        AnswerBody::Full(bytes) => bytes,
    };
    let chat = read_answer(kind, &bytes, requested)?;
    if stream {
        // Asked to stream but the upstream answered with JSON: the whole answer as the event
        // sequence, so the client still gets the stream it asked for.
        return Ok(events_response(&json_as_events(&chat, requested)?));
    }
    let response = openai_to_anthropic(&chat, requested)
        .map_err(|err| ApiError::BadUpstreamResponse(err.to_string()))?;
    // The upstream's own usage, with its cache and reasoning details.
    match &chat.usage {
        Some(usage) => log.chat_usage(Some(usage)),
        None => log.usage(
            Some(response.usage.input_tokens),
            Some(response.usage.output_tokens),
        ),
    }
    json_answer(&response, bytes.len() + 256)
}

/// Replays a complete (non-streamed) answer as an event sequence.
fn json_as_events(chat: &ChatResponse, requested: &str) -> Result<Vec<StreamEvent>, ApiError> {
    let chunk: ChatChunk = serde_json::from_value(chunk_from_response(chat)?).map_err(|err| {
        ApiError::Internal(format!("cannot replay the response as a stream: {err}"))
    })?;
    let mut translator = StreamTranslator::new(requested.to_owned(), 0);
    let mut events = translator.push(&chunk);
    events.extend(translator.finish());
    Ok(events)
}

/// Turns a chat completion into one equivalent streaming chunk (message → delta).
fn chunk_from_response(chat: &ChatResponse) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(chat).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(choices) = value.get_mut("choices").and_then(Value::as_array_mut) {
        for choice in choices {
            if let Some(obj) = choice.as_object_mut()
                && let Some(mut message) = obj.remove("message")
            {
                if let Some(calls) = message.get_mut("tool_calls").and_then(Value::as_array_mut) {
                    for (i, call) in calls.iter_mut().enumerate() {
                        if let Some(call) = call.as_object_mut() {
                            call.entry("index").or_insert(json!(i));
                        }
                    }
                }
                obj.insert("delta".into(), message);
            }
        }
    }
    Ok(value)
}

/// Renders a chat-completions answer for a Responses client: a whole answer as one Responses
/// object, a stream as Responses events (`super::sse`'s framing, `event:` and `data:`).
pub(crate) fn render_responses(
    answer: Answer,
    kind: UpstreamKind,
    model: &str,
    ctx: crate::translate::responses::Context,
    keep: Option<Keep>,
    log: &RequestLog,
    ping_every: Duration,
) -> Result<Response, ApiError> {
    use crate::translate::responses::{StreamTranslator, to_response};
    let bytes = match answer.body {
        AnswerBody::Stream(body) => {
            let translator = StreamTranslator::new(model.to_owned(), ctx);
            return Ok(super::sse::responses_response(
                body,
                Source::for_upstream(kind, model),
                translator,
                keep,
                log.clone(),
                ping_every,
            ));
        }
        AnswerBody::Full(bytes) => bytes,
    };
    let chat = read_answer(kind, &bytes, model)?;
    log.chat_usage(chat.usage.as_ref());
    let response =
        to_response(&chat, model, ctx).map_err(|err| ApiError::Internal(err.to_string()))?;
    if let Some(keep) = keep {
        keep(response.id().to_owned(), response.output_json());
    }
    // The answer is about the upstream's answer plus the echoed request fields.
    json_answer(&response, bytes.len() + 1024)
}

/// `value` as a JSON answer, written once into a buffer of about `size` bytes
/// (`super::extract::write_json`).
pub(crate) fn json_answer(
    value: &impl serde::Serialize,
    size: usize,
) -> Result<Response, ApiError> {
    let body = super::extract::write_json(value, size)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// Keeps an answered Responses turn for `previous_response_id`: its id and its output items
/// (a JSON array).
pub(crate) type Keep = Box<dyn FnOnce(String, &str) + Send>;

/// Hands a finished streamed Responses object's id and output to `keep`.
pub(crate) fn keep_turn(keep: Keep, response: &Value) {
    if let Some(id) = response.get("id").and_then(Value::as_str) {
        let output = match response.get("output") {
            Some(output @ Value::Array(_)) => super::extract::json_text(output),
            _ => "[]".to_owned(),
        };
        keep(id.to_owned(), &output);
    }
}

/// A whole upstream answer read as chat.
fn read_answer(kind: UpstreamKind, bytes: &[u8], model: &str) -> Result<ChatResponse, ApiError> {
    answer_as_chat(kind, bytes, model).map_err(|err| {
        ApiError::BadUpstreamResponse(match err {
            crate::translate::TranslateError::InvalidRequest(message) => message,
            other => other.to_string(),
        })
    })
}

/// Renders a Responses or Messages upstream's answer for a chat client: a whole answer as a
/// chat completion with every field OpenAI's schema requires (`object`, `logprobs`,
/// `refusal`), a stream as chat chunks (`super::sse::chat_response`), and a whole answer
/// replayed as one chunk and `[DONE]` when the client asked for a stream.
pub(crate) fn render_chat(
    answer: Answer,
    kind: UpstreamKind,
    model: &str,
    stream: bool,
    encoding: ChatEncoding,
    log: &RequestLog,
    ping_every: Duration,
) -> Result<Response, ApiError> {
    let bytes = match answer.body {
        AnswerBody::Stream(body) => {
            return Ok(super::sse::chat_response(
                body,
                Source::for_upstream(kind, model),
                encoding,
                log.clone(),
                ping_every,
            ));
        }
        AnswerBody::Full(bytes) => bytes,
    };
    let chat = read_answer(kind, &bytes, model)?;
    log.chat_usage(chat.usage.as_ref());
    if stream {
        let chunk: ChatChunk = serde_json::from_value(chunk_from_response(&chat)?)
            .map_err(|err| ApiError::Internal(format!("cannot replay the answer: {err}")))?;
        let mut encoding = encoding;
        let body = match encoding.encode(chunk, now()) {
            Some(data) => format!("data: {data}\n\ndata: [DONE]\n\n"),
            None => "data: [DONE]\n\n".to_owned(),
        };
        return Response::builder()
            .header(axum::http::header::CONTENT_TYPE, "text/event-stream")
            .header(axum::http::header::CACHE_CONTROL, "no-cache")
            .body(axum::body::Body::from(body))
            .map_err(|err| ApiError::Internal(err.to_string()));
    }
    // Written straight from the typed answer, about as long as the upstream's.
    let size = bytes.len() + 256;
    if let ChatEncoding::Legacy(legacy) = &encoding {
        return json_answer(
            &crate::translate::completions::answer(&chat, legacy, now()),
            size,
        );
    }
    json_answer(&chat.as_completion(now()), size)
}

/// Seconds since the epoch, for answers whose upstream gave no `created`.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
#[path = "translated_tests.rs"]
mod tests;
