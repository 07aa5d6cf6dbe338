//! `copilot-api usage`: Copilot plan, quota reset date and quota bars.

use anyhow::Context as _;
use serde_json::Value;

use crate::cli::UsageArgs;
use crate::{Context, ExitStatus, session};

/// Runs `usage`.
pub(crate) async fn run(ctx: &Context, args: &UsageArgs) -> anyhow::Result<ExitStatus> {
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
    Ok(ExitStatus::Success)
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
