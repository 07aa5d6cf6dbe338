//! The fast fake upstream: one axum server on `127.0.0.1:0` that plays both GitHub and Copilot
//! for the proxy under test, on its own thread and multi-thread runtime.
//!
//! It serves exactly what `copilot-api start` needs and nothing else:
//!
//! | route | answer |
//! |---|---|
//! | `GET /user` | `{"login":"bench"}` |
//! | `GET /copilot_internal/v2/token` | a token that never expires and names this server as `endpoints.api` |
//! | `GET /models` | the catalogue below |
//! | `POST /chat/completions` | canned chat completion JSON, or canned SSE when the body has `"stream":true` |
//! | `POST /responses` | canned Responses JSON, or canned Responses events when streamed |
//! | `POST /v1/messages` | canned Messages JSON, or canned Messages events when streamed |
//!
//! The catalogue: `gpt-4o` and `claude-haiku-4.5` on `/chat/completions` only (so
//! `/v1/messages` and `/v1/responses` are translated to chat), `gpt-5-codex` on `/responses`
//! only (a reasoning model: `reasoning_effort`), `claude-opus-4.5` on `/v1/messages` only
//! (`max_thinking_budget`), and three models of the mixed phase: `bench-slow` (chat; its
//! streams send [`SLOW_CHUNKS`] chunks [`SLOW_DELAY`] apart whatever the knobs say),
//! `bench-fail-500` and `bench-fail-429` (served on all three APIs; every request naming them
//! gets a 500, or a 429 with `retry-after: 0`, in the error shape of the API asked). A body is
//! recognised as one of those by the bytes `"bench-` in it, which no other body has.
//!
//! Every answer is serialised once (the Responses stream once per chunk count, since its
//! events are numbered and its last ones carry the whole text), so the fake costs as little
//! CPU as a server can. Any `Authorization` is accepted. Chat SSE replies are a role chunk,
//! `stream_chunks` content chunks (each after `chunk_delay`, when non-zero), a finish chunk
//! with usage, and `data: [DONE]`; Messages and Responses streams have the same content
//! deltas (the same text) between their own framing events, `event: NAME\ndata: JSON\n\n`
//! each. The benchmark changes both knobs between phases (phases never overlap).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use serde_json::json;

/// Distinct content chunks rendered up front; longer streams cycle through them.
const RENDERED_CHUNKS: usize = 64;
/// Content chunks of a `bench-slow` stream.
pub const SLOW_CHUNKS: usize = 20;
/// Pause before each content chunk of a `bench-slow` stream.
pub const SLOW_DELAY: Duration = Duration::from_millis(50);
/// The model whose streams are slow (for client disconnects mid-stream).
pub const SLOW_MODEL: &str = "bench-slow";
/// The model answered 500 on every route.
pub const FAIL_500_MODEL: &str = "bench-fail-500";
/// The model answered 429 (`retry-after: 0`) on every route.
pub const FAIL_429_MODEL: &str = "bench-fail-429";

/// The Responses answers' and events' ids.
const RESPONSE_ID: &str = "resp_bench";
const ITEM_ID: &str = "msg_bench";
/// The canned answer's text (non-streamed answers of every API).
fn answer_text() -> String {
    "The proxy forwards this canned answer unchanged. ".repeat(8)
}

/// The text of content chunk `i` (0-based) of every stream.
fn chunk_text(i: usize) -> String {
    format!("word{} and more text ", i % RENDERED_CHUNKS)
}

/// A running fake upstream. Dropping it stops the server.
pub struct Fake {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, the base URL handed to the proxy.
    pub base: String,
    /// Knobs and counters shared with the handlers.
    pub state: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Canned bodies, the streaming knobs and what the fake observed.
#[derive(Debug)]
pub struct Shared {
    user: Bytes,
    token: Bytes,
    models: Bytes,
    completion: Bytes,
    role_frame: Bytes,
    content_frames: Vec<Bytes>,
    finish_frame: Bytes,
    /// `POST /responses`, not streamed.
    response: Bytes,
    /// The Responses stream for the current chunk count.
    responses_stream: RwLock<Arc<ResponsesStream>>,
    /// `POST /v1/messages`, not streamed.
    message: Bytes,
    /// `message_start` and `content_block_start`.
    messages_head: Bytes,
    /// `content_block_delta` events, cycled through.
    messages_deltas: Vec<Bytes>,
    /// `content_block_stop`, `message_delta` and `message_stop`.
    messages_tail: Bytes,
    /// The error bodies of the `bench-fail-*` models: OpenAI shape, Anthropic shape.
    openai_error: Bytes,
    anthropic_error: Bytes,
    openai_rate_limited: Bytes,
    anthropic_rate_limited: Bytes,
    /// Pause before each content chunk, in microseconds (0: no pause).
    chunk_delay_us: AtomicU64,
    /// Content chunks per SSE reply.
    stream_chunks: AtomicUsize,
    /// When the last Copilot token was handed out.
    token_served: Mutex<Option<Instant>>,
    /// SSE replies sent to the end.
    pub streams_completed: AtomicUsize,
    /// SSE replies whose reader went away before the end.
    pub streams_dropped: AtomicUsize,
    /// SSE replies being sent now (begun, neither completed nor dropped yet).
    pub streams_open: AtomicUsize,
    /// `POST /chat/completions` requests received.
    pub chat_requests: AtomicU64,
}

/// The events of a streamed Responses answer with a given number of content deltas: they are
/// numbered (`sequence_number`) and the last two carry the whole text, so the stream is
/// rendered per chunk count (by `set_stream`, between phases).
#[derive(Debug)]
struct ResponsesStream {
    /// Content deltas per stream.
    chunks: usize,
    /// `response.created` and `response.output_item.added`.
    head: Bytes,
    /// One `response.output_text.delta` per chunk.
    deltas: Vec<Bytes>,
    /// `response.output_item.done` and `response.completed`.
    tail: Bytes,
}

/// One `event: NAME\ndata: JSON\n\n` frame.
fn event(name: &str, data: &serde_json::Value) -> anyhow::Result<String> {
    Ok(format!(
        "event: {name}\ndata: {}\n\n",
        serde_json::to_string(data)?
    ))
}

/// The Responses usage of every answer.
fn responses_usage() -> serde_json::Value {
    json!({"input_tokens": 512, "input_tokens_details": {"cached_tokens": 0},
           "output_tokens": 96, "output_tokens_details": {"reasoning_tokens": 0},
           "total_tokens": 608})
}

/// A completed Responses answer saying `text`.
fn responses_answer(text: &str) -> serde_json::Value {
    json!({
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "model": "gpt-5-codex",
        "output": [message_item(text, "completed")],
        "usage": responses_usage()
    })
}

/// The Responses output item holding the answer.
fn message_item(text: &str, status: &str) -> serde_json::Value {
    json!({"type": "message", "id": ITEM_ID, "role": "assistant", "status": status,
           "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

impl ResponsesStream {
    fn render(chunks: usize) -> anyhow::Result<Self> {
        let mut created = responses_answer("");
        created["status"] = json!("in_progress");
        created["output"] = json!([]);
        created["usage"] = serde_json::Value::Null;
        let mut added = message_item("", "in_progress");
        added["content"] = json!([]);
        let head = event(
            "response.created",
            &json!({"type": "response.created", "sequence_number": 0, "response": created}),
        )? + &event(
            "response.output_item.added",
            &json!({"type": "response.output_item.added", "sequence_number": 1,
                    "output_index": 0, "item": added}),
        )?;
        let mut text = String::new();
        let mut deltas = Vec::with_capacity(chunks);
        for i in 0..chunks {
            let delta = chunk_text(i);
            text.push_str(&delta);
            deltas.push(Bytes::from(event(
                "response.output_text.delta",
                &json!({"type": "response.output_text.delta", "sequence_number": 2 + i,
                        "output_index": 0, "content_index": 0, "item_id": ITEM_ID,
                        "delta": delta}),
            )?));
        }
        let tail = event(
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "sequence_number": 2 + chunks,
                    "output_index": 0, "item": message_item(&text, "completed")}),
        )? + &event(
            "response.completed",
            &json!({"type": "response.completed", "sequence_number": 3 + chunks,
                    "response": responses_answer(&text)}),
        )?;
        Ok(Self {
            chunks,
            head: Bytes::from(head),
            deltas,
            tail: Bytes::from(tail),
        })
    }
}

impl Shared {
    fn new(base: &str) -> anyhow::Result<Self> {
        let content: String = answer_text();
        let completion = json!({
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-2024-11-20",
            "system_fingerprint": "fp_bench",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop"
            }],
            "usage": {"prompt_tokens": 512, "completion_tokens": 96, "total_tokens": 608}
        });
        let chunk = |delta: serde_json::Value, finish: Option<&str>| {
            json!({
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "created": 1_700_000_000,
                "model": "gpt-4o-2024-11-20",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
            })
        };
        let frame = |value: &serde_json::Value| -> anyhow::Result<Bytes> {
            Ok(Bytes::from(format!(
                "data: {}\n\n",
                serde_json::to_string(value)?
            )))
        };
        let mut finish = chunk(json!({}), Some("stop"));
        finish["usage"] =
            json!({"prompt_tokens": 512, "completion_tokens": 96, "total_tokens": 608});
        let content_frames = (0..RENDERED_CHUNKS)
            .map(|i| {
                frame(&chunk(
                    json!({"content": format!("word{i} and more text ")}),
                    None,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut finish_frame = frame(&finish)?.to_vec();
        finish_frame.extend_from_slice(b"data: [DONE]\n\n");
        let message = json!({
            "id": "msg_bench",
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-4.5",
            "content": [{"type": "text", "text": content}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": 512, "output_tokens": 96}
        });
        let mut started = message.clone();
        started["content"] = json!([]);
        started["stop_reason"] = serde_json::Value::Null;
        started["usage"] = json!({"input_tokens": 512, "output_tokens": 1});
        let messages_head = event(
            "message_start",
            &json!({"type": "message_start", "message": started}),
        )? + &event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}),
        )?;
        let messages_deltas = (0..RENDERED_CHUNKS)
            .map(|i| {
                event(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": 0,
                            "delta": {"type": "text_delta", "text": chunk_text(i)}}),
                )
                .map(Bytes::from)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let messages_tail = event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": 0}),
        )? + &event(
            "message_delta",
            &json!({"type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                    "usage": {"output_tokens": 96}}),
        )? + &event("message_stop", &json!({"type": "message_stop"}))?;
        let openai_error = |message: &str, kind: &str| {
            to_bytes(
                &json!({"error": {"message": message, "type": kind, "param": null, "code": null}}),
            )
        };
        let anthropic_error = |message: &str, kind: &str| {
            to_bytes(&json!({"type": "error", "error": {"type": kind, "message": message}}))
        };
        const FAILED: &str = "loadbench: this model always fails upstream";
        const LIMITED: &str = "loadbench: this model is always rate limited";
        Ok(Self {
            user: to_bytes(&json!({"login": "bench"}))?,
            token: to_bytes(&json!({
                "token": "t",
                "expires_at": 4_102_444_800i64,
                "refresh_in": 1500,
                "endpoints": {"api": base}
            }))?,
            models: to_bytes(&models())?,
            completion: to_bytes(&completion)?,
            role_frame: frame(&chunk(json!({"role": "assistant", "content": ""}), None))?,
            content_frames,
            finish_frame: Bytes::from(finish_frame),
            response: to_bytes(&responses_answer(&content))?,
            responses_stream: RwLock::new(Arc::new(ResponsesStream::render(8)?)),
            message: to_bytes(&message)?,
            messages_head: Bytes::from(messages_head),
            messages_deltas,
            messages_tail: Bytes::from(messages_tail),
            openai_error: openai_error(FAILED, "server_error")?,
            anthropic_error: anthropic_error(FAILED, "api_error")?,
            openai_rate_limited: openai_error(LIMITED, "rate_limit_error")?,
            anthropic_rate_limited: anthropic_error(LIMITED, "rate_limit_error")?,
            chunk_delay_us: AtomicU64::new(0),
            stream_chunks: AtomicUsize::new(8),
            token_served: Mutex::new(None),
            streams_completed: AtomicUsize::new(0),
            streams_dropped: AtomicUsize::new(0),
            streams_open: AtomicUsize::new(0),
            chat_requests: AtomicU64::new(0),
        })
    }

    /// Sets the shape of the SSE replies that follow.
    pub fn set_stream(&self, chunks: usize, delay: Duration) {
        self.stream_chunks.store(chunks, Ordering::Relaxed);
        let us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        self.chunk_delay_us.store(us, Ordering::Relaxed);
        if self.responses_stream().chunks != chunks {
            // Rendering only fails to serialise a `Value`, which cannot happen; the old stream
            // (another chunk count) would then stay, and the length checks would say so.
            if let Ok(rendered) = ResponsesStream::render(chunks)
                && let Ok(mut slot) = self.responses_stream.write()
            {
                *slot = Arc::new(rendered);
            }
        }
    }

    fn responses_stream(&self) -> Arc<ResponsesStream> {
        match self.responses_stream.read() {
            Ok(slot) => Arc::clone(&slot),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// When the last Copilot token was handed out.
    pub fn token_served(&self) -> Option<Instant> {
        self.token_served.lock().ok().and_then(|slot| *slot)
    }

    /// Forgets the last token hand-out (before a new start-up is timed).
    pub fn clear_token_served(&self) {
        if let Ok(mut slot) = self.token_served.lock() {
            *slot = None;
        }
    }
}

fn to_bytes(value: &serde_json::Value) -> anyhow::Result<Bytes> {
    Ok(Bytes::from(serde_json::to_vec(value)?))
}

/// The model catalogue: chat-only models (`gpt-4o` passed through on chat, `claude-haiku-4.5`
/// translated for Messages clients), a Responses-only and a Messages-only reasoning model, and
/// the mixed phase's slow and failing models.
fn models() -> serde_json::Value {
    let bench = |id: &str, endpoints: &[&str]| {
        json!({"id": id, "name": id, "vendor": "loadbench", "preview": false, "model_picker_enabled": false,
         "capabilities": {"family": "gpt-4o", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 128000, "max_output_tokens": 4096, "max_prompt_tokens": 64000},
            "supports": {"tool_calls": true, "streaming": true}},
         "supported_endpoints": endpoints})
    };
    let every_api = ["/chat/completions", "/responses", "/v1/messages"];
    json!({"object": "list", "data": [
        {"id": "gpt-4o", "name": "GPT-4o", "vendor": "Azure OpenAI", "version": "gpt-4o-2024-11-20",
         "preview": false, "model_picker_enabled": true,
         "capabilities": {"family": "gpt-4o", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 128000, "max_output_tokens": 4096, "max_prompt_tokens": 64000},
            "supports": {"tool_calls": true, "parallel_tool_calls": true, "streaming": true}},
         "supported_endpoints": ["/chat/completions"]},
        {"id": "claude-haiku-4.5", "name": "Claude Haiku 4.5", "vendor": "Anthropic",
         "preview": false, "model_picker_enabled": true,
         "capabilities": {"family": "claude-haiku-4.5", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 200000, "max_output_tokens": 8192},
            "supports": {"tool_calls": true, "streaming": true}},
         "supported_endpoints": ["/chat/completions"]},
        {"id": "gpt-5-codex", "name": "GPT-5-Codex", "vendor": "OpenAI", "version": "gpt-5-codex",
         "preview": false, "model_picker_enabled": true,
         "capabilities": {"family": "gpt-5-codex", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 400000, "max_output_tokens": 128000, "max_prompt_tokens": 272000},
            "supports": {"tool_calls": true, "parallel_tool_calls": true, "streaming": true,
                         "structured_outputs": true, "reasoning_effort": ["low", "medium", "high"]}},
         "supported_endpoints": ["/responses"]},
        {"id": "claude-opus-4.5", "name": "Claude Opus 4.5", "vendor": "Anthropic",
         "preview": false, "model_picker_enabled": true,
         "capabilities": {"family": "claude-opus-4.5", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 200000, "max_output_tokens": 32000, "max_prompt_tokens": 168000},
            "supports": {"tool_calls": true, "parallel_tool_calls": true, "streaming": true,
                         "max_thinking_budget": 32000, "min_thinking_budget": 1024}},
         "supported_endpoints": ["/v1/messages"]},
        bench(SLOW_MODEL, &["/chat/completions"]),
        bench(FAIL_500_MODEL, &every_api),
        bench(FAIL_429_MODEL, &every_api)
    ]})
}

impl Fake {
    /// Binds `127.0.0.1:0` and serves on a new thread with a `threads`-worker runtime.
    pub fn start(threads: usize) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .context("cannot bind the fake upstream on 127.0.0.1")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let state = Arc::new(Shared::new(&base)?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("fake-upstream")
            .enable_all()
            .build()
            .context("cannot build the fake upstream's runtime")?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = router(Arc::clone(&state));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<()>>();
        std::thread::Builder::new()
            .name("fake-upstream".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(err) => {
                            let _ = ready_tx.send(Err(err.into()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let listener = listener.tap_io(|tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = rx.await;
                        })
                        .await;
                });
            })
            .context("cannot start the fake upstream's thread")?;
        ready_rx
            .recv()
            .context("the fake upstream's thread died")??;
        Ok(Self {
            addr,
            base,
            state,
            shutdown: Some(tx),
        })
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route("/user", get(user))
        .route("/copilot_internal/v2/token", get(token))
        .route("/models", get(list_models))
        .route("/chat/completions", post(chat))
        .route("/responses", post(responses))
        .route("/v1/messages", post(messages))
        // The big-bodies phase sends requests of tens of MB through the proxy.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
}

fn json_response(body: &Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

async fn user(State(state): State<Arc<Shared>>) -> Response {
    json_response(&state.user)
}

async fn token(State(state): State<Arc<Shared>>) -> Response {
    if let Ok(mut slot) = state.token_served.lock() {
        *slot = Some(Instant::now());
    }
    json_response(&state.token)
}

async fn list_models(State(state): State<Arc<Shared>>) -> Response {
    json_response(&state.models)
}

/// Whether a chat request body asks for a stream. Both the proxy (serde_json, compact) and the
/// load generator write `"stream":true` without spaces.
fn wants_stream(body: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"\"stream\":true";
    body.windows(NEEDLE.len()).any(|w| w == NEEDLE)
}

/// What a request asks of the fake, by the model it names: only the mixed phase's models are
/// looked for (their names start with `bench-`, which no other body contains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    /// An ordinary model: the canned answer.
    None,
    /// `bench-slow`: a slow stream.
    Slow,
    /// `bench-fail-500`: a 500.
    Fail500,
    /// `bench-fail-429`: a 429 with `retry-after: 0`.
    Fail429,
}

fn special(body: &[u8]) -> Special {
    const NEEDLE: &[u8] = b"\"bench-";
    let Some(at) = body.windows(NEEDLE.len()).position(|w| w == NEEDLE) else {
        return Special::None;
    };
    let rest = &body[at + 1..];
    let is =
        |model: &str| rest.starts_with(model.as_bytes()) && rest.get(model.len()) == Some(&b'"');
    if is(SLOW_MODEL) {
        Special::Slow
    } else if is(FAIL_500_MODEL) {
        Special::Fail500
    } else if is(FAIL_429_MODEL) {
        Special::Fail429
    } else {
        Special::None
    }
}

/// The error answer of a failing model, in the shape of the API asked (`anthropic`: Messages).
fn failure(state: &Shared, special: Special, anthropic: bool) -> Option<Response> {
    let (status, body) = match (special, anthropic) {
        (Special::Fail500, false) => (StatusCode::INTERNAL_SERVER_ERROR, &state.openai_error),
        (Special::Fail500, true) => (StatusCode::INTERNAL_SERVER_ERROR, &state.anthropic_error),
        (Special::Fail429, false) => (StatusCode::TOO_MANY_REQUESTS, &state.openai_rate_limited),
        (Special::Fail429, true) => (StatusCode::TOO_MANY_REQUESTS, &state.anthropic_rate_limited),
        (Special::None | Special::Slow, _) => return None,
    };
    let mut response = json_response(body);
    *response.status_mut() = status;
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("0"));
    }
    Some(response)
}

/// The stream knobs now: content chunks and the pause before each.
fn knobs(state: &Shared) -> (usize, Duration) {
    (
        state.stream_chunks.load(Ordering::Relaxed),
        Duration::from_micros(state.chunk_delay_us.load(Ordering::Relaxed)),
    )
}

/// An SSE reply: `head`, then content frame `content(i)` for `i` in `0..chunks` (each after
/// `delay`, when non-zero), then `tail`; counted as completed or dropped.
fn sse<F>(
    state: &Arc<Shared>,
    head: Bytes,
    chunks: usize,
    delay: Duration,
    content: F,
    tail: Bytes,
) -> Response
where
    F: Fn(usize) -> Bytes + Send + Sync + 'static,
{
    let guard = StreamGuard::new(Arc::clone(state));
    // Frame 0 is the head, 1..=chunks the content, chunks+1 the tail.
    let stream = futures_util::stream::unfold((0usize, guard), move |(i, mut guard)| {
        let frame = match i {
            0 => Some(head.clone()),
            i if i <= chunks => Some(content(i - 1)),
            i if i == chunks + 1 => Some(tail.clone()),
            _ => None,
        };
        async move {
            let Some(frame) = frame else {
                guard.complete();
                return None;
            };
            if (1..=chunks).contains(&i) && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Some((Ok::<_, std::convert::Infallible>(frame), (i + 1, guard)))
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn chat(State(state): State<Arc<Shared>>, body: Bytes) -> Response {
    state.chat_requests.fetch_add(1, Ordering::Relaxed);
    let special = special(&body);
    if let Some(response) = failure(&state, special, false) {
        return response;
    }
    if !wants_stream(&body) {
        return json_response(&state.completion);
    }
    let (chunks, delay) = if special == Special::Slow {
        (SLOW_CHUNKS, SLOW_DELAY)
    } else {
        knobs(&state)
    };
    let frames = Arc::clone(&state);
    sse(
        &state,
        state.role_frame.clone(),
        chunks,
        delay,
        move |i| frames.content_frames[i % RENDERED_CHUNKS].clone(),
        state.finish_frame.clone(),
    )
}

async fn responses(State(state): State<Arc<Shared>>, body: Bytes) -> Response {
    if let Some(response) = failure(&state, special(&body), false) {
        return response;
    }
    if !wants_stream(&body) {
        return json_response(&state.response);
    }
    let (_, delay) = knobs(&state);
    let rendered = state.responses_stream();
    let (head, tail, chunks) = (
        rendered.head.clone(),
        rendered.tail.clone(),
        rendered.chunks,
    );
    sse(
        &state,
        head,
        chunks,
        delay,
        move |i| rendered.deltas[i].clone(),
        tail,
    )
}

async fn messages(State(state): State<Arc<Shared>>, body: Bytes) -> Response {
    if let Some(response) = failure(&state, special(&body), true) {
        return response;
    }
    if !wants_stream(&body) {
        return json_response(&state.message);
    }
    let (chunks, delay) = knobs(&state);
    let frames = Arc::clone(&state);
    sse(
        &state,
        state.messages_head.clone(),
        chunks,
        delay,
        move |i| frames.messages_deltas[i % RENDERED_CHUNKS].clone(),
        state.messages_tail.clone(),
    )
}

/// Counts how an SSE reply ended: sent to the end, or dropped early.
#[derive(Debug)]
struct StreamGuard {
    state: Arc<Shared>,
    completed: bool,
}

impl StreamGuard {
    fn new(state: Arc<Shared>) -> Self {
        state.streams_open.fetch_add(1, Ordering::Relaxed);
        Self {
            state,
            completed: false,
        }
    }

    fn complete(&mut self) {
        self.completed = true;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let counter = if self.completed {
            &self.state.streams_completed
        } else {
            &self.state.streams_dropped
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.state.streams_open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(event name, data)` of every `event: NAME\ndata: JSON\n\n` frame of `body`.
    fn parse_events(body: &[u8]) -> Vec<(String, serde_json::Value)> {
        let text = String::from_utf8_lossy(body);
        assert!(text.ends_with("\n\n"), "{text}");
        text.split_terminator("\n\n")
            .map(|frame| {
                let (name, data) = frame.split_once('\n').unwrap_or_default();
                let name = name.strip_prefix("event: ").unwrap_or_default().to_owned();
                let data = data.strip_prefix("data: ").unwrap_or_default();
                let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
                assert_eq!(data["type"], json!(name), "{frame}");
                (name, data)
            })
            .collect()
    }

    fn joined(parts: impl IntoIterator<Item = Bytes>) -> Vec<u8> {
        parts.into_iter().flat_map(|b| b.to_vec()).collect()
    }

    #[test]
    fn responses_stream_parses_back() {
        let chunks = 70; // more than the rendered words: the words cycle, the numbers go on
        let r = ResponsesStream::render(chunks).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.chunks, r.deltas.len()), (chunks, chunks));
        let body = joined(
            std::iter::once(r.head.clone())
                .chain(r.deltas.iter().cloned())
                .chain([r.tail.clone()]),
        );
        let events = parse_events(&body);
        let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), chunks + 4);
        assert_eq!(
            names[..2],
            ["response.created", "response.output_item.added"]
        );
        assert!(
            names[2..2 + chunks]
                .iter()
                .all(|n| *n == "response.output_text.delta")
        );
        assert_eq!(
            names[2 + chunks..],
            ["response.output_item.done", "response.completed"]
        );
        for (i, (_, data)) in events.iter().enumerate() {
            assert_eq!(data["sequence_number"], json!(i));
        }
        let mut text = String::new();
        for (i, (_, data)) in events[2..2 + chunks].iter().enumerate() {
            assert_eq!(data["output_index"], json!(0));
            assert_eq!(data["content_index"], json!(0));
            assert_eq!(data["item_id"], json!(ITEM_ID));
            assert_eq!(data["delta"], json!(chunk_text(i)));
            text.push_str(data["delta"].as_str().unwrap_or_default());
        }
        assert!(text.starts_with("word0 and more text word1 "));
        assert_eq!(events[0].1["response"]["status"], json!("in_progress"));
        let done = &events[chunks + 2].1["item"];
        assert_eq!(done["content"][0]["text"], json!(text));
        let completed = &events[chunks + 3].1["response"];
        assert_eq!(completed["status"], json!("completed"));
        assert_eq!(completed["output"][0]["content"][0]["text"], json!(text));
        assert_eq!(completed["usage"]["total_tokens"], json!(608));
    }

    #[test]
    fn messages_stream_and_answers_parse_back() {
        let state = Shared::new("http://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}"));
        let body = joined(
            std::iter::once(state.messages_head.clone())
                .chain((0..3).map(|i| state.messages_deltas[i % RENDERED_CHUNKS].clone()))
                .chain([state.messages_tail.clone()]),
        );
        let events = parse_events(&body);
        let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_delta",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(events[0].1["message"]["role"], json!("assistant"));
        assert_eq!(events[1].1["content_block"]["type"], json!("text"));
        assert_eq!(
            events[3].1["delta"],
            json!({"type": "text_delta", "text": "word1 and more text "})
        );
        assert_eq!(events[6].1["delta"]["stop_reason"], json!("end_turn"));
        assert_eq!(events[6].1["usage"]["output_tokens"], json!(96));

        let parse = |b: &Bytes| serde_json::from_slice::<serde_json::Value>(b).unwrap_or_default();
        let response = parse(&state.response);
        assert_eq!(response["object"], json!("response"));
        assert_eq!(
            response["output"][0]["content"][0]["type"],
            json!("output_text")
        );
        assert_eq!(
            response["usage"]["input_tokens_details"]["cached_tokens"],
            json!(0)
        );
        let message = parse(&state.message);
        assert_eq!(message["type"], json!("message"));
        assert_eq!(message["content"][0]["text"], json!(answer_text()));
        assert_eq!(message["stop_reason"], json!("end_turn"));
        assert_eq!(parse(&state.anthropic_error)["type"], json!("error"));
        assert!(parse(&state.openai_rate_limited)["error"]["message"].is_string());
    }

    #[test]
    fn set_stream_renders_the_responses_stream_for_its_count() {
        let state = Shared::new("http://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(state.responses_stream().chunks, 8);
        state.set_stream(256, Duration::ZERO);
        assert_eq!(state.responses_stream().deltas.len(), 256);
        state.set_stream(3, Duration::from_millis(5));
        assert_eq!(state.responses_stream().chunks, 3);
        assert_eq!(knobs(&state), (3, Duration::from_millis(5)));
    }

    #[test]
    fn recognises_the_mixed_phases_models() {
        assert_eq!(
            special(br#"{"messages":[],"model":"gpt-4o"}"#),
            Special::None
        );
        assert_eq!(
            special(br#"{"model":"bench-slow","stream":true}"#),
            Special::Slow
        );
        assert_eq!(
            special(br#"{"input":[],"model":"bench-fail-500"}"#),
            Special::Fail500
        );
        assert_eq!(special(br#"{"model":"bench-fail-429"}"#), Special::Fail429);
        assert_eq!(special(br#"{"model":"bench-fail-4290"}"#), Special::None);
        // Claude Code's user id in the Messages body is not a model name.
        assert_eq!(special(br#"{"user_id":"user_loadbench_x"}"#), Special::None);
        let catalogue = models();
        let endpoints = |id: &str| {
            catalogue["data"]
                .as_array()
                .and_then(|m| m.iter().find(|m| m["id"] == json!(id)))
                .map(|m| m["supported_endpoints"].clone())
        };
        assert_eq!(endpoints("gpt-5-codex"), Some(json!(["/responses"])));
        assert_eq!(endpoints("claude-opus-4.5"), Some(json!(["/v1/messages"])));
        assert_eq!(endpoints("gpt-4o"), Some(json!(["/chat/completions"])));
        assert_eq!(
            endpoints(FAIL_500_MODEL).and_then(|e| e.as_array().map(Vec::len)),
            Some(3)
        );
    }

    #[test]
    fn detects_stream_requests() {
        assert!(wants_stream(br#"{"model":"m","stream":true}"#));
        assert!(!wants_stream(br#"{"model":"m","stream":false}"#));
        assert!(!wants_stream(br#"{"model":"m"}"#));
    }
}
