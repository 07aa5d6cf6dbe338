//! `copilot-api start`: resolves the server settings, signs in, loads the model list, binds the
//! listener and serves until Ctrl-C / SIGTERM.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::cli::StartArgs;
use crate::cli::claude_code;
use crate::server::approval::Approver;
use crate::server::limit::RateLimiter;
use crate::server::state::Inner;
use crate::server::{self, AppState};
use crate::settings::StartSettings;
use crate::{Context, ExitStatus, session};

/// Runs `start`.
pub(crate) async fn run(ctx: &Context, args: &StartArgs) -> anyhow::Result<ExitStatus> {
    let settings = StartSettings::resolve(args, ctx.file.as_ref())?;
    if args.print_settings {
        let dump = json!({ "global": &ctx.settings, "start": &settings });
        ctx.printer.out(serde_json::to_string_pretty(&dump)?)?;
        return Ok(ExitStatus::Success);
    }
    if (settings.manual || settings.claude_code) && !ctx.printer.interactive() {
        let flag = if settings.manual {
            "--manual"
        } else {
            "--claude-code"
        };
        bail!("{flag} needs an interactive terminal (stdin and stderr must be a TTY)");
    }
    let started = Instant::now();
    let copilot = session::connect(ctx).await?;
    let user = {
        let tokens = copilot.tokens();
        tokens
            .github()
            .user(tokens.github_token())
            .await
            .context("cannot check the GitHub account")?
    };
    let models = copilot
        .models(false)
        .await
        .context("cannot load the model list")?;

    let addr = SocketAddr::new(settings.host, settings.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener
        .local_addr()
        .context("cannot read the listening address")?;
    let url = claude_code::base_url(&local.ip().to_string(), local.port());

    let p = &ctx.printer;
    p.info(format!(
        "Signed in as {} ({} plan)",
        user.login,
        ctx.settings.account_type.as_str()
    ));
    p.info(format!("Copilot API: {}", copilot.base_url()));
    let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
    p.info(format!("Models ({}): {}", ids.len(), ids.join(", ")));
    if let Some(spacing) = settings.rate_limit {
        let mode = if settings.wait {
            "queueing"
        } else {
            "answering 429"
        };
        p.info(format!(
            "Rate limit: one request every {:.1}s ({mode})",
            spacing.as_secs_f64()
        ));
    }
    if settings.api_key.is_some() {
        p.info("API key required (x-api-key or Authorization: Bearer)");
    }
    if !settings.host.is_loopback() {
        p.warn(format!(
            "listening on {} — reachable from other machines",
            settings.host
        ));
    }
    let shutdown = shutdown_signal();
    p.always(format!(
        "Listening on {url} (ready in {} ms)",
        started.elapsed().as_millis()
    ));

    let chat_ids: Vec<String> = models
        .iter()
        .filter(|m| !m.is_embeddings())
        .map(|m| m.id.clone())
        .collect();
    if settings.claude_code {
        let (main, small) = claude_code::pick_models(ctx, &chat_ids, None, None, false)?;
        let token = settings.api_key.as_deref().unwrap_or("dummy");
        let opus = claude_code::newest(&chat_ids, "opus");
        let vars = claude_code::env_vars(&url, token, &main, &small, opus.as_deref());
        claude_code::present(
            ctx,
            &claude_code::render(claude_code::detect_shell(&ctx.env), &vars),
        )?;
    } else {
        p.info(format!(
            "Claude Code: run `copilot-api claude-code --port {}` for the launch command",
            local.port()
        ));
    }

    let state = AppState::new(Inner {
        copilot,
        limiter: RateLimiter::new(settings.rate_limit, settings.wait),
        approver: settings.manual.then(Approver::default),
        settings,
        login: user.login,
        started,
        aliases: ctx.settings.model_aliases.clone(),
    });
    crate::memory::release_start_up_memory();
    server::serve(listener, state, shutdown).await?;
    p.info("Stopped.");
    Ok(ExitStatus::Success)
}

/// Starts listening for Ctrl-C and SIGTERM at once (not when first polled: a signal that
/// arrives between "Listening on" and the server's first poll must still shut it down
/// cleanly), and resolves when one arrives.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        [SignalKind::interrupt(), SignalKind::terminate()].map(|kind| signal(kind).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let [interrupt, terminate] = signals;
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {},
                () = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: no new connections; finishing in-flight requests");
    }
}
