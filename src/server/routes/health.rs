//! `/` and `/health` (liveness with sign-in details), `/usage` (Copilot quota JSON) and
//! `/token` (only with `--expose-token`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::AppState;
use crate::server::error::{ApiError, OpenAiError};

/// `GET /`, `GET /health` (and `HEAD`): sign-in, providers and the circuit breakers that are
/// not plainly closed.
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let gateway = state.gateway();
    let providers: Vec<_> = gateway
        .providers
        .iter()
        .map(|p| json!({"name": &**p.name(), "kind": p.kind().as_str()}))
        .collect();
    axum::Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "user": state.login,
        "copilot_token_expires_at": state.copilot.as_ref().map(|c| c.tokens().current().expires_at),
        "uptime_seconds": state.started.elapsed().as_secs(),
        "providers": providers,
        "breakers": state.breakers.report(),
        "ledger": ledger_health(&state),
        "spent_credits": state.observe.spend.total(),
        "budget": {
            "daily_credits": gateway.budget.daily,
            "monthly_credits": gateway.budget.monthly,
        },
    }))
    .into_response()
}

/// The ledger's state without its path (which names the user's home).
fn ledger_health(state: &AppState) -> serde_json::Value {
    let status = state.observe.ledger.status();
    json!({
        "enabled": status.enabled,
        "disabled_reason": status.disabled_reason,
        "written": status.written,
        "dropped": status.dropped,
        "queued": status.queued,
    })
}

/// `GET /metrics`: Prometheus metrics (behind the API key when one is set).
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.observe.metrics.encode(
        &state.breakers.report(),
        &state.observe.ledger.status(),
        state.limiter.waiting(),
    );
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `GET /usage`: GitHub's `copilot_internal/user` JSON, unchanged.
pub(crate) async fn usage(State(state): State<AppState>) -> Result<Response, OpenAiError> {
    let Some(copilot) = &state.copilot else {
        return Err(ApiError::NotFound(
            "no Copilot account is signed in, so there is no Copilot quota to show".into(),
        )
        .into());
    };
    let tokens = copilot.tokens();
    let usage = tokens.github().copilot_user(tokens.github_token()).await?;
    Ok(axum::Json(usage).into_response())
}

/// `GET /token`: the live Copilot token, only when the operator asked for it, and never to a
/// web page, not even one from an allowed origin: a request carrying `Origin` (every browser
/// `fetch`) is refused rather than handing any site the token.
pub(crate) async fn token(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, OpenAiError> {
    if headers.contains_key(axum::http::header::ORIGIN) {
        return Err(ApiError::Rejected.into());
    }
    if !state.settings.expose_token {
        return Err(ApiError::NotFound(
            "no route for GET /token (start with --expose-token to enable it)".into(),
        )
        .into());
    }
    let Some(copilot) = &state.copilot else {
        return Err(ApiError::NotFound("no Copilot account is signed in".into()).into());
    };
    let token = copilot.tokens().current();
    Ok(axum::Json(json!({"token": token.token, "expires_at": token.expires_at})).into_response())
}
