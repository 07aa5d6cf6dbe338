//! The Copilot provider: the header set VS Code sends (built in one place), the model
//! catalogue with its caches, and `send`, which every call to Copilot goes through.
//!
//! Copilot's own rules live here and nowhere else: `X-Initiator` (only human turns spend
//! premium requests), the vision header, the `anthropic-beta` flags its Messages endpoint
//! accepts, the output limit filled in on chat requests, and (in `server::routes::relay`, by
//! [`super::Provider::normalises_chat`]) the merge of Claude's split choices.
//!
//! `send` classifies failures into [`UpstreamError`] and, when Copilot answers 401, asks the
//! token manager for exactly one refresh of the refused token and retries once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

pub(crate) mod github;
pub(crate) mod models;
pub(crate) mod token;

use super::catalogue::CatalogueCache;
use super::{Call, Hints, ModelInfo, Shape, Shapes, UpstreamError};
use crate::server::error::ApiError;
use crate::server::peek::{ChatPeek, Sent, insert_first_member};
use crate::settings::Endpoints;
use github::{CopilotToken, editor_headers, insert};
use models::{CATALOGUE_TTL, Model, ModelsResponse};
use token::TokenManager;

/// The provider name Copilot has in routes, logs and `/v1/models`.
pub(crate) const NAME: &str = "copilot";

/// Beta flags forwarded to Copilot's native Messages endpoint (by prefix). Others — Claude
/// Code sends many that only Anthropic's own API knows — are dropped rather than risking a 400.
const FORWARDED_BETAS: [&str; 5] = [
    "interleaved-thinking-",
    "context-management-",
    "fine-grained-tool-streaming-",
    "token-efficient-tools-",
    // `output_config.effort` in the body needs its beta flag next to it.
    "effort-",
];

pub(crate) use crate::translate::openai::Initiator;

/// Per-request header decisions, made by the caller.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOptions {
    /// `X-Initiator`, on chat-like requests.
    pub initiator: Option<Initiator>,
    /// Send `copilot-vision-request: true`.
    pub vision: bool,
    /// Extra headers (e.g. `anthropic-version`, `anthropic-beta` for native Messages).
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
}

/// Client for the Copilot API.
#[derive(Debug)]
pub(crate) struct CopilotClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    tokens: Arc<TokenManager>,
    data_dir: PathBuf,
    /// The headers that are the same on every request (ref §3.2); rebuilt when Copilot asks
    /// for a newer editor version.
    fixed_headers: std::sync::RwLock<HeaderMap>,
    /// The editor versions presented, as adopted.
    versions: std::sync::RwLock<crate::settings::ClientVersions>,
    /// A 466 was explained in the log already.
    told_466: std::sync::atomic::AtomicBool,
    name: Arc<str>,
    cache: CatalogueCache,
}

/// File in the data directory remembering the VS Code version Copilot last asked for.
pub(crate) const VERSIONS_FILE: &str = "copilot_versions.json";

/// A version Copilot named as the minimum in a refusal ("… not supported in this VS Code
/// version. Please update it to version 1.104.0 or newer").
fn minimum_vscode(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    if !lower.contains("vs code version") && !lower.contains("vscode version") {
        return None;
    }
    let at = lower.find("version ")?;
    // The last "version N" in the message is the minimum.
    let rest = &message[lower.rfind("to version ").map_or(at, |i| i + 3)..];
    let number: String = rest
        .split_whitespace()
        .nth(1)?
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let number = number.trim_end_matches('.');
    (number.split('.').count() >= 2 && number.split('.').all(|p| !p.is_empty()))
        .then(|| number.to_owned())
}

/// Compares dotted versions numerically (`1.104.3` < `1.200.0`).
fn newer(candidate: &str, than: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(candidate) > parts(than)
}

fn fixed_headers(versions: &crate::settings::ClientVersions) -> HeaderMap {
    let mut fixed = HeaderMap::new();
    fixed.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    fixed.insert(
        "copilot-integration-id",
        HeaderValue::from_static("vscode-chat"),
    );
    editor_headers(&mut fixed, versions);
    fixed.insert(
        "openai-intent",
        HeaderValue::from_static("conversation-panel"),
    );
    fixed
}

impl CopilotClient {
    /// Creates the client.
    pub(crate) fn new(
        http: reqwest::Client,
        endpoints: Endpoints,
        tokens: Arc<TokenManager>,
        data_dir: PathBuf,
    ) -> Self {
        let mut versions = endpoints.versions.clone();
        // A version Copilot asked for earlier is remembered, unless the environment pins one.
        if !versions.pinned
            && let Ok(text) = std::fs::read_to_string(data_dir.join(VERSIONS_FILE))
            && let Ok(saved) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(vscode) = saved.get("vscode").and_then(serde_json::Value::as_str)
            && newer(vscode, &versions.vscode)
        {
            versions.vscode = vscode.to_owned();
        }
        Self {
            http,
            endpoints,
            tokens,
            data_dir,
            fixed_headers: std::sync::RwLock::new(fixed_headers(&versions)),
            versions: std::sync::RwLock::new(versions),
            told_466: std::sync::atomic::AtomicBool::new(false),
            name: Arc::from(NAME),
            cache: CatalogueCache::new(Arc::from(NAME), CATALOGUE_TTL),
        }
    }

    /// The token manager.
    pub(crate) fn tokens(&self) -> &Arc<TokenManager> {
        &self.tokens
    }

    /// The Copilot API base URL in use (it can change when a refreshed token names another).
    pub(crate) fn base_url(&self) -> String {
        self.endpoints
            .copilot_base(self.tokens.current().endpoints.api.as_deref())
            .to_owned()
    }

    /// The headers of VS Code's Copilot Chat (ref §3.2), with a fresh `x-request-id`.
    fn headers(&self, token: &CopilotToken, opts: &RequestOptions) -> HeaderMap {
        // The fixed part is built once (`fixed_headers`); per request only the token, a fresh
        // request id and the caller's decisions are added, into a map sized for all of them
        // (and for the few headers reqwest adds) so that it never grows.
        let fixed = self
            .fixed_headers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut h = HeaderMap::with_capacity(fixed.len() + 8);
        for (name, value) in fixed.iter() {
            h.insert(name.clone(), value.clone());
        }
        drop(fixed);
        h.insert(AUTHORIZATION, token.authorization());
        let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
        // A request id needs uniqueness, not secrecy: a fast thread-local generator instead of
        // a getrandom system call per request.
        let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut id);
        insert(&mut h, "x-request-id", id);
        if let Some(initiator) = opts.initiator {
            h.insert("x-initiator", HeaderValue::from_static(initiator.as_str()));
        }
        if opts.vision {
            h.insert("copilot-vision-request", HeaderValue::from_static("true"));
        }
        for (name, value) in &opts.extra_headers {
            h.insert(name.clone(), value.clone());
        }
        h
    }

    /// Sends a request to `{base}{path}`. Returns the response when it is 2xx; otherwise the
    /// classified error. A 401 triggers one token refresh and one retry.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        opts: &RequestOptions,
    ) -> Result<reqwest::Response, UpstreamError> {
        let mut token = self.tokens.current();
        let mut refreshed = false;
        if self.tokens.expired() {
            if let Some(message) = self.tokens.trouble() {
                return Err(UpstreamError::NoToken { message });
            }
            // The background refresh has not replaced it yet: once, here.
            refreshed = true;
            token = self
                .tokens
                .force_refresh(&token.token)
                .await
                .map_err(|err| UpstreamError::NoToken {
                    message: err.to_string(),
                })?;
        }
        let mut adopted = false;
        loop {
            let base = self.endpoints.copilot_base(token.endpoints.api.as_deref());
            // The base is not named: an override could carry credentials.
            let url = reqwest::Url::parse(&format!("{base}{path}")).map_err(|err| {
                UpstreamError::Connect {
                    host: "the Copilot API".to_owned(),
                    reason: format!("its base URL is not a valid URL ({err})"),
                }
            })?;
            // The request is put together directly: its header map is handed over whole rather
            // than copied in header by header.
            let mut request = reqwest::Request::new(method.clone(), url);
            *request.headers_mut() = self.headers(&token, opts);
            *request.body_mut() = body.clone().map(reqwest::Body::from);
            let resp = self
                .http
                .execute(request)
                .await
                .map_err(|e| UpstreamError::from_reqwest(&e))?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                match self.tokens.force_refresh(&token.token).await {
                    Ok(fresh) => {
                        tracing::info!("Copilot refused the token; refreshed it and retrying");
                        token = fresh;
                        continue;
                    }
                    Err(err) => {
                        tracing::warn!("Copilot answered 401 and the token refresh failed: {err}");
                        return Err(UpstreamError::NoToken {
                            message: format!(
                                "Copilot refused the token and no new one could be had: {err}"
                            ),
                        });
                    }
                }
            }
            if !status.is_success() {
                let error = UpstreamError::from_response("Copilot", resp).await;
                if let UpstreamError::Status { message, .. } = &error
                    && status.is_client_error()
                    && !adopted
                    && let Some(minimum) = minimum_vscode(message)
                    && self.adopt_vscode(&minimum)
                {
                    adopted = true;
                    continue;
                }
                return Err(self.explain_466(error));
            }
            return Ok(resp);
        }
    }

    /// Presents as VS Code `minimum` from now on (and at later starts); `false` when that
    /// changes nothing (already as new, or the environment pins the version).
    fn adopt_vscode(&self, minimum: &str) -> bool {
        let mut versions = self
            .versions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !newer(minimum, &versions.vscode) {
            return false;
        }
        if versions.pinned {
            tracing::warn!(
                "Copilot asks for VS Code {minimum} or newer; the version is pinned by the \
                 environment ({}={}), so it is kept",
                crate::settings::env::EnvVars::VSCODE_VERSION,
                versions.vscode
            );
            return false;
        }
        let old = std::mem::replace(&mut versions.vscode, minimum.to_owned());
        *self
            .fixed_headers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fixed_headers(&versions);
        let path = self.data_dir.join(VERSIONS_FILE);
        let saved = serde_json::json!({"vscode": minimum}).to_string();
        let written = crate::auth::store::create_private_dir(&self.data_dir).and_then(|()| {
            let mut tmp = tempfile::NamedTempFile::new_in(&self.data_dir)?;
            std::io::Write::write_all(&mut tmp, saved.as_bytes())?;
            tmp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
        let remembered = match written {
            Ok(()) => format!("remembered in {}", path.display()),
            Err(err) => format!("not remembered: {err:#}"),
        };
        tracing::info!(
            "Copilot asks for VS Code {minimum} or newer: now presenting as VS Code {minimum} \
             instead of {old} ({remembered}; {} sets it by hand)",
            crate::settings::env::EnvVars::VSCODE_VERSION
        );
        true
    }

    /// A 466 (Copilot refused this client's version) becomes a message that says what
    /// happened and what to set; logged once.
    fn explain_466(&self, error: UpstreamError) -> UpstreamError {
        let UpstreamError::Status {
            service,
            status,
            message,
            body,
            headers,
        } = error
        else {
            return error;
        };
        if status.as_u16() != 466 {
            return UpstreamError::Status {
                service,
                status,
                message,
                body,
                headers,
            };
        }
        let versions = self
            .versions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        use crate::settings::env::EnvVars;
        let explained = format!(
            "Copilot no longer accepts the client version copilot-api presents (VS Code {}, Copilot Chat {}, API {}): {message}. Set newer versions with {}, {} and {}, or update copilot-api",
            versions.vscode,
            versions.copilot_chat,
            versions.github_api,
            EnvVars::VSCODE_VERSION,
            EnvVars::COPILOT_CHAT_VERSION,
            EnvVars::GITHUB_API_VERSION,
        );
        if !self
            .told_466
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::error!("{explained}");
        }
        UpstreamError::Status {
            service,
            status,
            message: explained,
            body,
            headers,
        }
    }

    /// The provider name (`copilot`).
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// Sends one model request: the path and headers follow the shape and the hints.
    pub(crate) async fn call(&self, call: Call<'_>) -> Result<reqwest::Response, UpstreamError> {
        let path = match call.shape {
            Shape::Chat => "/chat/completions",
            Shape::Responses => "/responses",
            Shape::Messages => "/v1/messages",
            Shape::Embeddings => "/embeddings",
        };
        let opts = options(call.shape, call.hints);
        self.send(Method::POST, path, Some(call.body), &opts).await
    }

    /// The catalogue for serving: in memory (refreshed in the background), else the disk
    /// cache when it is fresh and belongs to this account and API, else fetched.
    pub(crate) async fn catalogue(self: &Arc<Self>) -> Result<Arc<Vec<ModelInfo>>, UpstreamError> {
        if self.cache.cached().is_none()
            && let Some((cached, age)) = self.disk_cache()
        {
            let models = cached.iter().map(|m| model_info(m, &self.name)).collect();
            self.cache.seed(models, CATALOGUE_TTL.saturating_sub(age));
        }
        let this = Arc::clone(self);
        self.cache
            .get(move || async move { this.fetch_catalogue().await })
            .await
    }

    /// Puts `models` in memory as the catalogue (in-process tests).
    #[cfg(test)]
    pub(crate) fn seed_catalogue(&self, models: &[Model]) {
        let list = models.iter().map(|m| model_info(m, &self.name)).collect();
        self.cache.seed(list, CATALOGUE_TTL);
    }

    /// The catalogue in memory, if any.
    pub(crate) fn cached_catalogue(&self) -> Option<Arc<Vec<ModelInfo>>> {
        self.cache.cached()
    }

    /// Fetches the catalogue from Copilot (and rewrites the disk cache).
    pub(crate) async fn fetch_catalogue(&self) -> Result<Vec<ModelInfo>, UpstreamError> {
        let list = self.models(true).await?;
        Ok(list.iter().map(|m| model_info(m, &self.name)).collect())
    }

    fn disk_cache(&self) -> Option<(Vec<Model>, Duration)> {
        let account = models::account_fingerprint(self.tokens.github_token());
        let cached = models::read_cache(&self.data_dir, &account)?;
        if cached.base_url != self.base_url() {
            return None;
        }
        let age = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .saturating_sub(cached.fetched_at);
        Some((cached.models, Duration::from_secs(age)))
    }

    /// Copilot's model list as it sends it (for `models`): from the disk cache when fresh
    /// (unless `force`), else from Copilot, bounded by the call timeout.
    pub(crate) async fn models(&self, force: bool) -> Result<Arc<Vec<Model>>, UpstreamError> {
        if !force && let Some((cached, _)) = self.disk_cache() {
            return Ok(Arc::new(cached));
        }
        let fetch = async {
            let resp = self
                .send(Method::GET, "/models", None, &RequestOptions::default())
                .await?;
            resp.bytes()
                .await
                .map_err(|e| UpstreamError::from_reqwest(&e))
        };
        let bytes = tokio::time::timeout(super::http::CALL_TIMEOUT, fetch)
            .await
            .map_err(|_| UpstreamError::Timeout {
                host: "the Copilot API (/models)".into(),
            })??;
        let parsed: ModelsResponse =
            serde_json::from_slice(&bytes).map_err(|err| UpstreamError::Decode {
                service: "Copilot".into(),
                reason: format!("/models: {err}"),
            })?;
        let account = models::account_fingerprint(self.tokens.github_token());
        models::write_cache(&self.data_dir, &self.base_url(), &account, &parsed.data);
        Ok(Arc::new(parsed.data))
    }
}

/// Copilot's headers for a call of `shape`.
fn options(shape: Shape, hints: &Hints) -> RequestOptions {
    let mut opts = RequestOptions {
        initiator: (shape != Shape::Embeddings)
            .then_some(hints.initiator)
            .flatten(),
        vision: hints.vision,
        extra_headers: Vec::new(),
    };
    if shape == Shape::Messages {
        opts.extra_headers.push((
            HeaderName::from_static("anthropic-version"),
            hints.anthropic_version.clone().unwrap_or_else(|| {
                HeaderValue::from_static(super::openai::DEFAULT_ANTHROPIC_VERSION)
            }),
        ));
        let betas: Vec<String> = hints
            .anthropic_betas
            .iter()
            .filter(|b| FORWARDED_BETAS.iter().any(|prefix| b.starts_with(prefix)))
            .cloned()
            .collect();
        if let Some(value) = super::openai::joined(&betas) {
            opts.extra_headers
                .push((HeaderName::from_static("anthropic-beta"), value));
        }
    }
    opts
}

/// Copilot's catalogue entry in the neutral shape.
pub(crate) fn model_info(m: &Model, provider: &Arc<str>) -> ModelInfo {
    let mut shapes = Shapes::default();
    if m.is_embeddings() {
        shapes.insert(Shape::Embeddings);
    } else {
        for endpoint in &m.supported_endpoints {
            match endpoint.as_str() {
                "/chat/completions" => shapes.insert(Shape::Chat),
                "/responses" => shapes.insert(Shape::Responses),
                "/v1/messages" => shapes.insert(Shape::Messages),
                _ => {}
            }
        }
        // No list (older catalogues): chat completions, as every chat model serves.
        if m.supported_endpoints.is_empty() {
            shapes.insert(Shape::Chat);
        }
    }
    let limits = &m.capabilities.limits;
    let supports = &m.capabilities.supports;
    ModelInfo {
        id: m.id.clone(),
        provider: Arc::clone(provider),
        display_name: m.name.clone(),
        vendor: m.vendor.clone(),
        context_window: limits.max_context_window_tokens,
        max_prompt: limits.max_prompt_tokens,
        max_output: limits.max_output_tokens,
        shapes,
        tokenizer: m.capabilities.tokenizer.clone(),
        vision: m.vision(),
        tools: m.supports("tool_calls"),
        thinking_budget: supports.contains_key("max_thinking_budget"),
        reasoning_effort: supports.contains_key("reasoning_effort"),
        premium_multiplier: m
            .extra
            .get("billing")
            .and_then(|b| b.get("multiplier"))
            .and_then(serde_json::Value::as_f64),
    }
}

/// Models that reject `max_tokens` and take `max_completion_tokens` instead (GPT-5 and the
/// o-series reasoning models).
fn takes_max_completion_tokens(model_id: &str) -> bool {
    let id = model_id.to_ascii_lowercase();
    id.starts_with("gpt-5")
        || (id.starts_with('o') && id.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
}

/// A chat body for Copilot: a missing output limit is filled in from the catalogue (Copilot's
/// own default is short) — spliced in as the first member when nothing else changes —, and
/// `max_tokens` is renamed (a re-serialise) for models that only take
/// `max_completion_tokens`. `None`: the client's bytes are sent untouched. `keys` is what the
/// route already read of `max_tokens` / `max_completion_tokens` in these bytes (read here when
/// `None`).
pub(crate) fn fill_output_limit(
    body: &Bytes,
    model: &ModelInfo,
    keys: Option<OutputKeys>,
) -> Result<Option<Bytes>, ApiError> {
    let peek = match keys {
        Some(keys) => keys,
        None => {
            let peek: ChatPeek<'_> = crate::server::extract::parse_json(body)?;
            OutputKeys {
                max_tokens: peek.max_tokens,
                max_completion_tokens: peek.max_completion_tokens,
            }
        }
    };
    let limit = model.max_output;
    let completion_style = takes_max_completion_tokens(&model.id);
    let given = |key: Option<Sent>| key == Some(Sent::Value);
    // A key sent as `null` must be replaced, not spliced in a second time.
    let null = |key: Option<Sent>| key == Some(Sent::Null);
    if (completion_style && given(peek.max_tokens))
        || null(peek.max_tokens)
        || null(peek.max_completion_tokens)
    {
        let mut payload: serde_json::Map<String, serde_json::Value> =
            crate::server::extract::parse_json(body)?;
        fill_map(&mut payload, &model.id, limit);
        return serde_json::to_vec(&payload)
            .map(|v| Some(Bytes::from(v)))
            .map_err(|e| ApiError::Internal(e.to_string()));
    }
    let key = if completion_style {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    let missing =
        !given(peek.max_completion_tokens) && (completion_style || !given(peek.max_tokens));
    match limit {
        Some(limit) if missing => {
            Ok(insert_first_member(body, key, &limit.to_string()).map(Bytes::from))
        }
        _ => Ok(None),
    }
}

/// Whether a chat body sends `max_tokens` / `max_completion_tokens` (absent, `null`, a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutputKeys {
    /// `max_tokens`.
    pub(crate) max_tokens: Option<Sent>,
    /// `max_completion_tokens`.
    pub(crate) max_completion_tokens: Option<Sent>,
}

/// [`fill_output_limit`] on a parsed body.
fn fill_map(
    payload: &mut serde_json::Map<String, serde_json::Value>,
    model_id: &str,
    limit: Option<u64>,
) {
    let present = |p: &serde_json::Map<String, serde_json::Value>, k: &str| {
        p.get(k).is_some_and(|v| !v.is_null())
    };
    if takes_max_completion_tokens(model_id) {
        if let Some(value) = payload.remove("max_tokens").filter(|v| !v.is_null())
            && !present(payload, "max_completion_tokens")
        {
            payload.insert("max_completion_tokens".into(), value);
        }
        if !present(payload, "max_completion_tokens")
            && let Some(limit) = limit
        {
            payload.insert("max_completion_tokens".into(), limit.into());
        }
    } else if !present(payload, "max_tokens")
        && !present(payload, "max_completion_tokens")
        && let Some(limit) = limit
    {
        payload.insert("max_tokens".into(), limit.into());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn limited(body: &str, model: &str, limit: Option<u64>) -> Value {
        let bytes = Bytes::copy_from_slice(body.as_bytes());
        let mut info = ModelInfo::bare(model, &Arc::from(NAME), Shapes::of(&[Shape::Chat]));
        info.max_output = limit;
        let out = fill_output_limit(&bytes, &info, None)
            .unwrap()
            .unwrap_or(bytes);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn output_limits() {
        assert_eq!(
            limited(r#"{"messages":[]}"#, "gpt-4o", Some(4096)),
            json!({"max_tokens": 4096, "messages": []})
        );
        assert_eq!(
            limited(r#"{"max_tokens":100}"#, "gpt-5-mini", Some(4096)),
            json!({"max_completion_tokens": 100})
        );
        assert_eq!(
            limited(r#"{"max_tokens":null}"#, "o3-mini", Some(4096)),
            json!({"max_completion_tokens": 4096})
        );
        assert_eq!(
            limited(r#"{"max_tokens":7}"#, "claude-sonnet-4.5", Some(16000)),
            json!({"max_tokens": 7})
        );
        assert_eq!(
            limited(r#"{"max_completion_tokens":7}"#, "gpt-4o", Some(4096)),
            json!({"max_completion_tokens": 7})
        );
        assert_eq!(
            limited(r#"{"messages":[]}"#, "gpt-4o", None),
            json!({"messages": []})
        );
        // A key sent as null is overwritten, never duplicated.
        let bytes = Bytes::from_static(br#"{"max_tokens":null,"messages":[]}"#);
        let mut info = ModelInfo::bare("gpt-4o", &Arc::from(NAME), Shapes::of(&[Shape::Chat]));
        info.max_output = Some(4096);
        let out = fill_output_limit(&bytes, &info, None).unwrap().unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"max_tokens":4096,"messages":[]}"#
        );
        // Untouched bodies are the client's bytes exactly (key order, spacing).
        let raw = "{ \"messages\" : [], \"max_tokens\": 5 }";
        let bytes = Bytes::copy_from_slice(raw.as_bytes());
        info.max_output = Some(9);
        assert!(fill_output_limit(&bytes, &info, None).unwrap().is_none());
    }

    #[test]
    fn minimum_versions_are_read_from_copilot_refusals() {
        assert_eq!(
            minimum_vscode(
                "model claude-opus-4.5 is not supported in this VS Code version. Please update it to version 1.106.0 or newer"
            )
            .as_deref(),
            Some("1.106.0")
        );
        assert_eq!(minimum_vscode("unsupported model"), None);
        assert_eq!(minimum_vscode("VS Code version. update to version x"), None);
        assert!(newer("1.200.0", "1.104.3"));
        assert!(!newer("1.104.3", "1.104.3"));
        assert!(newer("1.104.10", "1.104.9"));
    }

    #[test]
    fn betas_are_filtered_and_initiator_kept_off_embeddings() {
        let hints = Hints {
            initiator: Some(Initiator::Agent),
            anthropic_betas: vec![
                "interleaved-thinking-2025-05-14".into(),
                "claude-code-20250219".into(),
            ],
            ..Hints::default()
        };
        let opts = options(Shape::Messages, &hints);
        let beta = opts
            .extra_headers
            .iter()
            .find(|(n, _)| n == "anthropic-beta")
            .unwrap();
        assert_eq!(beta.1, "interleaved-thinking-2025-05-14");
        assert_eq!(opts.initiator, Some(Initiator::Agent));
        assert_eq!(options(Shape::Embeddings, &hints).initiator, None);
    }
}
