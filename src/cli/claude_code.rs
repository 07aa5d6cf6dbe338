//! `copilot-api claude-code` (being built with the proxy issue).

use crate::cli::ClaudeCodeArgs;
use crate::{Context, ExitStatus};

/// Runs `claude-code`.
pub async fn run(_ctx: &Context, _args: &ClaudeCodeArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`claude-code` is not implemented yet")
}
