//! `AppState`: what every handler shares — cheap to clone (`Arc` inside).

use std::ops::Deref;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use super::approval::Approver;
use super::limit::RateLimiter;
use crate::providers::copilot::CopilotClient;
use crate::routing::Gateway;
use crate::routing::breaker::Breakers;
use crate::settings::StartSettings;

/// Shared server state.
#[derive(Debug, Clone)]
pub(crate) struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
#[derive(Debug)]
pub(crate) struct Inner {
    /// The Copilot client (owns the token manager), when signed in.
    pub(crate) copilot: Option<Arc<CopilotClient>>,
    /// Resolved `start` settings.
    pub(crate) settings: StartSettings,
    /// Signed-in GitHub login, when signed in.
    pub(crate) login: Option<String>,
    /// Start time, for `/health` uptime.
    pub(crate) started: Instant,
    /// `--rate-limit`.
    pub(crate) limiter: RateLimiter,
    /// `--manual`.
    pub(crate) approver: Option<Approver>,
    /// Providers, routes and policy; replaced whole by a config reload.
    pub(crate) gateway: RwLock<Arc<Gateway>>,
    /// Circuit breakers (they outlive reloads).
    pub(crate) breakers: Breakers,
    /// The ledger, budgets and metrics.
    pub(crate) observe: Arc<crate::server::observe::Observe>,
    /// Named API keys.
    pub(crate) keys: crate::keys::Keys,
    /// Responses conversations kept for `previous_response_id` on translated models.
    pub(crate) conversations: crate::server::conversations::Conversations,
}

impl AppState {
    /// Wraps the inner state.
    pub(crate) fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    /// The gateway in force now; a request keeps the one it started with.
    pub(crate) fn gateway(&self) -> Arc<Gateway> {
        Arc::clone(
            &self
                .gateway
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Puts a new gateway in force (config reload).
    pub(crate) fn replace_gateway(&self, gateway: Gateway) {
        *self
            .gateway
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(gateway);
    }
}

#[cfg(test)]
impl AppState {
    /// A state built without any network: Copilot with a fixed token (never refreshed) and
    /// `models` as its catalogue, the default `start` settings, no config file. Calls that do
    /// reach an upstream go to an address that refuses connections.
    pub(crate) fn for_tests(models: Vec<crate::providers::copilot::models::Model>) -> Self {
        use crate::providers::copilot::github::{CopilotToken, GithubClient};
        use crate::providers::copilot::token::TokenManager;
        use crate::settings::env::Env;
        let env = Env::from_pairs([
            ("COPILOT_API_GITHUB_URL", "http://127.0.0.1:9"),
            ("COPILOT_API_GITHUB_API_URL", "http://127.0.0.1:9"),
            ("COPILOT_API_COPILOT_URL", "http://127.0.0.1:9"),
            ("COPILOT_API_HOME", "/nonexistent/copilot-api-tests"),
        ]);
        let args = crate::cli::GlobalArgs {
            config: None,
            account_type: None,
            enterprise_url: None,
            github_token: None,
            verbose: 0,
            quiet: true,
            no_color: true,
        };
        let global = crate::settings::GlobalSettings::resolve(&args, &env, None)
            .unwrap_or_else(|err| panic!("test settings: {err}"));
        let http = reqwest::Client::new();
        let token: CopilotToken = serde_json::from_value(serde_json::json!({
            "token": "tid=test", "expires_at": i64::MAX / 2, "refresh_in": 1500
        }))
        .unwrap_or_else(|err| panic!("test token: {err}"));
        let github = GithubClient::new(http.clone(), global.endpoints.clone());
        let tokens = TokenManager::fixed(github, "gho_test".into(), token);
        let copilot = Arc::new(CopilotClient::new(
            http.clone(),
            global.endpoints.clone(),
            Arc::new(tokens),
            global.data_dir.clone(),
        ));
        copilot.seed_catalogue(&models);
        let gateway = Gateway::build(None, &env, Some(Arc::clone(&copilot)), &http)
            .unwrap_or_else(|err| panic!("test gateway: {err}"));
        let settings = crate::settings::StartSettings::for_tests();
        Self::new(Inner {
            copilot: Some(copilot),
            limiter: RateLimiter::new(None, false),
            approver: None,
            settings,
            login: Some("octocat".into()),
            started: Instant::now(),
            gateway: RwLock::new(Arc::new(gateway)),
            breakers: Breakers::default(),
            observe: Arc::new(crate::server::observe::Observe {
                ledger: crate::ledger::Ledger::off(&global.data_dir),
                spend: crate::server::observe::Spend::default(),
                metrics: crate::server::metrics::Metrics::default(),
            }),
            keys: crate::keys::Keys::open(&global.data_dir)
                .unwrap_or_else(|err| panic!("test keys: {err}")),
            conversations: Default::default(),
        })
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
