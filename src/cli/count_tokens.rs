//! `copilot-api count-tokens` (being built in its own issue).

use crate::cli::CountTokensArgs;
use crate::{Context, ExitStatus};

/// Runs `count-tokens`.
pub async fn run(_ctx: &Context, _args: &CountTokensArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`count-tokens` is not implemented yet")
}
