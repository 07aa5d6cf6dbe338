//! `copilot-api start`: resolves the server settings, signs in, loads the model list, binds the
//! listener and serves until Ctrl-C / SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::cli::StartArgs;
use crate::cli::claude_code;
use crate::routing::Gateway;
use crate::routing::breaker::Breakers;
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
    let http = crate::providers::http::client()?;
    let configured = ctx.file.as_ref().is_some_and(|f| !f.providers.is_empty());
    // Copilot is implicit when signed in; without a sign-in the configured providers serve alone.
    let copilot = match session::connect_with(ctx, http.clone()).await {
        Ok(copilot) => Some(Arc::new(copilot)),
        Err(err) if configured && err.is::<crate::auth::NotSignedIn>() => None,
        Err(err) => return Err(err),
    };
    let login = match &copilot {
        Some(copilot) => {
            let tokens = copilot.tokens();
            Some(
                tokens
                    .github()
                    .user(tokens.github_token())
                    .await
                    .context("cannot check the GitHub account")?
                    .login,
            )
        }
        None => None,
    };
    let gateway =
        Gateway::build(ctx.file.as_ref(), &ctx.env, copilot.clone(), &http).context(match &ctx
            .settings
            .config_file
        {
            Some(path) => format!("invalid config file {}", path.display()),
            None => "invalid configuration".to_owned(),
        })?;
    if let Some(copilot) = &copilot {
        copilot
            .catalogue()
            .await
            .context("cannot load the model list")?;
    }
    // The other providers' lists load together; one that fails is reported and retried later,
    // never a reason not to start.
    let others = futures_util::future::join_all(
        gateway
            .providers
            .iter()
            .filter(|p| !matches!(***p, crate::providers::Provider::Copilot(_)))
            .map(|p| async move { (p, p.catalogue().await) }),
    )
    .await;

    let addr = SocketAddr::new(settings.host, settings.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener
        .local_addr()
        .context("cannot read the listening address")?;
    let url = claude_code::base_url(&local.ip().to_string(), local.port());

    let p = &ctx.printer;
    match (&login, &copilot) {
        (Some(login), Some(copilot)) => {
            p.info(format!(
                "Signed in as {login} ({} plan)",
                ctx.settings.account_type.as_str()
            ));
            p.info(format!("Copilot API: {}", copilot.base_url()));
        }
        _ => p.info("Copilot: not signed in; serving the configured providers only"),
    }
    for (provider, result) in &others {
        match result {
            Ok(list) => p.info(format!(
                "Provider {} ({}): {} models",
                provider.name(),
                provider.kind().as_str(),
                list.len()
            )),
            Err(err) => p.warn(format!(
                "provider {} ({}): cannot list its models yet ({err}); will retry",
                provider.name(),
                provider.kind().as_str()
            )),
        }
    }
    let models: Vec<crate::providers::ModelInfo> = gateway
        .providers
        .iter()
        .filter_map(|p| p.cached_catalogue())
        .flat_map(|list| list.iter().cloned().collect::<Vec<_>>())
        .collect();
    let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
    p.info(format!("Models ({}): {}", ids.len(), ids.join(", ")));
    if gateway.route_count() > 0 {
        p.info(format!("Routes: {}", gateway.route_count()));
    }
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
    // The usage ledger and what it already says about today's and this month's spending.
    let ledger_config = ctx.file.as_ref().map(|f| f.ledger).unwrap_or_default();
    let ledger = crate::ledger::Ledger::open(
        &ctx.settings.data_dir,
        &crate::ledger::Settings {
            enabled: ledger_config.enabled.unwrap_or(true),
            keep_days: ledger_config
                .keep_days
                .unwrap_or(crate::ledger::DEFAULT_KEEP_DAYS)
                .max(1),
            bodies: ledger_config.bodies.unwrap_or(false),
        },
    );
    let spend = spend_so_far(&ctx.settings.data_dir, ledger.enabled());
    let keys = crate::keys::Keys::open(&ctx.settings.data_dir)?;
    if keys.any() {
        p.info(format!(
            "API keys required ({} named)",
            keys.current().len()
        ));
    }
    let observe = Arc::new(crate::server::observe::Observe {
        ledger,
        spend,
        metrics: crate::server::metrics::Metrics::default(),
    });
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
        let opus =
            claude_code::newest(&chat_ids, "opus").map(|id| claude_code::for_claude_code(&id));
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
        copilot: copilot.clone(),
        limiter: RateLimiter::new(settings.rate_limit, settings.wait),
        approver: settings.manual.then(Approver::default),
        settings,
        login,
        started,
        gateway: std::sync::RwLock::new(Arc::new(gateway)),
        breakers: Breakers::default(),
        observe: Arc::clone(&observe),
        keys,
        conversations: Default::default(),
    });
    // The config file is watched for changes (and re-read on SIGHUP) while serving.
    let watcher = ctx
        .settings
        .config_file
        .clone()
        .or_else(crate::settings::file::default_path)
        .map(|path| {
            tokio::spawn(server::reload::watch(
                state.clone(),
                path,
                ctx.env.clone(),
                http.clone(),
                ctx.file.as_ref().map(|f| f.server.clone()),
            ))
        });
    // GitHub's quota numbers beside the ledger's estimate, now and every N minutes.
    let quota = match (&copilot, observe.ledger.enabled()) {
        (Some(copilot), true) => Some(tokio::spawn(snapshot_quota(
            Arc::clone(copilot),
            observe.ledger.status().path,
            std::time::Duration::from_secs(
                u64::from(ledger_config.quota_every_min.unwrap_or(30).max(1)) * 60,
            ),
        ))),
        _ => None,
    };
    crate::memory::release_free_memory();
    let served = server::serve(listener, state, shutdown).await;
    for task in [watcher, quota].into_iter().flatten() {
        task.abort();
    }
    // Rows of the last requests are written before the process ends.
    observe.ledger.close();
    served?;
    p.info("Stopped.");
    Ok(ExitStatus::Success)
}

/// Credits spent today and this month (UTC) per key, from the ledger's daily totals.
fn spend_so_far(data_dir: &std::path::Path, enabled: bool) -> crate::server::observe::Spend {
    let read = || -> anyhow::Result<_> {
        let reader = crate::ledger::store::Reader::open(&data_dir.join(crate::ledger::FILE))?;
        let today = crate::ledger::store::day(crate::ledger::now_ms());
        let month_start = format!("{}-01", &today[..7]);
        Ok((
            reader.credits_by_key(&today)?,
            reader.credits_by_key(&month_start)?,
        ))
    };
    match enabled.then(read) {
        Some(Ok((today, month))) => crate::server::observe::Spend::load(today, month),
        Some(Err(err)) => {
            tracing::debug!("budgets start from zero: {err:#}");
            crate::server::observe::Spend::default()
        }
        None => crate::server::observe::Spend::default(),
    }
}

/// Records GitHub's quota numbers in the ledger now and every `every`.
async fn snapshot_quota(
    copilot: Arc<crate::providers::copilot::CopilotClient>,
    ledger: std::path::PathBuf,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let tokens = copilot.tokens();
        match tokens.github().copilot_user(tokens.github_token()).await {
            Ok(snapshot) => {
                let path = ledger.clone();
                let saved = tokio::task::spawn_blocking(move || {
                    crate::ledger::store::save_quota(&path, &snapshot)
                })
                .await;
                if let Ok(Err(err)) = saved {
                    tracing::debug!("could not record the quota snapshot: {err:#}");
                }
            }
            Err(err) => tracing::debug!("could not read the quota for the ledger: {err}"),
        }
    }
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
            let [mut interrupt, mut terminate] = signals;
            tokio::select! {
                () = wait(&mut interrupt) => {},
                () = wait(&mut terminate) => {},
            }
            // A second signal while in-flight requests finish: exit at once.
            tokio::spawn(async move {
                tokio::select! {
                    () = wait(&mut interrupt) => {},
                    () = wait(&mut terminate) => {},
                }
                exit_now();
            });
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            tokio::spawn(async {
                let _ = tokio::signal::ctrl_c().await;
                exit_now();
            });
        }
        tracing::info!(
            "shutting down: no new connections; finishing in-flight requests (Ctrl-C again to exit now)"
        );
    }
}

#[cfg(unix)]
async fn wait(signal: &mut Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "a second Ctrl-C asks to skip the orderly shutdown"
)]
fn exit_now() {
    tracing::warn!("second signal: exiting now");
    std::process::exit(130);
}
