//! Property test of every translated stream pair: a random answer (text, reasoning and tool
//! calls in any order, ending completed, cut short by the output limit, failed, or cut off) is
//! written as each upstream API writes it (chat chunks, Responses events, Messages events),
//! split at random byte boundaries, and rendered for every client surface (Messages,
//! Responses, chat, legacy completions). Each rendering must be well formed (one terminal
//! event, last; blocks and items closed in order; indexes ascending) and faithful: the same
//! text and reasoning, every tool call with its id, name and arguments, the finish the
//! upstream earned and no other, and for a stream that broke only a prefix of the text followed
//! by the surface's error event.

use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt as _;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::fuzz::{
    answer, anthropic_stream_is_whole, body_of, chat_stream_is_whole, events,
    responses_stream_is_whole,
};
use crate::server::dispatch::AnswerBody;
use crate::server::log::RequestLog;
use crate::server::sse::ChatEncoding;
use crate::translate::UpstreamKind;

#[derive(Clone, Debug)]
enum Part {
    /// Text in pieces (one delta each).
    Text(Vec<String>),
    /// Reasoning (summary / thinking) text in pieces.
    Reasoning(Vec<String>),
    /// A tool call: arguments JSON cut into this many pieces.
    Tool { value: String, pieces: usize },
    /// Claude's redacted thinking (only a Messages upstream sends it; the others skip it).
    Redacted,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    /// The upstream finished normally.
    Completed,
    /// The upstream stopped at the output limit.
    Incomplete,
    /// The upstream sent its error event.
    Failed,
    /// The connection ended early (before the event that decides the finish).
    Cut,
}

fn piece() -> impl Strategy<Value = String> {
    "[a-zé€😀 \"\\\\\n{}]{1,6}"
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        3 => prop::collection::vec(piece(), 1..4).prop_map(Part::Text),
        2 => prop::collection::vec(piece(), 1..4).prop_map(Part::Reasoning),
        2 => (piece(), 1usize..5).prop_map(|(value, pieces)| Part::Tool { value, pieces }),
        1 => Just(Part::Redacted),
    ]
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![
        4 => Just(End::Completed),
        1 => Just(End::Incomplete),
        1 => Just(End::Failed),
        2 => Just(End::Cut),
    ]
}

/// The arguments of the `i`th part's tool call, whole, and cut into `pieces` at char
/// boundaries.
fn arguments(value: &str, i: usize, pieces: usize) -> (String, Vec<String>) {
    let whole = json!({"path": value, "n": i}).to_string();
    let chars: Vec<char> = whole.chars().collect();
    let size = chars.len().div_ceil(pieces);
    let cut = chars
        .chunks(size)
        .map(|c| c.iter().collect::<String>())
        .collect();
    (whole, cut)
}

/// An SSE frame, with or without an `event:` line.
fn frame(name: Option<&str>, data: &Value) -> String {
    match name {
        Some(name) => format!("event: {name}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

/// The upstream's bytes, and where the frame that decides the finish starts (a cut lands
/// before it).
struct Written {
    bytes: String,
    decisive: usize,
}

fn write_chat(parts: &[Part], end: End) -> Written {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut out = frame(
        None,
        &chunk(json!({"role": "assistant", "content": ""}), Value::Null),
    );
    let mut tool_index = 0;
    let mut any_tool = false;
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(pieces) => {
                for p in pieces {
                    out += &frame(None, &chunk(json!({"content": p}), Value::Null));
                }
            }
            Part::Reasoning(pieces) => {
                for p in pieces {
                    out += &frame(None, &chunk(json!({"reasoning_text": p}), Value::Null));
                }
            }
            Part::Tool { value, pieces } => {
                any_tool = true;
                let (_, cut) = arguments(value, i, *pieces);
                for (k, p) in cut.iter().enumerate() {
                    let call = if k == 0 {
                        json!({"index": tool_index, "id": format!("call_{i}"), "type": "function",
                               "function": {"name": format!("Tool{i}"), "arguments": p}})
                    } else {
                        json!({"index": tool_index, "function": {"arguments": p}})
                    };
                    out += &frame(None, &chunk(json!({"tool_calls": [call]}), Value::Null));
                }
                tool_index += 1;
            }
            Part::Redacted => {}
        }
    }
    let decisive = out.len();
    let finish = match end {
        End::Incomplete => "length",
        _ if any_tool => "tool_calls",
        _ => "stop",
    };
    match end {
        End::Completed | End::Incomplete => {
            out += &frame(None, &chunk(json!({}), json!(finish)));
            out += &frame(
                None,
                &json!({"id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1, "model": "m",
                        "choices": [], "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49}}),
            );
            out += "data: [DONE]\n\n";
        }
        End::Failed => {
            out += &frame(
                None,
                &json!({"error": {"message": "overloaded", "type": "server_error"}}),
            );
        }
        End::Cut => {}
    }
    Written {
        bytes: out,
        decisive,
    }
}

fn write_responses(parts: &[Part], end: End) -> Written {
    let mut seq = 0;
    let mut out = String::new();
    let mut emit = |out: &mut String, kind: &str, mut data: Value| {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(seq);
        seq += 1;
        *out += &frame(Some(kind), &data);
    };
    emit(
        &mut out,
        "response.created",
        json!({"response": {"id": "resp_p", "object": "response", "created_at": 1, "status": "in_progress", "model": "m", "output": []}}),
    );
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(pieces) => {
                let id = format!("msg_{i}");
                emit(
                    &mut out,
                    "response.output_item.added",
                    json!({"output_index": i, "item": {"type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": []}}),
                );
                for p in pieces {
                    emit(
                        &mut out,
                        "response.output_text.delta",
                        json!({"output_index": i, "content_index": 0, "item_id": id, "delta": p}),
                    );
                }
                emit(
                    &mut out,
                    "response.output_item.done",
                    json!({"output_index": i, "item": {"type": "message", "id": id, "role": "assistant", "status": "completed",
                           "content": [{"type": "output_text", "text": pieces.concat(), "annotations": []}]}}),
                );
            }
            Part::Reasoning(pieces) => {
                let id = format!("rs_{i}");
                emit(
                    &mut out,
                    "response.output_item.added",
                    json!({"output_index": i, "item": {"type": "reasoning", "id": id, "summary": []}}),
                );
                for p in pieces {
                    emit(
                        &mut out,
                        "response.reasoning_summary_text.delta",
                        json!({"output_index": i, "summary_index": 0, "item_id": id, "delta": p}),
                    );
                }
                emit(
                    &mut out,
                    "response.output_item.done",
                    json!({"output_index": i, "item": {"type": "reasoning", "id": id,
                           "summary": [{"type": "summary_text", "text": pieces.concat()}], "encrypted_content": format!("ENC{i}")}}),
                );
            }
            Part::Tool { value, pieces } => {
                let (whole, cut) = arguments(value, i, *pieces);
                let item = |args: &str, status: &str| {
                    json!({"type": "function_call", "id": format!("fc_{i}"), "call_id": format!("call_{i}"),
                           "name": format!("Tool{i}"), "arguments": args, "status": status})
                };
                emit(
                    &mut out,
                    "response.output_item.added",
                    json!({"output_index": i, "item": item("", "in_progress")}),
                );
                for p in &cut {
                    emit(
                        &mut out,
                        "response.function_call_arguments.delta",
                        json!({"output_index": i, "item_id": format!("fc_{i}"), "delta": p}),
                    );
                }
                emit(
                    &mut out,
                    "response.output_item.done",
                    json!({"output_index": i, "item": item(&whole, "completed")}),
                );
            }
            Part::Redacted => {}
        }
    }
    let decisive = out.len();
    let usage = json!({"input_tokens": 40, "input_tokens_details": {"cached_tokens": 0},
                       "output_tokens": 9, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 49});
    match end {
        End::Completed => emit(
            &mut out,
            "response.completed",
            json!({"response": {"id": "resp_p", "object": "response", "created_at": 1, "status": "completed", "model": "m", "output": [], "usage": usage}}),
        ),
        End::Incomplete => emit(
            &mut out,
            "response.incomplete",
            json!({"response": {"id": "resp_p", "object": "response", "created_at": 1, "status": "incomplete", "model": "m", "output": [],
                   "incomplete_details": {"reason": "max_output_tokens"}, "usage": usage}}),
        ),
        End::Failed => emit(
            &mut out,
            "response.failed",
            json!({"response": {"id": "resp_p", "object": "response", "created_at": 1, "status": "failed", "model": "m", "output": [],
                   "error": {"code": "server_error", "message": "overloaded"}}}),
        ),
        End::Cut => {}
    }
    Written {
        bytes: out,
        decisive,
    }
}

fn write_messages(parts: &[Part], end: End) -> Written {
    let mut out = frame(
        Some("message_start"),
        &json!({"type": "message_start", "message": {"id": "msg_p", "type": "message", "role": "assistant", "model": "m",
                "content": [], "stop_reason": null, "usage": {"input_tokens": 40, "output_tokens": 1}}}),
    );
    let mut any_tool = false;
    for (i, part) in parts.iter().enumerate() {
        let (start, deltas): (Value, Vec<Value>) = match part {
            Part::Text(pieces) => (
                json!({"type": "text", "text": ""}),
                pieces
                    .iter()
                    .map(|p| json!({"type": "text_delta", "text": p}))
                    .collect(),
            ),
            Part::Reasoning(pieces) => (
                json!({"type": "thinking", "thinking": "", "signature": ""}),
                pieces
                    .iter()
                    .map(|p| json!({"type": "thinking_delta", "thinking": p}))
                    .chain([json!({"type": "signature_delta", "signature": format!("SIG{i}")})])
                    .collect(),
            ),
            Part::Redacted => (
                json!({"type": "redacted_thinking", "data": format!("RED{i}")}),
                Vec::new(),
            ),
            Part::Tool { value, pieces } => {
                any_tool = true;
                (
                    json!({"type": "tool_use", "id": format!("toolu_{i}"), "name": format!("Tool{i}"), "input": {}}),
                    arguments(value, i, *pieces)
                        .1
                        .iter()
                        .map(|p| json!({"type": "input_json_delta", "partial_json": p}))
                        .collect(),
                )
            }
        };
        out += &frame(
            Some("content_block_start"),
            &json!({"type": "content_block_start", "index": i, "content_block": start}),
        );
        for delta in deltas {
            out += &frame(
                Some("content_block_delta"),
                &json!({"type": "content_block_delta", "index": i, "delta": delta}),
            );
        }
        out += &frame(
            Some("content_block_stop"),
            &json!({"type": "content_block_stop", "index": i}),
        );
    }
    let decisive = out.len();
    let stop = match end {
        End::Incomplete => "max_tokens",
        _ if any_tool => "tool_use",
        _ => "end_turn",
    };
    match end {
        End::Completed | End::Incomplete => {
            out += &frame(
                Some("message_delta"),
                &json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 9}}),
            );
            out += &frame(Some("message_stop"), &json!({"type": "message_stop"}));
        }
        End::Failed => {
            out += &frame(
                Some("error"),
                &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
            );
        }
        End::Cut => {}
    }
    Written {
        bytes: out,
        decisive,
    }
}

/// What every client must see.
struct Expected {
    text: String,
    reasoning: String,
    /// (id, name, arguments) of each tool call, in order.
    tools: Vec<(String, String, Value)>,
    /// The opaque reasoning a chat client must get (signatures, redacted data, packed
    /// reasoning items), space-separated; `None` where not checked.
    opaque: Option<String>,
    end: End,
}

fn expected(parts: &[Part], end: End, kind: UpstreamKind) -> Expected {
    let mut out = Expected {
        text: String::new(),
        reasoning: String::new(),
        tools: Vec::new(),
        opaque: None,
        end,
    };
    let mut tokens = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(p) => out.text += &p.concat(),
            Part::Reasoning(p) => {
                out.reasoning += &p.concat();
                tokens.push(match kind {
                    UpstreamKind::Messages => format!("SIG{i}"),
                    _ => crate::translate::via_responses::pack_reasoning(
                        &format!("rs_{i}"),
                        &format!("ENC{i}"),
                    ),
                });
            }
            Part::Redacted => {
                if kind == UpstreamKind::Messages {
                    tokens.push(format!("redacted:RED{i}"));
                }
            }
            Part::Tool { value, pieces } => {
                let id = match kind {
                    UpstreamKind::Messages => format!("toolu_{i}"),
                    _ => format!("call_{i}"),
                };
                let args = serde_json::from_str(&arguments(value, i, *pieces).0)
                    .unwrap_or_else(|err| panic!("{err}"));
                out.tools.push((id, format!("Tool{i}"), args));
            }
        }
    }
    if kind != UpstreamKind::Chat {
        out.opaque = Some(tokens.join(" "));
    }
    out
}

/// The bytes cut at `cuts` (fractions of the length, in thousandths), as reads; a cut stream
/// loses everything from a point before its decisive frame.
fn reads(written: &Written, end: End, cuts: &[usize], lose: usize) -> AnswerBody {
    let bytes = written.bytes.as_bytes();
    let len = match end {
        End::Cut => written.decisive * lose / 1000,
        _ => bytes.len(),
    };
    let mut at: Vec<usize> = cuts.iter().map(|c| len * c / 1000).collect();
    at.push(len);
    at.sort_unstable();
    let mut from = 0;
    let mut chunks: Vec<Result<Bytes, reqwest::Error>> = Vec::new();
    for to in at {
        chunks.push(Ok(Bytes::copy_from_slice(&bytes[from..to])));
        from = to;
    }
    AnswerBody::Stream(futures_util::stream::iter(chunks).boxed())
}

/// Parses tool arguments a client got (a cut stream may leave them unparseable).
fn parsed(args: &str) -> Value {
    serde_json::from_str(args).unwrap_or(Value::Null)
}

fn check_messages(body: &[u8], want: &Expected) {
    let events = events(body);
    anthropic_stream_is_whole(&events);
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut tools: Vec<(String, String, String)> = Vec::new();
    let mut stop = None;
    for (name, data) in &events {
        match name.as_str() {
            "content_block_start" if data["content_block"]["type"] == "tool_use" => {
                let block = &data["content_block"];
                tools.push((
                    block["id"].as_str().unwrap_or_default().to_owned(),
                    block["name"].as_str().unwrap_or_default().to_owned(),
                    String::new(),
                ));
            }
            "content_block_delta" => {
                let delta = &data["delta"];
                match delta["type"].as_str() {
                    Some("text_delta") => text += delta["text"].as_str().unwrap_or_default(),
                    Some("thinking_delta") => {
                        reasoning += delta["thinking"].as_str().unwrap_or_default();
                    }
                    Some("input_json_delta") => {
                        if let Some(t) = tools.last_mut() {
                            t.2 += delta["partial_json"].as_str().unwrap_or_default();
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => stop = data["delta"]["stop_reason"].as_str().map(str::to_owned),
            _ => {}
        }
    }
    let last = events.last().map(|(n, _)| n.as_str());
    match want.end {
        End::Completed | End::Incomplete => {
            assert_eq!(last, Some("message_stop"), "{events:?}");
            assert_eq!(text, want.text);
            assert_eq!(reasoning, want.reasoning);
            let got: Vec<_> = tools
                .iter()
                .map(|(id, name, args)| (id.clone(), name.clone(), parsed(args)))
                .collect();
            assert_eq!(got, want.tools);
            let expected_stop = match want.end {
                End::Incomplete => "max_tokens",
                _ if !want.tools.is_empty() => "tool_use",
                _ => "end_turn",
            };
            assert_eq!(stop.as_deref(), Some(expected_stop), "{events:?}");
        }
        End::Failed | End::Cut => {
            assert_eq!(last, Some("error"), "{events:?}");
            assert!(want.text.starts_with(&text), "{text:?} / {:?}", want.text);
        }
    }
}

fn check_responses(body: &[u8], want: &Expected) {
    let events = events(body);
    responses_stream_is_whole(&events);
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut tools = Vec::new();
    for (name, data) in &events {
        match name.as_str() {
            "response.output_text.delta" => text += data["delta"].as_str().unwrap_or_default(),
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                reasoning += data["delta"].as_str().unwrap_or_default();
            }
            "response.output_item.done" if data["item"]["type"] == "function_call" => {
                let item = &data["item"];
                tools.push((
                    item["call_id"].as_str().unwrap_or_default().to_owned(),
                    item["name"].as_str().unwrap_or_default().to_owned(),
                    parsed(item["arguments"].as_str().unwrap_or_default()),
                ));
            }
            _ => {}
        }
    }
    let last = events.last().map(|(n, _)| n.as_str());
    match want.end {
        End::Completed | End::Incomplete => {
            let terminal = if want.end == End::Completed {
                "response.completed"
            } else {
                "response.incomplete"
            };
            assert_eq!(last, Some(terminal), "{events:?}");
            assert_eq!(text, want.text);
            assert_eq!(reasoning, want.reasoning);
            assert_eq!(tools, want.tools);
            // The final object lists the same calls as the events.
            let output = &events[events.len() - 1].1["response"]["output"];
            let calls = output.as_array().map_or(0, |o| {
                o.iter().filter(|i| i["type"] == "function_call").count()
            });
            assert_eq!(calls, want.tools.len(), "{output}");
        }
        End::Failed | End::Cut => {
            assert!(
                matches!(last, Some("error" | "response.failed")),
                "{events:?}"
            );
            assert!(want.text.starts_with(&text), "{text:?} / {:?}", want.text);
        }
    }
}

fn check_chat(body: &[u8], want: &Expected, legacy: bool) {
    let (chunks, error) = chat_stream_is_whole(body);
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut tools: Vec<(String, String, String)> = Vec::new();
    let mut finishes = Vec::new();
    let mut opaque = String::new();
    for chunk in &chunks {
        for choice in chunk["choices"].as_array().into_iter().flatten() {
            if let Some(reason) = choice["finish_reason"].as_str() {
                finishes.push(reason.to_owned());
            }
            if legacy {
                text += choice["text"].as_str().unwrap_or_default();
                continue;
            }
            let delta = &choice["delta"];
            text += delta["content"].as_str().unwrap_or_default();
            reasoning += delta["reasoning_text"].as_str().unwrap_or_default();
            opaque += delta["reasoning_opaque"].as_str().unwrap_or_default();
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = usize::try_from(call["index"].as_u64().unwrap_or(u64::MAX))
                    .unwrap_or(usize::MAX);
                if index == tools.len() {
                    tools.push((
                        call["id"].as_str().unwrap_or_default().to_owned(),
                        call["function"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        String::new(),
                    ));
                }
                assert!(index < tools.len(), "tool index {index} skips ahead");
                tools[index].2 += call["function"]["arguments"].as_str().unwrap_or_default();
            }
        }
    }
    match want.end {
        End::Completed | End::Incomplete => {
            assert!(error.is_none(), "{error:?}");
            assert_eq!(text, want.text);
            let expected_finish = match want.end {
                End::Incomplete => "length",
                _ if !want.tools.is_empty() => "tool_calls",
                _ => "stop",
            };
            assert_eq!(finishes, [expected_finish]);
            if !legacy {
                assert_eq!(reasoning, want.reasoning);
                if let Some(want) = &want.opaque {
                    assert_eq!(&opaque, want);
                }
                let got: Vec<_> = tools
                    .iter()
                    .map(|(id, name, args)| (id.clone(), name.clone(), parsed(args)))
                    .collect();
                assert_eq!(got, want.tools);
            }
        }
        End::Failed | End::Cut => {
            assert!(error.is_some(), "a broken stream must end in an error");
            assert!(finishes.is_empty(), "{finishes:?}");
            assert!(want.text.starts_with(&text), "{text:?} / {:?}", want.text);
        }
    }
}

/// Renders `written` for every client surface and checks each.
fn check_all(kind: UpstreamKind, written: &Written, want: &Expected, cuts: &[usize], lose: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap_or_else(|err| panic!("{err}"));
    rt.block_on(async {
        let log = RequestLog::default();
        let ping = Duration::from_secs(10);
        let body = || answer(reads(written, want.end, cuts, lose));
        let messages = super::render(None, body(), kind, "m", ping, &log, true)
            .unwrap_or_else(|err| panic!("{err}"));
        check_messages(&body_of(messages).await.1, want);
        let responses = super::render_responses(
            body(),
            kind,
            "m",
            crate::translate::responses::Context::default(),
            None,
            &log,
            ping,
        )
        .unwrap_or_else(|err| panic!("{err}"));
        check_responses(&body_of(responses).await.1, want);
        if kind != UpstreamKind::Chat {
            let chat = super::render_chat(
                body(),
                kind,
                "m",
                true,
                ChatEncoding::Chat {
                    include_usage: true,
                },
                &log,
                ping,
            )
            .unwrap_or_else(|err| panic!("{err}"));
            check_chat(&body_of(chat).await.1, want, false);
        }
        let legacy = super::render_chat(
            body(),
            kind,
            "m",
            true,
            ChatEncoding::Legacy(crate::translate::completions::Legacy::default()),
            &log,
            ping,
        )
        .unwrap_or_else(|err| panic!("{err}"));
        check_chat(&body_of(legacy).await.1, want, true);
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn every_upstream_stream_reaches_every_client_whole_and_faithful(
        parts in prop::collection::vec(part(), 0..6),
        end in end(),
        cuts in prop::collection::vec(0usize..1000, 0..12),
        lose in 0usize..1000,
    ) {
        for (kind, written) in [
            (UpstreamKind::Chat, write_chat(&parts, end)),
            (UpstreamKind::Responses, write_responses(&parts, end)),
            (UpstreamKind::Messages, write_messages(&parts, end)),
        ] {
            let want = expected(&parts, end, kind);
            check_all(kind, &written, &want, &cuts, lose);
        }
    }
}
