//! The per-request observation point: the access log line, and the one [`Outcome`] per model
//! request that the ledger, the budgets and the metrics are fed from (`super::observe`).
//!
//! Handlers fill a [`RequestLog`] found in the request extensions; the middleware finishes it
//! when the response is complete — for event streams, when the stream ends or the client goes
//! away, so the total time, the bytes sent and the streamed token counts are real.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::Response;
use futures_util::StreamExt as _;

use crate::ledger::Tokens;
use crate::ledger::prices::Prices;

/// What a request's handlers learned, for its log line and its ledger row.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// The model the client named.
    pub(crate) requested_model: Option<String>,
    /// The provider's model id.
    pub(crate) upstream_model: Option<String>,
    /// Token counts.
    pub(crate) tokens: Tokens,
    /// Why a stream that started with 200 did not end well.
    pub(crate) broken: Option<String>,
    /// The provider that answered (or failed last).
    pub(crate) provider: Option<Arc<str>>,
    /// Attempts across retries and fallbacks.
    pub(crate) attempts: u32,
    /// Attempts that moved to another provider.
    pub(crate) fallbacks: u32,
    /// `chat`, `responses`, `messages`, `embeddings` (set for model routes only).
    pub(crate) route: Option<&'static str>,
    /// `passthrough` or `translated`.
    pub(crate) shape: Option<&'static str>,
    /// `user` or `agent`.
    pub(crate) initiator: Option<&'static str>,
    /// The request offered tools.
    pub(crate) tools: bool,
    /// The request carried images.
    pub(crate) images: bool,
    /// The client's session.
    pub(crate) session_id: Option<String>,
    /// The named API key (never the key).
    pub(crate) key_name: Option<String>,
    /// That key's daily credit limit.
    pub(crate) key_daily_credits: Option<f64>,
    /// Request body bytes.
    pub(crate) bytes_in: u64,
    /// A precise failure class set by dispatch (`connect`, `timeout`, …).
    pub(crate) error_class: Option<&'static str>,
    /// The model is included (no credits).
    pub(crate) included: bool,
    /// Premium-request multiplier of the model.
    pub(crate) multiplier: Option<f64>,
    /// Rates in force for this request.
    pub(crate) prices: Option<Arc<Prices>>,
    /// Request body, kept only when the ledger keeps bodies.
    pub(crate) request_body: Option<Bytes>,
    /// Refused at the door without a valid key (or by the web-page guard): counted, not
    /// written to the ledger.
    pub(crate) unauthenticated: bool,
}

/// Per-request fields, shared between the handler and the middleware.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Fields>>);

impl RequestLog {
    /// Edits the fields.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Fields) -> R) -> Option<R> {
        self.0.lock().ok().map(|mut fields| f(&mut fields))
    }

    /// Records the model the client asked for and the one sent upstream.
    pub(crate) fn model(&self, requested: &str, upstream: &str) {
        self.with(|f| {
            if f.requested_model.as_deref() != Some(requested) {
                f.requested_model = Some(requested.to_owned());
            }
            if f.upstream_model.as_deref() != Some(upstream) {
                f.upstream_model = Some(upstream.to_owned());
            }
        });
    }

    /// Records the provider that answered and how many attempts it took.
    pub(crate) fn provider(&self, provider: &Arc<str>, attempts: u32, fallbacks: u32) {
        self.with(|f| {
            f.provider = Some(Arc::clone(provider));
            f.attempts = attempts;
            f.fallbacks = fallbacks;
        });
    }

    /// Records token usage (input as the client sees it, output).
    pub(crate) fn usage(&self, input: Option<u64>, output: Option<u64>) {
        self.tokens(Tokens {
            input,
            output,
            ..Tokens::default()
        });
    }

    /// Records token counts (merged with what is known).
    pub(crate) fn tokens(&self, tokens: Tokens) {
        self.with(|f| f.tokens.merge(tokens));
    }

    /// Records that a stream broke off after its 200 was sent.
    pub(crate) fn broken(&self, why: impl Into<String>) {
        let why = why.into();
        self.with(|f| f.broken = Some(why));
    }

    /// Records the usage of an answer read as chat (every translated answer).
    pub(crate) fn chat_usage(&self, usage: Option<&crate::translate::openai::Usage>) {
        if let Some(u) = usage {
            self.tokens(Tokens::from_chat(u));
        }
    }

    /// Records usage from any `usage` object (OpenAI, Responses or Anthropic naming).
    pub(crate) fn openai_usage(&self, usage: Option<&serde_json::Value>) {
        if let Some(u) = usage {
            self.tokens(Tokens::from_usage(u));
        }
    }
}

/// How a model request ended: everything the ledger, budgets and metrics need.
#[derive(Debug)]
pub(crate) struct Outcome<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) started_ms: i64,
    pub(crate) status: u16,
    pub(crate) stream: bool,
    /// The stream ran to its end (whole answers: true).
    pub(crate) completed: bool,
    pub(crate) ttfb: Option<Duration>,
    pub(crate) total: Duration,
    pub(crate) bytes_out: u64,
    pub(crate) fields: &'a Fields,
}

/// Who is told about finished requests (the ledger, budgets, metrics).
pub(crate) trait Observer: Send + Sync + std::fmt::Debug {
    /// A model request ended.
    fn finished(&self, outcome: &Outcome<'_>);
    /// A streamed answer started (`+1`) or ended (`-1`).
    fn stream(&self, delta: i64);
}

struct Line {
    method: Method,
    uri: Uri,
    status: u16,
    stream: bool,
    start: Instant,
    started_ms: i64,
    request_id: String,
    first_byte: Option<Duration>,
    bytes_out: u64,
    completed: bool,
    log: RequestLog,
    observer: Option<Arc<dyn Observer>>,
}

impl Line {
    fn emit(&self) {
        let total = self.start.elapsed();
        let Ok(f) = self.log.0.lock() else { return };
        if f.route.is_some()
            && let Some(observer) = &self.observer
        {
            observer.finished(&Outcome {
                request_id: &self.request_id,
                started_ms: self.started_ms,
                status: self.status,
                stream: self.stream,
                completed: self.completed,
                ttfb: self.first_byte,
                total,
                bytes_out: self.bytes_out,
                fields: &f,
            });
        }
        let broken = f.broken.is_some();
        if !broken && !tracing::enabled!(tracing::Level::INFO) {
            return;
        }
        let ttfb = self.first_byte.unwrap_or(total);
        let mut model = match (&f.requested_model, &f.upstream_model) {
            (Some(r), Some(u)) if r != u => format!(" model={r}→{u}"),
            (Some(r), _) => format!(" model={r}"),
            _ => String::new(),
        };
        if let Some(provider) = &f.provider {
            model.push_str(&format!(" provider={provider}"));
            if f.attempts > 1 {
                model.push_str(&format!(" attempts={}", f.attempts));
            }
        }
        let tokens = match (f.tokens.prompt(), f.tokens.output) {
            (None, None) => String::new(),
            (i, o) => format!(
                " tokens={}/{}",
                i.map_or("?".into(), |n| n.to_string()),
                o.map_or("?".into(), |n| n.to_string())
            ),
        };
        if let Some(why) = &f.broken {
            tracing::warn!(
                "{} {} {}{model} stream broken after {}ms ({why}){tokens}",
                self.method,
                self.uri.path(),
                self.status,
                total.as_millis(),
            );
            return;
        }
        tracing::info!(
            "{} {} {}{model}{} ttfb={}ms total={}ms{tokens}",
            self.method,
            self.uri.path(),
            self.status,
            if self.stream { " stream" } else { "" },
            ttfb.as_millis(),
            total.as_millis(),
        );
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.stream {
            if let Some(observer) = &self.observer {
                observer.stream(-1);
            }
            self.emit();
        }
    }
}

/// A request id: uuid v4 text from a fast generator (uniqueness, not secrecy).
pub(crate) fn request_id() -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buf)
        .to_owned()
}

/// The access log around `run`, which answers the request. Every answer carries
/// `x-request-id`, the id the ledger keeps.
pub(crate) async fn access_log<F: Future<Output = Response>>(
    mut req: Request,
    observer: Option<Arc<dyn Observer>>,
    run: impl FnOnce(Request) -> F,
) -> Response {
    let start = Instant::now();
    let started_ms = crate::ledger::now_ms();
    let log = RequestLog::default();
    req.extensions_mut().insert(log.clone());
    let method = req.method().clone();
    // Shares the request's bytes rather than copying the path.
    let uri = req.uri().clone();
    let id = request_id();
    let mut response = run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    let mut line = Line {
        method,
        uri,
        status: response.status().as_u16(),
        stream,
        start,
        started_ms,
        request_id: id,
        first_byte: None,
        bytes_out: 0,
        completed: !stream,
        log,
        observer,
    };
    if !stream {
        line.first_byte = Some(start.elapsed());
        line.bytes_out = response.body().size_hint().exact().unwrap_or(0);
        line.emit();
        return response;
    }
    if let Some(observer) = &line.observer {
        observer.stream(1);
    }
    let (parts, body) = response.into_parts();
    let mut body = body.into_data_stream();
    // The line lives in the stream: it is emitted (Drop) when the stream ends or the client
    // goes away, with the bytes actually sent.
    let counted = futures_util::stream::poll_fn(move |cx| {
        let line = &mut line;
        let polled = body.poll_next_unpin(cx);
        match &polled {
            Poll::Ready(Some(Ok(bytes))) => {
                if line.first_byte.is_none() {
                    line.first_byte = Some(line.start.elapsed());
                }
                line.bytes_out += bytes.len() as u64;
            }
            Poll::Ready(None) => line.completed = true,
            _ => {}
        }
        polled
    });
    Response::from_parts(parts, Body::from_stream(counted))
}
