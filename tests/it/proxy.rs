//! The real `copilot-api start` against the fake Copilot, driven as an OpenAI and an Anthropic
//! client over loopback HTTP.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::server::Proxy;
use crate::support::TestContext;

pub fn fixture(name: &str) -> Bytes {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Splits a body into pieces of `size` bytes (cutting through UTF-8 characters and lines).
pub fn pieces(body: &Bytes, size: usize) -> Vec<Bytes> {
    body.chunks(size).map(Bytes::copy_from_slice).collect()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A whole chat completion as an upstream sends it.
pub fn chat_answer(model: &str, text: &str) -> Value {
    json!({"id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop", "logprobs": null}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})
}

/// A chat answer as the proxy relays it: `logprobs` and `refusal` added as `null` where
/// Copilot left them out (OpenAI's schema requires both).
pub fn with_required_nulls(mut answer: Value) -> Value {
    for choice in answer["choices"].as_array_mut().unwrap() {
        choice
            .as_object_mut()
            .unwrap()
            .entry("logprobs")
            .or_insert(Value::Null);
        choice["message"]
            .as_object_mut()
            .unwrap()
            .entry("refusal")
            .or_insert(Value::Null);
    }
    answer
}

pub fn signed_in() -> TestContext {
    let ctx = TestContext::new();
    ctx.sign_in();
    ctx
}

pub async fn post(proxy: &Proxy, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", proxy.url))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `GET path` on the proxy, its body as JSON.
pub async fn get_json(proxy: &Proxy, path: &str) -> Value {
    client()
        .get(format!("{}{path}", proxy.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn chat_completions_pass_through_with_filled_limit_and_headers() {
    let ctx = signed_in();
    let upstream = json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-2024-11-20",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}, "system_fingerprint": "fp_x"});
    ctx.fake
        .reply("/chat/completions", Reply::Json(200, upstream.clone()));
    let proxy = Proxy::start(&ctx, &[], &[]);

    let resp = post(&proxy, "/v1/chat/completions?x=1", json!({
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2, "unknown_field": {"kept": true}
    })).await;
    assert_eq!(resp.status(), 200);
    // Every field kept; the nullable ones OpenAI's schema requires added.
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        with_required_nulls(upstream)
    );
    let sent = &ctx.fake.requests("/copilot/chat/completions")[0];
    let body = sent.json();
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(body["unknown_field"], json!({"kept": true}));
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(sent.header("x-initiator"), Some("user"));
    assert_eq!(sent.header("copilot-vision-request"), None);
    assert_eq!(sent.header("copilot-integration-id"), Some("vscode-chat"));

    // Unprefixed route, an agent turn with an image.
    let resp = post(&proxy, "/chat/completions", json!({
        "model": "gpt-4o", "max_tokens": 10, "messages": [
            {"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "42"}
        ]
    })).await;
    assert_eq!(resp.status(), 200);
    let sent = &ctx.fake.requests("/copilot/chat/completions")[1];
    assert_eq!(sent.json()["max_tokens"], 10);
    assert_eq!(sent.header("x-initiator"), Some("agent"));
    assert_eq!(sent.header("copilot-vision-request"), Some("true"));
    assert!(
        proxy.wait_for_log(
            "POST /v1/chat/completions 200 model=gpt-4o",
            Duration::from_secs(5)
        ),
        "{}",
        proxy.log()
    );
    assert!(proxy.log().contains("tokens=3/1"), "{}", proxy.log());
}

#[tokio::test]
async fn chat_streams_are_relayed_event_by_event_as_they_arrive() {
    let ctx = signed_in();
    let body = fixture("copilot/gpt_text.sse");
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(pieces(&body, 7), Duration::from_millis(2)),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    // Every event arrives, in order; Copilot's chunks gain the `object` OpenAI SDKs require.
    let received = resp.text().await.unwrap();
    let data = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(str::to_owned)
            .collect()
    };
    // Copilot's content-filter preamble (no model, no choices) is not passed on; every chunk
    // gains the `finish_reason: null` OpenAI's schema requires until the end.
    let sent: Vec<String> = data(std::str::from_utf8(&body).unwrap())
        .into_iter()
        .filter(|s| !s.contains("prompt_filter_results"))
        .collect();
    let got = data(&received);
    assert_eq!(got.len(), sent.len(), "{received}");
    for (s, g) in sent.iter().zip(&got) {
        if s == "[DONE]" {
            assert_eq!(g, "[DONE]");
            continue;
        }
        let mut want: Value = serde_json::from_str(s).unwrap();
        want["object"] = json!("chat.completion.chunk");
        for choice in want["choices"].as_array_mut().unwrap() {
            choice
                .as_object_mut()
                .unwrap()
                .entry("finish_reason")
                .or_insert(Value::Null);
        }
        assert_eq!(serde_json::from_str::<Value>(g).unwrap(), want);
    }
    assert!(received.contains(", 世界 👋"));
    assert!(
        proxy.wait_for_log("stream ttfb=", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    assert!(proxy.log().contains("tokens=9/5"), "{}", proxy.log());
}

#[tokio::test]
async fn upstream_errors_keep_status_and_message_in_each_shape() {
    let ctx = signed_in();
    ctx.fake.reply("/chat/completions", Reply::Json(400, json!({"error": {"message": "The requested model is not supported.", "code": "model_not_supported", "param": "model", "type": "invalid_request_error"}})));
    ctx.fake.reply("/chat/completions", Reply::Raw(429, vec![("retry-after", "17"), ("content-type", "application/json")], Bytes::from_static(br#"{"error":{"message":"Sorry, you have been rate-limited.","code":"rate_limited"}}"#)));
    ctx.fake.reply(
        "/chat/completions",
        Reply::Raw(503, vec![], Bytes::from_static(b"upstream connect error\n")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let req = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});

    let resp = post(&proxy, "/v1/chat/completions", req.clone()).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": {"message": "The requested model is not supported.", "type": "invalid_request_error", "param": null, "code": "model_not_supported"}})
    );

    let resp = post(&proxy, "/v1/chat/completions", req.clone()).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "17");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["message"],
        "Sorry, you have been rate-limited."
    );

    let resp = post(&proxy, "/v1/chat/completions", req.clone()).await;
    assert_eq!(resp.status(), 502);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "api_error");
    assert_eq!(
        v["error"]["message"],
        "Copilot upstream error (503 Service Unavailable): upstream connect error"
    );

    // The same upstream 503 on the Anthropic surface.
    let resp = post(&proxy, "/v1/messages", json!({"model": "claude-haiku-4.5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})).await;
    assert_eq!(resp.status(), 502);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "api_error");

    // Bad input never reaches upstream.
    let before = ctx.fake.requests("/copilot/chat/completions").len();
    let resp = client()
        .post(format!("{}/v1/chat/completions", proxy.url))
        .body("{\"model\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{v}"
    );
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "invalid_request_error"
    );
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), before);
    let resp = client()
        .get(format!("{}/v2/nothing", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "not_found_error"
    );
}

#[tokio::test]
async fn models_health_usage_and_token_routes() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let v: Value = get_json(&proxy, "/v1/models").await;
    assert_eq!(v["object"], "list");
    let sonnet = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "claude-sonnet-4.5")
        .unwrap();
    assert_eq!(sonnet["display_name"], "Claude Sonnet 4.5");
    assert_eq!(sonnet["context_window"], 200000);
    assert_eq!(sonnet["owned_by"], "copilot");
    let v: Value = client()
        .get(format!("{}/models", proxy.url))
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["data"][0],
        json!({"id": "gpt-4o", "type": "model", "display_name": "GPT-4o", "created_at": "1970-01-01T00:00:00Z",
               "max_input_tokens": 64000, "max_tokens": 4096})
    );
    assert_eq!(v["has_more"], false);
    // Embedding models cannot answer /v1/messages: not in the Anthropic list.
    assert!(!v.to_string().contains("text-embedding-3-small"));
    // One model by id, in either shape; unknown ids get a 404 in that shape.
    let v: Value = get_json(&proxy, "/v1/models/claude-sonnet-4.5").await;
    assert_eq!(v["object"], "model");
    assert_eq!(v["max_output_tokens"], 16000);
    let v: Value = client()
        .get(format!(
            "{}/v1/models/claude-sonnet-4-5-20250929",
            proxy.url
        ))
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["id"], "claude-sonnet-4.5");
    let resp = client()
        .get(format!("{}/v1/models/nope", proxy.url))
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "not_found_error"
    );

    let v: Value = get_json(&proxy, "/health").await;
    assert_eq!(v["status"], "ok");
    assert_eq!(v["user"], "octocat");
    let resp = client().head(&proxy.url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = get_json(&proxy, "/usage").await;
    assert_eq!(v["copilot_plan"], "individual");
    let resp = client()
        .get(format!("{}/token", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // CORS preflights from web pages: refused unless the origin is listed (tests/it/web.rs).
    let resp = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/messages", proxy.url),
        )
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-key,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let exposed = Proxy::start(&ctx, &["--expose-token"], &[]);
    let v: Value = get_json(&exposed, "/token").await;
    assert!(v["token"].as_str().unwrap().starts_with("tid=cop-"));
    // Never to a web page, whatever CORS allows elsewhere.
    let resp = client()
        .get(format!("{}/token", exposed.url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(!resp.text().await.unwrap().contains("tid=cop"));
    // A wrong method gets the error envelope, not an empty 405.
    let resp = client()
        .get(format!("{}/v1/chat/completions", exposed.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn responses_only_for_models_that_serve_them() {
    let ctx = signed_in();
    ctx.fake.reply("/responses", Reply::Json(200, json!({"id": "resp_1", "object": "response", "status": "completed", "output": [], "usage": {"input_tokens": 5, "output_tokens": 2}})));
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": "gpt-5.1-codex", "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "fix it"}]},
        {"type": "function_call_output", "call_id": "c", "output": "ok"}
    ], "reasoning": {"effort": "high"}}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["id"], "resp_1");
    let sent = &ctx.fake.requests("/copilot/responses")[0];
    assert_eq!(sent.header("x-initiator"), Some("agent"));
    assert_eq!(sent.json()["reasoning"]["effort"], "high");

    // An embeddings model serves no text API at all.
    let resp = post(
        &proxy,
        "/responses",
        json!({"model": "text-embedding-3-small", "input": "hi"}),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unsupported_api_for_model");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not support the Responses API")
    );
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": "nope", "input": "hi"}),
    )
    .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn embeddings_pass_through() {
    let ctx = signed_in();
    let upstream = json!({"object": "list", "data": [{"object": "embedding", "embedding": [0.1, 0.2], "index": 0}], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 2, "total_tokens": 2}});
    ctx.fake
        .reply("/embeddings", Reply::Json(200, upstream.clone()));
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(
        &proxy,
        "/v1/embeddings",
        json!({"model": "text-embedding-3-small", "input": ["hello"], "dimensions": 2}),
    )
    .await;
    assert_eq!(resp.json::<Value>().await.unwrap(), upstream);
    assert_eq!(
        ctx.fake.requests("/copilot/embeddings")[0].json()["dimensions"],
        2
    );
}

#[tokio::test]
async fn api_key_is_enforced_in_each_shape() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "hi")),
    );
    let proxy = Proxy::start(&ctx, &[], &[("COPILOT_API_KEY", "s3cret")]);
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "authentication_error"
    );
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .header("x-api-key", "wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid or missing API key: send it as `x-api-key` or `Authorization: Bearer`"}})
    );
    let resp = client()
        .post(format!("{}/v1/chat/completions", proxy.url))
        .bearer_auth("s3cret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The scheme in any case.
    let resp = client()
        .post(format!("{}/v1/chat/completions", proxy.url))
        .header("authorization", "BEARER s3cret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client()
        .get(format!("{}/v1/models", proxy.url))
        .header("x-api-key", "s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client()
        .get(format!("{}/health", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(!proxy.log().contains("s3cret"));
}

#[tokio::test]
async fn rate_limit_answers_429_or_queues() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "hi")),
    );
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});

    let proxy = Proxy::start(&ctx, &["--rate-limit", "30"], &[]);
    assert_eq!(
        post(&proxy, "/v1/chat/completions", body.clone())
            .await
            .status(),
        200
    );
    let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((29..=30).contains(&retry), "{retry}");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "rate_limit_error"
    );
    let resp = post(&proxy, "/v1/messages", json!({"model": "claude-haiku-4.5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "rate_limit_error"
    );
    // Models and embeddings are not limited.
    assert_eq!(
        client()
            .get(format!("{}/v1/models", proxy.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    drop(proxy);

    let proxy = Proxy::start(&ctx, &["--rate-limit", "1", "--wait"], &[]);
    let start = Instant::now();
    let (a, b, c) = tokio::join!(
        post(&proxy, "/v1/chat/completions", body.clone()),
        post(&proxy, "/v1/chat/completions", body.clone()),
        post(&proxy, "/v1/chat/completions", body.clone()),
    );
    assert!(
        [a.status(), b.status(), c.status()]
            .iter()
            .all(|s| *s == 200)
    );
    assert!(
        start.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        start.elapsed()
    );
    let times: Vec<Instant> = ctx
        .fake
        .requests("/copilot/chat/completions")
        .iter()
        .rev()
        .take(3)
        .map(|r| r.at)
        .collect();
    assert!(times[0] - times[1] >= Duration::from_millis(900));
    assert!(times[1] - times[2] >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_client_that_leaves_closes_the_upstream_stream() {
    let ctx = signed_in();
    let chunk = Bytes::from_static(
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n",
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Sse(vec![chunk; 400], Duration::from_millis(25)),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let mut resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert!(resp.chunk().await.unwrap().is_some());
    drop(resp);
    let deadline = Instant::now() + Duration::from_secs(3);
    while ctx.fake.with(|s| s.streams_dropped) == 0 {
        assert!(
            Instant::now() < deadline,
            "upstream stream still open after the client left"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // It ended well before its 10 s run time.
    assert!(ctx.fake.with(|s| s.streams_completed) == 0);
}

#[tokio::test]
async fn the_copilot_token_is_refreshed_on_schedule_and_failures_are_survived() {
    let ctx = signed_in();
    ctx.fake.with(|s| s.refresh_in = 61); // refresh 1 s after issue
    let proxy = Proxy::start(&ctx, &[], &[]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ctx.fake.requests("/copilot_internal/v2/token").len() < 3 {
        assert!(
            Instant::now() < deadline,
            "no scheduled refresh: {}",
            proxy.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Refreshes start failing: the server keeps its token and keeps serving.
    ctx.fake
        .with(|s| s.token_failure = Some((500, json!({"message": "boom"}))));
    assert!(
        proxy.wait_for_log("Copilot token refresh failed", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    let v: Value = get_json(&proxy, "/v1/models").await;
    assert_eq!(v["object"], "list");
    let resp = client()
        .get(format!("{}/health", proxy.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        !proxy.log().contains("tid=cop"),
        "token in logs: {}",
        proxy.log()
    );
}

#[tokio::test]
async fn oversized_bodies_get_413_in_the_route_shape() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    let big = format!(
        "{{\"model\":\"gpt-4o\",\"messages\":[{{\"role\":\"user\",\"content\":\"{}\"}}]}}",
        "a".repeat(65 << 20)
    );
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "request_too_large");
}

#[test]
fn startup_output_shutdown_and_refusals() {
    let ctx = signed_in();
    let mut proxy = Proxy::start(&ctx, &[], &[]);
    assert!(
        proxy.wait_for_log("copilot-api claude-code --port", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    let log = proxy.log();
    assert!(
        log.contains("Signed in as octocat (individual plan)"),
        "{log}"
    );
    assert!(
        log.contains(&format!("Copilot API: {}/copilot", ctx.fake.base)),
        "{log}"
    );
    assert!(
        log.contains("Models (5): gpt-4o, gpt-5.1-codex, claude-sonnet-4.5"),
        "{log}"
    );
    assert!(proxy.url.starts_with("http://127.0.0.1:"), "{}", proxy.url);
    assert!(log.contains("copilot-api claude-code --port"), "{log}");
    #[cfg(unix)]
    {
        let pid = proxy.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = proxy.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                break;
            }
            assert!(Instant::now() < deadline, "did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    let err = Proxy::try_start(&ctx, &["--host", "0.0.0.0"], &[])
        .err()
        .unwrap();
    assert!(
        err.contains("refusing to listen on 0.0.0.0 without an API key"),
        "{err}"
    );
    let err = Proxy::try_start(&ctx, &["--manual"], &[]).err().unwrap();
    assert!(
        err.contains("--manual needs an interactive terminal"),
        "{err}"
    );
    let signed_out = TestContext::new();
    let err = Proxy::try_start(&signed_out, &[], &[]).err().unwrap();
    assert!(
        err.contains("Not signed in. Run `copilot-api auth device login`."),
        "{err}"
    );
}

#[tokio::test]
async fn a_client_that_leaves_cancels_a_pending_upstream_request() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Slow(Duration::from_secs(10), chat_answer("gpt-4o", "hi")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let request = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    );
    // Give up after 300 ms, like a user pressing Esc.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), request)
            .await
            .is_err()
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    while ctx.fake.with(|s| s.streams_dropped) == 0 {
        assert!(
            Instant::now() < deadline,
            "upstream request still running after the client left"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_queued_request_whose_client_leaves_gives_up_its_place() {
    let ctx = signed_in();
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "hi")),
    );
    let proxy = Proxy::start(&ctx, &["--rate-limit", "1.5", "--wait"], &[]);
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(
        post(&proxy, "/v1/chat/completions", body.clone())
            .await
            .status(),
        200
    );
    let start = Instant::now();
    // B queues behind A's slot, then its client gives up; C must take B's place, not wait for it.
    let b = tokio::time::timeout(
        Duration::from_millis(300),
        post(&proxy, "/v1/chat/completions", body.clone()),
    );
    assert!(b.await.is_err());
    let c = post(&proxy, "/v1/chat/completions", body.clone()).await;
    assert_eq!(c.status(), 200);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(1200) && waited < Duration::from_millis(2600),
        "{waited:?}"
    );
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), 2);
}

#[tokio::test]
async fn a_copilot_token_refused_even_after_refresh_is_a_gateway_error_not_the_clients_401() {
    let ctx = signed_in();
    let proxy = Proxy::start(&ctx, &[], &[]);
    // From now on Copilot refuses every token, including the refreshed one.
    ctx.fake.with(|s| s.invalid_first_n = 1000);
    let resp = post(&proxy, "/v1/messages", json!({"model": "claude-haiku-4.5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})).await;
    assert_eq!(resp.status(), 502);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "api_error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("token expired"),
        "{v}"
    );
}

/// Scripts the fake to answer chat completions with a short "hi"; returns that answer.
pub fn answers_hi(ctx: &TestContext) -> Value {
    let upstream = json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]});
    ctx.fake
        .reply("/chat/completions", Reply::Json(200, upstream.clone()));
    upstream
}

/// A one-message chat request for gpt-4o.
async fn say_hi(proxy: &Proxy) -> reqwest::Response {
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    post(proxy, "/v1/chat/completions", body).await
}

#[tokio::test]
async fn thread_count_is_configurable_and_checked() {
    let ctx = signed_in();
    let upstream = answers_hi(&ctx);
    // More than one thread: the multi-threaded runtime serves the same routes.
    let proxy = Proxy::start(&ctx, &[], &[("COPILOT_API_THREADS", "3")]);
    #[cfg(target_os = "linux")]
    {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", proxy.child.id()))
            .unwrap()
            .count();
        assert!(
            tasks >= 4,
            "main thread + 3 workers expected, found {tasks}"
        );
    }
    let resp = say_hi(&proxy).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        with_required_nulls(upstream)
    );
    // Token counting runs on the blocking pool, and answers what the CLI counts.
    let body = json!({"model": "claude-sonnet-4.5", "messages": [{"role": "user", "content": "hello world"}]});
    let resp = post(&proxy, "/v1/messages/count_tokens", body.clone()).await;
    assert_eq!(resp.status(), 200);
    let count = resp.json::<Value>().await.unwrap()["input_tokens"]
        .as_u64()
        .unwrap();
    let out = ctx
        .cmd()
        .args([
            "count-tokens",
            "--model",
            "claude-sonnet-4.5",
            "--format",
            "anthropic",
        ])
        .write_stdin(body.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    assert_eq!(crate::support::stdout(&out).trim(), count.to_string());
    drop(proxy);

    for bad in ["0", "many", "1000"] {
        let out = ctx
            .cmd()
            .args(["start", "--port", "0"])
            .env("COPILOT_API_THREADS", bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = crate::support::stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!(
                "COPILOT_API_THREADS must be a whole number from 1 to 256 (got `{bad}`)"
            )),
            "{err}"
        );
    }
}

#[tokio::test]
async fn copilot_minimum_versions_are_adopted_and_remembered_and_466_is_explained() {
    let ctx = signed_in();
    answers_hi(&ctx);
    ctx.fake.with(|s| s.min_vscode = Some("1.200.0".into()));
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = say_hi(&proxy).await;
    assert_eq!(resp.status(), 200);
    let sent = ctx.fake.requests("/copilot/chat/completions");
    assert_eq!(
        sent.len(),
        2,
        "refused once, then retried with the new version"
    );
    assert_eq!(sent[1].header("editor-version"), Some("vscode/1.200.0"));
    assert!(proxy.wait_for_log("now presenting as VS Code 1.200.0", Duration::from_secs(5)));
    // Later requests go out with it at once, and so does a later start.
    say_hi(&proxy).await;
    assert_eq!(ctx.fake.requests("/copilot/chat/completions").len(), 3);
    let saved = std::fs::read_to_string(ctx.data_dir().join("copilot_versions.json")).unwrap();
    assert!(saved.contains("1.200.0"), "{saved}");
    drop(proxy);
    let proxy = Proxy::start(&ctx, &[], &[]);
    say_hi(&proxy).await;
    let sent = ctx.fake.requests("/copilot/chat/completions");
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].header("editor-version"), Some("vscode/1.200.0"));
    // A version pinned by the environment is kept (and the refusal reaches the client).
    ctx.fake.with(|s| s.min_vscode = Some("1.300.0".into()));
    let pinned = Proxy::start(&ctx, &[], &[("COPILOT_API_VSCODE_VERSION", "1.250.0")]);
    let resp = say_hi(&pinned).await;
    assert_eq!(resp.status(), 400);
    assert!(pinned.wait_for_log("pinned by the environment", Duration::from_secs(5)));

    // 466: one line that says what happened and which variables override the versions.
    ctx.fake.with(|s| {
        s.min_vscode = None;
        s.reject_client_version = true;
    });
    let resp = say_hi(&proxy).await;
    assert_eq!(resp.status(), 502);
    let message = resp.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("no longer accepts the client version"),
        "{message}"
    );
    assert!(message.contains("COPILOT_API_VSCODE_VERSION"), "{message}");
    say_hi(&proxy).await;
    assert!(proxy.wait_for_log("COPILOT_API_COPILOT_CHAT_VERSION", Duration::from_secs(5)));
    let told = proxy
        .log()
        .matches("no longer accepts the client version")
        .count();
    assert_eq!(told, 1, "{}", proxy.log());
}
