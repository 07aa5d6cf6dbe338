//! Side requests: what coding agents send on their own, besides the person's turns.
//!
//! Claude Code sends, besides every prompt: a title/topic request to its small model (a
//! system prompt asking whether the message starts a new topic, or to write a title; no
//! tools), a model check or quota probe with `max_tokens: 1`, a `Warmup` message to each
//! subagent, a WebSearch sub-request per search (only the `web_search_*` server tool) and the
//! `/compact` summary. Codex sends its context-checkpoint compaction. None of these is a human
//! turn: each is marked agent-initiated, so it does not cost a premium request on plans that
//! count them; the light ones (title, probe, warm-up) may also go to `[routing]
//! background_model`.
//!
//! Recognised by shape and by the fixed texts those clients send; a request that only looks
//! like one (a person asking for a title) is at worst counted as the agent's.

use serde_json::Value;

use super::anthropic::{ContentBlock, MessageContent, MessagesRequest, Role, System, Tool};

/// What kind of side request a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideKind {
    /// A title or topic for the conversation.
    Title,
    /// A model check or quota probe (`max_tokens` ≤ 1).
    Probe,
    /// A subagent warm-up.
    Warmup,
    /// A WebSearch sub-request.
    WebSearch,
    /// A conversation summary for compaction.
    Compaction,
}

impl SideKind {
    /// The name used in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Probe => "probe",
            Self::Warmup => "warm-up",
            Self::WebSearch => "web search",
            Self::Compaction => "compaction",
        }
    }

    /// Light enough for `[routing] background_model` (a compaction needs the conversation's
    /// model and window; a web search needs a model that runs the search tool).
    pub fn may_go_to_background(self) -> bool {
        matches!(self, Self::Title | Self::Probe | Self::Warmup)
    }
}

/// System-prompt texts of Claude Code's title and topic requests.
const TITLE_MARKERS: [&str; 4] = [
    "Analyze if this message indicates a new conversation topic",
    "Write the title",
    "write a 5-10 word title",
    "Summarize this coding conversation in under",
];

/// Texts that open a compaction request (Claude Code's `/compact`, Codex's checkpoint).
const COMPACTION_MARKERS: [&str; 2] = [
    "Your task is to create a detailed summary of the conversation so far",
    "You are performing a CONTEXT CHECKPOINT COMPACTION",
];

fn system_text(system: Option<&System>) -> String {
    match system {
        Some(System::Text(text)) => text.clone(),
        Some(System::Blocks(blocks)) => blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => String::new(),
    }
}

/// The text of the last user message.
fn last_user_text(request: &MessagesRequest) -> String {
    let Some(last) = request.messages.iter().rev().find(|m| m.role == Role::User) else {
        return String::new();
    };
    match &last.content {
        MessageContent::Text(text) => text.clone(),
        MessageContent::Blocks(blocks) => blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn contains_any(text: &str, markers: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    markers
        .iter()
        .any(|m| lower.contains(&m.to_ascii_lowercase()))
}

/// Whether a tool is one of Anthropic's `web_search_*` server tools.
fn is_web_search(tool: &Tool) -> bool {
    tool.extra
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.starts_with("web_search"))
}

/// The side request a Messages request is, if any.
pub fn messages(request: &MessagesRequest) -> Option<SideKind> {
    if request.max_tokens.is_some_and(|m| m <= 1) {
        return Some(SideKind::Probe);
    }
    let tools = request.tools.as_deref().unwrap_or_default();
    if !tools.is_empty() && tools.iter().all(is_web_search) {
        return Some(SideKind::WebSearch);
    }
    let last = last_user_text(request);
    if contains_any(&last, &COMPACTION_MARKERS) {
        return Some(SideKind::Compaction);
    }
    if !tools.is_empty() {
        return None;
    }
    if request.messages.len() == 1 && last.trim() == "Warmup" {
        return Some(SideKind::Warmup);
    }
    if contains_any(&system_text(request.system.as_ref()), &TITLE_MARKERS) {
        return Some(SideKind::Title);
    }
    None
}

/// The side request a Responses request is, if any (Codex's compaction, output probes).
pub fn responses(request: &serde_json::Map<String, Value>) -> Option<SideKind> {
    if request
        .get("max_output_tokens")
        .and_then(Value::as_u64)
        .is_some_and(|m| m <= 1)
    {
        return Some(SideKind::Probe);
    }
    let last_text = match request.get("input") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .rev()
            .find(|item| item.get("role").and_then(Value::as_str) == Some("user"))
            .map(|item| match item.get("content") {
                Some(Value::String(text)) => text.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let instructions = request
        .get("instructions")
        .and_then(Value::as_str)
        .unwrap_or("");
    (contains_any(&last_text, &COMPACTION_MARKERS)
        || contains_any(instructions, &COMPACTION_MARKERS))
    .then_some(SideKind::Compaction)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kind(v: Value) -> Option<SideKind> {
        messages(&serde_json::from_value(v).unwrap())
    }

    /// Request shapes as Claude Code sends them.
    #[test]
    fn claude_codes_side_requests_are_recognised() {
        let title = json!({"model": "claude-haiku-4-5", "max_tokens": 512,
            "system": [{"type": "text", "text": "You are Claude Code."}, {"type": "text", "text": "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that captures the new topic. Format your response as a JSON object with two fields: 'isNewTopic' (boolean) and 'title' (string, or null if isNewTopic is false)."}],
            "messages": [{"role": "user", "content": "fix the login bug"}]});
        assert_eq!(kind(title), Some(SideKind::Title));
        let probe = json!({"model": "claude-sonnet-4-5", "max_tokens": 1, "messages": [{"role": "user", "content": "quota"}]});
        assert_eq!(kind(probe), Some(SideKind::Probe));
        let warmup = json!({"model": "claude-haiku-4-5", "max_tokens": 32000, "system": "You are a file search specialist.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Warmup"}]}]});
        assert_eq!(kind(warmup), Some(SideKind::Warmup));
        let search = json!({"model": "claude-sonnet-4-5", "max_tokens": 32000,
            "messages": [{"role": "user", "content": "Perform a web search for the query: rust 1.95 release"}],
            "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}]});
        assert_eq!(kind(search), Some(SideKind::WebSearch));
        let compact = json!({"model": "claude-sonnet-4-5", "max_tokens": 20000,
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                         {"role": "user", "content": "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests."}]});
        assert_eq!(kind(compact), Some(SideKind::Compaction));
        // A person's turn, with Claude Code's tools, is not a side request.
        let turn = json!({"model": "claude-sonnet-4-5", "max_tokens": 32000, "system": "You are Claude Code.",
            "messages": [{"role": "user", "content": "Write the title of chapter 2 in the README"}],
            "tools": [{"name": "Bash", "input_schema": {"type": "object"}}]});
        assert_eq!(kind(turn), None);
        assert!(SideKind::Title.may_go_to_background());
        assert!(!SideKind::Compaction.may_go_to_background());
    }

    #[test]
    fn codexs_compaction_is_recognised() {
        let compact = json!({"model": "gpt-5-codex", "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix it"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "You are performing a CONTEXT CHECKPOINT COMPACTION. Create a handoff summary for another LLM that will resume the task."}]}]});
        assert_eq!(
            responses(compact.as_object().unwrap()),
            Some(SideKind::Compaction)
        );
        let turn = json!({"model": "gpt-5-codex", "input": "fix it"});
        assert_eq!(responses(turn.as_object().unwrap()), None);
    }
}
