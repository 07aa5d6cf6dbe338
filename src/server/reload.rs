//! Hot reload of the config file: providers, routes, `[routing]` and `[model_aliases]`.
//!
//! The file is checked every [`POLL`] (its modification time and size; the content decides)
//! and on `SIGHUP`. Polling rather than a platform file watcher: one `stat` every half second
//! costs nothing, and it sees every way a file gets replaced (editors that write a new file
//! and rename it, network file systems, a file created after start-up) without per-platform
//! event handling.
//!
//! A valid new file becomes a new [`Gateway`] swapped in whole: requests in flight finish on
//! the gateway they started with, new requests get the new one, nothing is dropped.
//! Providers whose table did not change are kept as they were (with their catalogues); the
//! circuit breakers outlive every reload. An invalid file is refused with one log line naming
//! the line and key, and the old config stays in force. `[server]` settings (port, key, …)
//! are read at start-up only; a change to them is logged as needing a restart.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::AppState;
use crate::routing::Gateway;
use crate::settings::env::Env;
use crate::settings::file::{self, FileConfig};

/// How often the file is looked at.
pub(crate) const POLL: Duration = Duration::from_millis(500);

/// What was last seen of the file: its modification time, size and text.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    modified: Option<SystemTime>,
    len: u64,
    text: Option<String>,
}

/// Watches `path` and reloads on change or `SIGHUP`, until dropped (the caller aborts it).
pub(crate) async fn watch(
    state: AppState,
    path: PathBuf,
    env: Env,
    http: reqwest::Client,
    server_at_start: Option<file::ServerConfig>,
) {
    let mut seen = look(&path, true);
    let mut hangup = hangup();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = tick.tick() => false,
            () = next_signal(&mut hangup) => true,
        };
        let now = look(&path, false);
        let changed = now.modified != seen.modified || now.len != seen.len;
        if !changed && !forced {
            continue;
        }
        let now = look(&path, true);
        if now.text == seen.text && !forced {
            seen = now;
            continue;
        }
        if forced {
            tracing::info!("SIGHUP: reloading {}", path.display());
        }
        let text = now.text.clone().unwrap_or_default();
        seen = now;
        match reload(&state, &text, &env, &http) {
            Ok((gateway, file)) => {
                let routes = gateway.route_count();
                let providers = gateway.providers.len();
                state.replace_gateway(gateway);
                tracing::info!(
                    "config reloaded from {}: {providers} providers, {routes} routes",
                    path.display()
                );
                if file.server != server_at_start.clone().unwrap_or_default() {
                    tracing::warn!(
                        "[server] settings in {} changed; they take effect at the next start",
                        path.display()
                    );
                }
            }
            Err(err) => tracing::warn!(
                "config reload refused, keeping the current config: {}: {}",
                path.display(),
                one_line(&format!("{err:#}"))
            ),
        }
    }
}

/// Parses and builds; nothing is swapped on error.
fn reload(
    state: &AppState,
    text: &str,
    env: &Env,
    http: &reqwest::Client,
) -> anyhow::Result<(Gateway, FileConfig)> {
    let config = file::parse(text)?;
    let previous = state.gateway();
    let gateway = Gateway::rebuild(
        Some(&config),
        env,
        state.copilot.clone(),
        http,
        Some(&previous),
    )?;
    Ok((gateway, config))
}

fn look(path: &std::path::Path, read: bool) -> Seen {
    let meta = std::fs::metadata(path).ok();
    Seen {
        modified: meta.as_ref().and_then(|m| m.modified().ok()),
        len: meta.as_ref().map_or(0, std::fs::Metadata::len),
        text: if read {
            std::fs::read_to_string(path).ok()
        } else {
            None
        },
    }
}

/// toml's messages span several lines (a snippet with a caret); a log line keeps the location
/// and the message.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with('|')
                && !l.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .collect();
    lines.join(" ")
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

fn hangup() -> Hangup {
    #[cfg(unix)]
    {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
    }
}

async fn next_signal(hangup: &mut Hangup) {
    #[cfg(unix)]
    {
        match hangup {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        let () = hangup;
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_fit_on_one_line() {
        let err = file::parse("[server]\nprot = 1\n").unwrap_err();
        let line = one_line(&format!("{err:#}"));
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("line 2") && line.contains("prot"), "{line}");
    }
}
