//! The Copilot API client: the header set VS Code sends (built in one place), the model
//! catalogue with its caches, and `send`, which every proxied call goes through.
//!
//! `send` classifies failures into [`UpstreamError`] and, when Copilot answers 401, asks the
//! token manager for exactly one refresh of the refused token and retries once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

pub(crate) mod github;
pub(crate) mod models;
pub(crate) mod token;

use super::UpstreamError;
use crate::settings::Endpoints;
use github::{editor_headers, insert};
use models::{CATALOGUE_TTL, Model, ModelsResponse};
use token::TokenManager;

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
    /// The headers that are the same on every request (ref §3.2).
    fixed_headers: HeaderMap,
    catalogue: tokio::sync::Mutex<Option<(Instant, Arc<Vec<Model>>)>>,
}

impl CopilotClient {
    /// Creates the client.
    pub(crate) fn new(
        http: reqwest::Client,
        endpoints: Endpoints,
        tokens: Arc<TokenManager>,
        data_dir: PathBuf,
    ) -> Self {
        let mut fixed_headers = HeaderMap::new();
        fixed_headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        fixed_headers.insert(
            "copilot-integration-id",
            HeaderValue::from_static("vscode-chat"),
        );
        editor_headers(&mut fixed_headers, &endpoints.versions);
        fixed_headers.insert(
            "openai-intent",
            HeaderValue::from_static("conversation-panel"),
        );
        Self {
            http,
            endpoints,
            tokens,
            data_dir,
            fixed_headers,
            catalogue: tokio::sync::Mutex::new(None),
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
    fn headers(&self, token: &str, opts: &RequestOptions) -> HeaderMap {
        // The fixed part is built once (`fixed_headers`); per request only the token, a fresh
        // request id and the caller's decisions are added, into a map sized for all of them
        // (and for the few headers reqwest adds) so that it never grows.
        let mut h = HeaderMap::with_capacity(self.fixed_headers.len() + 8);
        for (name, value) in &self.fixed_headers {
            h.insert(name.clone(), value.clone());
        }
        // A token with characters not allowed in a header cannot be sent anyway; an empty value
        // gets Copilot's 401, which names the problem.
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        authorization.set_sensitive(true);
        h.insert(AUTHORIZATION, authorization);
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
        loop {
            let base = self.endpoints.copilot_base(token.endpoints.api.as_deref());
            let mut request = self
                .http
                .request(method.clone(), format!("{base}{path}"))
                .headers(self.headers(&token.token, opts));
            if let Some(body) = &body {
                request = request.body(body.clone());
            }
            let resp = request
                .send()
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
                    }
                }
            }
            if !status.is_success() {
                return Err(UpstreamError::from_response("Copilot", resp).await);
            }
            return Ok(resp);
        }
    }

    /// The model catalogue: from memory or disk when fresh, else from Copilot.
    pub(crate) async fn models(&self, force: bool) -> Result<Arc<Vec<Model>>, UpstreamError> {
        let mut slot = self.catalogue.lock().await;
        if !force
            && let Some((at, list)) = slot.as_ref()
            && at.elapsed() < CATALOGUE_TTL
        {
            return Ok(Arc::clone(list));
        }
        let account = models::account_fingerprint(self.tokens.github_token());
        if !force
            && slot.is_none()
            && let Some(cached) = models::read_cache(&self.data_dir, &account)
            && cached.base_url == self.base_url()
        {
            let list = Arc::new(cached.models);
            *slot = Some((Instant::now(), Arc::clone(&list)));
            return Ok(list);
        }
        // Every request waits on this lock: bound the fetch so a silent upstream cannot hang them.
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
                service: "Copilot",
                reason: format!("/models: {err}"),
            })?;
        models::write_cache(&self.data_dir, &self.base_url(), &account, &parsed.data);
        let list = Arc::new(parsed.data);
        *slot = Some((Instant::now(), Arc::clone(&list)));
        Ok(list)
    }

    /// `Some(max_output_tokens)` when the catalogue knows the model, `None` when it does not
    /// (or cannot be loaded).
    pub(crate) async fn output_limit(&self, id: &str) -> Option<Option<u64>> {
        let list = self.models(false).await.ok()?;
        Some(
            list.iter()
                .find(|m| m.id == id)?
                .capabilities
                .limits
                .max_output_tokens,
        )
    }
}
