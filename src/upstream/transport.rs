//! How model requests reach their provider: hyper-util's pooled client over rustls, with the
//! request line prepared once per URL.
//!
//! reqwest, which the GitHub calls use, costs a proxied request about a quarter of the proxy's
//! own instructions on top of the HTTP exchange (measured with callgrind on the passthrough
//! route): it parses the URL twice per request (its redirect layer and its response, even with
//! redirects off) and clones the header map twice (its retry layer). Model requests skip those
//! layers: they go straight to the connection pool with a URI parsed once, and come back as a
//! `reqwest::Response`, so callers and error handling are the same on both paths.
//!
//! What reqwest's client gave, this one keeps: TLS through the same rustls configuration
//! (platform verifier, HTTP/2 by ALPN), TCP keepalive, `TCP_NODELAY`, a 10 s bound on
//! connecting (TCP and TLS), a pool of idle connections, and a read timeout — the longest
//! silence tolerated while waiting for the answer's head or its next piece of body.
//!
//! Proxies: when the environment names an HTTP(S) proxy (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, any case), model requests go through reqwest, which honours them with
//! `NO_PROXY` exactly as before.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::http::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use reqwest::Method;
use reqwest::header::HeaderMap;
use tokio::time::{Instant, Sleep};

use super::{CONNECT_TIMEOUT, READ_TIMEOUT, UpstreamError, root_cause};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

type Pooled = Client<Bounded<hyper_rustls::HttpsConnector<HttpConnector>>, Full<Bytes>>;

/// The environment variables through which reqwest picks up a proxy on this platform.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Where a model request goes: the URL (for messages and the reqwest path) and the same
/// address as a ready request-line URI.
#[derive(Debug, Clone)]
pub struct Target {
    url: reqwest::Url,
    uri: Uri,
}

impl Target {
    /// Parses `url` once for both uses.
    pub fn parse(url: &str) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url).map_err(|err| err.to_string())?;
        let uri = Uri::try_from(parsed.as_str()).map_err(|err| err.to_string())?;
        Ok(Self { url: parsed, uri })
    }

    /// The URL.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// `host[:port]`, as errors name it.
    fn host(&self) -> String {
        match (self.url.host_str(), self.url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => "the upstream".to_owned(),
        }
    }
}

/// The client model requests go through.
#[derive(Debug, Clone)]
pub struct Transport {
    /// The pooled client, unless a proxy is configured.
    direct: Option<Pooled>,
    /// reqwest, for when a proxy is configured.
    fallback: reqwest::Client,
    /// The longest silence tolerated while reading an answer ([`READ_TIMEOUT`]).
    read_timeout: Duration,
}

impl Transport {
    /// A transport sharing `tls` (see [`super::tls_config`]) with `fallback`, which serves when
    /// the environment names a proxy.
    pub fn new(fallback: reqwest::Client, tls: rustls::ClientConfig) -> Self {
        let proxied = PROXY_VARIABLES
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
        if proxied {
            tracing::debug!("a proxy is configured: model requests go through reqwest");
            return Self {
                direct: None,
                fallback,
                read_timeout: READ_TIMEOUT,
            };
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(30)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let direct = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            // As for reqwest (`super::http_client`): warm connections for 256 requests in flight.
            .pool_max_idle_per_host(256)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(Bounded { inner: https });
        Self {
            direct: Some(direct),
            fallback,
            read_timeout: READ_TIMEOUT,
        }
    }

    /// Sends one request and waits for the head of the answer (at most the read timeout); the
    /// body then streams with the same bound on each silence.
    pub async fn send(
        &self,
        method: Method,
        target: &Target,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, UpstreamError> {
        let Some(direct) = &self.direct else {
            let mut request = reqwest::Request::new(method, target.url.clone());
            *request.headers_mut() = headers;
            if let Some(body) = body {
                *request.body_mut() = Some(body.into());
            }
            return self
                .fallback
                .execute(request)
                .await
                .map_err(|e| UpstreamError::from_reqwest(&e));
        };
        let mut request = hyper::Request::new(Full::new(body.unwrap_or_default()));
        *request.method_mut() = method;
        *request.uri_mut() = target.uri.clone();
        *request.headers_mut() = headers;
        let response = match tokio::time::timeout(self.read_timeout, direct.request(request)).await
        {
            Ok(Ok(response)) => response,
            Ok(Err(err)) => return Err(classify(&err, target)),
            Err(_) => {
                return Err(UpstreamError::Timeout {
                    host: target.host(),
                });
            }
        };
        let (parts, incoming) = response.into_parts();
        let mut head = hyper::Response::builder()
            .status(parts.status)
            .version(parts.version);
        head = reqwest::ResponseBuilderExt::url(head, target.url.clone());
        if let Some(headers) = head.headers_mut() {
            *headers = parts.headers;
        }
        let response = head
            .body(reqwest::Body::wrap(ReadTimeout::new(
                incoming,
                self.read_timeout,
            )))
            .map_err(|err| UpstreamError::Decode {
                service: "Copilot",
                reason: err.to_string(),
            })?;
        Ok(reqwest::Response::from(response))
    }
}

/// A failure before the answer's head: a timeout (connecting) or the cause, by host.
fn classify(err: &hyper_util::client::legacy::Error, target: &Target) -> UpstreamError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return UpstreamError::Timeout {
                host: target.host(),
            };
        }
        source = current.source();
    }
    UpstreamError::Connect {
        host: target.host(),
        reason: root_cause(err),
    }
}

/// A connector whose connections (TCP and TLS handshake) take at most [`CONNECT_TIMEOUT`].
#[derive(Debug, Clone)]
struct Bounded<C> {
    inner: C,
}

impl<C> tower::Service<Uri> for Bounded<C>
where
    C: tower::Service<Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "connecting timed out",
                )
                .into()),
            }
        })
    }
}

/// A body that fails with a `TimedOut` I/O error when no data arrives for `limit`.
///
/// The deadline moves with every frame by a plain store; the timer is only re-armed when it
/// fires early, so a fast stream costs one clock read per frame, not a timer update.
struct ReadTimeout {
    inner: Incoming,
    limit: Duration,
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
}

impl ReadTimeout {
    fn new(inner: Incoming, limit: Duration) -> Self {
        let deadline = Instant::now() + limit;
        Self {
            inner,
            limit,
            deadline,
            timer: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

impl Body for ReadTimeout {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.deadline = Instant::now() + this.limit;
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        while this.timer.as_mut().poll(cx).is_ready() {
            if Instant::now() >= this.deadline {
                return Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no data for {} s", this.limit.as_secs()),
                )
                .into())));
            }
            let deadline = this.deadline;
            this.timer.as_mut().reset(deadline);
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

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

    fn transport(read_timeout: Duration) -> Transport {
        let fallback = reqwest::Client::new();
        let tls = super::super::tls_config().unwrap();
        Transport {
            read_timeout,
            ..Transport::new(fallback, tls)
        }
    }

    #[tokio::test]
    async fn silence_before_the_head_or_inside_the_body_times_out() {
        let transport = transport(Duration::from_millis(300));
        assert!(transport.direct.is_some());

        // No answer at all: a timeout naming the host, after about the limit.
        let mute = Target::parse(&stalling_server(b"").await).unwrap();
        let started = std::time::Instant::now();
        let err = transport
            .send(
                Method::POST,
                &mute,
                HeaderMap::new(),
                Some(Bytes::from("{}")),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, UpstreamError::Timeout { host } if *host == mute.host()),
            "{err}"
        );
        assert!(started.elapsed() >= Duration::from_millis(300));

        // A head and part of the body, then silence: the body fails as a timeout.
        let half = Target::parse(
            &stalling_server(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n6\r\ndata: \r\n").await,
        )
        .unwrap();
        let response = transport
            .send(Method::POST, &half, HeaderMap::new(), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.url().as_str(), half.url().as_str());
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(matches!(
            UpstreamError::from_reqwest(&err),
            UpstreamError::Timeout { .. }
        ));
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_host_and_the_cause() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let target = Target::parse(&format!("http://{addr}/models")).unwrap();
        let err = transport(READ_TIMEOUT)
            .send(Method::GET, &target, HeaderMap::new(), None)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("could not reach {addr}: ")) && text.contains("refused"),
            "{text}"
        );
    }

    #[test]
    fn targets_parse_once_for_both_uses() {
        let target = Target::parse("https://api.githubcopilot.com/chat/completions").unwrap();
        assert_eq!(
            target.uri.to_string(),
            "https://api.githubcopilot.com/chat/completions"
        );
        assert_eq!(target.host(), "api.githubcopilot.com");
        let local = Target::parse("http://127.0.0.1:4000/copilot/models").unwrap();
        assert_eq!(local.host(), "127.0.0.1:4000");
        assert_eq!(local.uri.path(), "/copilot/models");
        assert!(Target::parse("http://[::1").is_err());
    }
}
