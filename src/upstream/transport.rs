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
//! (platform verifier, HTTP/2 by ALPN), TCP keepalive (probes after 30 s, every 15 s, 3 of
//! them), `TCP_NODELAY`, a 10 s bound on connecting (TCP and TLS), a pool of idle
//! connections, a read timeout — the longest silence tolerated while waiting for the answer's
//! head or its next piece of body — and its retries: a request an HTTP/2 server refused
//! without processing it (`REFUSED_STREAM`, or a graceful `GOAWAY`) is sent again, at most
//! twice.
//!
//! Proxies: a request that the system's proxy settings send through a proxy (the rules reqwest
//! applies: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, and on macOS and Windows
//! the system settings) goes through reqwest, which proxies it as before.

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
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use reqwest::Method;
use reqwest::header::HeaderMap;
use tokio::time::{Instant, Sleep};

use super::{CONNECT_TIMEOUT, READ_TIMEOUT, UpstreamError, causes, root_cause};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

type Pooled = Client<Bounded<hyper_rustls::HttpsConnector<HttpConnector>>, Full<Bytes>>;

/// How many times a request refused by an HTTP/2 server is sent again (as reqwest does).
const H2_RETRIES: usize = 2;

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
    /// The pooled client.
    direct: Pooled,
    /// The system's proxy rules, read once (as reqwest reads them); `None` when they name no
    /// proxy at all, which spares every request the lookup.
    proxies: Option<std::sync::Arc<Matcher>>,
    /// reqwest, for requests those rules send through a proxy.
    fallback: reqwest::Client,
    /// The longest silence tolerated while reading an answer ([`READ_TIMEOUT`]).
    read_timeout: Duration,
}

impl Transport {
    /// A transport sharing `tls` (see [`super::tls_config`]; ALPN is set here) with
    /// `fallback`, which serves the requests the system's proxy settings send to a proxy.
    pub fn new(fallback: reqwest::Client, mut tls: rustls::ClientConfig) -> Self {
        // hyper-rustls sets the ALPN protocols itself and insists on finding none.
        tls.alpn_protocols.clear();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        // reqwest's settings: a dead connection is noticed in about a minute, and the connect
        // budget is shared between a host's addresses (`Bounded` covers the TLS handshake).
        http.set_keepalive(Some(Duration::from_secs(30)));
        http.set_keepalive_interval(Some(Duration::from_secs(15)));
        http.set_keepalive_retries(Some(3));
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
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
            direct,
            proxies: proxy_rules(Matcher::from_system()),
            fallback,
            read_timeout: READ_TIMEOUT,
        }
    }

    /// Sends one request and waits for the head of the answer (at most the read timeout); the
    /// body then streams with the same bound on each silence. `headers` is called once per
    /// attempt (an HTTP/2 refusal is retried), so each attempt can carry its own request id.
    pub async fn send(
        &self,
        method: Method,
        target: &Target,
        headers: impl Fn() -> HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, UpstreamError> {
        if let Some(rules) = &self.proxies
            && rules.intercept(&target.uri).is_some()
        {
            let mut request = reqwest::Request::new(method, target.url.clone());
            *request.headers_mut() = headers();
            if let Some(body) = body {
                *request.body_mut() = Some(body.into());
            }
            return self
                .fallback
                .execute(request)
                .await
                .map_err(|e| UpstreamError::from_reqwest(&e));
        }
        let body = body.unwrap_or_default();
        let mut retries = 0;
        let response = loop {
            let mut request = hyper::Request::new(Full::new(body.clone()));
            *request.method_mut() = method.clone();
            *request.uri_mut() = target.uri.clone();
            *request.headers_mut() = headers();
            match tokio::time::timeout(self.read_timeout, self.direct.request(request)).await {
                Ok(Ok(response)) => break response,
                Ok(Err(err)) if retries < H2_RETRIES && refused_unprocessed(&err) => {
                    retries += 1;
                    tracing::debug!(
                        "{} refused the request over HTTP/2; sending it again",
                        target.host()
                    );
                }
                Ok(Err(err)) => return Err(classify(&err, target)),
                Err(_) => {
                    return Err(UpstreamError::Timeout {
                        host: target.host(),
                    });
                }
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
            .map_err(|err| UpstreamError::Interrupted {
                host: target.host(),
                reason: err.to_string(),
            })?;
        Ok(reqwest::Response::from(response))
    }
}

/// `rules` when they send anything to a proxy. A host no one lists in `NO_PROXY` stands for
/// every host: it is proxied for a scheme exactly when a proxy is set for that scheme.
fn proxy_rules(rules: Matcher) -> Option<std::sync::Arc<Matcher>> {
    let proxied = [
        "http://copilot-api.invalid/",
        "https://copilot-api.invalid/",
    ]
    .into_iter()
    .any(|probe| rules.intercept(&Uri::from_static(probe)).is_some());
    proxied.then(|| std::sync::Arc::new(rules))
}

/// Whether an HTTP/2 server turned the request away before processing it, so that sending it
/// again is safe (RFC 9113 §8.7): the stream refused, or the connection closing gracefully.
fn refused_unprocessed(err: &hyper_util::client::legacy::Error) -> bool {
    causes(err)
        .find_map(|cause| cause.downcast_ref::<h2::Error>())
        .is_some_and(|h2| {
            h2.is_remote()
                && ((h2.is_reset() && h2.reason() == Some(h2::Reason::REFUSED_STREAM))
                    || (h2.is_go_away() && h2.reason() == Some(h2::Reason::NO_ERROR)))
        })
}

/// A failure before the answer's head: a timeout (connecting) or the cause, by host.
fn classify(err: &hyper_util::client::legacy::Error, target: &Target) -> UpstreamError {
    let timed_out = causes(err).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    });
    if timed_out {
        return UpstreamError::Timeout {
            host: target.host(),
        };
    }
    UpstreamError::Connect {
        host: target.host(),
        reason: root_cause(err),
    }
}

/// A `TimedOut` I/O error, which [`classify`] and reqwest's `is_timeout` recognise.
fn timed_out(what: String) -> BoxError {
    std::io::Error::new(std::io::ErrorKind::TimedOut, what).into()
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
                Err(_) => Err(timed_out("connecting timed out".into())),
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
                let silence = format!("no data for {} s", this.limit.as_secs());
                return Poll::Ready(Some(Err(timed_out(silence))));
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

    /// A transport with no proxy rules, whatever this machine's environment says.
    fn with_tls(tls: rustls::ClientConfig, read_timeout: Duration) -> Transport {
        Transport {
            read_timeout,
            proxies: None,
            ..Transport::new(reqwest::Client::new(), tls)
        }
    }

    fn transport(read_timeout: Duration) -> Transport {
        with_tls(super::super::tls_config().unwrap(), read_timeout)
    }

    /// `POST {}` to `url`.
    async fn post(transport: &Transport, url: &str) -> Result<reqwest::Response, UpstreamError> {
        let target = Target::parse(url).unwrap();
        let body = Some(Bytes::from("{}"));
        transport
            .send(Method::POST, &target, HeaderMap::new, body)
            .await
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tls")
            .join(name)
    }

    /// An HTTP/2 server over TLS (the test certificate) that refuses the first `refuse`
    /// requests with `REFUSED_STREAM` and answers the others `ok`; returns its URL and a
    /// count of the requests it saw.
    async fn refusing_h2_server(
        refuse: usize,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from_pem_file(fixture("server.pem")).unwrap()],
                PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap(),
            )
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, counter) = (acceptor.clone(), std::sync::Arc::clone(&counter));
                tokio::spawn(async move {
                    let tls = acceptor.accept(tcp).await.unwrap();
                    let mut connection = h2::server::handshake(tls).await.unwrap();
                    while let Some(Ok((_, mut respond))) = connection.accept().await {
                        if counter.fetch_add(1, Ordering::SeqCst) < refuse {
                            respond.send_reset(h2::Reason::REFUSED_STREAM);
                            continue;
                        }
                        let head = hyper::Response::builder().status(200).body(()).unwrap();
                        let mut body = respond.send_response(head, false).unwrap();
                        body.send_data(Bytes::from_static(b"ok"), true).unwrap();
                    }
                });
            }
        });
        (format!("https://localhost:{port}/chat/completions"), seen)
    }

    #[tokio::test]
    async fn requests_an_http2_server_refused_unprocessed_are_sent_again_twice_at_most() {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        use std::sync::atomic::Ordering;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(fixture("ca.pem")).unwrap())
            .unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let transport = with_tls(tls, READ_TIMEOUT);

        let (url, seen) = refusing_h2_server(2).await;
        let response = post(&transport, &url).await.unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.bytes().await.unwrap(), "ok");
        assert_eq!(seen.load(Ordering::SeqCst), 3);

        let (url, seen) = refusing_h2_server(usize::MAX).await;
        let err = post(&transport, &url).await.unwrap_err();
        assert!(matches!(err, UpstreamError::Connect { .. }), "{err}");
        assert_eq!(seen.load(Ordering::SeqCst), 3);
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
        let target = Target::parse(&format!("http://{addr}/chat/completions")).unwrap();
        let response = transport(Duration::from_millis(300))
            .send(Method::POST, &target, HeaderMap::new, None)
            .await
            .unwrap();
        assert_eq!(response.bytes().await.unwrap(), "xxxxxxxxxx");
    }

    #[tokio::test]
    async fn silence_before_the_head_or_inside_the_body_times_out() {
        let transport = transport(Duration::from_millis(300));

        // No answer at all: a timeout naming the host, after about the limit.
        let mute = Target::parse(&stalling_server(b"").await).unwrap();
        let started = std::time::Instant::now();
        let err = transport
            .send(Method::POST, &mute, HeaderMap::new, Some(Bytes::from("{}")))
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
            .send(Method::POST, &half, HeaderMap::new, None)
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
            .send(Method::GET, &target, HeaderMap::new, None)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("could not reach {addr}: ")) && text.contains("refused"),
            "{text}"
        );
    }

    #[test]
    fn proxy_rules_are_kept_only_when_they_name_a_proxy() {
        assert!(proxy_rules(Matcher::builder().build()).is_none());
        let no_proxy_everywhere = Matcher::builder()
            .https("http://127.0.0.1:3128")
            .no("*")
            .build();
        assert!(proxy_rules(no_proxy_everywhere).is_none());
        let https_only = Matcher::builder()
            .https("http://127.0.0.1:3128")
            .no("localhost")
            .build();
        let rules = proxy_rules(https_only).unwrap();
        let copilot = Uri::from_static("https://api.githubcopilot.com/chat/completions");
        assert!(rules.intercept(&copilot).is_some());
        assert!(
            rules
                .intercept(&Uri::from_static("https://localhost:4000/models"))
                .is_none()
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
