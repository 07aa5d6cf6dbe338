//! A web page the person opens must not use their account through the local server: DNS
//! rebinding (a foreign `Host`), cross-origin requests (`Origin`, `Sec-Fetch-Site`), secrets in
//! the most verbose logs, and a token file other users can read.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{client, fixture, pieces, signed_in};
use crate::server::Proxy;
use crate::support::{TestContext, stderr, stdout};

/// Waits for the quota snapshot the server takes at start, then counts the quota calls: a web
/// page must add none.
fn quota_calls_after_start(ctx: &TestContext) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ctx.fake.requests("/copilot_internal/user").is_empty()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    ctx.fake.requests("/copilot_internal/user").len()
}

fn port(proxy: &Proxy) -> u16 {
    proxy.url.rsplit(':').next().unwrap().parse().unwrap()
}

fn chat() -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
}

/// Scripts `n` chat answers (the fake repeats its last one).
fn answers(ctx: &TestContext, n: usize) {
    for _ in 0..n {
        ctx.fake.reply(
            "/chat/completions",
            Reply::Json(
                200,
                json!({"id": "c", "object": "chat.completion", "model": "gpt-4o",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}),
            ),
        );
    }
}

/// A request as a browser would send it: the given extra headers, a `text/plain` body (the
/// "simple" request that needs no preflight).
async fn send(
    proxy: &Proxy,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, String)],
) -> reqwest::Response {
    let mut req = client().request(method.clone(), format!("{}{path}", proxy.url));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    if method == reqwest::Method::POST {
        req = req
            .header("content-type", "text/plain;charset=UTF-8")
            .body(chat().to_string());
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn dns_rebinding_names_are_refused_on_every_route() {
    let ctx = signed_in();
    answers(&ctx, 4);
    let proxy = Proxy::start(&ctx, &["--expose-token"], &[]);
    let quota_calls = quota_calls_after_start(&ctx);
    let p = port(&proxy);
    let rebound = format!("attacker.example:{p}");
    for (method, path) in [
        (reqwest::Method::POST, "/v1/chat/completions"),
        (reqwest::Method::POST, "/v1/messages"),
        (reqwest::Method::GET, "/usage"),
        (reqwest::Method::GET, "/health"),
        (reqwest::Method::GET, "/token"),
        (reqwest::Method::GET, "/v1/models"),
    ] {
        let resp = send(&proxy, method.clone(), path, &[("host", rebound.clone())]).await;
        assert_eq!(resp.status(), 403, "{method} {path}");
        let text = resp.text().await.unwrap();
        assert!(text.contains("allowed_hosts"), "{text}");
        assert!(!text.contains("tid=cop"), "{text}");
    }
    // The page reached nothing upstream.
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());
    assert_eq!(
        ctx.fake.requests("/copilot_internal/user").len(),
        quota_calls
    );
    // The Anthropic route refuses in its own shape.
    let resp = send(
        &proxy,
        reqwest::Method::POST,
        "/v1/messages",
        &[("host", rebound.clone())],
    )
    .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "permission_error");

    // Loopback names in any spelling are served.
    for host in [
        format!("localhost:{p}"),
        format!("127.0.0.1:{p}"),
        format!("LocalHost:{p}"),
    ] {
        let resp = send(
            &proxy,
            reqwest::Method::POST,
            "/v1/chat/completions",
            &[("host", host.clone())],
        )
        .await;
        assert_eq!(resp.status(), 200, "{host}");
    }

    // A name the person fronts the server with is served once listed (flag or config file).
    let named = Proxy::start(&ctx, &["--allowed-host", "copilot.lan"], &[]);
    let resp = send(
        &named,
        reqwest::Method::GET,
        "/health",
        &[("host", format!("copilot.lan:{}", port(&named)))],
    )
    .await;
    assert_eq!(resp.status(), 200);
    ctx.write_config("[server]\nallowed_hosts = [\"box.internal\"]\n");
    let configured = Proxy::start(&ctx, &[], &[]);
    let cp = port(&configured);
    let ok = send(
        &configured,
        reqwest::Method::GET,
        "/health",
        &[("host", format!("box.internal:{cp}"))],
    )
    .await;
    assert_eq!(ok.status(), 200);
    let refused = send(
        &configured,
        reqwest::Method::GET,
        "/health",
        &[("host", format!("copilot.lan:{cp}"))],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(
        configured.wait_for_log("GET /health 403", Duration::from_secs(5)),
        "{}",
        configured.log()
    );
}

#[tokio::test]
async fn foreign_origins_are_refused_and_listed_ones_get_cors() {
    let ctx = signed_in();
    answers(&ctx, 3);
    let proxy = Proxy::start(&ctx, &["--allowed-origin", "http://localhost:3000"], &[]);
    let quota_calls = quota_calls_after_start(&ctx);
    let p = port(&proxy);
    let evil = ("origin", "https://evil.example".to_owned());

    // A "simple" text/plain POST needs no preflight: it must be refused at the door.
    let resp = send(
        &proxy,
        reqwest::Method::POST,
        "/v1/chat/completions",
        std::slice::from_ref(&evil),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "permission_error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allowed_origins"),
        "{v}"
    );
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());

    // Read-only routes too, and a sandboxed frame's `null` origin.
    for (path, origin) in [
        ("/usage", "https://evil.example"),
        ("/health", "https://evil.example"),
        ("/v1/models", "null"),
    ] {
        let resp = send(
            &proxy,
            reqwest::Method::GET,
            path,
            &[("origin", origin.to_owned())],
        )
        .await;
        assert_eq!(resp.status(), 403, "{path} from {origin}");
    }
    assert_eq!(
        ctx.fake.requests("/copilot_internal/user").len(),
        quota_calls
    );

    // `<img src>` / `<script src>` send no Origin but say where they come from.
    let resp = send(
        &proxy,
        reqwest::Method::GET,
        "/usage",
        &[
            ("sec-fetch-site", "cross-site".to_owned()),
            ("sec-fetch-mode", "no-cors".to_owned()),
        ],
    )
    .await;
    assert_eq!(resp.status(), 403);

    // A preflight from a foreign origin: 403 without CORS headers, so the browser stops there.
    let preflight = |origin: &str| {
        client()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/messages", proxy.url),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-api-key,content-type")
            .header("access-control-request-private-network", "true")
            .send()
    };
    let resp = preflight("https://evil.example").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    // A listed origin gets a full answer to its preflight and to its request.
    let resp = preflight("http://localhost:3000").await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("x-api-key")
    );
    assert_eq!(h["access-control-allow-private-network"], "true");
    let resp = client()
        .post(format!("{}/v1/chat/completions", proxy.url))
        .header("origin", "http://localhost:3000")
        .json(&chat())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );

    // The server's own pages (same origin) keep working, under either loopback name.
    for own in [
        format!("http://127.0.0.1:{p}"),
        format!("http://localhost:{p}"),
    ] {
        let host = own.trim_start_matches("http://").to_owned();
        let resp = send(
            &proxy,
            reqwest::Method::POST,
            "/v1/chat/completions",
            &[
                ("origin", own.clone()),
                ("host", host),
                ("sec-fetch-site", "same-origin".to_owned()),
            ],
        )
        .await;
        assert_eq!(resp.status(), 200, "{own}");
    }
    // An origin on the same host but another port is another origin.
    let resp = send(
        &proxy,
        reqwest::Method::GET,
        "/health",
        &[("origin", format!("http://127.0.0.1:{}", p + 1))],
    )
    .await;
    assert_eq!(resp.status(), 403);

    // Even a listed origin never gets the Copilot token.
    let exposed = Proxy::start(&ctx, &["--expose-token", "--allowed-origin", "*"], &[]);
    let resp = send(
        &exposed,
        reqwest::Method::GET,
        "/token",
        &[("origin", "http://localhost:3000".to_owned())],
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert!(!resp.text().await.unwrap().contains("tid=cop"));
    // `*` opens every other route to every page, as the person asked.
    let resp = send(&exposed, reqwest::Method::GET, "/health", &[evil]).await;
    assert_eq!(resp.status(), 200);
}

#[test]
fn malformed_allow_lists_stop_start_up() {
    let ctx = signed_in();
    let out = ctx
        .cmd()
        .args([
            "start",
            "--port",
            "0",
            "--allowed-origin",
            "evil.example/path",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("is not an origin"), "{err}");
}

/// A whole session at the most verbose level (`-vv`: our trace, every dependency's debug):
/// token exchange, a refresh after a Copilot 401, chat, a translated stream, native messages,
/// usage, models, count_tokens, refused keys. No GitHub token, Copilot token or API key may
/// appear in what is logged, in any answer, or in `/health`.
#[tokio::test]
async fn no_secret_reaches_the_logs_or_the_answers_at_trace_level() {
    let ctx = signed_in();
    // Two chat answers, then the stream the translated Messages call gets.
    answers(&ctx, 2);
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            pieces(&fixture("copilot/gpt_text.sse"), 9),
            Duration::from_millis(1),
        ),
    );
    let key = "sk-local-Zq8vX3";
    let proxy = Proxy::start(&ctx, &["-vv", "--api-key", key], &[]);
    // The next Copilot call is refused once: the proxy refreshes its token and retries.
    ctx.fake.with(|s| s.invalid_first_n = 1);
    let mut answers_text = String::new();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>, key: &str| {
        let mut req = client()
            .request(method, format!("{}{path}", proxy.url))
            .header("x-api-key", key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send()
    };
    for (method, path, body, key) in [
        (
            reqwest::Method::POST,
            "/v1/chat/completions",
            Some(chat()),
            key,
        ),
        (
            reqwest::Method::POST,
            "/v1/chat/completions",
            Some(chat()),
            key,
        ),
        (
            reqwest::Method::POST,
            "/v1/messages",
            Some(
                json!({"model": "gpt-4o", "max_tokens": 20, "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            ),
            key,
        ),
        (
            reqwest::Method::POST,
            "/v1/messages/count_tokens",
            Some(
                json!({"model": "claude-sonnet-4.5", "messages": [{"role": "user", "content": "hi"}]}),
            ),
            key,
        ),
        (reqwest::Method::GET, "/v1/models", None, key),
        (reqwest::Method::GET, "/usage", None, key),
        (reqwest::Method::GET, "/health", None, key),
        (reqwest::Method::GET, "/token", None, key),
        (
            reqwest::Method::POST,
            "/v1/chat/completions",
            Some(chat()),
            "sk-local-wrong",
        ),
    ] {
        let resp = call(method.clone(), path, body, key).await.unwrap();
        answers_text.push_str(&format!("{method} {path} {}\n", resp.status()));
        for (name, value) in resp.headers() {
            answers_text.push_str(&format!("{name}: {value:?}\n"));
        }
        answers_text.push_str(&resp.text().await.unwrap());
    }
    assert!(
        answers_text.contains("POST /v1/chat/completions 200"),
        "{answers_text}"
    );
    assert!(
        answers_text.contains("POST /v1/messages 200"),
        "{answers_text}"
    );
    assert!(
        answers_text.contains("event: message_stop"),
        "{answers_text}"
    );
    assert!(
        proxy.wait_for_log("POST /v1/chat/completions 401", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    // The refresh really happened, so a second Copilot token exists to leak.
    assert!(ctx.fake.with(|s| s.issued.len()) >= 2);
    let log = proxy.log();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "not verbose:\n{log}"
    );
    let issued = ctx.fake.with(|s| s.issued.clone());
    let mut secrets = vec!["gho_good".to_owned(), key.to_owned(), "tid=cop".to_owned()];
    secrets.extend(issued);
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "{secret} in the log:\n{log}"
        );
        assert!(
            !answers_text.contains(secret.as_str()),
            "{secret} in an answer:\n{answers_text}"
        );
    }
}

#[test]
fn a_token_file_other_users_can_read_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt as _;
    let ctx = signed_in();
    let path = ctx.token_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let out = ctx.cmd().args(["start", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("chmod 600 {}", path.display())),
        "{err}"
    );
    assert!(err.contains("mode 0644"), "{err}");
    assert!(!err.contains("gho_good"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let out = ctx.cmd().args(["auth", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("accessible to other users"), "{text}");
    assert!(text.contains("chmod 600"), "{text}");
    let out = ctx
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signed_in"], false);
    assert_eq!(v["token_file_mode"], "0644");

    let out = ctx.cmd().args(["auth", "token"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!stdout(&out).contains("gho_good"));

    // Fixed as told, everything works again.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = ctx.cmd().args(["auth", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
