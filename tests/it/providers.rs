//! Providers besides Copilot, the routing table and the failure policy, through the real binary
//! against the fake, which plays OpenAI (`/openai`), Anthropic (`/anthropic`), Azure
//! (`/azure`, `/azurev1`) and OpenAI-compatible servers (`/local`, `/p1`, …) beside Copilot.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::{Value, json};

use crate::fake::Reply;
use crate::proxy::{chat_answer, client, get_json, post, signed_in};
use crate::server::Proxy;
use crate::support::TestContext;

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

/// A config naming the fake's base URL as `{base}`.
fn config(ctx: &TestContext, text: &str) {
    ctx.write_config(&text.replace("{base}", &ctx.fake.base));
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn each_provider_is_reached_with_its_own_urls_and_credentials() {
    let ctx = signed_in();
    config(
        &ctx,
        r#"
        [providers.oai]
        kind = "openai"
        api_key = "env:TEST_OPENAI_KEY"
        base_url = "{base}/openai/v1"
        [providers.ant]
        kind = "anthropic"
        api_key = "sk-ant-literal-123"
        base_url = "{base}/anthropic"
        [providers.az]
        kind = "azure"
        api_key = "az-key-456"
        base_url = "{base}/azure"
        api_version = "2024-10-21"
        models = ["gpt4o-prod"]
        [providers.azv1]
        kind = "azure"
        api_key = "az-key-789"
        base_url = "{base}/azurev1/openai/v1"
        models = ["gpt-41-dep"]
        "#,
    );
    let f = &ctx.fake;
    f.reply(
        "/openai/v1/models",
        Reply::Json(200, json!({"object": "list", "data": [{"id": "gpt-5-oai", "object": "model"}, {"id": "text-embedding-3-large", "object": "model"}]})),
    );
    f.reply(
        "/anthropic/v1/models",
        Reply::Json(200, json!({"data": [{"id": "claude-opus-4-1", "display_name": "Claude Opus 4.1", "type": "model"}], "has_more": false})),
    );
    let oai_answer = chat_answer("gpt-5-oai", "from openai");
    f.reply(
        "/openai/v1/chat/completions",
        Reply::Json(200, oai_answer.clone()),
    );
    f.reply(
        "/openai/v1/responses",
        Reply::Json(
            200,
            json!({"id": "resp_9", "object": "response", "status": "completed", "output": []}),
        ),
    );
    f.reply(
        "/openai/v1/embeddings",
        Reply::Json(200, json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}]})),
    );
    let ant_answer = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-4-1",
        "content": [{"type": "text", "text": "from anthropic"}], "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 4, "output_tokens": 2}});
    f.reply(
        "/anthropic/v1/messages",
        Reply::Json(200, ant_answer.clone()),
    );
    f.reply(
        "/azure/openai/deployments/gpt4o-prod/chat/completions",
        Reply::Json(200, chat_answer("gpt-4o", "from azure")),
    );
    f.reply(
        "/azurev1/openai/v1/chat/completions",
        Reply::Json(200, chat_answer("gpt-41-dep", "from azure v1")),
    );
    let proxy = Proxy::start(&ctx, &["-v"], &[("TEST_OPENAI_KEY", "sk-oai-from-env")]);

    // OpenAI: chat, by `provider/model`; the answer is relayed as it came.
    let resp = post(&proxy, "/v1/chat/completions", chat("oai/gpt-5-oai")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "oai");
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "1");
    assert_eq!(resp.json::<Value>().await.unwrap(), oai_answer);
    let sent = &f.requests("/openai/v1/chat/completions")[0];
    assert_eq!(sent.header("authorization"), Some("Bearer sk-oai-from-env"));
    assert_eq!(sent.json()["model"], "gpt-5-oai");
    assert_eq!(
        sent.header("x-initiator"),
        None,
        "Copilot headers stay with Copilot"
    );
    // Responses and embeddings, by bare name (found in its catalogue).
    let resp = post(
        &proxy,
        "/v1/responses",
        json!({"model": "gpt-5-oai", "input": "hi"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["id"], "resp_9");
    let resp = post(
        &proxy,
        "/v1/embeddings",
        json!({"model": "text-embedding-3-large", "input": "x"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(f.requests("/openai/v1/embeddings").len(), 1);

    // Anthropic: Messages with its own headers; every beta flag goes along.
    let resp = client()
        .post(format!("{}/v1/messages", proxy.url))
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14")
        .json(&json!({"model": "claude-opus-4-1", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), ant_answer);
    let sent = &f.requests("/anthropic/v1/messages")[0];
    assert_eq!(sent.header("x-api-key"), Some("sk-ant-literal-123"));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(
        sent.header("anthropic-beta"),
        Some("claude-code-20250219,interleaved-thinking-2025-05-14")
    );
    assert_eq!(sent.header("authorization"), None);

    // Azure, deployments shape: the deployment in the path, api-version in the query.
    let resp = post(&proxy, "/v1/chat/completions", chat("gpt4o-prod")).await;
    assert_eq!(resp.status(), 200);
    let sent = &f.requests("/azure/openai/deployments/gpt4o-prod/chat/completions")[0];
    assert!(
        sent.target.ends_with("?api-version=2024-10-21"),
        "{}",
        sent.target
    );
    assert_eq!(sent.header("api-key"), Some("az-key-456"));
    // Azure v1 shape.
    let resp = post(&proxy, "/v1/chat/completions", chat("azv1/gpt-41-dep")).await;
    assert_eq!(resp.status(), 200);
    let sent = &f.requests("/azurev1/openai/v1/chat/completions")[0];
    assert_eq!(sent.header("api-key"), Some("az-key-789"));
    assert_eq!(sent.json()["model"], "gpt-41-dep");

    // Every catalogue in one list, owned by its provider; Copilot's first.
    let v: Value = get_json(&proxy, "/v1/models").await;
    let owner = |id: &str| -> String {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["owned_by"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(v["data"][0]["owned_by"], "copilot");
    assert_eq!(owner("gpt-5-oai"), "oai");
    assert_eq!(owner("claude-opus-4-1"), "ant");
    assert_eq!(owner("gpt4o-prod"), "az");
    assert_eq!(owner("gpt-41-dep"), "azv1");

    assert!(
        proxy.wait_for_log("provider=az", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    let log = proxy.log();
    for secret in [
        "sk-oai-from-env",
        "sk-ant-literal-123",
        "az-key-456",
        "az-key-789",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[tokio::test]
async fn routes_rewrite_models_and_spread_by_weight() {
    let ctx = signed_in();
    config(
        &ctx,
        r#"
        [providers.local]
        kind = "openai-compatible"
        base_url = "{base}/local/v1"
        models = ["qwen3-coder"]
        [providers.other]
        kind = "openai-compatible"
        base_url = "{base}/other/v1"
        models = ["llama"]
        [routing]
        seed = 42
        [[routes]]
        match = "gpt-4o*"
        targets = [{ provider = "local", model = "qwen3-coder" }]
        [[routes]]
        match = "~split"
        targets = [{ provider = "local", model = "qwen3-coder", weight = 1 }, { provider = "other", model = "llama", weight = 1 }]
        [[routes]]
        match = "keyed"
        forward_client_key = true
        targets = [{ provider = "local", model = "qwen3-coder" }]
        "#,
    );
    ctx.fake.reply(
        "/local/v1/chat/completions",
        Reply::Json(200, chat_answer("qwen3-coder", "local")),
    );
    ctx.fake.reply(
        "/other/v1/chat/completions",
        Reply::Json(200, chat_answer("llama", "other")),
    );
    ctx.fake.reply(
        "/chat/completions",
        Reply::Json(200, chat_answer("claude-sonnet-4.5", "copilot")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    let resp = post(&proxy, "/v1/chat/completions", chat("gpt-4o-mini")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "local");
    let sent = &ctx.fake.requests("/local/v1/chat/completions")[0];
    assert_eq!(sent.json()["model"], "qwen3-coder");
    assert_eq!(
        sent.header("authorization"),
        None,
        "no key configured, none sent"
    );
    assert!(ctx.fake.requests("/copilot/chat/completions").is_empty());

    // A route that forwards the client's own key.
    let resp = client()
        .post(format!("{}/v1/chat/completions", proxy.url))
        .bearer_auth("client-own-key")
        .json(&chat("keyed"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let sent = ctx.fake.requests("/local/v1/chat/completions");
    assert_eq!(
        sent.last().unwrap().header("authorization"),
        Some("Bearer client-own-key")
    );

    // Equal weights: both targets serve a share of 60 requests.
    for _ in 0..60 {
        let resp = post(&proxy, "/v1/chat/completions", chat("please-split-me")).await;
        assert_eq!(resp.status(), 200);
    }
    let local = ctx.fake.requests("/local/v1/chat/completions").len() - 2;
    let other = ctx.fake.requests("/other/v1/chat/completions").len();
    assert_eq!(local + other, 60);
    assert!((15..=45).contains(&local), "local {local}, other {other}");

    // No route: names resolve against the catalogue on every surface (a dated Claude id on
    // the chat route goes to Copilot as the catalogue's id).
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        chat("claude-sonnet-4-5-20250929"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "copilot");
    let sent = &ctx.fake.requests("/copilot/chat/completions")[0];
    assert_eq!(sent.json()["model"], "claude-sonnet-4.5");
}

/// A route over three OpenAI-compatible fakes: `p1` and `p2` scripted per test, `p3` healthy.
fn failover_config(ctx: &TestContext, extra: &str) {
    config(
        ctx,
        &format!(
            r#"
            [providers.p1]
            kind = "openai-compatible"
            base_url = "{{base}}/p1/v1"
            models = ["m"]
            timeouts = {{ first_byte_s = 0.5 }}
            [providers.p2]
            kind = "openai-compatible"
            base_url = "{{base}}/p2/v1"
            models = ["m"]
            [providers.dead]
            kind = "openai-compatible"
            base_url = "http://127.0.0.1:1/v1"
            models = ["m"]
            [routing]
            backoff_base_s = 0.05
            backoff_max_s = 2
            {extra}
            [[routes]]
            match = "m"
            targets = [{{ provider = "p1", priority = 1 }}, {{ provider = "p2", priority = 2 }}]
            [[routes]]
            match = "dead-first"
            targets = [{{ provider = "dead", model = "m", priority = 1 }}, {{ provider = "p2", model = "m", priority = 2 }}]
            [[routes]]
            match = "p1-only"
            targets = [{{ provider = "p1", model = "m" }}]
            [[routes]]
            match = "all-fail"
            targets = [{{ provider = "p1", model = "m", priority = 1 }}, {{ provider = "dead", model = "m", priority = 2 }}, {{ provider = "p2", model = "m", priority = 3 }}]
            "#
        ),
    );
}

fn p1_count(ctx: &TestContext) -> usize {
    ctx.fake.requests("/p1/v1/chat/completions").len()
}

fn p2_count(ctx: &TestContext) -> usize {
    ctx.fake.requests("/p2/v1/chat/completions").len()
}

#[tokio::test]
async fn failures_fall_over_and_client_errors_do_not() {
    let ctx = signed_in();
    failover_config(&ctx, "");
    let f = &ctx.fake;
    f.reply(
        "/p2/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "p2")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);

    // 503 on the first tier: the second answers.
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Json(503, json!({"error": {"message": "overloaded"}})),
    );
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "2");
    assert_eq!((p1_count(&ctx), p2_count(&ctx)), (1, 1));
    assert!(
        proxy.wait_for_log("provider=p2 attempts=2", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );

    // Connection refused: on to the next.
    let resp = post(&proxy, "/v1/chat/completions", chat("dead-first")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");

    // 429 with Retry-After: the next target at once, no wait.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Raw(
            429,
            vec![("retry-after", "30"), ("content-type", "application/json")],
            Bytes::from_static(br#"{"error":{"message":"slow down"}}"#),
        ),
    );
    let started = Instant::now();
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(3));

    // A single target asking to come back in 1 s is retried after that second; one asking for
    // 30 s (beyond the longest backoff) is not waited for: its 429 comes back with Retry-After.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Raw(
            429,
            vec![("retry-after", "1"), ("content-type", "application/json")],
            Bytes::from_static(br#"{"error":{"message":"slow down"}}"#),
        ),
    );
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "p1")),
    );
    let started = Instant::now();
    let resp = post(&proxy, "/v1/chat/completions", chat("p1-only")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "2");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Raw(
            429,
            vec![("retry-after", "30"), ("content-type", "application/json")],
            Bytes::from_static(br#"{"error":{"message":"slow down"}}"#),
        ),
    );
    let resp = post(&proxy, "/v1/chat/completions", chat("p1-only")).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(header(&resp, "retry-after"), "30");
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "1");

    // No first byte within p1's 0.5 s: on to p2, well before the 10 s reply.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Slow(Duration::from_secs(10), chat_answer("m", "late")),
    );
    let started = Instant::now();
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // The client's own error: no retry, no fallback.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Json(400, json!({"error": {"message": "bad tool schema"}})),
    );
    let before = (p1_count(&ctx), p2_count(&ctx));
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p1");
    assert!(resp.text().await.unwrap().contains("bad tool schema"));
    assert_eq!((p1_count(&ctx), p2_count(&ctx)), (before.0 + 1, before.1));
}

/// A Responses request on a chat-only route is translated for each target it tries: the
/// first attempt uses the request the route parsed, a fall-over translates the client's bytes
/// again, with nothing of the conversation lost.
#[tokio::test]
async fn a_translated_responses_request_falls_over_whole() {
    let ctx = signed_in();
    failover_config(&ctx, "");
    let f = &ctx.fake;
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Json(503, json!({"error": {"message": "overloaded"}})),
    );
    f.reply(
        "/p2/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "from p2")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let image = "data:image/png;base64,iVBORw0KGgo";
    let request = json!({"model": "m", "instructions": "Be brief.", "tools": [
            {"type": "function", "name": "look", "parameters": {"type": "object", "properties": {}}}],
        "input": [
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": image}]},
            {"type": "function_call", "call_id": "c1", "name": "look", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "a logo"}]});
    let resp = post(&proxy, "/v1/responses", request).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "2");
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["object"], "response");
    assert_eq!(answer["output"][0]["content"][0]["text"], "from p2");
    assert_eq!(answer["instructions"], "Be brief.");
    assert_eq!(answer["tools"][0]["name"], "look");
    // Both targets got the same whole conversation.
    let first = ctx.fake.requests("/p1/v1/chat/completions")[0].json();
    let second = ctx.fake.requests("/p2/v1/chat/completions")[0].json();
    assert_eq!(first["messages"], second["messages"]);
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "{second}");
    assert_eq!(messages[0]["content"], "Be brief.");
    assert_eq!(messages[1]["content"][1]["image_url"]["url"], image);
    assert_eq!(messages[2]["tool_calls"][0]["id"], "c1");
    assert_eq!(messages[3]["content"], "a logo");
    assert_eq!(second["tools"][0]["function"]["name"], "look");
}

#[tokio::test]
async fn streams_fall_over_before_their_first_content_and_never_after() {
    let ctx = signed_in();
    failover_config(&ctx, "");
    let f = &ctx.fake;
    let good = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"from p2\"}}]}\n\ndata: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    f.reply(
        "/p2/v1/chat/completions",
        Reply::Sse(
            vec![Bytes::from_static(good.as_bytes())],
            Duration::from_millis(1),
        ),
    );
    // p1 sends its role chunk, then an error: nothing of it reaches the client.
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Sse(
            vec![
                Bytes::from_static(
                    b"data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
                ),
                Bytes::from_static(b"data: {\"error\":{\"message\":\"model overloaded\"}}\n\n"),
            ],
            Duration::from_millis(1),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let body =
        json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let resp = post(&proxy, "/v1/chat/completions", body.clone()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");
    assert_eq!(resp.text().await.unwrap(), good);

    // p1 says something, then breaks off: committed, so no fallback; the client gets what was
    // said and an error event, never a made-up end.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::SseThenCut(vec![Bytes::from_static(
            b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"}}]}\n\n",
        )]),
    );
    let p2_before = p2_count(&ctx);
    let resp = post(&proxy, "/v1/chat/completions", body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p1");
    let text = resp.text().await.unwrap();
    assert!(text.contains("partial"), "{text}");
    assert!(text.contains("\"code\":\"stream_interrupted\""), "{text}");
    assert!(!text.contains("[DONE]"), "{text}");
    assert_eq!(p2_count(&ctx), p2_before);
    assert!(
        proxy.wait_for_log("stream broken", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
}

#[tokio::test]
async fn one_budget_across_providers_and_breakers_that_open() {
    let ctx = signed_in();
    failover_config(&ctx, "breaker_failures = 2\nbreaker_cooldown_s = 60");
    let f = &ctx.fake;
    let down = Reply::Json(503, json!({"error": {"message": "down"}}));
    f.reply("/p1/v1/chat/completions", down.clone());
    f.reply("/p2/v1/chat/completions", down);
    let proxy = Proxy::start(&ctx, &[], &[]);

    // Three providers all failing: four attempts in all (the default budget), never more.
    let resp = post(&proxy, "/v1/chat/completions", chat("all-fail")).await;
    // An upstream 5xx is the gateway's failure: 502, naming the provider.
    assert_eq!(resp.status(), 502);
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "4");
    let message = resp.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("p1") || message.contains("p2") || message.contains("dead"),
        "{message}"
    );
    assert_eq!(
        (p1_count(&ctx), p2_count(&ctx)),
        (2, 1),
        "p1, dead, p2, then p1 again"
    );

    // p1 and p2 have now failed twice or more: their breakers are open. A request for `m`
    // tries them anyway (every target open), and /health shows them.
    let v: Value = get_json(&proxy, "/health").await;
    let open: Vec<&str> = v["breakers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["state"] == "open")
        .map(|b| b["provider"].as_str().unwrap())
        .collect();
    assert_eq!(open, ["p1"], "{v}");
    assert!(
        proxy.wait_for_log("circuit open for m on p1", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );

    // p2 recovers: a request that lists p1 first skips its open breaker without calling it.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p2/v1/chat/completions"));
    f.reply(
        "/p2/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "p2")),
    );
    let p1_before = p1_count(&ctx);
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "1");
    assert_eq!(p1_count(&ctx), p1_before, "an open breaker is not called");
}

#[tokio::test]
async fn without_a_copilot_sign_in_the_configured_providers_serve_alone() {
    let ctx = TestContext::new();
    config(
        &ctx,
        r#"
        [providers.local]
        kind = "openai-compatible"
        base_url = "{base}/local/v1"
        models = ["qwen3-coder"]
        "#,
    );
    ctx.fake.reply(
        "/local/v1/chat/completions",
        Reply::Json(200, chat_answer("qwen3-coder", "local")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    assert!(
        proxy.log().contains("Copilot: not signed in"),
        "{}",
        proxy.log()
    );
    let resp = post(&proxy, "/v1/chat/completions", chat("qwen3-coder")).await;
    assert_eq!(resp.status(), 200);
    let resp = post(&proxy, "/v1/chat/completions", chat("gpt-4o")).await;
    assert_eq!(resp.status(), 404);
    // With neither a sign-in nor a provider, start still says how to sign in.
    let bare = TestContext::new();
    let out = bare.cmd().args(["start", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("auth device login"));
}

/// Writes the config as editors do: a new file renamed over the old one.
fn replace_config(ctx: &TestContext, text: &str) {
    let dir = ctx.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = dir.join("config.toml.tmp");
    std::fs::write(&tmp, text.replace("{base}", &ctx.fake.base)).unwrap();
    std::fs::rename(&tmp, dir.join("config.toml")).unwrap();
}

fn two_providers(target: &str) -> String {
    format!(
        r#"
        [providers.a]
        kind = "openai-compatible"
        base_url = "{{base}}/a/v1"
        models = ["m"]
        [providers.b]
        kind = "openai-compatible"
        base_url = "{{base}}/b/v1"
        models = ["m"]
        [[routes]]
        match = "x"
        targets = [{{ provider = "{target}", model = "m" }}]
        "#
    )
}

#[tokio::test]
async fn the_config_reloads_under_load_without_dropping_a_request() {
    let ctx = signed_in();
    replace_config(&ctx, &two_providers("a"));
    ctx.fake.reply(
        "/a/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "a")),
    );
    ctx.fake.reply(
        "/b/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "b")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let url = format!("{}/v1/chat/completions", proxy.url);

    // 200 requests in 10 waves while the file changes 5 times.
    let mut waves = Vec::new();
    for wave in 0..10 {
        let url = url.clone();
        waves.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300 * wave)).await;
            let requests = (0..20).map(|_| {
                let url = url.clone();
                async move {
                    let resp = client().post(&url).json(&chat("x")).send().await.unwrap();
                    resp.status().as_u16()
                }
            });
            futures_util::future::join_all(requests).await
        }));
    }
    for change in 0..5 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        replace_config(
            &ctx,
            &two_providers(if change % 2 == 0 { "b" } else { "a" }),
        );
    }
    let mut statuses = Vec::new();
    for wave in waves {
        statuses.extend(wave.await.unwrap());
    }
    assert_eq!(statuses.len(), 200);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let a = ctx.fake.requests("/a/v1/chat/completions").len();
    let b = ctx.fake.requests("/b/v1/chat/completions").len();
    assert_eq!(a + b, 200);
    assert!(a > 0 && b > 0, "a {a}, b {b}: the swaps were not used");
    // The last file routes `x` to b.
    assert!(proxy.wait_for_log("config reloaded", Duration::from_secs(5)));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let resp = post(&proxy, "/v1/chat/completions", chat("x")).await;
    assert_eq!(header(&resp, "x-copilot-api-provider"), "b");

    // An invalid file is refused with its line and key; the old config stays.
    replace_config(
        &ctx,
        &format!(
            "{}\n[[routes]]\nmatch = \"y\"\ntargetz = []\n",
            two_providers("a")
        ),
    );
    assert!(
        proxy.wait_for_log("config reload refused", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    let refused = proxy
        .log()
        .lines()
        .find(|l| l.contains("config reload refused"))
        .unwrap()
        .to_owned();
    assert!(
        refused.contains("targetz") && refused.contains("line"),
        "{refused}"
    );
    let resp = post(&proxy, "/v1/chat/completions", chat("x")).await;
    assert_eq!(header(&resp, "x-copilot-api-provider"), "b");

    // SIGHUP re-reads the file at once.
    replace_config(&ctx, &two_providers("a"));
    let status = std::process::Command::new("kill")
        .args(["-HUP", &proxy.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        proxy.wait_for_log("SIGHUP: reloading", Duration::from_secs(5)),
        "{}",
        proxy.log()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resp = post(&proxy, "/v1/chat/completions", chat("x")).await;
    assert_eq!(header(&resp, "x-copilot-api-provider"), "a");
}

#[test]
fn doctor_checks_every_provider_and_says_how_to_fix_what_fails() {
    let ctx = signed_in();
    config(
        &ctx,
        r#"
        [providers.good]
        kind = "openai-compatible"
        base_url = "{base}/good/v1"
        api_key = "k-good"
        [providers.bad]
        kind = "openai"
        base_url = "{base}/bad/v1"
        api_key = "k-bad"
        "#,
    );
    ctx.fake.reply(
        "/good/v1/models",
        Reply::Json(200, json!({"data": [{"id": "m1"}, {"id": "m2"}]})),
    );
    ctx.fake.reply(
        "/bad/v1/models",
        Reply::Json(
            401,
            json!({"error": {"message": "Incorrect API key provided"}}),
        ),
    );
    let out = ctx.cmd().arg("doctor").output().unwrap();
    let text = crate::support::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let line = |check: &str| -> String {
        text.lines()
            .find(|l| l.contains(&format!(" {check}:")))
            .unwrap_or_else(|| panic!("no {check} line in:\n{text}"))
            .to_owned()
    };
    assert!(
        line("sign-in").starts_with("ok") && line("sign-in").contains("octocat"),
        "{text}"
    );
    assert!(line("copilot").starts_with("ok"), "{text}");
    assert!(line("provider good").contains("2 models"), "{text}");
    let bad = line("provider bad");
    assert!(
        bad.starts_with("FAIL") && bad.contains("key was refused"),
        "{bad}"
    );
    assert!(bad.contains("check `api_key` in [providers.bad]"), "{bad}");
    assert!(line("clock").starts_with("ok"), "{text}");
    assert!(line("data directory").starts_with("ok"), "{text}");
    for secret in ["k-good", "k-bad", "gho_good"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    let out = ctx.cmd().args(["doctor", "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["provider bad"]);

    // A broken config file is a failed check, not a crash.
    ctx.write_config("[providers.x]\nkind = \"openai\"\nbase_urll = \"x\"\n");
    let out = ctx.cmd().arg("doctor").output().unwrap();
    let text = crate::support::stdout(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL config:") && l.contains("line 3")),
        "{text}"
    );

    // All well: exit 0.
    ctx.write_config("");
    let out = ctx.cmd().arg("doctor").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stdout(&out)
    );
}

#[test]
fn models_lists_every_provider_with_its_name() {
    let ctx = signed_in();
    config(
        &ctx,
        r#"
        [providers.local]
        kind = "openai-compatible"
        base_url = "{base}/local/v1"
        models = ["qwen3-coder", "nomic-embed-text"]
        "#,
    );
    let out = ctx.cmd().arg("models").output().unwrap();
    let text = crate::support::stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.lines().next().unwrap().contains("PROVIDER"), "{text}");
    let qwen = text.lines().find(|l| l.starts_with("qwen3-coder")).unwrap();
    assert!(qwen.contains("local") && qwen.contains("chat"), "{qwen}");
    let embed = text
        .lines()
        .find(|l| l.starts_with("nomic-embed-text"))
        .unwrap();
    assert!(embed.contains("embeddings"), "{embed}");
    let gpt = text.lines().find(|l| l.starts_with("gpt-4o")).unwrap();
    assert!(gpt.contains("copilot"), "{gpt}");

    let out = ctx
        .cmd()
        .args(["models", "--provider", "local", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["nomic-embed-text", "qwen3-coder"]);
    assert_eq!(v[0]["provider"], "local");
    let out = ctx
        .cmd()
        .args(["models", "--provider", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("no provider named `nope`"));
}

#[tokio::test]
async fn route_rules_edit_requests_and_prefix_answers() {
    let ctx = signed_in();
    config(
        &ctx,
        r#"
        [providers.local]
        kind = "openai-compatible"
        base_url = "{base}/local/v1"
        models = ["qwen3-coder"]
        [[routes]]
        match = "ruled"
        max_tokens = 1000
        stop = ["<|end|>"]
        drop_empty_messages = true
        merge_user_messages = true
        strip_tags = true
        special_prefix = "[local] "
        targets = [{ provider = "local", model = "qwen3-coder" }]
        "#,
    );
    ctx.fake.reply(
        "/local/v1/chat/completions",
        Reply::Json(200, chat_answer("qwen3-coder", "answer")),
    );
    let stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" second\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    ctx.fake.reply(
        "/local/v1/chat/completions",
        Reply::Sse(
            vec![Bytes::from_static(stream.as_bytes())],
            Duration::from_millis(1),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "ruled", "max_tokens": 32000, "stop": "STOP", "messages": [
            {"role": "user", "content": "a"},
            {"role": "user", "content": "  "},
            {"role": "user", "content": "b"},
            {"role": "assistant", "content": "<think>private</think>done"},
            {"role": "user", "content": "next"}
        ]}),
    )
    .await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "[local] answer");
    let sent = ctx.fake.requests("/local/v1/chat/completions")[0].json();
    assert_eq!(sent["max_tokens"], 1000);
    assert_eq!(sent["stop"], json!(["STOP", "<|end|>"]));
    assert_eq!(
        sent["messages"],
        json!([
            {"role": "user", "content": "a\n\nb"},
            {"role": "assistant", "content": "done"},
            {"role": "user", "content": "next"}
        ])
    );
    // Streamed: the first content delta carries the prefix, once.
    let resp = post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "ruled", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"content\":\"[local] first\""), "{text}");
    assert_eq!(text.matches("[local]").count(), 1, "{text}");
}

#[tokio::test]
async fn a_prompt_too_long_moves_to_a_larger_context_window() {
    let ctx = signed_in();
    config(
        &ctx,
        r#"
        [providers.small]
        kind = "openai-compatible"
        base_url = "{base}/small/v1"
        [providers.large]
        kind = "openai-compatible"
        base_url = "{base}/large/v1"
        [[routes]]
        match = "ctx"
        targets = [{ provider = "small", model = "s", priority = 1 }, { provider = "large", model = "l", priority = 2 }]
        "#,
    );
    ctx.fake.reply(
        "/small/v1/models",
        Reply::Json(200, json!({"data": [{"id": "s", "context_length": 8000}]})),
    );
    ctx.fake.reply(
        "/large/v1/models",
        Reply::Json(
            200,
            json!({"data": [{"id": "l", "context_length": 200000}]}),
        ),
    );
    ctx.fake.reply(
        "/small/v1/chat/completions",
        Reply::Json(400, json!({"error": {"message": "This model's maximum context length is 8000 tokens", "code": "context_length_exceeded"}})),
    );
    ctx.fake.reply(
        "/large/v1/chat/completions",
        Reply::Json(200, chat_answer("l", "fits")),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(&proxy, "/v1/chat/completions", chat("ctx")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "large");
    assert_eq!(ctx.fake.requests("/small/v1/chat/completions").len(), 1);
}

#[tokio::test]
async fn a_broken_success_is_a_502_in_the_route_shape_and_falls_over() {
    let ctx = signed_in();
    failover_config(&ctx, "");
    let f = &ctx.fake;
    f.reply(
        "/p2/v1/chat/completions",
        Reply::Json(200, chat_answer("m", "p2")),
    );
    let html = || {
        Reply::Raw(
            200,
            vec![("content-type", "text/html")],
            Bytes::from_static(b"<html><body>Sign in to the corporate proxy</body></html>"),
        )
    };
    let proxy = Proxy::start(&ctx, &[], &[]);

    // An HTML page with a 200 from the first tier: the second answers.
    f.reply("/p1/v1/chat/completions", html());
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-copilot-api-provider"), "p2");
    assert_eq!(header(&resp, "x-copilot-api-attempts"), "2");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["choices"][0]["message"]["content"],
        "p2"
    );

    // Alone, each broken body is a 502 naming the provider, never a 200.
    for broken in [
        html(),
        Reply::Raw(
            200,
            vec![("content-type", "application/json")],
            Bytes::new(),
        ),
        Reply::Raw(
            200,
            vec![("content-type", "application/json")],
            Bytes::from_static(br#"{"id":"x","choi"#),
        ),
        Reply::Json(200, json!({"choices": []})),
        Reply::Json(200, json!({})),
    ] {
        f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
        f.reply("/p1/v1/chat/completions", broken);
        let resp = post(&proxy, "/v1/chat/completions", chat("p1-only")).await;
        assert_eq!(resp.status(), 502);
        let body: Value = resp.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("p1"), "{body}");
        assert!(message.contains("not a chat completion"), "{body}");
    }

    // A Messages client on the same broken chat upstream gets Anthropic's envelope.
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply("/p1/v1/chat/completions", html());
    let resp = post(
        &proxy,
        "/v1/messages",
        json!({"model": "p1-only", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 502);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "error", "{body}");
    assert_eq!(body["error"]["type"], "api_error", "{body}");

    // And the server goes on serving.
    let resp = post(&proxy, "/v1/chat/completions", chat("m")).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn gzip_encoded_answers_are_decoded() {
    use std::io::Write as _;
    let gzip = |text: &str| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        Bytes::from(encoder.finish().unwrap())
    };
    let ctx = signed_in();
    failover_config(&ctx, "");
    let f = &ctx.fake;
    let answer = chat_answer("m", "from a gzip upstream");
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Raw(
            200,
            vec![
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            gzip(&answer.to_string()),
        ),
    );
    let proxy = Proxy::start(&ctx, &[], &[]);
    let resp = post(&proxy, "/v1/chat/completions", chat("p1-only")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("content-encoding").is_none());
    assert_eq!(resp.json::<Value>().await.unwrap(), answer);
    assert_eq!(
        f.requests("/p1/v1/chat/completions")[0].header("accept-encoding"),
        Some("gzip")
    );

    // A gzip stream, translated for a Messages client.
    let stream = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"zipped\"}}]}\n\ndata: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    f.with(|s| s.replies.retain(|(p, _)| p != "/p1/v1/chat/completions"));
    f.reply(
        "/p1/v1/chat/completions",
        Reply::Raw(
            200,
            vec![
                ("content-type", "text/event-stream"),
                ("content-encoding", "gzip"),
            ],
            gzip(stream),
        ),
    );
    let resp = post(
        &proxy,
        "/v1/messages",
        json!({"model": "p1-only", "max_tokens": 50, "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"text\":\"zipped\""), "{text}");
    assert!(text.contains("event: message_stop"), "{text}");
}
