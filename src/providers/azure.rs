//! Azure OpenAI (`kind = "azure"`), in both URL shapes:
//!
//! - **deployments** (when `api_version` is set, e.g. `"2024-10-21"`):
//!   `{base}/openai/deployments/{deployment}/chat/completions?api-version=…` and
//!   `…/embeddings`; Responses at `{base}/openai/responses?api-version=…`. The model id a route
//!   names is the deployment name.
//! - **v1** (no `api_version`): `{base}/openai/v1/chat/completions`, `/responses`,
//!   `/embeddings`, like OpenAI's own paths; `model` in the body is the deployment name.
//!
//! `base_url` is the resource (`https://NAME.openai.azure.com`); a trailing `/openai` or
//! `/openai/v1` is accepted and dropped. Auth is the `api-key` header. Azure lists deployments
//! only through its management API, so the catalogue is the `models` the config lists; in the
//! v1 shape `GET /openai/v1/models` is used when none are listed.

use std::sync::Arc;

use anyhow::bail;
use reqwest::header::HeaderName;
use serde_json::Value;

use super::remote::Remote;
use super::{Call, Header, ModelInfo, Shape, Shapes, UpstreamError};
use crate::settings::env::Env;
use crate::settings::file::ProviderConfig;

/// An Azure OpenAI resource.
#[derive(Debug)]
pub(crate) struct Azure {
    pub(crate) remote: Remote,
    /// `Some` selects the deployments URL shape.
    pub(crate) api_version: Option<String>,
}

impl Azure {
    /// Builds the provider from its config table.
    pub(crate) fn from_config(
        name: &str,
        config: &ProviderConfig,
        env: &Env,
        shared: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let mut remote = Remote::from_config(name, config, None, env, shared)?;
        for suffix in ["/openai/v1", "/openai"] {
            if let Some(stripped) = remote.base_url.strip_suffix(suffix) {
                remote.base_url = stripped.to_owned();
                break;
            }
        }
        if remote.key.is_none() {
            bail!("[providers.{name}] api_key is required for kind = \"azure\"");
        }
        let api_version = config
            .api_version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        if api_version.is_some() && config.models.as_ref().is_none_or(Vec::is_empty) {
            bail!(
                "[providers.{name}] models must list the deployment names: Azure does not list \
                 deployments to an API key"
            );
        }
        Ok(Self {
            remote,
            api_version,
        })
    }

    /// The shapes Azure serves.
    fn shapes(&self) -> Shapes {
        self.remote
            .shapes
            .unwrap_or_else(|| Shapes::of(&[Shape::Chat, Shape::Responses, Shape::Embeddings]))
    }

    /// The URL of a call.
    pub(crate) fn url(&self, shape: Shape, deployment: &str) -> String {
        let base = &self.remote.base_url;
        match &self.api_version {
            Some(version) => match shape {
                Shape::Responses => format!("{base}/openai/responses?api-version={version}"),
                Shape::Embeddings => format!(
                    "{base}/openai/deployments/{deployment}/embeddings?api-version={version}"
                ),
                Shape::Chat | Shape::Messages => format!(
                    "{base}/openai/deployments/{deployment}/chat/completions?api-version={version}"
                ),
            },
            None => match shape {
                Shape::Responses => format!("{base}/openai/v1/responses"),
                Shape::Embeddings => format!("{base}/openai/v1/embeddings"),
                Shape::Chat | Shape::Messages => format!("{base}/openai/v1/chat/completions"),
            },
        }
    }

    fn auth(&self) -> Option<Header> {
        let key = self.remote.key.as_ref()?.header("")?;
        Some((HeaderName::from_static("api-key"), key))
    }

    /// Sends one request.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<reqwest::Response, UpstreamError> {
        let url = self.url(call.shape, &call.model.id);
        self.remote.post(&url, self.auth(), &[], call.body).await
    }
}

/// The deployments: configured, else (v1) the resource's model list.
pub(crate) async fn catalogue(p: &Arc<Azure>) -> Result<Arc<Vec<ModelInfo>>, UpstreamError> {
    let provider = Arc::clone(p);
    p.remote
        .cache
        .get(move || async move { fetch_catalogue(&provider).await })
        .await
}

/// `GET` the resource's model list (`/openai/models?api-version=` in the deployments shape,
/// `/openai/v1/models` in v1), whatever the config lists.
pub(crate) async fn probe(p: &Azure) -> Result<Vec<ModelInfo>, UpstreamError> {
    let url = match &p.api_version {
        Some(version) => format!("{}/openai/models?api-version={version}", p.remote.base_url),
        None => format!("{}/openai/v1/models", p.remote.base_url),
    };
    let response = p.remote.get(&url, p.auth(), &[]).await?;
    let value: Value = response.json().await.map_err(|err| UpstreamError::Decode {
        service: p.remote.name.to_string().into(),
        reason: format!("model list: {err}"),
    })?;
    Ok(super::openai::parse_models(
        &value,
        &p.remote.name,
        p.shapes(),
    ))
}

/// Fetches the list (no cache).
pub(crate) async fn fetch_catalogue(p: &Azure) -> Result<Vec<ModelInfo>, UpstreamError> {
    let shapes = p.shapes();
    let models = match p.remote.configured(shapes) {
        Some(models) => models,
        None => {
            let url = format!("{}/openai/v1/models", p.remote.base_url);
            let response = p.remote.get(&url, p.auth(), &[]).await?;
            let value: Value = response.json().await.map_err(|err| UpstreamError::Decode {
                service: p.remote.name.to_string().into(),
                reason: format!("/openai/v1/models: {err}"),
            })?;
            super::openai::parse_models(&value, &p.remote.name, shapes)
        }
    };
    Ok(models
        .into_iter()
        .map(|mut model| {
            if model.id.to_ascii_lowercase().contains("embed") {
                model.shapes = Shapes::of(&[Shape::Embeddings]);
            }
            model
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Kind;

    fn azure(base: &str, api_version: Option<&str>) -> Azure {
        let config = ProviderConfig {
            kind: Kind::Azure,
            api_key: Some("k".into()),
            base_url: Some(base.into()),
            headers: Default::default(),
            api_version: api_version.map(str::to_owned),
            timeouts: Default::default(),
            models: Some(vec!["gpt4o-prod".into()]),
            shapes: None,
        };
        let http = reqwest::Client::new();
        Azure::from_config("az", &config, &Env::default(), &http).unwrap()
    }

    #[test]
    fn both_url_shapes() {
        let legacy = azure("https://res.openai.azure.com/openai/", Some("2024-10-21"));
        assert_eq!(
            legacy.url(Shape::Chat, "gpt4o-prod"),
            "https://res.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            legacy.url(Shape::Embeddings, "emb"),
            "https://res.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21"
        );
        let v1 = azure("https://res.openai.azure.com/openai/v1", None);
        assert_eq!(
            v1.url(Shape::Responses, "gpt4o-prod"),
            "https://res.openai.azure.com/openai/v1/responses"
        );
        assert_eq!(
            v1.url(Shape::Chat, "gpt4o-prod"),
            "https://res.openai.azure.com/openai/v1/chat/completions"
        );
        let auth = v1.auth().unwrap();
        assert_eq!(auth.0, "api-key");
        assert!(auth.1.is_sensitive());
    }
}
