//! `copilot-api models`: the models the Copilot plan offers, as a table or normalised JSON.

use anyhow::Context as _;
use serde::Serialize;

use crate::auth::require_github_token;
use crate::cli::ModelsArgs;
use crate::providers::copilot::models::{self, Model};
use crate::{Context, ExitStatus, session};

/// The normalised view of a model (`--json`, and `/v1/models` extras).
#[derive(Debug, Serialize)]
pub(crate) struct ModelSummary<'a> {
    /// Model id.
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Vendor.
    pub vendor: Option<&'a str>,
    /// "chat" or "embeddings".
    #[serde(rename = "type")]
    pub kind: Option<&'a str>,
    /// Context window.
    pub context_window: Option<u64>,
    /// Maximum output tokens.
    pub max_output_tokens: Option<u64>,
    /// Maximum prompt tokens.
    pub max_prompt_tokens: Option<u64>,
    /// Tool calling.
    pub tool_calls: bool,
    /// Image input.
    pub vision: bool,
    /// Copilot endpoints serving it.
    pub supported_endpoints: &'a [String],
    /// Preview.
    pub preview: bool,
    /// Tokenizer.
    pub tokenizer: Option<&'a str>,
}

impl<'a> From<&'a Model> for ModelSummary<'a> {
    fn from(m: &'a Model) -> Self {
        let limits = &m.capabilities.limits;
        Self {
            id: &m.id,
            name: m.display_name(),
            vendor: m.vendor.as_deref(),
            kind: m.capabilities.kind.as_deref(),
            context_window: limits.max_context_window_tokens,
            max_output_tokens: limits.max_output_tokens,
            max_prompt_tokens: limits.max_prompt_tokens,
            tool_calls: m.supports("tool_calls"),
            vision: m.vision(),
            supported_endpoints: &m.supported_endpoints,
            preview: m.preview.unwrap_or(false),
            tokenizer: m.capabilities.tokenizer.as_deref(),
        }
    }
}

/// Runs `models`.
pub(crate) async fn run(ctx: &Context, args: &ModelsArgs) -> anyhow::Result<ExitStatus> {
    let (token, _) = require_github_token(&ctx.settings)?;
    let account = models::account_fingerprint(&token);
    let cached = (!args.refresh)
        .then(|| models::read_cache(&ctx.settings.data_dir, &account))
        .flatten();
    let list = match cached {
        Some(cached) => cached.models,
        None => {
            let client = session::connect(ctx).await?;
            let spinner = ctx.printer.spinner("Fetching models…");
            let list = client.models(true).await.context("cannot list models");
            spinner.finish_and_clear();
            list?.as_ref().clone()
        }
    };
    let mut list = list;
    list.sort_by(|a, b| a.id.cmp(&b.id));
    if args.json {
        let summaries: Vec<ModelSummary<'_>> = list.iter().map(ModelSummary::from).collect();
        ctx.printer.out(serde_json::to_string_pretty(&summaries)?)?;
        return Ok(ExitStatus::Success);
    }
    for line in table(&list) {
        ctx.printer.out(line)?;
    }
    Ok(ExitStatus::Success)
}

fn tokens(n: Option<u64>) -> String {
    match n {
        None => "-".to_owned(),
        Some(n) if n >= 1000 && n % 1000 == 0 => format!("{}k", n / 1000),
        Some(n) if n >= 1000 => format!("{:.1}k", n as f64 / 1000.0),
        Some(n) => n.to_string(),
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "-" }
}

/// Renders the model table, columns padded to their widest cell.
fn table(list: &[Model]) -> Vec<String> {
    let header = [
        "ID",
        "VENDOR",
        "CONTEXT",
        "OUTPUT",
        "TOOLS",
        "VISION",
        "ENDPOINTS",
        "PREVIEW",
    ];
    let rows: Vec<[String; 8]> = list
        .iter()
        .map(|m| {
            let s = ModelSummary::from(m);
            let endpoints = if s.supported_endpoints.is_empty() {
                s.kind.unwrap_or("-").to_owned()
            } else {
                s.supported_endpoints.join(",")
            };
            [
                s.id.to_owned(),
                s.vendor.unwrap_or("-").to_owned(),
                tokens(s.context_window),
                tokens(s.max_output_tokens),
                yes(s.tool_calls).to_owned(),
                yes(s.vision).to_owned(),
                endpoints,
                yes(s.preview).to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(console::measure_text_width(cell));
        }
    }
    let render = |cells: &[String]| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(&console::pad_str(cell, w, console::Alignment::Left, None));
                line.push_str("  ");
            }
        }
        line.trim_end().to_owned()
    };
    let mut out = vec![render(&header.map(str::to_owned))];
    out.extend(rows.iter().map(|r| render(r)));
    out
}
