//! Relaying an upstream response when no translation is needed: status, content type and body
//! bytes go through unchanged; event streams are forwarded chunk by chunk as they arrive, never
//! buffered. Dropping the response (a client that went away) drops the upstream stream, which
//! closes the upstream connection.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt as _;

use crate::server::error::ApiError;
use crate::server::log::RequestLog;
use crate::upstream::UpstreamError;

/// Whether a response is an event stream.
pub fn is_event_stream(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"))
}

/// Response headers we copy from upstream (everything else — hop-by-hop headers, upstream
/// cookies, request ids that name Copilot internals — stays behind).
const COPIED: [header::HeaderName; 2] = [header::CONTENT_TYPE, header::RETRY_AFTER];

/// Relays a 2xx upstream response.
pub async fn relay(upstream: reqwest::Response, log: &RequestLog) -> Result<Response, ApiError> {
    let status = StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::OK);
    let mut builder = Response::builder().status(status);
    for name in COPIED {
        if let Some(value) = upstream.headers().get(&name) {
            builder = builder.header(name, value.clone());
        }
    }
    if is_event_stream(upstream.headers()) {
        let log = log.clone();
        let mut sniffer = UsageSniffer::default();
        let body = upstream.bytes_stream().map(move |chunk| {
            if let Ok(bytes) = &chunk {
                sniffer.feed(bytes, &log);
            }
            chunk
        });
        return builder
            .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
            .body(Body::from_stream(body))
            .map_err(|err| ApiError::Internal(err.to_string()));
    }
    let bytes = upstream
        .bytes()
        .await
        .map_err(|e| UpstreamError::from_reqwest(&e))?;
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        log.openai_usage(value.get("usage"));
    }
    builder
        .body(Body::from(bytes))
        .map_err(|err| ApiError::Internal(err.to_string()))
}

/// Picks token usage out of a passthrough event stream for the access log, without parsing
/// every event: only `data:` lines that mention `"usage"` are parsed. Lines split across
/// chunks are reassembled from a small carry buffer.
#[derive(Debug, Default)]
struct UsageSniffer {
    carry: Vec<u8>,
}

impl UsageSniffer {
    fn feed(&mut self, chunk: &[u8], log: &RequestLog) {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let line_part = &rest[..pos];
            if self.carry.is_empty() {
                Self::line(line_part, log);
            } else {
                self.carry.extend_from_slice(line_part);
                let line = std::mem::take(&mut self.carry);
                Self::line(&line, log);
            }
            rest = &rest[pos + 1..];
        }
        // Keep an unfinished line, but never hoard: a usage line is small.
        if self.carry.len() + rest.len() <= 64 * 1024 {
            self.carry.extend_from_slice(rest);
        } else {
            self.carry.clear();
        }
    }

    fn line(line: &[u8], log: &RequestLog) {
        let Some(data) = line.strip_prefix(b"data:") else {
            return;
        };
        if !data.windows(7).any(|w| w == b"\"usage\"") {
            return;
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(data.trim_ascii()) else {
            return;
        };
        // OpenAI chat chunks carry `usage`; Responses and Anthropic events nest it.
        let usage = value
            .get("usage")
            .or_else(|| value.pointer("/response/usage"))
            .or_else(|| value.pointer("/message/usage"));
        log.openai_usage(usage.filter(|u| !u.is_null()));
    }
}
