//! OpenAI-compatible routes: `/v1/chat/completions`, `/v1/responses`, `/v1/embeddings` and
//! `/v1/models` (which answers in the Anthropic list shape to clients sending
//! `anthropic-version`).
//!
//! Chat, responses and embeddings are passthrough: the client's JSON is forwarded with every
//! field it sent; only a missing output limit is filled in (and `max_tokens` renamed for models
//! that accept only `max_completion_tokens`).

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::relay::{relay, relay_chat};
use crate::providers::copilot::models::{Model, Resolved};
use crate::providers::copilot::{Initiator, RequestOptions};
use crate::server::AppState;
use crate::server::approval::ApprovalRequest;
use crate::server::error::{ApiError, OpenAiError, Surface};
use crate::server::extract::{parse_json, read_body};
use crate::server::log::RequestLog;
use crate::server::peek::{ChatPeek, Sent, insert_first_member};

/// `POST /v1/chat/completions`. The client's bytes go upstream unchanged unless an output
/// limit has to be added (spliced in) or renamed (re-serialised).
pub(crate) async fn chat_completions(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    body: Body,
) -> Result<Response, OpenAiError> {
    let bytes = read_body(body).await?;
    let peek: ChatPeek<'_> = parse_json(&bytes)?;
    let model_id = match peek.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_owned(),
        _ => return Err(missing_model().into()),
    };
    log.model(&model_id, &model_id);
    let Some(messages) = &peek.messages else {
        return Err(ApiError::bad_request("`messages` must be an array of messages").into());
    };
    let opts = RequestOptions {
        initiator: Some(initiator_from_roles(
            messages.iter().map(|m| m.role.as_deref().unwrap_or("")),
        )),
        vision: messages.iter().any(|m| m.content.0),
        extra_headers: Vec::new(),
    };
    let merge_choices = peek.n.is_none_or(|n| n <= 1);
    let tools = peek.tools.as_ref().map_or(0, Vec::len);
    let body = match state.copilot.output_limit(&model_id).await {
        Some(limit) => with_output_limit(&bytes, &peek, &model_id, limit)?,
        None => bytes.clone(),
    };
    let message_count = messages.len();
    gate(
        &state,
        "/v1/chat/completions",
        &model_id,
        message_count,
        tools,
        || serde_json::from_slice(&body).unwrap_or_default(),
    )
    .await?;
    tracing::debug!(body = %String::from_utf8_lossy(&body), "chat completions request");
    let upstream = state
        .copilot
        .send(Method::POST, "/chat/completions", Some(body), &opts)
        .await?;
    Ok(relay_chat(upstream, &log, merge_choices).await?)
}

/// `POST /v1/responses`: only for models Copilot serves on `/responses`.
pub(crate) async fn responses(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    body: Body,
) -> Result<Response, OpenAiError> {
    let bytes = read_body(body).await?;
    let payload: Map<String, Value> = parse_json(&bytes)?;
    let model_id = required_model(&payload)?;
    log.model(&model_id, &model_id);
    let catalogue = state.copilot.models(false).await?;
    let Some(model) = catalogue.iter().find(|m| m.id == model_id) else {
        return Err(ApiError::NotFound(format!(
            "the model `{model_id}` does not exist or is not enabled for your Copilot plan (GET /v1/models lists them)"
        ))
        .into());
    };
    if !model.supported_endpoints.is_empty() && !model.serves("/responses") {
        return Err(ApiError::BadRequest {
            message: format!(
                "the model `{model_id}` does not support the Responses API; use /v1/chat/completions, or pick a model whose supported endpoints include /responses"
            ),
            code: Some("unsupported_api_for_model"),
        }
        .into());
    }
    let input = payload.get("input");
    let opts = RequestOptions {
        initiator: Some(responses_initiator(input)),
        vision: input.and_then(Value::as_array).is_some_and(|items| {
            items
                .iter()
                .any(|item| content_has(item.get("content"), "input_image"))
        }),
        extra_headers: Vec::new(),
    };
    let items = input.and_then(Value::as_array).map_or(1, Vec::len);
    let tools = payload
        .get("tools")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    gate(&state, "/v1/responses", &model_id, items, tools, || {
        Value::Object(payload.clone())
    })
    .await?;
    let upstream = state
        .copilot
        .send(Method::POST, "/responses", Some(bytes), &opts)
        .await?;
    Ok(relay(upstream, &log).await?)
}

/// `POST /v1/embeddings`.
pub(crate) async fn embeddings(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    body: Body,
) -> Result<Response, OpenAiError> {
    let bytes = read_body(body).await?;
    let payload: Map<String, Value> = parse_json(&bytes)?;
    let model_id = required_model(&payload)?;
    log.model(&model_id, &model_id);
    if !payload.contains_key("input") {
        return Err(ApiError::bad_request("`input` is required").into());
    }
    let upstream = state
        .copilot
        .send(
            Method::POST,
            "/embeddings",
            Some(bytes),
            &RequestOptions::default(),
        )
        .await?;
    Ok(relay(upstream, &log).await?)
}

/// `created_at` for models: Copilot does not say when a model was released.
const EPOCH: &str = "1970-01-01T00:00:00Z";

/// A model in the OpenAI shape (plus the limits clients use to size requests).
fn openai_model(m: &Model) -> Value {
    json!({
        "id": m.id,
        "object": "model",
        "type": "model",
        "created": 0,
        "created_at": EPOCH,
        "owned_by": m.vendor.as_deref().unwrap_or("github-copilot"),
        "display_name": m.display_name(),
        "context_window": m.capabilities.limits.max_context_window_tokens,
        "max_output_tokens": m.capabilities.limits.max_output_tokens,
        "supported_endpoints": m.supported_endpoints,
    })
}

/// A model in the Anthropic shape, with its input and output limits.
fn anthropic_model(m: &Model) -> Value {
    let limits = &m.capabilities.limits;
    json!({
        "id": m.id,
        "type": "model",
        "display_name": m.display_name(),
        "created_at": EPOCH,
        "max_input_tokens": limits.max_prompt_tokens.or(limits.max_context_window_tokens),
        "max_tokens": limits.max_output_tokens,
    })
}

/// `GET /v1/models`: OpenAI list shape, or Anthropic's when `anthropic-version` is sent
/// (chat models only: an embeddings model cannot answer `/v1/messages`).
pub(crate) async fn models(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let surface = surface(&headers);
    let catalogue = match state.copilot.models(false).await {
        Ok(list) => list,
        Err(err) => return ApiError::from(err).into_response_for(surface),
    };
    let body = match surface {
        Surface::Anthropic => {
            let chat: Vec<&Model> = catalogue.iter().filter(|m| !m.is_embeddings()).collect();
            json!({
                "data": chat.iter().map(|m| anthropic_model(m)).collect::<Vec<_>>(),
                "has_more": false,
                "first_id": chat.first().map(|m| m.id.as_str()),
                "last_id": chat.last().map(|m| m.id.as_str()),
            })
        }
        Surface::OpenAi => json!({
            "object": "list",
            "data": catalogue.iter().map(openai_model).collect::<Vec<_>>(),
            "has_more": false,
        }),
    };
    axum::Json(body).into_response()
}

/// `GET /v1/models/{id}`: one model, in the shape the client speaks.
pub(crate) async fn model(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let surface = surface(&headers);
    let catalogue = match state.copilot.models(false).await {
        Ok(list) => list,
        Err(err) => return ApiError::from(err).into_response_for(surface),
    };
    // Dated and dashed Claude ids resolve as they do on /v1/messages.
    match Resolved::find(catalogue, &id, &state.aliases) {
        Ok(m) if surface == Surface::Anthropic => axum::Json(anthropic_model(&m)).into_response(),
        Ok(m) => axum::Json(openai_model(&m)).into_response(),
        Err(_) => ApiError::NotFound(format!(
            "the model `{id}` does not exist or is not enabled for your Copilot plan"
        ))
        .into_response_for(surface),
    }
}

/// Anthropic clients send `anthropic-version`; everyone else gets the OpenAI shape.
fn surface(headers: &HeaderMap) -> Surface {
    if headers.contains_key("anthropic-version") {
        Surface::Anthropic
    } else {
        Surface::OpenAi
    }
}

/// The `model` field, required.
fn required_model(payload: &Map<String, Value>) -> Result<String, ApiError> {
    match payload.get("model").and_then(Value::as_str).map(str::trim) {
        Some(model) if !model.is_empty() => Ok(model.to_owned()),
        _ => Err(missing_model()),
    }
}

fn missing_model() -> ApiError {
    ApiError::BadRequest {
        message: "`model` is required".into(),
        code: Some("missing_model"),
    }
}

/// Rate limit, then (with `--manual`) the operator's approval. `payload` is only built when a
/// prompt needs the token estimate.
pub(crate) async fn gate(
    state: &AppState,
    route: &str,
    model: &str,
    messages: usize,
    tools: usize,
    payload: impl FnOnce() -> Value,
) -> Result<(), ApiError> {
    state.limiter.acquire().await?;
    if let Some(approver) = &state.approver {
        let input_tokens = crate::tokens::requests::estimate(&payload(), model);
        approver
            .approve(ApprovalRequest {
                route: route.to_owned(),
                model: model.to_owned(),
                messages,
                tools,
                input_tokens: Some(input_tokens),
            })
            .await?;
    }
    Ok(())
}

/// Agent when the last non-system message is an assistant or tool message; only real user
/// prompts spend premium requests.
pub(crate) fn initiator_from_roles<'a>(
    roles: impl DoubleEndedIterator<Item = &'a str>,
) -> Initiator {
    match roles
        .rev()
        .find(|role| !matches!(*role, "system" | "developer"))
    {
        Some("assistant" | "tool" | "function") => Initiator::Agent,
        _ => Initiator::User,
    }
}

/// The same rule for Responses `input`: the last item decides.
fn responses_initiator(input: Option<&Value>) -> Initiator {
    let Some(items) = input.and_then(Value::as_array) else {
        return Initiator::User;
    };
    let last = items.iter().rev().find(|item| {
        !matches!(
            item.get("role").and_then(Value::as_str),
            Some("system" | "developer")
        )
    });
    match last {
        Some(item) => {
            let role = item.get("role").and_then(Value::as_str);
            let kind = item.get("type").and_then(Value::as_str);
            if role == Some("assistant")
                || matches!(
                    kind,
                    Some(
                        "function_call_output"
                            | "function_call"
                            | "reasoning"
                            | "custom_tool_call_output"
                    )
                )
            {
                Initiator::Agent
            } else {
                Initiator::User
            }
        }
        None => Initiator::User,
    }
}

/// Whether a content value is an array holding a part of type `part_type`.
fn content_has(content: Option<&Value>, part_type: &str) -> bool {
    content.and_then(Value::as_array).is_some_and(|parts| {
        parts
            .iter()
            .any(|p| p.get("type").and_then(Value::as_str) == Some(part_type))
    })
}

/// Models that reject `max_tokens` and take `max_completion_tokens` instead (GPT-5 and the
/// o-series reasoning models).
fn takes_max_completion_tokens(model_id: &str) -> bool {
    let id = model_id.to_ascii_lowercase();
    id.starts_with("gpt-5")
        || (id.starts_with('o') && id.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
}

/// The body to send for a catalogue model: a missing output limit is spliced in as the first
/// member; `max_tokens` is renamed (a re-serialise) for models that only take
/// `max_completion_tokens`; otherwise the client's bytes, untouched.
fn with_output_limit(
    bytes: &Bytes,
    peek: &ChatPeek<'_>,
    model_id: &str,
    limit: Option<u64>,
) -> Result<Bytes, ApiError> {
    let completion_style = takes_max_completion_tokens(model_id);
    let given = |key: Option<Sent>| key == Some(Sent::Value);
    // A key sent as `null` must be replaced, not spliced in a second time.
    let null = |key: Option<Sent>| key == Some(Sent::Null);
    if (completion_style && given(peek.max_tokens))
        || null(peek.max_tokens)
        || null(peek.max_completion_tokens)
    {
        let mut payload: Map<String, Value> = parse_json(bytes)?;
        fill_output_limit(&mut payload, model_id, limit);
        return serde_json::to_vec(&payload)
            .map(Bytes::from)
            .map_err(|e| ApiError::Internal(e.to_string()));
    }
    let key = if completion_style {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    let missing =
        !given(peek.max_completion_tokens) && (completion_style || !given(peek.max_tokens));
    match limit {
        Some(limit) if missing => Ok(insert_first_member(bytes, key, &limit.to_string())
            .map_or_else(|| bytes.clone(), Bytes::from)),
        _ => Ok(bytes.clone()),
    }
}

/// Fills a missing output limit from the model's `max_output_tokens` and moves `max_tokens` to
/// `max_completion_tokens` for models that only accept the latter.
fn fill_output_limit(payload: &mut Map<String, Value>, model_id: &str, limit: Option<u64>) {
    let present = |p: &Map<String, Value>, k: &str| p.get(k).is_some_and(|v| !v.is_null());
    if takes_max_completion_tokens(model_id) {
        if let Some(value) = payload.remove("max_tokens").filter(|v| !v.is_null())
            && !present(payload, "max_completion_tokens")
        {
            payload.insert("max_completion_tokens".into(), value);
        }
        if !present(payload, "max_completion_tokens")
            && let Some(limit) = limit
        {
            payload.insert("max_completion_tokens".into(), limit.into());
        }
    } else if !present(payload, "max_tokens")
        && !present(payload, "max_completion_tokens")
        && let Some(limit) = limit
    {
        payload.insert("max_tokens".into(), limit.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiator_follows_the_last_message() {
        let of = |roles: &[&str]| initiator_from_roles(roles.iter().copied());
        assert_eq!(of(&["system", "user"]), Initiator::User);
        assert_eq!(of(&["user", "assistant", "tool"]), Initiator::Agent);
        assert_eq!(of(&["user", "assistant", "user"]), Initiator::User);
        assert_eq!(of(&["user", "assistant", "system"]), Initiator::Agent);
        assert_eq!(of(&["tool", "developer"]), Initiator::Agent);
        assert_eq!(of(&["system"]), Initiator::User);
        assert_eq!(of(&[]), Initiator::User);
        let input = json!([{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "c", "output": "1"}]);
        assert_eq!(responses_initiator(Some(&input)), Initiator::Agent);
        assert_eq!(responses_initiator(Some(&json!("hi"))), Initiator::User);
    }

    fn limited(body: &str, model: &str, limit: Option<u64>) -> Value {
        let bytes = Bytes::copy_from_slice(body.as_bytes());
        let peek: ChatPeek<'_> = serde_json::from_slice(&bytes).unwrap();
        let out = with_output_limit(&bytes, &peek, model, limit).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn output_limits() {
        assert_eq!(
            limited(r#"{"messages":[]}"#, "gpt-4o", Some(4096)),
            json!({"max_tokens": 4096, "messages": []})
        );
        assert_eq!(
            limited(r#"{"max_tokens":100}"#, "gpt-5-mini", Some(4096)),
            json!({"max_completion_tokens": 100})
        );
        assert_eq!(
            limited(r#"{"max_tokens":null}"#, "o3-mini", Some(4096)),
            json!({"max_completion_tokens": 4096})
        );
        assert_eq!(
            limited(r#"{"max_tokens":7}"#, "claude-sonnet-4.5", Some(16000)),
            json!({"max_tokens": 7})
        );
        assert_eq!(
            limited(r#"{"max_completion_tokens":7}"#, "gpt-4o", Some(4096)),
            json!({"max_completion_tokens": 7})
        );
        assert_eq!(
            limited(r#"{"messages":[]}"#, "gpt-4o", None),
            json!({"messages": []})
        );
        // A key sent as null is overwritten, never duplicated.
        let bytes = Bytes::from_static(br#"{"max_tokens":null,"messages":[]}"#);
        let peek: ChatPeek<'_> = serde_json::from_slice(&bytes).unwrap();
        let out = with_output_limit(&bytes, &peek, "gpt-4o", Some(4096)).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"max_tokens":4096,"messages":[]}"#
        );
        // Untouched bodies are the client's bytes exactly (key order, spacing).
        let raw = "{ \"messages\" : [], \"max_tokens\": 5 }";
        let bytes = Bytes::copy_from_slice(raw.as_bytes());
        let peek: ChatPeek<'_> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            with_output_limit(&bytes, &peek, "gpt-4o", Some(9)).unwrap(),
            bytes
        );
    }
}
