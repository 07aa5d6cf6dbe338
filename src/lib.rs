//! copilot-api: a local OpenAI- and Anthropic-compatible API server in front of GitHub Copilot,
//! plus the admin commands that use the same clients without the server.
//!
//! [`run`] is the one `match` over the subcommands. Exit codes (documented in the README):
//! 0 success; 1 the command worked but the answer is "no" (a `count-tokens --max` limit was
//! exceeded, `auth status` found the sign-in unusable); 2 an error (bad usage, not signed in,
//! network or upstream failure, invalid input); 130 cancelled with Ctrl-C.

pub(crate) mod auth;
#[doc(hidden)]
pub mod bench;
pub mod cli;
#[doc(hidden)]
pub mod fuzz;
pub(crate) mod keys;
pub(crate) mod ledger;
#[doc(hidden)]
pub mod logs;
pub mod memory;
pub(crate) mod output;
pub(crate) mod providers;
pub(crate) mod routing;
pub(crate) mod server;
pub(crate) mod session;
pub(crate) mod settings;
pub mod tokens;
pub mod translate;

use std::process::ExitCode;

pub use settings::env::{Env, EnvVars};

use cli::{Cli, Command};
use output::{Printer, Verbosity};
use settings::GlobalSettings;
use settings::file::FileConfig;

/// How a command ended, mapped to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0.
    Success,
    /// 1: the command ran, the answer is negative.
    Failure,
    /// 2: an error.
    Error,
    /// 130: interrupted.
    Cancelled,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Cancelled => ExitCode::from(130),
        }
    }
}

/// What every command receives.
#[derive(Debug)]
pub(crate) struct Context {
    /// Output.
    pub(crate) printer: Printer,
    /// Environment snapshot.
    pub env: Env,
    /// Resolved shared settings.
    pub settings: GlobalSettings,
    /// The loaded config file, if any.
    pub file: Option<FileConfig>,
}

/// Runs the parsed command line.
pub async fn run(cli: Cli, env: Env) -> anyhow::Result<ExitStatus> {
    let verbosity = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, _) => Verbosity::Verbose,
    };
    let color = !cli.global.no_color && !env.is_set(EnvVars::NO_COLOR);
    let printer = Printer::new(verbosity, color);

    // Commands that need no settings at all.
    match &cli.command {
        Command::Completions(args) => return cli::generate::completions(&printer, args),
        Command::Generate(args) => return cli::generate::generate(&printer, args),
        _ => {}
    }

    // `doctor` reports a config file it cannot load instead of stopping at it.
    let (loaded, config_error) = match settings::file::load(cli.global.config.as_deref()) {
        Ok(loaded) => (loaded, None),
        Err(err) if matches!(cli.command, Command::Doctor(_)) => (None, Some(err)),
        Err(err) => return Err(err),
    };
    let (config_path, file) = match loaded {
        Some((path, file)) => (Some(path), Some(file)),
        None => (None, None),
    };
    let mut settings = GlobalSettings::resolve(&cli.global, &env, file.as_ref())?;
    settings.config_file = config_path;
    let ctx = Context {
        printer,
        env,
        settings,
        file,
    };

    match cli.command {
        Command::Auth(command) => cli::auth::run(&ctx, command).await,
        Command::Start(args) => cli::start::run(&ctx, &args).await,
        Command::Models(args) => cli::models::run(&ctx, &args).await,
        Command::Usage(args) => cli::usage::run(&ctx, &args).await,
        Command::CountTokens(args) => cli::count_tokens::run(&ctx, &args).await,
        Command::ClaudeCode(args) => cli::claude_code::run(&ctx, &args).await,
        Command::Doctor(args) => cli::doctor::run(&ctx, &args, config_error.as_ref()).await,
        Command::Keys(command) => cli::keys::run(&ctx, command),
        Command::Completions(_) | Command::Generate(_) => Ok(ExitStatus::Success),
    }
}
