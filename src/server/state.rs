//! `AppState`: what every handler shares — cheap to clone (`Arc` inside).

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use super::approval::Approver;
use super::limit::RateLimiter;
use crate::providers::copilot::CopilotClient;
use crate::settings::StartSettings;

/// Shared server state.
#[derive(Debug, Clone)]
pub(crate) struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
#[derive(Debug)]
pub(crate) struct Inner {
    /// The Copilot client (owns the token manager).
    pub copilot: CopilotClient,
    /// Resolved `start` settings.
    pub settings: StartSettings,
    /// Signed-in GitHub login.
    pub login: String,
    /// Start time, for `/health` uptime.
    pub started: Instant,
    /// `--rate-limit`.
    pub limiter: RateLimiter,
    /// `--manual`.
    pub approver: Option<Approver>,
    /// Model aliases from the config file.
    pub aliases: BTreeMap<String, String>,
}

impl AppState {
    /// Wraps the inner state.
    pub(crate) fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
