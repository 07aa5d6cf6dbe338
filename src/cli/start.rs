//! `copilot-api start`: resolves the server settings, signs in, loads the model list, binds the
//! listener and serves until Ctrl-C / SIGTERM.

use anyhow::Context as _;
use serde_json::json;

use crate::cli::StartArgs;
use crate::settings::StartSettings;
use crate::{Context, ExitStatus, session};

/// Runs `start`.
pub async fn run(ctx: &Context, args: &StartArgs) -> anyhow::Result<ExitStatus> {
    let settings = StartSettings::resolve(args, ctx.file.as_ref())?;
    if args.print_settings {
        let dump = json!({ "global": &ctx.settings, "start": &settings });
        ctx.printer.out(serde_json::to_string_pretty(&dump)?)?;
        return Ok(ExitStatus::Success);
    }
    let client = session::connect(ctx).await?;
    let models = client
        .models(false)
        .await
        .context("cannot load the model list")?;
    ctx.printer
        .info(format!("Available models: {}", models.len()));
    anyhow::bail!("the proxy server is not implemented yet")
}
