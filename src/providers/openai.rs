//! OpenAI (`kind = "openai"`) and any OpenAI-compatible endpoint (`kind = "openai-compatible"`:
//! OpenRouter, Ollama, vLLM, LM Studio, …).
//!
//! - URLs: `{base_url}/chat/completions`, `/responses`, `/embeddings`, and `/messages` for
//!   compatible servers that also speak Anthropic's API (vLLM, LM Studio, Ollama at `/v1`).
//! - Auth: `Authorization: Bearer <api_key>`; required for OpenAI, optional for compatible
//!   servers (a local Ollama has none). Without a configured key, a route with
//!   `forward_client_key = true` sends the client's own.
//! - Catalogue: the `models` listed in the config, else `GET {base_url}/models` (ids, plus the
//!   context length OpenRouter and vLLM report).
//! - Shapes: OpenAI serves chat, responses and embeddings; a compatible server chat and
//!   embeddings unless its `shapes` say more. Models whose id names embeddings serve only
//!   that.

use std::sync::Arc;

use anyhow::bail;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::Value;

use super::remote::Remote;
use super::{Call, Header, Kind, ModelInfo, Shape, Shapes, UpstreamError};
use crate::settings::env::Env;
use crate::settings::file::ProviderConfig;

/// OpenAI's API base.
pub(crate) const OPENAI_BASE: &str = "https://api.openai.com/v1";

/// `anthropic-version` sent to compatible servers' `/messages` when the client sent none.
pub(crate) const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// An OpenAI or OpenAI-compatible provider.
#[derive(Debug)]
pub(crate) struct OpenAi {
    pub(crate) remote: Remote,
    /// Shapes its models are served on (embeddings models aside).
    pub(crate) shapes: Shapes,
}

impl OpenAi {
    /// Builds the provider from its config table.
    pub(crate) fn from_config(
        name: &str,
        config: &ProviderConfig,
        env: &Env,
        shared: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let default_base = (config.kind == Kind::OpenAi).then_some(OPENAI_BASE);
        let remote = Remote::from_config(name, config, default_base, env, shared)?;
        if config.kind == Kind::OpenAi && remote.key.is_none() {
            bail!("[providers.{name}] api_key is required for kind = \"openai\"");
        }
        let default = match config.kind {
            Kind::OpenAi => Shapes::of(&[Shape::Chat, Shape::Responses, Shape::Embeddings]),
            _ => Shapes::of(&[Shape::Chat, Shape::Embeddings]),
        };
        let shapes = remote.shapes.unwrap_or(default);
        Ok(Self { remote, shapes })
    }

    /// `openai` or `openai-compatible`.
    pub(crate) fn kind(&self) -> Kind {
        self.remote.kind
    }

    /// Sends one request.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<reqwest::Response, UpstreamError> {
        let path = match call.shape {
            Shape::Chat => "/chat/completions",
            Shape::Responses => "/responses",
            Shape::Embeddings => "/embeddings",
            Shape::Messages => "/messages",
        };
        let url = format!("{}{path}", self.remote.base_url);
        let auth = self
            .remote
            .key
            .as_ref()
            .and_then(|key| key.header("Bearer "))
            .or_else(|| call.hints.client_key.clone())
            .map(|value| (AUTHORIZATION, value));
        let mut extra: Vec<Header> = Vec::new();
        if call.shape == Shape::Messages {
            extra.push((
                HeaderName::from_static("anthropic-version"),
                call.hints
                    .anthropic_version
                    .clone()
                    .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ANTHROPIC_VERSION)),
            ));
            if let Some(betas) = joined(&call.hints.anthropic_betas) {
                extra.push((HeaderName::from_static("anthropic-beta"), betas));
            }
        }
        self.remote.post(&url, auth, &extra, call.body).await
    }
}

/// The models: the configured list, else the provider's `/models`.
pub(crate) async fn catalogue(p: &Arc<OpenAi>) -> Result<Arc<Vec<ModelInfo>>, UpstreamError> {
    let provider = Arc::clone(p);
    p.remote
        .cache
        .get(move || async move { fetch_catalogue(&provider).await })
        .await
}

/// Fetches the list (no cache).
pub(crate) async fn fetch_catalogue(p: &OpenAi) -> Result<Vec<ModelInfo>, UpstreamError> {
    if let Some(models) = p.remote.configured(p.shapes) {
        return Ok(with_embeddings(models));
    }
    probe(p).await
}

/// `GET {base}/models`, whatever the config lists.
pub(crate) async fn probe(p: &OpenAi) -> Result<Vec<ModelInfo>, UpstreamError> {
    let url = format!("{}/models", p.remote.base_url);
    let auth = p
        .remote
        .key
        .as_ref()
        .and_then(|key| key.header("Bearer "))
        .map(|value| (AUTHORIZATION, value));
    let response = p.remote.get(&url, auth, &[]).await?;
    let value: Value = response.json().await.map_err(|err| UpstreamError::Decode {
        service: p.remote.name.to_string().into(),
        reason: format!("/models: {err}"),
    })?;
    Ok(with_embeddings(parse_models(
        &value,
        &p.remote.name,
        p.shapes,
    )))
}

/// Reads an OpenAI-style `{"data": [{"id": …}, …]}` list, with the context length and output
/// limit that OpenRouter (`context_length`, `top_provider.max_completion_tokens`) and vLLM
/// (`max_model_len`) add.
pub(crate) fn parse_models(value: &Value, provider: &Arc<str>, shapes: Shapes) -> Vec<ModelInfo> {
    let items = value
        .get("data")
        .or_else(|| value.get("models"))
        .and_then(Value::as_array);
    let Some(items) = items else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let id = item
                .get("id")
                .or_else(|| item.get("name"))
                .and_then(Value::as_str)?;
            let mut model = ModelInfo::bare(id, provider, shapes);
            let number = |pointer: &str| item.pointer(pointer).and_then(Value::as_u64);
            model.context_window = number("/context_length")
                .or_else(|| number("/context_window"))
                .or_else(|| number("/max_model_len"));
            model.max_output = number("/top_provider/max_completion_tokens")
                .or_else(|| number("/max_output_tokens"));
            model.display_name = item.get("name").and_then(Value::as_str).map(str::to_owned);
            Some(model)
        })
        .collect()
}

/// Models whose id names embeddings serve only embeddings; the others never do.
fn with_embeddings(mut models: Vec<ModelInfo>) -> Vec<ModelInfo> {
    for model in &mut models {
        let embeds = model.id.to_ascii_lowercase().contains("embed");
        if embeds {
            model.shapes = Shapes::of(&[Shape::Embeddings]);
        } else {
            let mut shapes = Shapes::default();
            for shape in model.shapes.iter().filter(|s| *s != Shape::Embeddings) {
                shapes.insert(shape);
            }
            model.shapes = shapes;
        }
    }
    models
}

/// `a,b,c` as one header value.
pub(crate) fn joined(flags: &[String]) -> Option<HeaderValue> {
    if flags.is_empty() {
        return None;
    }
    HeaderValue::from_str(&flags.join(",")).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn model_lists_keep_what_the_server_says_about_limits() {
        let name: Arc<str> = Arc::from("router");
        let shapes = Shapes::of(&[Shape::Chat, Shape::Embeddings]);
        let models = with_embeddings(parse_models(
            &json!({"data": [
                {"id": "anthropic/claude-sonnet-4.5", "name": "Claude Sonnet 4.5", "context_length": 1000000,
                 "top_provider": {"max_completion_tokens": 64000}},
                {"id": "qwen3-coder", "max_model_len": 32768},
                {"id": "text-embedding-3-small"},
                {"object": "no id"}
            ]}),
            &name,
            shapes,
        ));
        assert_eq!(models.len(), 3);
        assert_eq!(models[0].context_window, Some(1_000_000));
        assert_eq!(models[0].max_output, Some(64_000));
        assert_eq!(models[0].display_name(), "Claude Sonnet 4.5");
        assert!(models[0].serves(Shape::Chat) && !models[0].serves(Shape::Embeddings));
        assert_eq!(models[1].context_window, Some(32_768));
        assert!(models[2].is_embeddings());
        assert_eq!(&*models[2].provider, "router");
    }
}
