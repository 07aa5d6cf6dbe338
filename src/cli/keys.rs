//! `copilot-api keys add | list | remove`: named API keys for the server.

use serde_json::json;

use crate::cli::KeysCommand;
use crate::keys;
use crate::{Context, ExitStatus};

/// Runs a `keys` subcommand.
pub(crate) fn run(ctx: &Context, command: KeysCommand) -> anyhow::Result<ExitStatus> {
    let path = ctx.settings.data_dir.join(keys::FILE);
    let p = &ctx.printer;
    match command {
        KeysCommand::Add(args) => {
            let key = keys::add(&path, &args.name, args.rpm, args.daily_credits)?;
            // The one time the key is shown; everything else goes to stderr so the key can be
            // captured alone: KEY=$(copilot-api keys add ci).
            p.out(&key)?;
            p.info(format!(
                "Key `{}` created. It is shown only now; copilot-api keeps only its hash in {}.",
                args.name,
                path.display()
            ));
            p.info("A running server accepts it within a second; from now on every API route needs a key.");
            Ok(ExitStatus::Success)
        }
        KeysCommand::List(args) => {
            let list = keys::load(&path)?;
            let last_used = last_used(ctx);
            if args.json {
                let out: Vec<_> = list
                    .iter()
                    .map(|k| {
                        json!({
                            "name": k.name,
                            "rpm": k.rpm,
                            "daily_credits": k.daily_credits,
                            "created_ms": k.created_ms,
                            "last_used_ms": last_used.iter().find(|(n, _)| *n == k.name).map(|(_, t)| t),
                        })
                    })
                    .collect();
                p.out(serde_json::to_string_pretty(&out)?)?;
                return Ok(ExitStatus::Success);
            }
            if list.is_empty() {
                p.info("No named keys. `copilot-api keys add NAME` creates one.");
                return Ok(ExitStatus::Success);
            }
            p.out(format!(
                "{:<24} {:>6} {:>14}  {:<20}  {}",
                "NAME", "RPM", "DAILY CREDITS", "CREATED (UTC)", "LAST USED (UTC)"
            ))?;
            for k in &list {
                let used = last_used
                    .iter()
                    .find(|(n, _)| *n == k.name)
                    .map_or_else(|| "never".to_owned(), |(_, t)| when(*t));
                p.out(format!(
                    "{:<24} {:>6} {:>14}  {:<20}  {used}",
                    k.name,
                    k.rpm.map_or_else(|| "-".to_owned(), |n| n.to_string()),
                    k.daily_credits
                        .map_or_else(|| "-".to_owned(), |n| n.to_string()),
                    when(k.created_ms),
                ))?;
            }
            Ok(ExitStatus::Success)
        }
        KeysCommand::Remove(args) => {
            if keys::remove(&path, &args.name)? {
                p.info(format!("Key `{}` removed.", args.name));
                Ok(ExitStatus::Success)
            } else {
                anyhow::bail!(
                    "no key named `{}` (`copilot-api keys list` shows them)",
                    args.name
                )
            }
        }
    }
}

/// `YYYY-MM-DD HH:MM` (UTC).
fn when(ts_ms: i64) -> String {
    let day = crate::ledger::store::day(ts_ms);
    let secs = ts_ms.div_euclid(1000).rem_euclid(86_400);
    format!("{day} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// The last request of each key, from the ledger (empty without one).
fn last_used(ctx: &Context) -> Vec<(String, i64)> {
    crate::ledger::store::Reader::open(&ctx.settings.data_dir.join(crate::ledger::FILE))
        .and_then(|r| r.last_used_by_key())
        .unwrap_or_default()
}
