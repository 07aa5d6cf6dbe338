//! A signed-in session: the GitHub token, the Copilot token manager and the Copilot client,
//! built the same way for `start` and for the admin commands.

use std::sync::Arc;

use anyhow::Context as _;

use crate::Context;
use crate::auth::require_github_token;
use crate::providers::copilot::CopilotClient;
use crate::providers::copilot::github::GithubClient;
use crate::providers::copilot::token::TokenManager;
use crate::providers::http;

/// Signs in to Copilot with the available GitHub token.
pub(crate) async fn connect(ctx: &Context) -> anyhow::Result<CopilotClient> {
    connect_with(ctx, http::client()?).await
}

/// [`connect`] over the given HTTP client.
pub(crate) async fn connect_with(
    ctx: &Context,
    http: reqwest::Client,
) -> anyhow::Result<CopilotClient> {
    let (token, source) = require_github_token(&ctx.settings)?;
    let github = GithubClient::new(http.clone(), ctx.settings.endpoints.clone());
    let tokens = TokenManager::start(github, token)
        .await
        .with_context(|| format!("GitHub token from {source}"))?;
    Ok(CopilotClient::new(
        http,
        ctx.settings.endpoints.clone(),
        Arc::new(tokens),
        ctx.settings.data_dir.clone(),
    ))
}

/// The GitHub client with the available token, for calls that need no Copilot token.
pub(crate) fn github(ctx: &Context) -> anyhow::Result<(GithubClient, String)> {
    let (token, _) = require_github_token(&ctx.settings)?;
    Ok((
        GithubClient::new(http::client()?, ctx.settings.endpoints.clone()),
        token,
    ))
}
