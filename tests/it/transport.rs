//! How model requests reach Copilot: over TLS (HTTP/2 when offered, HTTP/1.1 otherwise) with
//! the certificate checked, and through reqwest when a proxy is configured.

use axum::body::Bytes;
use axum::http::Version;
use serde_json::{Value, json};

use crate::fake::{Alpn, Fake, Reply, test_ca};
use crate::proxy::{pieces, post};
use crate::server::Proxy;
use crate::support::{TestContext, stderr};

fn completion() -> Value {
    json!({"id": "chatcmpl-t", "object": "chat.completion", "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "over TLS"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
}

const STREAM: &str = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"stre\"}}]}\n\n\
data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"amed\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

/// Scripts the answers to [`chat_twice`]: JSON, then the stream in pieces of `piece` bytes.
fn script_chat_twice(fake: &Fake, piece: usize) {
    fake.with(|s| s.replies.clear());
    fake.reply("/chat/completions", Reply::Json(200, completion()));
    fake.reply(
        "/chat/completions",
        Reply::Sse(
            pieces(&Bytes::from_static(STREAM.as_bytes()), piece),
            std::time::Duration::ZERO,
        ),
    );
}

/// A chat turn and a streamed one through the proxy; returns the streamed text.
async fn chat_twice(proxy: &Proxy) -> String {
    let turn = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let resp = post(proxy, "/v1/chat/completions", turn).await;
    assert_eq!(resp.status(), 200, "{}", proxy.log());
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        crate::proxy::with_required_nulls(completion())
    );
    let turn =
        json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let resp = post(proxy, "/v1/chat/completions", turn).await;
    assert_eq!(resp.status(), 200, "{}", proxy.log());
    resp.text().await.unwrap()
}

#[tokio::test]
async fn model_requests_speak_http2_over_tls_when_offered_and_http1_otherwise() {
    for (alpn, version) in [(Alpn::H2, Version::HTTP_2), (Alpn::Http1, Version::HTTP_11)] {
        let ctx = TestContext::with_fake(Fake::start_tls(alpn));
        ctx.sign_in();
        script_chat_twice(&ctx.fake, 7);
        let ca = test_ca();
        let proxy = Proxy::start(&ctx, &[], &[("SSL_CERT_FILE", ca.to_str().unwrap())]);
        let streamed = chat_twice(&proxy).await;
        assert!(
            streamed.contains("\"stre\"") && streamed.ends_with("data: [DONE]\n\n"),
            "{streamed}"
        );
        // The GitHub calls (reqwest) and the model calls (the pooled client) both went over
        // TLS; the model calls in the protocol ALPN settled on.
        assert!(!ctx.fake.requests("/copilot_internal/v2/token").is_empty());
        let sent = ctx.fake.requests("/copilot/chat/completions");
        assert_eq!(sent.len(), 2);
        for request in &sent {
            assert_eq!(request.version, version, "{alpn:?}");
            assert_eq!(request.header("accept"), Some("*/*"));
            assert!(request.header("authorization").is_some());
        }
    }
}

#[test]
fn a_copilot_certificate_that_does_not_verify_is_a_clear_error() {
    // GitHub over plain HTTP; Copilot over TLS with a certificate no trusted CA signed.
    let ctx = TestContext::new();
    ctx.sign_in();
    let copilot = Fake::start_tls(Alpn::H2);
    let out = ctx
        .cmd()
        .arg("models")
        .env(
            "COPILOT_API_COPILOT_URL",
            format!("{}/copilot", copilot.base),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    let port = copilot.base.rsplit(':').next().unwrap();
    assert!(
        err.starts_with(&format!(
            "error: cannot list models: could not reach localhost:{port}: "
        )) && err.contains("certificate"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(copilot.requests("/copilot/models").is_empty());
}

#[tokio::test]
async fn a_configured_proxy_carries_the_model_requests() {
    // The fake doubles as the proxy: a request sent through a proxy names its whole URL.
    let ctx = TestContext::new();
    ctx.sign_in();
    script_chat_twice(&ctx.fake, 5);
    let proxy = Proxy::start(&ctx, &[], &[("HTTP_PROXY", &ctx.fake.base)]);
    chat_twice(&proxy).await;
    let sent = ctx.fake.requests("/copilot/chat/completions");
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(
            request.target,
            format!("{}/copilot/chat/completions", ctx.fake.base)
        );
    }
    drop(proxy);

    // Without one, the same requests go straight to the host, in origin form.
    script_chat_twice(&ctx.fake, 5);
    let proxy = Proxy::start(&ctx, &[], &[]);
    chat_twice(&proxy).await;
    let sent = ctx.fake.requests("/copilot/chat/completions");
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].target, "/copilot/chat/completions");
}
