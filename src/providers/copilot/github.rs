//! The GitHub REST API calls copilot-api makes: who am I (`/user`), the Copilot token exchange
//! (`/copilot_internal/v2/token`) and the plan/quota report (`/copilot_internal/user`).

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde::Deserialize;

use crate::providers::UpstreamError;
use crate::settings::Endpoints;

/// A GitHub account, as `/user` returns it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GithubUser {
    /// Login name.
    pub login: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A Copilot token, as `/copilot_internal/v2/token` returns it.
#[derive(Deserialize)]
pub(crate) struct CopilotToken {
    /// The bearer token for the Copilot API.
    pub token: String,
    /// Unix time (seconds) at which it expires.
    #[serde(default)]
    pub expires_at: i64,
    /// Seconds after which GitHub suggests refreshing.
    #[serde(default = "default_refresh_in")]
    pub refresh_in: u64,
    /// Endpoints the token is meant for.
    #[serde(default)]
    pub endpoints: TokenEndpoints,
    /// `Bearer {token}` as a header value, made on first use and shared by every request
    /// that carries this token.
    #[serde(skip)]
    authorization: std::sync::OnceLock<reqwest::header::HeaderValue>,
}

impl CopilotToken {
    /// The `authorization` header value for this token (marked sensitive). A token with
    /// characters not allowed in a header cannot be sent anyway; an empty value gets Copilot's
    /// 401, which names the problem.
    pub(crate) fn authorization(&self) -> reqwest::header::HeaderValue {
        self.authorization
            .get_or_init(|| {
                let mut value =
                    reqwest::header::HeaderValue::from_str(&format!("Bearer {}", self.token))
                        .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
                value.set_sensitive(true);
                value
            })
            .clone()
    }
}

fn default_refresh_in() -> u64 {
    1500
}

impl std::fmt::Debug for CopilotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopilotToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("refresh_in", &self.refresh_in)
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

/// The `endpoints` object of a Copilot token.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct TokenEndpoints {
    /// Copilot API base URL for this account (how VS Code picks its endpoint).
    #[serde(default)]
    pub api: Option<String>,
}

/// Client for the GitHub API.
#[derive(Debug, Clone)]
pub(crate) struct GithubClient {
    http: reqwest::Client,
    endpoints: Endpoints,
}

impl GithubClient {
    /// Creates a client over the shared HTTP client.
    pub(crate) fn new(http: reqwest::Client, endpoints: Endpoints) -> Self {
        Self { http, endpoints }
    }

    /// Headers of the VS Code Copilot extension talking to GitHub (ref §2.3).
    fn headers(&self, github_token: &str) -> Result<HeaderMap, UpstreamError> {
        let v = &self.endpoints.versions;
        let mut h = HeaderMap::new();
        let auth = HeaderValue::from_str(&format!("token {github_token}")).map_err(|_| {
            UpstreamError::Decode {
                service: "GitHub".into(),
                reason: "the GitHub token contains characters that cannot be sent in a header"
                    .into(),
            }
        })?;
        h.insert(AUTHORIZATION, auth);
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        editor_headers(&mut h, v);
        Ok(h)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        github_token: &str,
    ) -> Result<T, UpstreamError> {
        let url = format!("{}{path}", self.endpoints.github_api_url);
        let resp = self
            .http
            .get(&url)
            .headers(self.headers(github_token)?)
            .timeout(crate::providers::http::CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| UpstreamError::from_reqwest(&e))?;
        if !resp.status().is_success() {
            return Err(UpstreamError::from_response("GitHub", resp).await);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| UpstreamError::from_reqwest(&e))?;
        serde_json::from_slice(&bytes).map_err(|err| UpstreamError::Decode {
            service: "GitHub".into(),
            reason: format!("{path}: {err}"),
        })
    }

    /// `GET /user`: validates the token and names the account.
    pub(crate) async fn user(&self, github_token: &str) -> Result<GithubUser, UpstreamError> {
        self.get_json("/user", github_token).await
    }

    /// `GET /copilot_internal/v2/token`: exchanges the GitHub token for a Copilot token.
    pub(crate) async fn copilot_token(
        &self,
        github_token: &str,
    ) -> Result<CopilotToken, UpstreamError> {
        self.get_json("/copilot_internal/v2/token", github_token)
            .await
    }

    /// `GET /copilot_internal/user`: plan and quota snapshots, as raw JSON.
    pub(crate) async fn copilot_user(
        &self,
        github_token: &str,
    ) -> Result<serde_json::Value, UpstreamError> {
        self.get_json("/copilot_internal/user", github_token).await
    }
}

/// The headers VS Code's Copilot Chat extension identifies itself with, shared by the GitHub
/// and the Copilot API calls (ref §2.3, §3.2).
pub(crate) fn editor_headers(h: &mut HeaderMap, v: &crate::settings::ClientVersions) {
    insert(h, "editor-version", &format!("vscode/{}", v.vscode));
    insert(
        h,
        "editor-plugin-version",
        &format!("copilot-chat/{}", v.copilot_chat),
    );
    insert(
        h,
        USER_AGENT.as_str(),
        &format!("GitHubCopilotChat/{}", v.copilot_chat),
    );
    insert(h, "x-github-api-version", &v.github_api);
    h.insert(
        "x-vscode-user-agent-library-version",
        HeaderValue::from_static("electron-fetch"),
    );
}

/// Inserts a header whose value comes from settings; values that are not valid header text
/// (which settings validation should have caught) are skipped rather than panicking.
pub(crate) fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
