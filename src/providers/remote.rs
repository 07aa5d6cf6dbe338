//! What the key-based providers (OpenAI, OpenAI-compatible, Azure, Anthropic) share: their
//! base URL, credential, extra headers, HTTP client, timeouts, configured model list and
//! catalogue cache, and the one place a request is sent and a failure classified.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::catalogue::CatalogueCache;
use super::http::{self, Timeouts, UpstreamError};
use super::{Kind, ModelInfo, Shapes};
use crate::settings::env::Env;
use crate::settings::file::ProviderConfig;

/// How often a provider's model list is refreshed.
const CATALOGUE_REFRESH: Duration = Duration::from_secs(15 * 60);

/// A credential: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// The secret itself (tests).
    #[cfg(test)]
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// A header value carrying `prefix` + the secret, marked sensitive (never in debug output).
    pub(crate) fn header(&self, prefix: &str) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", self.0)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Reads `"env:VAR"` from the environment, or takes the text as the key itself.
pub(crate) fn resolve_secret(raw: &str, env: &Env, what: &str) -> anyhow::Result<Secret> {
    let raw = raw.trim();
    if let Some(var) = raw.strip_prefix("env:") {
        let var = var.trim();
        match env.get(var).map(str::trim).filter(|v| !v.is_empty()) {
            Some(value) => Ok(Secret(value.to_owned())),
            None => bail!("{what} names the environment variable {var}, which is not set"),
        }
    } else if raw.is_empty() {
        bail!("{what} is empty");
    } else {
        Ok(Secret(raw.to_owned()))
    }
}

/// The shared part of a key-based provider.
#[derive(Debug)]
pub(crate) struct Remote {
    pub(crate) name: Arc<str>,
    pub(crate) kind: Kind,
    /// Base URL without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) key: Option<Secret>,
    /// Configured extra headers (values marked sensitive: they may carry credentials).
    pub(crate) headers: HeaderMap,
    pub(crate) http: reqwest::Client,
    pub(crate) first_byte: Duration,
    /// Models listed in the config (used instead of, or when there is no, `/models`).
    pub(crate) models: Option<Vec<String>>,
    /// Shapes listed in the config (overriding the kind's defaults).
    pub(crate) shapes: Option<Shapes>,
    pub(crate) cache: CatalogueCache,
}

impl Remote {
    /// Builds the shared part from a `[providers.NAME]` table. `shared` is the default HTTP
    /// client; a provider with its own connect or idle timeout gets a client of its own, built
    /// the same way.
    pub(crate) fn from_config(
        name: &str,
        config: &ProviderConfig,
        default_base: Option<&str>,
        env: &Env,
        shared: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let what = |field: &str| format!("[providers.{name}] {field}");
        let base_url = match config.base_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
            _ => match default_base {
                Some(url) => url.to_owned(),
                None => bail!(
                    "{} is required for kind = \"{}\"",
                    what("base_url"),
                    config.kind.as_str()
                ),
            },
        };
        match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => bail!("{} = {base_url:?} is not an http(s) URL", what("base_url")),
        }
        let key = config
            .api_key
            .as_deref()
            .map(|raw| resolve_secret(raw, env, &what("api_key")))
            .transpose()?;
        let headers = extra_headers(&config.headers).with_context(|| what("headers"))?;
        let seconds = |value: Option<f64>, field: &str, default: Duration| match value {
            None => Ok(default),
            Some(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
            Some(s) => bail!(
                "{} must be between 0 and 86400 seconds, got {s}",
                what(field)
            ),
        };
        let defaults = Timeouts::default();
        let timeouts = Timeouts {
            connect: seconds(
                config.timeouts.connect_s,
                "timeouts.connect_s",
                defaults.connect,
            )?,
            read: seconds(config.timeouts.idle_s, "timeouts.idle_s", defaults.read)?,
        };
        let first_byte = seconds(
            config.timeouts.first_byte_s,
            "timeouts.first_byte_s",
            http::READ_TIMEOUT,
        )?;
        let http = if timeouts == defaults {
            shared.clone()
        } else {
            http::client_with(timeouts)?
        };
        let shapes = match &config.shapes {
            None => None,
            Some(names) => {
                let mut set = Shapes::default();
                for shape in names {
                    match super::Shape::parse(shape) {
                        Some(shape) => set.insert(shape),
                        None => bail!(
                            "{}: unknown shape {shape:?} (chat, responses, messages, embeddings)",
                            what("shapes")
                        ),
                    }
                }
                Some(set)
            }
        };
        let name: Arc<str> = Arc::from(name);
        Ok(Self {
            cache: CatalogueCache::new(Arc::clone(&name), CATALOGUE_REFRESH),
            name,
            kind: config.kind,
            base_url,
            key,
            headers,
            http,
            first_byte,
            models: config.models.clone(),
            shapes,
        })
    }

    /// The provider's name.
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The list in memory.
    pub(crate) fn cached_catalogue(&self) -> Option<Arc<Vec<ModelInfo>>> {
        self.cache.cached()
    }

    /// The configured models as bare catalogue entries, if the config lists any.
    pub(crate) fn configured(&self, shapes: Shapes) -> Option<Vec<ModelInfo>> {
        self.models.as_ref().map(|ids| {
            ids.iter()
                .map(|id| ModelInfo::bare(id, &self.name, shapes))
                .collect()
        })
    }

    /// Sends `body` to `url` with the provider's headers plus `auth` and `extra`, waiting at
    /// most the first-byte timeout for the head of the answer.
    pub(crate) async fn post(
        &self,
        url: &str,
        auth: Option<super::Header>,
        extra: &[super::Header],
        body: bytes::Bytes,
    ) -> Result<reqwest::Response, UpstreamError> {
        let mut headers = self.headers.clone();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in extra.iter().cloned().chain(auth) {
            headers.insert(name, value);
        }
        let request = self.http.post(url).headers(headers).body(body).send();
        self.finish(request).await
    }

    /// GETs `url` (model lists) with the provider's headers and `auth`.
    pub(crate) async fn get(
        &self,
        url: &str,
        auth: Option<super::Header>,
        extra: &[super::Header],
    ) -> Result<reqwest::Response, UpstreamError> {
        let mut headers = self.headers.clone();
        for (name, value) in extra.iter().cloned().chain(auth) {
            headers.insert(name, value);
        }
        let request = self
            .http
            .get(url)
            .headers(headers)
            .timeout(http::CALL_TIMEOUT)
            .send();
        self.finish(request).await
    }

    async fn finish(
        &self,
        request: impl Future<Output = Result<reqwest::Response, reqwest::Error>>,
    ) -> Result<reqwest::Response, UpstreamError> {
        let response = match tokio::time::timeout(self.first_byte, request).await {
            Ok(result) => result.map_err(|e| UpstreamError::from_reqwest(&e))?,
            Err(_) => {
                return Err(UpstreamError::Timeout {
                    host: host_of(&self.base_url),
                });
            }
        };
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(UpstreamError::from_response(self.name.to_string(), response).await)
        }
    }
}

/// `host[:port]` of a URL, for messages.
pub(crate) fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

fn extra_headers(headers: &BTreeMap<String, String>) -> anyhow::Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .with_context(|| format!("{name:?} is not a header name"))?;
        let mut value = HeaderValue::from_str(value.trim())
            .with_context(|| format!("the value of {name} is not a valid header value"))?;
        value.set_sensitive(true);
        map.insert(header, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_the_environment_or_the_text_and_never_print() {
        let env = Env::from_pairs([("OPENAI_KEY", "sk-abc")]);
        let secret = resolve_secret("env:OPENAI_KEY", &env, "[providers.o] api_key").unwrap();
        assert_eq!(secret.expose(), "sk-abc");
        assert!(!format!("{secret:?}").contains("sk-abc"));
        assert!(secret.header("Bearer ").unwrap().is_sensitive());
        assert_eq!(
            resolve_secret("literal", &env, "k").unwrap().expose(),
            "literal"
        );
        let err = resolve_secret("env:MISSING", &env, "[providers.o] api_key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "[providers.o] api_key names the environment variable MISSING, which is not set"
        );
    }

    #[test]
    fn hosts_are_named_with_their_port() {
        assert_eq!(host_of("https://x.example:8443/v1"), "x.example:8443");
        assert_eq!(host_of("https://x.example/v1"), "x.example");
    }
}
