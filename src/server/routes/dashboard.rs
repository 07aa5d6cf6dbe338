//! The dashboard: `GET /dashboard` (one page embedded in the binary) and the JSON endpoints
//! behind it.
//!
//! - `GET /api/usage/summary?days=30`: credits today, this month and per day, the budget left,
//!   requests and tokens by model and by provider (from the daily roll-up), latency and TTFB
//!   percentiles and error and fallback rates over the last 24 hours, providers and breakers,
//!   the latest GitHub quota snapshot.
//! - `GET /api/usage/recent?limit=50&model=&provider=&status=2xx|4xx|5xx&key=`: the last
//!   requests, newest first.
//! - `GET /api/usage/timeline?minutes=60`: requests and errors per minute.
//!
//! The page needs no API key to load (it holds no data); the JSON endpoints need it when one
//! is set — the page asks for it in a form and keeps it in `sessionStorage` for the tab, never
//! in the URL. Queries run on a read-only connection off the async threads.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ledger::store::{By, Filter, Reader, day};
use crate::ledger::{FILE, now_ms};
use crate::server::AppState;
use crate::server::error::{ApiError, OpenAiError};

/// The page: HTML, CSS and JavaScript in one file, no external resources.
const PAGE: &str = include_str!("../../../assets/dashboard.html");

/// `GET /dashboard`.
pub(crate) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'",
            ),
        ],
        PAGE,
    )
        .into_response()
}

/// Runs a query on a read-only connection on the blocking pool.
async fn read<T: Send + 'static>(
    state: &AppState,
    query: impl FnOnce(&Reader) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, OpenAiError> {
    let path = state.observe.ledger.status().path;
    tokio::task::spawn_blocking(move || {
        let reader = Reader::open(&path.with_file_name(FILE))?;
        query(&reader)
    })
    .await
    .map_err(|err| ApiError::Internal(format!("the ledger query failed: {err}")))?
    .map_err(|err| ApiError::NotFound(format!("{err:#}")).into())
}

/// Query of `/api/usage/summary`.
#[derive(Debug, Deserialize)]
pub(crate) struct SummaryQuery {
    /// Days of history (default 30).
    days: Option<u32>,
}

/// `GET /api/usage/summary`.
pub(crate) async fn summary(
    State(state): State<AppState>,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, OpenAiError> {
    let days = i64::from(q.days.unwrap_or(30).clamp(1, 3650));
    let now = now_ms();
    let today = day(now);
    let since_day = day(now - (days - 1) * 86_400_000);
    let month_start = format!("{}-01", &today[..7]);
    let data = read(&state, move |r| {
        let by_day = r.credits_by_day(&since_day)?;
        let month = r.credits_by_day(&month_start)?;
        let by_model = r.rollup(&since_day, By::Model)?;
        let by_provider = r.rollup(&since_day, By::Provider)?;
        let latency = r.latency(now - 86_400_000, now + 1)?;
        let quota = r.latest_quota()?;
        Ok((by_day, month, by_model, by_provider, latency, quota))
    })
    .await?;
    let (by_day, month, by_model, by_provider, latency, quota) = data;
    let gateway = state.gateway();
    let spent = state.observe.spend.total();
    let today_credits = by_day
        .iter()
        .find(|(d, _, _)| *d == today)
        .map_or(0.0, |(_, c, _)| *c);
    let month_credits: f64 = month.iter().map(|(_, c, _)| c).sum();
    let left = |limit: Option<f64>, spent: f64| limit.map(|l| (l - spent).max(0.0));
    let body = json!({
        "now_ms": now,
        "credits": {
            "today": today_credits,
            "month": month_credits,
            "by_day": by_day.iter().map(|(d, c, n)| json!({"day": d, "credits": c, "requests": n})).collect::<Vec<_>>(),
        },
        "budget": {
            "daily_credits": gateway.budget.daily,
            "monthly_credits": gateway.budget.monthly,
            "daily_left": left(gateway.budget.daily, spent.today),
            "monthly_left": left(gateway.budget.monthly, spent.month),
        },
        "by_model": by_model,
        "by_provider": by_provider,
        "last_24h": latency,
        "providers": gateway.providers.iter().map(|p| json!({"name": &**p.name(), "kind": p.kind().as_str()})).collect::<Vec<_>>(),
        "breakers": state.breakers.report(),
        "quota": quota.map(|(ts, snapshot)| json!({"ts_ms": ts, "snapshot": snapshot})),
        "ledger": {"enabled": state.observe.ledger.enabled()},
    });
    Ok(axum::Json(body).into_response())
}

/// Query of `/api/usage/recent`.
#[derive(Debug, Deserialize)]
pub(crate) struct RecentQuery {
    limit: Option<usize>,
    model: Option<String>,
    provider: Option<String>,
    status: Option<String>,
    key: Option<String>,
}

/// `GET /api/usage/recent`.
pub(crate) async fn recent(
    State(state): State<AppState>,
    Query(q): Query<RecentQuery>,
) -> Result<Response, OpenAiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let filter = Filter {
        model: empty(q.model),
        provider: empty(q.provider),
        status: empty(q.status),
        key: empty(q.key),
    };
    let rows = read(&state, move |r| r.recent(limit, &filter)).await?;
    Ok(axum::Json(json!({"data": rows})).into_response())
}

/// Query of `/api/usage/timeline`.
#[derive(Debug, Deserialize)]
pub(crate) struct TimelineQuery {
    minutes: Option<i64>,
}

/// `GET /api/usage/timeline`.
pub(crate) async fn timeline(
    State(state): State<AppState>,
    Query(q): Query<TimelineQuery>,
) -> Result<Response, OpenAiError> {
    let minutes = q.minutes.unwrap_or(60).clamp(1, 24 * 60);
    let now = now_ms();
    let points = read(&state, move |r| r.per_minute(now, minutes)).await?;
    let data: Vec<Value> = points
        .into_iter()
        .map(|(t, n, e)| json!({"minute_ms": t, "requests": n, "errors": e}))
        .collect();
    Ok(axum::Json(json!({"now_ms": now, "minutes": minutes, "data": data})).into_response())
}
