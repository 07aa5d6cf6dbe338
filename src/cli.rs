//! The command line: clap derive types only.
//!
//! Nothing here decides anything; `settings.rs` turns these `*Args` (plus the environment
//! snapshot and the config file) into resolved settings. Every `///` comment is help text.
//! Options that can also come from the config file are `Option<_>` without a clap default, so
//! `settings.rs` can tell "given" from "defaulted".

pub(crate) mod auth;
pub(crate) mod claude_code;
pub(crate) mod count_tokens;
pub(crate) mod doctor;
pub(crate) mod generate;
pub(crate) mod keys;
pub(crate) mod models;
pub(crate) mod start;
pub(crate) mod usage;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::settings::env::EnvVars;

/// Turn a GitHub Copilot subscription into a local OpenAI- and Anthropic-compatible API.
#[derive(Debug, Parser)]
#[command(
    name = "copilot-api",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Read settings from this TOML file instead of the default location.
    #[arg(long, global = true, env = EnvVars::CONFIG, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Kind of Copilot plan; selects the Copilot API host when the token does not name one.
    #[arg(long, short = 'a', global = true, env = EnvVars::ACCOUNT_TYPE, value_enum)]
    pub account_type: Option<AccountType>,

    /// GitHub Enterprise host (e.g. `acme.ghe.com` or a GHE Server host) to sign in against.
    #[arg(long, global = true, env = EnvVars::ENTERPRISE_URL, value_name = "HOST")]
    pub enterprise_url: Option<String>,

    /// Use this GitHub OAuth token instead of the stored one.
    #[arg(
        long,
        short = 'g',
        global = true,
        env = EnvVars::GITHUB_TOKEN,
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub github_token: Option<String>,

    /// Show more detail (debug logs; twice for trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only results and errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    /// Disable colours (also honoured: the `NO_COLOR` environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// Copilot plan kinds, as GitHub names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    /// Copilot Individual, Pro or Pro+.
    Individual,
    /// Copilot Business.
    Business,
    /// Copilot Enterprise.
    Enterprise,
}

impl AccountType {
    /// The lowercase name used on the command line and in host names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Business => "business",
            Self::Enterprise => "enterprise",
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to GitHub, show who is signed in, or sign out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Run the local OpenAI + Anthropic compatible server (foreground).
    Start(StartArgs),
    /// List the models your Copilot plan offers.
    Models(ModelsArgs),
    /// Show your Copilot plan and quota usage.
    Usage(UsageArgs),
    /// Count the tokens of a text, OpenAI chat or Anthropic Messages request.
    CountTokens(CountTokensArgs),
    /// Print (or write) the environment that points Claude Code at a running copilot-api.
    ClaudeCode(ClaudeCodeArgs),
    /// Check the sign-in, Copilot, every provider, the config, the clock and the data
    /// directory; exit 1 when a check fails.
    Doctor(DoctorArgs),
    /// Named API keys for the server: add, list, remove.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Write the completion scripts and the man page into a directory (for packagers).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// `auth` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in with a GitHub device code.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Show who is signed in, where the token comes from, and whether Copilot accepts it.
    Status(AuthStatusArgs),
    /// Remove the stored GitHub token.
    Logout,
    /// Print the stored GitHub token (for scripts).
    Token,
}

/// `auth device` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Start the GitHub device flow and store the token.
    Login(LoginArgs),
}

/// Arguments of `auth device login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Do not open the verification page in a browser.
    #[arg(long)]
    pub no_browser: bool,
}

/// Arguments of `auth status`.
#[derive(Debug, Args)]
pub struct AuthStatusArgs {
    /// Print the status as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, short = 'p', env = EnvVars::PORT)]
    pub port: Option<u16>,

    /// Address to bind. Anything but loopback needs `--api-key` or `--allow-unauthenticated`.
    #[arg(long, env = EnvVars::HOST)]
    pub host: Option<String>,

    /// Require this key (as `x-api-key` or `Authorization: Bearer`) on every API route.
    #[arg(long, env = EnvVars::API_KEY, hide_env_values = true, value_name = "KEY")]
    pub api_key: Option<String>,

    /// Allow binding a non-loopback address without an API key.
    #[arg(long)]
    pub allow_unauthenticated: bool,

    /// Minimum seconds between upstream chat / messages / responses requests.
    #[arg(long, short = 'r', env = EnvVars::RATE_LIMIT, value_name = "SECONDS")]
    pub rate_limit: Option<f64>,

    /// When rate limited, queue requests instead of answering 429.
    #[arg(long, short = 'w')]
    pub wait: bool,

    /// Ask for confirmation in this terminal before each chat / messages / responses request.
    #[arg(long)]
    pub manual: bool,

    /// Pick models and print a command that launches Claude Code against this server.
    #[arg(long, short = 'c')]
    pub claude_code: bool,

    /// Seconds of upstream silence after which a translated stream gets a `ping` event.
    #[arg(long, env = EnvVars::PING_INTERVAL, value_name = "SECONDS")]
    pub ping_interval: Option<f64>,

    /// Also answer requests addressed to this host name (besides localhost and loopback IPs);
    /// repeatable. Web pages reaching the server through any other name are refused.
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_hosts: Vec<String>,

    /// Let web pages from this origin (e.g. `https://app.example`) call the server; repeatable.
    /// `*` allows every web page (unsafe: any site you open could use your account).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,

    /// Open client connections at most; at the cap the oldest idle one is closed for a new one
    /// [default: half the file-descriptor limit less 64, at most 4096].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,

    /// Seconds a client may take to send a request's head or body, or stay idle between
    /// requests, before it is disconnected [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub client_timeout: Option<f64>,

    /// Serve `GET /token` (the live Copilot token). Only for trusted local tools.
    #[arg(long)]
    pub expose_token: bool,

    /// Print the resolved settings as JSON and exit (for debugging configuration).
    #[arg(long, hide = true)]
    pub print_settings: bool,
}

/// Arguments of `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Print the normalised model list as JSON.
    #[arg(long)]
    pub json: bool,

    /// Ignore the cached catalogue and ask Copilot again.
    #[arg(long)]
    pub refresh: bool,

    /// Only this provider's models (`copilot` or a `[providers.NAME]`).
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
}

/// Arguments of `usage`.
#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Print JSON (GitHub's unchanged; with --local, the report).
    #[arg(long)]
    pub json: bool,

    /// Report from the local usage ledger instead (works offline and while the server runs).
    #[arg(long)]
    pub local: bool,

    /// Start of the period: `7d`, `12h`, `2026-12-01` or `2026-12-01T09:00` (UTC) [default: 30d].
    #[arg(long, value_name = "WHEN", requires = "local")]
    pub since: Option<String>,

    /// End of the period (same forms) [default: now].
    #[arg(long, value_name = "WHEN", requires = "local")]
    pub until: Option<String>,

    /// Group by model, provider, day, key or session.
    #[arg(long, value_enum, default_value = "model", requires = "local")]
    pub by: UsageBy,

    /// Print CSV.
    #[arg(long, requires = "local", conflicts_with = "json")]
    pub csv: bool,
}

/// Groupings of `usage --local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UsageBy {
    /// The model that answered.
    Model,
    /// The provider.
    Provider,
    /// UTC day.
    Day,
    /// The named API key.
    Key,
    /// The client's session.
    Session,
}

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a named key: prints it once, stores only its hash.
    Add(KeysAddArgs),
    /// List the named keys: names, limits, last use (never the keys).
    List(KeysListArgs),
    /// Delete a named key.
    Remove(KeysRemoveArgs),
}

/// Arguments of `keys add`.
#[derive(Debug, Args)]
pub struct KeysAddArgs {
    /// The key's name (letters, digits, - _ . @).
    pub name: String,
    /// Requests per minute at most.
    #[arg(long)]
    pub rpm: Option<u32>,
    /// AI credits per UTC day at most.
    #[arg(long, value_name = "N")]
    pub daily_credits: Option<f64>,
}

/// Arguments of `keys list`.
#[derive(Debug, Args)]
pub struct KeysListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `keys remove`.
#[derive(Debug, Args)]
pub struct KeysRemoveArgs {
    /// The key's name.
    pub name: String,
}

/// Arguments of `count-tokens`.
#[derive(Debug, Args)]
pub struct CountTokensArgs {
    /// Files to count; none or `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// How to read the input (default: detected).
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,

    /// Model whose tokenizer to use [default: the request's `model`, else gpt-4o].
    #[arg(long, short = 'm')]
    pub model: Option<String>,

    /// Tokenizer encoding, overriding the model's.
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,

    /// Print a JSON breakdown instead of bare numbers.
    #[arg(long)]
    pub json: bool,

    /// Exit 1 when any count exceeds N (the count is still printed).
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,

    /// The `anthropic-beta` header the request would carry (as the route counts it: Claude
    /// Code's `claude-code-…` betas exempt MCP tools from the tool overhead).
    #[arg(long, value_name = "BETAS")]
    pub beta: Option<String>,
}

/// Input formats of `count-tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Plain text.
    Text,
    /// An OpenAI chat completions request.
    Openai,
    /// An Anthropic Messages request.
    Anthropic,
}

/// Arguments of `claude-code`.
#[derive(Debug, Args)]
pub struct ClaudeCodeArgs {
    /// Port of the running copilot-api.
    #[arg(long, short = 'p', env = EnvVars::PORT)]
    pub port: Option<u16>,

    /// Host of the running copilot-api.
    #[arg(long, env = EnvVars::HOST)]
    pub host: Option<String>,

    /// Main model (skips the prompt).
    #[arg(long)]
    pub model: Option<String>,

    /// Small, fast model (skips the prompt).
    #[arg(long)]
    pub small_model: Option<String>,

    /// Shell syntax to print.
    #[arg(long, value_enum)]
    pub shell: Option<ShellKind>,

    /// Merge the env block into a Claude Code settings file instead of printing a command.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = ".claude/settings.json")]
    pub write_settings: Option<PathBuf>,

    /// Accept defaults instead of prompting.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Shells whose syntax `claude-code` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellKind {
    /// POSIX sh (also bash and zsh).
    Sh,
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Windows cmd.exe.
    Cmd,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory that receives `completions/` and `man/`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}
