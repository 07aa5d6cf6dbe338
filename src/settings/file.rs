//! The optional TOML config file: its shape, where it lives, and how it is loaded.
//!
//! The file sits below flags and environment variables. Unlike request bodies, it is strict:
//! unknown keys are errors (`deny_unknown_fields`), so a typo is reported with its line instead
//! of being silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

use crate::cli::AccountType;

/// Contents of `config.toml`. Every field is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// Copilot plan kind.
    pub account_type: Option<AccountType>,
    /// GitHub Enterprise host.
    pub enterprise_url: Option<String>,
    /// Settings of `copilot-api start`.
    #[serde(default)]
    pub server: ServerConfig,
    /// Model aliases: requested name → Copilot model id (e.g. `opus = "claude-opus-4.5"`).
    #[serde(default)]
    pub(crate) model_aliases: BTreeMap<String, String>,
    /// Model providers besides Copilot, by name.
    #[serde(default)]
    pub(crate) providers: BTreeMap<String, ProviderConfig>,
    /// The routing table, first match wins.
    #[serde(default)]
    pub(crate) routes: Vec<RouteConfig>,
    /// The failure policy.
    #[serde(default)]
    pub(crate) routing: RoutingConfig,
    /// The usage ledger.
    #[serde(default)]
    pub(crate) ledger: LedgerConfig,
    /// Per-model rates in US$ per million tokens, overriding or adding to the built-in ones.
    #[serde(default)]
    pub(crate) prices: BTreeMap<String, crate::ledger::prices::Rates>,
    /// Spending limits in AI credits.
    #[serde(default)]
    pub(crate) budget: BudgetConfig,
}

/// The `[ledger]` table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LedgerConfig {
    /// On by default.
    pub(crate) enabled: Option<bool>,
    /// Days of raw rows kept (default 90); daily totals are kept forever.
    pub(crate) keep_days: Option<u32>,
    /// Keep request bodies (sensitive; off by default).
    pub(crate) bodies: Option<bool>,
    /// Minutes between snapshots of GitHub's quota numbers (default 30).
    pub(crate) quota_every_min: Option<u32>,
}

/// The `[budget]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BudgetConfig {
    /// Credits per UTC day, every key together.
    pub(crate) daily_credits: Option<f64>,
    /// Credits per UTC month, every key together.
    pub(crate) monthly_credits: Option<f64>,
    /// `"reject"` (429 naming the budget) or `"route:MODEL"` (serve with MODEL instead).
    pub(crate) on_exhausted: Option<String>,
}

/// One `[providers.NAME]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderConfig {
    /// `copilot`, `openai`, `anthropic`, `azure` or `openai-compatible`.
    pub(crate) kind: crate::providers::Kind,
    /// `"env:VAR"` or the key itself.
    pub(crate) api_key: Option<String>,
    /// Base URL (required for `azure` and `openai-compatible`).
    pub(crate) base_url: Option<String>,
    /// Extra headers sent with every request.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Azure: a dated `api-version` selects the deployments URL shape.
    pub(crate) api_version: Option<String>,
    /// Timeouts in seconds.
    #[serde(default)]
    pub(crate) timeouts: TimeoutsConfig,
    /// Models to offer when the provider has no usable `/models`.
    pub(crate) models: Option<Vec<String>>,
    /// Wire shapes the endpoint speaks (`chat`, `responses`, `messages`, `embeddings`).
    pub(crate) shapes: Option<Vec<String>>,
}

/// `timeouts = { connect_s, first_byte_s, idle_s }`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeoutsConfig {
    /// Connecting (TCP and TLS).
    pub(crate) connect_s: Option<f64>,
    /// Until the answer's head (and, on streams, its first content).
    pub(crate) first_byte_s: Option<f64>,
    /// Longest silence inside an answer.
    pub(crate) idle_s: Option<f64>,
}

/// One `[[routes]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteConfig {
    /// Exact name, glob (`*`, `?`), or `~text` (the name contains `text`).
    #[serde(rename = "match")]
    pub(crate) pattern: String,
    /// Where matching requests go.
    pub(crate) targets: Vec<TargetConfig>,
    /// Caps the client's output limit.
    pub(crate) max_tokens: Option<u64>,
    /// Stop words merged with the client's.
    pub(crate) stop: Option<Vec<String>>,
    /// Drop messages with no content.
    pub(crate) drop_empty_messages: Option<bool>,
    /// Merge consecutive user messages into one.
    pub(crate) merge_user_messages: Option<bool>,
    /// Remove `<think>…</think>` and `<tool_call>…</tool_call>` from assistant history.
    pub(crate) strip_tags: Option<bool>,
    /// Text put before the first content of every answer.
    pub(crate) special_prefix: Option<String>,
    /// Send the client's own key when the provider has none configured.
    pub(crate) forward_client_key: Option<bool>,
}

/// One target of a route.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetConfig {
    /// A provider name (`copilot` or a `[providers.NAME]`).
    pub(crate) provider: String,
    /// The provider's model id (default: the requested name).
    pub(crate) model: Option<String>,
    /// Tier: lower first; the next tier only on failure (default 1).
    pub(crate) priority: Option<u32>,
    /// Share of requests within the tier (default 1).
    pub(crate) weight: Option<u32>,
}

/// The `[routing]` table: one failure policy for every request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoutingConfig {
    /// Attempts per request across retries and fallbacks.
    pub(crate) max_attempts: Option<u32>,
    /// Seconds a request may spend on attempts (before its answer starts).
    pub(crate) deadline_s: Option<f64>,
    /// First backoff in seconds (exponential, full jitter).
    pub(crate) backoff_base_s: Option<f64>,
    /// Longest backoff in seconds.
    pub(crate) backoff_max_s: Option<f64>,
    /// Consecutive failures that open a breaker.
    pub(crate) breaker_failures: Option<u32>,
    /// Seconds a breaker stays open.
    pub(crate) breaker_cooldown_s: Option<f64>,
    /// Fixes the weighted choice between targets (reproducible tests).
    pub(crate) seed: Option<u64>,
    /// The model that serves clients' light side requests (titles, probes, warm-ups).
    pub(crate) background_model: Option<String>,
}

/// The `[server]` table.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServerConfig {
    /// Listen port.
    pub port: Option<u16>,
    /// Bind address.
    pub host: Option<String>,
    /// Inbound API key.
    pub api_key: Option<String>,
    /// Minimum seconds between upstream requests.
    pub rate_limit: Option<f64>,
    /// Queue instead of answering 429 when rate limited.
    pub wait: Option<bool>,
    /// Serve `GET /token`.
    pub expose_token: Option<bool>,
    /// Seconds of upstream silence before a `ping` event on translated streams.
    pub ping_interval: Option<f64>,
    /// Allow a non-loopback bind without an API key.
    pub allow_unauthenticated: Option<bool>,
    /// Host names besides the loopback ones that requests may address (`server::guard`).
    pub allowed_hosts: Option<Vec<String>>,
    /// Web origins whose pages may call the server (`"*"`: any).
    pub allowed_origins: Option<Vec<String>>,
    /// Open client connections at most.
    pub max_connections: Option<usize>,
    /// Seconds a client may take to send a request head or body, or stay idle between
    /// requests.
    pub client_timeout: Option<f64>,
}

/// The default config file location: `<config dir>/copilot-api/config.toml`.
pub(crate) fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("copilot-api").join("config.toml"))
}

/// Loads the config file. An explicitly named file must exist; the default one may be absent.
pub(crate) fn load(explicit: Option<&Path>) -> anyhow::Result<Option<(PathBuf, FileConfig)>> {
    let (path, required) = match explicit {
        Some(path) => (path.to_path_buf(), true),
        None => match default_path() {
            Some(path) => (path, false),
            None => return Ok(None),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read config file {}", path.display()));
        }
    };
    let config = parse(&text).with_context(|| format!("invalid config file {}", path.display()))?;
    Ok(Some((path, config)))
}

/// Parses config text.
pub(crate) fn parse(text: &str) -> anyhow::Result<FileConfig> {
    // toml's error already names the line, column and key; keep it as the message.
    toml::from_str(text).map_err(|err| anyhow::anyhow!("{}", err.to_string().trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let config = parse(
            r#"
            account_type = "business"
            enterprise_url = "acme.ghe.com"
            [server]
            port = 8080
            rate_limit = 2.5
            [model_aliases]
            opus = "claude-opus-4.5"
            "#,
        )
        .unwrap();
        assert_eq!(config.account_type, Some(AccountType::Business));
        assert_eq!(config.server.port, Some(8080));
        assert_eq!(config.model_aliases["opus"], "claude-opus-4.5");
    }

    #[test]
    fn unknown_keys_are_errors_with_a_location() {
        let err = parse("[server]\nprot = 1\n").unwrap_err().to_string();
        assert!(err.contains("prot"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }
}
