//! Anthropic-compatible routes: `/v1/messages` and `/v1/messages/count_tokens`.
//!
//! The model name is resolved against the live catalogue (dated and dashed Claude Code ids,
//! `[1m]` suffixes, config aliases). Models Copilot serves natively on `/v1/messages` get the
//! request passed through; all others are translated to `/chat/completions` and back
//! (`crate::translate`), streaming included.

use std::borrow::Cow;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::providers::{Hints, Shape};
use crate::server::AppState;
use crate::server::dispatch::{Inbound, dispatch};
use crate::server::error::{AnthropicError, ApiError, Surface};
use crate::server::extract::{HeadersAndBody, parse_json, read_body};
use crate::server::log::RequestLog;
use crate::server::peek::IsArray;
use crate::translate::anthropic::MessagesRequest;

/// `POST /v1/messages`.
///
/// The body is read once into the typed request, which decides the headers and is what gets
/// translated; native upstreams get the client's fields as sent.
pub(crate) async fn messages(
    State(state): State<AppState>,
    Extension(log): Extension<RequestLog>,
    HeadersAndBody(headers, body): HeadersAndBody,
) -> Response {
    match messages_inbound(&headers, body, &log).await {
        Ok(inbound) => dispatch(&state, &log, inbound).await,
        Err(err) => err.into_response_for(Surface::Anthropic),
    }
}

async fn messages_inbound(
    headers: &HeaderMap,
    body: Body,
    log: &RequestLog,
) -> Result<Inbound, ApiError> {
    let bytes = read_body(body).await?;
    // One parse when the request is well formed; only a refused one is read again, for the
    // plainer message of a missing model or messages array.
    let request: MessagesRequest = match parse_json(&bytes) {
        Ok(request) => request,
        Err(err) => {
            let head: MessagesHead<'_> = parse_json(&bytes)?;
            let requested = head_checks(&head)?;
            log.model(&requested, &requested);
            return Err(err);
        }
    };
    let requested = match request.model.trim() {
        "" => return Err(missing_model()),
        model => model.to_owned(),
    };
    log.model(&requested, &requested);
    crate::server::validate::messages(&request)?;
    let side = crate::translate::side::messages(&request);
    let hints = Hints {
        initiator: Some(if side.is_some() {
            crate::translate::openai::Initiator::Agent
        } else {
            request.initiator()
        }),
        vision: request.has_images(),
        anthropic_version: headers.get("anthropic-version").cloned(),
        anthropic_betas: headers
            .get_all("anthropic-beta")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned)
            .collect(),
        client_key: headers.get("x-api-key").and_then(|key| {
            let mut value =
                axum::http::HeaderValue::from_str(&format!("Bearer {}", key.to_str().ok()?.trim()))
                    .ok()?;
            value.set_sensitive(true);
            Some(value)
        }),
    };
    let session = crate::server::dispatch::session_id(
        headers,
        request.metadata.as_ref().and_then(|m| m.user_id.as_deref()),
    );
    Ok(Inbound {
        surface: Shape::Messages,
        model: requested,
        stream: request.stream == Some(true),
        hints,
        merge_choices: true,
        output_keys: None,
        session,
        legacy: None,
        side,
        route: "/v1/messages",
        message_count: request.messages.len(),
        tool_count: request.tools.as_ref().map_or(0, Vec::len),
        messages: Some(request),
        responses: None,
        body: bytes,
    })
}

/// The model a request names, unless its head lacks the model or the messages array.
fn head_checks(head: &MessagesHead<'_>) -> Result<String, ApiError> {
    let requested = match head.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_owned(),
        _ => return Err(missing_model()),
    };
    if !head.messages.as_ref().is_some_and(|array| array.0) {
        return Err(ApiError::bad_request(
            "messages: field required (an array of messages)",
        ));
    }
    Ok(requested)
}

fn missing_model() -> ApiError {
    ApiError::bad_request("model: field required")
}

/// What `/v1/messages` checks of a request that does not parse, without building it.
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

/// `POST /v1/messages/count_tokens`: `{"input_tokens": n}` from the shared counter, the same
/// number `copilot-api count-tokens --format anthropic` prints.
pub(crate) async fn count_tokens(
    State(state): State<AppState>,
    HeadersAndBody(headers, body): HeadersAndBody,
) -> Result<Response, AnthropicError> {
    let raw: Value = parse_json(&read_body(body).await?)?;
    let requested = raw
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let gateway = state.gateway();
    let resolved = gateway
        .plan(&requested)
        .await
        .ok()
        .and_then(|plan| plan.candidates.into_iter().next());
    let (model, tokenizer) = match resolved {
        Some(c) => (c.model.id, c.model.tokenizer),
        // Not in any catalogue: the normalised name still picks the encoding.
        None => (
            crate::translate::model::resolve_model(&requested, &[], &gateway.aliases)
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
    use crate::translate::openai::Initiator;

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
    fn images_are_found_inside_tool_results() {
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
