//! A route's request rules, applied to the body that goes upstream (each off unless the route
//! sets it; see `routing::RouteRules`):
//!
//! - `max_tokens`: caps the client's output limit (`max_tokens`, `max_completion_tokens`,
//!   `max_output_tokens`), and sets it when the client gave none;
//! - `stop`: merged with the client's stop words (no duplicates);
//! - `drop_empty_messages`: messages with no text, no parts and no tool calls are dropped;
//! - `merge_user_messages`: consecutive user messages become one;
//! - `strip_tags`: `<think>…</think>` and `<tool_call>…</tool_call>` are removed from the text
//!   of assistant messages (models that print their reasoning inline otherwise read it back).
//!
//! They work on chat-completions and Messages bodies alike: both keep `role` and a `content`
//! that is a string or a list of parts with `text`.

use serde_json::{Map, Value};

use crate::routing::RouteRules;

/// Applies `rules` to a chat-completions body.
pub(crate) fn apply_chat(body: &mut Map<String, Value>, rules: &RouteRules) {
    if let Some(cap) = rules.max_tokens {
        let mut capped = false;
        for key in ["max_tokens", "max_completion_tokens"] {
            if let Some(value) = body.get_mut(key)
                && !value.is_null()
            {
                if value.as_u64().is_none_or(|n| n > cap) {
                    *value = Value::from(cap);
                }
                capped = true;
            }
        }
        if !capped {
            body.insert("max_tokens".into(), Value::from(cap));
        }
    }
    if !rules.stop.is_empty() {
        let mut stops: Vec<Value> = match body.remove("stop") {
            Some(Value::String(s)) => vec![Value::String(s)],
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        for stop in &rules.stop {
            if !stops.iter().any(|s| s.as_str() == Some(stop)) {
                stops.push(Value::String(stop.clone()));
            }
        }
        body.insert("stop".into(), Value::Array(stops));
    }
    if let Some(Value::Array(messages)) = body.get_mut("messages") {
        preprocess(messages, rules);
    }
}

/// Applies the message rules to a list of chat or Messages messages.
pub(crate) fn preprocess(messages: &mut Vec<Value>, rules: &RouteRules) {
    if rules.strip_tags {
        for message in messages.iter_mut() {
            if message.get("role").and_then(Value::as_str) == Some("assistant") {
                edit_text(message, strip_tags);
            }
        }
    }
    if rules.drop_empty_messages {
        messages.retain(|m| !is_empty(m));
    }
    if rules.merge_user_messages {
        let mut merged: Vec<Value> = Vec::with_capacity(messages.len());
        for message in messages.drain(..) {
            let user = |m: &Value| m.get("role").and_then(Value::as_str) == Some("user");
            match merged.last_mut() {
                Some(previous)
                    if user(previous) && user(&message) && plain(previous) && plain(&message) =>
                {
                    let joined = format!("{}\n\n{}", text_of(previous), text_of(&message));
                    previous["content"] = Value::String(joined);
                }
                _ => merged.push(message),
            }
        }
        *messages = merged;
    }
}

/// A message with no text, no parts and no tool calls.
fn is_empty(message: &Value) -> bool {
    let no_calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let empty_content = match message.get("content") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(parts)) => parts.is_empty(),
        Some(_) => false,
    };
    no_calls && empty_content && message.get("tool_call_id").is_none()
}

/// A message whose content is text only (a string, or text parts), safe to merge.
fn plain(message: &Value) -> bool {
    match message.get("content") {
        Some(Value::String(_)) => true,
        Some(Value::Array(parts)) => parts
            .iter()
            .all(|p| p.get("type").and_then(Value::as_str) == Some("text")),
        _ => false,
    }
}

fn text_of(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn edit_text(message: &mut Value, edit: impl Fn(&str) -> String) {
    match message.get_mut("content") {
        Some(Value::String(s)) => *s = edit(s),
        Some(Value::Array(parts)) => {
            for part in parts {
                if let Some(Value::String(text)) = part.get_mut("text") {
                    *text = edit(text);
                }
            }
        }
        _ => {}
    }
}

/// Removes `<think>…</think>` and `<tool_call>…</tool_call>` spans (an unclosed one runs to
/// the end) and trims what is left.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["<think>", "<tool_call>"]
            .iter()
            .filter_map(|open| rest.find(open).map(|at| (at, *open)))
            .min_by_key(|(at, _)| *at);
        let Some((at, open)) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        let close = if open == "<think>" {
            "</think>"
        } else {
            "</tool_call>"
        };
        let after = &rest[at + open.len()..];
        match after.find(close) {
            Some(end) => rest = &after[end + close.len()..],
            None => break,
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_rule_edits_the_body() {
        let rules = RouteRules {
            max_tokens: Some(1000),
            stop: vec!["END".into(), "STOP".into()],
            drop_empty_messages: true,
            merge_user_messages: true,
            strip_tags: true,
            ..RouteRules::default()
        };
        let mut body = json!({
            "max_tokens": 32000,
            "stop": "STOP",
            "messages": [
                {"role": "system", "content": "s"},
                {"role": "user", "content": "a"},
                {"role": "user", "content": ""},
                {"role": "user", "content": [{"type": "text", "text": "b"}]},
                {"role": "assistant", "content": "<think>hmm</think>Answer<tool_call>{}</tool_call>"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c"}]},
                {"role": "tool", "tool_call_id": "c", "content": ""}
            ]
        });
        apply_chat(body.as_object_mut().unwrap(), &rules);
        assert_eq!(body["max_tokens"], 1000);
        assert_eq!(body["stop"], json!(["STOP", "END"]));
        assert_eq!(
            body["messages"],
            json!([
                {"role": "system", "content": "s"},
                {"role": "user", "content": "a\n\nb"},
                {"role": "assistant", "content": "Answer"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c"}]},
                {"role": "tool", "tool_call_id": "c", "content": ""}
            ])
        );
        // A lower limit is kept; a missing one is set.
        let mut low = json!({"max_completion_tokens": 10});
        apply_chat(low.as_object_mut().unwrap(), &rules);
        assert_eq!(
            low,
            json!({"max_completion_tokens": 10, "stop": ["END", "STOP"]})
        );
        let mut none = json!({});
        apply_chat(
            none.as_object_mut().unwrap(),
            &RouteRules {
                max_tokens: Some(5),
                ..RouteRules::default()
            },
        );
        assert_eq!(none, json!({"max_tokens": 5}));
    }

    #[test]
    fn tags_are_stripped_even_when_unclosed() {
        assert_eq!(strip_tags("a<think>x</think>b"), "ab");
        assert_eq!(strip_tags("answer <think>never closed"), "answer");
        assert_eq!(strip_tags("plain"), "plain");
    }
}
