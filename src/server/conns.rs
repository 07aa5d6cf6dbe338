//! Client connections: accepted here, served by hyper with timeouts, counted against a cap, and
//! ended in order at shutdown.
//!
//! - **Timeouts** (`--client-timeout`, default 30 s): a request head that takes longer to arrive,
//!   a keep-alive connection idle that long (hyper starts the same timer while a connection
//!   waits for its next request), and a request body silent that long
//!   ([`super::extract::read_body`]: 408) are cut off.
//! - **A cap on open connections** (`--max-connections`; by default derived from the
//!   file-descriptor limit, which is first raised to its hard limit): at the cap, the oldest
//!   connection with no request in flight is closed to make room, so silent sockets can never
//!   lock real clients out; when every connection is busy, new ones wait in the kernel's queue.
//! - **Shutdown**: no new connections; idle ones close at once, requests in flight get
//!   [`SHUTDOWN_GRACE`]; streams still open then end with their surface's error event.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::sync::Notify;
use tokio::sync::futures::OwnedNotified;
use tower::{Service, ServiceExt as _};

use super::SHUTDOWN_GRACE;
use crate::providers::Shape;

/// File descriptors kept back from the connection cap for upstream connections, the ledger,
/// the log and the listener.
const FD_RESERVE: u64 = 64;
/// The cap when the descriptor limit allows more.
const MAX_CONNECTIONS: usize = 4096;

/// The default connection cap: half of what the file-descriptor limit leaves (each client
/// connection may need an upstream one), at most [`MAX_CONNECTIONS`]. Raises the soft limit to
/// the hard one first, as servers do (macOS starts processes at 256).
pub(crate) fn default_max_connections() -> usize {
    let limit = raise_fd_limit().unwrap_or(1024);
    let usable = limit.saturating_sub(FD_RESERVE) / 2;
    usize::try_from(usable).map_or(MAX_CONNECTIONS, |n| n.clamp(8, MAX_CONNECTIONS))
}

#[cfg(unix)]
#[expect(unsafe_code, reason = "getrlimit/setrlimit on a local struct")]
fn raise_fd_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    // macOS refuses a soft limit above OPEN_MAX even when the hard limit is "unlimited".
    let ceiling = if cfg!(target_os = "macos") {
        limit.rlim_max.min(10_240)
    } else {
        limit.rlim_max
    };
    if limit.rlim_cur < ceiling {
        let raised = libc::rlimit {
            rlim_cur: ceiling,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: `raised` is a valid rlimit.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = ceiling;
        }
    }
    #[allow(clippy::useless_conversion, reason = "rlim_t is not u64 on every unix")]
    Some(u64::from(limit.rlim_cur))
}

#[cfg(not(unix))]
fn raise_fd_limit() -> Option<u64> {
    None
}

/// How connections are served.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Open connections at most.
    pub(crate) max_connections: usize,
    /// Header-read, keep-alive idle and body-silence timeout.
    pub(crate) client_timeout: Duration,
}

/// One open connection.
struct Conn {
    /// Requests in flight (a streamed answer counts until its body ends).
    busy: Arc<AtomicUsize>,
    /// Asks the connection to close (gracefully: after what is in flight).
    close: Arc<Notify>,
    /// Already asked.
    closing: bool,
}

/// The open connections, oldest first.
#[derive(Default)]
struct Registry {
    conns: Mutex<BTreeMap<u64, Conn>>,
    /// A connection closed or went idle.
    changed: Notify,
    next: AtomicU64,
}

impl Registry {
    fn len(&self) -> usize {
        self.conns.lock().map_or(0, |c| c.len())
    }

    fn add(&self) -> (u64, Arc<AtomicUsize>, Arc<Notify>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let busy = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        if let Ok(mut conns) = self.conns.lock() {
            conns.insert(
                id,
                Conn {
                    busy: busy.clone(),
                    close: close.clone(),
                    closing: false,
                },
            );
        }
        (id, busy, close)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut conns) = self.conns.lock() {
            conns.remove(&id);
        }
        self.changed.notify_waiters();
    }

    /// Closes the oldest connection with nothing in flight; `false` when every one is busy.
    fn evict_idle(&self) -> bool {
        let Ok(mut conns) = self.conns.lock() else {
            return false;
        };
        let idle = conns
            .values_mut()
            .find(|c| !c.closing && c.busy.load(Ordering::Acquire) == 0);
        match idle {
            Some(conn) => {
                conn.closing = true;
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn close_all(&self) {
        if let Ok(mut conns) = self.conns.lock() {
            for conn in conns.values_mut() {
                conn.closing = true;
                conn.close.notify_one();
            }
        }
    }

    /// Resolves when no connection is left.
    async fn drained(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.len() == 0 {
                return;
            }
            changed.await;
        }
    }
}

/// What every connection shares.
struct Shared {
    registry: Registry,
    client_timeout: Duration,
    /// The shutdown grace is over: open streams end now.
    grace_over: Arc<Notify>,
    grace_over_flag: AtomicBool,
}

/// Serves `app` on `listener` until `shutdown` resolves, then closes connections in order.
pub(crate) async fn serve<S>(
    listener: tokio::net::TcpListener,
    app: S,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let shared = Arc::new(Shared {
        registry: Registry::default(),
        client_timeout: limits.client_timeout,
        grace_over: Arc::new(Notify::new()),
        grace_over_flag: AtomicBool::new(false),
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.client_timeout);
    builder.http2().timer(TokioTimer::new());
    tracing::debug!(
        "at most {} client connections; client timeout {:?}",
        limits.max_connections,
        limits.client_timeout
    );

    let accepting = accept_loop(listener, app, builder, limits, shared.clone());
    tokio::select! {
        () = accepting => {}
        () = shutdown => {}
    }
    // The listener is closed (the accept loop was dropped); now the connections.
    shared.registry.close_all();
    if tokio::time::timeout(SHUTDOWN_GRACE, shared.registry.drained())
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight requests did not finish within {}s; ending them",
            SHUTDOWN_GRACE.as_secs()
        );
        shared.grace_over_flag.store(true, Ordering::Release);
        shared.grace_over.notify_waiters();
        let _ = tokio::time::timeout(Duration::from_secs(2), shared.registry.drained()).await;
    }
    Ok(())
}

async fn accept_loop<S>(
    listener: tokio::net::TcpListener,
    app: S,
    builder: auto::Builder<TokioExecutor>,
    limits: Limits,
    shared: Arc<Shared>,
) where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let mut warned_full = false;
    loop {
        // Room for one more: close the oldest idle connection, or wait for one to end.
        while shared.registry.len() >= limits.max_connections {
            let changed = shared.registry.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if shared.registry.evict_idle() {
                tracing::debug!("at the connection cap: closing the oldest idle connection");
            } else if !warned_full {
                warned_full = true;
                tracing::warn!(
                    "{} connections, all busy: new connections wait (--max-connections)",
                    limits.max_connections
                );
            }
            changed.await;
        }
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(err) => {
                // Out of file descriptors (or a transient accept error): free one and retry.
                if !shared.registry.evict_idle() {
                    tracing::warn!("cannot accept a connection: {err}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        // Without TCP_NODELAY the last chunk of every streamed answer waits ~40 ms for the
        // client's delayed ACK (Nagle), which agent loops pay on every turn.
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY: {err}");
        }
        let (id, busy, close) = shared.registry.add();
        tokio::spawn(serve_one(
            tcp,
            app.clone(),
            builder.clone(),
            shared.clone(),
            (id, busy, close),
        ));
    }
}

async fn serve_one<S>(
    tcp: tokio::net::TcpStream,
    app: S,
    builder: auto::Builder<TokioExecutor>,
    shared: Arc<Shared>,
    (id, busy, close): (u64, Arc<AtomicUsize>, Arc<Notify>),
) where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let per_request = shared.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        busy.fetch_add(1, Ordering::AcqRel);
        let guard = Busy {
            busy: busy.clone(),
            shared: per_request.clone(),
        };
        let shape = shape_of(req.uri().path());
        let shared = per_request.clone();
        let call = app.clone().oneshot(req.map(Body::new));
        async move {
            let response = call.await?;
            Ok::<_, Infallible>(track(response, guard, shape, &shared))
        }
    });
    // hyper's header timer starts once the protocol is known, which takes a first byte: a
    // socket that sends nothing is closed here.
    let timeout = shared.client_timeout;
    let mut first = [0u8; 1];
    let spoke = tokio::select! {
        peeked = tokio::time::timeout(timeout, tcp.peek(&mut first)) => matches!(peeked, Ok(Ok(1))),
        () = close.notified() => false,
    };
    if !spoke {
        shared.registry.remove(id);
        return;
    }
    let conn = builder.serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::trace!("client connection ended: {err}");
                }
                break;
            }
            () = close.notified(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    shared.registry.remove(id);
}

/// The API shape a path answers in, for the event that ends a stream at shutdown.
fn shape_of(path: &str) -> Shape {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    if path.starts_with("/messages") {
        Shape::Messages
    } else if path.starts_with("/responses") {
        Shape::Responses
    } else {
        Shape::Chat
    }
}

/// Counts a request as in flight until its response body is done.
struct Busy {
    busy: Arc<AtomicUsize>,
    shared: Arc<Shared>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.registry.changed.notify_waiters();
        }
    }
}

fn track(response: Response, busy: Busy, shape: Shape, shared: &Shared) -> Response {
    let stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let ending = (stream && !shared.grace_over_flag.load(Ordering::Acquire)).then(|| Ending {
        shape,
        over: Box::pin(shared.grace_over.clone().notified_owned()),
        done: false,
        at_boundary: true,
    });
    response.map(|inner| {
        Body::new(Tracked {
            inner,
            _busy: busy,
            ending,
        })
    })
}

/// A response body that keeps its connection counted as busy, and (event streams) ends with
/// the surface's error event when the shutdown grace runs out.
struct Tracked {
    inner: Body,
    _busy: Busy,
    ending: Option<Ending>,
}

struct Ending {
    shape: Shape,
    over: Pin<Box<OwnedNotified>>,
    done: bool,
    /// The bytes sent so far end on an event boundary.
    at_boundary: bool,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Some(ending) = &mut this.ending {
            if ending.done {
                return Poll::Ready(None);
            }
            if ending.over.as_mut().poll(cx).is_ready() {
                ending.done = true;
                let event = super::routes::relay::broken_stream_event(
                    ending.shape,
                    "copilot-api is shutting down: this answer ends here",
                );
                // A cut in the middle of an event closes that event first.
                let event = if ending.at_boundary {
                    event
                } else {
                    Bytes::from([&b"\n\n"[..], &event].concat())
                };
                return Poll::Ready(Some(Ok(Frame::data(event))));
            }
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let (Some(ending), Poll::Ready(Some(Ok(frame)))) = (&mut this.ending, &polled)
            && let Some(data) = frame.data_ref()
            && !data.is_empty()
        {
            ending.at_boundary = super::routes::relay::ends_event(data);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.ending.as_ref().is_some_and(|e| e.done) || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        if self.ending.is_some() {
            SizeHint::default()
        } else {
            self.inner.size_hint()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_leaves_descriptors_for_the_rest() {
        let cap = default_max_connections();
        assert!((8..=MAX_CONNECTIONS).contains(&cap), "{cap}");
    }

    #[test]
    fn eviction_takes_the_oldest_idle_connection() {
        let registry = Registry::default();
        let (a, busy_a, _) = registry.add();
        let (_, _, close_b) = registry.add();
        busy_a.store(1, Ordering::Release);
        assert!(registry.evict_idle());
        // b was asked to close (a permit is stored); a, busy, was not.
        let closed = close_b.notified();
        assert!(futures_util::FutureExt::now_or_never(closed).is_some());
        // b is closing already and a is busy: nothing left to evict.
        assert!(!registry.evict_idle());
        registry.remove(a);
        assert_eq!(registry.len(), 1);
    }
}
