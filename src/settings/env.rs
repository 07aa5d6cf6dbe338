//! Every environment variable copilot-api reads, declared once and documented, and the
//! `Env` snapshot that reads them once at start-up.
//!
//! Variables that back a command-line flag are read by clap (`env = EnvVars::X`), so "flag wins
//! over env" is clap's job. The rest (base URLs, version strings, the data directory) are read
//! into [`Env`] here, which tests can build directly instead of mutating the process environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Names of the environment variables copilot-api reads.
pub struct EnvVars;

impl EnvVars {
    /// Data directory holding `github_token` and caches (default `~/.local/share/copilot-api`).
    pub const HOME: &'static str = "COPILOT_API_HOME";
    /// Config file path (flag `--config`).
    pub const CONFIG: &'static str = "COPILOT_API_CONFIG";
    /// Copilot plan kind (flag `--account-type`).
    pub const ACCOUNT_TYPE: &'static str = "COPILOT_API_ACCOUNT_TYPE";
    /// GitHub Enterprise host (flag `--enterprise-url`).
    pub const ENTERPRISE_URL: &'static str = "COPILOT_API_ENTERPRISE_URL";
    /// GitHub OAuth token to use instead of the stored one (flag `--github-token`).
    pub const GITHUB_TOKEN: &'static str = "COPILOT_API_GITHUB_TOKEN";
    /// Port for `start` / `claude-code` (flag `--port`).
    pub const PORT: &'static str = "COPILOT_API_PORT";
    /// Bind address for `start` / host for `claude-code` (flag `--host`).
    pub const HOST: &'static str = "COPILOT_API_HOST";
    /// Inbound API key for `start` (flag `--api-key`).
    pub const API_KEY: &'static str = "COPILOT_API_KEY";
    /// Minimum seconds between upstream requests (flag `--rate-limit`).
    pub const RATE_LIMIT: &'static str = "COPILOT_API_RATE_LIMIT";
    /// Seconds of upstream silence before a `ping` event (flag `--ping-interval`).
    pub const PING_INTERVAL: &'static str = "COPILOT_API_PING_INTERVAL";
    /// Threads serving requests (default 1: one thread proxies thousands of requests a second
    /// and costs the least CPU per request; more only help a proxy shared by many clients).
    pub const THREADS: &'static str = "COPILOT_API_THREADS";
    /// GitHub web base URL used for the device flow (default `https://github.com`).
    pub const GITHUB_URL: &'static str = "COPILOT_API_GITHUB_URL";
    /// GitHub REST API base URL (default `https://api.github.com`).
    pub const GITHUB_API_URL: &'static str = "COPILOT_API_GITHUB_API_URL";
    /// Copilot API base URL (default: the Copilot token's `endpoints.api`, else from the plan).
    pub const COPILOT_URL: &'static str = "COPILOT_API_COPILOT_URL";
    /// VS Code version sent in `editor-version` (default built in).
    pub const VSCODE_VERSION: &'static str = "COPILOT_API_VSCODE_VERSION";
    /// Copilot Chat extension version sent in `editor-plugin-version` and `user-agent`.
    pub const COPILOT_CHAT_VERSION: &'static str = "COPILOT_API_COPILOT_CHAT_VERSION";
    /// `x-github-api-version` header value.
    pub const GITHUB_API_VERSION: &'static str = "COPILOT_API_GITHUB_API_VERSION";
    /// Any value disables colours (<https://no-color.org>).
    pub const NO_COLOR: &'static str = "NO_COLOR";
    /// Log filter in `tracing` syntax; overrides `-v`/`-q`.
    pub const RUST_LOG: &'static str = "RUST_LOG";
    /// Used by `claude-code` to pick the shell syntax.
    pub const SHELL: &'static str = "SHELL";
    /// XDG data home (Unix): the data directory defaults to `$XDG_DATA_HOME/copilot-api`.
    pub const XDG_DATA_HOME: &'static str = "XDG_DATA_HOME";
}

/// A snapshot of the environment variables copilot-api reads outside clap.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    home_dir: Option<PathBuf>,
}

impl Env {
    /// Reads the process environment once: the variables above, and every other one, since
    /// config values may name any (`api_key = "env:OPENAI_API_KEY"`).
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self {
            vars,
            home_dir: dirs::home_dir(),
        }
    }

    /// Builds a snapshot from explicit pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self {
            vars,
            home_dir: None,
        }
    }

    /// The value of `name`, if set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` is set at all (even empty), as `NO_COLOR` requires.
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// The user's home directory.
    pub fn home_dir(&self) -> Option<&PathBuf> {
        self.home_dir.as_ref()
    }
}
