//! A signed-in session: the GitHub token, the Copilot token manager and the Copilot client,
//! built the same way for `start` and for the admin commands.

use std::sync::Arc;

use anyhow::Context as _;

use crate::Context;
use crate::auth::copilot_token::TokenManager;
use crate::auth::require_github_token;
use crate::upstream::copilot::CopilotClient;
use crate::upstream::github::GithubClient;
use crate::upstream::transport::Transport;
use crate::upstream::{http_client, http_client_with, tls_config};

/// Signs in to Copilot with the available GitHub token.
pub async fn connect(ctx: &Context) -> anyhow::Result<CopilotClient> {
    let (token, source) = require_github_token(&ctx.settings)?;
    let tls = tls_config()?;
    let http = http_client_with(tls.clone())?;
    let github = GithubClient::new(http.clone(), ctx.settings.endpoints.clone());
    let tokens = TokenManager::start(github, token)
        .await
        .with_context(|| format!("GitHub token from {source}"))?;
    Ok(CopilotClient::new(
        Transport::new(http, tls),
        ctx.settings.endpoints.clone(),
        Arc::new(tokens),
        ctx.settings.data_dir.clone(),
    ))
}

/// The GitHub client with the available token, for calls that need no Copilot token.
pub fn github(ctx: &Context) -> anyhow::Result<(GithubClient, String)> {
    let (token, _) = require_github_token(&ctx.settings)?;
    Ok((
        GithubClient::new(http_client()?, ctx.settings.endpoints.clone()),
        token,
    ))
}
