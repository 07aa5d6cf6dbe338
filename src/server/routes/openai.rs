//! OpenAI-compatible routes: `/v1/chat/completions`, `/v1/responses`, `/v1/embeddings` and
//! `/v1/models` (which answers in the Anthropic list shape to clients sending
//! `anthropic-version`).
//!
//! The routes parse and validate; where a request goes, and how, is `server::dispatch`'s. The
//! client's JSON is forwarded with every field it sent.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::providers::{Hints, ModelInfo, Shape};
use crate::server::AppState;
use crate::server::dispatch::{Inbound, dispatch};
use crate::server::error::{ApiError, Surface};
use crate::server::extract::{HeadersAndBody, parse_json, read_body};
use crate::server::log::RequestLog;
use crate::server::peek::ChatPeek;
use crate::translate::openai::Initiator;

/// `POST /v1/chat/completions`.
pub(crate) async fn chat_completions(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    HeadersAndBody(headers, body): HeadersAndBody,
) -> Response {
    let inbound = async { chat_inbound(&headers, read_body(body).await?, &log) };
    match inbound.await {
        Ok(inbound) => dispatch(&state, &log, inbound).await,
        Err(err) => err.into_response_for(Surface::OpenAi),
    }
}

fn chat_inbound(
    headers: &HeaderMap,
    bytes: axum::body::Bytes,
    log: &RequestLog,
) -> Result<Inbound, ApiError> {
    let peek: ChatPeek<'_> = parse_json(&bytes)?;
    if peek.messages.is_none() && peek.input {
        // Responses-shaped (Cursor sends these to /chat/completions): served as one.
        drop(peek);
        return responses_from(headers, bytes, log);
    }
    let model = match peek.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_owned(),
        _ => return Err(missing_model()),
    };
    log.model(&model, &model);
    let Some(messages) = &peek.messages else {
        return Err(ApiError::bad_request(
            "`messages` must be an array of messages",
        ));
    };
    crate::server::validate::chat(&peek)?;
    let hints = Hints {
        initiator: Some(initiator_from_roles(
            messages.iter().map(|m| m.role.as_deref().unwrap_or("")),
        )),
        vision: messages.iter().any(|m| m.content.0),
        client_key: client_key(headers),
        ..Hints::default()
    };
    let message_count = messages.len();
    let tool_count = peek.tools.as_ref().map_or(0, Vec::len);
    let merge_choices = peek.n.is_none_or(|n| n <= 1);
    let stream = peek.stream == Some(true);
    let output_keys = crate::providers::copilot::OutputKeys {
        max_tokens: peek.max_tokens,
        max_completion_tokens: peek.max_completion_tokens,
    };
    drop(peek);
    Ok(Inbound {
        surface: Shape::Chat,
        model,
        body: bytes,
        stream,
        hints,
        messages: None,
        responses: None,
        merge_choices,
        output_keys: Some(output_keys),
        session: crate::server::dispatch::session_id(headers, None),
        legacy: None,
        side: None,
        route: "/v1/chat/completions",
        message_count,
        tool_count,
    })
}

/// `POST /v1/responses`.
pub(crate) async fn responses(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    HeadersAndBody(headers, body): HeadersAndBody,
) -> Response {
    match responses_inbound(&headers, body, &log).await {
        Ok(inbound) => dispatch(&state, &log, inbound).await,
        Err(err) => err.into_response_for(Surface::OpenAi),
    }
}

async fn responses_inbound(
    headers: &HeaderMap,
    body: Body,
    log: &RequestLog,
) -> Result<Inbound, ApiError> {
    responses_from(headers, read_body(body).await?, log)
}

fn responses_from(
    headers: &HeaderMap,
    bytes: axum::body::Bytes,
    log: &RequestLog,
) -> Result<Inbound, ApiError> {
    let payload: Map<String, Value> = parse_json(&bytes)?;
    let model = required_model(&payload)?;
    log.model(&model, &model);
    crate::server::validate::responses(&payload)?;
    let side = crate::translate::side::responses(&payload);
    let input = payload.get("input");
    let hints = Hints {
        initiator: Some(if side.is_some() {
            Initiator::Agent
        } else {
            responses_initiator(input)
        }),
        vision: input.and_then(Value::as_array).is_some_and(|items| {
            items.iter().any(|item| {
                content_has(item.get("content"), "input_image")
                    || content_has(item.get("output"), "input_image")
            })
        }),
        client_key: client_key(headers),
        ..Hints::default()
    };
    let message_count = input.and_then(Value::as_array).map_or(1, Vec::len);
    // A namespace (Codex's sub-agent tools, an MCP server) counts as the functions in it.
    let tool_count = payload
        .get("tools")
        .and_then(Value::as_array)
        .map_or(0, |tools| {
            tools
                .iter()
                .map(|t| match t.get("type").and_then(Value::as_str) {
                    Some("namespace") => {
                        t.get("tools").and_then(Value::as_array).map_or(0, Vec::len)
                    }
                    _ => 1,
                })
                .sum()
        });
    Ok(Inbound {
        surface: Shape::Responses,
        model,
        stream: payload.get("stream").and_then(Value::as_bool) == Some(true),
        hints,
        messages: None,
        responses: Some(payload),
        merge_choices: true,
        output_keys: None,
        session: crate::server::dispatch::session_id(headers, None),
        legacy: None,
        side,
        route: "/v1/responses",
        message_count,
        tool_count,
        body: bytes,
    })
}

/// `POST /v1/completions` (legacy): the prompt as one user message to a chat model, the
/// answer as text completions (`translate::completions`).
pub(crate) async fn completions(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    HeadersAndBody(headers, body): HeadersAndBody,
) -> Response {
    let inbound = async {
        let bytes = read_body(body).await?;
        let payload: Map<String, Value> = parse_json(&bytes)?;
        let model = required_model(&payload)?;
        log.model(&model, &model);
        crate::server::validate::responses(&payload)?;
        let (chat, legacy) = crate::translate::completions::request(&payload)
            .map_err(|err| ApiError::bad_request(err.to_string()))?;
        let stream = chat.get("stream").and_then(Value::as_bool) == Some(true);
        let merge_choices = chat.get("n").and_then(Value::as_u64).is_none_or(|n| n <= 1);
        let body = serde_json::to_vec(&chat).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Inbound {
            surface: Shape::Chat,
            model,
            body: body.into(),
            stream,
            hints: Hints {
                initiator: Some(Initiator::User),
                client_key: client_key(&headers),
                ..Hints::default()
            },
            messages: None,
            responses: None,
            merge_choices,
            // Read from the chat body by the provider.
            output_keys: None,
            session: crate::server::dispatch::session_id(&headers, None),
            legacy: Some(legacy),
            side: None,
            route: "/v1/completions",
            message_count: 1,
            tool_count: 0,
        })
    };
    let inbound: Result<Inbound, ApiError> = inbound.await;
    match inbound {
        Ok(inbound) => dispatch(&state, &log, inbound).await,
        Err(err) => err.into_response_for(Surface::OpenAi),
    }
}

/// `POST /v1/embeddings`.
pub(crate) async fn embeddings(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    HeadersAndBody(headers, body): HeadersAndBody,
) -> Response {
    let inbound = async {
        let bytes = read_body(body).await?;
        let payload: Map<String, Value> = parse_json(&bytes)?;
        let model = required_model(&payload)?;
        log.model(&model, &model);
        if !payload.contains_key("input") {
            return Err(ApiError::bad_request("`input` is required"));
        }
        Ok(Inbound {
            surface: Shape::Embeddings,
            model,
            body: bytes,
            stream: false,
            hints: Hints {
                client_key: client_key(&headers),
                ..Hints::default()
            },
            messages: None,
            responses: None,
            merge_choices: true,
            output_keys: None,
            session: crate::server::dispatch::session_id(&headers, None),
            legacy: None,
            side: None,
            route: "/v1/embeddings",
            message_count: 0,
            tool_count: 0,
        })
    };
    match inbound.await {
        Ok(inbound) => dispatch(&state, &log, inbound).await,
        Err(err) => err.into_response_for(Surface::OpenAi),
    }
}

/// The client's own credential (`Authorization`, else `x-api-key` as a Bearer value), for
/// routes with `forward_client_key = true`.
fn client_key(headers: &HeaderMap) -> Option<axum::http::HeaderValue> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let mut value = value.clone();
        value.set_sensitive(true);
        return Some(value);
    }
    let key = headers.get("x-api-key")?.to_str().ok()?;
    let mut value = axum::http::HeaderValue::from_str(&format!("Bearer {}", key.trim())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `created_at` for models: providers rarely say when a model was released.
const EPOCH: &str = "1970-01-01T00:00:00Z";

/// A model in the OpenAI shape (plus the limits clients use to size requests).
fn openai_model(m: &ModelInfo) -> Value {
    json!({
        "id": m.id,
        "object": "model",
        "type": "model",
        "created": 0,
        "created_at": EPOCH,
        "owned_by": &*m.provider,
        "display_name": m.display_name(),
        "context_window": m.context_window,
        "max_output_tokens": m.max_output,
        "supported_shapes": m.shapes,
        "capabilities": {"vision": m.vision, "tools": m.tools},
    })
}

/// A model in the Anthropic shape, with its input and output limits.
fn anthropic_model(m: &ModelInfo) -> Value {
    json!({
        "id": m.id,
        "type": "model",
        "display_name": m.display_name(),
        "created_at": EPOCH,
        "max_input_tokens": m.input_limit(),
        "max_tokens": m.max_output,
    })
}

/// Every provider's catalogue, fetched concurrently; a provider that fails keeps its last list
/// (or contributes none) and never breaks the rest. Copilot first, then by provider name; an id
/// served by two providers is listed once, for the first.
pub(crate) async fn merged_catalogue(state: &AppState) -> Result<Vec<ModelInfo>, ApiError> {
    let gateway = state.gateway();
    let lists = futures_util::future::join_all(gateway.providers.iter().map(|p| async move {
        match p.catalogue().await {
            Ok(list) => Ok(list),
            Err(err) => {
                tracing::warn!("cannot list the models of {}: {err}", p.name());
                p.cached_catalogue().ok_or(err)
            }
        }
    }))
    .await;
    let mut merged: Vec<ModelInfo> = Vec::new();
    let mut first_error = None;
    let mut any = false;
    for list in lists {
        match list {
            Ok(list) => {
                any = true;
                for model in list.iter() {
                    if !merged.iter().any(|m| m.id == model.id) {
                        merged.push(model.clone());
                    }
                }
            }
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    match first_error {
        Some(err) if !any => Err(err.into()),
        _ => Ok(merged),
    }
}

/// `GET /v1/models`: OpenAI list shape, or Anthropic's when `anthropic-version` is sent
/// (chat models only: an embeddings model cannot answer `/v1/messages`).
pub(crate) async fn models(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let surface = surface(&headers);
    let catalogue = match merged_catalogue(&state).await {
        Ok(list) => list,
        Err(err) => return err.into_response_for(surface),
    };
    let body = match surface {
        Surface::Anthropic => {
            let chat: Vec<&ModelInfo> = catalogue.iter().filter(|m| !m.is_embeddings()).collect();
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

/// `GET /v1/models/{id}`: one model, in the shape the client speaks; names resolve as they do
/// for requests (routes, `provider/model`, dated and dashed ids).
pub(crate) async fn model(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let surface = surface(&headers);
    match state.gateway().plan(&id).await {
        Ok(plan) if !plan.candidates.is_empty() => {
            let m = &plan.candidates[0].model;
            match surface {
                Surface::Anthropic => axum::Json(anthropic_model(m)).into_response(),
                Surface::OpenAi => axum::Json(openai_model(m)).into_response(),
            }
        }
        _ => ApiError::NotFound(format!(
            "the model `{id}` does not exist or is not available (GET /v1/models lists them)"
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
                            | "custom_tool_call"
                            | "local_shell_call_output"
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
}
