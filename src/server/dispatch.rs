//! The dispatch layer, the only caller of providers.
//!
//! A route parses and validates the client's request into an [`Inbound`] and hands it here;
//! dispatch asks the gateway where it may go ([`crate::routing::Gateway::plan`]), then runs one
//! attempt loop for every provider:
//!
//! - **Shape.** A model served on the client's own shape gets the request passed through (its
//!   `model` rewritten when the route names another id); otherwise it is translated
//!   (`/v1/messages` → chat completions today) and the answer translated back.
//! - **One budget, one deadline.** At most `max_attempts` attempts across retries and
//!   fallbacks, all started before `deadline`. Targets are tried in the plan's order, each
//!   once per pass; a target tried before waits an exponential backoff with full jitter
//!   first (or its `Retry-After`, when that fits the deadline and the longest backoff).
//! - **What is retried.** A connection failure, a timeout before the first byte, 408, 429,
//!   500, 502, 503, 504, a provider's 401/403 (its credential, not the client's), and a stream
//!   that fails before its first content. Never the client's own errors (400, 404, 413, 422):
//!   those come back at once — except "prompt is too long", which moves on to a target with
//!   a larger context window when the route has one.
//! - **Breakers** ([`crate::routing::breaker`]): open targets are skipped; when every target
//!   is open they are tried anyway.
//! - **Streams commit at their first content** ([`super::commit`]); after that they are
//!   relayed and never switch provider.
//!
//! Every answer carries `x-copilot-api-provider` (who answered, or who failed last) and
//! `x-copilot-api-attempts`; the access log line names both.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures_util::StreamExt as _;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::AppState;
use super::approval::ApprovalRequest;
use super::commit::{self, ByteStream};
use super::conversations::{Conversations, Turn};
use super::error::{ApiError, Surface};
use super::extract::{json_text, parse_json, write_json};
use super::log::RequestLog;
use super::routes::relay;
use super::sse::ChatEncoding;
use crate::providers::{Call, Hints, ModelInfo, Provider, Shape, UpstreamError};
use crate::routing::breaker::Admission;
use crate::routing::{Candidate, PlanError, RouteRules};
use crate::translate::anthropic::MessagesRequest;
use crate::translate::request::{TargetModel, anthropic_to_openai};
use crate::translate::{UpstreamKind, via_messages, via_responses};

/// Header naming the provider that answered.
pub(crate) const PROVIDER_HEADER: &str = "x-copilot-api-provider";
/// Header counting the attempts a request took.
pub(crate) const ATTEMPTS_HEADER: &str = "x-copilot-api-attempts";

/// A validated client request, ready to be sent.
#[derive(Debug)]
pub(crate) struct Inbound {
    /// The shape the client speaks.
    pub(crate) surface: Shape,
    /// The model the client named.
    pub(crate) model: String,
    /// The client's body.
    pub(crate) body: Bytes,
    /// The client asked for a stream.
    pub(crate) stream: bool,
    /// Header decisions.
    pub(crate) hints: Hints,
    /// `/v1/messages`: the typed request (translation, output limits).
    pub(crate) messages: Option<MessagesRequest>,
    /// `/v1/responses`: the request as the route parsed it, for the first translation (a
    /// fallback to another model parses `body` again).
    pub(crate) responses: Option<Map<String, Value>>,
    /// Chat: merge split choices into one (`n` ≤ 1).
    pub(crate) merge_choices: bool,
    /// Chat: the output-limit keys the route read in `body`.
    pub(crate) output_keys: Option<crate::providers::copilot::OutputKeys>,
    /// The client's session (Claude Code's `metadata.user_id`, Codex's `session_id` header).
    pub(crate) session: Option<String>,
    /// Legacy `/v1/completions`: `body` is the chat request made from the prompt, and the
    /// answer is rendered as text completions.
    pub(crate) legacy: Option<crate::translate::completions::Legacy>,
    /// A side request of the client's own (title, probe, warm-up, …): agent-initiated, and
    /// the light kinds go to `[routing] background_model` when one is set.
    pub(crate) side: Option<crate::translate::side::SideKind>,
    /// For `--manual` and the rate limiter: the route, and the size of the request.
    pub(crate) route: &'static str,
    pub(crate) message_count: usize,
    pub(crate) tool_count: usize,
}

impl Inbound {
    fn error_surface(&self) -> Surface {
        match self.surface {
            Shape::Messages => Surface::Anthropic,
            _ => Surface::OpenAi,
        }
    }
}

/// An upstream answer that is ready to be rendered: a whole body, or a committed stream.
pub(crate) struct Answer {
    /// Status (2xx).
    pub(crate) status: reqwest::StatusCode,
    /// Upstream headers.
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) body: AnswerBody,
}

/// The body of an [`Answer`].
pub(crate) enum AnswerBody {
    /// Read in full.
    Full(Bytes),
    /// An event stream, past its commit point.
    Stream(ByteStream),
}

impl AnswerBody {
    /// Whether the body is a stream.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self, Self::Stream(_))
    }
}

/// One failed attempt.
struct Failure {
    error: UpstreamError,
    /// Worth another attempt.
    retryable: bool,
    /// Worth another target, never the same one again (a provider's refused credential).
    elsewhere_only: bool,
    /// The upstream said when to come back.
    retry_after: Option<Duration>,
}

/// Runs the request: plan, attempts, rendering. Always an answer, in the client's shape.
pub(crate) async fn dispatch(state: &AppState, log: &RequestLog, inbound: Inbound) -> Response {
    let surface = inbound.error_surface();
    let mut outcome = Outcome::default();
    let response = match run(state, log, inbound, &mut outcome).await {
        Ok(response) => response,
        Err(err) => err.into_response_for(surface),
    };
    outcome.stamp(response, log)
}

/// Who answered and after how many attempts.
#[derive(Debug, Default)]
struct Outcome {
    provider: Option<Arc<str>>,
    attempts: u32,
    fallbacks: u32,
}

impl Outcome {
    fn stamp(self, mut response: Response, log: &RequestLog) -> Response {
        if let Some(provider) = &self.provider {
            if let Ok(value) = HeaderValue::from_str(provider) {
                response.headers_mut().insert(PROVIDER_HEADER, value);
            }
            log.provider(provider, self.attempts, self.fallbacks);
        }
        if self.attempts > 0 {
            response
                .headers_mut()
                .insert(ATTEMPTS_HEADER, HeaderValue::from(self.attempts));
        }
        response
    }
}

async fn run(
    state: &AppState,
    log: &RequestLog,
    mut inbound: Inbound,
    outcome: &mut Outcome,
) -> Result<Response, ApiError> {
    let gateway = state.gateway();
    let keeps_bodies = state.observe.ledger.keeps_bodies();
    let key_limit = log
        .with(|f| {
            f.route = Some(inbound.surface.as_str());
            f.initiator = inbound.hints.initiator.map(|i| i.as_str());
            f.tools = inbound.tool_count > 0;
            f.images = inbound.hints.vision;
            f.bytes_in = inbound.body.len() as u64;
            f.prices = Some(Arc::clone(&gateway.prices));
            f.session_id.clone_from(&inbound.session);
            if keeps_bodies {
                f.request_body = Some(inbound.body.clone());
            }
            f.key_name.clone().zip(f.key_daily_credits)
        })
        .flatten();
    check_budgets(state, &gateway, key_limit, &mut inbound)?;
    if let Some(kind) = inbound.side
        && kind.may_go_to_background()
        && let Some(background) = &gateway.background_model
        && *background != inbound.model
    {
        tracing::info!(
            "side request ({}) for {} sent to {background} ([routing] background_model)",
            kind.as_str(),
            inbound.model
        );
        inbound.model.clone_from(background);
    }
    let plan = gateway.plan(&inbound.model).await.map_err(|err| match err {
        PlanError::Unknown(unknown) => {
            let hint = if unknown.suggestions.is_empty() {
                String::new()
            } else {
                format!(" Did you mean {}?", unknown.suggestions.join(", "))
            };
            let text = match inbound.surface {
                Shape::Messages => format!(
                    "model: `{}` is not available.{hint} GET /v1/models lists the models.",
                    unknown.requested
                ),
                _ => format!(
                    "the model `{}` does not exist or is not available.{hint} GET /v1/models lists the models.",
                    unknown.requested
                ),
            };
            ApiError::NotFound(text)
        }
        PlanError::Invalid(message) => ApiError::bad_request(message),
    })?;
    if let Some(first) = plan.candidates.first() {
        log.model(&inbound.model, &first.model.id);
    }
    if let Some(route) = &plan.route {
        tracing::debug!("{} matches route `{route}`", inbound.model);
    }
    gate(
        state,
        inbound.route,
        plan.candidates
            .first()
            .map_or(inbound.model.as_str(), |c| c.model.id.as_str()),
        inbound.message_count,
        inbound.tool_count,
        || serde_json::from_slice(&inbound.body).unwrap_or_default(),
    )
    .await?;
    if plan.rules.forward_client_key {
        // The client's own credential goes along for providers with no key of their own.
    } else {
        inbound.hints.client_key = None;
    }
    let policy = gateway.policy;
    let deadline = Instant::now() + policy.deadline;
    let breakers = &state.breakers;
    let mut tries = vec![0u32; plan.candidates.len()];
    let mut waits: Vec<Option<Duration>> = vec![None; plan.candidates.len()];
    let mut last: Option<ApiError> = None;
    // Candidates a context-window refusal ruled out.
    let mut too_small: Option<u64> = None;
    let mut translation = Translation::default();
    // Stop sequences keep a Messages request off the Responses API, which has none.
    let stops = inbound.surface == Shape::Messages
        && (!plan.rules.stop.is_empty()
            || match &inbound.messages {
                Some(request) => request
                    .stop_sequences
                    .as_ref()
                    .is_some_and(|s| !s.is_empty()),
                None => memchr::memmem::find(&inbound.body, b"\"stop_sequences\"").is_some(),
            });
    'passes: loop {
        let all_open = plan
            .candidates
            .iter()
            .all(|c| breakers.is_open(c.provider.name(), &c.model.id));
        let mut attempted = false;
        for (index, candidate) in plan.candidates.iter().enumerate() {
            if outcome.attempts >= policy.max_attempts {
                break 'passes;
            }
            if let Some(limit) = too_small
                && candidate.model.context_window.is_none_or(|w| w <= limit)
            {
                continue;
            }
            let name = candidate.provider.name();
            let admission = breakers.admit(name, &candidate.model.id);
            if admission == Admission::Rejected && !all_open {
                state.observe.metrics.attempt(name, "skipped_open");
                continue;
            }
            let Some(shape) = upstream_shape(inbound.surface, &candidate.model, stops) else {
                last = Some(ApiError::BadRequest {
                    message: format!(
                        "the model `{}` ({name}) does not support the {} API, and copilot-api cannot translate to what it serves ({}); pick a model whose endpoints include it (GET /v1/models lists them)",
                        candidate.model.id,
                        surface_name(inbound.surface),
                        candidate
                            .model
                            .shapes
                            .iter()
                            .map(Shape::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    code: Some("unsupported_api_for_model"),
                });
                continue;
            };
            if inbound.hints.vision && !candidate.model.vision {
                last = Some(ApiError::BadRequest {
                    message: format!(
                        "the model `{}` ({name}) cannot read images, and this request has one; remove the images or pick a model with vision (GET /v1/models shows `capabilities.vision`)",
                        candidate.model.id
                    ),
                    code: Some("image_not_supported"),
                });
                continue;
            }
            if let Some(max) = candidate.provider.kind().max_tools(shape)
                && inbound.tool_count > max
            {
                last = Some(ApiError::BadRequest {
                    message: format!(
                        "Invalid 'tools': array too long. Expected an array with maximum length {max}, but got an array with length {} instead (the {} API of `{}` on {name} takes at most {max})",
                        inbound.tool_count,
                        surface_name(shape),
                        candidate.model.id
                    ),
                    code: Some("too_many_tools"),
                });
                continue;
            }
            if tries[index] > 0 {
                let wait = backoff(&policy, tries[index], waits[index]);
                let Some(wait) = wait else { continue };
                if Instant::now() + wait >= deadline {
                    continue;
                }
                tokio::time::sleep(wait).await;
            }
            if Instant::now() >= deadline {
                break 'passes;
            }
            attempted = true;
            tries[index] += 1;
            outcome.attempts += 1;
            if let Some(previous) = &outcome.provider
                && previous != name
            {
                outcome.fallbacks += 1;
                state.observe.metrics.fallback(previous, name);
            }
            outcome.provider = Some(Arc::clone(name));
            if outcome.attempts > 1 {
                tracing::info!(
                    "attempt {} for {} on {name} ({})",
                    outcome.attempts,
                    inbound.model,
                    candidate.model.id
                );
            }
            let body = build_body(
                &mut inbound,
                &mut translation,
                candidate,
                shape,
                &plan.rules,
                &state.conversations,
            )?;
            match attempt(candidate, shape, body, &inbound, deadline).await {
                Ok(answer) => {
                    breakers.success(name, &candidate.model.id);
                    state.observe.metrics.attempt(name, "ok");
                    log.model(&inbound.model, &candidate.model.id);
                    let copilot = matches!(*candidate.provider, Provider::Copilot(_));
                    log.with(|f| {
                        f.shape = Some(if shape == inbound.surface {
                            "passthrough"
                        } else {
                            "translated"
                        });
                        f.multiplier = candidate.model.premium_multiplier;
                        f.included = copilot && candidate.model.premium_multiplier == Some(0.0);
                        f.error_class = None;
                    });
                    let response = render(
                        state,
                        log,
                        &inbound,
                        candidate,
                        shape,
                        answer,
                        &mut translation,
                    )
                    .await?;
                    return Ok(match &plan.rules.special_prefix {
                        Some(prefix) => {
                            super::prefix::apply(response, inbound.surface, prefix).await
                        }
                        None => response,
                    });
                }
                Err(failure) => {
                    tracing::debug!(
                        "{name} failed for {}: {}",
                        candidate.model.id,
                        failure.error
                    );
                    state.observe.metrics.attempt(
                        name,
                        if failure.retryable {
                            "retryable"
                        } else {
                            "terminal"
                        },
                    );
                    log.with(|f| f.error_class = Some(failure_class(&failure.error)));
                    let overflow = is_context_overflow(&failure.error);
                    if failure.retryable {
                        breakers.failure(
                            name,
                            &candidate.model.id,
                            policy.breaker,
                            failure.retry_after,
                        );
                        waits[index] = failure.retry_after;
                        if failure.elsewhere_only {
                            tries[index] = u32::MAX / 2;
                            waits[index] = Some(Duration::MAX);
                        }
                        last = Some(ApiError::Upstream(failure.error));
                    } else if overflow && plan.candidates.len() > 1 {
                        too_small = candidate.model.context_window.or(Some(0));
                        last = Some(ApiError::Upstream(failure.error));
                        tries[index] = u32::MAX / 2;
                    } else {
                        return Err(ApiError::Upstream(failure.error));
                    }
                }
            }
        }
        if !attempted {
            break;
        }
    }
    Err(last.unwrap_or_else(|| {
        ApiError::Upstream(UpstreamError::Timeout {
            host: "every provider of this model".into(),
        })
    }))
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

/// How long to wait before trying a target again: its `Retry-After` when it fits the longest
/// backoff, else (without one) exponential with full jitter; `None` when the upstream asked
/// for longer than the longest backoff (move on instead of waiting).
fn backoff(
    policy: &crate::routing::Policy,
    tries: u32,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    if let Some(wait) = retry_after {
        return (wait <= policy.backoff_max).then_some(wait);
    }
    let exp = policy
        .backoff_base
        .saturating_mul(1 << tries.saturating_sub(1).min(16))
        .min(policy.backoff_max);
    Some(exp.mul_f64(fastrand::f64()))
}

/// The client's session id: a `session_id` / `x-session-id` / `conversation_id` header (Codex
/// sends `session_id`), else the `_session_…` part of Claude Code's `metadata.user_id`
/// (`user_<hash>_account_<uuid>_session_<uuid>`).
pub(crate) fn session_id(headers: &axum::http::HeaderMap, user_id: Option<&str>) -> Option<String> {
    for name in [
        "session_id",
        "x-session-id",
        "conversation_id",
        "x-claude-code-session-id",
    ] {
        if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
            let value = value.trim();
            if !value.is_empty() && value.len() <= 200 {
                return Some(value.to_owned());
            }
        }
    }
    let user = user_id?;
    let session = user.rsplit_once("_session_").map_or(user, |(_, s)| s);
    (!session.is_empty() && session.len() <= 200).then(|| session.to_owned())
}

/// The ledger's class of an upstream failure.
fn failure_class(error: &UpstreamError) -> &'static str {
    match error {
        UpstreamError::Connect { .. } => "connect",
        UpstreamError::Timeout { .. } => "timeout",
        UpstreamError::Interrupted { .. } => "stream",
        UpstreamError::Decode { .. } => "upstream",
        UpstreamError::NoToken { .. } => "auth",
        UpstreamError::Status { status, .. } if status.is_client_error() => "client",
        UpstreamError::Status { .. } => "upstream",
    }
}

/// Seconds until the next UTC midnight, or the first of the next month.
fn until_next(month: bool) -> u64 {
    let now = crate::ledger::now_ms() / 1000;
    let day_left = 86_400 - now.rem_euclid(86_400);
    if !month {
        return day_left as u64;
    }
    let today = crate::ledger::store::day(now * 1000);
    let mut t = now + day_left;
    while crate::ledger::store::day(t * 1000)[..7] == today[..7] {
        t += 86_400;
    }
    (t - now) as u64
}

/// The budgets: a key's daily credits, then the server's daily and monthly ones. A spent
/// budget rejects (429 naming it, `Retry-After` until it renews) or sends the request to the
/// configured model.
fn check_budgets(
    state: &AppState,
    gateway: &crate::routing::Gateway,
    key_limit: Option<(String, f64)>,
    inbound: &mut Inbound,
) -> Result<(), ApiError> {
    let spend = &state.observe.spend;
    if let Some((name, limit)) = key_limit {
        let spent = spend.today_for(&name);
        if spent >= limit {
            return Err(ApiError::BudgetSpent {
                message: format!(
                    "the daily budget of the API key `{name}` is spent ({spent:.2} of {limit} AI credits today, UTC); it renews at midnight UTC (`copilot-api keys` sets it)"
                ),
                retry_after: until_next(false),
            });
        }
    }
    let budget = &gateway.budget;
    if budget.daily.is_none() && budget.monthly.is_none() {
        return Ok(());
    }
    let total = spend.total();
    let spent = match (budget.daily, budget.monthly) {
        (Some(limit), _) if total.today >= limit => Some(("daily", total.today, limit, false)),
        (_, Some(limit)) if total.month >= limit => Some(("monthly", total.month, limit, true)),
        _ => None,
    };
    let Some((which, spent, limit, month)) = spent else {
        return Ok(());
    };
    match &budget.on_exhausted {
        crate::routing::Exhausted::Reject => Err(ApiError::BudgetSpent {
            message: format!(
                "the {which} budget is spent ({spent:.2} of {limit} AI credits); it renews {} UTC ([budget] {which}_credits in the config)",
                if month { "on the 1st" } else { "at midnight" }
            ),
            retry_after: until_next(month),
        }),
        crate::routing::Exhausted::Route(model) => {
            if inbound.model != *model {
                tracing::info!(
                    "{which} budget spent ({spent:.2} of {limit} credits): {} served by {model}",
                    inbound.model
                );
                inbound.model.clone_from(model);
                // The body names the model too (passthrough sends it as it is).
                if let Ok(mut map) = parse_json::<Map<String, Value>>(&inbound.body) {
                    map.insert("model".into(), Value::String(model.clone()));
                    if let Ok(bytes) = serde_json::to_vec(&map) {
                        inbound.body = Bytes::from(bytes);
                    }
                }
                if let Some(request) = inbound.messages.as_mut() {
                    request.model.clone_from(model);
                }
            }
            Ok(())
        }
    }
}

/// What dispatch does for a request before it calls a provider, without the call: the
/// plan, the upstream shape and the body (the routing + dispatch benchmark).
#[doc(hidden)]
pub(crate) async fn prepare(
    gateway: &crate::routing::Gateway,
    inbound: &mut Inbound,
) -> Result<Bytes, ApiError> {
    let plan = gateway
        .plan(&inbound.model)
        .await
        .map_err(|_| ApiError::NotFound(inbound.model.clone()))?;
    let candidate = plan
        .candidates
        .first()
        .ok_or_else(|| ApiError::NotFound(inbound.model.clone()))?;
    let shape = upstream_shape(inbound.surface, &candidate.model, false)
        .ok_or_else(|| ApiError::bad_request("unsupported"))?;
    build_body(
        inbound,
        &mut Translation::default(),
        candidate,
        shape,
        &plan.rules,
        &Conversations::default(),
    )
}

/// The API's name in messages.
fn surface_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Chat => "Chat Completions",
        Shape::Responses => "Responses",
        Shape::Messages => "Messages",
        Shape::Embeddings => "Embeddings",
    }
}

/// The shape to send to `model` for a client speaking `surface`: its own when the model
/// serves it (passthrough); otherwise the shape that keeps the most. For a reasoning model
/// (one that takes `reasoning_effort` or a thinking budget) Messages and Responses go to each
/// other: thinking blocks with signatures and reasoning items with `encrypted_content` are each
/// other's match, and each API's reasoning controls map one to one. Otherwise chat
/// completions, the pivot every translation goes through, then the third shape. A Messages
/// request with stop sequences (`stops`) goes to chat rather than Responses, which has none.
fn upstream_shape(surface: Shape, model: &ModelInfo, stops: bool) -> Option<Shape> {
    if model.serves(surface) {
        return Some(surface);
    }
    let reasoning =
        (model.reasoning_effort || model.thinking_budget) && !(surface == Shape::Messages && stops);
    let order: &[Shape] = match surface {
        Shape::Messages if reasoning => &[Shape::Responses, Shape::Chat],
        Shape::Messages => &[Shape::Chat, Shape::Responses],
        Shape::Responses if reasoning => &[Shape::Messages, Shape::Chat],
        Shape::Responses => &[Shape::Chat, Shape::Messages],
        Shape::Chat => &[Shape::Responses, Shape::Messages],
        Shape::Embeddings => &[],
    };
    order.iter().copied().find(|shape| model.serves(*shape))
}

/// The translators' name for an upstream shape.
fn upstream_kind(shape: Shape) -> UpstreamKind {
    match shape {
        Shape::Responses => UpstreamKind::Responses,
        Shape::Messages => UpstreamKind::Messages,
        Shape::Chat | Shape::Embeddings => UpstreamKind::Chat,
    }
}

/// A chat request (the pivot) as the body for a Responses or Messages upstream.
fn chat_to_upstream(
    chat: Map<String, Value>,
    shape: Shape,
    model: &ModelInfo,
    rules: &RouteRules,
    size: usize,
) -> Result<Bytes, ApiError> {
    let body = match shape {
        Shape::Responses => via_responses::request(chat, &model.id).map(|mut body| {
            if model.reasoning_effort
                && let Some(body) = body.as_object_mut()
            {
                // Reasoning models on the Responses API refuse sampling parameters.
                body.remove("temperature");
                body.remove("top_p");
            }
            body
        }),
        _ => via_messages::request(
            chat,
            &via_messages::Target {
                id: model.id.clone(),
                max_output: match (model.max_output, rules.max_tokens) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
            },
        ),
    }
    .map_err(|err| ApiError::bad_request(err.to_string()))?;
    tracing::debug!(%body, "translated request");
    write_json(&body, size).map(Bytes::from)
}

/// The translated body of the last translation, by target model.
#[derive(Default)]
struct Translation {
    done: Option<(String, Bytes, bool)>,
    /// Responses → chat: what the answer's translation needs to know.
    responses: Option<crate::translate::responses::Context>,
    /// A chat client asked for the usage chunk (`stream_options.include_usage`).
    include_usage: bool,
    /// A Responses turn on a translated model, to keep for `previous_response_id`.
    pending: Option<PendingTurn>,
}

/// What a translated Responses turn adds to its conversation, before the answer is known.
struct PendingTurn {
    parent: Option<Arc<Turn>>,
    /// The request's own input items, as a JSON array.
    input: String,
}

/// The Responses request with the conversation it continues put in front of its input;
/// the turn to keep once answered (unless `store: false`).
fn responses_request(
    inbound: &mut Inbound,
    translation: &mut Translation,
    store: &Conversations,
) -> Result<(Map<String, Value>, Option<String>), ApiError> {
    let mut request: Map<String, Value> = match inbound.responses.take() {
        Some(request) => request,
        None => parse_json(&inbound.body)?,
    };
    let previous = match request.remove("previous_response_id") {
        Some(Value::String(id)) => Some(id),
        _ => None,
    };
    let parent = match &previous {
        Some(id) => Some(
            store
                .get(id)
                .ok_or_else(|| ApiError::UnknownPrevious(id.clone()))?,
        ),
        None => None,
    };
    let keep = request.get("store") != Some(&Value::Bool(false));
    if parent.is_none() && !keep {
        // Nothing to put in front and nothing to keep (Codex sends its whole history with
        // `store: false`): the input is not copied.
        translation.pending = None;
        return Ok((request, previous));
    }
    // A text input is one user message.
    let said = |text: &str| serde_json::json!({"type": "message", "role": "user", "content": text});
    let own = match &parent {
        // The conversation so far, then the request's own items (moved, not copied).
        Some(parent) => {
            let items = match request.remove("input") {
                Some(Value::String(text)) => vec![said(&text)],
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            let own = Value::Array(items);
            let written = json_text(&own);
            let mut all = parent.history();
            if let Value::Array(items) = own {
                all.extend(items);
            }
            request.insert("input".into(), Value::Array(all));
            written
        }
        // The own input as a JSON array, written from the parsed request (not copied).
        None => match request.get("input") {
            Some(Value::String(text)) => json_text(&Value::Array(vec![said(text)])),
            Some(items @ Value::Array(_)) => json_text(items),
            _ => "[]".to_owned(),
        },
    };
    translation.pending = keep.then_some(PendingTurn { parent, input: own });
    Ok((request, previous))
}

/// The body for `candidate` in `shape`.
fn build_body(
    inbound: &mut Inbound,
    translation: &mut Translation,
    candidate: &Candidate,
    shape: Shape,
    rules: &RouteRules,
    store: &Conversations,
) -> Result<Bytes, ApiError> {
    let model = &candidate.model;
    // A translation is about as long as the client's body (`write_json`).
    let size = inbound.body.len() + 512;
    match (inbound.surface, shape) {
        (Shape::Messages, Shape::Messages) => native_messages_body(
            inbound,
            model,
            rules,
            matches!(*candidate.provider, Provider::Copilot(_)),
        ),
        (Shape::Responses, Shape::Chat) => {
            let (request, previous) = responses_request(inbound, translation, store)?;
            let (mut chat, mut ctx) = crate::translate::responses::to_chat(request, &model.id)
                .map_err(|err| ApiError::bad_request(err.to_string()))?;
            if let Some(previous) = previous {
                ctx.echo
                    .keep("previous_response_id", &Value::String(previous));
            }
            if rules.edits_request()
                && let Some(map) = chat.as_object_mut()
            {
                super::rules::apply_chat(map, rules);
            }
            translation.responses = Some(ctx);
            Ok(Bytes::from(write_json(&chat, size)?))
        }
        (Shape::Chat, Shape::Responses | Shape::Messages) => {
            let mut chat: Map<String, Value> = parse_json(&inbound.body)?;
            if rules.edits_request() {
                super::rules::apply_chat(&mut chat, rules);
            }
            translation.include_usage = chat
                .get("stream_options")
                .and_then(|o| o.get("include_usage"))
                .and_then(Value::as_bool)
                == Some(true);
            chat_to_upstream(chat, shape, model, rules, size)
        }
        (Shape::Messages, Shape::Responses) => {
            let mut request = match inbound.messages.take() {
                Some(request) => request,
                None => parse_json(&inbound.body)?,
            };
            clamp_output(&mut request, model, rules);
            let mut target = target(model);
            target.replays_reasoning = true;
            let mut chat = anthropic_to_openai(request, &target)
                .map_err(|err| ApiError::bad_request(err.to_string()))?
                .into_map()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if rules.edits_request() {
                super::rules::apply_chat(&mut chat, rules);
            }
            chat_to_upstream(chat, shape, model, rules, size)
        }
        (Shape::Responses, Shape::Messages) => {
            let (request, previous) = responses_request(inbound, translation, store)?;
            let (chat, mut ctx) = crate::translate::responses::to_chat(request, &model.id)
                .map_err(|err| ApiError::bad_request(err.to_string()))?;
            if let Some(previous) = previous {
                ctx.echo
                    .keep("previous_response_id", &Value::String(previous));
            }
            let Value::Object(mut chat) = chat else {
                return Err(ApiError::Internal("a chat request is an object".into()));
            };
            if rules.edits_request() {
                super::rules::apply_chat(&mut chat, rules);
            }
            translation.responses = Some(ctx);
            chat_to_upstream(chat, shape, model, rules, size)
        }
        (Shape::Messages, Shape::Chat) => {
            if let Some((id, body, _)) = &translation.done
                && *id == model.id
            {
                return Ok(body.clone());
            }
            // The typed request moves into the first translation; a fallback to another
            // model reads the client's bytes again.
            let mut request = match inbound.messages.take() {
                Some(request) => request,
                None => parse_json(&inbound.body)?,
            };
            clamp_output(&mut request, model, rules);
            let mut chat = anthropic_to_openai(request, &target(model))
                .map_err(|err| ApiError::bad_request(err.to_string()))?;
            if !matches!(*candidate.provider, Provider::Copilot(_)) && chat.stream == Some(true) {
                // OpenAI-style servers report usage on streams only when asked.
                chat.extra.insert(
                    "stream_options".into(),
                    serde_json::json!({"include_usage": true}),
                );
            }
            let stream = chat.stream == Some(true);
            let mut body = write_json(&chat, size)?;
            if rules.edits_request() {
                body = edit_chat(&body, rules)?;
            }
            let body = Bytes::from(body);
            tracing::debug!(body = %String::from_utf8_lossy(&body), "translated chat request");
            translation.done = Some((model.id.clone(), body.clone(), stream));
            Ok(body)
        }
        _ => {
            // The client's own shape: its parsed request is not kept while the answer streams.
            let parsed = inbound.responses.take();
            let mut body = inbound.body.clone();
            let mut keys = inbound.output_keys;
            if model.id != inbound.model || (shape == Shape::Chat && rules.edits_request()) {
                let mut map: Map<String, Value> = match parsed {
                    Some(map) => map,
                    None => parse_json(&body)?,
                };
                map.insert("model".into(), Value::String(model.id.clone()));
                let mut bytes = write_json(&map, size)?;
                if shape == Shape::Chat && rules.edits_request() {
                    bytes = edit_chat(&bytes, rules)?;
                    keys = None;
                }
                body = Bytes::from(bytes);
            }
            if shape == Shape::Chat
                && let Some(adjusted) = candidate.provider.adjust_chat(&body, model, keys)?
            {
                body = adjusted;
            }
            Ok(body)
        }
    }
}

/// The Messages body for a native upstream: the client's fields, with the model id and the
/// output limits as [`clamp_output`] leaves them.
fn native_messages_body(
    inbound: &mut Inbound,
    model: &ModelInfo,
    rules: &RouteRules,
    copilot: bool,
) -> Result<Bytes, ApiError> {
    let mut raw: Map<String, Value> = parse_json(&inbound.body)?;
    raw.insert("model".into(), Value::String(model.id.clone()));
    if let Some(request) = inbound.messages.as_mut() {
        clamp_output(request, model, rules);
        if let Some(max_tokens) = request.max_tokens {
            raw.insert("max_tokens".into(), Value::from(max_tokens));
        }
        if let Some(budget) = request.thinking.as_ref().and_then(|t| t.budget_tokens)
            && let Some(thinking) = raw.get_mut("thinking").and_then(Value::as_object_mut)
        {
            thinking.insert("budget_tokens".into(), Value::from(budget));
        }
    }
    if let Some(Value::Array(messages)) = raw.get_mut("messages") {
        super::rules::preprocess(messages, rules);
    }
    if copilot {
        fold_system_messages(&mut raw);
    }
    if !rules.stop.is_empty() {
        let mut stops: Vec<Value> = raw
            .get("stop_sequences")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for stop in &rules.stop {
            if !stops.iter().any(|s| s.as_str() == Some(stop)) {
                stops.push(Value::String(stop.clone()));
            }
        }
        raw.insert("stop_sequences".into(), Value::Array(stops));
    }
    write_json(&raw, inbound.body.len() + 256).map(Bytes::from)
}

/// `role: "system"` messages inside `messages` (Claude Code sends them, announced by a
/// `mid-conversation-system-*` beta that Copilot does not take) folded into the conversation:
/// before the first user turn into the top-level `system`, elsewhere as a leading text block of
/// the next user turn (the previous one when none follows). The instructions stay where they
/// were said, and the request stays one Copilot accepts.
fn fold_system_messages(raw: &mut Map<String, Value>) {
    let Some(Value::Array(messages)) = raw.get_mut("messages") else {
        return;
    };
    if !messages.iter().any(|m| m["role"] == "system") {
        return;
    }
    let text = |content: &Value| match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => String::new(),
    };
    let mut leading = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let mut kept: Vec<Value> = Vec::with_capacity(messages.len());
    for message in messages.drain(..) {
        if message["role"] == "system" {
            let said = text(&message["content"]);
            if said.is_empty() {
                continue;
            }
            if kept.iter().any(|m: &Value| m["role"] == "user") {
                pending.push(said);
            } else {
                leading.push(said);
            }
            continue;
        }
        let mut message = message;
        if message["role"] == "user" && !pending.is_empty() {
            prepend_text(&mut message, std::mem::take(&mut pending));
        }
        kept.push(message);
    }
    if !pending.is_empty()
        && let Some(last_user) = kept.iter_mut().rev().find(|m| m["role"] == "user")
    {
        append_text(last_user, pending);
    }
    *messages = kept;
    if !leading.is_empty() {
        let joined = leading.join("\n\n");
        match raw.get_mut("system") {
            Some(Value::String(system)) => {
                system.push_str("\n\n");
                system.push_str(&joined);
            }
            Some(Value::Array(blocks)) => {
                blocks.push(serde_json::json!({"type": "text", "text": joined}))
            }
            _ => {
                raw.insert("system".into(), Value::String(joined));
            }
        }
    }
}

/// A user message's content as blocks.
fn blocks_of(message: &mut Value) -> Option<&mut Vec<Value>> {
    if let Some(text) = message["content"].as_str().map(str::to_owned) {
        message["content"] = serde_json::json!([{"type": "text", "text": text}]);
    }
    message["content"].as_array_mut()
}

fn prepend_text(message: &mut Value, texts: Vec<String>) {
    if let Some(blocks) = blocks_of(message) {
        // Tool results must open the turn; the text goes after them.
        let at = blocks
            .iter()
            .take_while(|b| b["type"] == "tool_result")
            .count();
        for (i, text) in texts.into_iter().enumerate() {
            blocks.insert(at + i, serde_json::json!({"type": "text", "text": text}));
        }
    }
}

fn append_text(message: &mut Value, texts: Vec<String>) {
    if let Some(blocks) = blocks_of(message) {
        blocks.extend(
            texts
                .into_iter()
                .map(|text| serde_json::json!({"type": "text", "text": text})),
        );
    }
}

/// Keeps `max_tokens` within the model's output limit (Claude Code asks for 32000 whatever the
/// model) and the route's cap, and a thinking budget below `max_tokens`, as Anthropic
/// requires.
fn clamp_output(request: &mut MessagesRequest, model: &ModelInfo, rules: &RouteRules) {
    let limit = match (model.max_output, rules.max_tokens) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let Some(limit) = limit else {
        return;
    };
    let Some(max_tokens) = request.max_tokens.as_mut() else {
        return;
    };
    if *max_tokens > limit {
        tracing::debug!(
            "max_tokens {max_tokens} lowered to {limit} for {}",
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

/// What the translator needs to know about the target model.
fn target(model: &ModelInfo) -> TargetModel {
    TargetModel {
        id: model.id.clone(),
        supports_thinking_budget: model.thinking_budget,
        supports_reasoning_effort: model.reasoning_effort,
        max_output_tokens: model.max_output,
        replays_reasoning: false,
    }
}

/// Applies a route's request rules to a chat-completions body.
fn edit_chat(body: &[u8], rules: &RouteRules) -> Result<Vec<u8>, ApiError> {
    let mut map: Map<String, Value> = parse_json(body)?;
    super::rules::apply_chat(&mut map, rules);
    write_json(&map, body.len() + 256)
}

/// One attempt: send, then read the answer up to its commit point.
async fn attempt(
    candidate: &Candidate,
    shape: Shape,
    body: Bytes,
    inbound: &Inbound,
    deadline: Instant,
) -> Result<Answer, Failure> {
    let provider = &candidate.provider;
    let call = Call {
        shape,
        model: &candidate.model,
        body,
        hints: &inbound.hints,
    };
    let first_byte = provider.first_byte_timeout();
    let until = deadline.min(Instant::now() + first_byte);
    let host = provider.name().to_string();
    let result = tokio::time::timeout_at(until, async {
        let mut response = provider.send(call).await?;
        let status = response.status();
        // Taken, not cloned: the body needs none of them (reqwest decided its decoding when
        // the head arrived).
        let headers = std::mem::take(response.headers_mut());
        if relay::is_event_stream(&headers) {
            let stream =
                commit::first_content(response.bytes_stream().boxed(), shape, &host).await?;
            Ok(Answer {
                status,
                headers,
                body: AnswerBody::Stream(stream),
            })
        } else {
            let bytes = response
                .bytes()
                .await
                .map_err(|e| UpstreamError::from_reqwest(&e))?;
            check_answer(&bytes, shape, &host)?;
            Ok(Answer {
                status,
                headers,
                body: AnswerBody::Full(bytes),
            })
        }
    })
    .await;
    let error = match result {
        Ok(Ok(answer)) => return Ok(answer),
        Ok(Err(error)) => error,
        Err(_) => UpstreamError::Timeout { host },
    };
    Err(classify(error))
}

/// What a whole answer of each shape must have, read without building it.
#[derive(serde::Deserialize)]
struct AnswerPeek {
    #[serde(default)]
    choices: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    content: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    output: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    data: Option<Vec<serde::de::IgnoredAny>>,
}

/// A 2xx whose body is not what the route promises (HTML from a proxy, truncated or empty
/// JSON, a chat answer without choices) is the upstream's failure, never a 200 to the client.
fn check_answer(bytes: &[u8], shape: Shape, host: &str) -> Result<(), UpstreamError> {
    let what = match shape {
        Shape::Chat => "a chat completion",
        Shape::Responses => "a Responses answer",
        Shape::Messages => "a Messages answer",
        Shape::Embeddings => "an embeddings answer",
    };
    let broken = |why: String| UpstreamError::Decode {
        service: host.to_owned().into(),
        reason: format!("its 2xx answer is not {what}: {why}"),
    };
    let peek: AnswerPeek = match serde_json::from_slice(bytes) {
        Ok(peek) => peek,
        Err(err) => {
            let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            return Err(broken(if bytes.is_empty() {
                "an empty body".to_owned()
            } else {
                format!("{err} (it starts with {start:?})")
            }));
        }
    };
    let ok = match shape {
        Shape::Chat => peek.choices.is_some_and(|c| !c.is_empty()),
        Shape::Messages => peek.content.is_some(),
        Shape::Responses => peek.output.is_some(),
        Shape::Embeddings => peek.data.is_some(),
    };
    if ok {
        Ok(())
    } else {
        Err(broken(
            "the field that carries the answer is missing or empty".to_owned(),
        ))
    }
}

/// [`check_answer`] for each shape, for the fuzz targets.
#[doc(hidden)]
pub(crate) fn fuzz_check_answer(bytes: &[u8]) -> usize {
    [
        Shape::Chat,
        Shape::Messages,
        Shape::Responses,
        Shape::Embeddings,
    ]
    .into_iter()
    .filter(|shape| check_answer(bytes, *shape, "fuzz").is_ok())
    .count()
}

/// The one retry classification.
fn classify(error: UpstreamError) -> Failure {
    let elsewhere_only = matches!(
        &error,
        UpstreamError::Status { status, .. } if matches!(status.as_u16(), 401 | 403)
    ) || matches!(&error, UpstreamError::NoToken { .. });
    let (retryable, retry_after) = match &error {
        UpstreamError::Connect { .. } | UpstreamError::Timeout { .. } => (true, None),
        UpstreamError::Interrupted { .. } => (true, None),
        // A broken 2xx is the upstream's failure: another target may answer properly.
        UpstreamError::Decode { .. } => (true, None),
        // Another provider may serve; Copilot will not until the token is back.
        UpstreamError::NoToken { .. } => (true, None),
        UpstreamError::Status {
            status, headers, ..
        } => {
            let retryable = matches!(
                status.as_u16(),
                401 | 403 | 408 | 429 | 500 | 502 | 503 | 504
            );
            (retryable, retry_after(headers))
        }
    };
    Failure {
        error,
        retryable,
        elsewhere_only,
        retry_after,
    }
}

/// `Retry-After` (seconds), or the `retry-after-ms` / `x-ms-retry-after-ms` Azure and OpenAI
/// send.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    number("retry-after-ms")
        .or_else(|| number("x-ms-retry-after-ms"))
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| number(header::RETRY_AFTER.as_str()).map(Duration::from_secs_f64))
}

/// A refusal because the prompt does not fit the model's context window.
fn is_context_overflow(error: &UpstreamError) -> bool {
    let UpstreamError::Status {
        status, message, ..
    } = error
    else {
        return false;
    };
    let text = message.to_ascii_lowercase();
    status.as_u16() == 400
        && (text.contains("prompt is too long")
            || text.contains("context length")
            || text.contains("context_length_exceeded")
            || text.contains("maximum context"))
}

/// The request's input tokens by the shared counter (what `count_tokens` answers), for the
/// `message_start` of a translated stream before the upstream reports its own; counted off the
/// runtime's threads, since a long conversation takes milliseconds.
async fn input_tokens(inbound: &Inbound, model: &ModelInfo) -> u64 {
    let body = inbound.body.clone();
    let (id, tokenizer) = (model.id.clone(), model.tokenizer.clone());
    tokio::task::spawn_blocking(move || {
        let value: Value = serde_json::from_slice(&body).ok()?;
        crate::tokens::requests::count_anthropic_request(&value, &id, tokenizer.as_deref(), None)
            .ok()
            .map(|count| count.total)
    })
    .await
    .ok()
    .flatten()
    .unwrap_or(0)
}

/// Renders an answer in the client's shape.
async fn render(
    state: &AppState,
    log: &RequestLog,
    inbound: &Inbound,
    candidate: &Candidate,
    shape: Shape,
    answer: Answer,
    translation: &mut Translation,
) -> Result<Response, ApiError> {
    let kind = upstream_kind(shape);
    if let Some(legacy) = &inbound.legacy {
        return super::translated::render_chat(
            answer,
            kind,
            &candidate.model.id,
            inbound.stream,
            ChatEncoding::Legacy(legacy.clone()),
            log,
            state.settings.ping_interval,
        );
    }
    match (inbound.surface, shape) {
        (Shape::Responses, Shape::Chat | Shape::Messages) => super::translated::render_responses(
            answer,
            kind,
            &candidate.model.id,
            translation.responses.take().unwrap_or_default(),
            translation.pending.take().map(|turn| {
                let state = state.clone();
                Box::new(move |id: String, output: &str| {
                    let items = super::conversations::join_arrays(&turn.input, output);
                    state.conversations.put(id, Turn::new(turn.parent, items));
                }) as super::translated::Keep
            }),
            log,
            state.settings.ping_interval,
        ),
        (Shape::Chat, Shape::Chat) => {
            let normalise = candidate.provider.normalises_chat();
            relay::relay_chat(
                answer,
                log,
                normalise && inbound.merge_choices,
                normalise,
                state.settings.ping_interval,
            )
        }
        (Shape::Chat, Shape::Responses | Shape::Messages) => super::translated::render_chat(
            answer,
            kind,
            &candidate.model.id,
            inbound.stream,
            ChatEncoding::Chat {
                include_usage: translation.include_usage,
            },
            log,
            state.settings.ping_interval,
        ),
        (Shape::Messages, Shape::Chat | Shape::Responses) => super::translated::render(
            if answer.body.is_stream() {
                Some(input_tokens(inbound, &candidate.model).await)
            } else {
                None
            },
            answer,
            kind,
            &inbound.model,
            state.settings.ping_interval,
            log,
            inbound.stream,
        ),
        (surface, _) => relay::relay(answer, log, surface, state.settings.ping_interval),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_come_from_headers_or_claude_codes_user_id() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(
            session_id(&headers, Some("user_abc_account_1234_session_9f0e-11")).as_deref(),
            Some("9f0e-11")
        );
        headers.insert("session_id", HeaderValue::from_static("codex-s1"));
        assert_eq!(session_id(&headers, None).as_deref(), Some("codex-s1"));
        assert_eq!(session_id(&axum::http::HeaderMap::new(), None), None);
    }

    #[test]
    fn retry_hints_and_backoff() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        let policy = crate::routing::Policy::default();
        for tries in 1..10 {
            let wait = backoff(&policy, tries, None).unwrap();
            assert!(wait <= policy.backoff_max);
        }
        assert_eq!(
            backoff(&policy, 1, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(backoff(&policy, 1, Some(Duration::from_secs(60))), None);
    }

    #[test]
    fn output_limits_are_clamped_to_the_model_and_the_route() {
        let mut model = ModelInfo::bare("m", &Arc::from("p"), crate::providers::Shapes::default());
        model.max_output = Some(8192);
        let request = || -> MessagesRequest {
            serde_json::from_value(serde_json::json!({"model": "m", "messages": [],
                "max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 31999}}))
            .unwrap()
        };
        let mut req = request();
        clamp_output(&mut req, &model, &RouteRules::default());
        assert_eq!(req.max_tokens, Some(8192));
        assert_eq!(req.thinking.and_then(|t| t.budget_tokens), Some(8191));
        let mut req = request();
        let capped = RouteRules {
            max_tokens: Some(1000),
            ..RouteRules::default()
        };
        clamp_output(&mut req, &model, &capped);
        assert_eq!(req.max_tokens, Some(1000));
    }

    #[test]
    fn mid_conversation_system_messages_are_folded_for_copilot() {
        let mut raw = serde_json::json!({"system": "Be Claude Code.", "messages": [
            {"role": "system", "content": "Before anything."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]},
            {"role": "system", "content": [{"type": "text", "text": "The file changed."}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]},
            {"role": "assistant", "content": "done"},
            {"role": "system", "content": "Last words."}
        ]});
        let map = raw.as_object_mut().unwrap();
        fold_system_messages(map);
        assert_eq!(map["system"], "Be Claude Code.\n\nBefore anything.");
        let messages = map["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 4);
        assert!(messages.iter().all(|m| m["role"] != "system"));
        assert_eq!(
            messages[2]["content"],
            serde_json::json!([{"type": "tool_result", "tool_use_id": "t", "content": "ok"},
                               {"type": "text", "text": "The file changed."},
                               // Nothing follows the last one: it joins the last user turn.
                               {"type": "text", "text": "Last words."}])
        );
    }

    #[test]
    fn what_is_retried() {
        let status = |code: u16, message: &str| UpstreamError::Status {
            service: "x".into(),
            status: reqwest::StatusCode::from_u16(code).unwrap(),
            message: message.into(),
            body: Bytes::new(),
            headers: Box::default(),
        };
        for code in [401, 403, 408, 429, 500, 502, 503, 504] {
            assert!(classify(status(code, "")).retryable, "{code}");
        }
        for code in [400, 404, 413, 422] {
            assert!(!classify(status(code, "")).retryable, "{code}");
        }
        assert!(
            classify(UpstreamError::Connect {
                host: "h".into(),
                reason: "r".into()
            })
            .retryable
        );
        assert!(is_context_overflow(&status(
            400,
            "prompt is too long: 250000 tokens > 200000 maximum"
        )));
        assert!(!is_context_overflow(&status(400, "bad")));
    }
}
