//! The access log: one line per request with method, path, model (requested → upstream),
//! status, whether it streamed, time to first byte, total time and tokens when known.
//!
//! Handlers fill a [`RequestLog`] found in the request extensions; the middleware writes the
//! line when the response is complete — for event streams, when the stream ends or the client
//! goes away, so the total time and the streamed token counts are real.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Uri, header};
use axum::response::Response;
use futures_util::StreamExt as _;

/// Fields a handler contributes to its access-log line.
#[derive(Debug, Default)]
struct Fields {
    requested_model: Option<String>,
    upstream_model: Option<String>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    /// Why a stream that started with 200 did not end well.
    broken: Option<String>,
    /// The provider that answered (or failed last).
    provider: Option<std::sync::Arc<str>>,
    /// Attempts across retries and fallbacks.
    attempts: u32,
}

/// Per-request log fields, shared between the handler and the middleware.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Fields>>);

impl RequestLog {
    fn with(&self, f: impl FnOnce(&mut Fields)) {
        if let Ok(mut fields) = self.0.lock() {
            f(&mut fields);
        }
    }

    /// Records the model the client asked for and the one sent upstream.
    pub(crate) fn model(&self, requested: &str, upstream: &str) {
        self.with(|f| {
            if f.requested_model.as_deref() != Some(requested) {
                f.requested_model = Some(requested.to_owned());
            }
            // Only a model that differs is kept: most requests name the upstream's own id.
            f.upstream_model = (upstream != requested).then(|| upstream.to_owned());
        });
    }

    /// Records the provider that answered and how many attempts it took.
    pub(crate) fn provider(&self, provider: &std::sync::Arc<str>, attempts: u32) {
        self.with(|f| {
            f.provider = Some(std::sync::Arc::clone(provider));
            f.attempts = attempts;
        });
    }

    /// Records token usage.
    pub(crate) fn usage(&self, input: Option<u64>, output: Option<u64>) {
        self.with(|f| {
            f.input_tokens = input.or(f.input_tokens);
            f.output_tokens = output.or(f.output_tokens);
        });
    }

    /// Records that a stream broke off after its 200 was sent.
    pub(crate) fn broken(&self, why: impl Into<String>) {
        let why = why.into();
        self.with(|f| f.broken = Some(why));
    }

    /// Records usage from an OpenAI-shaped `usage` object.
    pub(crate) fn openai_usage(&self, usage: Option<&serde_json::Value>) {
        if let Some(u) = usage {
            let get = |k: &str| u.get(k).and_then(serde_json::Value::as_u64);
            self.usage(
                get("prompt_tokens").or(get("input_tokens")),
                get("completion_tokens").or(get("output_tokens")),
            );
        }
    }
}

struct Line {
    method: Method,
    uri: Uri,
    status: u16,
    stream: bool,
    start: Instant,
    first_byte: Option<Duration>,
    log: RequestLog,
}

impl Line {
    fn emit(&self) {
        let broken = self.log.0.lock().is_ok_and(|f| f.broken.is_some());
        if !broken && !tracing::enabled!(tracing::Level::INFO) {
            return;
        }
        let total = self.start.elapsed();
        let ttfb = self.first_byte.unwrap_or(total);
        let (model, tokens, broken) = match self.log.0.lock() {
            Ok(f) => {
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
                let tokens = match (f.input_tokens, f.output_tokens) {
                    (None, None) => String::new(),
                    (i, o) => format!(
                        " tokens={}/{}",
                        i.map_or("?".into(), |n| n.to_string()),
                        o.map_or("?".into(), |n| n.to_string())
                    ),
                };
                (model, tokens, f.broken.clone())
            }
            Err(_) => (String::new(), String::new(), None),
        };
        if let Some(why) = broken {
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
            self.emit();
        }
    }
}

/// The access log around `run`, which answers the request.
pub(crate) async fn access_log<F: Future<Output = Response>>(
    mut req: Request,
    run: impl FnOnce(Request) -> F,
) -> Response {
    let start = Instant::now();
    let log = RequestLog::default();
    req.extensions_mut().insert(log.clone());
    let method = req.method().clone();
    // Shares the request's bytes rather than copying the path.
    let uri = req.uri().clone();
    let response = run(req).await;
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
        first_byte: None,
        log,
    };
    if !stream {
        line.first_byte = Some(start.elapsed());
        line.emit();
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = body.into_data_stream().map(move |chunk| {
        // Borrow the whole `line`: capturing only its (Copy) fields would leave `line` behind
        // and log the stream the moment it starts.
        let line = &mut line;
        if line.first_byte.is_none() {
            line.first_byte = Some(line.start.elapsed());
        }
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}
