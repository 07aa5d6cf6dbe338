//! Anthropic-compatible routes: `/v1/messages` and `/v1/messages/count_tokens`.
//!
//! The model name is resolved against the live catalogue (dated and dashed Claude Code ids,
//! `[1m]` suffixes, config aliases). Models Copilot serves natively on `/v1/messages` get the
//! request passed through; all others are translated to `/chat/completions` and back
//! (`crate::translate`), streaming included.

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize as _;
use serde_json::{Map, Value, json};

use super::openai::gate;
use super::relay::{is_event_stream, relay};
use crate::server::AppState;
use crate::server::error::{AnthropicError, ApiError};
use crate::server::extract::{parse_json, read_body};
use crate::server::log::RequestLog;
use crate::server::sse::{events_response, translated_response};
use crate::translate::anthropic::{MessagesRequest, StreamEvent};
use crate::translate::openai::{ChatChunk, ChatResponse};
use crate::translate::request::{TargetModel, anthropic_to_openai};
use crate::translate::response::openai_to_anthropic;
use crate::translate::stream::StreamTranslator;
use crate::upstream::UpstreamError;
use crate::upstream::copilot::{Initiator, RequestOptions};
use crate::upstream::models::{Model, Resolved};

/// `anthropic-version` sent upstream when the client sent none.
const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// Beta flags forwarded to Copilot's native Messages endpoint (by prefix). Others — Claude
/// Code sends many that only Anthropic's own API knows — are dropped rather than risking a 400.
const FORWARDED_BETAS: [&str; 5] = [
    "interleaved-thinking-",
    "context-management-",
    "fine-grained-tool-streaming-",
    "token-efficient-tools-",
    // `output_config.effort` in the body needs its beta flag next to it.
    "effort-",
];

/// `POST /v1/messages`.
pub async fn messages(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AnthropicError> {
    let mut raw: Map<String, Value> = parse_json(&read_body(body).await?)?;
    let requested = match raw.get("model").and_then(Value::as_str) {
        Some(model) if !model.trim().is_empty() => model.trim().to_owned(),
        _ => return Err(ApiError::bad_request("model: field required").into()),
    };
    if !raw.get("messages").is_some_and(Value::is_array) {
        return Err(
            ApiError::bad_request("messages: field required (an array of messages)").into(),
        );
    }
    log.model(&requested, &requested);
    let model = resolve(&state, &requested).await?;
    log.model(&requested, &model.id);
    clamp_output(&mut raw, &model);
    let messages = raw
        .get("messages")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let opts = RequestOptions {
        initiator: Some(anthropic_initiator(messages)),
        vision: messages.iter().any(has_image),
        extra_headers: Vec::new(),
    };
    let tools = raw
        .get("tools")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    gate(
        &state,
        "/v1/messages",
        &model.id,
        messages.len(),
        tools,
        || Value::Object(raw.clone()),
    )
    .await?;
    if model.serves("/v1/messages") {
        native(&state, &log, &headers, raw, &model, opts).await
    } else {
        translated(&state, &log, raw, &requested, &model, opts).await
    }
}

/// Keeps `max_tokens` within the model's output limit (Claude Code asks for 32000 whatever the
/// model) and a thinking budget below `max_tokens`, as Anthropic requires. Whether Copilot
/// would shorten or refuse an oversized request is not verified; asking for what the catalogue
/// says the model can give is safe either way.
fn clamp_output(raw: &mut Map<String, Value>, model: &Model) {
    let Some(limit) = model.capabilities.limits.max_output_tokens else {
        return;
    };
    let max_tokens = match raw.get("max_tokens").and_then(Value::as_u64) {
        Some(n) if n > limit => {
            tracing::debug!(
                "max_tokens {n} lowered to {limit}, the limit of {}",
                model.id
            );
            raw.insert("max_tokens".into(), Value::from(limit));
            limit
        }
        Some(n) => n,
        None => return,
    };
    if let Some(thinking) = raw.get_mut("thinking").and_then(Value::as_object_mut)
        && let Some(budget) = thinking.get("budget_tokens").and_then(Value::as_u64)
        && budget >= max_tokens
    {
        thinking.insert(
            "budget_tokens".into(),
            Value::from(max_tokens.saturating_sub(1).max(1)),
        );
    }
}

/// Resolves a client model name against the catalogue, or answers `not_found_error` with the
/// closest ids.
async fn resolve(state: &AppState, requested: &str) -> Result<Resolved, ApiError> {
    let catalogue = state.copilot.models(false).await?;
    Resolved::find(catalogue, requested, &state.aliases).map_err(|unknown| {
        let hint = if unknown.suggestions.is_empty() {
            String::new()
        } else {
            format!(" Did you mean {}?", unknown.suggestions.join(", "))
        };
        ApiError::NotFound(format!(
            "model: `{requested}` is not available on your Copilot plan.{hint} GET /v1/models lists the models."
        ))
    })
}

/// Agent when the last turn is the assistant's, or a user turn that carries tool results and
/// nothing the person typed. Claude Code attaches `<system-reminder>` text blocks (hook output,
/// file-change notices) to tool results; those are not a prompt, so they do not make the turn
/// a premium "user" request. A tool result next to real text (the user interrupting a tool) is
/// a user turn. A `system` message inside `messages` is skipped: it is neither.
pub fn anthropic_initiator(messages: &[Value]) -> Initiator {
    let Some(last) = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) != Some("system"))
    else {
        return Initiator::User;
    };
    if last.get("role").and_then(Value::as_str) == Some("assistant") {
        return Initiator::Agent;
    }
    let Some(blocks) = last.get("content").and_then(Value::as_array) else {
        return Initiator::User;
    };
    let typed_by_a_person = blocks
        .iter()
        .any(|b| match b.get("type").and_then(Value::as_str) {
            Some("text") => {
                let text = b
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim_start();
                !text.is_empty() && !text.starts_with("<system-reminder>")
            }
            Some("tool_result") => false,
            _ => true,
        });
    let has_results = blocks
        .iter()
        .any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"));
    if has_results && !typed_by_a_person {
        Initiator::Agent
    } else {
        Initiator::User
    }
}

/// Whether a message carries an image, including inside tool results.
fn has_image(message: &Value) -> bool {
    fn blocks_have_image(blocks: &[Value]) -> bool {
        blocks
            .iter()
            .any(|b| match b.get("type").and_then(Value::as_str) {
                Some("image") => true,
                Some("tool_result") => b
                    .get("content")
                    .and_then(Value::as_array)
                    .is_some_and(|c| blocks_have_image(c)),
                _ => false,
            })
    }
    message
        .get("content")
        .and_then(Value::as_array)
        .is_some_and(|b| blocks_have_image(b))
}

/// Forwards to Copilot's own `/v1/messages`.
async fn native(
    state: &AppState,
    log: &RequestLog,
    headers: &HeaderMap,
    mut raw: Map<String, Value>,
    model: &Model,
    mut opts: RequestOptions,
) -> Result<Response, AnthropicError> {
    raw.insert("model".into(), Value::String(model.id.clone()));
    let version = headers
        .get("anthropic-version")
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ANTHROPIC_VERSION));
    opts.extra_headers
        .push((HeaderName::from_static("anthropic-version"), version));
    let betas: Vec<&str> = headers
        .get_all("anthropic-beta")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|b| FORWARDED_BETAS.iter().any(|prefix| b.starts_with(prefix)))
        .collect();
    if !betas.is_empty()
        && let Ok(value) = HeaderValue::from_str(&betas.join(","))
    {
        opts.extra_headers
            .push((HeaderName::from_static("anthropic-beta"), value));
    }
    let body =
        Bytes::from(serde_json::to_vec(&raw).map_err(|e| ApiError::Internal(e.to_string()))?);
    let upstream = state
        .copilot
        .send(Method::POST, "/v1/messages", Some(body), &opts)
        .await?;
    Ok(relay(upstream, log).await?)
}

/// What the translator needs to know about the target model.
fn target(model: &Model) -> TargetModel {
    let supports = &model.capabilities.supports;
    TargetModel {
        id: model.id.clone(),
        supports_thinking_budget: supports.contains_key("max_thinking_budget"),
        supports_reasoning_effort: supports.contains_key("reasoning_effort"),
        max_output_tokens: model.capabilities.limits.max_output_tokens,
    }
}

/// Translates to `/chat/completions` and back.
async fn translated(
    state: &AppState,
    log: &RequestLog,
    raw: Map<String, Value>,
    requested: &str,
    model: &Model,
    opts: RequestOptions,
) -> Result<Response, AnthropicError> {
    let raw = Value::Object(raw);
    let request = MessagesRequest::deserialize(&raw).map_err(|err| {
        ApiError::bad_request(format!("the request body has an invalid field: {err}"))
    })?;
    let chat = anthropic_to_openai(&request, &target(model))
        .map_err(|err| ApiError::bad_request(err.to_string()))?;
    let stream = chat.stream == Some(true);
    let body =
        Bytes::from(serde_json::to_vec(&chat).map_err(|e| ApiError::Internal(e.to_string()))?);
    tracing::debug!(body = %String::from_utf8_lossy(&body), "translated chat request");
    let upstream = state
        .copilot
        .send(Method::POST, "/chat/completions", Some(body), &opts)
        .await?;
    if stream && is_event_stream(upstream.headers()) {
        // Real usage arrives with the stream (Copilot sends it on the last chunk) and goes into
        // message_delta; counting the prompt here would cost more CPU than the proxying itself.
        return Ok(translated_response(
            upstream.bytes_stream(),
            requested.to_owned(),
            state.settings.ping_interval,
            log.clone(),
        ));
    }
    let bytes = upstream
        .bytes()
        .await
        .map_err(|e| UpstreamError::from_reqwest(&e))?;
    let response = if stream {
        // Asked to stream but Copilot answered with JSON: translate the whole answer into the
        // event sequence so the client still gets the stream it asked for.
        let chat: ChatResponse = serde_json::from_slice(&bytes).map_err(|err| {
            ApiError::BadUpstreamResponse(format!("Copilot sent an unreadable response: {err}"))
        })?;
        return Ok(events_response(&json_as_events(&chat, requested)?));
    } else {
        let chat: ChatResponse = serde_json::from_slice(&bytes).map_err(|err| {
            ApiError::BadUpstreamResponse(format!("Copilot sent an unreadable response: {err}"))
        })?;
        openai_to_anthropic(&chat, requested)
            .map_err(|err| ApiError::BadUpstreamResponse(err.to_string()))?
    };
    log.usage(
        Some(response.usage.input_tokens),
        Some(response.usage.output_tokens),
    );
    Ok(axum::Json(response).into_response())
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

/// `POST /v1/messages/count_tokens`: `{"input_tokens": n}` from the shared counter, the same
/// number `copilot-api count-tokens --format anthropic` prints.
pub async fn count_tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AnthropicError> {
    let raw: Value = parse_json(&read_body(body).await?)?;
    let requested = raw
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let resolved = match state.copilot.models(false).await {
        Ok(catalogue) => Resolved::find(catalogue, &requested, &state.aliases).ok(),
        Err(_) => None,
    };
    let (model, tokenizer) = match resolved {
        Some(m) => (m.id.clone(), m.capabilities.tokenizer.clone()),
        // Not in the catalogue (or no catalogue): the normalised name still picks the encoding.
        None => (
            crate::translate::model::resolve_model(&requested, &[], &state.aliases)
                .unwrap_or(requested),
            None,
        ),
    };
    let beta = headers
        .get("anthropic-beta")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Counting a long conversation takes milliseconds: off the thread that relays streams.
    let count = tokio::task::spawn_blocking(move || {
        crate::tokens::requests::count_anthropic_request(
            &raw,
            &model,
            tokenizer.as_deref(),
            beta.as_deref(),
        )
    })
    .await
    .map_err(|err| ApiError::Internal(format!("token counting failed: {err}")))?
    .map_err(|err| ApiError::bad_request(err.to_string()))?;
    Ok(axum::Json(json!({"input_tokens": count.total})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiator_rules() {
        let user = json!({"role": "user", "content": "hi"});
        let assistant = json!({"role": "assistant", "content": "ok"});
        let results = json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]});
        let mixed = json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}, {"type": "text", "text": "go"}]});
        let system = json!({"role": "system", "content": "be brief"});
        assert_eq!(
            anthropic_initiator(std::slice::from_ref(&user)),
            Initiator::User
        );
        assert_eq!(
            anthropic_initiator(&[user.clone(), assistant.clone()]),
            Initiator::Agent
        );
        assert_eq!(
            anthropic_initiator(&[user.clone(), assistant.clone(), results]),
            Initiator::Agent
        );
        assert_eq!(
            anthropic_initiator(&[user.clone(), assistant.clone(), mixed]),
            Initiator::User
        );
        assert_eq!(
            anthropic_initiator(&[user.clone(), system]),
            Initiator::User
        );
        let model: Model = serde_json::from_value(
            json!({"id": "m", "capabilities": {"limits": {"max_output_tokens": 8192}}}),
        )
        .unwrap();
        let mut raw: Map<String, Value> = serde_json::from_value(
            json!({"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 31999}}),
        )
        .unwrap();
        clamp_output(&mut raw, &model);
        assert_eq!(
            Value::Object(raw),
            json!({"max_tokens": 8192, "thinking": {"type": "enabled", "budget_tokens": 8191}})
        );
        let image = json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
            "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]}]});
        assert!(has_image(&image));
        assert!(!has_image(&user));
    }
}
