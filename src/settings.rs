//! Resolved settings: the one place where flag > environment variable > config file > default
//! is decided.
//!
//! clap already applies "flag over env" for options declared with `env = …`; this module lays
//! the config file and the built-in defaults underneath, derives the upstream endpoints, and
//! rejects contradictory combinations instead of guessing.

pub(crate) mod env;
pub(crate) mod file;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::{AccountType, GlobalArgs, StartArgs};
use env::{Env, EnvVars};
use file::FileConfig;

/// Default listen port, as in the TypeScript original.
pub(crate) const DEFAULT_PORT: u16 = 4141;
/// Default bind address: loopback only.
pub(crate) const DEFAULT_HOST: &str = "127.0.0.1";
/// Default seconds of upstream silence before a `ping` event: below the 30–60 s idle timeouts
/// common in HTTP intermediaries and clients.
pub(crate) const DEFAULT_PING_SECS: f64 = 15.0;
/// Default `--client-timeout`.
pub(crate) const DEFAULT_CLIENT_TIMEOUT_SECS: f64 = 30.0;
/// Built-in VS Code version sent upstream (no network lookup at start-up).
pub(crate) const DEFAULT_VSCODE_VERSION: &str = "1.104.3";
/// Built-in Copilot Chat extension version.
pub(crate) const DEFAULT_COPILOT_CHAT_VERSION: &str = "0.26.7";
/// Built-in `x-github-api-version`.
pub(crate) const DEFAULT_GITHUB_API_VERSION: &str = "2025-04-01";

/// Where a GitHub token came from, for `auth status` and error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenSource {
    /// `--github-token` or `COPILOT_API_GITHUB_TOKEN`.
    FlagOrEnv,
    /// The token file in the data directory.
    File(PathBuf),
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FlagOrEnv => write!(f, "--github-token / {}", EnvVars::GITHUB_TOKEN),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Upstream base URLs and the version strings sent in headers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Endpoints {
    /// GitHub web base (device flow).
    pub github_url: String,
    /// GitHub REST API base.
    pub github_api_url: String,
    /// Explicit Copilot API base (env), which beats the token's `endpoints.api`.
    pub copilot_url_override: Option<String>,
    /// Copilot API base used when the token names none.
    pub copilot_url_fallback: String,
    /// Versions sent in the editor headers.
    pub versions: ClientVersions,
}

impl Endpoints {
    /// The Copilot API base URL: override, else the token's `endpoints.api`, else the fallback.
    pub(crate) fn copilot_base<'a>(&'a self, token_api: Option<&'a str>) -> &'a str {
        let chosen = self
            .copilot_url_override
            .as_deref()
            .or(token_api.filter(|s| !s.is_empty()))
            .unwrap_or(&self.copilot_url_fallback);
        chosen.trim_end_matches('/')
    }
}

/// Version strings of the editor we present as.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClientVersions {
    /// VS Code version.
    pub vscode: String,
    /// Copilot Chat extension version.
    pub copilot_chat: String,
    /// `x-github-api-version`.
    pub github_api: String,
    /// The VS Code version was set by the environment (never adopted from Copilot's refusals).
    #[serde(skip)]
    pub pinned: bool,
}

/// Settings every subcommand shares.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct GlobalSettings {
    /// Data directory (token file, caches).
    pub data_dir: PathBuf,
    /// Config file that was loaded, if any.
    pub config_file: Option<PathBuf>,
    /// Copilot plan kind.
    pub account_type: AccountType,
    /// Normalised GitHub Enterprise host.
    pub enterprise_host: Option<String>,
    /// GitHub token given on the command line or in the environment.
    #[serde(skip)]
    pub github_token: Option<String>,
    /// Upstream endpoints.
    pub endpoints: Endpoints,
    /// Model aliases from the config file.
    pub model_aliases: BTreeMap<String, String>,
}

impl GlobalSettings {
    /// Resolves the shared settings.
    pub(crate) fn resolve(
        args: &GlobalArgs,
        env: &Env,
        file: Option<&FileConfig>,
    ) -> anyhow::Result<Self> {
        let account_type = args
            .account_type
            .or(file.and_then(|f| f.account_type))
            .unwrap_or(AccountType::Individual);
        let data_dir = data_dir(env)?;
        // The enterprise host `auth device login` signed in against is remembered next to the
        // token, so later commands talk to the same GitHub without repeating the flag.
        let enterprise_host = args
            .enterprise_url
            .clone()
            .or_else(|| file.and_then(|f| f.enterprise_url.clone()))
            .or_else(|| read_stored_enterprise(&data_dir))
            .map(|raw| normalise_host(&raw))
            .transpose()?;
        let endpoints = endpoints(env, account_type, enterprise_host.as_deref())?;
        Ok(Self {
            data_dir,
            config_file: None,
            account_type,
            enterprise_host,
            github_token: args.github_token.clone().filter(|t| !t.trim().is_empty()),
            endpoints,
            model_aliases: file.map(|f| f.model_aliases.clone()).unwrap_or_default(),
        })
    }

    /// Path of the file remembering the enterprise host of the stored token.
    pub(crate) fn enterprise_path(&self) -> PathBuf {
        self.data_dir.join(ENTERPRISE_FILE)
    }

    /// Path of the stored GitHub token.
    pub(crate) fn token_path(&self) -> PathBuf {
        self.data_dir.join("github_token")
    }
}

/// File in the data directory naming the GitHub Enterprise host of the stored token.
pub(crate) const ENTERPRISE_FILE: &str = "enterprise_url";

fn read_stored_enterprise(data_dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(data_dir.join(ENTERPRISE_FILE)).ok()?;
    let host = text.trim();
    (!host.is_empty()).then(|| host.to_owned())
}

/// The data directory: `COPILOT_API_HOME`, else `$XDG_DATA_HOME/copilot-api`, else
/// `~/.local/share/copilot-api` on every platform — the place the TypeScript tool uses, so its
/// users stay signed in.
fn data_dir(env: &Env) -> anyhow::Result<PathBuf> {
    if let Some(dir) = env.get(EnvVars::HOME) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = env
        .get(EnvVars::XDG_DATA_HOME)
        .filter(|d| std::path::Path::new(d).is_absolute())
    {
        return Ok(PathBuf::from(dir).join("copilot-api"));
    }
    let home = env
        .home_dir()
        .context("cannot find the home directory; set COPILOT_API_HOME")?;
    Ok(home.join(".local").join("share").join("copilot-api"))
}

/// Accepts `acme.ghe.com`, `https://acme.ghe.com/` or `http://localhost:8080` and returns the
/// host (with port) only.
fn normalise_host(raw: &str) -> anyhow::Result<String> {
    let trimmed = raw.trim();
    let without_scheme = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed);
    let host = without_scheme.trim_end_matches('/');
    if host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
        bail!("invalid --enterprise-url {raw:?}: expected a host such as `acme.ghe.com`");
    }
    Ok(host.to_ascii_lowercase())
}

/// Derives the upstream base URLs (ref §3.1), then applies the env overrides.
fn endpoints(
    env: &Env,
    account: AccountType,
    enterprise: Option<&str>,
) -> anyhow::Result<Endpoints> {
    let (github_url, github_api_url, copilot_url_fallback) = match enterprise {
        // GitHub Enterprise Cloud with data residency.
        Some(host) if host.ends_with(".ghe.com") => (
            format!("https://{host}"),
            format!("https://api.{host}"),
            format!("https://copilot-api.{host}"),
        ),
        // GitHub Enterprise Server.
        Some(host) => (
            format!("https://{host}"),
            format!("https://{host}/api/v3"),
            format!("https://copilot-api.{host}"),
        ),
        None => (
            "https://github.com".to_owned(),
            "https://api.github.com".to_owned(),
            match account {
                AccountType::Individual => "https://api.githubcopilot.com".to_owned(),
                other => format!("https://api.{}.githubcopilot.com", other.as_str()),
            },
        ),
    };
    let url = |name: &str, default: String| -> anyhow::Result<String> {
        match env.get(name) {
            Some(value) => {
                validate_url(name, value)?;
                Ok(value.trim_end_matches('/').to_owned())
            }
            None => Ok(default),
        }
    };
    let copilot_url_override = match env.get(EnvVars::COPILOT_URL) {
        Some(value) => {
            validate_url(EnvVars::COPILOT_URL, value)?;
            Some(value.trim_end_matches('/').to_owned())
        }
        None => None,
    };
    Ok(Endpoints {
        github_url: url(EnvVars::GITHUB_URL, github_url)?,
        github_api_url: url(EnvVars::GITHUB_API_URL, github_api_url)?,
        copilot_url_override,
        copilot_url_fallback,
        versions: ClientVersions {
            vscode: env
                .get(EnvVars::VSCODE_VERSION)
                .unwrap_or(DEFAULT_VSCODE_VERSION)
                .to_owned(),
            copilot_chat: env
                .get(EnvVars::COPILOT_CHAT_VERSION)
                .unwrap_or(DEFAULT_COPILOT_CHAT_VERSION)
                .to_owned(),
            github_api: env
                .get(EnvVars::GITHUB_API_VERSION)
                .unwrap_or(DEFAULT_GITHUB_API_VERSION)
                .to_owned(),
            pinned: env.get(EnvVars::VSCODE_VERSION).is_some(),
        },
    })
}

fn validate_url(name: &str, value: &str) -> anyhow::Result<()> {
    match reqwest::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => bail!("{name}={value:?} is not an http(s) URL"),
    }
}

/// Settings of `copilot-api start`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StartSettings {
    /// Bind address.
    pub host: IpAddr,
    /// Listen port (0 = any free port).
    pub port: u16,
    /// Inbound API key; serialised redacted.
    #[serde(serialize_with = "redacted")]
    pub api_key: Option<String>,
    /// Bind non-loopback without a key.
    pub allow_unauthenticated: bool,
    /// Minimum spacing between upstream requests.
    pub rate_limit: Option<Duration>,
    /// Queue instead of 429.
    pub wait: bool,
    /// Interactive approval.
    pub manual: bool,
    /// Claude Code launch helper.
    pub claude_code: bool,
    /// Serve `GET /token`.
    pub expose_token: bool,
    /// Upstream silence after which a translated stream gets a `ping` event.
    pub ping_interval: Duration,
    /// Extra host names requests may address (flags, else the config file).
    pub allowed_hosts: Vec<String>,
    /// Web origins allowed to call the server (flags, else the config file).
    pub allowed_origins: Vec<String>,
    /// Open client connections at most (`None`: derived from the file-descriptor limit).
    pub max_connections: Option<usize>,
    /// Header-read, keep-alive idle and request-body silence timeout.
    pub client_timeout: Duration,
}

fn redacted<S: serde::Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => s.serialize_str("<redacted>"),
        None => s.serialize_none(),
    }
}

impl StartSettings {
    /// Resolves `start`'s settings and refuses unsafe or contradictory combinations.
    pub(crate) fn resolve(args: &StartArgs, file: Option<&FileConfig>) -> anyhow::Result<Self> {
        let server = file.map(|f| f.server.clone()).unwrap_or_default();
        let host_text = args
            .host
            .clone()
            .or(server.host)
            .unwrap_or_else(|| DEFAULT_HOST.to_owned());
        let host = parse_host(&host_text)?;
        let port = args.port.or(server.port).unwrap_or(DEFAULT_PORT);
        let api_key = args
            .api_key
            .clone()
            .or(server.api_key)
            .filter(|k| !k.trim().is_empty());
        let allow_unauthenticated =
            args.allow_unauthenticated || server.allow_unauthenticated.unwrap_or(false);
        let rate_limit = match args.rate_limit.or(server.rate_limit) {
            None => None,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => {
                Some(Duration::from_secs_f64(secs))
            }
            Some(0.0) => None,
            Some(secs) => bail!("--rate-limit must be between 0 and 86400 seconds, got {secs}"),
        };
        let wait = args.wait || server.wait.unwrap_or(false);
        let ping_interval = match args
            .ping_interval
            .or(server.ping_interval)
            .unwrap_or(DEFAULT_PING_SECS)
        {
            secs if secs.is_finite() && (0.1..=3600.0).contains(&secs) => {
                Duration::from_secs_f64(secs)
            }
            secs => bail!("--ping-interval must be between 0.1 and 3600 seconds, got {secs}"),
        };
        let max_connections = match args.max_connections.or(server.max_connections) {
            Some(0) => bail!("--max-connections must be at least 1"),
            other => other,
        };
        let client_timeout = match args
            .client_timeout
            .or(server.client_timeout)
            .unwrap_or(DEFAULT_CLIENT_TIMEOUT_SECS)
        {
            secs if secs.is_finite() && (0.1..=3600.0).contains(&secs) => {
                Duration::from_secs_f64(secs)
            }
            secs => bail!("--client-timeout must be between 0.1 and 3600 seconds, got {secs}"),
        };
        if !host.is_loopback() && api_key.is_none() && !allow_unauthenticated {
            bail!(
                "refusing to listen on {host} without an API key: anyone who can reach this \
                 address could use your Copilot subscription. Set --api-key (or {}) or pass \
                 --allow-unauthenticated",
                EnvVars::API_KEY
            );
        }
        Ok(Self {
            host,
            port,
            api_key,
            allow_unauthenticated,
            rate_limit,
            wait,
            manual: args.manual,
            claude_code: args.claude_code,
            expose_token: args.expose_token || server.expose_token.unwrap_or(false),
            ping_interval,
            allowed_hosts: list_or(&args.allowed_hosts, server.allowed_hosts, "--allowed-host")?,
            allowed_origins: validate_origins(list_or(
                &args.allowed_origins,
                server.allowed_origins,
                "--allowed-origin",
            )?)?,
            max_connections,
            client_timeout,
        })
    }
}

/// Origins are `*` or `scheme://host[:port]`, as browsers send them in `Origin`.
fn validate_origins(origins: Vec<String>) -> anyhow::Result<Vec<String>> {
    for origin in &origins {
        let origin = origin.trim();
        let well_formed = origin == "*"
            || origin.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                    && !rest.trim_end_matches('/').is_empty()
                    && !rest.trim_end_matches('/').contains('/')
            });
        if !well_formed {
            bail!(
                "allowed origin {origin:?} is not an origin: write it as a browser sends it, \
                 e.g. `https://app.example` or `http://localhost:3000` (or `*` for any)"
            );
        }
    }
    Ok(origins)
}

/// A list given by repeated flags, else the config file's; blank entries are errors.
fn list_or(flags: &[String], file: Option<Vec<String>>, name: &str) -> anyhow::Result<Vec<String>> {
    let list = if flags.is_empty() {
        file.unwrap_or_default()
    } else {
        flags.to_vec()
    };
    if list.iter().any(|item| item.trim().is_empty()) {
        bail!("{name} needs a value, got an empty one");
    }
    Ok(list)
}

#[cfg(test)]
impl StartSettings {
    /// The settings of a plain `start` (in-process tests).
    pub(crate) fn for_tests() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            api_key: None,
            allow_unauthenticated: false,
            rate_limit: None,
            wait: false,
            manual: false,
            claude_code: false,
            expose_token: false,
            ping_interval: Duration::from_secs_f64(DEFAULT_PING_SECS),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_connections: None,
            client_timeout: Duration::from_secs_f64(DEFAULT_CLIENT_TIMEOUT_SECS),
        }
    }
}

fn parse_host(text: &str) -> anyhow::Result<IpAddr> {
    match text.trim() {
        "localhost" => Ok(IpAddr::from([127, 0, 0, 1])),
        other => other
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .with_context(|| {
                format!("--host {other:?} is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)")
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn copilot_base_url_rules() {
        let e = endpoints(&env(&[]), AccountType::Individual, None).unwrap();
        assert_eq!(e.copilot_base(None), "https://api.githubcopilot.com");
        assert_eq!(
            e.copilot_base(Some("https://api.individual.githubcopilot.com/")),
            "https://api.individual.githubcopilot.com"
        );
        let e = endpoints(&env(&[]), AccountType::Business, None).unwrap();
        assert_eq!(
            e.copilot_base(None),
            "https://api.business.githubcopilot.com"
        );
        let e = endpoints(&env(&[]), AccountType::Enterprise, None).unwrap();
        assert_eq!(
            e.copilot_base(None),
            "https://api.enterprise.githubcopilot.com"
        );
        assert_eq!(e.github_api_url, "https://api.github.com");
    }

    #[test]
    fn enterprise_hosts() {
        let e = endpoints(&env(&[]), AccountType::Individual, Some("acme.ghe.com")).unwrap();
        assert_eq!(e.github_url, "https://acme.ghe.com");
        assert_eq!(e.github_api_url, "https://api.acme.ghe.com");
        assert_eq!(e.copilot_base(None), "https://copilot-api.acme.ghe.com");
        let e = endpoints(&env(&[]), AccountType::Enterprise, Some("git.corp.example")).unwrap();
        assert_eq!(e.github_api_url, "https://git.corp.example/api/v3");
        assert_eq!(
            normalise_host("https://Acme.ghe.com/").unwrap(),
            "acme.ghe.com"
        );
        assert!(normalise_host("https://a.b/c").is_err());
    }

    #[test]
    fn overrides_win_and_plain_http_is_allowed() {
        let e = endpoints(
            &env(&[
                (EnvVars::COPILOT_URL, "http://127.0.0.1:9/"),
                (EnvVars::GITHUB_API_URL, "http://127.0.0.1:8"),
            ]),
            AccountType::Business,
            Some("acme.ghe.com"),
        )
        .unwrap();
        assert_eq!(e.copilot_base(Some("https://x")), "http://127.0.0.1:9");
        assert_eq!(e.github_api_url, "http://127.0.0.1:8");
        assert!(
            endpoints(
                &env(&[(EnvVars::GITHUB_URL, "ftp://x")]),
                AccountType::Individual,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn data_dir_precedence() {
        assert_eq!(
            data_dir(&env(&[(EnvVars::HOME, "/d")])).unwrap(),
            PathBuf::from("/d")
        );
        assert_eq!(
            data_dir(&env(&[(EnvVars::XDG_DATA_HOME, "/x")])).unwrap(),
            PathBuf::from("/x/copilot-api")
        );
    }

    #[test]
    fn non_loopback_needs_a_key() {
        let args = |host: &str| StartArgs {
            port: None,
            host: Some(host.to_owned()),
            api_key: None,
            allow_unauthenticated: false,
            rate_limit: None,
            wait: false,
            manual: false,
            claude_code: false,
            expose_token: false,
            ping_interval: None,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_connections: None,
            client_timeout: None,
            print_settings: false,
        };
        assert!(StartSettings::resolve(&args("0.0.0.0"), None).is_err());
        assert!(StartSettings::resolve(&args("::1"), None).is_ok());
        let mut with_key = args("0.0.0.0");
        with_key.api_key = Some("k".into());
        assert!(StartSettings::resolve(&with_key, None).is_ok());

        // Origins are checked for shape; hosts for emptiness.
        let mut origins = args("127.0.0.1");
        origins.allowed_origins = vec!["https://app.example".into(), "*".into()];
        assert!(StartSettings::resolve(&origins, None).is_ok());
        for bad in ["app.example", "https://app.example/path", "https://", ""] {
            origins.allowed_origins = vec![bad.into()];
            let err = StartSettings::resolve(&origins, None).unwrap_err();
            assert!(
                err.to_string().contains("allowed origin") || bad.is_empty(),
                "{err}"
            );
        }
    }
}
