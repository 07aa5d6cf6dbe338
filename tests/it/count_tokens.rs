//! `copilot-api count-tokens`: input forms, output forms, `--max`, errors, and exact equality
//! with Python tiktoken on the committed corpus for every encoding.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::{TestContext, stderr, stdout};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokens")
}

#[test]
fn every_encoding_matches_tiktoken_on_the_corpus() {
    let ctx = TestContext::new();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("expected.json")).unwrap())
            .unwrap();
    let files = expected["files"].as_object().unwrap();
    assert!(files.len() >= 10);
    for encoding in [
        "o200k_base",
        "cl100k_base",
        "p50k_base",
        "p50k_edit",
        "r50k_base",
    ] {
        let mut cmd = ctx.cmd();
        cmd.args(["count-tokens", "--format", "text", "--encoding", encoding]);
        for name in files.keys() {
            cmd.arg(corpus().join("corpus").join(name));
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let mut sum = 0;
        for (line, (name, counts)) in text.lines().zip(files) {
            let (count, path) = line.split_once('\t').unwrap();
            assert!(path.ends_with(name.as_str()), "{line}");
            let want = counts[encoding].as_u64().unwrap();
            assert_eq!(count.parse::<u64>().unwrap(), want, "{encoding} {name}");
            sum += want;
        }
        assert_eq!(text.lines().last().unwrap(), format!("{sum}\ttotal"));
    }
}

#[test]
fn input_forms_stdin_files_and_detection() {
    let ctx = TestContext::new();
    // stdin, bare integer, nothing else on stdout or stderr.
    let out = ctx
        .cmd()
        .arg("count-tokens")
        .write_stdin("hello world")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "2\n");
    assert_eq!(stderr(&out), "");
    let out = ctx
        .cmd()
        .args(["count-tokens", "-"])
        .write_stdin("hello world")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "2\n");

    // An OpenAI chat request is detected and counted with the per-message rules (ref §6):
    // 3 (message) + T("user")=1 + T("hello world")=2, + 3 for the group = 9.
    let openai =
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hello world"}]});
    let out = ctx
        .cmd()
        .args(["count-tokens", "--json"])
        .write_stdin(openai.to_string())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "openai");
    assert_eq!(v["total"], 9);
    assert_eq!(v["encoding"], "o200k_base");
    assert_eq!(v["approximate"], false);
    assert_eq!(v["overhead"], 6);

    // The Anthropic form of the same conversation: same count for a GPT model…
    let anthropic = json!({"model": "gpt-4o", "system": [{"type": "text", "text": "Be brief."}], "messages": [{"role": "user", "content": "hello world"}]});
    let path = ctx.root.path().join("anthropic.json");
    std::fs::write(&path, anthropic.to_string()).unwrap();
    let out = ctx
        .cmd()
        .args(["count-tokens", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "anthropic");
    assert!(v["system"].as_u64().unwrap() > 0);
    let base = v["total"].as_u64().unwrap();
    // …and ×1.15 with the Claude correction for a Claude model.
    let out = ctx
        .cmd()
        .args(["count-tokens", "--json", "--model", "claude-sonnet-4.5"])
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], (base as f64 * 1.15).round() as u64);
    assert_eq!(v["approximate"], true);
    assert!(v["claude_correction"].as_u64().unwrap() > 0);

    // --format text counts the JSON as text.
    let out = ctx
        .cmd()
        .args(["count-tokens", "--format", "text"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(stdout(&out).trim().parse::<u64>().unwrap() > base);
}

#[test]
fn several_inputs_max_and_json() {
    let ctx = TestContext::new();
    let a = ctx.root.path().join("a.txt");
    let b = ctx.root.path().join("b.txt");
    std::fs::write(&a, "hello world").unwrap();
    std::fs::write(&b, "one two three four five six").unwrap();
    let out = ctx
        .cmd()
        .arg("count-tokens")
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("2\t{}\n6\t{}\n8\ttotal\n", a.display(), b.display())
    );

    let out = ctx
        .cmd()
        .args(["count-tokens", "--max", "5"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("8\ttotal"));
    let out = ctx
        .cmd()
        .args(["count-tokens", "--max", "6"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));

    let out = ctx
        .cmd()
        .args(["count-tokens", "--json", "--encoding", "cl100k_base"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 8);
    assert_eq!(v["inputs"][1]["encoding"], "cl100k_base");
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let ctx = TestContext::new();
    let bad = ctx.root.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"messages\": [\n    {\"role\": \"user\",, }\n  ]\n}",
    )
    .unwrap();
    let out = ctx.cmd().arg("count-tokens").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("invalid JSON at line 3, column"), "{err}");
    assert_eq!(stdout(&out), "");

    let out = ctx
        .cmd()
        .args(["count-tokens", "/nonexistent/file.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read /nonexistent/file.txt"),
        "{}",
        stderr(&out)
    );

    let out = ctx
        .cmd()
        .args(["count-tokens", "--encoding", "o300k"])
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("o200k_base"), "{}", stderr(&out));

    let out = ctx
        .cmd()
        .args(["count-tokens", "--model", "llama-3-70b"])
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("llama-3-70b"), "{}", stderr(&out));

    let out = ctx
        .cmd()
        .args(["count-tokens", "--format", "openai"])
        .write_stdin("{\"model\": \"x\"}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("messages"), "{}", stderr(&out));
}

#[test]
fn the_cached_catalogue_picks_the_tokenizer_offline() {
    let ctx = TestContext::new();
    ctx.sign_in();
    // Fill the cache once via `models`, then count offline with a model the built-in map does
    // not know but the catalogue does.
    ctx.fake.with(|s| {
        s.models["data"].as_array_mut().unwrap().push(json!({"id": "mystery-model", "capabilities": {"type": "chat", "tokenizer": "cl100k_base"}}));
    });
    assert!(
        ctx.cmd()
            .args(["models", "--json"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let out = ctx
        .cmd()
        .args(["count-tokens", "--json", "--model", "mystery-model"])
        .env("COPILOT_API_GITHUB_API_URL", "http://127.0.0.1:9")
        .write_stdin("hello world")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["encoding"], "cl100k_base");
}

/// Counts one request given on standard input with `--json`.
fn count_json(ctx: &TestContext, args: &[&str], input: &str) -> Value {
    let out = ctx
        .cmd()
        .args(["count-tokens", "--json"])
        .args(args)
        .write_stdin(input.to_owned())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn names_decide_text_images_count_by_size_thinking_counts_and_beta() {
    let ctx = TestContext::new();
    let request =
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hello world"}]});

    // A file not named .json is text, whatever it holds; standard input is looked at.
    let notes = ctx.root.path().join("notes.txt");
    std::fs::write(&notes, request.to_string()).unwrap();
    let out = ctx
        .cmd()
        .args(["count-tokens", "--json"])
        .arg(&notes)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "text");
    assert_eq!(
        count_json(&ctx, &[], &request.to_string())["format"],
        "openai"
    );

    // A 150 KB PNG of 800 × 600 costs what the vendors charge for its size (Claude: 800 × 600 /
    // 750 = 640, ×1.15 with the rest), not the 200,000 characters of its base64.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x03\x20\0\0\x02\x58\x08\x06\0\0\0".to_vec();
    png.resize(150_000, 0x5a);
    let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &png);
    let image = |model: &str| {
        json!({"model": model, "max_tokens": 10, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}]}]})
        .to_string()
    };
    let claude = count_json(&ctx, &[], &image("claude-sonnet-4.5"))["total"]
        .as_u64()
        .unwrap();
    assert!((740..800).contains(&claude), "{claude}");
    // GPT-4o's formula: 2 × 2 tiles of 512 = 85 + 4 × 170.
    let gpt = count_json(&ctx, &[], &image("gpt-4o"))["messages"]
        .as_u64()
        .unwrap();
    assert!((765..780).contains(&gpt), "{gpt}");

    // Earlier turns' thinking is input.
    let turn = |thinking: &str| {
        json!({"model": "claude-sonnet-4.5", "max_tokens": 10, "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": thinking, "signature": "c2lnbmF0dXJl".repeat(50)}, {"type": "text", "text": "hello"}]},
            {"role": "user", "content": "and?"}]})
        .to_string()
    };
    let without = count_json(&ctx, &[], &turn(""))["total"].as_u64().unwrap();
    let with = count_json(&ctx, &[], &turn(&"the user greets me ".repeat(20)))["total"]
        .as_u64()
        .unwrap();
    assert!(with >= without + 80, "{without} -> {with}");

    // `--beta` counts as the route does for a request carrying `anthropic-beta`: Claude Code's
    // betas spare MCP tools the tool overhead.
    let mcp = json!({"model": "claude-sonnet-4.5", "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "mcp__fs__read", "description": "Reads", "input_schema": {"type": "object"}}]})
    .to_string();
    let plain = count_json(&ctx, &[], &mcp)["total"].as_u64().unwrap();
    let beta = count_json(&ctx, &["--beta", "claude-code-20250219"], &mcp)["total"]
        .as_u64()
        .unwrap();
    assert_eq!(
        plain - beta,
        (346.0_f64 * 1.15).round() as u64,
        "{plain} {beta}"
    );
}
