//! The `copilot-api` binary: parses the command line, sets up logging and the runtime, runs the
//! command, and turns the outcome into the process exit code. Nothing else lives here.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use copilot_api::cli::{Cli, Command};
use copilot_api::{Env, EnvVars};
use copilot_api::{ExitStatus, run};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Start(_)) {
        // Before start-up allocates: the whole life of the proxy runs with one heap setting.
        copilot_api::memory::tune_heap_for_serving();
    }
    let env = Env::from_process();
    init_tracing(&cli, &env);
    // A panic is one log line (the server turns a handler's panic into a 500 and goes on).
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(
            "internal error{place}: {} (a bug in copilot-api: please report it)",
            message.replace('\n', " ")
        );
    }));
    let runtime = match runtime(&env) {
        Ok(runtime) => runtime,
        Err(err) => return report(&err),
    };
    let result = runtime.block_on(run(cli, env));
    // Do not wait for stray blocking tasks (e.g. a prompt thread) on the way out.
    runtime.shutdown_background();
    match result {
        Ok(status) => status.into(),
        Err(err) => report(&err),
    }
}

/// The async runtime: one thread unless `COPILOT_API_THREADS` asks for more. A proxy spends its
/// time waiting on sockets; on one thread it needs no cross-thread wake-ups or work stealing,
/// which halves its CPU per request, and one core still relays thousands of requests a second.
/// Heavy work (token counting) goes to the blocking pool, so streams never stall behind it.
fn runtime(env: &Env) -> anyhow::Result<tokio::runtime::Runtime> {
    let threads = match env.get(EnvVars::THREADS) {
        None => 1,
        Some(value) => match value.trim().parse::<usize>() {
            Ok(n @ 1..=256) => n,
            _ => anyhow::bail!(
                "{} must be a whole number from 1 to 256 (got `{value}`)",
                EnvVars::THREADS
            ),
        },
    };
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    builder
        .enable_all()
        .build()
        .map_err(|err| anyhow::anyhow!("cannot start the async runtime: {err}"))
}

/// Prints an error as one line (cause chain joined with ": ") and picks the exit code.
fn report(err: &anyhow::Error) -> ExitCode {
    // A closed stdout (e.g. `copilot-api models | head -1`) is not an error.
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitStatus::Success.into();
    }
    let style = console::Style::new().red().bold().for_stderr();
    #[expect(
        clippy::print_stderr,
        reason = "the single place a fatal error is shown"
    )]
    {
        eprintln!("{} {err:#}", style.apply_to("error:"));
    }
    ExitStatus::Error.into()
}

fn init_tracing(cli: &Cli, env: &Env) {
    let default = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => "error",
        (false, 0) if matches!(cli.command, Command::Start(_)) => "info",
        (false, 0) => "warn",
        (false, 1) => "copilot_api=debug,info",
        (false, _) => "copilot_api=trace,debug",
    };
    // The certificate verifier logs its own error line for a certificate it refuses; the
    // failed call reports the same cause in one line, so below `-vv` the verifier stays quiet.
    let default = if cli.global.quiet || cli.global.verbose < 2 {
        format!("{default},rustls_platform_verifier=off")
    } else {
        default.to_owned()
    };
    let filter = env
        .get(EnvVars::RUST_LOG)
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let color =
        !cli.global.no_color && !env.is_set(EnvVars::NO_COLOR) && std::io::stderr().is_terminal();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(copilot_api::logs::Stderr)
        .with_target(false)
        .with_ansi(color)
        .try_init();
}
