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
    pub model_aliases: BTreeMap<String, String>,
}

/// The `[server]` table.
#[derive(Debug, Default, Clone, Deserialize)]
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
