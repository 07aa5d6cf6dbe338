//! The HTTP server: `app(state)` builds the routes and middleware, `serve(listener, state,
//! shutdown)` runs them on an already-bound listener until `shutdown` resolves.
//!
//! Middleware, outermost first: the access log (one line per request, written when the
//! response — or the stream — ends), the web-page guard ([`guard`]: foreign `Host` or
//! `Origin` → 403), the API-key check, then CORS for the origins the guard let through
//! (preflights answered there).
//! Bodies are read by the handlers themselves through [`extract::read_body`] and
//! [`extract::parse_json`], so even a body that is too large or not JSON gets an error in the
//! route's own shape; only a model request's body sent without a length (chunked) is read
//! first, by the edge middleware, whose size then decides whether it is parsed off the I/O
//! thread.

pub(crate) mod approval;
pub(crate) mod commit;
pub(crate) mod conns;
pub(crate) mod conversations;
pub(crate) mod dispatch;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod guard;
pub(crate) mod limit;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod observe;
pub(crate) mod peek;
pub(crate) mod prefix;
pub(crate) mod reload;
pub(crate) mod routes;
pub(crate) mod rules;
pub(crate) mod sse;
pub(crate) mod state;
pub(crate) mod translated;
pub(crate) mod validate;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use tower::{Service, ServiceBuilder};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use error::{ApiError, Surface};
pub(crate) use state::AppState;

/// How long in-flight requests may run after a shutdown signal.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Builds the app: every route, with and without the `/v1` prefix, wrapped in CORS and the
/// edge middleware (access log, API key). The middleware wraps the router once, from outside:
/// `Router::layer` would wrap each route separately, and axum clones a route's whole boxed
/// stack on every request.
pub(crate) fn app(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send>
+ Clone
+ Send
+ Sync
+ 'static {
    let api = Router::new()
        .route("/chat/completions", post(routes::openai::chat_completions))
        .route("/responses", post(routes::openai::responses))
        .route("/completions", post(routes::openai::completions))
        .route("/embeddings", post(routes::openai::embeddings))
        .route("/models", get(routes::openai::models))
        .route("/models/{id}", get(routes::openai::model))
        .route("/messages", post(routes::anthropic::messages))
        .route(
            "/messages/count_tokens",
            post(routes::anthropic::count_tokens),
        );
    let router = Router::new()
        .route("/", get(routes::health::health))
        .route("/health", get(routes::health::health))
        .route("/usage", get(routes::health::usage))
        .route("/token", get(routes::health::token))
        .route("/metrics", get(routes::health::metrics))
        .route("/dashboard", get(routes::dashboard::page))
        .route("/api/usage/summary", get(routes::dashboard::summary))
        .route("/api/usage/recent", get(routes::dashboard::recent))
        .route("/api/usage/timeline", get(routes::dashboard::timeline))
        .merge(api.clone())
        .nest("/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    let guard = Arc::new(guard::Guard::from_settings(&state.settings));
    ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state((state, guard), edge))
        // Only origins the guard let through reach this layer (the server's own, or listed),
        // so it can mirror them; a refused preflight never gets CORS headers.
        .layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::mirror_request())
                .allow_methods(AllowMethods::mirror_request())
                .allow_headers(AllowHeaders::mirror_request())
                .allow_private_network(true)
                .max_age(Duration::from_secs(600)),
        )
        .service(router)
}

/// The access log around the web-page guard and the API-key check, so refused requests are
/// logged too.
async fn edge(
    State((state, guard)): State<(AppState, Arc<guard::Guard>)>,
    req: Request,
    next: Next,
) -> Response {
    let observer: Arc<dyn log::Observer> = state.observe.clone();
    log::access_log(req, Some(observer), |req| async move {
        // A model request refused here (a key over its limit, a body over the limit) still gets
        // its ledger row and metrics, under the route it was sent to; one refused for want of
        // a key or by the web-page guard is counted in the metrics only, so that no one without
        // a key can make the server write to disk.
        let route = model_route(&req);
        if let Some(route) = route
            && let Some(log) = req.extensions().get::<log::RequestLog>()
        {
            log.with(|f| f.route = Some(route));
        }
        if let Some(refused) = guard.check(&req) {
            unauthenticated(&req);
            return refused.into_response_for(surface_for(&req));
        }
        match admit(&state, &req) {
            Err(refused) => *refused,
            Ok(key_name) => {
                if let (Some(name), Some(log)) =
                    (key_name, req.extensions().get::<log::RequestLog>())
                {
                    log.with(|f| f.key_name = Some(name.name.clone()));
                    log.with(|f| f.key_daily_credits = name.daily_credits);
                }
                // A declared length over the limit is refused before any of the body is read
                // (and before `Expect: 100-continue` is answered).
                let declared = req
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                if declared.is_some_and(|len| len > extract::BODY_LIMIT as u64) {
                    let surface = surface_for(&req);
                    // A client waiting for `100 Continue` sends nothing more; any other is
                    // already sending, and reads the answer only once its body is out.
                    let waits = req
                        .headers()
                        .get(header::EXPECT)
                        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
                    if !waits {
                        extract::discard_body(req.into_body()).await;
                    }
                    return ApiError::PayloadTooLarge {
                        limit_mib: extract::BODY_LIMIT >> 20,
                    }
                    .into_response_for(surface);
                }
                let mut req = req;
                let mut turn = None;
                let heavy = match declared {
                    Some(len) => len >= HEAVY_BODY,
                    // A model request's body without a length (chunked): read here, within a
                    // heavy request's turn (so that memory stays bounded however many come),
                    // and its size decides where it is parsed.
                    None if req.headers().contains_key(header::TRANSFER_ENCODING)
                        && route.is_some() =>
                    {
                        let surface = surface_for(&req);
                        let permit = HEAVY.acquire().await.ok();
                        let (mut parts, body) = req.into_parts();
                        let bytes = match extract::read_body(body).await {
                            Ok(bytes) => bytes,
                            Err(err) => return err.into_response_for(surface),
                        };
                        parts.headers.remove(header::TRANSFER_ENCODING);
                        parts
                            .headers
                            .insert(header::CONTENT_LENGTH, bytes.len().into());
                        let heavy = bytes.len() as u64 >= HEAVY_BODY;
                        if heavy {
                            turn = permit;
                        }
                        req = Request::from_parts(parts, axum::body::Body::from(bytes));
                        heavy
                    }
                    None => false,
                };
                run_catching_panics(req, next, heavy, turn).await
            }
        }
    })
    .await
}

/// Marks a request refused for want of a valid key (or by the web-page guard): counted in the
/// metrics, never written to the ledger.
fn unauthenticated(req: &Request) {
    if let Some(log) = req.extensions().get::<log::RequestLog>() {
        log.with(|f| f.unauthenticated = true);
    }
}

/// The ledger's route name of a model request (`POST` to a model endpoint), before any
/// handler has read it; the handler names it again from the body (a legacy completion is
/// `chat`).
fn model_route(req: &Request) -> Option<&'static str> {
    if req.method() != Method::POST {
        return None;
    }
    let path = req.uri().path();
    let path = path.strip_prefix("/v1").unwrap_or(path);
    Some(match path {
        "/chat/completions" | "/completions" => crate::providers::Shape::Chat.as_str(),
        "/responses" => crate::providers::Shape::Responses.as_str(),
        "/messages" => crate::providers::Shape::Messages.as_str(),
        "/embeddings" => crate::providers::Shape::Embeddings.as_str(),
        _ => return None,
    })
}

/// Requests whose body is at least this large are read, parsed and translated on a blocking
/// thread, so that the I/O thread keeps serving every other client and stream meanwhile.
const HEAVY_BODY: u64 = 1 << 20;

/// At most this many heavy requests are worked on at once (the rest wait their turn): their
/// memory is bounded by a few times the body limit, whatever the clients send.
static HEAVY: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HEAVY_AT_ONCE);
/// Heavy requests worked on at once at most.
const HEAVY_AT_ONCE: usize = 4;

/// Set while a hand-back of freed heap is scheduled ([`release_memory_after_heavy`]).
static RELEASE_SCHEDULED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Hands the freed heap back to the kernel once no heavy request has been running for half a
/// second: after the answer went out and the request's body was dropped, not while either
/// still holds its megabytes (trimming at the end of the handler left up to 120 MB resident).
fn release_memory_after_heavy() {
    use std::sync::atomic::Ordering;
    if RELEASE_SCHEDULED.swap(true, Ordering::AcqRel) {
        return;
    }
    /// Clears the mark however the task ends (a runtime shut down mid-wait included), so a
    /// later heavy request can schedule again.
    struct Unmark;
    impl Drop for Unmark {
        fn drop(&mut self) {
            RELEASE_SCHEDULED.store(false, Ordering::Release);
        }
    }
    tokio::spawn(async {
        let unmark = Unmark;
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if HEAVY.available_permits() >= HEAVY_AT_ONCE {
                break;
            }
        }
        drop(unmark);
        let _ = tokio::task::spawn_blocking(crate::memory::release_free_memory).await;
    });
}

/// Runs the handler (a heavy one off the I/O thread); a panic in it becomes a 500 in the
/// route's shape (the panic hook has logged it in one line) instead of a dropped connection.
async fn run_catching_panics(
    req: Request,
    next: Next,
    heavy: bool,
    turn: Option<tokio::sync::SemaphorePermit<'static>>,
) -> Response {
    use futures_util::FutureExt as _;
    let surface = surface_for(&req);
    let handler = async move {
        // A panic on demand, for the test that proves this (debug builds only).
        #[cfg(debug_assertions)]
        if req.headers().contains_key("x-copilot-api-debug-panic") {
            panic!("a panic requested by x-copilot-api-debug-panic");
        }
        next.run(req).await
    };
    let handler = std::panic::AssertUnwindSafe(handler).catch_unwind();
    let outcome = if heavy {
        let _turn = match turn {
            Some(turn) => Some(turn),
            None => HEAVY.acquire().await.ok(),
        };
        // The handler's I/O is still driven by the runtime's own thread; only its CPU work
        // moves.
        let runtime = tokio::runtime::Handle::current();
        let work = move || runtime.block_on(handler);
        let outcome = match tokio::task::spawn_blocking(work).await {
            Ok(outcome) => outcome,
            Err(err) => Err(Box::new(err.to_string()) as Box<dyn std::any::Any + Send>),
        };
        release_memory_after_heavy();
        outcome
    } else {
        handler.await
    };
    match outcome {
        Ok(response) => response,
        Err(_) => ApiError::Internal(
            "copilot-api hit an internal error on this request (logged); the server goes on"
                .to_owned(),
        )
        .into_response_for(surface),
    }
}

/// Serves until `shutdown` resolves, then gives in-flight requests [`SHUTDOWN_GRACE`]
/// ([`conns`]: timeouts, the connection cap, the order of shutdown).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = conns::Limits {
        max_connections: state
            .settings
            .max_connections
            .unwrap_or_else(conns::default_max_connections),
        client_timeout: state.settings.client_timeout,
    };
    extract::set_body_timeout(limits.client_timeout);
    conns::serve(listener, app(state), limits, shutdown).await
}

/// The error shape a path expects: Anthropic for `/messages…`, or when the client sends
/// `anthropic-version`; OpenAI otherwise.
pub(crate) fn surface_for(req: &Request) -> Surface {
    let path = req.uri().path();
    let path = path.strip_prefix("/v1").unwrap_or(path);
    if path.starts_with("/messages") || req.headers().contains_key("anthropic-version") {
        Surface::Anthropic
    } else {
        Surface::OpenAi
    }
}

async fn not_found(req: Request) -> Response {
    let surface = surface_for(&req);
    ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response_for(surface)
}

async fn method_not_allowed(req: Request) -> Response {
    let surface = surface_for(&req);
    let allow = allowed_methods(req.uri().path());
    let mut response = ApiError::BadRequest {
        message: format!(
            "{} is not allowed on {} (use {allow})",
            req.method(),
            req.uri().path()
        ),
        code: Some("method_not_allowed"),
    }
    .into_response_for(surface);
    *response.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    response
        .headers_mut()
        .insert(header::ALLOW, axum::http::HeaderValue::from_static(allow));
    response
}

/// The methods a route answers, for `Allow` (RFC 9110 requires it on 405).
fn allowed_methods(path: &str) -> &'static str {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    match path {
        "/chat/completions"
        | "/completions"
        | "/responses"
        | "/embeddings"
        | "/messages"
        | "/messages/count_tokens" => "POST",
        _ => "GET, HEAD",
    }
}

/// Checks `x-api-key` / `Authorization: Bearer` when a key is required (`--api-key`, or any
/// named key from `copilot-api keys add`): `Err(401)` in the route's shape when the key is
/// missing or wrong, `Err(429)` with `Retry-After` when a named key is over its `rpm`.
/// `/`, `/health`, the dashboard page and CORS preflights stay open. `Ok(Some(key))` names the
/// named key used.
fn admit(state: &AppState, req: &Request) -> Result<Option<crate::keys::NamedKey>, Box<Response>> {
    let single = state.settings.api_key.as_deref();
    if single.is_none() && !state.keys.any() {
        return Ok(None);
    }
    let path = req.uri().path();
    if matches!(path, "/" | "/health" | "/dashboard") || req.method() == Method::OPTIONS {
        return Ok(None);
    }
    let headers = req.headers();
    let presented = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    // The scheme is case-insensitive (RFC 9110 §11.1).
                    let (scheme, key) = v.trim_start().split_once(' ')?;
                    scheme.eq_ignore_ascii_case("bearer").then_some(key)
                })
        })
        .map(str::trim);
    let surface = surface_for(req);
    let Some(key) = presented else {
        unauthenticated(req);
        return Err(Box::new(ApiError::Unauthorized.into_response_for(surface)));
    };
    if single.is_some_and(|expected| constant_time_eq(key.as_bytes(), expected.as_bytes())) {
        return Ok(None);
    }
    match state.keys.admit(key) {
        Ok(named) => Ok(Some(named)),
        Err(crate::keys::Refusal::Unknown) => {
            unauthenticated(req);
            Err(Box::new(ApiError::Unauthorized.into_response_for(surface)))
        }
        Err(crate::keys::Refusal::RateLimited {
            name,
            rpm,
            retry_after,
        }) => Err(Box::new({
            if let Some(log) = req.extensions().get::<log::RequestLog>() {
                log.with(|f| f.key_name = Some(name.clone()));
            }
            ApiError::KeyLimited {
                name,
                rpm,
                retry_after: retry_after.as_secs().max(1),
            }
            .into_response_for(surface)
        })),
    }
}

/// Compares without an early exit, so timing does not reveal how much of a key matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    // Route tests in process: the app as a tower service, no socket, no network.

    use axum::body::Body;
    use serde_json::{Value, json};
    use tower::ServiceExt as _;

    fn state() -> AppState {
        let models: Vec<crate::providers::copilot::models::Model> = serde_json::from_value(json!([
            {"id": "gpt-4o", "name": "GPT-4o", "vendor": "OpenAI",
             "capabilities": {"type": "chat", "limits": {"max_context_window_tokens": 128000, "max_output_tokens": 4096}},
             "supported_endpoints": ["/chat/completions"]},
            {"id": "claude-sonnet-4.5", "capabilities": {"type": "chat", "limits": {"max_output_tokens": 16000}},
             "supported_endpoints": ["/chat/completions", "/v1/messages"]},
            {"id": "text-embedding-3-small", "capabilities": {"type": "embeddings"}}
        ]))
        .unwrap();
        AppState::for_tests(models)
    }

    async fn call(state: &AppState, request: axum::http::Request<Body>) -> (u16, Value) {
        let response = app(state.clone()).oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn get(path: &str) -> axum::http::Request<Body> {
        axum::http::Request::get(path)
            .header("host", "127.0.0.1:4141")
            .body(Body::empty())
            .unwrap()
    }

    fn post(path: &str, body: &str) -> axum::http::Request<Body> {
        axum::http::Request::post(path)
            .header("host", "127.0.0.1:4141")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    }

    #[tokio::test]
    async fn model_lists_and_lookups_come_from_the_catalogue() {
        let state = state();
        let (status, v) = call(&state, get("/v1/models")).await;
        assert_eq!(status, 200);
        let ids: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["gpt-4o", "claude-sonnet-4.5", "text-embedding-3-small"]
        );
        assert_eq!(v["data"][0]["owned_by"], "copilot");
        assert_eq!(v["data"][0]["supported_shapes"], json!(["chat"]));
        let anthropic = axum::http::Request::get("/v1/models")
            .header("host", "localhost:4141")
            .header("anthropic-version", "2023-06-01")
            .body(Body::empty())
            .unwrap();
        let (_, v) = call(&state, anthropic).await;
        assert_eq!(v["data"].as_array().unwrap().len(), 2, "{v}");
        // Dated and dashed ids resolve as requests do.
        let (status, v) = call(&state, get("/v1/models/claude-sonnet-4-5-20250929")).await;
        assert_eq!(status, 200);
        assert_eq!(v["id"], "claude-sonnet-4.5");
        let (status, _) = call(&state, get("/v1/models/nope")).await;
        assert_eq!(status, 404);
        let (_, v) = call(&state, get("/health")).await;
        assert_eq!(
            v["providers"],
            json!([{"name": "copilot", "kind": "copilot"}])
        );
    }

    #[tokio::test]
    async fn bad_requests_are_refused_in_each_shape_before_any_upstream_call() {
        let state = state();
        let (status, v) = call(
            &state,
            post("/v1/messages", r#"{"model": "claude-sonnet-4.5"}"#),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(v["type"], "error");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("messages"),
            "{v}"
        );
        let (status, v) = call(&state, post("/v1/chat/completions", "{not json")).await;
        assert_eq!(status, 400);
        assert_eq!(v["error"]["type"], "invalid_request_error");
        // An unknown model is a 404 naming the closest ids, on every surface.
        let (status, v) = call(
            &state,
            post(
                "/v1/chat/completions",
                r#"{"model": "gpt-4oo", "messages": [{"role": "user", "content": "hi"}]}"#,
            ),
        )
        .await;
        assert_eq!(status, 404);
        assert!(
            v["error"]["message"].as_str().unwrap().contains("gpt-4o"),
            "{v}"
        );
        // A model that does not serve the client's API, with no translation to it.
        let (status, v) = call(
            &state,
            post(
                "/v1/responses",
                r#"{"model": "text-embedding-3-small", "input": "hi"}"#,
            ),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(v["error"]["code"], "unsupported_api_for_model");
    }

    /// `/v1/messages` reads a well-formed request once; a refused one still gets the plain
    /// message of what is missing, whichever parse finds it.
    #[tokio::test]
    async fn a_messages_request_without_its_model_or_messages_is_told_which() {
        let state = state();
        let user = r#"[{"role": "user", "content": "hi"}]"#;
        for (body, says) in [
            (
                format!(r#"{{"messages": {user}}}"#),
                "model: field required",
            ),
            (
                format!(r#"{{"model": "  ", "messages": {user}}}"#),
                "model: field required",
            ),
            (
                r#"{"model": "claude-sonnet-4.5", "messages": "hi"}"#.to_owned(),
                "messages: field required (an array of messages)",
            ),
            (
                r#"{"model": "claude-sonnet-4.5", "messages": [{"role": "user", "content": 5}]}"#
                    .to_owned(),
                "the request body has an invalid field",
            ),
            ("{not json".to_owned(), "the request body is not valid JSON"),
        ] {
            let (status, v) = call(&state, post("/v1/messages", &body)).await;
            assert_eq!(status, 400, "{body}: {v}");
            assert_eq!(v["error"]["type"], "invalid_request_error", "{v}");
            let message = v["error"]["message"].as_str().unwrap();
            assert!(message.starts_with(says), "{body}: {message}");
        }
    }
}
