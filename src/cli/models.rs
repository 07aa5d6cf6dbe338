//! `copilot-api models`: the models every provider offers (Copilot's plan first, then each
//! configured provider), as a table or normalised JSON; `--provider NAME` shows one.

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::auth::require_github_token;
use crate::cli::ModelsArgs;
use crate::providers::copilot::models::{self, Model};
use crate::providers::{ModelInfo, copilot, http};
use crate::routing::Gateway;
use crate::{Context, ExitStatus, session};

/// The normalised view of a model (`--json`).
#[derive(Debug, Serialize)]
pub(crate) struct ModelSummary<'a> {
    /// Model id.
    pub id: &'a str,
    /// The provider serving it.
    pub provider: &'a str,
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
    /// Copilot endpoints serving it (Copilot models).
    pub supported_endpoints: &'a [String],
    /// Wire shapes it is served on.
    pub shapes: crate::providers::Shapes,
    /// Preview.
    pub preview: bool,
    /// Tokenizer.
    pub tokenizer: Option<&'a str>,
}

impl<'a> From<&'a ModelInfo> for ModelSummary<'a> {
    fn from(m: &'a ModelInfo) -> Self {
        Self {
            id: &m.id,
            provider: &m.provider,
            name: m.display_name(),
            vendor: m.vendor.as_deref(),
            kind: Some(if m.is_embeddings() {
                "embeddings"
            } else {
                "chat"
            }),
            context_window: m.context_window,
            max_output_tokens: m.max_output,
            max_prompt_tokens: m.max_prompt,
            tool_calls: m.tools,
            vision: m.vision,
            supported_endpoints: &[],
            shapes: m.shapes,
            preview: false,
            tokenizer: m.tokenizer.as_deref(),
        }
    }
}

impl<'a> From<&'a Model> for ModelSummary<'a> {
    fn from(m: &'a Model) -> Self {
        let limits = &m.capabilities.limits;
        Self {
            id: &m.id,
            provider: crate::providers::copilot::NAME,
            shapes: crate::providers::copilot::model_info(m, &std::sync::Arc::from("copilot"))
                .shapes,
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
    let wanted = |name: &str| args.provider.as_deref().is_none_or(|p| p == name);
    let gateway = Gateway::build(ctx.file.as_ref(), &ctx.env, None, &http::client()?)?;
    if let Some(name) = args.provider.as_deref()
        && name != copilot::NAME
        && gateway.provider(name).is_none()
    {
        let mut known = vec![copilot::NAME.to_owned()];
        known.extend(gateway.providers.iter().map(|p| p.name().to_string()));
        bail!("no provider named `{name}` (known: {})", known.join(", "));
    }
    let mut copilot_list: Vec<Model> = Vec::new();
    if wanted(copilot::NAME) {
        match copilot_models(ctx, args.refresh).await {
            Ok(list) => copilot_list = list,
            Err(err)
                if err.is::<crate::auth::NotSignedIn>()
                    && args.provider.is_none()
                    && !gateway.providers.is_empty() =>
            {
                ctx.printer
                    .warn("Copilot: not signed in; listing the configured providers only");
            }
            Err(err) => return Err(err),
        }
    }
    copilot_list.sort_by(|a, b| a.id.cmp(&b.id));
    let others = futures_util::future::join_all(
        gateway
            .providers
            .iter()
            .filter(|p| wanted(p.name()))
            .map(|p| async move { (p, p.fetch_catalogue().await) }),
    )
    .await;
    let mut other_list: Vec<ModelInfo> = Vec::new();
    let mut failed = false;
    for (provider, result) in others {
        match result {
            Ok(mut list) => {
                list.sort_by(|a, b| a.id.cmp(&b.id));
                other_list.extend(list);
            }
            Err(err) => {
                failed = true;
                ctx.printer.warn(format!(
                    "cannot list the models of {}: {err}",
                    provider.name()
                ));
            }
        }
    }
    if failed && copilot_list.is_empty() && other_list.is_empty() {
        bail!("no provider could list its models");
    }
    let mut summaries: Vec<ModelSummary<'_>> =
        copilot_list.iter().map(ModelSummary::from).collect();
    summaries.extend(other_list.iter().map(ModelSummary::from));
    if args.json {
        ctx.printer.out(serde_json::to_string_pretty(&summaries)?)?;
        return Ok(ExitStatus::Success);
    }
    for line in table(&summaries) {
        ctx.printer.out(line)?;
    }
    Ok(ExitStatus::Success)
}

/// Copilot's list: the disk cache when fresh (unless `refresh`), else fetched.
async fn copilot_models(ctx: &Context, refresh: bool) -> anyhow::Result<Vec<Model>> {
    let (token, _) = require_github_token(&ctx.settings)?;
    let account = models::account_fingerprint(&token);
    let cached = (!refresh)
        .then(|| models::read_cache(&ctx.settings.data_dir, &account))
        .flatten();
    Ok(match cached {
        Some(cached) => cached.models,
        None => {
            let client = session::connect(ctx).await?;
            let spinner = ctx.printer.spinner("Fetching models…");
            let list = client.models(true).await.context("cannot list models");
            spinner.finish_and_clear();
            list?.as_ref().clone()
        }
    })
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
fn table(list: &[ModelSummary<'_>]) -> Vec<String> {
    let header = [
        "ID",
        "PROVIDER",
        "VENDOR",
        "CONTEXT",
        "OUTPUT",
        "TOOLS",
        "VISION",
        "ENDPOINTS",
        "PREVIEW",
    ];
    let rows: Vec<[String; 9]> = list
        .iter()
        .map(|s| {
            let endpoints = if !s.supported_endpoints.is_empty() {
                s.supported_endpoints.join(",")
            } else if s.provider != copilot::NAME {
                s.shapes
                    .iter()
                    .map(crate::providers::Shape::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                s.kind.unwrap_or("-").to_owned()
            };
            [
                s.id.to_owned(),
                s.provider.to_owned(),
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
