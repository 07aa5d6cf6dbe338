//! Anthropic-compatible routes: `/v1/messages` and `/v1/messages/count_tokens`.
//!
//! The model name is resolved against the live catalogue (dated and dashed Claude Code ids,
//! `[1m]` suffixes, config aliases). Models Copilot serves natively on `/v1/messages` get the
//! request passed through; all others are translated to `/chat/completions` and back
//! (`crate::translate`), streaming included.

use std::borrow::Cow;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::openai::gate;
use super::relay::{is_event_stream, relay};
use crate::providers::UpstreamError;
use crate::providers::copilot::RequestOptions;
use crate::providers::copilot::models::{Model, Resolved};
use crate::server::AppState;
use crate::server::error::{AnthropicError, ApiError};
use crate::server::extract::{parse_json, read_body};
use crate::server::log::RequestLog;
use crate::server::peek::IsArray;
use crate::server::sse::{events_response, translated_response};
use crate::translate::anthropic::{MessagesRequest, StreamEvent};
use crate::translate::openai::{ChatChunk, ChatResponse};
use crate::translate::request::{TargetModel, anthropic_to_openai};
use crate::translate::response::openai_to_anthropic;
use crate::translate::stream::StreamTranslator;

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
///
/// The body is read once into the typed request, which decides everything (model, headers,
/// approval) and is what gets translated; only models served natively also need the body as
/// a JSON map, to forward every field as the client sent it.
pub(crate) async fn messages(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AnthropicError> {
    let bytes = read_body(body).await?;
    let head: MessagesHead<'_> = parse_json(&bytes)?;
    let requested = match head.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_owned(),
        _ => return Err(ApiError::bad_request("model: field required").into()),
    };
    if !head.messages.is_some_and(|array| array.0) {
        return Err(
            ApiError::bad_request("messages: field required (an array of messages)").into(),
        );
    }
    log.model(&requested, &requested);
    let model = resolve(&state, &requested).await?;
    log.model(&requested, &model.id);
    let mut request: MessagesRequest = parse_json(&bytes)?;
    clamp_output(&mut request, &model);
    let opts = RequestOptions {
        initiator: Some(request.initiator()),
        vision: request.has_images(),
        extra_headers: Vec::new(),
    };
    let tools = request.tools.as_ref().map_or(0, Vec::len);
    gate(
        &state,
        "/v1/messages",
        &model.id,
        request.messages.len(),
        tools,
        || serde_json::from_slice(&bytes).unwrap_or_default(),
    )
    .await?;
    if model.serves("/v1/messages") {
        native(&state, &log, &headers, &bytes, &request, &model, opts).await
    } else {
        translated(&state, &log, request, &requested, &model, opts).await
    }
}

/// What `/v1/messages` checks before anything else, without building the request.
#[derive(serde::Deserialize)]
struct MessagesHead<'a> {
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::server::peek::borrowed_str"
    )]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    messages: Option<IsArray>,
}

/// Keeps `max_tokens` within the model's output limit (Claude Code asks for 32000 whatever the
/// model) and a thinking budget below `max_tokens`, as Anthropic requires. Whether Copilot
/// would shorten or refuse an oversized request is not verified; asking for what the catalogue
/// says the model can give is safe either way.
fn clamp_output(request: &mut MessagesRequest, model: &Model) {
    let Some(limit) = model.capabilities.limits.max_output_tokens else {
        return;
    };
    let Some(max_tokens) = request.max_tokens.as_mut() else {
        return;
    };
    if *max_tokens > limit {
        tracing::debug!(
            "max_tokens {max_tokens} lowered to {limit}, the limit of {}",
            model.id
        );
        *max_tokens = limit;
    }
    let max_tokens = *max_tokens;
    if let Some(budget) = request
        .thinking
        .as_mut()
        .and_then(|thinking| thinking.budget_tokens.as_mut())
        && *budget >= max_tokens
    {
        *budget = max_tokens.saturating_sub(1).max(1);
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

/// Forwards to Copilot's own `/v1/messages`.
async fn native(
    state: &AppState,
    log: &RequestLog,
    headers: &HeaderMap,
    bytes: &[u8],
    request: &MessagesRequest,
    model: &Model,
    mut opts: RequestOptions,
) -> Result<Response, AnthropicError> {
    let mut raw: Map<String, Value> = parse_json(bytes)?;
    raw.insert("model".into(), Value::String(model.id.clone()));
    // The output limits as `clamp_output` left them.
    if let Some(max_tokens) = request.max_tokens {
        raw.insert("max_tokens".into(), Value::from(max_tokens));
    }
    if let Some(budget) = request.thinking.as_ref().and_then(|t| t.budget_tokens)
        && let Some(thinking) = raw.get_mut("thinking").and_then(Value::as_object_mut)
    {
        thinking.insert("budget_tokens".into(), Value::from(budget));
    }
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
    request: MessagesRequest,
    requested: &str,
    model: &Model,
    opts: RequestOptions,
) -> Result<Response, AnthropicError> {
    let chat = anthropic_to_openai(request, &target(model))
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
pub(crate) async fn count_tokens(
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
    use crate::providers::copilot::Initiator;

    fn request(messages: Value) -> MessagesRequest {
        serde_json::from_value(json!({"model": "m", "messages": messages})).unwrap()
    }

    #[test]
    fn initiator_rules() {
        let user = json!({"role": "user", "content": "hi"});
        let assistant = json!({"role": "assistant", "content": "ok"});
        let results = json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]});
        let reminder = json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"},
            {"type": "text", "text": "<system-reminder>file changed</system-reminder>"}]});
        let mixed = json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}, {"type": "text", "text": "go"}]});
        let unreadable =
            json!({"role": "user", "content": [{"type": "tool_result", "content": 5}]});
        let system = json!({"role": "system", "content": "be brief"});
        let initiator = |messages: Value| request(messages).initiator();
        assert_eq!(initiator(json!([user])), Initiator::User);
        assert_eq!(initiator(json!([user, assistant])), Initiator::Agent);
        assert_eq!(
            initiator(json!([user, assistant, results])),
            Initiator::Agent
        );
        assert_eq!(
            initiator(json!([user, assistant, reminder])),
            Initiator::Agent
        );
        assert_eq!(
            initiator(json!([user, assistant, unreadable])),
            Initiator::Agent
        );
        assert_eq!(initiator(json!([user, assistant, mixed])), Initiator::User);
        assert_eq!(
            initiator(json!([user, assistant, system])),
            Initiator::Agent
        );
        assert_eq!(initiator(json!([user, system])), Initiator::User);
        assert_eq!(initiator(json!([])), Initiator::User);
    }

    #[test]
    fn output_limits_are_clamped_and_images_found() {
        let model: Model = serde_json::from_value(
            json!({"id": "m", "capabilities": {"limits": {"max_output_tokens": 8192}}}),
        )
        .unwrap();
        let mut req: MessagesRequest = serde_json::from_value(json!({"model": "m", "messages": [],
            "max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 31999}}))
        .unwrap();
        clamp_output(&mut req, &model);
        assert_eq!(req.max_tokens, Some(8192));
        assert_eq!(req.thinking.and_then(|t| t.budget_tokens), Some(8191));
        let image = json!([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
            "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]}]}]);
        assert!(request(image).has_images());
        assert!(!request(json!([{"role": "user", "content": "hi"}])).has_images());
    }

    #[test]
    fn the_head_reads_only_model_and_the_shape_of_messages() {
        let head: MessagesHead<'_> =
            serde_json::from_slice(br#"{"messages": "no", "model": "claude-x", "tools": [1]}"#)
                .unwrap();
        assert_eq!(head.model.as_deref(), Some("claude-x"));
        assert!(matches!(head.model, Some(Cow::Borrowed(_))));
        assert!(!head.messages.is_some_and(|a| a.0));
        let head: MessagesHead<'_> =
            serde_json::from_slice(br#"{"messages": [{"role": "user", "content": []}]}"#).unwrap();
        assert!(head.model.is_none() && head.messages.is_some_and(|a| a.0));
    }
}
