//! `copilot-api usage`: Copilot plan, quota reset date and quota bars, plus the ledger's
//! month-to-date credits; `--local` reports from the usage ledger alone (offline, and while
//! the server runs).

use anyhow::{Context as _, bail};
use clap::ValueEnum as _;
use serde_json::{Value, json};

use crate::cli::{UsageArgs, UsageBy};
use crate::ledger::store::{By, Group, Reader, day};
use crate::ledger::{FILE, now_ms};
use crate::{Context, ExitStatus, session};

/// Runs `usage`.
pub(crate) async fn run(ctx: &Context, args: &UsageArgs) -> anyhow::Result<ExitStatus> {
    if args.local {
        return local(ctx, args);
    }
    let (github, token) = session::github(ctx)?;
    let spinner = ctx.printer.spinner("Fetching usage…");
    let usage = github
        .copilot_user(&token)
        .await
        .context("cannot fetch Copilot usage");
    spinner.finish_and_clear();
    let usage = usage?;
    if args.json {
        ctx.printer.out(serde_json::to_string_pretty(&usage)?)?;
        return Ok(ExitStatus::Success);
    }
    for line in render(&usage) {
        ctx.printer.out(line)?;
    }
    // The ledger's estimate beside GitHub's numbers, when there is a ledger.
    if let Ok(reader) = Reader::open(&ctx.settings.data_dir.join(FILE)) {
        let today = day(now_ms());
        let month: f64 = reader
            .credits_by_day(&format!("{}-01", &today[..7]))
            .map(|days| days.iter().map(|(_, c, _)| c).sum())
            .unwrap_or(0.0);
        ctx.printer.out(String::new())?;
        ctx.printer.out(format!(
            "{:<18}{month:.2} AI credits this month (UTC), estimated from copilot-api's ledger",
            "Local ledger"
        ))?;
    }
    Ok(ExitStatus::Success)
}

/// Parses `7d`, `12h`, `30m`, `2026-12-01` or `2026-12-01T09:00` (UTC) into Unix ms.
pub(crate) fn parse_when(text: &str, now: i64) -> anyhow::Result<i64> {
    let text = text.trim();
    let relative = |unit: char, ms: i64| -> Option<i64> {
        let n: i64 = text.strip_suffix(unit)?.parse().ok()?;
        Some(now - n * ms)
    };
    if let Some(t) = relative('d', 86_400_000)
        .or_else(|| relative('h', 3_600_000))
        .or_else(|| relative('m', 60_000))
    {
        return Ok(t);
    }
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00"));
    let mut parts = date.split('-').map(|p| p.parse::<i64>());
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        bail!(
            "cannot read {text:?} as a time: use 7d, 12h, 30m, 2026-12-01 or 2026-12-01T09:00 (UTC)"
        );
    };
    let mut hm = time.split(':').map(|p| p.parse::<i64>());
    let (Some(Ok(h)), Some(Ok(min))) = (hm.next(), hm.next()) else {
        bail!("cannot read the time of {text:?}: use HH:MM");
    };
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(0..24).contains(&h)
        || !(0..60).contains(&min)
    {
        bail!("{text:?} is not a date");
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok((days * 86_400 + h * 3600 + min * 60) * 1000)
}

fn by(arg: UsageBy) -> By {
    match arg {
        UsageBy::Model => By::Model,
        UsageBy::Provider => By::Provider,
        UsageBy::Day => By::Day,
        UsageBy::Key => By::Key,
        UsageBy::Session => By::Session,
    }
}

/// `usage --local`.
fn local(ctx: &Context, args: &UsageArgs) -> anyhow::Result<ExitStatus> {
    let now = now_ms();
    let since = parse_when(args.since.as_deref().unwrap_or("30d"), now)?;
    let until = match &args.until {
        Some(text) => parse_when(text, now)?,
        None => now + 1,
    };
    if until <= since {
        bail!("--until must be after --since");
    }
    let reader = Reader::open(&ctx.settings.data_dir.join(FILE))?;
    let groups = reader.report(since, until, by(args.by))?;
    let quota = reader.latest_quota()?;
    let p = &ctx.printer;
    let title = match args.by {
        UsageBy::Model => "MODEL",
        UsageBy::Provider => "PROVIDER",
        UsageBy::Day => "DAY",
        UsageBy::Key => "KEY",
        UsageBy::Session => "SESSION",
    };
    if args.json {
        let quota = quota.map(|(ts, snapshot)| json!({"ts_ms": ts, "snapshot": snapshot}));
        p.out(serde_json::to_string_pretty(&json!({
            "since_ms": since,
            "until_ms": until,
            "by": args.by.to_possible_value().map(|v| v.get_name().to_owned()),
            "groups": groups,
            "quota": quota,
        }))?)?;
        return Ok(ExitStatus::Success);
    }
    if args.csv {
        p.out(format!(
            "{},requests,errors,tokens_in,tokens_out,cache_read,cache_write,credits,unpriced,premium_units,p50_ms,p95_ms",
            title.to_ascii_lowercase()
        ))?;
        for g in &groups {
            p.out(format!(
                "{},{},{},{},{},{},{},{:.4},{},{:.2},{},{}",
                csv(&g.key),
                g.requests,
                g.errors,
                g.tokens_in,
                g.tokens_out,
                g.cache_read,
                g.cache_write,
                g.credits,
                g.unpriced,
                g.premium_units,
                g.p50_ms.map_or(String::new(), |v| format!("{v:.0}")),
                g.p95_ms.map_or(String::new(), |v| format!("{v:.0}")),
            ))?;
        }
        return Ok(ExitStatus::Success);
    }
    if groups.is_empty() {
        p.out(format!(
            "No requests between {} and {} (UTC).",
            when(since),
            when(until)
        ))?;
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<[String; 9]> = groups
        .iter()
        .map(|g| {
            [
                if g.key.is_empty() {
                    "-".to_owned()
                } else {
                    g.key.clone()
                },
                g.requests.to_string(),
                g.errors.to_string(),
                g.tokens_in.to_string(),
                g.tokens_out.to_string(),
                g.cache_read.to_string(),
                credits(g),
                g.p50_ms.map_or("-".to_owned(), |v| format!("{v:.0}ms")),
                g.p95_ms.map_or("-".to_owned(), |v| format!("{v:.0}ms")),
            ]
        })
        .collect();
    let header = [
        title, "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "CACHED", "CREDITS", "P50", "P95",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(console::measure_text_width(cell));
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    p.out(line(&header.map(str::to_owned)))?;
    for row in &rows {
        p.out(line(row))?;
    }
    let total = Group {
        key: "total".into(),
        requests: groups.iter().map(|g| g.requests).sum(),
        credits: groups.iter().map(|g| g.credits).sum(),
        unpriced: groups.iter().map(|g| g.unpriced).sum(),
        premium_units: groups.iter().map(|g| g.premium_units).sum(),
        ..Group::default()
    };
    p.out(String::new())?;
    p.out(format!(
        "{} requests from {} to {} (UTC): {} AI credits",
        total.requests,
        when(since),
        when(until.min(now)),
        credits(&total)
    ))?;
    if total.premium_units > 0.0 {
        p.out(format!(
            "Premium requests (legacy request-based plans): {:.1}",
            total.premium_units
        ))?;
    }
    if let Some((ts, snapshot)) = quota {
        let used = snapshot
            .pointer("/quota_snapshots/premium_interactions")
            .and_then(|q| {
                let total = q.get("entitlement")?.as_f64()?;
                let remaining = q.get("remaining")?.as_f64()?;
                Some(total - remaining)
            });
        if let Some(used) = used {
            p.out(format!(
                "GitHub reported {used:.0} premium requests used at {} (the ledger counts {:.1} in this period; drift {:+.1})",
                when(ts),
                total.premium_units,
                total.premium_units - used
            ))?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Credits, with the unpriced requests named (never counted as 0).
fn credits(g: &Group) -> String {
    match g.unpriced {
        0 => format!("{:.2}", g.credits),
        _ if g.credits == 0.0 => "unpriced".to_owned(),
        u => format!("{:.2} (+{u} unpriced)", g.credits),
    }
}

fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn when(ts_ms: i64) -> String {
    let secs = ts_ms.div_euclid(1000).rem_euclid(86_400);
    format!("{} {:02}:{:02}", day(ts_ms), secs / 3600, secs % 3600 / 60)
}

/// The human-readable report.
pub(crate) fn render(usage: &Value) -> Vec<String> {
    let text = |key: &str| {
        usage
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned()
    };
    let mut lines = vec![
        format!("Plan:          {}", text("copilot_plan")),
        format!("Quota resets:  {}", text("quota_reset_date")),
        String::new(),
    ];
    let snapshots = usage.get("quota_snapshots");
    for (key, label) in [
        ("premium_interactions", "Premium requests"),
        ("chat", "Chat"),
        ("completions", "Completions"),
    ] {
        let line = match snapshots.and_then(|s| s.get(key)) {
            None | Some(Value::Null) => "n/a".to_owned(),
            Some(q) => quota_line(q),
        };
        lines.push(format!("{label:<18}{line}"));
    }
    lines
}

fn quota_line(q: &Value) -> String {
    let num = |k: &str| q.get(k).and_then(Value::as_f64);
    if q.get("unlimited").and_then(Value::as_bool).unwrap_or(false) {
        let green = console::Style::new().green();
        return format!("{} unlimited", green.apply_to("∞"));
    }
    let total = num("entitlement").unwrap_or(0.0);
    let remaining = num("remaining")
        .or_else(|| num("quota_remaining"))
        .unwrap_or(0.0);
    let used = (total - remaining).max(0.0);
    let percent = if total > 0.0 {
        used / total * 100.0
    } else {
        0.0
    };
    let filled = ((percent / 5.0).round() as usize).min(20);
    let style = match percent {
        p if p >= 90.0 => console::Style::new().red(),
        p if p >= 75.0 => console::Style::new().yellow(),
        _ => console::Style::new().green(),
    };
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(20 - filled));
    let overage = num("overage_count")
        .filter(|n| *n > 0.0)
        .map(|n| format!(", {n} over"))
        .unwrap_or_default();
    format!(
        "{}  {used}/{total} used ({percent:.1}%{overage})",
        style.apply_to(bar)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_relative_and_absolute() {
        let now = 1_796_336_829_000;
        assert_eq!(parse_when("1d", now).unwrap(), now - 86_400_000);
        assert_eq!(parse_when("2h", now).unwrap(), now - 7_200_000);
        assert_eq!(parse_when("2026-12-03", now).unwrap(), 1_796_256_000_000);
        assert_eq!(
            parse_when("2026-12-03T01:30", now).unwrap(),
            1_796_256_000_000 + 5_400_000
        );
        assert!(parse_when("yesterday", now).is_err());
        assert!(parse_when("2026-13-01", now).is_err());
    }

    #[test]
    fn renders_limited_and_unlimited_quotas() {
        console::set_colors_enabled(false);
        let usage = serde_json::json!({
            "copilot_plan": "individual",
            "quota_reset_date": "2026-12-01",
            "quota_snapshots": {
                "premium_interactions": {"entitlement": 300, "remaining": 120, "unlimited": false},
                "chat": {"entitlement": 0, "remaining": 0, "unlimited": true}
            }
        });
        let lines = render(&usage);
        assert_eq!(lines[0], "Plan:          individual");
        assert!(
            lines[3].starts_with("Premium requests  ████████████░░░░░░░░  180/300 used (60.0%)"),
            "{}",
            lines[3]
        );
        assert!(lines[4].ends_with("∞ unlimited"));
        assert!(lines[5].ends_with("n/a"));
    }
}
