//! Signing in to GitHub and holding the Copilot token.
//!
//! `store` owns the GitHub token file and `device_flow` the OAuth device flow. The exchange
//! of the GitHub token for short-lived Copilot tokens belongs to the Copilot provider
//! (`providers::copilot::token`).

pub(crate) mod device_flow;
pub(crate) mod store;

use crate::settings::{GlobalSettings, TokenSource};

/// The message shown whenever a command needs a GitHub token and none is available.
pub(crate) const NOT_SIGNED_IN: &str = "Not signed in. Run `copilot-api auth device login`.";

/// Error for "no GitHub token anywhere"; `main` maps it to exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{NOT_SIGNED_IN}")]
pub(crate) struct NotSignedIn;

/// Finds the GitHub token: `--github-token`/env first, then the token file.
pub(crate) fn github_token(
    settings: &GlobalSettings,
) -> anyhow::Result<Option<(String, TokenSource)>> {
    if let Some(token) = &settings.github_token {
        return Ok(Some((token.trim().to_owned(), TokenSource::FlagOrEnv)));
    }
    let path = settings.token_path();
    let token = match store::read(&path) {
        Ok(token) => token,
        // Already one self-explaining line; "cannot read" in front would mislead.
        Err(err) if err.is::<store::Exposed>() => return Err(err),
        Err(err) => return Err(err.context("cannot read the stored GitHub token")),
    };
    Ok(token.map(|t| (t, TokenSource::File(path))))
}

/// Like [`github_token`], but "not signed in" is an error.
pub(crate) fn require_github_token(
    settings: &GlobalSettings,
) -> anyhow::Result<(String, TokenSource)> {
    github_token(settings)?.ok_or_else(|| NotSignedIn.into())
}
