//! The usage ledger, budgets, named keys and `/metrics`, through the real binary.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{client, fixture, get_json, pieces, post, signed_in};
use crate::server::Proxy;
use crate::support::{TestContext, stderr, stdout};

fn ledger_path(ctx: &TestContext) -> std::path::PathBuf {
    ctx.data_dir().join("ledger.sqlite")
}

/// Waits until the ledger holds `n` rows (the writer batches every 200 ms).
fn wait_rows(ctx: &TestContext, n: i64) -> Connection {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(conn) = Connection::open(ledger_path(ctx))
            && let Ok(count) =
                conn.query_row("SELECT COUNT(*) FROM requests", [], |r| r.get::<_, i64>(0))
            && count >= n
        {
            return conn;
        }
        assert!(
            Instant::now() < deadline,
            "the ledger never reached {n} rows"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[derive(Debug)]
struct Row {
    route: String,
    client_model: Option<String>,
    provider: Option<String>,
    upstream_model: Option<String>,
    shape: Option<String>,
    status: u16,
    error_class: Option<String>,
    stream: bool,
    initiator: Option<String>,
    tokens_in: Option<i64>,
    tokens_out: Option<i64>,
    cache_read: Option<i64>,
    cache_write: Option<i64>,
    credits: Option<f64>,
    included: bool,
    premium_units: Option<f64>,
    attempts: u32,
    fallbacks: u32,
    session_id: Option<String>,
    tools: bool,
    images: bool,
    bytes_in: i64,
    bytes_out: i64,
}

fn rows(conn: &Connection) -> Vec<Row> {
    let mut stmt = conn
        .prepare(
            "SELECT route, client_model, provider, upstream_model, shape, status, error_class, stream, initiator,
                tokens_in, tokens_out, cache_read, credits, included, premium_units, attempts, fallbacks,
                session_id, tools, images, bytes_in, bytes_out, cache_write
             FROM requests ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Row {
            route: r.get(0)?,
            client_model: r.get(1)?,
            provider: r.get(2)?,
            upstream_model: r.get(3)?,
            shape: r.get(4)?,
            status: r.get(5)?,
            error_class: r.get(6)?,
            stream: r.get(7)?,
            initiator: r.get(8)?,
            tokens_in: r.get(9)?,
            tokens_out: r.get(10)?,
            cache_read: r.get(11)?,
            credits: r.get(12)?,
            included: r.get(13)?,
            premium_units: r.get(14)?,
            attempts: r.get(15)?,
            fallbacks: r.get(16)?,
            session_id: r.get(17)?,
            tools: r.get(18)?,
            images: r.get(19)?,
            bytes_in: r.get(20)?,
            bytes_out: r.get(21)?,
            cache_write: r.get(22)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test]
async fn every_route_gets_a_row_with_tokens_and_credits() {
    let ctx = signed_in();
    ctx.write_config(&format!(
        r#"
        [providers.backup]
        kind = "openai-compatible"
        base_url = "{}/backup/v1"
        models = ["gpt-4o"]
        [providers.dead]
        kind = "openai-compatible"
        base_url = "http://127.0.0.1:1/v1"
        models = ["gpt-4o"]
        [[routes]]
        match = "resilient"
        targets = [{{ provider = "dead", model = "gpt-4o", priority = 1 }}, {{ provider = "backup", model = "gpt-4o", priority = 2 }}]
        "#,
        ctx.fake.base
    ));
    let f = &ctx.fake;
    // 1. Chat passthrough on an included model: 1200 prompt tokens, 1000 of them cached.
    f.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "c1", "object": "chat.completion", "model": "gpt-4o",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 100, "total_tokens": 1300,
                      "prompt_tokens_details": {"cached_tokens": 1000}}})),
    );
    // 2. Messages translated to chat, streamed (Claude Haiku 4.5: $1 in, $0.10 cached, $5 out).
    f.reply(
        "/chat/completions",
        Reply::Sse(
            pieces(&fixture("copilot/claude_text_then_tool.sse"), 11),
            Duration::from_millis(1),
        ),
    );
    f.reply(
        "/responses",
        Reply::Json(200, json!({"id": "resp_1", "object": "response", "status": "completed", "output": [],
            "usage": {"input_tokens": 50, "output_tokens": 7, "input_tokens_details": {"cached_tokens": 0}}})),
    );
    f.reply(
        "/embeddings",
        Reply::Json(200, json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}],
            "usage": {"prompt_tokens": 3, "total_tokens": 3}})),
    );
    f.reply(
        "/backup/v1/chat/completions",
        Reply::Json(200, json!({"id": "b", "object": "chat.completion", "model": "gpt-4o",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "backup"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2}})),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-request-id"].len(), 36);
    resp.bytes().await.unwrap();
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .json(
            &json!({"model": "claude-haiku-4-5-20251001", "max_tokens": 100, "stream": true,
            "metadata": {"user_id": "user_abc_account_11_session_5e55-1"},
            "tools": [{"name": "Read", "input_schema": {"type": "object"}}],
            "messages": [{"role": "user", "content": "read it"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let streamed = resp.text().await.unwrap();
    let resp = client()
        .post(format!("{}/v1/responses", proxy.url))
        .header("session_id", "codex-session-7")
        .json(&json!({"model": "gpt-5.1-codex", "input": [{"type": "function_call_output", "call_id": "c", "output": "ok"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    post(
        &proxy,
        "/v1/embeddings",
        json!({"model": "text-embedding-3-small", "input": "x"}),
    )
    .await
    .bytes()
    .await
    .unwrap();
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "nope-model", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 404);
    resp.bytes().await.unwrap();
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "resilient", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();

    let conn = wait_rows(&ctx, 6);
    let rows = rows(&conn);
    assert_eq!(rows.len(), 6, "{rows:#?}");

    let chat = &rows[0];
    assert_eq!(
        (chat.route.as_str(), chat.provider.as_deref(), chat.status),
        ("chat", Some("copilot"), 200)
    );
    assert_eq!(chat.shape.as_deref(), Some("passthrough"));
    assert_eq!(
        (chat.tokens_in, chat.cache_read, chat.tokens_out),
        (Some(200), Some(1000), Some(100))
    );
    // gpt-4o is included on Copilot: zero credits, never "unpriced".
    assert!(chat.included);
    assert_eq!(chat.credits, Some(0.0));
    assert_eq!(chat.initiator.as_deref(), Some("user"));
    assert_eq!(chat.premium_units, Some(0.0));
    assert!(chat.bytes_in > 0 && chat.bytes_out > 0);

    let messages = &rows[1];
    assert_eq!(messages.route, "messages");
    assert_eq!(
        messages.client_model.as_deref(),
        Some("claude-haiku-4-5-20251001")
    );
    assert_eq!(messages.upstream_model.as_deref(), Some("claude-haiku-4.5"));
    assert_eq!(messages.shape.as_deref(), Some("translated"));
    assert!(messages.stream && messages.tools && !messages.images);
    assert_eq!(messages.session_id.as_deref(), Some("5e55-1"));
    assert_eq!(messages.bytes_out as usize, streamed.len());
    // The fixture's usage: by hand from its last chunk.
    let usage: Value = std::str::from_utf8(&fixture("copilot/claude_text_then_tool.sse"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| v.get("usage").cloned())
        .next_back()
        .unwrap();
    let prompt = usage["prompt_tokens"].as_u64().unwrap();
    let cached = usage
        .pointer("/prompt_tokens_details/cached_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let output = usage["completion_tokens"].as_u64().unwrap();
    assert_eq!(messages.tokens_in, Some((prompt - cached) as i64));
    assert_eq!(messages.tokens_out, Some(output as i64));
    let expected =
        ((prompt - cached) as f64 * 1.0 + cached as f64 * 0.10 + output as f64 * 5.0) / 1e6 * 100.0;
    let credits = messages.credits.unwrap();
    assert!((credits - expected).abs() < 1e-9, "{credits} vs {expected}");
    assert!(!messages.included);
    assert_eq!(messages.premium_units, Some(0.33));

    let responses = &rows[2];
    assert_eq!(responses.route, "responses");
    assert_eq!(responses.initiator.as_deref(), Some("agent"));
    assert_eq!(responses.session_id.as_deref(), Some("codex-session-7"));
    assert_eq!(
        responses.premium_units, None,
        "agent turns spend no premium requests"
    );
    // A model with no published rate is unpriced, never 0.
    assert_eq!(responses.credits, None);
    assert_eq!(rows[3].route, "embeddings");

    let missing = &rows[4];
    assert_eq!(
        (missing.status, missing.error_class.as_deref()),
        (404, Some("client"))
    );
    assert_eq!(missing.provider, None);

    let fell_over = &rows[5];
    assert_eq!(fell_over.provider.as_deref(), Some("backup"));
    assert_eq!((fell_over.attempts, fell_over.fallbacks), (2, 1));

    // usage --local reads it while the server runs.
    let out = ctx
        .cmd()
        .args(["usage", "--local", "--since", "1d", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let haiku = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "claude-haiku-4.5")
        .unwrap();
    assert!((haiku["credits"].as_f64().unwrap() - expected).abs() < 1e-9);
    let out = ctx
        .cmd()
        .args(["usage", "--local", "--by", "provider"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.lines().next().unwrap().starts_with("PROVIDER"),
        "{text}"
    );
    assert!(
        text.contains("backup") && text.contains("copilot"),
        "{text}"
    );
    let out = ctx
        .cmd()
        .args(["usage", "--local", "--by", "session", "--csv"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.starts_with("session,requests,errors"), "{text}");
    assert!(text.contains("codex-session-7,1,"), "{text}");
}

#[tokio::test]
async fn cache_writes_of_a_messages_upstream_are_counted_on_every_surface() {
    let ctx = signed_in();
    ctx.write_config(&format!(
        r#"
        [providers.ant]
        kind = "anthropic"
        api_key = "sk-ant-test"
        base_url = "{}/anthropic"
        "#,
        ctx.fake.base
    ));
    let f = &ctx.fake;
    f.reply(
        "/anthropic/v1/models",
        Reply::Json(
            200,
            json!({"data": [{"id": "claude-opus-4-1", "type": "model"}], "has_more": false}),
        ),
    );
    // 20 fresh input tokens, 100 read from the cache, 40 written to it.
    let answer = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-4-1",
        "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 20, "output_tokens": 5, "cache_read_input_tokens": 100,
                  "cache_creation_input_tokens": 40}});
    for _ in 0..3 {
        f.reply("/anthropic/v1/messages", Reply::Json(200, answer.clone()));
    }
    let proxy = Proxy::start(&ctx, &[], &[]);
    let model = "ant/claude-opus-4-1";
    for (path, body) in [
        (
            "/v1/messages",
            json!({"model": model, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
        ),
        (
            "/v1/chat/completions",
            json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}),
        ),
        ("/v1/responses", json!({"model": model, "input": "hi"})),
    ] {
        let resp = post(&proxy, path, body).await;
        assert_eq!(resp.status(), 200, "{path}");
        resp.bytes().await.unwrap();
    }
    let conn = wait_rows(&ctx, 3);
    let rows = rows(&conn);
    let shapes: Vec<_> = rows.iter().map(|r| r.shape.as_deref()).collect();
    assert_eq!(
        shapes,
        [Some("passthrough"), Some("translated"), Some("translated")]
    );
    for row in &rows {
        assert_eq!(
            (
                row.tokens_in,
                row.cache_read,
                row.cache_write,
                row.tokens_out
            ),
            (Some(20), Some(100), Some(40), Some(5)),
            "{}",
            row.route
        );
    }
}

#[tokio::test]
async fn a_killed_server_loses_at_most_its_last_batch_and_the_file_opens_cleanly() {
    let ctx = signed_in();
    crate::proxy::answers_hi(&ctx);
    let mut proxy = Proxy::start(&ctx, &[], &[]);
    for _ in 0..20 {
        post(
            &proxy,
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await
        .bytes()
        .await
        .unwrap();
    }
    wait_rows(&ctx, 20);
    for _ in 0..5 {
        post(
            &proxy,
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await
        .bytes()
        .await
        .unwrap();
    }
    proxy.child.kill().unwrap();
    proxy.child.wait().unwrap();
    let conn = Connection::open(ledger_path(&ctx)).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM requests", [], |r| r.get(0))
        .unwrap();
    assert!((20..=25).contains(&n), "{n}");
    drop(conn);
    // A graceful stop writes everything.
    let proxy = Proxy::start(&ctx, &[], &[]);
    for _ in 0..3 {
        post(
            &proxy,
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await
        .bytes()
        .await
        .unwrap();
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &proxy.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        proxy.wait_for_log("Stopped.", Duration::from_secs(15)),
        "{}",
        proxy.log()
    );
    let conn = Connection::open(ledger_path(&ctx)).unwrap();
    let after: i64 = conn
        .query_row("SELECT COUNT(*) FROM requests", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, n + 3);
}

#[tokio::test]
async fn a_broken_ledger_never_fails_a_request() {
    // A file that is not a database: the ledger turns itself off, requests go on.
    let ctx = signed_in();
    crate::proxy::answers_hi(&ctx);
    std::fs::write(
        ledger_path(&ctx),
        b"not a database, just words ".repeat(200),
    )
    .unwrap();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(
        proxy.wait_for_log("usage ledger off", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    let line = proxy
        .log()
        .lines()
        .filter(|l| l.contains("usage ledger off"))
        .count();
    assert_eq!(line, 1, "{}", proxy.log());
    let health: Value = get_json(&proxy, "/health").await;
    assert_eq!(health["ledger"]["enabled"], false);
    assert!(
        health["ledger"]["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("not a usable SQLite database")
    );
    drop(proxy);
    let out = ctx.cmd().arg("doctor").output().unwrap();
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL ledger") && l.contains("ledger.sqlite")),
        "{text}"
    );

    // A read-only data directory: the same.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let ctx = signed_in();
        crate::proxy::answers_hi(&ctx);
        let dir = ctx.data_dir();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        let started = Proxy::try_start(&ctx, &[], &[]);
        let restore =
            || std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let proxy = match started {
            Ok(proxy) => proxy,
            Err(log) => {
                restore();
                panic!("did not start with a read-only data directory:\n{log}");
            }
        };
        let resp = post(
            &proxy,
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        let status = resp.status();
        drop(proxy);
        restore();
        // root ignores directory modes; then the ledger simply works. Either way the request
        // succeeds.
        assert_eq!(status, 200);
    }
}

/// A disk that fills up while the server runs: every file write past a size limit fails
/// (`ulimit -f` with SIGXFSZ ignored, so writes fail with EFBIG instead of killing the
/// process, as they fail with ENOSPC on a full disk). The ledger turns itself off with one log
/// line naming the file; every request is still answered, before and after.
#[cfg(unix)]
#[tokio::test]
async fn a_disk_that_fills_up_turns_the_ledger_off_and_requests_go_on() {
    let ctx = signed_in();
    crate::proxy::answers_hi(&ctx);
    // Start once without a limit, so the models cache and the ledger's schema exist; the
    // limit then only bites as the ledger grows.
    drop(Proxy::start(&ctx, &[], &[]));
    let size = std::fs::metadata(ledger_path(&ctx)).unwrap().len();
    let blocks = (size + 96 * 1024) / 512; // 96 KiB of room, in `ulimit -f`'s 512-byte blocks
    let mut command = std::process::Command::new("/bin/sh");
    command
        .args([
            "-c",
            &format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""),
            env!("CARGO_BIN_EXE_copilot-api"),
            "start",
            "--port",
            "0",
        ])
        .env_clear()
        .envs(ctx.envs());
    let proxy = Proxy::spawn(command).unwrap_or_else(|log| panic!("did not start:\n{log}"));
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
        "user": "x".repeat(2000)});
    let mut served = 0;
    while !proxy.log().contains("usage ledger off") {
        assert!(
            served < 2000,
            "the ledger never filled 96 KiB: {}",
            proxy.log()
        );
        let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
        assert_eq!(resp.status(), 200, "request {served}");
        served += 1;
        if served % 20 == 0 {
            // Let the writer's batch land.
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    for _ in 0..20 {
        let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
        assert_eq!(resp.status(), 200);
    }
    let log = proxy.log();
    let off: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("usage ledger off"))
        .collect();
    assert_eq!(off.len(), 1, "{log}");
    assert!(
        off[0].contains("ledger.sqlite") && off[0].contains("free some space"),
        "{}",
        off[0]
    );
    let health: Value = get_json(&proxy, "/health").await;
    assert_eq!(health["ledger"]["enabled"], false, "{health}");
    drop(proxy);
    // What was written before the disk filled is intact.
    let conn = Connection::open(ledger_path(&ctx)).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM requests", [], |r| r.get(0))
        .unwrap();
    assert!(rows > 0, "no row before the disk filled");
}

#[tokio::test]
async fn budgets_reject_or_reroute_when_spent() {
    let ctx = signed_in();
    // Claude Sonnet 4.5 at a price that makes one request cost ~1 credit.
    ctx.write_config(
        r#"
        [budget]
        daily_credits = 0.5
        [prices."claude-sonnet-4.5"]
        input = 1000.0
        output = 1000.0
        "#,
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, json!({"id": "c", "object": "chat.completion", "model": "claude-sonnet-4.5",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2}})),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let body =
        json!({"model": "claude-sonnet-4.5", "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(
        post(&proxy, "/v1/chat/completions", body.clone())
            .await
            .status(),
        200
    );
    // 12 tokens × $1000/M = $0.012 = 1.2 credits > 0.5: the budget is spent.
    let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "budget_exhausted");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("daily budget"),
        "{v}"
    );
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .json(&json!({"model": "claude-sonnet-4.5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.json::<Value>().await.unwrap()["type"], "error");
    let health: Value = get_json(&proxy, "/health").await;
    assert!(
        health["spent_credits"]["today"].as_f64().unwrap() > 1.0,
        "{health}"
    );
    // The priced request is in the ledger before the server goes.
    wait_rows(&ctx, 1);
    drop(proxy);

    // route:MODEL: spent budgets send requests to the included model instead. The spending
    // survives the restart (the ledger's daily totals).
    ctx.write_config(
        r#"
        [budget]
        daily_credits = 0.5
        on_exhausted = "route:gpt-4o"
        [prices."claude-sonnet-4.5"]
        input = 1000.0
        output = 1000.0
        "#,
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(&proxy, "/v1/chat/completions", body).await;
    assert_eq!(resp.status(), 200);
    let sent = ctx.fake.requests("/copilot/chat/completions");
    assert_eq!(sent.last().unwrap().json()["model"], "gpt-4o");
    assert!(
        proxy.wait_for_log("budget spent", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
}

#[tokio::test]
async fn named_keys_are_hashed_limited_and_attributed() {
    let ctx = signed_in();
    crate::proxy::answers_hi(&ctx);
    let out = ctx
        .cmd()
        .args(["keys", "add", "ci-bot", "--rpm", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_owned();
    assert!(key.starts_with("cpk-"), "{key}");
    let stored = std::fs::read_to_string(ctx.data_dir().join("keys.json")).unwrap();
    assert!(!stored.contains(&key));

    let proxy = Proxy::start(&ctx, &[], &[]);
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    // Without a key: refused.
    assert_eq!(
        post(&proxy, "/v1/chat/completions", body.clone())
            .await
            .status(),
        401
    );
    let with_key = |key: &str| {
        client()
            .post(format!("{}/v1/chat/completions", proxy.url))
            .bearer_auth(key)
            .json(&body)
            .send()
    };
    assert_eq!(with_key(&key).await.unwrap().status(), 200);
    assert_eq!(with_key(&key).await.unwrap().status(), 200);
    let resp = with_key(&key).await.unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert!(resp.text().await.unwrap().contains("ci-bot"));
    assert_eq!(with_key("cpk-not-a-key").await.unwrap().status(), 401);

    // A key over its limit is recorded under its name; requests without a valid key are
    // counted in the metrics only (no one without a key makes the server write to disk).
    let conn = wait_rows(&ctx, 3);
    let rows: Vec<(u16, Option<String>, Option<String>, String)> = conn
        .prepare("SELECT status, key_name, error_class, route FROM requests ORDER BY ts_ms, rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let bot = Some("ci-bot".to_owned());
    assert_eq!(
        rows,
        [
            (200, bot.clone(), None, "chat".to_owned()),
            (200, bot.clone(), None, "chat".to_owned()),
            (429, bot, Some("rate_limited".to_owned()), "chat".to_owned()),
        ]
    );
    let out = ctx.cmd().args(["keys", "list"]).output().unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("ci-bot") && !text.contains(&key) && !text.contains("never"),
        "{text}"
    );

    // Removed: refused within a second or so (another key keeps keys required; with no
    // named key left a loopback server is open again, as before the first `keys add`).
    assert!(
        ctx.cmd()
            .args(["keys", "add", "laptop"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let out = ctx
        .cmd()
        .args(["keys", "remove", "ci-bot"])
        .output()
        .unwrap();
    assert!(out.status.success());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(with_key(&key).await.unwrap().status(), 401);
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_with_bounded_labels() {
    let ctx = signed_in();
    crate::proxy::answers_hi(&ctx);
    let proxy = Proxy::start(&ctx, &[], &[("COPILOT_API_KEY", "k1")]);
    for model in ["gpt-4o", "gpt-4o", "made-up-model-1", "made-up-model-2"] {
        client()
            .post(format!("{}/v1/chat/completions", proxy.url))
            .bearer_auth("k1")
            .json(&json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    // Behind the API key.
    assert_eq!(
        client()
            .get(format!("{}/metrics", proxy.url))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let text = client()
        .get(format!("{}/metrics", proxy.url))
        .bearer_auth("k1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    assert_eq!(
        value(
            "copilot_api_requests_total",
            &[
                ("model", "gpt-4o"),
                ("provider", "copilot"),
                ("status_class", "2xx")
            ]
        ),
        2.0
    );
    // Unknown models never become label values.
    assert_eq!(
        value(
            "copilot_api_requests_total",
            &[("model", "other"), ("status_class", "4xx")]
        ),
        2.0
    );
    assert!(!text.contains("made-up-model"), "{text}");
    assert_eq!(
        value(
            "copilot_api_upstream_attempts_total",
            &[("provider", "copilot"), ("outcome", "ok")]
        ),
        2.0
    );
    assert_eq!(value("copilot_api_ledger_enabled", &[]), 1.0);
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "copilot_api_request_duration_seconds_count")
    );
    let _ = Bytes::new();
}
