//! A fake GitHub + Copilot server on 127.0.0.1:0, scripted per test.
//!
//! One axum server plays every upstream: the GitHub web host (device flow), the GitHub API
//! (`/user`, `/copilot_internal/*`) and the Copilot API under `/copilot` — the Copilot token
//! it issues names `{base}/copilot` in `endpoints.api`, as real tokens name their host. It runs
//! on its own thread and runtime so synchronous assert_cmd tests can use it, and records every
//! request for assertions on headers, bodies and timing.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

/// One scripted answer of the device-flow token endpoint.
#[derive(Debug, Clone)]
pub enum Poll {
    Pending,
    SlowDown,
    Expired,
    Denied,
    Token(&'static str),
}

/// A scripted Copilot answer for a model route.
#[derive(Debug, Clone)]
pub enum Reply {
    /// JSON with a status.
    Json(u16, Value),
    /// An SSE body sent in the given pieces, with a pause between them.
    Sse(Vec<Bytes>, Duration),
    /// Raw status, headers and body.
    Raw(u16, Vec<(&'static str, &'static str)>, Bytes),
    /// JSON 200 after a delay (counted in `streams_dropped` when the caller leaves first).
    Slow(Duration, Value),
    /// An SSE body sent in pieces, then the connection is cut (no proper end).
    SseThenCut(Vec<Bytes>),
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    /// The request target as sent: origin form (`/copilot/models`) directly, absolute form
    /// (`http://…/copilot/models`) through a proxy.
    pub target: String,
    pub version: axum::http::Version,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Mutable script and log.
#[derive(Debug)]
pub struct Script {
    pub device_interval: u64,
    pub device_expires_in: u64,
    pub polls: VecDeque<Poll>,
    /// GitHub token → login.
    pub users: Vec<(String, String)>,
    /// Status/body for the Copilot token exchange when it should fail.
    pub token_failure: Option<(u16, Value)>,
    /// `refresh_in` of issued Copilot tokens.
    pub refresh_in: u64,
    /// Issued Copilot tokens expire this many seconds after issue (default: in 2100).
    pub expires_in: Option<u64>,
    /// Whether the issued token names `{base}/copilot` as its API.
    pub token_names_endpoint: bool,
    /// Copilot tokens issued so far; the last one is the valid one.
    pub issued: Vec<String>,
    /// The first this-many issued tokens are refused by the Copilot API (401).
    pub invalid_first_n: usize,
    /// The models list.
    pub models: Value,
    /// `copilot_internal/user` JSON.
    pub copilot_user: Value,
    /// Scripted replies per Copilot path (`/chat/completions`, `/v1/messages`, …), FIFO; the
    /// last one repeats.
    pub replies: Vec<(String, VecDeque<Reply>)>,
    pub requests: Vec<Recorded>,
    /// SSE replies whose body was dropped before its last piece (client or proxy went away).
    pub streams_dropped: usize,
    /// SSE replies sent to the end.
    pub streams_completed: usize,
    /// `/models` answers only after this long (a hanging catalogue endpoint).
    pub models_delay: Option<Duration>,
    /// Copilot refuses model calls from VS Code versions below this one (400 naming it).
    pub min_vscode: Option<String>,
    /// Copilot refuses every model call with 466 (client version no longer supported).
    pub reject_client_version: bool,
}

pub struct Fake {
    pub base: String,
    pub script: Arc<Mutex<Script>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub fn default_models() -> Value {
    json!({"object": "list", "data": [
        {"id": "gpt-4o", "name": "GPT-4o", "vendor": "Azure OpenAI", "version": "gpt-4o-2024-11-20",
         "preview": false, "model_picker_enabled": true,
         "capabilities": {"family": "gpt-4o", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 128000, "max_output_tokens": 4096, "max_prompt_tokens": 64000,
                       "vision": {"max_prompt_images": 1}},
            "supports": {"tool_calls": true, "parallel_tool_calls": true, "streaming": true, "vision": true}},
         "supported_endpoints": ["/chat/completions"], "billing": {"is_premium": false, "multiplier": 0}},
        {"id": "gpt-5.1-codex", "name": "GPT-5.1-Codex", "vendor": "OpenAI", "preview": true,
         "capabilities": {"family": "gpt-5.1-codex", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 400000, "max_output_tokens": 128000},
            "supports": {"tool_calls": true, "reasoning_effort": ["low", "medium", "high"]}},
         "supported_endpoints": ["/responses"]},
        {"id": "claude-sonnet-4.5", "name": "Claude Sonnet 4.5", "vendor": "Anthropic",
         "capabilities": {"family": "claude-sonnet-4.5", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 200000, "max_output_tokens": 16000, "max_prompt_tokens": 128000},
            "supports": {"tool_calls": true, "parallel_tool_calls": true, "vision": true,
                         "max_thinking_budget": 32000, "min_thinking_budget": 1024}},
         "supported_endpoints": ["/chat/completions", "/v1/messages"], "billing": {"is_premium": true, "multiplier": 1}},
        {"id": "claude-haiku-4.5", "name": "Claude Haiku 4.5", "vendor": "Anthropic",
         "capabilities": {"family": "claude-haiku-4.5", "type": "chat", "tokenizer": "o200k_base",
            "limits": {"max_context_window_tokens": 200000, "max_output_tokens": 8192},
            "supports": {"tool_calls": true, "vision": true}},
         "supported_endpoints": ["/chat/completions"], "billing": {"is_premium": true, "multiplier": 0.33}},
        {"id": "text-embedding-3-small", "name": "Embedding V3 small", "vendor": "Azure OpenAI",
         "capabilities": {"family": "text-embedding-3-small", "type": "embeddings", "tokenizer": "cl100k_base",
            "limits": {"max_inputs": 512}, "supports": {"dimensions": true}}}
    ]})
}

/// The ALPN protocols a TLS fake offers.
#[derive(Debug, Clone, Copy)]
pub enum Alpn {
    /// HTTP/2 and HTTP/1.1, as api.githubcopilot.com.
    H2,
    /// HTTP/1.1 only.
    Http1,
}

/// A file of `tests/fixtures/tls`.
fn tls_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// The CA that signed the TLS fake's certificate (for `SSL_CERT_FILE`).
pub fn test_ca() -> std::path::PathBuf {
    tls_fixture("ca.pem")
}

impl Fake {
    pub fn start() -> Self {
        Self::serve(None)
    }

    /// The same fake over TLS at `https://localhost:PORT`, with a certificate for `localhost`
    /// and `127.0.0.1` signed by [`test_ca`].
    pub fn start_tls(alpn: Alpn) -> Self {
        Self::serve(Some(alpn))
    }

    fn serve(tls: Option<Alpn>) -> Self {
        let script = Arc::new(Mutex::new(Script {
            device_interval: 1,
            device_expires_in: 900,
            polls: VecDeque::new(),
            users: vec![("gho_good".into(), "octocat".into())],
            token_failure: None,
            refresh_in: 1500,
            expires_in: None,
            token_names_endpoint: true,
            issued: Vec::new(),
            invalid_first_n: 0,
            models: default_models(),
            copilot_user: json!({
                "copilot_plan": "individual",
                "quota_reset_date": "2026-12-01",
                "quota_snapshots": {
                    "premium_interactions": {"entitlement": 300, "remaining": 120, "percent_remaining": 40.0, "unlimited": false, "overage_count": 0},
                    "chat": {"entitlement": 0, "remaining": 0, "percent_remaining": 100.0, "unlimited": true},
                    "completions": {"entitlement": 0, "remaining": 0, "percent_remaining": 100.0, "unlimited": true}
                }
            }),
            replies: Vec::new(),
            requests: Vec::new(),
            streams_dropped: 0,
            streams_completed: 0,
            models_delay: None,
            min_vscode: None,
            reject_client_version: false,
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let base = match tls {
            None => format!("http://{addr}"),
            Some(_) => format!("https://localhost:{}", addr.port()),
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState {
            script: Arc::clone(&script),
            base: base.clone(),
        };
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = router(state);
                if let Some(alpn) = tls {
                    tokio::select! {
                        () = serve_tls(listener, app, alpn) => {}
                        _ = rx => {}
                    }
                    return;
                }
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        Self {
            base,
            script,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Script) -> R) -> R {
        f(&mut self.script.lock().unwrap())
    }

    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.with(|s| {
            s.requests
                .iter()
                .filter(|r| r.path == path)
                .cloned()
                .collect()
        })
    }

    pub fn reply(&self, path: &str, reply: Reply) {
        self.with(|s| match s.replies.iter_mut().find(|(p, _)| p == path) {
            Some((_, queue)) => queue.push_back(reply),
            None => s.replies.push((path.to_owned(), VecDeque::from([reply]))),
        });
    }
}

/// Accepts TLS connections and serves `app` on each, over the protocol ALPN settled on.
async fn serve_tls(listener: tokio::net::TcpListener, app: Router, alpn: Alpn) {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = vec![
        CertificateDer::from_pem_file(tls_fixture("server.pem")).unwrap(),
        CertificateDer::from_pem_file(test_ca()).unwrap(),
    ];
    let key = PrivateKeyDer::from_pem_file(tls_fixture("server.key")).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = match alpn {
        Alpn::H2 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Alpn::Http1 => vec![b"http/1.1".to_vec()],
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[derive(Clone)]
struct AppState {
    script: Arc<Mutex<Script>>,
    base: String,
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/login/device/code", post(device_code))
        .route("/login/oauth/access_token", post(access_token))
        .route("/user", get(user))
        .route("/copilot_internal/v2/token", get(copilot_token))
        .route("/copilot_internal/user", get(copilot_user))
        .route("/copilot/models", get(models))
        .route("/models", get(models))
        .route("/copilot/{*rest}", any(copilot_route))
        // Every other path plays another provider (OpenAI under `/openai`, Anthropic under
        // `/anthropic`, Azure under `/azure`, …): scripted by its full path, no auth check.
        .fallback(other_route)
        .layer(axum::middleware::from_fn_with_state(state.clone(), record))
        .with_state(state)
}

async fn record(
    State(state): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let recorded = Recorded {
        path: parts.uri.path().to_owned(),
        target: parts.uri.to_string(),
        version: parts.version,
        headers: parts.headers.clone(),
        body: bytes.clone(),
        at: Instant::now(),
    };
    state.script.lock().unwrap().requests.push(recorded);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn json_response(status: u16, value: Value) -> Response {
    (StatusCode::from_u16(status).unwrap(), axum::Json(value)).into_response()
}

async fn device_code(State(state): State<AppState>) -> Response {
    let s = state.script.lock().unwrap();
    json_response(
        200,
        json!({
            "device_code": "dev-123",
            "user_code": "ABCD-1234",
            "verification_uri": "https://github.com/login/device",
            "expires_in": s.device_expires_in,
            "interval": s.device_interval,
        }),
    )
}

async fn access_token(State(state): State<AppState>) -> Response {
    let next = state
        .script
        .lock()
        .unwrap()
        .polls
        .pop_front()
        .unwrap_or(Poll::Pending);
    let error = |e: &str| {
        json_response(
            200,
            json!({"error": e, "error_description": format!("{e} happened")}),
        )
    };
    match next {
        Poll::Pending => error("authorization_pending"),
        Poll::SlowDown => error("slow_down"),
        Poll::Expired => error("expired_token"),
        Poll::Denied => error("access_denied"),
        Poll::Token(t) => json_response(
            200,
            json!({"access_token": t, "token_type": "bearer", "scope": "read:user"}),
        ),
    }
}

fn github_login(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let token = auth.strip_prefix("token ")?;
    let s = state.script.lock().unwrap();
    s.users
        .iter()
        .find(|(t, _)| t == token)
        .map(|(_, login)| login.clone())
}

fn bad_credentials() -> Response {
    json_response(
        401,
        json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
    )
}

async fn user(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match github_login(&state, &headers) {
        Some(login) => json_response(200, json!({"login": login, "id": 1, "name": "The Octocat"})),
        None => bad_credentials(),
    }
}

async fn copilot_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if github_login(&state, &headers).is_none() {
        return bad_credentials();
    }
    let mut s = state.script.lock().unwrap();
    if let Some((status, body)) = s.token_failure.clone() {
        return json_response(status, body);
    }
    let token = format!("tid=cop-{};exp=1", s.issued.len() + 1);
    s.issued.push(token.clone());
    let mut body = json!({
        "token": token,
        "expires_at": s.expires_in.map_or(4_102_444_800i64, |secs| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            i64::try_from(now + secs).unwrap()
        }),
        "refresh_in": s.refresh_in,
        "sku": "free_educational",
    });
    if s.token_names_endpoint {
        body["endpoints"] =
            json!({"api": format!("{}/copilot", state.base), "proxy": "https://proxy.example"});
    }
    json_response(200, body)
}

async fn copilot_user(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if github_login(&state, &headers).is_none() {
        return bad_credentials();
    }
    json_response(200, state.script.lock().unwrap().copilot_user.clone())
}

fn copilot_authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let s = state.script.lock().unwrap();
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    s.issued.len() > s.invalid_first_n
        && presented.is_some()
        && presented == s.issued.last().map(String::as_str)
}

async fn models(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !copilot_authorised(&state, &headers) {
        return json_response(
            401,
            json!({"error": {"message": "unauthorized: token expired", "code": "unauthorized"}}),
        );
    }
    let (models, delay) = {
        let s = state.script.lock().unwrap();
        (s.models.clone(), s.models_delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    json_response(200, models)
}

async fn copilot_route(State(state): State<AppState>, req: Request) -> Response {
    if !copilot_authorised(&state, req.headers()) {
        return json_response(
            401,
            json!({"error": {"message": "unauthorized: token expired", "code": "unauthorized"}}),
        );
    }
    let path = req.uri().path().trim_start_matches("/copilot").to_owned();
    let (min_vscode, reject) = {
        let s = state.script.lock().unwrap();
        (s.min_vscode.clone(), s.reject_client_version)
    };
    if reject {
        return json_response(
            466,
            json!({"error": {"message": "the specified API version is no longer supported", "code": "client_version_unsupported"}}),
        );
    }
    if let Some(min) = min_vscode {
        let version =
            |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
        let sent = req
            .headers()
            .get("editor-version")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("vscode/"))
            .unwrap_or("0");
        if path != "/models" && version(sent) < version(&min) {
            return json_response(
                400,
                json!({"error": {"message": format!("model claude-opus-4.5 is not supported in this VS Code version. Please update it to version {min} or newer"), "code": "model_not_supported"}}),
            );
        }
    }
    scripted(&state, &path).await
}

async fn other_route(State(state): State<AppState>, req: Request) -> Response {
    scripted(&state, req.uri().path()).await
}

/// The next scripted reply for `path` (the last one repeats).
async fn scripted(state: &AppState, path: &str) -> Response {
    let reply = {
        let mut s = state.script.lock().unwrap();
        match s.replies.iter_mut().find(|(p, _)| *p == path) {
            Some((_, queue)) if queue.len() > 1 => queue.pop_front(),
            Some((_, queue)) => queue.front().cloned(),
            None => None,
        }
    };
    match reply {
        None => json_response(
            404,
            json!({"error": {"message": format!("no script for {path}")}}),
        ),
        Some(Reply::Json(status, value)) => json_response(status, value),
        Some(Reply::Raw(status, headers, body)) => {
            let mut resp = Response::builder().status(status);
            for (k, v) in headers {
                resp = resp.header(k, v);
            }
            resp.body(Body::from(body)).unwrap()
        }
        Some(Reply::Slow(delay, value)) => {
            let mut guard = StreamGuard {
                script: Arc::clone(&state.script),
                completed: false,
            };
            tokio::time::sleep(delay).await;
            guard.completed = true;
            json_response(200, value)
        }
        Some(Reply::SseThenCut(pieces)) => {
            // Each piece is flushed (a pause after it) before the connection is cut.
            let stream = futures_util::stream::unfold(pieces.into_iter(), |mut it| async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                match it.next() {
                    Some(piece) => Some((Ok(piece), it)),
                    None => Some((Err(std::io::Error::other("cut")), Vec::new().into_iter())),
                }
            })
            .take_while(|item| std::future::ready(item.is_ok()))
            .chain(futures_util::stream::once(async {
                Err::<Bytes, _>(std::io::Error::other("cut"))
            }));
            Response::builder()
                .status(200)
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }
        Some(Reply::Sse(pieces, pause)) => {
            let guard = StreamGuard {
                script: Arc::clone(&state.script),
                completed: false,
            };
            let stream = futures_util::stream::unfold(
                (pieces.into_iter(), guard),
                move |(mut it, guard)| async move {
                    let Some(piece) = it.next() else {
                        guard.finish();
                        return None;
                    };
                    tokio::time::sleep(pause).await;
                    Some((Ok::<_, std::io::Error>(piece), (it, guard)))
                },
            );
            Response::builder()
                .status(200)
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }
}

/// Counts how an SSE reply ended: dropped early (the reader went away) or completed.
struct StreamGuard {
    script: Arc<Mutex<Script>>,
    completed: bool,
}

impl StreamGuard {
    fn finish(mut self) {
        self.completed = true;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if let Ok(mut s) = self.script.lock() {
            if self.completed {
                s.streams_completed += 1;
            } else {
                s.streams_dropped += 1;
            }
        }
    }
}
