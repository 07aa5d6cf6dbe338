//! `copilot-api claude-code`: launch commands per shell, settings-file merging, and picking
//! models from a running server.

use serde_json::Value;

use crate::server::Proxy;
use crate::support::{TestContext, stderr, stdout};

#[test]
fn prints_a_quoted_command_for_each_shell() {
    let ctx = TestContext::new();
    let out = ctx
        .cmd()
        .args([
            "claude-code",
            "--model",
            "claude-sonnet-4.5",
            "--small-model",
            "claude-haiku-4.5",
            "--shell",
            "bash",
            "--port",
            "5000",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "export ANTHROPIC_BASE_URL=http://127.0.0.1:5000 ANTHROPIC_AUTH_TOKEN=dummy ANTHROPIC_MODEL=claude-sonnet-4.5 \
ANTHROPIC_DEFAULT_SONNET_MODEL=claude-sonnet-4.5 ANTHROPIC_DEFAULT_OPUS_MODEL=claude-sonnet-4.5 \
ANTHROPIC_SMALL_FAST_MODEL=claude-haiku-4.5 ANTHROPIC_DEFAULT_HAIKU_MODEL=claude-haiku-4.5 \
DISABLE_NON_ESSENTIAL_MODEL_CALLS=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 && claude\n"
    );
    let out = ctx
        .cmd()
        .args([
            "claude-code",
            "--model",
            "a b",
            "--small-model",
            "c",
            "--shell",
            "fish",
        ])
        .env("COPILOT_API_KEY", "k'ey")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.starts_with("set -gx ANTHROPIC_BASE_URL http://127.0.0.1:4141; set -gx ANTHROPIC_AUTH_TOKEN 'k\\'ey'; set -gx ANTHROPIC_MODEL 'a b';"), "{text}");
    assert!(text.trim_end().ends_with("; and claude"), "{text}");
    let out = ctx
        .cmd()
        .args([
            "claude-code",
            "--model",
            "a",
            "--small-model",
            "c",
            "--shell",
            "powershell",
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("$env:ANTHROPIC_BASE_URL = 'http://127.0.0.1:4141'; "),
        "{}",
        stdout(&out)
    );
    let out = ctx
        .cmd()
        .args([
            "claude-code",
            "--model",
            "a",
            "--small-model",
            "c",
            "--shell",
            "cmd",
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("set \"ANTHROPIC_BASE_URL=http://127.0.0.1:4141\" & "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn write_settings_keeps_existing_keys() {
    let ctx = TestContext::new();
    let path = ctx.root.path().join("proj/.claude/settings.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, r#"{"permissions": {"deny": ["WebSearch"]}, "env": {"MY_VAR": "1", "ANTHROPIC_MODEL": "old"}, "hooks": {}}"#).unwrap();
    let out = ctx
        .cmd()
        .args([
            "claude-code",
            "--model",
            "claude-sonnet-4.5",
            "--small-model",
            "claude-haiku-4.5",
            "--write-settings",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["permissions"]["deny"][0], "WebSearch");
    assert!(v["hooks"].is_object());
    assert_eq!(v["env"]["MY_VAR"], "1");
    assert_eq!(v["env"]["ANTHROPIC_MODEL"], "claude-sonnet-4.5");
    assert_eq!(v["env"]["ANTHROPIC_BASE_URL"], "http://127.0.0.1:4141");
    assert_eq!(v["env"]["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"], "1");

    // The default path is .claude/settings.json in the current directory.
    let dir = ctx.root.path().join("other");
    std::fs::create_dir_all(&dir).unwrap();
    let out = ctx
        .cmd()
        .current_dir(&dir)
        .args([
            "claude-code",
            "--model",
            "m",
            "--small-model",
            "s",
            "--write-settings",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join(".claude/settings.json").exists());
}

#[test]
fn picks_the_newest_sonnet_and_haiku_from_a_running_server() {
    let ctx = TestContext::new();
    ctx.sign_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let port = proxy.url.rsplit(':').next().unwrap().to_owned();
    let out = ctx
        .cmd()
        .args(["claude-code", "--yes", "--shell", "sh", "--port", &port])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("ANTHROPIC_MODEL=claude-sonnet-4-5 "),
        "{text}"
    );
    assert!(
        text.contains("ANTHROPIC_SMALL_FAST_MODEL=claude-haiku-4-5 "),
        "{text}"
    );
    // The dashed id Claude Code recognises is the same model to the proxy.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let model: Value = rt.block_on(async {
        reqwest::get(format!("{}/v1/models/claude-sonnet-4-5", proxy.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(model["id"], "claude-sonnet-4.5", "{model}");
    drop(proxy);

    let out = ctx
        .cmd()
        .args(["claude-code", "--yes", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no copilot-api is answering at http://127.0.0.1:"),
        "{}",
        stderr(&out)
    );
}
