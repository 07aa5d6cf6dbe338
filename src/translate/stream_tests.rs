//! Tests of [`super::StreamTranslator`]: golden Copilot streams and a well-formedness property.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::translate::anthropic::StreamEvent as E;
use crate::translate::openai::{ChunkChoice, FunctionDelta, PromptTokensDetails, ToolCallDelta};

fn run(chunks: &[Value]) -> (StreamTranslator, Vec<Value>) {
    let mut translator = StreamTranslator::new("claude-sonnet-4-5-20250929".into(), 900);
    let mut events = Vec::new();
    for chunk in chunks {
        let chunk: ChatChunk = serde_json::from_value(chunk.clone()).unwrap();
        events.extend(translator.push(&chunk));
    }
    events.extend(translator.finish());
    let json = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    (translator, json)
}

fn delta(choice: u32, delta: Value) -> Value {
    json!({"id": "chatcmpl-7", "model": "claude-sonnet-4.5", "created": 1760000000,
           "choices": [{"index": choice, "delta": delta, "finish_reason": null}]})
}

fn finish(choice: u32, reason: &str) -> Value {
    json!({"id": "chatcmpl-7", "model": "claude-sonnet-4.5", "created": 1760000000,
           "choices": [{"index": choice, "delta": {}, "finish_reason": reason}]})
}

fn start(input_tokens: u64) -> Value {
    json!({"type": "message_start", "message": {
        "id": "msg_chatcmpl7", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929", "content": [],
        "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": 0}}})
}

#[test]
fn copilot_claude_text_then_tool_call_in_another_choice() {
    let (translator, events) = run(&[
        // Copilot's leading prompt-filter chunk: no choices, no id.
        json!({"choices": [], "created": 0, "id": "", "prompt_filter_results": [
            {"content_filter_results": {}, "prompt_index": 0}]}),
        delta(0, json!({"role": "assistant", "content": "I'll list "})),
        delta(0, json!({"content": "the files."})),
        delta(0, json!({"content": null})),
        delta(
            1,
            json!({"tool_calls": [{"index": 0, "id": "toolu_01", "type": "function",
            "function": {"name": "Bash", "arguments": ""}}]}),
        ),
        delta(
            1,
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"command\":"}}]}),
        ),
        delta(
            1,
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"ls\"}"}}]}),
        ),
        finish(1, "tool_calls"),
        // Usage arrives after the finish chunk (include_usage).
        json!({"id": "chatcmpl-7", "model": "claude-sonnet-4.5", "choices": [], "usage": {
            "prompt_tokens": 1500, "completion_tokens": 42, "total_tokens": 1542,
            "prompt_tokens_details": {"cached_tokens": 1000}}}),
    ]);
    assert!(translator.is_finished());
    assert_eq!(
        events,
        vec![
            start(900),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "I'll list "}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "the files."}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "content_block_start", "index": 1, "content_block":
                {"type": "tool_use", "id": "toolu_01", "name": "Bash", "input": {}}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"command\":"}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "\"ls\"}"}}),
            json!({"type": "content_block_stop", "index": 1}),
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null},
                "usage": {"input_tokens": 500, "output_tokens": 42, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1000}}),
            json!({"type": "message_stop"}),
        ]
    );
}

#[test]
fn thinking_then_signature_then_text() {
    let (_, events) = run(&[
        delta(
            0,
            json!({"role": "assistant", "content": null, "reasoning_text": "The user wants "}),
        ),
        delta(0, json!({"reasoning_text": "a haiku."})),
        delta(
            0,
            json!({"content": "", "reasoning_opaque": "EqQBCkYIBxgCKkD"}),
        ),
        delta(0, json!({"content": "Autumn wind"})),
        finish(0, "stop"),
    ]);
    assert_eq!(
        events,
        vec![
            start(900),
            json!({"type": "content_block_start", "index": 0, "content_block":
                {"type": "thinking", "thinking": "", "signature": ""}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "The user wants "}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "a haiku."}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCkYIBxgCKkD"}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Autumn wind"}}),
            json!({"type": "content_block_stop", "index": 1}),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                "usage": {"input_tokens": 900, "output_tokens": 0}}),
            json!({"type": "message_stop"}),
        ]
    );
}

#[test]
fn truncated_stream_ends_with_an_error_and_no_message_stop() {
    let (_, events) = run(&[
        delta(0, json!({"content": "Half an ans"})),
        delta(
            0,
            json!({"tool_calls": [{"index": 0, "id": "t", "function": {"name": "Edit", "arguments": "{\"pa"}}]}),
        ),
    ]);
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "error"
        ]
    );
    assert_eq!(
        events.last().unwrap(),
        &json!({"type": "error", "error": {"type": "api_error", "message": TRUNCATED_MESSAGE}})
    );
}

#[test]
fn empty_stream_that_ends_is_only_an_error() {
    let (_, events) = run(&[json!({"choices": [], "id": ""})]);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "error");
}

#[test]
fn interleaved_parallel_tool_calls_are_attributed_to_their_own_blocks() {
    let piece = |index: u32, id: Option<&str>, args: &str| {
        let mut call = json!({"index": index, "function": {"arguments": args}});
        if let Some(id) = id {
            call["id"] = json!(id);
            call["function"]["name"] = json!(format!("Read{index}"));
        }
        delta(0, json!({"tool_calls": [call]}))
    };
    let (_, events) = run(&[
        piece(0, Some("call_a"), "{\"p\":"),
        piece(1, Some("call_b"), "{\"p\":"),
        piece(0, None, "\"a\"}"),
        piece(1, None, "\"b\"}"),
        delta(0, json!({"content": "done"})),
        finish(0, "tool_calls"),
    ]);
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut ids = BTreeMap::new();
    for e in &events {
        if e["type"] == "content_block_start" && e["content_block"]["type"] == "tool_use" {
            ids.insert(
                e["index"].as_u64().unwrap(),
                e["content_block"]["id"].as_str().unwrap().to_owned(),
            );
        }
        if e["delta"]["type"] == "input_json_delta" {
            let id = &ids[&e["index"].as_u64().unwrap()];
            args.entry(id.clone())
                .or_default()
                .push_str(e["delta"]["partial_json"].as_str().unwrap());
        }
    }
    assert_eq!(args["call_a"], "{\"p\":\"a\"}");
    assert_eq!(args["call_b"], "{\"p\":\"b\"}");
    let text_index = events
        .iter()
        .find(|e| e["content_block"]["type"] == "text")
        .map(|e| e["index"].as_u64().unwrap());
    assert_eq!(
        text_index,
        Some(2),
        "queued text comes after both tool blocks"
    );
    check_well_formed(&serde_events(&events), true);
}

#[test]
fn arguments_before_identity_are_sent_after_the_start() {
    let (_, events) = run(&[
        delta(
            0,
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"q\""}}]}),
        ),
        delta(0, json!({"tool_calls": [{"index": 0, "id": "call_1"}]})),
        delta(
            0,
            json!({"tool_calls": [{"index": 0, "function": {"name": "Grep", "arguments": ":1}"}}]}),
        ),
        finish(0, "tool_calls"),
    ]);
    assert_eq!(
        events[1]["content_block"],
        json!({"type": "tool_use", "id": "call_1", "name": "Grep", "input": {}})
    );
    // Everything received before the start goes out in one delta right after it.
    assert_eq!(events[2]["delta"]["partial_json"], "{\"q\":1}");
    assert_eq!(events[3], json!({"type": "content_block_stop", "index": 0}));
}

#[test]
fn signature_without_reasoning_gets_its_own_thinking_block() {
    let (_, events) = run(&[
        delta(0, json!({"content": "Hi"})),
        delta(0, json!({"reasoning_opaque": "opaque=="})),
        finish(0, "stop"),
    ]);
    let kinds: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["type"].as_str().unwrap(),
                e["content_block"]["type"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds[1..6],
        [
            "content_block_start:text",
            "content_block_delta:",
            "content_block_stop:",
            "content_block_start:thinking",
            "content_block_delta:"
        ]
    );
    assert_eq!(
        events[5]["delta"],
        json!({"type": "signature_delta", "signature": "opaque=="})
    );
}

#[test]
fn usage_on_the_first_chunk_replaces_the_estimate_in_message_start() {
    let mut first = delta(0, json!({"content": "x"}));
    first["usage"] = json!({"prompt_tokens": 12, "completion_tokens": 0, "total_tokens": 12});
    let (_, events) = run(&[first, finish(0, "length")]);
    let mut want = start(12);
    want["message"]["usage"]["cache_creation_input_tokens"] = json!(0);
    want["message"]["usage"]["cache_read_input_tokens"] = json!(0);
    assert_eq!(events[0], want);
    assert_eq!(
        events[events.len() - 2]["delta"]["stop_reason"],
        "max_tokens"
    );
}

#[test]
fn fail_emits_one_error_and_then_nothing() {
    let mut translator = StreamTranslator::new("m".into(), 1);
    let chunk: ChatChunk = serde_json::from_value(delta(0, json!({"content": "a"}))).unwrap();
    assert_eq!(translator.push(&chunk).len(), 3);
    let events = translator.fail("connection reset", "overloaded_error");
    assert_eq!(
        serde_json::to_value(&events).unwrap(),
        json!([{"type": "error", "error": {"type": "overloaded_error", "message": "connection reset"}}])
    );
    assert!(translator.is_finished());
    assert!(translator.push(&chunk).is_empty());
    assert!(translator.finish().is_empty());
    assert!(translator.fail("again", "api_error").is_empty());
}

#[test]
fn calls_without_id_start_at_finish_and_calls_without_name_are_dropped() {
    let (_, events) = run(&[
        delta(
            0,
            json!({"tool_calls": [
            {"index": 0, "function": {"name": "Glob", "arguments": "{\"pattern\":\"*.rs\"}"}},
            {"index": 1, "id": "call_nameless", "function": {"arguments": "{}"}}]}),
        ),
        finish(0, "tool_calls"),
    ]);
    assert_eq!(
        events[1..4],
        [
            json!({"type": "content_block_start", "index": 0, "content_block":
                {"type": "tool_use", "id": "toolu_0", "name": "Glob", "input": {}}}),
            json!({"type": "content_block_delta", "index": 0, "delta":
                {"type": "input_json_delta", "partial_json": "{\"pattern\":\"*.rs\"}"}}),
            json!({"type": "content_block_stop", "index": 0}),
        ]
    );
    assert_eq!(events.len(), 6);
}

// ---------------------------------------------------------------------------------------
// Property: any chunk sequence yields a well-formed, faithful event stream.

fn serde_events(values: &[Value]) -> Vec<StreamEvent> {
    values
        .iter()
        .map(|v| serde_json::from_value(v.clone()).unwrap())
        .collect()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Text,
    Thinking,
    Tool,
}

/// Asserts the Anthropic stream grammar. `finish_seen`: a finish_reason was pushed.
fn check_well_formed(events: &[StreamEvent], finish_seen: bool) {
    assert!(!events.is_empty(), "finish() always emits something");
    let error_only = events.len() == 1 && matches!(events[0], E::Error { .. });
    if !error_only {
        assert!(
            matches!(events[0], E::MessageStart { .. }),
            "first: {:?}",
            events[0]
        );
    }
    let mut open: Option<(u32, Kind)> = None;
    let mut started = 0;
    let last = events.len() - 1;
    for (i, event) in events.iter().enumerate() {
        match event {
            E::MessageStart { .. } => assert_eq!(i, 0, "message_start not first"),
            E::ContentBlockStart {
                index,
                content_block,
            } => {
                assert!(open.is_none(), "start {index} while {open:?} open");
                assert_eq!(*index, started, "indexes must ascend without gaps");
                started += 1;
                let kind = match content_block {
                    ResponseBlock::Text { .. } => Kind::Text,
                    ResponseBlock::Thinking { .. } => Kind::Thinking,
                    ResponseBlock::ToolUse { .. } => Kind::Tool,
                    other => panic!("unexpected block {other:?}"),
                };
                open = Some((*index, kind));
            }
            E::ContentBlockDelta { index, delta } => {
                let (open_index, kind) =
                    open.unwrap_or_else(|| panic!("delta {index} with no open block"));
                assert_eq!(*index, open_index, "delta for a block that is not open");
                let ok = matches!(
                    (kind, delta),
                    (Kind::Text, BlockDelta::TextDelta { .. })
                        | (
                            Kind::Thinking,
                            BlockDelta::ThinkingDelta { .. } | BlockDelta::SignatureDelta { .. }
                        )
                        | (Kind::Tool, BlockDelta::InputJsonDelta { .. })
                );
                assert!(ok, "{delta:?} in a {kind:?} block");
            }
            E::ContentBlockStop { index } => {
                assert_eq!(
                    open.map(|o| o.0),
                    Some(*index),
                    "stop of a block that is not open"
                );
                open = None;
            }
            E::MessageDelta { .. } => {
                assert!(open.is_none(), "message_delta with an open block");
                assert_eq!(
                    i + 1,
                    last,
                    "message_delta must be followed by message_stop only"
                );
            }
            E::MessageStop | E::Error { .. } => assert_eq!(i, last, "events after the end"),
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(matches!(events[last], E::MessageStop), finish_seen);
    assert_eq!(matches!(events[last], E::Error { .. }), !finish_seen);
}

#[derive(Clone, Debug)]
enum Op {
    Text(u32, String),
    Reasoning(u32, String),
    Signature(u32, String),
    Tool {
        choice: u32,
        tool: u32,
        size: usize,
    },
    EmptyChunk,
    EmptyDelta(u32),
    Usage {
        prompt: u64,
        completion: u64,
        cached: Option<u64>,
    },
    Finish(u32, &'static str),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..2, "[a-z \"\\\\é]{0,6}").prop_map(|(c, s)| Op::Text(c, s)),
        2 => (0u32..2, "[a-z ]{0,6}").prop_map(|(c, s)| Op::Reasoning(c, s)),
        1 => (0u32..2, "[A-Za-z0-9=]{0,8}").prop_map(|(c, s)| Op::Signature(c, s)),
        5 => (0u32..2, 0u32..3, 1usize..12).prop_map(|(choice, tool, size)| Op::Tool { choice, tool, size }),
        1 => Just(Op::EmptyChunk),
        1 => (0u32..2).prop_map(Op::EmptyDelta),
        1 => (0u64..5000, 0u64..500, proptest::option::of(0u64..100))
            .prop_map(|(prompt, completion, cached)| Op::Usage { prompt, completion, cached }),
        1 => (0u32..2, prop::sample::select(vec!["stop", "length", "tool_calls", "content_filter"]))
            .prop_map(|(c, r)| Op::Finish(c, r)),
    ]
}

/// Per-tool argument source: the whole JSON text and how much of it was sent.
struct ToolSource {
    json: String,
    sent: usize,
    pieces: u32,
    split_identity: bool,
}

/// What the chunks contained, for the fidelity checks.
#[derive(Default)]
struct Expected {
    text: String,
    reasoning: String,
    signatures: Vec<String>,
    args: BTreeMap<String, String>,
    finish: bool,
    tool_calls_finish: bool,
    usage: Option<Usage>,
}

/// Adds `op` to the last choice entry when it is for the same choice and `free`, else to a
/// new entry, so that the translator sees items of one kind in op order.
fn entry(
    choices: &mut Vec<ChunkChoice>,
    choice: u32,
    free: impl Fn(&ChunkChoice) -> bool,
) -> &mut ChunkChoice {
    let reuse = choices.last().is_some_and(|c| c.index == choice && free(c));
    if !reuse {
        choices.push(ChunkChoice {
            index: choice,
            ..ChunkChoice::default()
        });
    }
    let last = choices.len() - 1;
    &mut choices[last]
}

fn build(plan: &[Vec<Op>], fillers: &[String], split: &[bool]) -> (Vec<ChatChunk>, Expected) {
    let mut tools: BTreeMap<(u32, u32), ToolSource> = BTreeMap::new();
    let mut expected = Expected::default();
    let mut chunks = Vec::new();
    for ops in plan {
        let mut chunk = ChatChunk {
            id: "chatcmpl-p".into(),
            ..ChatChunk::default()
        };
        for op in ops {
            match op.clone() {
                Op::Text(c, s) => {
                    expected.text.push_str(&s);
                    entry(&mut chunk.choices, c, |e| e.delta.content.is_none())
                        .delta
                        .content = Some(s);
                }
                Op::Reasoning(c, s) => {
                    expected.reasoning.push_str(&s);
                    entry(&mut chunk.choices, c, |e| e.delta.reasoning_text.is_none())
                        .delta
                        .reasoning_text = Some(s);
                }
                Op::Signature(c, s) => {
                    if !s.is_empty() {
                        expected.signatures.push(s.clone());
                    }
                    entry(&mut chunk.choices, c, |e| {
                        e.delta.reasoning_opaque.is_none()
                    })
                    .delta
                    .reasoning_opaque = Some(s);
                }
                Op::Tool { choice, tool, size } => {
                    let slot = (choice * 3 + tool) as usize;
                    let source = tools.entry((choice, tool)).or_insert_with(|| ToolSource {
                        json: serde_json::to_string(
                            &json!({"v": fillers[slot], "n": [1, {"k": "}]"}]}),
                        )
                        .unwrap(),
                        sent: 0,
                        pieces: 0,
                        split_identity: split[slot],
                    });
                    let rest = &source.json[source.sent..];
                    let end = rest.char_indices().nth(size).map_or(rest.len(), |(i, _)| i);
                    let piece = rest[..end].to_owned();
                    source.sent += end;
                    let id = format!("call_{choice}_{tool}");
                    expected
                        .args
                        .entry(id.clone())
                        .or_default()
                        .push_str(&piece);
                    let with_name = if source.split_identity {
                        source.pieces == 1
                    } else {
                        source.pieces == 0
                    };
                    let call = ToolCallDelta {
                        index: tool,
                        id: (source.pieces == 0).then_some(id),
                        function: Some(FunctionDelta {
                            name: with_name.then(|| format!("Tool{tool}")),
                            arguments: Some(piece),
                            ..FunctionDelta::default()
                        }),
                        ..ToolCallDelta::default()
                    };
                    source.pieces += 1;
                    entry(&mut chunk.choices, choice, |_| true)
                        .delta
                        .tool_calls
                        .get_or_insert_default()
                        .push(call);
                }
                Op::EmptyChunk => {}
                Op::EmptyDelta(c) => {
                    entry(&mut chunk.choices, c, |_| true);
                }
                Op::Usage {
                    prompt,
                    completion,
                    cached,
                } => {
                    let usage = openai::Usage {
                        prompt_tokens: prompt + cached.unwrap_or(0),
                        completion_tokens: completion,
                        total_tokens: prompt + completion,
                        prompt_tokens_details: cached.map(|cached| PromptTokensDetails {
                            cached_tokens: Some(cached),
                            ..PromptTokensDetails::default()
                        }),
                        ..openai::Usage::default()
                    };
                    expected.usage = Some(anthropic_usage(&usage));
                    chunk.usage = Some(usage);
                }
                Op::Finish(c, reason) => {
                    expected.finish = true;
                    expected.tool_calls_finish |= reason == "tool_calls";
                    entry(&mut chunk.choices, c, |e| e.finish_reason.is_none()).finish_reason =
                        Some(reason.into());
                }
            }
        }
        chunks.push(chunk);
    }
    (chunks, expected)
}

proptest! {
    #[test]
    fn any_chunk_sequence_gives_a_well_formed_faithful_stream(
        plan in prop::collection::vec(prop::collection::vec(op(), 1..4), 0..24),
        fillers in prop::collection::vec("[a-z\"\\\\{}\\[\\] é]{0,10}", 6),
        split in prop::collection::vec(any::<bool>(), 6),
    ) {
        let (chunks, expected) = build(&plan, &fillers, &split);
        let mut translator = StreamTranslator::new("m".into(), 77);
        let mut events = Vec::new();
        for chunk in &chunks {
            events.extend(translator.push(chunk));
        }
        events.extend(translator.finish());
        check_well_formed(&events, expected.finish);
        let extra_chunk = ChatChunk { choices: vec![ChunkChoice::default()], ..ChatChunk::default() };
        prop_assert!(translator.push(&extra_chunk).is_empty());
        prop_assert!(translator.finish().is_empty());
        if !expected.finish {
            return Ok(());
        }

        let mut text = String::new();
        let mut reasoning = String::new();
        let mut signatures = Vec::new();
        let mut args: BTreeMap<String, String> = BTreeMap::new();
        let mut tool_ids = BTreeMap::new();
        for event in &events {
            match event {
                E::ContentBlockStart { index, content_block: ResponseBlock::ToolUse { id, .. } } => {
                    prop_assert!(tool_ids.insert(*index, id.clone()).is_none());
                    prop_assert!(args.insert(id.clone(), String::new()).is_none(), "tool {id} started twice");
                }
                E::ContentBlockDelta { index, delta } => match delta {
                    BlockDelta::TextDelta { text: t } => text.push_str(t),
                    BlockDelta::ThinkingDelta { thinking } => reasoning.push_str(thinking),
                    BlockDelta::SignatureDelta { signature } => signatures.push(signature.clone()),
                    BlockDelta::InputJsonDelta { partial_json } => {
                        args.get_mut(&tool_ids[index]).unwrap().push_str(partial_json);
                    }
                    BlockDelta::Unknown(_) => prop_assert!(false),
                },
                E::MessageDelta { delta, usage } => {
                    if expected.tool_calls_finish {
                        prop_assert_eq!(delta.stop_reason.as_deref(), Some("tool_use"));
                    }
                    match &expected.usage {
                        Some(want) => prop_assert_eq!(usage, want),
                        None => prop_assert_eq!(usage.input_tokens, 77),
                    }
                }
                _ => {}
            }
        }
        prop_assert_eq!(text, expected.text);
        prop_assert_eq!(reasoning, expected.reasoning);
        prop_assert_eq!(signatures, expected.signatures);
        for (id, got) in &args {
            prop_assert_eq!(got, &expected.args[id], "arguments of {}", id);
        }
    }
}

#[test]
fn json_progress_tracks_strings_and_escapes_across_pieces() {
    let mut progress = JsonProgress::default();
    for piece in ["{\"a\":\"}\\", "\"", "]\",\"b\":[{}", "]", "}"] {
        assert!(!progress.done, "done too early before {piece:?}");
        progress.feed(piece);
    }
    assert!(progress.done);
}
