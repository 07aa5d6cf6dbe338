//! Flag > environment variable > config file > default, observed through
//! `start --print-settings`.

use serde_json::Value;

use crate::support::{TestContext, stderr};

fn settings(ctx: &TestContext, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut cmd = ctx.cmd();
    cmd.args(args).args(["start", "--print-settings"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn precedence_flag_env_file_default() {
    let ctx = TestContext::new();
    let v = settings(&ctx, &[], &[]);
    assert_eq!(v["start"]["port"], 4141);
    assert_eq!(v["start"]["host"], "127.0.0.1");
    assert_eq!(v["global"]["account_type"], "individual");
    assert_eq!(
        v["global"]["data_dir"],
        ctx.data_dir().display().to_string()
    );

    ctx.write_config("account_type = \"business\"\n[server]\nport = 5000\nrate_limit = 3\n");
    let v = settings(&ctx, &[], &[]);
    assert_eq!(v["start"]["port"], 5000);
    assert_eq!(v["start"]["rate_limit"]["secs"], 3);
    assert_eq!(v["global"]["account_type"], "business");

    let v = settings(
        &ctx,
        &[],
        &[
            ("COPILOT_API_PORT", "6000"),
            ("COPILOT_API_ACCOUNT_TYPE", "enterprise"),
        ],
    );
    assert_eq!(v["start"]["port"], 6000);
    assert_eq!(v["global"]["account_type"], "enterprise");

    let mut cmd = ctx.cmd();
    let out = cmd
        .args([
            "--account-type",
            "individual",
            "start",
            "--print-settings",
            "--port",
            "7000",
        ])
        .env("COPILOT_API_PORT", "6000")
        .env("COPILOT_API_ACCOUNT_TYPE", "enterprise")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["start"]["port"], 7000);
    assert_eq!(v["global"]["account_type"], "individual");
}

#[test]
fn explicit_config_file_and_errors() {
    let ctx = TestContext::new();
    let path = ctx.root.path().join("custom.toml");
    std::fs::write(&path, "[server]\nport = 9000\napi_key = \"sekret\"\n").unwrap();
    let v = settings(&ctx, &["--config", path.to_str().unwrap()], &[]);
    assert_eq!(v["start"]["port"], 9000);
    assert_eq!(v["start"]["api_key"], "<redacted>");
    assert!(!v.to_string().contains("sekret"));

    std::fs::write(&path, "[server]\nprot = 9000\n").unwrap();
    let out = ctx
        .cmd()
        .args([
            "--config",
            path.to_str().unwrap(),
            "start",
            "--print-settings",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("invalid config file") && err.contains("prot"),
        "{err}"
    );

    let out = ctx
        .cmd()
        .args(["--config", "/nonexistent/x.toml", "models"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read config file /nonexistent/x.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn enterprise_and_data_dir_settings() {
    let ctx = TestContext::new();
    let v = settings(
        &ctx,
        &["--enterprise-url", "https://acme.ghe.com/"],
        &[("COPILOT_API_GITHUB_URL", "")],
    );
    assert_eq!(v["global"]["enterprise_host"], "acme.ghe.com");
    let v = settings(&ctx, &[], &[("COPILOT_API_HOME", "/tmp/somewhere")]);
    assert_eq!(v["global"]["data_dir"], "/tmp/somewhere");
}

#[test]
fn non_loopback_bind_is_refused_without_a_key() {
    let ctx = TestContext::new();
    let out = ctx
        .cmd()
        .args(["start", "--host", "0.0.0.0", "--print-settings"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refusing to listen on 0.0.0.0 without an API key"),
        "{}",
        stderr(&out)
    );
    let out = ctx
        .cmd()
        .args([
            "start",
            "--host",
            "0.0.0.0",
            "--allow-unauthenticated",
            "--print-settings",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
}
