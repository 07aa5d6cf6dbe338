//! Anthropic (`kind = "anthropic"`): `{base_url}/v1/messages` (default base
//! `https://api.anthropic.com`), `x-api-key`, `anthropic-version` (the client's, else
//! `2023-06-01`), and every `anthropic-beta` flag the client sent (Anthropic knows them all,
//! unlike Copilot). Catalogue: the configured `models`, else `GET /v1/models`. Its models
//! serve Messages only; other clients reach them through translation.

use std::sync::Arc;

use anyhow::bail;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::openai::{DEFAULT_ANTHROPIC_VERSION, joined};
use super::remote::Remote;
use super::{Call, Header, ModelInfo, Shape, Shapes, UpstreamError};
use crate::settings::env::Env;
use crate::settings::file::ProviderConfig;

/// Anthropic's API base.
pub(crate) const ANTHROPIC_BASE: &str = "https://api.anthropic.com";

/// An Anthropic provider.
#[derive(Debug)]
pub(crate) struct Anthropic {
    pub(crate) remote: Remote,
}

impl Anthropic {
    /// Builds the provider from its config table.
    pub(crate) fn from_config(
        name: &str,
        config: &ProviderConfig,
        env: &Env,
        shared: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let mut remote = Remote::from_config(name, config, Some(ANTHROPIC_BASE), env, shared)?;
        // `…/v1` is accepted as the base too.
        if let Some(stripped) = remote.base_url.strip_suffix("/v1") {
            remote.base_url = stripped.to_owned();
        }
        if remote.key.is_none() {
            bail!("[providers.{name}] api_key is required for kind = \"anthropic\"");
        }
        Ok(Self { remote })
    }

    fn auth(&self) -> Option<Header> {
        let key = self.remote.key.as_ref()?.header("")?;
        Some((HeaderName::from_static("x-api-key"), key))
    }

    fn version_header(version: Option<HeaderValue>) -> Header {
        (
            HeaderName::from_static("anthropic-version"),
            version.unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ANTHROPIC_VERSION)),
        )
    }

    /// Sends one request (Messages is the only shape it serves).
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<reqwest::Response, UpstreamError> {
        let url = format!("{}/v1/messages", self.remote.base_url);
        let mut extra = vec![Self::version_header(call.hints.anthropic_version.clone())];
        if let Some(betas) = joined(&call.hints.anthropic_betas) {
            extra.push((HeaderName::from_static("anthropic-beta"), betas));
        }
        self.remote.post(&url, self.auth(), &extra, call.body).await
    }
}

/// The models: configured, else `GET /v1/models`.
pub(crate) async fn catalogue(p: &Arc<Anthropic>) -> Result<Arc<Vec<ModelInfo>>, UpstreamError> {
    let provider = Arc::clone(p);
    p.remote
        .cache
        .get(move || async move { fetch_catalogue(&provider).await })
        .await
}

/// Fetches the list (no cache).
pub(crate) async fn fetch_catalogue(p: &Anthropic) -> Result<Vec<ModelInfo>, UpstreamError> {
    let shapes = Shapes::of(&[Shape::Messages]);
    if let Some(models) = p.remote.configured(shapes) {
        return Ok(models);
    }
    probe(p).await
}

/// `GET /v1/models`, whatever the config lists.
pub(crate) async fn probe(p: &Anthropic) -> Result<Vec<ModelInfo>, UpstreamError> {
    let shapes = Shapes::of(&[Shape::Messages]);
    let url = format!("{}/v1/models?limit=1000", p.remote.base_url);
    let response = p
        .remote
        .get(&url, p.auth(), &[Anthropic::version_header(None)])
        .await?;
    let value: Value = response.json().await.map_err(|err| UpstreamError::Decode {
        service: p.remote.name.to_string().into(),
        reason: format!("/v1/models: {err}"),
    })?;
    let mut models = super::openai::parse_models(&value, &p.remote.name, shapes);
    let items = value.get("data").and_then(Value::as_array);
    for model in &mut models {
        let item = items
            .into_iter()
            .flatten()
            .find(|item| item.get("id").and_then(Value::as_str) == Some(model.id.as_str()));
        model.display_name = item
            .and_then(|item| item.get("display_name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        model.vendor = Some("Anthropic".to_owned());
    }
    Ok(models)
}
