//! The model providers copilot-api relays to: a closed set behind one enum, [`Provider`].
//!
//! - [`copilot`]: GitHub Copilot (its GitHub client, token manager, catalogue and every rule
//!   that is Copilot's own: editor headers, `X-Initiator`, the vision header, the beta
//!   allow-list, filling in output limits, merging Claude's split choices).
//! - [`openai`]: OpenAI, and any OpenAI-compatible endpoint (OpenRouter, Ollama, vLLM, LM
//!   Studio): Bearer auth (optional for the compatible kind), `{base}/chat/completions`, …
//! - [`azure`]: Azure OpenAI, both URL shapes (`/openai/deployments/{d}/…?api-version=` and
//!   `/openai/v1/…`), `api-key` auth.
//! - [`anthropic`]: Anthropic's Messages API (`x-api-key`, `anthropic-version`).
//!
//! Why an enum and not a trait object: the set is closed and known at compile time, the
//! variants differ in a handful of rules (URL, auth, catalogue, header policy), and an enum's
//! `match` keeps async methods plain (no boxed futures) and makes adding a provider a
//! compile error everywhere a decision is needed. What varies per *request* is the wire shape
//! ([`Shape`]); the dispatch layer (`server::dispatch`) is the only caller of providers and
//! decides between passthrough and translation from the shapes a model serves.
//!
//! Every provider reaches its service through [`http`], the one HTTP stack, and fails with the
//! one classification [`UpstreamError`]; model metadata is the one neutral [`ModelInfo`].

pub(crate) mod anthropic;
pub(crate) mod azure;
pub(crate) mod catalogue;
pub(crate) mod copilot;
pub(crate) mod http;
pub(crate) mod openai;
pub(crate) mod remote;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

pub(crate) use http::UpstreamError;

use crate::translate::openai::Initiator;

/// The kinds of provider, as written in the config file (`kind = "…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// GitHub Copilot (implicit when signed in).
    Copilot,
    /// api.openai.com.
    #[serde(rename = "openai")]
    OpenAi,
    /// api.anthropic.com.
    Anthropic,
    /// Azure OpenAI.
    Azure,
    /// Any OpenAI-compatible base URL (OpenRouter, Ollama, vLLM, LM Studio).
    #[serde(rename = "openai-compatible")]
    OpenAiCompatible,
}

impl Kind {
    /// The most tools a request may offer on `shape`, where the provider states a limit: OpenAI
    /// and Azure take 128 functions on chat completions and Responses, and Copilot, which
    /// relays to them, refuses more in the same words. Anthropic and OpenAI-compatible servers
    /// state none.
    pub(crate) fn max_tools(self, shape: Shape) -> Option<usize> {
        match (self, shape) {
            (Self::OpenAi | Self::Azure | Self::Copilot, Shape::Chat | Shape::Responses) => {
                Some(128)
            }
            _ => None,
        }
    }
}

impl Kind {
    /// The name used in the config file and in messages.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Copilot => "copilot",
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
            Self::Azure => "azure",
            Self::OpenAiCompatible => "openai-compatible",
        }
    }
}

/// A wire shape: an API surface a client speaks or an upstream serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Shape {
    /// OpenAI chat completions.
    Chat,
    /// OpenAI Responses.
    Responses,
    /// Anthropic Messages.
    Messages,
    /// OpenAI embeddings.
    Embeddings,
}

impl Shape {
    /// Every shape.
    pub(crate) const ALL: [Shape; 4] = [
        Shape::Chat,
        Shape::Responses,
        Shape::Messages,
        Shape::Embeddings,
    ];

    /// Name in messages and config (`chat`, `responses`, `messages`, `embeddings`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Responses => "responses",
            Self::Messages => "messages",
            Self::Embeddings => "embeddings",
        }
    }

    /// Parses a config name.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Shapes(u8);

impl Shapes {
    /// The set of `shapes`.
    pub(crate) fn of(shapes: &[Shape]) -> Self {
        Self(shapes.iter().fold(0, |acc, s| acc | s.bit()))
    }

    /// Whether `shape` is in the set.
    pub(crate) fn has(self, shape: Shape) -> bool {
        self.0 & shape.bit() != 0
    }

    /// Adds `shape`.
    pub(crate) fn insert(&mut self, shape: Shape) {
        self.0 |= shape.bit();
    }

    /// The shapes in the set, in [`Shape::ALL`] order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Shape> {
        Shape::ALL.into_iter().filter(move |s| self.has(*s))
    }
}

impl Serialize for Shapes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// What every route knows about a model, whichever provider serves it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ModelInfo {
    /// The id the provider knows it by (sent upstream).
    pub(crate) id: String,
    /// The provider's name (its key in the config; `copilot` for Copilot).
    #[serde(serialize_with = "serialize_arc_str")]
    pub(crate) provider: Arc<str>,
    /// Display name, when the provider gives one.
    pub(crate) display_name: Option<String>,
    /// Vendor (`Anthropic`, `OpenAI`, …), when known.
    pub(crate) vendor: Option<String>,
    /// Context window in tokens.
    pub(crate) context_window: Option<u64>,
    /// Prompt limit in tokens, when the provider states one apart from the window.
    pub(crate) max_prompt: Option<u64>,
    /// Output limit in tokens.
    pub(crate) max_output: Option<u64>,
    /// The wire shapes the model is served on.
    pub(crate) shapes: Shapes,
    /// Tokenizer name (`o200k_base`, …), when known.
    pub(crate) tokenizer: Option<String>,
    /// Accepts images.
    pub(crate) vision: bool,
    /// Accepts tools.
    pub(crate) tools: bool,
    /// Takes a thinking budget on chat completions (Claude on Copilot).
    pub(crate) thinking_budget: bool,
    /// Takes `reasoning_effort` (GPT-5, o-series).
    pub(crate) reasoning_effort: bool,
    /// Premium-request multiplier on plans that count premium requests.
    pub(crate) premium_multiplier: Option<f64>,
}

fn serialize_arc_str<S: serde::Serializer>(value: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value)
}

impl ModelInfo {
    /// A model known only by its id (configured lists, `/models` without metadata): the shapes
    /// are the provider's defaults, every limit unknown.
    pub(crate) fn bare(id: &str, provider: &Arc<str>, shapes: Shapes) -> Self {
        Self {
            id: id.to_owned(),
            provider: Arc::clone(provider),
            display_name: None,
            vendor: None,
            context_window: None,
            max_prompt: None,
            max_output: None,
            shapes,
            tokenizer: None,
            vision: true,
            tools: true,
            thinking_budget: false,
            reasoning_effort: false,
            premium_multiplier: None,
        }
    }

    /// Whether the model is served on `shape`.
    pub(crate) fn serves(&self, shape: Shape) -> bool {
        self.shapes.has(shape)
    }

    /// An embeddings-only model.
    pub(crate) fn is_embeddings(&self) -> bool {
        self.shapes == Shapes::of(&[Shape::Embeddings])
    }

    /// The display name, or the id.
    pub(crate) fn display_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.id)
    }

    /// The prompt budget: the prompt limit, else the context window.
    pub(crate) fn input_limit(&self) -> Option<u64> {
        self.max_prompt.or(self.context_window)
    }
}

/// What the dispatch layer knows about a request that providers may turn into headers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hints {
    /// Who started the request (Copilot's `X-Initiator`).
    pub(crate) initiator: Option<Initiator>,
    /// The request carries images (Copilot's vision header).
    pub(crate) vision: bool,
    /// The client's `anthropic-version`, for Messages upstreams.
    pub(crate) anthropic_version: Option<HeaderValue>,
    /// The client's `anthropic-beta` flags, one per entry; each provider keeps what it allows.
    pub(crate) anthropic_betas: Vec<String>,
    /// The client's own credential, sent instead of a missing configured key when the route
    /// says `forward_client_key = true`.
    pub(crate) client_key: Option<HeaderValue>,
}

/// One request for a provider: the shape and path it goes to, and its body (already in that
/// shape, with the provider's model id).
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// Upstream shape.
    pub(crate) shape: Shape,
    /// The model, from the provider's catalogue.
    pub(crate) model: &'a ModelInfo,
    /// The JSON body.
    pub(crate) body: Bytes,
    /// Header decisions.
    pub(crate) hints: &'a Hints,
}

/// A model provider.
#[derive(Debug)]
pub(crate) enum Provider {
    /// GitHub Copilot.
    Copilot(Arc<copilot::CopilotClient>),
    /// OpenAI or an OpenAI-compatible endpoint.
    OpenAi(Arc<openai::OpenAi>),
    /// Azure OpenAI.
    Azure(Arc<azure::Azure>),
    /// Anthropic.
    Anthropic(Arc<anthropic::Anthropic>),
}

impl Provider {
    /// The provider's name: its key in the config file, `copilot` for Copilot.
    pub(crate) fn name(&self) -> &Arc<str> {
        match self {
            Self::Copilot(c) => c.name(),
            Self::OpenAi(p) => p.remote.name(),
            Self::Azure(p) => p.remote.name(),
            Self::Anthropic(p) => p.remote.name(),
        }
    }

    /// The provider's kind.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::Copilot(_) => Kind::Copilot,
            Self::OpenAi(p) => p.kind(),
            Self::Azure(_) => Kind::Azure,
            Self::Anthropic(_) => Kind::Anthropic,
        }
    }

    /// The models the provider serves: cached, refreshed in the background before it expires,
    /// the last good list kept when a refresh fails.
    pub(crate) async fn catalogue(&self) -> Result<Arc<Vec<ModelInfo>>, UpstreamError> {
        match self {
            Self::Copilot(c) => c.catalogue().await,
            Self::OpenAi(p) => openai::catalogue(p).await,
            Self::Azure(p) => azure::catalogue(p).await,
            Self::Anthropic(p) => anthropic::catalogue(p).await,
        }
    }

    /// The catalogue already in memory, without waiting (empty when none was fetched yet).
    pub(crate) fn cached_catalogue(&self) -> Option<Arc<Vec<ModelInfo>>> {
        match self {
            Self::Copilot(c) => c.cached_catalogue(),
            Self::OpenAi(p) => p.remote.cached_catalogue(),
            Self::Azure(p) => p.remote.cached_catalogue(),
            Self::Anthropic(p) => p.remote.cached_catalogue(),
        }
    }

    /// Sends one request. A 2xx answer is returned for the caller to read; anything else is
    /// the classified error.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<reqwest::Response, UpstreamError> {
        match self {
            Self::Copilot(c) => c.call(call).await,
            Self::OpenAi(p) => p.send(call).await,
            Self::Azure(p) => p.send(call).await,
            Self::Anthropic(p) => p.send(call).await,
        }
    }

    /// Edits a chat-completions body before it goes to this provider (Copilot fills in a
    /// missing output limit); `None` leaves the bytes as they are.
    pub(crate) fn adjust_chat(
        &self,
        body: &Bytes,
        model: &ModelInfo,
        keys: Option<copilot::OutputKeys>,
    ) -> Result<Option<Bytes>, crate::server::error::ApiError> {
        match self {
            Self::Copilot(_) => copilot::fill_output_limit(body, model, keys),
            _ => Ok(None),
        }
    }

    /// Whether chat answers need Copilot's normalisation (the `object` field it leaves out,
    /// Claude's answer split over two choices).
    pub(crate) fn normalises_chat(&self) -> bool {
        matches!(self, Self::Copilot(_))
    }

    /// The longest wait for the head of an answer (and, on streams, for its first content).
    pub(crate) fn first_byte_timeout(&self) -> Duration {
        match self {
            Self::Copilot(_) => http::READ_TIMEOUT,
            Self::OpenAi(p) => p.remote.first_byte,
            Self::Azure(p) => p.remote.first_byte,
            Self::Anthropic(p) => p.remote.first_byte,
        }
    }

    /// A cheap authenticated call to the provider's model-list endpoint, whatever the config
    /// lists (`doctor`): `Ok(Some(n))` models listed, `Ok(None)` reachable and the key accepted
    /// but no model list there (404), `Err` unreachable or the credential refused.
    pub(crate) async fn probe(&self) -> Result<Option<usize>, UpstreamError> {
        let probe = async {
            let result = match self {
                Self::Copilot(c) => c.fetch_catalogue().await,
                Self::OpenAi(p) => openai::probe(p).await,
                Self::Azure(p) => azure::probe(p).await,
                Self::Anthropic(p) => anthropic::probe(p).await,
            };
            match result {
                Ok(list) => Ok(Some(list.len())),
                Err(UpstreamError::Status { status, .. }) if status.as_u16() == 404 => Ok(None),
                Err(err) => Err(err),
            }
        };
        tokio::time::timeout(http::CALL_TIMEOUT, probe)
            .await
            .unwrap_or_else(|_| {
                Err(UpstreamError::Timeout {
                    host: format!("{} (model list)", self.name()),
                })
            })
    }

    /// The model list fetched now, without the cache (`models`, `doctor`); bounded by the
    /// call timeout.
    pub(crate) async fn fetch_catalogue(&self) -> Result<Vec<ModelInfo>, UpstreamError> {
        let fetch = async {
            match self {
                Self::Copilot(c) => c.fetch_catalogue().await,
                Self::OpenAi(p) => openai::fetch_catalogue(p).await,
                Self::Azure(p) => azure::fetch_catalogue(p).await,
                Self::Anthropic(p) => anthropic::fetch_catalogue(p).await,
            }
        };
        tokio::time::timeout(http::CALL_TIMEOUT, fetch)
            .await
            .unwrap_or_else(|_| {
                Err(UpstreamError::Timeout {
                    host: format!("{} (model list)", self.name()),
                })
            })
    }
}

/// A header name and value pair to send.
pub(crate) type Header = (HeaderName, HeaderValue);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_sets() {
        let mut set = Shapes::of(&[Shape::Chat, Shape::Embeddings]);
        assert!(set.has(Shape::Chat) && !set.has(Shape::Messages));
        set.insert(Shape::Messages);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Shape::Chat, Shape::Messages, Shape::Embeddings]
        );
        assert_eq!(
            serde_json::to_value(set).unwrap(),
            serde_json::json!(["chat", "messages", "embeddings"])
        );
        assert_eq!(Shape::parse("responses"), Some(Shape::Responses));
        assert_eq!(Shape::parse("nope"), None);
    }
}
