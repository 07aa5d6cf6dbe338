//! OpenAI chat-completions chunks → Anthropic Messages stream events.
//!
//! Owns [`StreamTranslator`], a pure state machine: feed it each parsed upstream chunk with
//! [`StreamTranslator::push`], then call [`StreamTranslator::finish`] when upstream sent
//! `[DONE]` or closed, or [`StreamTranslator::fail`] on a mid-stream error. It never does I/O.
//!
//! Guarantees (checked by a property test), improving on 0.7.0 (reference §5.3):
//!
//! * Exactly one `message_start`, on the first chunk with choices or usage. Its
//!   `usage.input_tokens` is the caller's estimate unless real usage already arrived.
//! * Every choice of every chunk is read, not only `choices[0]`: Copilot's Claude may send
//!   text in choice 0 and tool calls in choice 1. Text and reasoning of all choices feed one
//!   text / thinking stream; tool calls are keyed by `(choice index, tool index)`.
//! * At most one content block is open at a time; indexes ascend from 0 without gaps and
//!   every started block is stopped before `message_delta`.
//! * Reasoning: `reasoning_text` → a `thinking` block of `thinking_delta`s; `reasoning_opaque`
//!   → a `signature_delta` that closes the thinking block (a signature with no open thinking
//!   block gets a thinking block of its own, so it survives the round trip).
//! * Tool calls: a `tool_use` block starts once both id and name are known; arguments that
//!   arrived earlier are sent right after the start. While a tool block's arguments are not
//!   yet a complete JSON value, anything for another block (text, reasoning, another tool
//!   call) is queued and replayed in order once the JSON is complete, or at `finish`. So
//!   interleaved parallel tool calls are attributed correctly, and the usual sequential ones
//!   still stream live. Argument text arriving for a tool whose JSON was already complete and
//!   whose block was closed is upstream corruption and is dropped.
//! * `finish_reason` is only remembered; `message_delta` + `message_stop` come from `finish`,
//!   so the usage chunk Copilot sends *after* the finish chunk (with `include_usage`) is
//!   reported. `tool_calls` on any choice wins, as in [`super::response`].
//! * A stream that ends without any `finish_reason` was truncated: `finish` emits an
//!   `api_error` event and no `message_stop`, and closes no block (a fake clean end would let
//!   the client act on half a tool call). `fail` does the same with the caller's error.
//! * After `finish` or `fail`, every call returns no events.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use super::anthropic::{
    BlockDelta, ErrorBody, Extra, MessageDeltaBody, MessagesResponse, ResponseBlock, StreamEvent,
    Usage,
};
use super::openai::{self, ChatChunk, Delta};
use super::response::{StopReason, anthropic_usage, message_id, tool_use_id};

/// Message of the error event sent when upstream ends without a `finish_reason`.
pub const TRUNCATED_MESSAGE: &str =
    "upstream stream ended before the response was complete (no finish_reason received)";

/// Translates one upstream chat-completions stream into Anthropic stream events.
#[derive(Debug)]
pub struct StreamTranslator {
    model: String,
    input_tokens_estimate: u64,
    upstream_id: String,
    created: Option<u64>,
    message_started: bool,
    finished: bool,
    next_index: u32,
    open: Option<OpenBlock>,
    tools: BTreeMap<ToolKey, ToolState>,
    tool_blocks: usize,
    queue: VecDeque<Item>,
    stop: StopReason,
    usage: Option<openai::Usage>,
}

/// Identifies one streamed tool call: `(choice index, tool-call index)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ToolKey {
    choice: u32,
    index: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Thinking,
    Text,
    Tool(ToolKey),
}

#[derive(Debug, Clone, Copy)]
struct OpenBlock {
    index: u32,
    kind: BlockKind,
}

#[derive(Debug, Default)]
struct ToolState {
    id: Option<String>,
    name: Option<String>,
    /// Arguments received before the block could start.
    pending: String,
    status: ToolStatus,
    json: JsonProgress,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ToolStatus {
    #[default]
    Waiting,
    Open,
    Closed,
}

/// One unit of upstream content, in arrival order.
#[derive(Debug)]
enum Item {
    Reasoning(String),
    Signature(String),
    Text(String),
    Tool {
        key: ToolKey,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
}

impl StreamTranslator {
    /// A translator for one response. `model` is the name the client asked for;
    /// `input_tokens_estimate` is reported until upstream sends real usage.
    pub fn new(model: String, input_tokens_estimate: u64) -> Self {
        Self {
            model,
            input_tokens_estimate,
            upstream_id: String::new(),
            created: None,
            message_started: false,
            finished: false,
            next_index: 0,
            open: None,
            tools: BTreeMap::new(),
            tool_blocks: 0,
            queue: VecDeque::new(),
            stop: StopReason::default(),
            usage: None,
        }
    }

    /// True once [`Self::finish`] or [`Self::fail`] has been called.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Translates one upstream chunk.
    pub fn push(&mut self, chunk: &ChatChunk) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        if self.finished {
            return out;
        }
        if self.upstream_id.is_empty() && !chunk.id.is_empty() {
            self.upstream_id.clone_from(&chunk.id);
        }
        self.created = self.created.or(chunk.created);
        if let Some(usage) = &chunk.usage {
            self.usage = Some(usage.clone());
        }
        if !chunk.choices.is_empty() || chunk.usage.is_some() {
            self.start_message(&mut out);
        }
        for choice in &chunk.choices {
            for item in items(choice.index, &choice.delta) {
                self.handle(item, &mut out);
            }
            self.stop.observe(choice.finish_reason.as_deref());
        }
        self.drain(false, &mut out);
        out
    }

    /// Ends a stream after upstream's `[DONE]` or end of body: closes blocks and emits
    /// `message_delta` + `message_stop`, or an error event if no `finish_reason` was seen.
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        if self.finished {
            return out;
        }
        self.finished = true;
        if !self.stop.finished() {
            out.push(error_event("api_error", TRUNCATED_MESSAGE));
            return out;
        }
        self.start_message(&mut out);
        self.drain(true, &mut out);
        // Calls whose name arrived but whose id never did still reach the client; calls
        // without a name cannot be executed by anyone and are dropped.
        let named: Vec<ToolKey> = self
            .tools
            .iter()
            .filter(|(_, t)| t.status == ToolStatus::Waiting && t.name.is_some())
            .map(|(key, _)| *key)
            .collect();
        for key in named {
            self.open_tool(key, &mut out);
        }
        self.close_open(&mut out);
        if self.tool_blocks > 0 {
            self.stop.saw_tool_use();
        }
        out.push(StreamEvent::MessageDelta {
            delta: MessageDeltaBody {
                stop_reason: Some(self.stop.anthropic().to_owned()),
                stop_sequence: None,
            },
            usage: self.current_usage(),
        });
        out.push(StreamEvent::MessageStop);
        out
    }

    /// Ends a stream because upstream failed mid-way: one `error` event, nothing else.
    pub fn fail(&mut self, message: &str, error_type: &str) -> Vec<StreamEvent> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        vec![error_event(error_type, message)]
    }

    fn current_usage(&self) -> Usage {
        match &self.usage {
            Some(usage) => anthropic_usage(usage),
            None => Usage {
                input_tokens: self.input_tokens_estimate,
                ..Usage::default()
            },
        }
    }

    fn start_message(&mut self, out: &mut Vec<StreamEvent>) {
        if self.message_started {
            return;
        }
        self.message_started = true;
        out.push(StreamEvent::MessageStart {
            message: MessagesResponse {
                id: message_id(&self.upstream_id, self.created),
                kind: "message".to_owned(),
                role: "assistant".to_owned(),
                model: self.model.clone(),
                content: Vec::new(),
                stop_reason: None,
                stop_sequence: None,
                usage: self.current_usage(),
                extra: Extra::new(),
            },
        });
    }

    /// True while the open block is a tool call whose JSON arguments are incomplete.
    fn open_tool_busy(&self) -> bool {
        match self.open.map(|o| o.kind) {
            Some(BlockKind::Tool(key)) => self.tools.get(&key).is_some_and(|t| !t.json.done),
            _ => false,
        }
    }

    fn handle(&mut self, item: Item, out: &mut Vec<StreamEvent>) {
        let for_open_tool = matches!(
            (&item, self.open.map(|o| o.kind)),
            (Item::Tool { key, .. }, Some(BlockKind::Tool(open))) if *key == open
        );
        if !for_open_tool && (!self.queue.is_empty() || self.open_tool_busy()) {
            self.queue.push_back(item);
            return;
        }
        match item {
            Item::Reasoning(text) => {
                self.ensure_open(BlockKind::Thinking, out);
                self.delta(BlockDelta::ThinkingDelta { thinking: text }, out);
            }
            Item::Signature(signature) => {
                self.ensure_open(BlockKind::Thinking, out);
                self.delta(BlockDelta::SignatureDelta { signature }, out);
                self.close_open(out);
            }
            Item::Text(text) => {
                self.ensure_open(BlockKind::Text, out);
                self.delta(BlockDelta::TextDelta { text }, out);
            }
            Item::Tool {
                key,
                id,
                name,
                arguments,
            } => self.tool_piece(key, id, name, arguments, out),
        }
    }

    /// Replays queued items while the open block allows; with `force`, closes a busy tool
    /// block first so everything is flushed.
    fn drain(&mut self, force: bool, out: &mut Vec<StreamEvent>) {
        while !self.queue.is_empty() {
            if self.open_tool_busy() {
                if !force {
                    return;
                }
                self.close_open(out);
            }
            // The first item is always handled (nothing busy, queue taken), so this ends.
            for item in std::mem::take(&mut self.queue) {
                self.handle(item, out);
            }
        }
    }

    fn tool_piece(
        &mut self,
        key: ToolKey,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
        out: &mut Vec<StreamEvent>,
    ) {
        let state = self.tools.entry(key).or_default();
        match state.status {
            ToolStatus::Waiting => {
                if state.id.is_none() {
                    state.id = id;
                }
                if state.name.is_none() {
                    state.name = name;
                }
                state.pending.push_str(&arguments);
                if state.id.is_some() && state.name.is_some() {
                    self.open_tool(key, out);
                }
            }
            ToolStatus::Open => {
                if !arguments.is_empty() {
                    state.json.feed(&arguments);
                    self.delta(
                        BlockDelta::InputJsonDelta {
                            partial_json: arguments,
                        },
                        out,
                    );
                }
            }
            ToolStatus::Closed => {}
        }
    }

    fn open_tool(&mut self, key: ToolKey, out: &mut Vec<StreamEvent>) {
        self.close_open(out);
        let ordinal = self.tool_blocks;
        let Some(state) = self.tools.get_mut(&key) else {
            return;
        };
        let block = ResponseBlock::ToolUse {
            id: tool_use_id(state.id.as_deref().unwrap_or_default(), ordinal),
            name: state.name.clone().unwrap_or_default(),
            input: Value::Object(serde_json::Map::new()),
        };
        state.status = ToolStatus::Open;
        let pending = std::mem::take(&mut state.pending);
        state.json.feed(&pending);
        self.tool_blocks += 1;
        self.start_block(BlockKind::Tool(key), block, out);
        if !pending.is_empty() {
            self.delta(
                BlockDelta::InputJsonDelta {
                    partial_json: pending,
                },
                out,
            );
        }
    }

    /// Makes sure the open block is a thinking or text block, closing any other.
    fn ensure_open(&mut self, kind: BlockKind, out: &mut Vec<StreamEvent>) {
        if self.open.map(|o| o.kind) == Some(kind) {
            return;
        }
        self.close_open(out);
        let block = match kind {
            BlockKind::Thinking => ResponseBlock::Thinking {
                thinking: String::new(),
                signature: String::new(),
            },
            _ => ResponseBlock::Text {
                text: String::new(),
            },
        };
        self.start_block(kind, block, out);
    }

    fn start_block(&mut self, kind: BlockKind, block: ResponseBlock, out: &mut Vec<StreamEvent>) {
        let index = self.next_index;
        self.next_index += 1;
        self.open = Some(OpenBlock { index, kind });
        out.push(StreamEvent::ContentBlockStart {
            index,
            content_block: block,
        });
    }

    fn delta(&self, delta: BlockDelta, out: &mut Vec<StreamEvent>) {
        if let Some(open) = self.open {
            out.push(StreamEvent::ContentBlockDelta {
                index: open.index,
                delta,
            });
        }
    }

    fn close_open(&mut self, out: &mut Vec<StreamEvent>) {
        let Some(open) = self.open.take() else {
            return;
        };
        if let BlockKind::Tool(key) = open.kind
            && let Some(state) = self.tools.get_mut(&key)
        {
            state.status = ToolStatus::Closed;
        }
        out.push(StreamEvent::ContentBlockStop { index: open.index });
    }
}

/// The content items of one choice delta, in the order they must be applied: reasoning,
/// then its signature, then text, then tool calls.
fn items(choice: u32, delta: &Delta) -> Vec<Item> {
    let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    let mut items = Vec::new();
    items.extend(non_empty(&delta.reasoning_text).map(Item::Reasoning));
    items.extend(non_empty(&delta.reasoning_opaque).map(Item::Signature));
    items.extend(non_empty(&delta.content).map(Item::Text));
    for call in delta.tool_calls.iter().flatten() {
        let function = call.function.as_ref();
        items.push(Item::Tool {
            key: ToolKey {
                choice,
                index: call.index,
            },
            id: non_empty(&call.id),
            name: function.and_then(|f| non_empty(&f.name)),
            arguments: function
                .and_then(|f| f.arguments.clone())
                .unwrap_or_default(),
        });
    }
    items
}

fn error_event(kind: &str, message: &str) -> StreamEvent {
    StreamEvent::Error {
        error: ErrorBody {
            kind: kind.to_owned(),
            message: message.to_owned(),
        },
    }
}

/// Tracks, byte by byte, whether streamed JSON text has completed its top-level object or
/// array, without re-parsing (tool inputs can be large and arrive in thousands of pieces).
#[derive(Debug, Default)]
struct JsonProgress {
    depth: u32,
    in_string: bool,
    escaped: bool,
    done: bool,
}

impl JsonProgress {
    fn feed(&mut self, text: &str) {
        for byte in text.bytes() {
            if self.done {
                return;
            }
            if self.in_string {
                match byte {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth > 0 => {
                    self.depth -= 1;
                    self.done = self.depth == 0;
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
