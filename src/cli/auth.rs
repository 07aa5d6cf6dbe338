//! `copilot-api auth …`: device-flow sign-in, status, sign-out, and printing the token.

use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;

use crate::auth::device_flow::{DeviceFlow, DeviceFlowError};
use crate::auth::{self, store};
use crate::cli::{AuthCommand, AuthStatusArgs, DeviceCommand, LoginArgs};
use crate::providers::UpstreamError;
use crate::providers::copilot::github::GithubClient;
use crate::providers::copilot::token::TokenError;
use crate::providers::http::client as http_client;
use crate::settings::TokenSource;
use crate::{Context, ExitStatus};

/// Runs an `auth` subcommand.
pub(crate) async fn run(ctx: &Context, command: AuthCommand) -> anyhow::Result<ExitStatus> {
    match command {
        AuthCommand::Device(DeviceCommand::Login(args)) => login(ctx, &args).await,
        AuthCommand::Status(args) => status(ctx, &args).await,
        AuthCommand::Logout => logout(ctx),
        AuthCommand::Token => {
            let (token, _) = auth::require_github_token(&ctx.settings)?;
            ctx.printer.out(token)?;
            Ok(ExitStatus::Success)
        }
    }
}

async fn login(ctx: &Context, args: &LoginArgs) -> anyhow::Result<ExitStatus> {
    let printer = &ctx.printer;
    let http = http_client()?;
    let endpoints = &ctx.settings.endpoints;
    let flow = DeviceFlow::new(http.clone(), endpoints.github_url.clone());
    let code = flow
        .request_code()
        .await
        .context("cannot start GitHub sign-in")?;

    let bold = console::Style::new().bold().for_stderr();
    printer.always(format!(
        "First copy your one-time code: {}",
        bold.apply_to(&code.user_code)
    ));
    printer.always(format!("Then open {} and enter it.", code.verification_uri));
    if printer.interactive() {
        offer_code(
            ctx,
            &code.user_code,
            &code.verification_uri,
            args.no_browser,
        );
    }

    let spinner = printer.spinner("Waiting for authorisation on GitHub…");
    let poll = flow.poll(&code, |left| {
        spinner.set_message(format!(
            "Waiting for authorisation on GitHub… ({} left)",
            mm_ss(left)
        ));
    });
    let token = tokio::select! {
        result = poll => result,
        _ = tokio::signal::ctrl_c() => {
            spinner.finish_and_clear();
            printer.always("Sign-in cancelled.");
            return Ok(ExitStatus::Cancelled);
        }
    };
    spinner.finish_and_clear();
    let token = match token {
        Ok(token) => token,
        Err(
            err
            @ (DeviceFlowError::Expired | DeviceFlowError::Denied | DeviceFlowError::Refused(_)),
        ) => {
            return Err(err.into());
        }
        Err(DeviceFlowError::Upstream(err)) => {
            return Err(anyhow::Error::new(err).context("GitHub sign-in failed"));
        }
    };

    let github = GithubClient::new(http, endpoints.clone());
    let user = github
        .user(&token)
        .await
        .context("GitHub issued a token but did not accept it")?;
    let path = ctx.settings.token_path();
    store::write(&path, &token)?;
    let enterprise = ctx.settings.enterprise_path();
    match &ctx.settings.enterprise_host {
        Some(host) => store::write(&enterprise, host)?,
        None => {
            store::delete(&enterprise)?;
        }
    }
    printer.info(format!("Signed in as {}.", user.login));
    printer.info(format!("Token saved to {}", path.display()));
    Ok(ExitStatus::Success)
}

/// Copies the code to the clipboard and opens the browser, when a person is there to benefit.
fn offer_code(ctx: &Context, user_code: &str, uri: &str, no_browser: bool) {
    let printer = &ctx.printer;
    match arboard::Clipboard::new().and_then(|mut c| c.set_text(user_code.to_owned())) {
        Ok(()) => printer.info("(The code is on your clipboard.)"),
        Err(err) => tracing::debug!("clipboard unavailable: {err}"),
    }
    if no_browser || !has_display() {
        return;
    }
    if let Err(err) = open::that_detached(uri) {
        printer.warn(format!(
            "could not open a browser ({err}); open {uri} yourself"
        ));
    }
}

fn has_display() -> bool {
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

fn mm_ss(d: Duration) -> String {
    let secs = d.as_secs();
    format!("{}:{:02}", secs / 60, secs % 60)
}

async fn status(ctx: &Context, args: &AuthStatusArgs) -> anyhow::Result<ExitStatus> {
    let (token, source) = match auth::require_github_token(&ctx.settings) {
        Ok(found) => found,
        Err(err) => {
            let Some(exposed) = err.downcast_ref::<store::Exposed>() else {
                return Err(err);
            };
            // A status report, not a failure to run: say what is wrong and how to fix it.
            if args.json {
                ctx.printer.out(json!({
                    "signed_in": false,
                    "token_source": exposed.path.display().to_string(),
                    "token_file_mode": format!("{:04o}", exposed.mode),
                    "error": err.to_string(),
                }))?;
            } else {
                ctx.printer.out(format!("Not usable: {err}."))?;
            }
            return Ok(ExitStatus::Failure);
        }
    };
    let github = GithubClient::new(http_client()?, ctx.settings.endpoints.clone());
    let printer = &ctx.printer;
    let source_text = match &source {
        TokenSource::FlagOrEnv => "--github-token / COPILOT_API_GITHUB_TOKEN".to_owned(),
        TokenSource::File(path) => path.display().to_string(),
    };

    let user = match github.user(&token).await {
        Ok(user) => user,
        Err(err @ UpstreamError::Status { .. })
            if err.status().is_some_and(|s| s.as_u16() == 401) =>
        {
            if args.json {
                printer.out(json!({"signed_in": false, "token_source": source_text, "error": err.to_string()}))?;
            } else {
                printer.out(format!(
                    "The GitHub token from {source_text} is no longer valid ({err})."
                ))?;
                printer.out("Sign in again with `copilot-api auth device login`.")?;
            }
            return Ok(ExitStatus::Failure);
        }
        Err(err) => return Err(anyhow::Error::new(err).context("cannot check the GitHub token")),
    };
    let plan = github.copilot_user(&token).await.ok();
    let plan_name = plan
        .as_ref()
        .and_then(|p| p.get("copilot_plan"))
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    let copilot = github.copilot_token(&token).await.map_err(TokenError::from);

    if args.json {
        let copilot_json = match &copilot {
            Ok(t) => json!({
                "ok": true,
                "expires_at": t.expires_at,
                "api": ctx.settings.endpoints.copilot_base(t.endpoints.api.as_deref()),
            }),
            Err(err) => json!({"ok": false, "error": err.to_string()}),
        };
        printer.out(serde_json::to_string_pretty(&json!({
            "signed_in": true,
            "login": user.login,
            "name": user.name,
            "token_source": source_text,
            "github_api": ctx.settings.endpoints.github_api_url,
            "account_type": ctx.settings.account_type.as_str(),
            "copilot_plan": plan_name,
            "copilot_token": copilot_json,
        }))?)?;
    } else {
        let name = user
            .name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        printer.out(format!("Signed in as {}{name}", user.login))?;
        printer.out(format!("  GitHub token:  {source_text}"))?;
        printer.out(format!(
            "  GitHub API:    {}",
            ctx.settings.endpoints.github_api_url
        ))?;
        printer.out(format!(
            "  Copilot plan:  {}",
            plan_name.as_deref().unwrap_or("unknown")
        ))?;
        match &copilot {
            Ok(t) => {
                let base = ctx
                    .settings
                    .endpoints
                    .copilot_base(t.endpoints.api.as_deref());
                printer.out(format!("  Copilot token: ok (API {base})"))?;
            }
            Err(err) => printer.out(format!("  Copilot token: unavailable — {err}"))?,
        }
    }
    Ok(if copilot.is_ok() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn logout(ctx: &Context) -> anyhow::Result<ExitStatus> {
    let path = ctx.settings.token_path();
    store::delete(&ctx.settings.enterprise_path())?;
    if store::delete(&path)? {
        ctx.printer
            .info(format!("Signed out (removed {}).", path.display()));
    } else {
        ctx.printer.info("Not signed in; nothing to remove.");
    }
    if ctx.settings.github_token.is_some() {
        ctx.printer.warn(
            "a token is still given by --github-token / COPILOT_API_GITHUB_TOKEN and will be used",
        );
    }
    Ok(ExitStatus::Success)
}
