//! `copilot-api count-tokens`: exact, offline token counts for scripts.
//!
//! Output contract: one bare integer on stdout for one input; `COUNT<TAB>NAME` lines and a
//! `COUNT<TAB>total` line for several; `--json` for a breakdown. Everything else goes to
//! stderr. Exit codes: 0, 1 when `--max` is exceeded (counts still printed), 2 on errors.
//! It never touches the network: the tokenizer comes from `--encoding`, else the cached model
//! catalogue's `capabilities.tokenizer`, else a built-in map.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::cli::{CountTokensArgs, InputFormat};
use crate::providers::copilot::models::read_cache_any;
use crate::tokens::requests::{Shape, count_anthropic, count_openai, count_text, detect};
use crate::tokens::{ChatCount, Encoding};
use crate::{Context, ExitStatus};

/// Model assumed when neither `--model` nor the request names one.
const DEFAULT_MODEL: &str = "gpt-4o";

struct Input {
    name: String,
    text: String,
    /// Whether the file name says JSON.
    json_name: bool,
}

struct Counted {
    name: String,
    model: String,
    encoding: Encoding,
    shape: Shape,
    count: ChatCount,
}

/// Runs `count-tokens`.
pub(crate) async fn run(ctx: &Context, args: &CountTokensArgs) -> anyhow::Result<ExitStatus> {
    let inputs = read_inputs(ctx, &args.files)?;
    let Some(inputs) = inputs else {
        // stdin is a terminal and nothing was named: explain instead of waiting forever.
        ctx.printer.always(
            "usage: copilot-api count-tokens [FILE]... (or pipe text / a JSON request into it)",
        );
        ctx.printer
            .always("Run `copilot-api count-tokens --help` for the options.");
        return Ok(ExitStatus::Error);
    };
    let forced_encoding = args
        .encoding
        .as_deref()
        .map(str::parse::<Encoding>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let catalogue = read_cache_any(&ctx.settings.data_dir);
    let mut results = Vec::with_capacity(inputs.len());
    for input in &inputs {
        results.push(count_one(
            input,
            args,
            forced_encoding,
            catalogue.as_ref().map(|c| c.models.as_slice()),
        )?);
    }
    print(ctx, args, &results)?;
    let over = args
        .max
        .is_some_and(|max| results.iter().any(|r| r.count.total > max));
    Ok(if over {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Reads every named file (or stdin). `None` when stdin is a terminal and nothing was named.
fn read_inputs(ctx: &Context, files: &[PathBuf]) -> anyhow::Result<Option<Vec<Input>>> {
    if files.is_empty() && ctx.printer.stdin_is_tty() {
        return Ok(None);
    }
    let stdin_only = [PathBuf::from("-")];
    let files = if files.is_empty() {
        &stdin_only[..]
    } else {
        files
    };
    let mut inputs = Vec::with_capacity(files.len());
    for path in files {
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            ("-".to_owned(), bytes)
        } else {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            (path.display().to_string(), bytes)
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // Invalid UTF-8 becomes U+FFFD, as tiktoken users get with errors="replace".
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        let json_name = Path::new(&name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        inputs.push(Input {
            name,
            text,
            json_name,
        });
    }
    Ok(Some(inputs))
}

fn parse_json(input: &Input) -> anyhow::Result<Value> {
    serde_json::from_str(&input.text).map_err(|err| {
        anyhow::anyhow!(
            "{}: invalid JSON at line {}, column {}: {err}",
            input.name,
            err.line(),
            err.column()
        )
    })
}

fn count_one(
    input: &Input,
    args: &CountTokensArgs,
    forced_encoding: Option<Encoding>,
    catalogue: Option<&[crate::providers::copilot::models::Model]>,
) -> anyhow::Result<Counted> {
    // Decide the shape: forced, or JSON when it looks like a request, else text.
    // A file's name decides: `.json` is a request, any other name is text. Only standard
    // input, which has no name, is looked at.
    let looks_like_request = input.json_name
        || (input.name == "-"
            && input.text.trim_start().starts_with('{')
            && input.text.contains("\"messages\""));
    let (shape, value) = match args.format {
        Some(InputFormat::Text) => (Shape::Text, None),
        Some(InputFormat::Openai) => (Shape::OpenAi, Some(parse_json(input)?)),
        Some(InputFormat::Anthropic) => (Shape::Anthropic, Some(parse_json(input)?)),
        None if looks_like_request => {
            let value = parse_json(input)?;
            match detect(&value) {
                Some(shape) => (shape, Some(value)),
                None => bail!(
                    "{}: JSON without a `messages` array; use --format text to count it as text",
                    input.name
                ),
            }
        }
        None => (Shape::Text, None),
    };
    if let Some(value) = &value
        && !value.get("messages").is_some_and(Value::is_array)
    {
        bail!(
            "{}: a chat request needs a `messages` array; use --format text to count it as text",
            input.name
        );
    }
    let model = args
        .model
        .clone()
        .or_else(|| value.as_ref()?.get("model")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    let encoding = match forced_encoding {
        Some(encoding) => encoding,
        None => {
            let tokenizer = catalogue
                .and_then(|models| models.iter().find(|m| m.id == model))
                .and_then(|m| m.capabilities.tokenizer.as_deref());
            Encoding::for_model(&model, tokenizer).map_err(|e| anyhow::anyhow!("{e}"))?
        }
    };
    let count = match (shape, &value) {
        (Shape::OpenAi, Some(value)) => count_openai(encoding, value, &model),
        (Shape::Anthropic, Some(value)) => {
            count_anthropic(encoding, value, &model, args.beta.as_deref())
        }
        _ => Ok(count_text(encoding, &input.text)),
    }
    .map_err(|err| anyhow::anyhow!("{}: {err}", input.name))?;
    Ok(Counted {
        name: input.name.clone(),
        model,
        encoding,
        shape,
        count,
    })
}

fn breakdown(r: &Counted) -> Value {
    json!({
        "name": r.name,
        "format": match r.shape { Shape::Text => "text", Shape::OpenAi => "openai", Shape::Anthropic => "anthropic" },
        "model": r.model,
        "encoding": r.encoding.as_str(),
        "approximate": r.encoding.is_approximate_for(&r.model),
        "system": r.count.system,
        "messages": r.count.messages,
        "tools": r.count.tools,
        "overhead": r.count.overhead,
        "claude_correction": r.count.claude_correction,
        "total": r.count.total,
    })
}

fn print(ctx: &Context, args: &CountTokensArgs, results: &[Counted]) -> anyhow::Result<()> {
    let total: u64 = results.iter().map(|r| r.count.total).sum();
    if args.json {
        let doc = match results {
            [one] => breakdown(one),
            many => {
                json!({"inputs": many.iter().map(breakdown).collect::<Vec<_>>(), "total": total})
            }
        };
        ctx.printer.out(serde_json::to_string_pretty(&doc)?)?;
        return Ok(());
    }
    match results {
        [one] => ctx.printer.out(one.count.total)?,
        many => {
            for r in many {
                ctx.printer.out(format!("{}\t{}", r.count.total, r.name))?;
            }
            ctx.printer.out(format!("{total}\ttotal"))?;
        }
    }
    Ok(())
}
