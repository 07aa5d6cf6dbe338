//! `copilot-api doctor`: one line per check, each with what to do when it fails; exit 1 when
//! any check fails.
//!
//! Checks: the config file, the data directory, the proxy environment, the GitHub sign-in (and
//! the token file's mode), the Copilot token and API, each configured provider (reachable, key
//! accepted: one model-list call), the clock against GitHub's, and a running server's circuit
//! breakers when one answers on the configured port.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::cli::DoctorArgs;
use crate::providers::{Provider, http};
use crate::routing::Gateway;
use crate::settings::{DEFAULT_HOST, DEFAULT_PORT, TokenSource};
use crate::{Context, ExitStatus, auth, session};

/// How far the clock may be off before Copilot tokens (minutes-long) misbehave.
const MAX_SKEW: Duration = Duration::from_secs(120);

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
struct Check {
    check: String,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

#[derive(Default)]
struct Report(Vec<Check>);

impl Report {
    fn ok(&mut self, check: impl Into<String>, detail: impl Into<String>) {
        self.push(check, Status::Ok, detail, None);
    }

    fn warn(
        &mut self,
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.push(check, Status::Warn, detail, Some(fix.into()));
    }

    fn fail(
        &mut self,
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.push(check, Status::Fail, detail, Some(fix.into()));
    }

    fn push(
        &mut self,
        check: impl Into<String>,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Check {
            check: check.into(),
            status,
            detail: detail.into(),
            fix,
        });
    }
}

/// Runs `doctor`. `config_error` is why the config file could not be loaded, if it could not.
pub(crate) async fn run(
    ctx: &Context,
    args: &DoctorArgs,
    config_error: Option<&anyhow::Error>,
) -> anyhow::Result<ExitStatus> {
    let mut report = Report::default();
    let http = http::client()?;

    // The config file.
    let gateway =
        match (config_error, &ctx.settings.config_file) {
            (Some(err), _) => {
                report.fail(
                "config",
                format!("{err:#}").lines().next().unwrap_or_default().to_owned(),
                "fix the file at the line named (unknown keys are errors), then run doctor again",
            );
                None
            }
            (None, path) => match Gateway::build(ctx.file.as_ref(), &ctx.env, None, &http) {
                Ok(gateway) => {
                    let where_ = path.as_ref().map_or_else(
                        || "no config file (defaults)".to_owned(),
                        |p| p.display().to_string(),
                    );
                    report.ok(
                        "config",
                        format!(
                            "{where_}: {} providers besides Copilot, {} routes",
                            gateway.providers.len(),
                            gateway.route_count()
                        ),
                    );
                    Some(gateway)
                }
                Err(err) => {
                    report.fail(
                        "config",
                        format!("{err:#}"),
                        "fix the [providers] / [[routes]] entry named, then run doctor again",
                    );
                    None
                }
            },
        };

    // The data directory.
    let dir = &ctx.settings.data_dir;
    match auth::store::create_private_dir(dir).and_then(|()| {
        tempfile::NamedTempFile::new_in(dir)
            .map(drop)
            .map_err(anyhow::Error::from)
    }) {
        Ok(()) => report.ok("data directory", format!("{} is writable", dir.display())),
        Err(err) => report.fail(
            "data directory",
            format!("{} is not writable: {err:#}", dir.display()),
            format!(
                "make it writable (chmod u+rwx {}) or set COPILOT_API_HOME",
                dir.display()
            ),
        ),
    }

    // The usage ledger: opens, and its schema is one this binary knows.
    let ledger = dir.join(crate::ledger::FILE);
    if ctx.file.as_ref().and_then(|f| f.ledger.enabled) == Some(false) {
        report.ok(
            "ledger",
            "turned off in the config ([ledger] enabled = false)",
        );
    } else if !ledger.exists() {
        report.ok(
            "ledger",
            format!(
                "{} will be created by `copilot-api start`",
                ledger.display()
            ),
        );
    } else {
        match crate::ledger::store::Reader::open(&ledger) {
            Ok(_) => report.ok("ledger", format!("{} opens", ledger.display())),
            Err(err) => report.fail(
                "ledger",
                format!("{err:#}"),
                format!(
                    "move {} away (the server starts a new one) or update copilot-api",
                    ledger.display()
                ),
            ),
        }
    }

    // Proxy environment (names and hosts only: a proxy URL may carry a password).
    let proxies: Vec<String> = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ]
    .iter()
    .filter_map(|name| {
        ctx.env
            .get(name)
            .map(|value| format!("{name}={}", without_userinfo(value)))
    })
    .collect();
    if proxies.is_empty() {
        report.ok("proxy", "no proxy variables set; connecting directly");
    } else {
        report.ok("proxy", proxies.join(" "));
    }

    // GitHub sign-in and Copilot.
    let mut date_header = None;
    match auth::github_token(&ctx.settings) {
        Err(err) => report.fail(
            "sign-in",
            format!("{err:#}"),
            "see the message: fix the token file's mode, or sign in again with `copilot-api auth device login`",
        ),
        Ok(None) => {
            let fix = "run `copilot-api auth device login`";
            if gateway.as_ref().is_some_and(|g| !g.providers.is_empty()) {
                report.warn("sign-in", "not signed in to GitHub: Copilot is not available", fix);
            } else {
                report.fail("sign-in", "not signed in to GitHub and no other provider configured", fix);
            }
        }
        Ok(Some((token, source))) => {
            let source = match &source {
                TokenSource::FlagOrEnv => "--github-token / COPILOT_API_GITHUB_TOKEN".to_owned(),
                TokenSource::File(path) => path.display().to_string(),
            };
            let (github, _) = session::github(ctx)?;
            date_header = github_date(&http, &ctx.settings.endpoints.github_api_url).await;
            match github.user(&token).await {
                Ok(user) => report.ok("sign-in", format!("GitHub user {} (token from {source})", user.login)),
                Err(err) => report.fail(
                    "sign-in",
                    format!("GitHub refused the token from {source}: {err}"),
                    "sign in again with `copilot-api auth device login`",
                ),
            }
            match session::connect(ctx).await {
                Ok(copilot) => {
                    let base = copilot.base_url();
                    match Provider::Copilot(std::sync::Arc::new(copilot)).probe().await {
                        Ok(n) => report.ok(
                            "copilot",
                            format!("token issued; API {base} lists {} models", n.unwrap_or(0)),
                        ),
                        Err(err) => report.fail(
                            "copilot",
                            format!("token issued, but the API at {base} failed: {err}"),
                            "check the network or proxy; `copilot-api models --refresh -v` shows the call",
                        ),
                    }
                }
                Err(err) => report.fail(
                    "copilot",
                    format!("{err:#}"),
                    "a Copilot subscription is needed for this GitHub account; sign in with the account that has one",
                ),
            }
        }
    }

    // Each configured provider.
    if let Some(gateway) = &gateway {
        let probes = futures_util::future::join_all(
            gateway
                .providers
                .iter()
                .map(|p| async move { (p, p.probe().await) }),
        )
        .await;
        for (provider, result) in probes {
            let check = format!("provider {}", provider.name());
            let kind = provider.kind().as_str();
            match result {
                Ok(Some(n)) => report.ok(check, format!("{kind}: reachable, key accepted, {n} models listed")),
                Ok(None) => report.ok(check, format!("{kind}: reachable, key accepted (no model list there; using the configured `models`)")),
                Err(err @ crate::providers::UpstreamError::Status { .. })
                    if err.status().is_some_and(|s| matches!(s.as_u16(), 401 | 403)) =>
                {
                    report.fail(check, format!("{kind}: the key was refused: {err}"), format!("check `api_key` in [providers.{}] (and the environment variable it names)", provider.name()));
                }
                Err(err) => report.fail(
                    check,
                    format!("{kind}: {err}"),
                    format!("check `base_url` in [providers.{}], the network and the proxy", provider.name()),
                ),
            }
        }
    }

    // Clock skew against GitHub's Date header.
    match date_header {
        Some(remote) => {
            let skew = match SystemTime::now().duration_since(remote) {
                Ok(ahead) => ahead,
                Err(behind) => behind.duration(),
            };
            if skew > MAX_SKEW {
                report.fail(
                    "clock",
                    format!("this machine's clock is {}s off GitHub's", skew.as_secs()),
                    "turn on network time synchronisation (Copilot tokens last minutes)",
                );
            } else {
                report.ok("clock", format!("within {}s of GitHub's", skew.as_secs()));
            }
        }
        None => report.warn("clock", "could not read GitHub's time", "check the network"),
    }

    // A running server's breakers.
    let (host, port) = ctx
        .file
        .as_ref()
        .map_or((None, None), |f| (f.server.host.clone(), f.server.port));
    let host = host.unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let host = if host == "0.0.0.0" || host == "::" {
        DEFAULT_HOST.to_owned()
    } else {
        host
    };
    let url = format!("http://{host}:{}/health", port.unwrap_or(DEFAULT_PORT));
    if let Some(health) = running_server(&url).await {
        let open: Vec<String> = health["breakers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["state"] != "closed")
            .map(|b| {
                format!(
                    "{}/{} {}",
                    b["provider"].as_str().unwrap_or("?"),
                    b["model"].as_str().unwrap_or("?"),
                    b["state"].as_str().unwrap_or("?")
                )
            })
            .collect();
        if open.is_empty() {
            report.ok("server", format!("running at {url}; every circuit closed"));
        } else {
            report.warn(
                "server",
                format!("running at {url}; circuits not closed: {}", open.join(", ")),
                "those targets failed repeatedly; they are retried after their cooldown",
            );
        }
    }

    let failed = report.0.iter().any(|c| c.status == Status::Fail);
    if args.json {
        ctx.printer.out(serde_json::to_string_pretty(&report.0)?)?;
    } else {
        for check in &report.0 {
            let mark = match check.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            let mut line = format!("{mark} {}: {}", check.check, check.detail);
            if let Some(fix) = &check.fix {
                line.push_str(&format!(" — {fix}"));
            }
            ctx.printer.out(line)?;
        }
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// GitHub's idea of the time: the `Date` of any API answer.
async fn github_date(http: &reqwest::Client, api: &str) -> Option<SystemTime> {
    let response = http
        .get(format!("{api}/"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    let date = response
        .headers()
        .get(reqwest::header::DATE)?
        .to_str()
        .ok()?;
    httpdate(date)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form HTTP/1.1 servers
/// send.
fn httpdate(text: &str) -> Option<SystemTime> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(*m) == parts.clone().next())? as u64
        + 1;
    let _ = parts.next();
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|n| n.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    // Days from 1970-01-01 (civil-from-days inverse, Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = (y - era * 400) as u64;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe as i64 - 719_468;
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + s;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// `/health` of a server answering at `url`, if one does.
async fn running_server(url: &str) -> Option<Value> {
    let client = reqwest::Client::builder().no_proxy().build().ok()?;
    let response = client
        .get(url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .ok()?;
    response.json().await.ok()
}

/// A proxy URL without `user:password@`.
fn without_userinfo(value: &str) -> String {
    match reqwest::Url::parse(value) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_and_proxy_passwords() {
        let t = httpdate("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        assert_eq!(
            httpdate("Thu, 03 Dec 2026 22:27:09 GMT")
                .unwrap()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_796_336_829
        );
        assert!(httpdate("garbage").is_none());
        assert_eq!(
            without_userinfo("http://me:secret@proxy.lan:3128"),
            "http://proxy.lan:3128/"
        );
    }
}
