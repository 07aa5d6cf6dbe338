//! The fast fake upstream: one axum server on `127.0.0.1:0` that plays both GitHub and Copilot
//! for the proxy under test, on its own thread and multi-thread runtime.
//!
//! It serves exactly what `copilot-api start` needs and nothing else:
//!
//! | route | answer |
//! |---|---|
//! | `GET /user` | `{"login":"bench"}` |
//! | `GET /copilot_internal/v2/token` | a token that never expires and names this server as `endpoints.api` |
//! | `GET /models` | `gpt-4o` and `claude-haiku-4.5`, both served on `/chat/completions` only |
//! | `POST /chat/completions` | canned chat completion JSON, or canned SSE when the body has `"stream":true` |
//!
//! Every answer is serialised once at start-up, so the fake costs as little CPU as a server
//! can. Any `Authorization` is accepted. SSE replies are a role chunk, `stream_chunks` content
//! chunks (each after `chunk_delay`, when non-zero), a finish chunk with usage, and
//! `data: [DONE]`; the benchmark changes both knobs between phases (phases never overlap).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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
    /// `POST /chat/completions` requests received.
    pub chat_requests: AtomicU64,
}

impl Shared {
    fn new(base: &str) -> anyhow::Result<Self> {
        let content: String = "The proxy forwards this canned answer unchanged. ".repeat(8);
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
            chunk_delay_us: AtomicU64::new(0),
            stream_chunks: AtomicUsize::new(8),
            token_served: Mutex::new(None),
            streams_completed: AtomicUsize::new(0),
            streams_dropped: AtomicUsize::new(0),
            chat_requests: AtomicU64::new(0),
        })
    }

    /// Sets the shape of the SSE replies that follow.
    pub fn set_stream(&self, chunks: usize, delay: Duration) {
        self.stream_chunks.store(chunks, Ordering::Relaxed);
        let us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        self.chunk_delay_us.store(us, Ordering::Relaxed);
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

/// The model catalogue: one passthrough model and one the proxy must translate for.
fn models() -> serde_json::Value {
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
         "supported_endpoints": ["/chat/completions"]}
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

async fn chat(State(state): State<Arc<Shared>>, body: Bytes) -> Response {
    state.chat_requests.fetch_add(1, Ordering::Relaxed);
    if !wants_stream(&body) {
        return json_response(&state.completion);
    }
    let chunks = state.stream_chunks.load(Ordering::Relaxed);
    let delay = Duration::from_micros(state.chunk_delay_us.load(Ordering::Relaxed));
    let guard = StreamGuard {
        state: Arc::clone(&state),
        completed: false,
    };
    // Frame 0 is the role chunk, 1..=chunks the content, chunks+1 finish + [DONE].
    let stream = futures_util::stream::unfold((0usize, guard), move |(i, mut guard)| async move {
        let state = Arc::clone(&guard.state);
        let frame = match i {
            0 => state.role_frame.clone(),
            i if i <= chunks => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                state.content_frames[(i - 1) % RENDERED_CHUNKS].clone()
            }
            i if i == chunks + 1 => state.finish_frame.clone(),
            _ => {
                guard.complete();
                return None;
            }
        };
        Some((Ok::<_, std::convert::Infallible>(frame), (i + 1, guard)))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Counts how an SSE reply ended: sent to the end, or dropped early.
#[derive(Debug)]
struct StreamGuard {
    state: Arc<Shared>,
    completed: bool,
}

impl StreamGuard {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_stream_requests() {
        assert!(wants_stream(br#"{"model":"m","stream":true}"#));
        assert!(!wants_stream(br#"{"model":"m","stream":false}"#));
        assert!(!wants_stream(br#"{"model":"m"}"#));
    }
}
