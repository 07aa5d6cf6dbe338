//! Entry points for the fuzz targets in `fuzz/` and for the corpus replay in the tests: not part
//! of any interface. Each takes arbitrary bytes, never panics on them, and checks what must hold
//! for any input (a stream ends with exactly one terminal event, passthrough bytes arrive
//! unchanged, ...) with `assert!`, so that a broken promise is a finding too.

use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt as _;
use serde_json::{Map, Value};

use crate::providers::Shape;
use crate::server::dispatch::{Answer, AnswerBody};
use crate::server::log::RequestLog;
use crate::translate::anthropic::MessagesRequest;
use crate::translate::openai::ChatResponse;
use crate::translate::request::{TargetModel, anthropic_to_openai};

/// A target: the name of its corpus directory and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// The targets (the tokenizer's differential target lives in `fuzz/`: it needs tiktoken-rs).
pub const TARGETS: [Target; 9] = [
    ("messages_request", messages_request),
    ("responses_request", responses_request),
    ("chat_answer", chat_answer),
    ("chat_stream", chat_stream),
    ("pivot_stream", pivot_stream),
    ("passthrough_stream", passthrough_stream),
    ("peeks", peeks),
    ("config", config),
    ("count_tokens", count_tokens),
];

fn targets() -> [TargetModel; 3] {
    [
        TargetModel {
            id: "claude-sonnet-4.5".into(),
            supports_thinking_budget: true,
            supports_reasoning_effort: false,
            max_output_tokens: Some(16000),
            replays_reasoning: false,
        },
        TargetModel {
            id: "gpt-5".into(),
            supports_thinking_budget: false,
            supports_reasoning_effort: true,
            max_output_tokens: Some(128_000),
            replays_reasoning: false,
        },
        TargetModel {
            id: "gpt-4o".into(),
            supports_thinking_budget: false,
            supports_reasoning_effort: false,
            max_output_tokens: None,
            replays_reasoning: false,
        },
    ]
}

/// An Anthropic Messages request translated to chat completions for each kind of model; what
/// comes out serialises and is an object with `messages`.
pub fn messages_request(data: &[u8]) {
    let Ok(request) = serde_json::from_slice::<MessagesRequest>(data) else {
        return;
    };
    for target in targets() {
        if let Ok(chat) = anthropic_to_openai(request.clone(), &target) {
            let json = serde_json::to_value(&chat);
            assert!(
                json.as_ref().is_ok_and(|v| v["messages"].is_array()),
                "{json:?}"
            );
            if let Ok(Value::Object(chat)) = json {
                chat_onwards(&chat);
            }
        }
    }
}

/// A chat request (the pivot) on to a Responses and a Messages upstream: what comes out is a
/// request of that shape.
fn chat_onwards(chat: &Map<String, Value>) {
    if let Ok(out) = crate::translate::via_responses::request(chat.clone(), "gpt-5-codex") {
        assert!(
            out["input"].is_array() && out["model"] == "gpt-5-codex",
            "{out}"
        );
    }
    let target = crate::translate::via_messages::Target {
        id: "claude".into(),
        max_output: Some(8000),
    };
    if let Ok(out) = crate::translate::via_messages::request(chat.clone(), &target) {
        let messages = out["messages"].as_array();
        assert!(messages.is_some_and(|m| !m.is_empty()), "{out}");
        assert!(
            out["max_tokens"].as_u64().is_some_and(|m| m <= 8000),
            "{out}"
        );
    }
}

/// A Responses request translated to chat completions.
pub fn responses_request(data: &[u8]) {
    let Ok(request) = serde_json::from_slice::<Map<String, Value>>(data) else {
        return;
    };
    if let Ok((chat, _)) = crate::translate::responses::to_chat(request, "gpt-4o") {
        assert!(chat["messages"].is_array(), "{chat}");
        if let Value::Object(chat) = &chat {
            chat_onwards(chat);
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap_or_else(|err| unreachable!("a current-thread runtime: {err}"))
}

pub(crate) fn answer(body: AnswerBody) -> Answer {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("text/event-stream"),
    );
    Answer {
        status: reqwest::StatusCode::OK,
        headers,
        body,
    }
}

/// The chunks a fuzz input stands for: split at NUL bytes (JSON and SSE never contain one), so
/// the same events arrive cut at arbitrary places.
fn chunks(data: &[u8]) -> Vec<Bytes> {
    data.split(|&b| b == 0)
        .map(Bytes::copy_from_slice)
        .collect()
}

fn stream_of(data: &[u8]) -> AnswerBody {
    let chunks: Vec<Result<Bytes, reqwest::Error>> = chunks(data).into_iter().map(Ok).collect();
    AnswerBody::Stream(futures_util::stream::iter(chunks).boxed())
}

pub(crate) async fn body_of(response: axum::response::Response) -> (u16, Vec<u8>) {
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    (status, bytes)
}

/// The `event:` names and JSON `data:` of a framed SSE body; every frame must be whole.
pub(crate) fn events(body: &[u8]) -> Vec<(String, Value)> {
    let text = std::str::from_utf8(body).unwrap_or_else(|err| panic!("not UTF-8: {err}"));
    assert!(
        text.is_empty() || text.ends_with("\n\n"),
        "a frame is cut: {text:?}"
    );
    let mut out = Vec::new();
    // Comment frames (`: ping`) are keep-alives every SSE reader skips.
    for frame in text
        .split("\n\n")
        .filter(|f| !f.is_empty() && !f.starts_with(':'))
    {
        let mut name = String::new();
        let mut data = None;
        for line in frame.lines() {
            if let Some(rest) = line.strip_prefix("event: ") {
                name = rest.to_owned();
            } else if let Some(rest) = line.strip_prefix("data: ") {
                data = Some(
                    serde_json::from_str::<Value>(rest)
                        .unwrap_or_else(|err| panic!("data is not JSON ({err}): {rest:?}")),
                );
            }
        }
        let data = data.unwrap_or_else(|| panic!("a frame without data: {frame:?}"));
        out.push((name, data));
    }
    out
}

/// A chat-completions answer, whole, rendered for Messages and Responses clients.
pub fn chat_answer(data: &[u8]) {
    let rt = runtime();
    rt.block_on(async {
        let bytes = Bytes::copy_from_slice(data);
        let valid = serde_json::from_slice::<ChatResponse>(data).is_ok();
        let log = RequestLog::default();
        for stream in [false, true] {
            let rendered = crate::server::translated::render(
                None,
                answer(AnswerBody::Full(bytes.clone())),
                crate::translate::UpstreamKind::Chat,
                "claude-sonnet-4-5",
                Duration::from_secs(10),
                &log,
                stream,
            );
            if let Ok(response) = rendered {
                let (status, body) = body_of(response).await;
                assert_eq!(status, 200);
                if stream {
                    anthropic_stream_is_whole(&events(&body));
                } else {
                    let json: Value = serde_json::from_slice(&body)
                        .unwrap_or_else(|err| panic!("not JSON: {err}"));
                    assert_eq!(json["type"], "message");
                }
            }
        }
        let rendered = crate::server::translated::render_responses(
            answer(AnswerBody::Full(bytes.clone())),
            crate::translate::UpstreamKind::Chat,
            "gpt-4o",
            crate::translate::responses::Context::default(),
            None,
            &log,
            Duration::from_secs(10),
        );
        assert_eq!(rendered.is_ok(), valid);
        if let Ok(response) = rendered {
            let (_, body) = body_of(response).await;
            let json: Value =
                serde_json::from_slice(&body).unwrap_or_else(|err| panic!("not JSON: {err}"));
            assert_eq!(json["object"], "response");
        }
        // The same bytes as a Messages or a Responses upstream's whole answer (read by the
        // typed readers): an answer in the client's shape, or a clean error.
        for kind in [
            crate::translate::UpstreamKind::Messages,
            crate::translate::UpstreamKind::Responses,
        ] {
            let chat = crate::server::translated::render_chat(
                answer(AnswerBody::Full(bytes.clone())),
                kind,
                "m",
                false,
                crate::server::sse::ChatEncoding::Chat {
                    include_usage: false,
                },
                &log,
                Duration::from_secs(10),
            );
            if let Ok(response) = chat {
                let (status, body) = body_of(response).await;
                assert_eq!(status, 200);
                let json: Value =
                    serde_json::from_slice(&body).unwrap_or_else(|err| panic!("not JSON: {err}"));
                assert_eq!(json["object"], "chat.completion");
            }
            let responses = crate::server::translated::render_responses(
                answer(AnswerBody::Full(bytes.clone())),
                kind,
                "m",
                crate::translate::responses::Context::default(),
                None,
                &log,
                Duration::from_secs(10),
            );
            if let Ok(response) = responses {
                let (_, body) = body_of(response).await;
                let json: Value =
                    serde_json::from_slice(&body).unwrap_or_else(|err| panic!("not JSON: {err}"));
                assert_eq!(json["object"], "response");
            }
        }
    });
}

/// An Anthropic event sequence: `message_start` first (unless the stream failed at once), blocks
/// opened and closed in order, one terminal event (`message_stop` or `error`) and nothing after.
pub(crate) fn anthropic_stream_is_whole(events: &[(String, Value)]) {
    let names: Vec<&str> = events
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| *n != "ping")
        .collect();
    let terminal = names
        .iter()
        .filter(|n| matches!(**n, "message_stop" | "error"))
        .count();
    assert_eq!(terminal, 1, "{names:?}");
    assert!(
        matches!(names.last(), Some(&("message_stop" | "error"))),
        "{names:?}"
    );
    if names.first() != Some(&"error") {
        assert_eq!(names.first(), Some(&"message_start"), "{names:?}");
    }
    let mut open: Option<u64> = None;
    let mut next_index = 0;
    for (name, data) in events {
        match name.as_str() {
            "content_block_start" => {
                assert!(open.is_none(), "a block opened inside another: {events:?}");
                let index = data["index"].as_u64().unwrap_or(u64::MAX);
                assert_eq!(index, next_index, "{events:?}");
                open = Some(index);
                next_index += 1;
            }
            "content_block_delta" => {
                assert_eq!(open, data["index"].as_u64(), "{events:?}");
            }
            "content_block_stop" => {
                assert_eq!(open, data["index"].as_u64(), "{events:?}");
                open = None;
            }
            "message_delta" | "message_stop" => {
                assert!(open.is_none(), "a block left open: {events:?}")
            }
            _ => {}
        }
    }
}

/// A Responses event sequence: sequence numbers 0, 1, 2, …; on completion every item added is
/// done; exactly one terminal event, last.
pub(crate) fn responses_stream_is_whole(events: &[(String, Value)]) {
    const TERMINAL: [&str; 4] = [
        "response.completed",
        "response.incomplete",
        "response.failed",
        "error",
    ];
    let terminal = events
        .iter()
        .filter(|(n, _)| TERMINAL.contains(&n.as_str()))
        .count();
    assert_eq!(terminal, 1, "{events:?}");
    assert!(
        events
            .last()
            .is_some_and(|(n, _)| TERMINAL.contains(&n.as_str())),
        "{events:?}"
    );
    for (i, (name, data)) in events.iter().enumerate() {
        assert_eq!(data["type"].as_str(), Some(name.as_str()), "{events:?}");
        assert_eq!(
            data["sequence_number"].as_u64(),
            Some(i as u64),
            "{events:?}"
        );
    }
    let added = events
        .iter()
        .filter(|(n, _)| n == "response.output_item.added")
        .count();
    let done = events
        .iter()
        .filter(|(n, _)| n == "response.output_item.done")
        .count();
    // A stream that failed leaves its open items open: a cut tool call must never look whole.
    if events
        .last()
        .is_some_and(|(n, _)| n.starts_with("response.completed") || n == "response.incomplete")
    {
        assert_eq!(added, done, "{events:?}");
    } else {
        assert!(done <= added, "{events:?}");
    }
}

/// A chat-completions event stream, cut into arbitrary reads, translated for Messages and
/// Responses clients.
pub fn chat_stream(data: &[u8]) {
    let rt = runtime();
    rt.block_on(async {
        let log = RequestLog::default();
        let rendered = crate::server::translated::render(
            None,
            answer(stream_of(data)),
            crate::translate::UpstreamKind::Chat,
            "claude-sonnet-4-5",
            Duration::from_secs(10),
            &log,
            true,
        );
        let response = rendered.unwrap_or_else(|err| panic!("a stream is always rendered: {err}"));
        let (_, body) = body_of(response).await;
        anthropic_stream_is_whole(&events(&body));

        let rendered = crate::server::translated::render_responses(
            answer(stream_of(data)),
            crate::translate::UpstreamKind::Chat,
            "gpt-4o",
            crate::translate::responses::Context::default(),
            None,
            &log,
            Duration::from_secs(10),
        );
        let response = rendered.unwrap_or_else(|err| panic!("a stream is always rendered: {err}"));
        let (_, body) = body_of(response).await;
        responses_stream_is_whole(&events(&body));
    });
}

/// A Responses (first byte even) or Messages (odd) upstream stream, split at NUL bytes,
/// through the pivot to every client surface: the Messages and Responses streams are whole
/// (one terminal event, last; blocks and items closed in order), and the chat stream ends
/// with exactly one `[DONE]` or one error line, never both, nothing after it.
pub fn pivot_stream(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let kind = if first % 2 == 0 {
        crate::translate::UpstreamKind::Responses
    } else {
        crate::translate::UpstreamKind::Messages
    };
    let rt = runtime();
    rt.block_on(async {
        let log = RequestLog::default();
        let rendered = crate::server::translated::render(
            None,
            answer(stream_of(rest)),
            kind,
            "m",
            Duration::from_secs(10),
            &log,
            true,
        );
        let response = rendered.unwrap_or_else(|err| panic!("a stream is always rendered: {err}"));
        anthropic_stream_is_whole(&events(&body_of(response).await.1));

        let rendered = crate::server::translated::render_responses(
            answer(stream_of(rest)),
            kind,
            "m",
            crate::translate::responses::Context::default(),
            None,
            &log,
            Duration::from_secs(10),
        );
        let response = rendered.unwrap_or_else(|err| panic!("a stream is always rendered: {err}"));
        responses_stream_is_whole(&events(&body_of(response).await.1));

        for encoding in [
            crate::server::sse::ChatEncoding::Chat {
                include_usage: true,
            },
            crate::server::sse::ChatEncoding::Legacy(
                crate::translate::completions::Legacy::default(),
            ),
        ] {
            let rendered = crate::server::translated::render_chat(
                answer(stream_of(rest)),
                kind,
                "m",
                true,
                encoding,
                &log,
                Duration::from_secs(10),
            );
            let response =
                rendered.unwrap_or_else(|err| panic!("a stream is always rendered: {err}"));
            chat_stream_is_whole(&body_of(response).await.1);
        }
    });
}

/// A chat-completions stream: `data:` frames of chunks with `choices`, then exactly one
/// `[DONE]` or one error object, last. Returns the chunks and the error, if it ended in one.
pub(crate) fn chat_stream_is_whole(body: &[u8]) -> (Vec<Value>, Option<Value>) {
    let text = std::str::from_utf8(body).unwrap_or_else(|err| panic!("not UTF-8: {err}"));
    let lines: Vec<&str> = text
        .split("\n\n")
        .filter(|f| !f.is_empty() && !f.starts_with(':'))
        .collect();
    let ends = |l: &&str| *l == "data: [DONE]" || l.starts_with("data: {\"error\"");
    assert_eq!(lines.iter().filter(|l| ends(l)).count(), 1, "{text}");
    assert!(lines.last().is_some_and(ends), "{text}");
    let mut chunks = Vec::new();
    for line in &lines[..lines.len() - 1] {
        let data = line
            .strip_prefix("data: ")
            .unwrap_or_else(|| panic!("{line}"));
        let chunk: Value = serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}"));
        assert!(chunk["choices"].is_array(), "{data}");
        chunks.push(chunk);
    }
    let error = lines
        .last()
        .and_then(|l| l.strip_prefix("data: "))
        .filter(|l| *l != "[DONE]")
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")));
    (chunks, error)
}

/// A stream relayed without translation: the client gets every upstream byte unchanged, then at
/// most one error event of its own shape when the upstream did not end the stream properly; the
/// normalising chat relay (split choices, usage, the nulls OpenAI's schema requires) never
/// panics on what it rewrites.
pub fn passthrough_stream(data: &[u8]) {
    let rt = runtime();
    rt.block_on(async {
        let sent: Vec<u8> = chunks(data).concat();
        for surface in [Shape::Messages, Shape::Chat, Shape::Responses] {
            let log = RequestLog::default();
            let response = crate::server::routes::relay::relay(
                answer(stream_of(data)),
                &log,
                surface,
                Duration::from_secs(10),
            )
            .unwrap_or_else(|err| panic!("a stream is always relayed: {err}"));
            let (_, body) = body_of(response).await;
            assert!(
                body.starts_with(&sent),
                "passthrough changed the bytes: {:?} -> {:?}",
                String::from_utf8_lossy(&sent),
                String::from_utf8_lossy(&body)
            );
        }
        for merge in [false, true] {
            let log = RequestLog::default();
            let response = crate::server::routes::relay::relay_chat(
                answer(stream_of(data)),
                &log,
                merge,
                true,
                Duration::from_secs(10),
            )
            .unwrap_or_else(|err| panic!("a stream is always relayed: {err}"));
            let _ = body_of(response).await;
        }
        let log = RequestLog::default();
        let bytes = Bytes::copy_from_slice(data);
        for merge in [false, true] {
            let _ = crate::server::routes::relay::relay_chat(
                answer(AnswerBody::Full(bytes.clone())),
                &log,
                merge,
                true,
                Duration::from_secs(10),
            );
        }
    });
}

/// The partial readers the proxy runs over every request and answer.
pub fn peeks(data: &[u8]) {
    use crate::server::peek::{
        ChatPeek, CompletionPeek, first_member, insert_first_member, member_after, splice_members,
    };
    let _ = serde_json::from_slice::<ChatPeek<'_>>(data);
    let _ = serde_json::from_slice::<CompletionPeek>(data);
    let _ = crate::server::dispatch::fuzz_check_answer(data);
    let object = serde_json::from_slice::<Map<String, Value>>(data).is_ok();
    // Inserting members into a JSON object keeps it JSON: one, or the three a Copilot answer
    // may lack, in one pass.
    let keeps_json = |out: &[u8]| {
        assert!(
            serde_json::from_slice::<Map<String, Value>>(out).is_ok(),
            "{:?} -> {:?}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(out)
        );
    };
    if let Some(out) = insert_first_member(data, "model", "\"m\"")
        && object
    {
        keeps_json(&out);
    }
    let mut members: Vec<_> = [
        member_after(data, br#""choices":[{"#).map(|at| (at, "logprobs", "null")),
        member_after(data, br#""message":{"#).map(|at| (at, "refusal", "null")),
        first_member(data).map(|at| (at, "object", "\"chat.completion\"")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let out = splice_members(data, &mut members);
    if object {
        keeps_json(&out);
    }
}

/// Config text: parsed, and when it parses, the gateway built from it (no network: providers
/// are built, not called).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = crate::settings::file::parse(text) {
        let _ = crate::routing::Gateway::build(
            Some(&config),
            &crate::settings::env::Env::default(),
            None,
            &reqwest::Client::new(),
        );
    }
}

/// `count-tokens` on any input: the shape guess and every counter.
pub fn count_tokens(data: &[u8]) {
    use crate::tokens::Encoding;
    use crate::tokens::requests::{Shape, count_anthropic, count_openai, count_text, detect};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = count_text(Encoding::O200kBase, text);
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    match detect(&value) {
        Some(Shape::Anthropic) => {
            let _ = count_anthropic(Encoding::O200kBase, &value, "claude-sonnet-4.5", None);
        }
        Some(Shape::OpenAi) => {
            let _ = count_openai(Encoding::O200kBase, &value, "gpt-4o");
        }
        Some(Shape::Text) | None => {}
    }
}
