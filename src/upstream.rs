//! Clients for the services copilot-api talks to, and how their failures are classified.
//!
//! Today the only model provider is GitHub Copilot (`copilot`), reached with a token that
//! `github` exchanges. Further providers (OpenAI, Anthropic, Azure OpenAI) slot in beside
//! `copilot` as variants of a closed set dispatched by wire shape (OpenAI chat or Anthropic
//! Messages), following STYLE.md; they share [`transport::Transport`] for model requests,
//! [`tls_config`] and [`UpstreamError`].

pub mod copilot;
pub mod github;
pub mod models;
pub mod transport;

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How long to wait for a TCP/TLS connection. There is deliberately no total timeout: model
/// streams can be silent for minutes.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Limit for small API calls (token exchange, user, quota, model list), so a silent upstream
/// can never hold a lock that every request waits on.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest silence tolerated while reading an answer (it resets on every read, so slow but
/// alive streams are unaffected); a stalled connection ends instead of hanging forever.
pub const READ_TIMEOUT: Duration = Duration::from_secs(600);

/// The TLS settings every upstream connection uses: rustls with aws-lc-rs, TLS 1.2 and 1.3,
/// the platform's certificate verifier (the system roots; `SSL_CERT_FILE`/`SSL_CERT_DIR`
/// honoured). reqwest and [`transport::Transport`] share one verifier, so the roots are
/// loaded once; each sets its own ALPN protocols (HTTP/2 and HTTP/1.1).
pub fn tls_config() -> anyhow::Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|err| anyhow::anyhow!("cannot set up TLS: {err}"))?
        .with_no_client_auth())
}

/// Builds an HTTP client: pooled, HTTP/2 where offered, rustls, system proxy settings
/// (`HTTPS_PROXY`, `NO_PROXY`) honoured.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    http_client_with(tls_config()?)
}

/// [`http_client`] with the given TLS settings.
pub fn http_client_with(mut tls: rustls::ClientConfig) -> anyhow::Result<reqwest::Client> {
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(90))
        // Enough warm connections for 256 requests in flight (over HTTP/1.1; HTTP/2 needs one),
        // without keeping every connection of a burst of 1,000 streams.
        .pool_max_idle_per_host(256)
        .tcp_keepalive(Duration::from_secs(30))
        .build()
        .map_err(|err| anyhow::anyhow!("cannot build the HTTP client: {err}"))
}

/// A failed call to an upstream service.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The service could not be reached.
    #[error("could not reach {host}: {reason}")]
    Connect {
        /// Host that failed.
        host: String,
        /// Human-readable cause.
        reason: String,
    },
    /// The connection broke while the answer was being read.
    #[error("{host} broke off its answer: {reason}")]
    Interrupted {
        /// Host whose answer broke off.
        host: String,
        /// Human-readable cause.
        reason: String,
    },
    /// The service did not answer in time.
    #[error("{host} did not answer in time")]
    Timeout {
        /// Host that timed out.
        host: String,
    },
    /// The service answered with a non-success status.
    #[error("{service} answered {status}: {message}")]
    Status {
        /// Which service (e.g. "GitHub", "Copilot").
        service: &'static str,
        /// HTTP status.
        status: StatusCode,
        /// The message extracted from the body.
        message: String,
        /// The raw body.
        body: Bytes,
        /// Response headers (for `retry-after` and content type).
        headers: Box<HeaderMap>,
    },
    /// The service answered 2xx but the body was not what we expected.
    #[error("{service} sent a response copilot-api cannot read: {reason}")]
    Decode {
        /// Which service.
        service: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl UpstreamError {
    /// Classifies a reqwest transport error, naming the host and the root cause.
    pub fn from_reqwest(err: &reqwest::Error) -> Self {
        let host = err
            .url()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_else(|| "the upstream".to_owned());
        if err.is_timeout() {
            return Self::Timeout { host };
        }
        if err.is_body() || err.is_decode() {
            return Self::Interrupted {
                host,
                reason: root_cause(err),
            };
        }
        Self::Connect {
            host,
            reason: root_cause(err),
        }
    }

    /// Builds a status error from a failed response, reading its body.
    pub async fn from_response(service: &'static str, resp: reqwest::Response) -> Self {
        let status = resp.status();
        let headers = Box::new(resp.headers().clone());
        let body = resp.bytes().await.unwrap_or_default();
        let message = error_message(&body, status);
        Self::Status {
            service,
            status,
            message,
            body,
            headers,
        }
    }

    /// The upstream HTTP status, if the service answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The innermost error message (e.g. "Connection refused (os error 111)").
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    causes(err)
        .last()
        .map_or_else(String::new, ToString::to_string)
}

/// `err` and the errors under it, outermost first.
fn causes<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |cause| cause.source())
}

/// Extracts a readable message from an error body: OpenAI/Anthropic/GitHub JSON shapes, else
/// the trimmed text, else the status reason.
pub fn error_message(body: &[u8], status: StatusCode) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let candidates = [
            value.pointer("/error/message"),
            value.pointer("/message"),
            value.pointer("/error_description"),
            value.pointer("/error"),
        ];
        for candidate in candidates.into_iter().flatten() {
            if let Some(text) = candidate.as_str().filter(|t| !t.trim().is_empty()) {
                return text.trim().to_owned();
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return status.canonical_reason().unwrap_or("no message").to_owned();
    }
    let mut short: String = text.chars().take(500).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_unwrapped() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            error_message(br#"{"error":{"message":"bad model"}}"#, s),
            "bad model"
        );
        assert_eq!(error_message(br#"{"message":"Not Found"}"#, s), "Not Found");
        assert_eq!(error_message(br#"{"error":"nope"}"#, s), "nope");
        assert_eq!(error_message(b"plain\n", s), "plain");
        assert_eq!(error_message(b"", s), "Bad Request");
    }
}
