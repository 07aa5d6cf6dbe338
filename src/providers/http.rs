//! The one HTTP stack every provider uses: a shared `reqwest` client (rustls with the platform
//! verifier, HTTP/2 by ALPN, the system proxy settings, a connect timeout and a read-silence
//! timeout) and the one classification of upstream failures ([`UpstreamError`]) that drives
//! error messages, retries, fallback and circuit breakers.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How long to wait for a TCP/TLS connection. There is deliberately no total timeout: model
/// streams can be silent for minutes.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Limit for small API calls (token exchange, user, quota, model list), so a silent upstream
/// can never hold a lock that every request waits on.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest silence tolerated while reading an answer (it resets on every read, so slow but
/// alive streams are unaffected); a stalled connection ends instead of hanging forever.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(600);

/// The TLS settings every upstream connection uses: rustls with aws-lc-rs, TLS 1.2 and 1.3,
/// the platform's certificate verifier (the system roots; `SSL_CERT_FILE`/`SSL_CERT_DIR`
/// honoured), HTTP/2 and HTTP/1.1 offered by ALPN.
fn tls_config() -> anyhow::Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|err| anyhow::anyhow!("cannot set up TLS: {err}"))?
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

/// Timeouts of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// TCP + TLS connection.
    pub connect: Duration,
    /// Longest silence while reading an answer (head or body).
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: CONNECT_TIMEOUT,
            read: READ_TIMEOUT,
        }
    }
}

/// Builds the HTTP client: pooled, HTTP/2 where offered, rustls, system proxy settings
/// (`HTTPS_PROXY`, `NO_PROXY`, and the macOS / Windows settings) honoured, `TCP_NODELAY`, TCP
/// keepalive, no redirects (an API that redirects is misconfigured, and a redirect would carry
/// the credential elsewhere). There is deliberately no total timeout: model streams can run
/// for many minutes; the read timeout bounds each silence instead.
pub(crate) fn client() -> anyhow::Result<reqwest::Client> {
    client_with(Timeouts::default())
}

/// [`client`] with other timeouts.
pub(crate) fn client_with(timeouts: Timeouts) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        // Enough warm connections for 256 requests in flight (over HTTP/1.1; HTTP/2 needs one),
        // without keeping every connection of a burst of 1,000 streams.
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .tcp_keepalive(Duration::from_secs(30))
        .build()
        .map_err(|err| anyhow::anyhow!("cannot build the HTTP client: {err}"))
}

/// A failed call to an upstream service.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
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
        /// Which service (e.g. "GitHub", "Copilot", a provider's name).
        service: Cow<'static, str>,
        /// HTTP status.
        status: StatusCode,
        /// The message extracted from the body.
        message: String,
        /// The raw body.
        body: Bytes,
        /// Response headers (for `retry-after` and content type).
        headers: Box<HeaderMap>,
    },
    /// No usable Copilot credential (the token expired and cannot be renewed, or GitHub refused
    /// the sign-in): said once in the log by the token manager, in every answer here.
    #[error("{message}")]
    NoToken {
        /// The cause, and the fix when there is one.
        message: String,
    },
    /// The service answered 2xx but the body was not what we expected.
    #[error("{service} sent a response copilot-api cannot read: {reason}")]
    Decode {
        /// Which service.
        service: Cow<'static, str>,
        /// What was wrong.
        reason: String,
    },
}

impl UpstreamError {
    /// Classifies a reqwest transport error, naming the host and the root cause.
    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
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
        // A connection that was made and then closed before any answer is not "could not
        // reach": the request went out.
        let closed_early = causes(err).any(|cause| {
            let text = cause.to_string();
            text.contains("connection closed before message completed")
                || text.contains("connection reset")
                || text.contains("Connection reset")
        }) && !err.is_connect();
        if err.is_body() || err.is_decode() || closed_early {
            return Self::Interrupted {
                host,
                reason: if closed_early && !err.is_body() {
                    format!(
                        "the connection closed before an answer ({})",
                        root_cause(err)
                    )
                } else {
                    root_cause(err)
                },
            };
        }
        Self::Connect {
            host,
            reason: root_cause(err),
        }
    }

    /// Builds a status error from a failed response, reading its body.
    pub(crate) async fn from_response(
        service: impl Into<Cow<'static, str>>,
        resp: reqwest::Response,
    ) -> Self {
        let status = resp.status();
        let headers = Box::new(resp.headers().clone());
        let body = resp.bytes().await.unwrap_or_default();
        let message = error_message(&body, status);
        Self::Status {
            service: service.into(),
            status,
            message,
            body,
            headers,
        }
    }

    /// The upstream HTTP status, if the service answered.
    pub(crate) fn status(&self) -> Option<StatusCode> {
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
pub(crate) fn error_message(body: &[u8], status: StatusCode) -> String {
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

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A loopback server that answers each connection with `reply` and then holds it open
    /// without a word.
    async fn stalling_server(reply: &'static [u8]) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = socket.read(&mut request).await;
                    let _ = socket.write_all(reply).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                });
            }
        });
        format!("http://{addr}/chat/completions")
    }

    /// The shared client with a short read timeout and no proxy from this machine's
    /// environment.
    fn short(read: Duration) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config().unwrap())
            .read_timeout(read)
            .no_proxy()
            .build()
            .unwrap()
    }

    async fn post(client: &reqwest::Client, url: &str) -> Result<reqwest::Response, UpstreamError> {
        client
            .post(url)
            .body("{}")
            .send()
            .await
            .map_err(|e| UpstreamError::from_reqwest(&e))
    }

    #[tokio::test]
    async fn silence_before_the_head_or_inside_the_body_times_out() {
        let client = short(Duration::from_millis(300));

        // No answer at all: a timeout naming the host, after about the limit.
        let mute = stalling_server(b"").await;
        let started = std::time::Instant::now();
        let err = post(&client, &mute).await.unwrap_err();
        let host = mute
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap();
        assert!(
            matches!(&err, UpstreamError::Timeout { host: h } if h == host),
            "{err}"
        );
        assert!(started.elapsed() >= Duration::from_millis(300));

        // A head and part of the body, then silence: the body fails as a timeout.
        let half = stalling_server(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n6\r\ndata: \r\n").await;
        let response = post(&client, &half).await.unwrap();
        assert_eq!(response.status(), 200);
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(matches!(
            UpstreamError::from_reqwest(&err),
            UpstreamError::Timeout { .. }
        ));
    }

    #[tokio::test]
    async fn a_slow_stream_that_keeps_sending_is_never_cut() {
        // A piece every 100 ms for a second, with 300 ms allowed between pieces.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            socket.write_all(head).await.unwrap();
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                socket.write_all(b"1\r\nx\r\n").await.unwrap();
            }
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        });
        let client = short(Duration::from_millis(300));
        let response = post(&client, &format!("http://{addr}/chat/completions"))
            .await
            .unwrap();
        assert_eq!(response.bytes().await.unwrap(), "xxxxxxxxxx");
    }

    #[tokio::test]
    async fn a_connection_closed_after_the_request_is_not_unreachable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            drop(socket);
        });
        let err = post(
            &short(READ_TIMEOUT),
            &format!("http://{addr}/chat/completions"),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, UpstreamError::Interrupted { .. }), "{err}");
        assert!(!err.to_string().contains("could not reach"), "{err}");
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_host_and_the_cause() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = post(&short(READ_TIMEOUT), &format!("http://{addr}/models"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("could not reach {addr}: ")) && text.contains("refused"),
            "{text}"
        );
    }
}
