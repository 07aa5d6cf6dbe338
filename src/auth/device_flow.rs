//! The GitHub OAuth device flow (RFC 8628), done right.
//!
//! Unlike the TypeScript original, polling honours `interval`, adds five seconds on
//! `slow_down` (or adopts the server's new interval when larger), and stops on
//! `expired_token`, `access_denied` or when `expires_in` runs out. The caller owns the user
//! interface; this module only speaks HTTP and reports progress through a callback.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;

use crate::providers::UpstreamError;

/// The VS Code Copilot GitHub App's client id, which Copilot token exchange requires.
pub(crate) const CLIENT_ID: &str = "Iv1.b507a08c87ecfe98";
/// Scope requested (the same as VS Code).
pub(crate) const SCOPE: &str = "read:user";

/// The code the user must enter.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DeviceCode {
    /// Opaque code used when polling.
    pub device_code: String,
    /// Code the user types in the browser.
    pub user_code: String,
    /// Page where the code is entered.
    pub verification_uri: String,
    /// Seconds until the code expires.
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
    /// Minimum seconds between polls.
    #[serde(default = "default_interval")]
    pub interval: u64,
}

fn default_expires_in() -> u64 {
    900
}

fn default_interval() -> u64 {
    5
}

/// Ways the device flow ends without a token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeviceFlowError {
    /// The user did not enter the code in time.
    #[error(
        "the device code expired before it was entered; run `copilot-api auth device login` again"
    )]
    Expired,
    /// The user pressed "Cancel" on GitHub.
    #[error("sign-in was denied on GitHub")]
    Denied,
    /// GitHub answered with an error this flow cannot continue from.
    #[error("GitHub refused the device flow: {0}")]
    Refused(String),
    /// Transport or status failure.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
}

#[derive(Debug, Deserialize)]
struct PollResponse {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    interval: Option<u64>,
}

/// Device-flow client against a GitHub web base URL (`https://github.com` or an enterprise host).
#[derive(Debug, Clone)]
pub(crate) struct DeviceFlow {
    http: reqwest::Client,
    github_url: String,
}

impl DeviceFlow {
    /// Creates the client.
    pub(crate) fn new(http: reqwest::Client, github_url: String) -> Self {
        Self { http, github_url }
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, UpstreamError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.github_url))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .json(body)
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

    /// Asks GitHub for a device code.
    pub(crate) async fn request_code(&self) -> Result<DeviceCode, UpstreamError> {
        let body = serde_json::json!({ "client_id": CLIENT_ID, "scope": SCOPE });
        self.post("/login/device/code", &body).await
    }

    /// Polls until the user has entered the code, calling `on_wait(remaining)` before each
    /// wait. Returns the OAuth access token.
    pub(crate) async fn poll(
        &self,
        code: &DeviceCode,
        mut on_wait: impl FnMut(Duration),
    ) -> Result<String, DeviceFlowError> {
        // GitHub's codes live 15 minutes; never trust a larger figure enough to overflow.
        let deadline = Instant::now() + Duration::from_secs(code.expires_in.min(3600));
        let mut interval = code.interval.clamp(1, 60);
        let body = serde_json::json!({
            "client_id": CLIENT_ID,
            "device_code": code.device_code,
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        });
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(DeviceFlowError::Expired);
            }
            on_wait(remaining);
            tokio::time::sleep(Duration::from_secs(interval).min(remaining)).await;
            let answer: PollResponse = match self.post("/login/oauth/access_token", &body).await {
                Ok(answer) => answer,
                // A 5xx or a dropped connection is worth another poll; the deadline bounds it.
                Err(err @ (UpstreamError::Connect { .. } | UpstreamError::Timeout { .. })) => {
                    tracing::warn!("polling GitHub failed, retrying: {err}");
                    continue;
                }
                Err(err) if err.status().is_some_and(|s| s.is_server_error()) => {
                    tracing::warn!("polling GitHub failed, retrying: {err}");
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            if let Some(token) = answer.access_token.filter(|t| !t.is_empty()) {
                return Ok(token);
            }
            match answer.error.as_deref() {
                Some("authorization_pending") => {}
                Some("slow_down") => {
                    interval = next_interval(interval, answer.interval);
                    tracing::debug!(interval, "GitHub asked to slow down");
                }
                Some("expired_token") => return Err(DeviceFlowError::Expired),
                Some("access_denied") => return Err(DeviceFlowError::Denied),
                Some(other) => {
                    let detail = answer.error_description.unwrap_or_default();
                    let msg = if detail.is_empty() {
                        other.to_owned()
                    } else {
                        format!("{other}: {detail}")
                    };
                    return Err(DeviceFlowError::Refused(msg));
                }
                None => {
                    return Err(DeviceFlowError::Refused(
                        "GitHub sent neither a token nor an error".into(),
                    ));
                }
            }
        }
    }
}

/// RFC 8628 §3.5: on `slow_down` the interval grows by 5 s for this and later polls; GitHub
/// may also send the new interval, which wins when larger.
fn next_interval(current: u64, suggested: Option<u64>) -> u64 {
    (current + 5).max(suggested.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_down_adds_five_seconds_or_takes_a_larger_suggestion() {
        assert_eq!(next_interval(5, None), 10);
        assert_eq!(next_interval(5, Some(7)), 10);
        assert_eq!(next_interval(5, Some(20)), 20);
    }
}
