//! `models` and `usage` against the fake Copilot, and how failures read.

use serde_json::{Value, json};

use crate::support::{TestContext, stderr, stdout};

#[test]
fn models_table_json_and_cache() {
    let ctx = TestContext::new();
    ctx.sign_in();
    let out = ctx.cmd().arg("models").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ID"), "{text}");
    assert!(
        lines[0].contains("CONTEXT") && lines[0].contains("ENDPOINTS"),
        "{text}"
    );
    let sonnet = lines
        .iter()
        .find(|l| l.starts_with("claude-sonnet-4.5"))
        .unwrap();
    assert!(
        sonnet.contains("Anthropic") && sonnet.contains("200k") && sonnet.contains("16k"),
        "{sonnet}"
    );
    assert!(
        sonnet.contains("/chat/completions,/v1/messages"),
        "{sonnet}"
    );
    assert_eq!(lines.len(), 6, "{text}");

    // The Copilot request carried VS Code's headers and went to the token's endpoints.api.
    let req = &ctx.fake.requests("/copilot/models")[0];
    assert_eq!(req.header("authorization"), Some("Bearer tid=cop-1;exp=1"));
    assert_eq!(req.header("copilot-integration-id"), Some("vscode-chat"));
    assert_eq!(
        req.header("editor-plugin-version"),
        Some("copilot-chat/0.26.7")
    );
    assert_eq!(req.header("openai-intent"), Some("conversation-panel"));
    assert_eq!(req.header("x-github-api-version"), Some("2025-04-01"));
    assert!(req.header("x-request-id").is_some_and(|id| id.len() == 36));

    // Second call: answered from the disk cache, no network.
    let out = ctx.cmd().args(["models", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "claude-haiku-4.5",
            "claude-sonnet-4.5",
            "gpt-4o",
            "gpt-5.1-codex",
            "text-embedding-3-small"
        ]
    );
    let gpt = &v[2];
    assert_eq!(gpt["context_window"], 128000);
    assert_eq!(gpt["max_output_tokens"], 4096);
    assert_eq!(gpt["vision"], true);
    assert_eq!(gpt["tool_calls"], true);
    assert_eq!(ctx.fake.requests("/copilot/models").len(), 1);
    assert_eq!(ctx.fake.requests("/copilot_internal/v2/token").len(), 1);

    // --refresh goes back to Copilot.
    ctx.fake
        .with(|s| s.models["data"].as_array_mut().unwrap().truncate(1));
    let out = ctx
        .cmd()
        .args(["models", "--refresh", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(ctx.fake.requests("/copilot/models").len(), 2);
}

#[test]
fn a_copilot_401_refreshes_the_token_once_and_retries() {
    let ctx = TestContext::new();
    ctx.sign_in();
    ctx.fake.with(|s| s.invalid_first_n = 1);
    let out = ctx.cmd().args(["models", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ctx.fake.requests("/copilot_internal/v2/token").len(), 2);
    let reqs = ctx.fake.requests("/copilot/models");
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[1].header("authorization"),
        Some("Bearer tid=cop-2;exp=1")
    );

    // A token that stays refused: exactly one refresh, then the error is shown.
    let ctx = TestContext::new();
    ctx.sign_in();
    ctx.fake.with(|s| s.invalid_first_n = 100);
    let out = ctx.cmd().args(["models", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Copilot answered 401 Unauthorized: unauthorized: token expired"),
        "{}",
        stderr(&out)
    );
    assert_eq!(ctx.fake.requests("/copilot_internal/v2/token").len(), 2);
    assert_eq!(ctx.fake.requests("/copilot/models").len(), 2);
}

#[test]
fn the_copilot_base_comes_from_account_type_when_the_token_names_none() {
    let ctx = TestContext::new();
    ctx.sign_in();
    ctx.fake.with(|s| s.token_names_endpoint = false);
    // Without endpoints.api and without an override, the business host would be used: point the
    // override at the fake to prove the override path, and check print-settings for the rule.
    let out = ctx
        .cmd()
        .args(["--account-type", "business", "start", "--print-settings"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["global"]["endpoints"]["copilot_url_fallback"],
        "https://api.business.githubcopilot.com"
    );
    let out = ctx
        .cmd()
        .args(["models", "--json"])
        .env(
            "COPILOT_API_COPILOT_URL",
            format!("{}/copilot", ctx.fake.base),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ctx.fake.requests("/copilot/models").len(), 1);
}

#[test]
fn usage_report_and_json() {
    let ctx = TestContext::new();
    ctx.sign_in();
    let out = ctx.cmd().arg("usage").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Plan:          individual"), "{text}");
    assert!(text.contains("Quota resets:  2026-12-01"), "{text}");
    assert!(
        text.contains("Premium requests  ████████████░░░░░░░░  180/300 used (60.0%)"),
        "{text}"
    );
    assert!(text.contains("Chat              ∞ unlimited"), "{text}");

    let out = ctx.cmd().args(["usage", "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["quota_snapshots"]["premium_interactions"]["entitlement"],
        json!(300)
    );
}

#[test]
fn network_and_upstream_failures_name_the_host_and_the_cause() {
    let ctx = TestContext::new();
    ctx.sign_in();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = ctx
        .cmd()
        .arg("usage")
        .env(
            "COPILOT_API_GITHUB_API_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: cannot fetch Copilot usage: could not reach 127.0.0.1:{port}: "
        )),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    ctx.fake.with(|s| s.users.clear());
    let out = ctx.cmd().arg("usage").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: cannot fetch Copilot usage: GitHub answered 401 Unauthorized: Bad credentials\n"
    );
}

#[test]
fn help_and_version() {
    let ctx = TestContext::new();
    let out = ctx.cmd().arg("--version").output().unwrap();
    assert_eq!(
        stdout(&out),
        format!("copilot-api {}\n", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &["--help"][..],
        &["auth", "--help"],
        &["auth", "device", "login", "--help"],
        &["start", "--help"],
    ] {
        let out = ctx.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage: copilot-api"), "{args:?}");
    }
    let out = ctx.cmd().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unrecognized subcommand"));
}
