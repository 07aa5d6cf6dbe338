//! Pointing Claude Code at copilot-api: `copilot-api claude-code` (for a server that is already
//! running) and `start --claude-code` share this module.
//!
//! It picks the main and small models (fuzzy prompts, or `--model` / `--small-model` / `--yes`),
//! then prints a launch command in the user's shell syntax with every value quoted for that
//! shell, copies it to the clipboard when a person is there, or merges the env block into a
//! Claude Code `settings.json` keeping every key already there.

use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

use crate::cli::{ClaudeCodeArgs, ShellKind};
use crate::settings::env::{Env, EnvVars};
use crate::settings::{DEFAULT_HOST, DEFAULT_PORT};
use crate::{Context, ExitStatus};

/// The env block Claude Code reads, in a stable order.
///
/// `opus` is the model Claude Code's `/model opus` switches to: the newest Opus the plan offers,
/// else the main model.
pub(crate) fn env_vars(
    base_url: &str,
    auth_token: &str,
    main: &str,
    small: &str,
    opus: Option<&str>,
) -> Vec<(&'static str, String)> {
    vec![
        ("ANTHROPIC_BASE_URL", base_url.to_owned()),
        ("ANTHROPIC_AUTH_TOKEN", auth_token.to_owned()),
        ("ANTHROPIC_MODEL", main.to_owned()),
        ("ANTHROPIC_DEFAULT_SONNET_MODEL", main.to_owned()),
        (
            "ANTHROPIC_DEFAULT_OPUS_MODEL",
            opus.unwrap_or(main).to_owned(),
        ),
        ("ANTHROPIC_SMALL_FAST_MODEL", small.to_owned()),
        ("ANTHROPIC_DEFAULT_HAIKU_MODEL", small.to_owned()),
        ("DISABLE_NON_ESSENTIAL_MODEL_CALLS", "1".to_owned()),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".to_owned()),
    ]
}

/// The shell the user is in: `$SHELL` on Unix, PowerShell or cmd on Windows.
pub(crate) fn detect_shell(env: &Env) -> ShellKind {
    if cfg!(windows) {
        return if std::env::var_os("PSModulePath").is_some() {
            ShellKind::Powershell
        } else {
            ShellKind::Cmd
        };
    }
    match env
        .get(EnvVars::SHELL)
        .map(|s| s.rsplit('/').next().unwrap_or(s))
    {
        Some("fish") => ShellKind::Fish,
        Some("zsh") => ShellKind::Zsh,
        Some("bash") => ShellKind::Bash,
        Some("pwsh" | "powershell") => ShellKind::Powershell,
        _ => ShellKind::Sh,
    }
}

/// Quotes a value so the shell passes it through literally.
fn quote(shell: ShellKind, value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    match shell {
        ShellKind::Sh | ShellKind::Bash | ShellKind::Zsh => {
            if plain {
                value.to_owned()
            } else {
                format!("'{}'", value.replace('\'', r"'\''"))
            }
        }
        ShellKind::Fish => {
            if plain {
                value.to_owned()
            } else {
                format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
            }
        }
        ShellKind::Powershell => format!("'{}'", value.replace('\'', "''")),
        // cmd has no general escaping; the `set "K=V"` form keeps spaces and most specials.
        ShellKind::Cmd => value.replace('"', ""),
    }
}

/// Renders the one-line launch command.
pub(crate) fn render(shell: ShellKind, vars: &[(&str, String)]) -> String {
    match shell {
        ShellKind::Sh | ShellKind::Bash | ShellKind::Zsh => {
            let assignments: Vec<String> = vars
                .iter()
                .map(|(k, v)| format!("{k}={}", quote(shell, v)))
                .collect();
            format!("export {} && claude", assignments.join(" "))
        }
        ShellKind::Fish => {
            let sets: Vec<String> = vars
                .iter()
                .map(|(k, v)| format!("set -gx {k} {}", quote(shell, v)))
                .collect();
            format!("{}; and claude", sets.join("; "))
        }
        ShellKind::Powershell => {
            let sets: Vec<String> = vars
                .iter()
                .map(|(k, v)| format!("$env:{k} = {}", quote(shell, v)))
                .collect();
            format!("{}; claude", sets.join("; "))
        }
        ShellKind::Cmd => {
            let sets: Vec<String> = vars
                .iter()
                .map(|(k, v)| format!("set \"{k}={}\"", quote(shell, v)))
                .collect();
            format!("{} & claude", sets.join(" & "))
        }
    }
}

/// Version numbers in a model id (`claude-sonnet-4.5` → [4, 5]), for "newest" ordering.
fn version_of(id: &str) -> Vec<u32> {
    id.split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// A Claude id as Claude Code recognises it: `claude-sonnet-4.5` becomes `claude-sonnet-4-5`.
/// Claude Code reads the version from dashes, so it takes the dotted id for "Sonnet 4" and
/// warns that the model is retired; the proxy resolves either spelling to the same model.
pub(crate) fn for_claude_code(id: &str) -> String {
    if !id.starts_with("claude") {
        return id.to_owned();
    }
    let bytes = id.as_bytes();
    id.char_indices()
        .map(|(i, c)| {
            let between_digits = i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if c == '.' && between_digits { '-' } else { c }
        })
        .collect()
}

/// The newest model whose id contains `family` (e.g. "sonnet").
pub(crate) fn newest(ids: &[String], family: &str) -> Option<String> {
    ids.iter()
        .filter(|id| id.starts_with("claude") && id.contains(family))
        .max_by(|a, b| {
            version_of(a)
                .cmp(&version_of(b))
                .then_with(|| b.len().cmp(&a.len()))
        })
        .cloned()
}

/// Picks main and small models: flags, else prompts (on a terminal), else the defaults.
pub(crate) fn pick_models(
    ctx: &Context,
    ids: &[String],
    main: Option<String>,
    small: Option<String>,
    yes: bool,
) -> anyhow::Result<(String, String)> {
    let first = ids.first().cloned();
    let default_main = newest(ids, "sonnet").or_else(|| first.clone());
    let default_small = newest(ids, "haiku").or_else(|| default_main.clone());
    let prompt = !yes && ctx.printer.interactive();
    let choose =
        |given: Option<String>, default: Option<String>, what: &str| -> anyhow::Result<String> {
            if let Some(given) = given {
                return Ok(given);
            }
            let default = default.map(|d| for_claude_code(&d));
            if prompt && !ids.is_empty() {
                let start = default
                    .as_ref()
                    .and_then(|d| ids.iter().position(|i| for_claude_code(i) == *d))
                    .unwrap_or(0);
                let picked = dialoguer::FuzzySelect::with_theme(&crate::output::theme())
                    .with_prompt(format!("Select the {what} model for Claude Code"))
                    .items(ids)
                    .default(start)
                    .interact_opt()
                    .context("model prompt failed")?;
                return match picked {
                    Some(i) => ids
                        .get(i)
                        .map(|id| for_claude_code(id))
                        .context("no such model"),
                    None => bail!("cancelled"),
                };
            }
            default.with_context(|| {
                format!(
                    "no {what} model: pass --{}",
                    if what == "main" {
                        "model"
                    } else {
                        "small-model"
                    }
                )
            })
        };
    let main = choose(main, default_main, "main")?;
    let small = choose(small, default_small, "small")?;
    Ok((main, small))
}

/// Prints the command and copies it to the clipboard when a person is at the terminal.
pub(crate) fn present(ctx: &Context, command: &str) -> anyhow::Result<()> {
    ctx.printer.out(command)?;
    if ctx.printer.interactive() {
        match arboard::Clipboard::new().and_then(|mut c| c.set_text(command.to_owned())) {
            Ok(()) => ctx.printer.info("Copied to the clipboard."),
            Err(err) => tracing::debug!("clipboard unavailable: {err}"),
        }
    }
    Ok(())
}

/// Merges the env block into a Claude Code settings file, keeping every other key.
pub(crate) fn write_settings(path: &Path, vars: &[(&str, String)]) -> anyhow::Result<()> {
    let mut root = match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Map::new(),
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => bail!("{} is not a JSON object; not touching it", path.display()),
            Err(err) => bail!(
                "{} is not valid JSON ({err}); not touching it",
                path.display()
            ),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Map::new(),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let env = root
        .entry("env")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(env) = env else {
        bail!(
            "{}: `env` is not an object; not touching it",
            path.display()
        );
    };
    for (key, value) in vars {
        env.insert((*key).to_owned(), Value::String(value.clone()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut text = serde_json::to_string_pretty(&Value::Object(root))?;
    text.push('\n');
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::fs::write(tmp.path(), text)?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The base URL clients use for a host and port.
pub(crate) fn base_url(host: &str, port: u16) -> String {
    let host = match host {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
        other => other,
    };
    if host.contains(':') && !host.starts_with('[') {
        format!("http://[{host}]:{port}")
    } else {
        format!("http://{host}:{port}")
    }
}

/// Runs `copilot-api claude-code`.
pub(crate) async fn run(ctx: &Context, args: &ClaudeCodeArgs) -> anyhow::Result<ExitStatus> {
    let server = ctx
        .file
        .as_ref()
        .map(|f| f.server.clone())
        .unwrap_or_default();
    let host = args
        .host
        .clone()
        .or(server.host)
        .unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let port = args.port.or(server.port).unwrap_or(DEFAULT_PORT);
    let base = base_url(&host, port);
    let api_key = ctx
        .env
        .get(EnvVars::API_KEY)
        .map(str::to_owned)
        .or(server.api_key);
    let (main, small, opus) = match (&args.model, &args.small_model) {
        (Some(main), Some(small)) => (main.clone(), small.clone(), None),
        _ => {
            let ids = running_models(&base, api_key.as_deref()).await?;
            let (main, small) = pick_models(
                ctx,
                &ids,
                args.model.clone(),
                args.small_model.clone(),
                args.yes,
            )?;
            (
                main,
                small,
                newest(&ids, "opus").map(|id| for_claude_code(&id)),
            )
        }
    };
    let token = api_key.as_deref().unwrap_or("dummy");
    let vars = env_vars(&base, token, &main, &small, opus.as_deref());
    if let Some(path) = &args.write_settings {
        write_settings(path, &vars)?;
        ctx.printer.info(format!(
            "Wrote the Claude Code env to {}; run `claude` in this project.",
            path.display()
        ));
        return Ok(ExitStatus::Success);
    }
    let shell = args.shell.unwrap_or_else(|| detect_shell(&ctx.env));
    present(ctx, &render(shell, &vars))?;
    Ok(ExitStatus::Success)
}

/// Asks a running copilot-api for its chat models.
async fn running_models(base: &str, api_key: Option<&str>) -> anyhow::Result<Vec<String>> {
    let http = crate::providers::http::client()?;
    let mut request = http.get(format!("{base}/v1/models"));
    if let Some(key) = api_key {
        request = request.header("x-api-key", key);
    }
    let resp = request.send().await.with_context(|| {
        format!("no copilot-api is answering at {base}; start one with `copilot-api start` or pass --model and --small-model")
    })?;
    if !resp.status().is_success() {
        bail!("{base}/v1/models answered {}", resp.status());
    }
    let list: Value = resp.json().await.context("unreadable model list")?;
    let ids = list
        .get("data")
        .and_then(Value::as_array)
        .map(|data| {
            data.iter()
                .filter(|m| m.get("type").and_then(Value::as_str) != Some("embeddings"))
                .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_quote_and_join() {
        let vars = vec![("A", "x".to_owned()), ("B", "it's a test".to_owned())];
        assert_eq!(
            render(ShellKind::Bash, &vars),
            r"export A=x B='it'\''s a test' && claude"
        );
        assert_eq!(
            render(ShellKind::Fish, &vars),
            r"set -gx A x; set -gx B 'it\'s a test'; and claude"
        );
        assert_eq!(
            render(ShellKind::Powershell, &vars),
            "$env:A = 'x'; $env:B = 'it''s a test'; claude"
        );
        assert_eq!(
            render(ShellKind::Cmd, &vars),
            "set \"A=x\" & set \"B=it's a test\" & claude"
        );
    }

    #[test]
    fn newest_family_member() {
        let ids: Vec<String> = [
            "gpt-4o",
            "claude-sonnet-4",
            "claude-sonnet-4.5",
            "claude-haiku-4.5",
            "claude-opus-4.1",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(newest(&ids, "sonnet").as_deref(), Some("claude-sonnet-4.5"));
        assert_eq!(newest(&ids, "haiku").as_deref(), Some("claude-haiku-4.5"));
        assert_eq!(newest(&ids, "nothing"), None);
        assert_eq!(for_claude_code("claude-sonnet-4.5"), "claude-sonnet-4-5");
        assert_eq!(for_claude_code("claude-opus-4.1"), "claude-opus-4-1");
        assert_eq!(for_claude_code("claude-sonnet-4"), "claude-sonnet-4");
        assert_eq!(for_claude_code("gpt-4.1"), "gpt-4.1");
    }

    #[test]
    fn settings_merge_keeps_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".claude/settings.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"permissions":{"deny":["WebSearch"]},"env":{"KEEP":"1","ANTHROPIC_MODEL":"old"}}"#,
        )
        .unwrap();
        write_settings(&path, &[("ANTHROPIC_MODEL", "new".to_owned())]).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["permissions"]["deny"][0], "WebSearch");
        assert_eq!(v["env"]["KEEP"], "1");
        assert_eq!(v["env"]["ANTHROPIC_MODEL"], "new");
        std::fs::write(&path, "{not json").unwrap();
        assert!(write_settings(&path, &[]).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
    }
}
