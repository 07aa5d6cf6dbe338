//! `TokenManager`: keeps a valid Copilot token in memory for as long as the process runs.
//!
//! It exchanges the GitHub token once at start, then refreshes in the background
//! `refresh_in − 60` seconds later. A failed refresh is retried with exponential backoff while
//! the old token stays in use until it expires — a refresh failure never ends the process (the
//! TypeScript original crashed here). When the Copilot API answers 401, callers ask for
//! [`TokenManager::force_refresh`] with the token that was refused; concurrent callers share a
//! single exchange. The refresh task is owned: dropping the manager aborts it.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::providers::UpstreamError;
use crate::providers::copilot::github::{CopilotToken, GithubClient};

/// Why no Copilot token could be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenError {
    /// GitHub answered, but refused this account or token.
    #[error(
        "GitHub refused to issue a Copilot token for this account ({status}: {message}). Sign in with `copilot-api auth device login`."
    )]
    Refused {
        /// HTTP status from GitHub.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// GitHub could not be reached or answered something unreadable.
    #[error("cannot get a Copilot token: {0}")]
    Upstream(UpstreamError),
}

impl From<UpstreamError> for TokenError {
    fn from(err: UpstreamError) -> Self {
        match err {
            UpstreamError::Status {
                status, message, ..
            } if status.is_client_error() => Self::Refused {
                status: status.as_u16(),
                message,
            },
            other => Self::Upstream(other),
        }
    }
}

struct Inner {
    github: GithubClient,
    github_token: String,
    current: RwLock<Arc<CopilotToken>>,
    refresh: tokio::sync::Mutex<()>,
    /// Why the last exchange failed, until one succeeds.
    trouble: std::sync::Mutex<Option<Trouble>>,
}

/// The last failed exchange.
#[derive(Debug, Clone)]
struct Trouble {
    message: String,
    /// GitHub refused the sign-in (revoked token, lost subscription), not a network failure.
    refused: bool,
}

/// Holds the current Copilot token and refreshes it.
pub(crate) struct TokenManager {
    inner: Arc<Inner>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("current", &self.current())
            .finish()
    }
}

impl TokenManager {
    /// Exchanges the GitHub token and starts the background refresh.
    pub(crate) async fn start(
        github: GithubClient,
        github_token: String,
    ) -> Result<Self, TokenError> {
        let first = github.copilot_token(&github_token).await?;
        let delay = refresh_delay(&first);
        let inner = Arc::new(Inner {
            github,
            github_token,
            current: RwLock::new(Arc::new(first)),
            refresh: tokio::sync::Mutex::new(()),
            trouble: std::sync::Mutex::new(None),
        });
        let task = tokio::spawn(refresh_loop(Arc::downgrade(&inner), delay));
        Ok(Self {
            inner,
            task: Some(task),
        })
    }

    /// A manager holding `token` with no exchange and no background refresh (in-process
    /// tests; a forced refresh still asks `github`).
    #[cfg(test)]
    pub(crate) fn fixed(github: GithubClient, github_token: String, token: CopilotToken) -> Self {
        Self {
            inner: Arc::new(Inner {
                github,
                github_token,
                current: RwLock::new(Arc::new(token)),
                refresh: tokio::sync::Mutex::new(()),
                trouble: std::sync::Mutex::new(None),
            }),
            task: None,
        }
    }

    /// The token in use now.
    pub(crate) fn current(&self) -> Arc<CopilotToken> {
        read(&self.inner.current)
    }

    /// The GitHub token behind this manager.
    pub(crate) fn github_token(&self) -> &str {
        &self.inner.github_token
    }

    /// The GitHub client behind this manager.
    pub(crate) fn github(&self) -> &GithubClient {
        &self.inner.github
    }

    /// Why the last exchange failed, when it did (cleared by the next success). With an expired
    /// token, requests then fail at once with the cause instead of each waiting on GitHub; the
    /// background refresh keeps trying, and service resumes by itself.
    pub(crate) fn trouble(&self) -> Option<String> {
        let trouble = self.inner.trouble.lock().ok()?.clone()?;
        Some(if trouble.refused {
            trouble.message
        } else {
            format!(
                "the Copilot token expired and GitHub has not issued a new one ({}); \
                 copilot-api keeps trying and resumes by itself",
                trouble.message
            )
        })
    }

    /// Whether the token in use has expired (by the clock).
    pub(crate) fn expired(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.current().expires_at <= i64::try_from(now).unwrap_or(i64::MAX)
    }

    /// Refreshes now unless someone already replaced `stale` (the token the upstream refused).
    pub(crate) async fn force_refresh(&self, stale: &str) -> Result<Arc<CopilotToken>, TokenError> {
        let _guard = self.inner.refresh.lock().await;
        let current = self.current();
        if current.token != stale {
            return Ok(current);
        }
        refresh_once(&self.inner).await
    }
}

impl Drop for TokenManager {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

fn read(lock: &RwLock<Arc<CopilotToken>>) -> Arc<CopilotToken> {
    match lock.read() {
        Ok(guard) => Arc::clone(&guard),
        // A writer never panics while holding the lock, but recover rather than propagate.
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    }
}

async fn refresh_once(inner: &Inner) -> Result<Arc<CopilotToken>, TokenError> {
    let fresh = match inner.github.copilot_token(&inner.github_token).await {
        Ok(token) => Arc::new(token),
        Err(err) => {
            let err = TokenError::from(err);
            if let Ok(mut trouble) = inner.trouble.lock() {
                *trouble = Some(Trouble {
                    message: err.to_string(),
                    refused: matches!(err, TokenError::Refused { .. }),
                });
            }
            return Err(err);
        }
    };
    if let Ok(mut trouble) = inner.trouble.lock()
        && trouble.take().is_some()
    {
        tracing::info!("GitHub issued a new Copilot token: serving again");
    }
    match inner.current.write() {
        Ok(mut guard) => *guard = Arc::clone(&fresh),
        Err(poisoned) => *poisoned.into_inner() = Arc::clone(&fresh),
    }
    tracing::debug!(expires_at = fresh.expires_at, "Copilot token refreshed");
    Ok(fresh)
}

/// When to refresh: `refresh_in − 60` s (GitHub suggests `refresh_in`; the minute of margin
/// covers clock skew and slow exchanges), at least one second.
fn refresh_delay(token: &CopilotToken) -> Duration {
    Duration::from_secs(token.refresh_in.saturating_sub(60).max(1))
}

/// Backoff after the n-th consecutive failure: 1, 2, 4 … 60 s.
fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.min(6)).min(Duration::from_secs(60))
}

async fn refresh_loop(inner: std::sync::Weak<Inner>, first_delay: Duration) {
    let mut delay = first_delay;
    let mut failures = 0u32;
    loop {
        tokio::time::sleep(delay).await;
        let Some(inner) = inner.upgrade() else { return };
        let _guard = inner.refresh.lock().await;
        match refresh_once(&inner).await {
            Ok(token) => {
                failures = 0;
                delay = refresh_delay(&token);
            }
            Err(err) => {
                delay = backoff(failures);
                failures = failures.saturating_add(1);
                // Said once per outage (then at debug level), not at every retry.
                if failures == 1 {
                    match err {
                        TokenError::Refused { .. } => tracing::error!("{err}"),
                        TokenError::Upstream(_) => tracing::warn!(
                            "Copilot token refresh failed ({err}); keeping the current token until it expires and retrying"
                        ),
                    }
                } else {
                    tracing::debug!(
                        "Copilot token refresh failed again ({err}); retrying in {}s",
                        delay.as_secs()
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), Duration::from_secs(60));
    }
}
