//! The Copilot model catalogue (`GET /models`): tolerant wire types, the normalised view the
//! `models` command and `/v1/models` show, and the on-disk cache that lets admin commands
//! answer without a network round trip.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How long a cached catalogue is trusted by admin commands and the server.
pub(crate) const CATALOGUE_TTL: Duration = Duration::from_secs(15 * 60);

/// One model as Copilot describes it. Unknown fields are kept.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct Model {
    /// Model id used in requests.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Vendor (e.g. "Anthropic", "OpenAI").
    #[serde(default)]
    pub vendor: Option<String>,
    /// Version string.
    #[serde(default)]
    pub version: Option<String>,
    /// Preview model.
    #[serde(default)]
    pub preview: Option<bool>,
    /// Shown in the VS Code model picker.
    #[serde(default)]
    pub model_picker_enabled: Option<bool>,
    /// Capabilities and limits.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// API paths the model is served on (e.g. `/chat/completions`, `/responses`, `/v1/messages`).
    #[serde(default)]
    pub supported_endpoints: Vec<String>,
    /// Everything else Copilot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `capabilities` of a model.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct Capabilities {
    /// Model family.
    #[serde(default)]
    pub family: Option<String>,
    /// "chat" or "embeddings".
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Tokenizer name (e.g. "o200k_base").
    #[serde(default)]
    pub tokenizer: Option<String>,
    /// Token limits.
    #[serde(default)]
    pub limits: Limits,
    /// Feature flags.
    #[serde(default)]
    pub supports: Map<String, Value>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `capabilities.limits` of a model.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct Limits {
    /// Context window.
    #[serde(default)]
    pub max_context_window_tokens: Option<u64>,
    /// Maximum output tokens.
    #[serde(default)]
    pub max_output_tokens: Option<u64>,
    /// Maximum prompt tokens.
    #[serde(default)]
    pub max_prompt_tokens: Option<u64>,
    /// Everything else (e.g. `vision`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Model {
    /// Whether `capabilities.supports.<flag>` is true.
    pub(crate) fn supports(&self, flag: &str) -> bool {
        self.capabilities
            .supports
            .get(flag)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Whether the model accepts images.
    pub(crate) fn vision(&self) -> bool {
        self.supports("vision") || self.capabilities.limits.extra.contains_key("vision")
    }

    /// Whether the model is an embeddings model.
    pub(crate) fn is_embeddings(&self) -> bool {
        self.capabilities.kind.as_deref() == Some("embeddings")
    }

    /// The display name, or the id.
    pub(crate) fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// `GET /models` response.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct ModelsResponse {
    /// The models.
    pub data: Vec<Model>,
}

/// The on-disk cache: which Copilot base and account the list belongs to, and when it was
/// fetched.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct CachedCatalogue {
    /// Unix seconds of the fetch.
    pub fetched_at: u64,
    /// Copilot base URL the list came from.
    pub base_url: String,
    /// Fingerprint of the GitHub token the list was fetched with (not the token).
    pub account: String,
    /// The models.
    pub models: Vec<Model>,
}

/// File name of the cache inside the data directory.
pub(crate) const CACHE_FILE: &str = "models.json";

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A stable, non-reversible fingerprint of a GitHub token so the cache is never served to
/// another account. FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
pub(crate) fn account_fingerprint(github_token: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in github_token.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Reads the cached catalogue if it is fresh and belongs to this account.
pub(crate) fn read_cache(data_dir: &Path, account: &str) -> Option<CachedCatalogue> {
    let path = data_dir.join(CACHE_FILE);
    let text = std::fs::read(&path).ok()?;
    let cached: CachedCatalogue = match serde_json::from_slice(&text) {
        Ok(cached) => cached,
        Err(err) => {
            tracing::warn!(
                "ignoring the unreadable model cache {} ({err}); it is fetched again and rewritten",
                path.display()
            );
            return None;
        }
    };
    let age = now_secs().saturating_sub(cached.fetched_at);
    (cached.account == account && age < CATALOGUE_TTL.as_secs()).then_some(cached)
}

/// Reads the cached catalogue regardless of age or account (offline tokenizer lookup).
pub(crate) fn read_cache_any(data_dir: &Path) -> Option<CachedCatalogue> {
    let text = std::fs::read(data_dir.join(CACHE_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Writes the cache atomically; failures are only logged (the cache is an optimisation).
pub(crate) fn write_cache(data_dir: &Path, base_url: &str, account: &str, models: &[Model]) {
    let cached = CachedCatalogue {
        fetched_at: now_secs(),
        base_url: base_url.to_owned(),
        account: account.to_owned(),
        models: models.to_vec(),
    };
    let result = (|| -> anyhow::Result<()> {
        crate::auth::store::create_private_dir(data_dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(data_dir)?;
        serde_json::to_writer(&mut tmp, &cached)?;
        tmp.persist(data_dir.join(CACHE_FILE))
            .map_err(|e| e.error)?;
        Ok(())
    })();
    if let Err(err) = result {
        tracing::warn!(
            "could not write the model cache in {} ({err:#}); models are fetched at every start until it can be",
            data_dir.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_model_parsing() {
        let model: Model = serde_json::from_value(serde_json::json!({
            "id": "claude-sonnet-4.5",
            "vendor": "Anthropic",
            "capabilities": {"type": "chat", "tokenizer": "o200k_base",
                "limits": {"max_output_tokens": 16000, "vision": {"max_prompt_images": 5}},
                "supports": {"tool_calls": true}},
            "supported_endpoints": ["/chat/completions", "/v1/messages"],
            "billing": {"multiplier": 1}
        }))
        .unwrap();
        assert!(model.supports("tool_calls"));
        assert!(model.vision());
        assert!(model.extra.contains_key("billing"));
    }

    #[test]
    fn cache_is_per_account() {
        let dir = tempfile::tempdir().unwrap();
        write_cache(dir.path(), "http://x", "a", &[]);
        assert!(read_cache(dir.path(), "a").is_some());
        assert!(read_cache(dir.path(), "b").is_none());
        assert_ne!(account_fingerprint("t1"), account_fingerprint("t2"));
    }
}
