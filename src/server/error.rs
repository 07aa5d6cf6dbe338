//! `ApiError`: every way a request can fail, with its HTTP status decided in one exhaustive
//! match, rendered in the error shape of the API surface the client is speaking.
//!
//! OpenAI routes answer `{"error":{"message","type","param","code"}}`; Anthropic routes answer
//! `{"type":"error","error":{"type","message"}}`. Upstream failures keep their status when it
//! is the client's business (400/401/403/404/413/422/429, with `retry-after` passed on) and
//! become 502/504 when the upstream itself failed. Messages are what the upstream said, parsed
//! — never its JSON double-encoded inside a string, never a token.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::providers::UpstreamError;

/// Which error envelope the client expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// OpenAI-compatible routes.
    OpenAi,
    /// Anthropic-compatible routes.
    Anthropic,
}

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The request is malformed or asks for something impossible.
    #[error("{message}")]
    BadRequest {
        /// What is wrong.
        message: String,
        /// Machine-readable code (OpenAI `code`).
        code: Option<&'static str>,
    },
    /// Missing or wrong API key.
    #[error("invalid or missing API key: send it as `x-api-key` or `Authorization: Bearer`")]
    Unauthorized,
    /// The operator rejected the request (`--manual`).
    #[error("the request was rejected by the operator of this copilot-api server")]
    Rejected,
    /// Refused by the web-page guard (`server::guard`): a foreign `Host` or `Origin`.
    #[error("{0}")]
    Forbidden(String),
    /// Unknown route or model.
    #[error("{0}")]
    NotFound(String),
    /// A Responses `previous_response_id` that names no kept conversation.
    #[error("Previous response with id '{0}' not found.")]
    UnknownPrevious(String),
    /// Body larger than the limit.
    #[error("request body is larger than the {limit_mib} MiB limit")]
    PayloadTooLarge {
        /// The limit in MiB.
        limit_mib: usize,
    },
    /// The request body stopped arriving.
    #[error("the request body stopped arriving: nothing for {seconds}s (--client-timeout)")]
    RequestTimeout {
        /// The silence allowed.
        seconds: f64,
    },
    /// A named key over its requests-per-minute limit.
    #[error(
        "rate limit: the API key `{name}` may send {rpm} requests a minute; retry in {retry_after}s"
    )]
    KeyLimited {
        /// The key's name.
        name: String,
        /// Its limit.
        rpm: u32,
        /// Seconds until a request would be accepted.
        retry_after: u64,
    },
    /// A spending budget is used up.
    #[error("{message}")]
    BudgetSpent {
        /// Which budget, and how to raise it.
        message: String,
        /// Seconds until it renews.
        retry_after: u64,
    },
    /// Local rate limit (`--rate-limit` without `--wait`).
    #[error(
        "rate limit: copilot-api is set to send at most one request every {spacing_secs}s; retry in {retry_after}s"
    )]
    RateLimited {
        /// Seconds until a request would be accepted.
        retry_after: u64,
        /// Configured spacing, for the message.
        spacing_secs: f64,
    },
    /// The upstream failed or refused.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// Copilot answered something we could not translate.
    #[error("{0}")]
    BadUpstreamResponse(String),
    /// A bug or an unexpected local failure.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// Shorthand for a 400.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            code: None,
        }
    }

    /// The HTTP status. Exhaustive on purpose: a new variant forces a decision here.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Rejected | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::UnknownPrevious(_) => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::RateLimited { .. } | Self::KeyLimited { .. } | Self::BudgetSpent { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Upstream(err) => match err {
                UpstreamError::Status { status, .. } => match status.as_u16() {
                    // A Copilot 401 (after the one forced token refresh) is the proxy's own
                    // credential failing, not the client's: clients read 401 as "your API key
                    // is wrong" (Claude Code asks to /login), so it is a gateway error here.
                    401 => StatusCode::BAD_GATEWAY,
                    // Copilot refused the client version copilot-api presents: ours to fix.
                    466 => StatusCode::BAD_GATEWAY,
                    400 | 403 | 404 | 408 | 409 | 413 | 422 | 429 => *status,
                    s if (400..500).contains(&s) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::BAD_GATEWAY,
                },
                UpstreamError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                UpstreamError::Connect { .. }
                | UpstreamError::Interrupted { .. }
                | UpstreamError::NoToken { .. }
                | UpstreamError::Decode { .. } => StatusCode::BAD_GATEWAY,
            },
            Self::BadUpstreamResponse(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the client.
    pub(crate) fn client_message(&self) -> String {
        match self {
            Self::Upstream(UpstreamError::Status {
                service,
                status,
                message,
                ..
            }) if status.is_server_error() => {
                format!("{service} upstream error ({status}): {message}")
            }
            Self::Upstream(UpstreamError::Status { message, .. }) => message.clone(),
            other => other.to_string(),
        }
    }

    /// `retry-after` to send, if any.
    fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            Self::RateLimited { retry_after, .. }
            | Self::KeyLimited { retry_after, .. }
            | Self::BudgetSpent { retry_after, .. } => {
                HeaderValue::from_str(&retry_after.to_string()).ok()
            }
            Self::Upstream(UpstreamError::Status { headers, .. }) => {
                headers.get(header::RETRY_AFTER).cloned()
            }
            _ => None,
        }
    }

    /// OpenAI `error.type`.
    fn openai_type(&self) -> &'static str {
        if matches!(self, Self::UnknownPrevious(_)) {
            // As OpenAI's API says it.
            return "invalid_request_error";
        }
        match self.status().as_u16() {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            429 => "rate_limit_error",
            s if s >= 500 => "api_error",
            _ => "invalid_request_error",
        }
    }

    /// OpenAI `error.code`: the upstream's code when it sent one.
    fn openai_code(&self) -> serde_json::Value {
        match self {
            Self::BadRequest {
                code: Some(code), ..
            } => json!(code),
            Self::Upstream(UpstreamError::Status { body, .. }) => {
                serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.pointer("/error/code").cloned())
                    .unwrap_or(serde_json::Value::Null)
            }
            Self::RateLimited { .. } | Self::KeyLimited { .. } => json!("rate_limit_exceeded"),
            Self::BudgetSpent { .. } => json!("budget_exhausted"),
            Self::Unauthorized => json!("invalid_api_key"),
            Self::NotFound(_) => json!("not_found"),
            Self::UnknownPrevious(_) => json!("previous_response_not_found"),
            _ => serde_json::Value::Null,
        }
    }

    /// Renders the error for `surface`.
    pub(crate) fn into_response_for(self, surface: Surface) -> Response {
        let status = self.status();
        let message = self.client_message();
        // A 466 and a missing Copilot token are explained once by the Copilot provider; the
        // rest are logged per request.
        let explained = matches!(&self, Self::Upstream(UpstreamError::Status { status, .. }) if status.as_u16() == 466)
            || matches!(&self, Self::Upstream(UpstreamError::NoToken { .. }));
        if status.is_server_error() && !explained {
            tracing::warn!(status = status.as_u16(), "{self}");
        }
        let message = match surface {
            Surface::Anthropic if status == StatusCode::BAD_REQUEST => anthropic_wording(message),
            _ => message,
        };
        let body = match surface {
            Surface::OpenAi => json!({"error": {
                "message": message,
                "type": self.openai_type(),
                "param": match &self {
                    Self::UnknownPrevious(_) => json!("previous_response_id"),
                    _ => serde_json::Value::Null,
                },
                "code": self.openai_code(),
            }}),
            Surface::Anthropic => json!({"type": "error", "error": {
                "type": anthropic_error_type(status.as_u16()),
                "message": message,
            }}),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(value) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// An [`ApiError`] rendered in the OpenAI shape.
#[derive(Debug)]
pub(crate) struct OpenAiError(pub ApiError);

/// An [`ApiError`] rendered in the Anthropic shape.
#[derive(Debug)]
pub(crate) struct AnthropicError(pub ApiError);

impl<E: Into<ApiError>> From<E> for OpenAiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl<E: Into<ApiError>> From<E> for AnthropicError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        self.0.into_response_for(Surface::OpenAi)
    }
}

impl IntoResponse for AnthropicError {
    fn into_response(self) -> Response {
        self.0.into_response_for(Surface::Anthropic)
    }
}

/// Anthropic `error.type` for an HTTP status.
pub(crate) fn anthropic_error_type(status: u16) -> &'static str {
    match status {
        400 | 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 | 503 => "overloaded_error",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    }
}

/// Copilot says "prompt token count of 140012 exceeds the limit of 128000"; Anthropic says
/// "prompt is too long: 140012 tokens > 128000 maximum", and Claude Code compacts the
/// conversation only when it sees Anthropic's words.
fn anthropic_wording(message: String) -> String {
    let numbers = || -> Option<(u64, u64)> {
        let rest = message.split("prompt token count of ").nth(1)?;
        let (count, rest) = rest.split_once(" exceeds the limit of ")?;
        let limit: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((count.trim().parse().ok()?, limit.parse().ok()?))
    };
    match numbers() {
        Some((count, limit)) => format!("prompt is too long: {count} tokens > {limit} maximum"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_overflow_uses_anthropic_words() {
        assert_eq!(
            anthropic_wording("prompt token count of 140012 exceeds the limit of 128000".into()),
            "prompt is too long: 140012 tokens > 128000 maximum"
        );
        assert_eq!(anthropic_wording("other".into()), "other");
    }
}
