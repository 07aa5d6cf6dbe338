//! `auth` against the fake device flow.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake::Poll;
use crate::support::{TestContext, stderr, stdout};

#[test]
fn device_login_honours_slow_down_and_writes_a_private_token() {
    let ctx = TestContext::new();
    ctx.fake.with(|s| {
        s.polls
            .extend([Poll::Pending, Poll::SlowDown, Poll::Token("gho_good")])
    });
    let out = ctx
        .cmd()
        .args(["auth", "device", "login"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("ABCD-1234"), "{err}");
    assert!(err.contains("https://github.com/login/device"), "{err}");
    assert!(err.contains("Signed in as octocat."), "{err}");
    assert!(!err.contains("gho_good"), "token leaked: {err}");
    assert!(stdout(&out).is_empty());

    assert_eq!(
        std::fs::read_to_string(ctx.token_path()).unwrap(),
        "gho_good"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(ctx.token_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let polls = ctx.fake.requests("/login/oauth/access_token");
    assert_eq!(polls.len(), 3);
    let body = polls[0].json();
    assert_eq!(body["client_id"], "Iv1.b507a08c87ecfe98");
    assert_eq!(
        body["grant_type"],
        "urn:ietf:params:oauth:grant-type:device_code"
    );
    let first_gap = polls[1].at - polls[0].at;
    let slowed_gap = polls[2].at - polls[1].at;
    assert!(first_gap >= Duration::from_millis(900), "{first_gap:?}");
    assert!(
        slowed_gap >= Duration::from_millis(5900),
        "slow_down not honoured: {slowed_gap:?}"
    );
    let code_req = &ctx.fake.requests("/login/device/code")[0];
    assert_eq!(
        code_req.json(),
        json!({"client_id": "Iv1.b507a08c87ecfe98", "scope": "read:user"})
    );
}

#[test]
fn device_login_stops_on_expired_and_denied() {
    for (poll, needle) in [(Poll::Expired, "expired"), (Poll::Denied, "denied")] {
        let ctx = TestContext::new();
        ctx.fake.with(|s| s.polls.push_back(poll));
        let out = ctx
            .cmd()
            .args(["auth", "device", "login"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
        assert!(!ctx.token_path().exists());
    }
}

#[test]
fn device_login_gives_up_when_the_code_runs_out() {
    let ctx = TestContext::new();
    ctx.fake.with(|s| s.device_expires_in = 2);
    let out = ctx
        .cmd()
        .args(["auth", "device", "login"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
    assert!(ctx.fake.requests("/login/oauth/access_token").len() <= 3);
}

#[test]
fn status_reports_user_source_plan_and_copilot() {
    let ctx = TestContext::new();
    ctx.sign_in();
    let out = ctx.cmd().args(["auth", "status"]).output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains("Signed in as octocat (The Octocat)"),
        "{text}"
    );
    assert!(
        text.contains(&ctx.token_path().display().to_string()),
        "{text}"
    );
    assert!(text.contains("Copilot plan:  individual"), "{text}");
    assert!(
        text.contains(&format!(
            "Copilot token: ok (API {}/copilot)",
            ctx.fake.base
        )),
        "{text}"
    );

    let out = ctx
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["login"], "octocat");
    assert_eq!(v["copilot_token"]["ok"], true);
    // The GitHub headers of VS Code's Copilot extension.
    let req = &ctx.fake.requests("/copilot_internal/v2/token")[0];
    assert_eq!(req.header("authorization"), Some("token gho_good"));
    assert_eq!(req.header("editor-version"), Some("vscode/1.104.3"));
    assert_eq!(req.header("user-agent"), Some("GitHubCopilotChat/0.26.7"));
}

#[test]
fn status_explains_a_refused_copilot_token() {
    let ctx = TestContext::new();
    ctx.sign_in();
    ctx.fake.with(|s| {
        s.token_failure = Some((
            403,
            json!({"message": "Resource not accessible by personal access token"}),
        ))
    });
    let out = ctx.cmd().args(["auth", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("GitHub refused to issue a Copilot token for this account (403: Resource not accessible by personal access token). Sign in with `copilot-api auth device login`."),
        "{text}"
    );
}

#[test]
fn status_with_a_revoked_github_token_exits_1() {
    let ctx = TestContext::new();
    std::fs::create_dir_all(ctx.data_dir()).unwrap();
    ctx.store_token("gho_revoked");
    let out = ctx.cmd().args(["auth", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("no longer valid"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("gho_revoked"));
}

#[test]
fn token_logout_and_not_signed_in() {
    let ctx = TestContext::new();
    ctx.sign_in();
    let out = ctx.cmd().args(["auth", "token"]).output().unwrap();
    assert_eq!(stdout(&out), "gho_good\n");

    let out = ctx.cmd().args(["auth", "logout"]).output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("Signed out"), "{}", stderr(&out));
    assert!(!ctx.token_path().exists());

    for args in [
        &["auth", "token"][..],
        &["auth", "status"],
        &["models"],
        &["usage"],
    ] {
        let out = ctx.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            "error: Not signed in. Run `copilot-api auth device login`.\n",
            "{args:?}"
        );
    }
}

#[test]
fn github_token_flag_and_env_win_over_the_file() {
    let ctx = TestContext::new();
    std::fs::create_dir_all(ctx.data_dir()).unwrap();
    ctx.store_token("gho_revoked");
    ctx.fake
        .with(|s| s.users.push(("gho_env".into(), "envuser".into())));
    let out = ctx
        .cmd()
        .args(["auth", "status"])
        .env("COPILOT_API_GITHUB_TOKEN", "gho_env")
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("Signed in as envuser"),
        "{}",
        stdout(&out)
    );
    let out = ctx
        .cmd()
        .args(["auth", "status", "--github-token", "gho_good"])
        .env("COPILOT_API_GITHUB_TOKEN", "gho_env")
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("Signed in as octocat"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_enterprise_sign_in_is_remembered() {
    let ctx = TestContext::new();
    ctx.fake
        .with(|s| s.polls.push_back(Poll::Token("gho_good")));
    let out = ctx
        .cmd()
        .args([
            "--enterprise-url",
            "https://Acme.ghe.com/",
            "auth",
            "device",
            "login",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(ctx.data_dir().join("enterprise_url")).unwrap(),
        "acme.ghe.com"
    );
    // Later commands use it without the flag (the env overrides keep pointing at the fake).
    let out = ctx
        .cmd()
        .args(["start", "--print-settings"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["global"]["enterprise_host"], "acme.ghe.com");
    assert_eq!(
        v["global"]["endpoints"]["copilot_url_fallback"],
        "https://copilot-api.acme.ghe.com"
    );
    ctx.cmd().args(["auth", "logout"]).output().unwrap();
    assert!(!ctx.data_dir().join("enterprise_url").exists());
}
