//! Clients that misbehave at the connection level, a panic in a handler, and shutdown: each
//! gets the right answer (or a closed socket), and the server goes on serving.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{chat_answer, client, post, signed_in};
use crate::server::Proxy;

fn addr(proxy: &Proxy) -> String {
    proxy.url.trim_start_matches("http://").to_owned()
}

fn connect(proxy: &Proxy) -> TcpStream {
    let stream = TcpStream::connect(addr(proxy)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection (or 10 s pass); what came, and when it closed.
fn read_to_close(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    (
        String::from_utf8_lossy(&all).into_owned(),
        started.elapsed(),
    )
}

/// A fresh connection gets its `GET /health` answered.
fn still_serving(proxy: &Proxy) {
    let mut fresh = connect(proxy);
    fresh
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_to_close(&mut fresh).0.starts_with("HTTP/1.1 200"));
}

/// Reads one whole response to a `GET /health` (headers and the small body).
fn read_response(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&all).contains("\"status\"") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&all));
        all.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn slow_silent_and_idle_clients_are_cut_off() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &["--client-timeout", "1"], &[]);

    // A socket that sends nothing.
    let mut silent = connect(&proxy);
    let (_, after) = read_to_close(&mut silent);
    assert!(after < Duration::from_secs(4), "{after:?}");

    // A request head trickled one byte every 150 ms never completes within the timeout.
    let mut slow = connect(&proxy);
    let mut writer = slow.try_clone().unwrap();
    std::thread::spawn(move || {
        for byte in
            b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa\r\n\r\n"
        {
            if writer.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    });
    let (got, after) = read_to_close(&mut slow);
    assert!(!got.contains("200 OK"), "{got}");
    assert!(after < Duration::from_secs(5), "{after:?}");

    // A keep-alive connection left idle after its answer.
    let mut idle = connect(&proxy);
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut idle).starts_with("HTTP/1.1 200"));
    let (_, after) = read_to_close(&mut idle);
    assert!(
        after > Duration::from_millis(500) && after < Duration::from_secs(4),
        "{after:?}"
    );

    // A body that stops arriving: 408 in the route's shape.
    let mut trickle = connect(&proxy);
    trickle
        .write_all(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":")
        .unwrap();
    let (got, _) = read_to_close(&mut trickle);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains(r#""type":"error""#), "{got}");
    assert!(got.contains("--client-timeout"), "{got}");

    // And the server is fine.
    still_serving(&proxy);
}

#[test]
fn http_edge_cases_expect_continue_pipelining_http10_and_huge_headers() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);

    // A 100 MB body announced with `Expect: 100-continue`: 413 at once, nothing read, no
    // `100 Continue`.
    let mut expect = connect(&proxy);
    let started = Instant::now();
    expect
        .write_all(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let (got, _) = read_to_close(&mut expect);
    assert!(got.starts_with("HTTP/1.1 413"), "{got}");
    assert!(!got.contains("100 Continue"), "{got}");
    assert!(got.contains("request_too_large"), "{got}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // HTTP/1.0 without Host: answered, then closed.
    let mut old = connect(&proxy);
    old.write_all(b"GET /health HTTP/1.0\r\n\r\n").unwrap();
    let (got, _) = read_to_close(&mut old);
    assert!(got.contains(" 200 OK"), "{got}");

    // Two pipelined requests in one write: two answers, in order.
    let mut pipelined = connect(&proxy);
    pipelined
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (got, _) = read_to_close(&mut pipelined);
    let first = got.find("HTTP/1.1 200").unwrap();
    let second = got.find("HTTP/1.1 404").unwrap();
    assert!(first < second, "{got}");

    // A 600 KB header: 431.
    let mut huge = connect(&proxy);
    let head = format!(
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(600 << 10)
    );
    let _ = huge.write_all(head.as_bytes());
    let (got, _) = read_to_close(&mut huge);
    assert!(got.starts_with("HTTP/1.1 431"), "{got:.200}");

    still_serving(&proxy);
}

#[cfg(unix)]
#[tokio::test]
async fn silent_connections_cannot_lock_clients_out_under_a_low_descriptor_limit() {
    use std::os::unix::process::CommandExt as _;
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "hi")),
    );
    let mut command = ctx.std_cmd();
    command.args(["start", "--port", "0", "-v"]);
    // macOS's default, `ulimit -n 256`, for the server alone.
    #[expect(unsafe_code, reason = "setrlimit between fork and exec")]
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 256,
                rlim_max: 256,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let proxy = Proxy::spawn(command).unwrap_or_else(|log| panic!("{log}"));
    let address = addr(&proxy);
    // 300 sockets that never send a byte (more than the process may open).
    let silent: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Real clients are still served, on fresh connections, upstream included.
    for _ in 0..20 {
        let resp = tokio::time::timeout(
            Duration::from_secs(10),
            reqwest::Client::new()
                .get(format!("{}/health", proxy.url))
                .send(),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer within 10 s:\n{}", proxy.log()))
        .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let resp = tokio::time::timeout(
        Duration::from_secs(10),
        post(&proxy, "/v1/chat/completions", body),
    )
    .await
    .expect("answered within 10 s");
    assert_eq!(resp.status(), 200);
    drop(silent);
}

#[tokio::test]
async fn a_panic_in_a_handler_is_a_500_in_the_route_shape_and_one_log_line() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let body = json!({"model": "gpt-4o", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]});
    for (path, anthropic) in [("/v1/messages", true), ("/v1/chat/completions", false)] {
        let resp = client()
            .post(format!("{}{path}", proxy.url))
            .header("x-copilot-api-debug-panic", "1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 500);
        let v: Value = resp.json().await.unwrap();
        if anthropic {
            assert_eq!(v["type"], "error", "{v}");
            assert_eq!(v["error"]["type"], "api_error", "{v}");
        } else {
            assert!(
                v["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("internal error"),
                "{v}"
            );
        }
    }
    let resp = client()
        .get(format!("{}/health", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(proxy.wait_for_log("internal error at", Duration::from_secs(5)));
    let log = proxy.log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("x-copilot-api-debug-panic"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(!log.contains("RUST_BACKTRACE"), "{log}");
}

#[cfg(unix)]
#[tokio::test]
async fn shutdown_lets_streams_run_then_ends_them_and_a_second_signal_exits_at_once() {
    use futures_util::StreamExt as _;
    let chunk = Bytes::from_static(b"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"},\"finish_reason\":null}]}\n\n");
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(vec![chunk.clone(); 60], Duration::from_millis(500)),
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(vec![chunk; 60], Duration::from_millis(500)),
    );
    let body =
        json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let signal = |pid: u32, name: &str| {
        std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .unwrap();
    };

    // One signal: the stream goes on for the grace period, then ends with an error event.
    let mut proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
    let mut stream = resp.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("tick"));
    let started = Instant::now();
    signal(proxy.child.id(), "TERM");
    let mut rest = String::new();
    while let Some(Ok(bytes)) = stream.next().await {
        rest.push_str(&String::from_utf8_lossy(&bytes));
    }
    let ended = started.elapsed();
    assert!(
        ended > Duration::from_secs(8) && ended < Duration::from_secs(14),
        "{ended:?}"
    );
    assert!(rest.contains("tick"), "{rest}");
    assert!(
        rest.trim_end()
            .ends_with(r#"data: {"error":{"message":"copilot-api is shutting down: this answer ends here","type":"upstream_error","code":"stream_interrupted"}}"#),
        "{rest}"
    );
    let status = proxy.child.wait().unwrap();
    assert!(status.success(), "{status:?}");

    // Two signals: out at once.
    let mut proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(&proxy, "/v1/chat/completions", body).await;
    let mut stream = resp.bytes_stream();
    stream.next().await.unwrap().unwrap();
    let pid = proxy.child.id();
    signal(pid, "INT");
    assert!(proxy.wait_for_log("Ctrl-C again", Duration::from_secs(5)));
    let started = Instant::now();
    signal(pid, "INT");
    let status = proxy.child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(status.code(), Some(130), "{}", proxy.log());
}

#[tokio::test]
async fn passthrough_streams_that_end_early_or_break_get_their_error_event() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let cases: [(&str, &str, Value, &str, &str); 3] = [
        (
            "/chat/completions",
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"},\"finish_reason\":null}]}\n\n",
            "data: {\"error\":",
        ),
        (
            "/v1/messages",
            "/v1/messages",
            json!({"model": "claude-sonnet-4.5", "max_tokens": 100, "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4.5\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"par\"}}\n\n",
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"",
        ),
        (
            "/responses",
            "/v1/responses",
            json!({"model": "gpt-5.1-codex", "stream": true, "input": "hi"}),
            "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"r\",\"status\":\"in_progress\",\"output\":[]}}\n\nevent: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"delta\":\"par\"}\n\n",
            "event: error\ndata: {\"type\":\"error\",\"code\":\"upstream_error\"",
        ),
    ];
    for (upstream, route, body, partial, error_start) in cases {
        // Ends cleanly, but without its end event; then cut in the middle of an event that
        // follows some content.
        let doubled = format!("{partial}{partial}");
        let half = &doubled[..doubled.len() - 20];
        for (reply, sent) in [
            (
                Reply::Sse(vec![Bytes::from(partial.to_owned())], Duration::ZERO),
                partial,
            ),
            (Reply::SseThenCut(vec![Bytes::from(half.to_owned())]), half),
        ] {
            ctx.fake.with(|s| s.replies.retain(|(p, _)| p != upstream));
            ctx.fake.reply(upstream, reply);
            let resp = post(&proxy, route, body.clone()).await;
            assert_eq!(resp.status(), 200, "{route}");
            let text = resp.text().await.unwrap();
            // What came before the cut, up to the error event (the chat relay, which rewrites
            // whole lines, holds back a half line).
            let at = text
                .find(error_start)
                .unwrap_or_else(|| panic!("{route}: {text}"));
            let before = text[..at].trim_end_matches('\n');
            assert!(text.starts_with(partial), "{route}: {text}");
            assert!(sent.starts_with(before), "{route}: {text}");
            let rest = &text[at..];
            assert!(rest.starts_with(error_start), "{route}: {text}");
            assert!(text.ends_with("\n\n"), "{route}: {text}");
        }
    }
    assert!(
        proxy.log().contains("without its end event"),
        "{}",
        proxy.log()
    );
}

#[tokio::test]
async fn a_token_endpoint_outage_and_a_revoked_sign_in_are_named_and_survived() {
    let ctx = signed_in();
    // Tokens expire 3 s after issue and are refreshed 1 s after issue.
    ctx.fake.with(|s| {
        s.refresh_in = 61;
        s.expires_in = Some(3);
    });
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "hi")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});

    // The token endpoint goes down: the current token serves until it expires.
    ctx.fake
        .with(|s| s.token_failure = Some((500, json!({"message": "boom"}))));
    let issued = ctx.fake.with(|s| s.issued.len());
    assert_eq!(
        post(&proxy, "/v1/chat/completions", body.clone())
            .await
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(3500)).await;
    // Then every request fails at once, naming the cause.
    let started = Instant::now();
    let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
    assert_eq!(resp.status(), 502);
    let v: Value = resp.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("expired and GitHub has not issued a new one"),
        "{v}"
    );
    assert!(message.contains("boom"), "{v}");
    assert!(started.elapsed() < Duration::from_secs(1));

    // The endpoint comes back: service resumes by itself.
    ctx.fake.with(|s| s.token_failure = None);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
        if resp.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "{}", proxy.log());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(ctx.fake.with(|s| s.issued.len()) > issued);
    assert!(proxy.wait_for_log("serving again", Duration::from_secs(5)));

    // The sign-in is revoked: once the token expires, one clear message in the log and in
    // every answer, telling the person to sign in again.
    ctx.fake
        .with(|s| s.token_failure = Some((401, json!({"message": "Bad credentials"}))));
    tokio::time::sleep(Duration::from_millis(3500)).await;
    for _ in 0..3 {
        let resp = post(&proxy, "/v1/messages", json!({"model": "gpt-4o", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]})).await;
        assert_eq!(resp.status(), 502);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["type"], "error");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("copilot-api auth device login"),
            "{v}"
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = proxy.log();
    assert_eq!(
        log.matches("GitHub refused to issue a Copilot token")
            .count(),
        1,
        "{log}"
    );
}

#[tokio::test]
async fn silent_passthrough_streams_get_keep_alives_between_events() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &["--ping-interval", "0.2"], &[]);
    let chat = [
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    ];
    let messages = [
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4.5\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"a\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    ];
    let cases = [
        (
            "/chat/completions",
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            chat,
            ": ping\n\n",
        ),
        (
            "/v1/messages",
            "/v1/messages",
            json!({"model": "claude-sonnet-4.5", "max_tokens": 100, "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            messages,
            "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        ),
    ];
    for (upstream, route, body, [first, last], ping) in cases {
        ctx.fake.reply(
            upstream,
            Reply::Sse(
                vec![
                    Bytes::from_static(first.as_bytes()),
                    Bytes::from_static(last.as_bytes()),
                ],
                Duration::from_millis(1100),
            ),
        );
        let text = post(&proxy, route, body).await.text().await.unwrap();
        let between = &text[first.len()..text.len() - last.len()];
        assert!(text.starts_with(first) && text.ends_with(last), "{text}");
        let pings = between.matches(ping).count();
        assert!(
            pings >= 3 && between == ping.repeat(pings),
            "{route}: {text}"
        );
    }

    // A Responses client on a chat model (translated): comments between events too.
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(
            vec![
                Bytes::from_static(chat[0].as_bytes()),
                Bytes::from_static(chat[1].as_bytes()),
            ],
            Duration::from_millis(1100),
        ),
    );
    let text = post(
        &proxy,
        "/v1/responses",
        json!({"model": "gpt-4o", "stream": true, "input": "hi"}),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(text.matches("\n\n: ping\n\n").count() >= 3, "{text}");
    assert!(text.contains("event: response.completed"), "{text}");
}

#[test]
fn corrupt_local_state_is_named_with_its_fix() {
    use crate::support::stderr;
    // A damaged token file: one line naming the file and how to fix it, exit 2.
    let ctx = crate::support::TestContext::new();
    ctx.store_token("gho_\u{0}\u{7f}garbage\nmore");
    let out = ctx.cmd().args(["start", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&ctx.token_path().display().to_string()),
        "{err}"
    );
    assert!(err.contains("copilot-api auth device login"), "{err}");

    // A damaged model cache: a warning naming it, the server starts and rewrites it.
    let ctx = signed_in();
    let cache = ctx.data_dir().join("models.json");
    std::fs::write(&cache, b"{\"fetched_at\": 1, \"models\": [trunc").unwrap();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let log = proxy.log();
    assert!(log.contains("ignoring the unreadable model cache"), "{log}");
    assert!(log.contains("models.json"), "{log}");
    let rewritten: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert!(rewritten["models"].is_array());
}

#[tokio::test]
async fn a_huge_request_never_stalls_other_clients() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "read it all")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    // ~12 MB of tiny content blocks, the costliest shape to parse and translate; sent once
    // with its length and once chunked (no length: its size is known only once read).
    let block = json!({"type": "text", "text": "x"});
    let blocks: Vec<Value> = std::iter::repeat_n(block, 400_000).collect();
    let body = json!({"model": "gpt-4o", "max_tokens": 10,
        "messages": [{"role": "user", "content": blocks}]});
    let bytes = serde_json::to_vec(&body).unwrap();
    for chunked in [false, true] {
        huge_request_while_probing(&proxy, bytes.clone(), chunked).await;
    }
}

async fn huge_request_while_probing(proxy: &Proxy, bytes: Vec<u8>, chunked: bool) {
    let heavy = {
        let url = format!("{}/v1/messages", proxy.url);
        tokio::spawn(async move {
            let started = Instant::now();
            let body = if chunked {
                let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
                    bytes.chunks(1 << 20).map(|c| Ok(c.to_vec())).collect();
                reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
            } else {
                reqwest::Body::from(bytes)
            };
            let resp = reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), started.elapsed())
        })
    };
    // While it is worked on, /health answers at once.
    let mut slowest = Duration::ZERO;
    let mut probes = 0;
    while !heavy.is_finished() {
        let started = Instant::now();
        let resp = client()
            .get(format!("{}/health", proxy.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        slowest = slowest.max(started.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, took) = heavy.await.unwrap();
    assert_eq!(status, 200);
    assert!(probes >= 5, "the request took {took:?}: too fast to tell");
    assert!(
        slowest < Duration::from_millis(300),
        "/health took {slowest:?} while a {took:?} request (chunked: {chunked}) was translated"
    );
}

/// The model list goes stale while Copilot's `/models` hangs: requests keep being answered at
/// once from the list in memory, and exactly one refresh is in flight however many requests
/// come (not one per request, each waiting on a lock).
#[tokio::test]
async fn a_hanging_model_list_refresh_never_holds_requests_up() {
    let ctx = signed_in();
    crate::proxy::answers_hi(&ctx);
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    {
        let proxy = Proxy::start(&ctx, &[], &[]);
        assert_eq!(
            post(&proxy, "/v1/chat/completions", body.clone())
                .await
                .status(),
            200
        );
    }
    // The list on disk is two seconds short of its 15 minutes; then `/models` hangs.
    let cache = ctx.data_dir().join("models.json");
    let mut cached: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    cached["fetched_at"] = json!(now - (15 * 60 - 2));
    std::fs::write(&cache, serde_json::to_vec(&cached).unwrap()).unwrap();
    ctx.fake
        .with(|s| s.models_delay = Some(Duration::from_secs(300)));
    let before = ctx.fake.requests("/copilot/models").len();
    let proxy = Proxy::start(&ctx, &[], &[]);
    tokio::time::sleep(Duration::from_millis(2500)).await;

    for round in 0..3 {
        let started = Instant::now();
        let answers = futures_util::future::join_all(
            (0..5).map(|_| post(&proxy, "/v1/chat/completions", body.clone())),
        )
        .await;
        for resp in answers {
            assert_eq!(resp.status(), 200, "round {round}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "round {round} took {:?}",
            started.elapsed()
        );
    }
    // `GET /v1/models` is served from memory too.
    let resp = client()
        .get(format!("{}/v1/models", proxy.url))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        ctx.fake.requests("/copilot/models").len() - before,
        1,
        "one background refresh, still hanging"
    );
}

/// A chunked body over the limit (its size known only as it arrives) gets the route's 413,
/// readable by the client that is still sending, not a reset connection.
#[tokio::test]
async fn a_chunked_body_over_the_limit_gets_a_413_the_client_can_read() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let piece = vec![b' '; 1 << 20];
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> = (0..66).map(|_| Ok(piece.clone())).collect();
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            pieces,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(v["error"]["type"], "request_too_large", "{v}");
    still_serving(&proxy);
}
