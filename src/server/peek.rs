//! Reading just enough of a JSON body to make routing decisions, without building a
//! `serde_json::Value` of it, and editing bodies in place.
//!
//! Passthrough requests are forwarded as the client's bytes. Deciding `X-Initiator`, the vision
//! header and the output limit needs only a few fields; these borrowed views skip the rest
//! without allocating, which keeps the per-request cost of the proxy a fraction of a full parse
//! and re-serialise.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{IgnoredAny, SeqAccess, Visitor};

use crate::translate::BorrowedStr;

/// The fields of a chat-completions request the proxy looks at.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatPeek<'a> {
    /// `model`.
    #[serde(borrow, default, deserialize_with = "borrowed_str")]
    pub model: Option<Cow<'a, str>>,
    /// `messages` (roles and whether content holds images).
    #[serde(borrow, default)]
    pub messages: Option<Vec<MessagePeek<'a>>>,
    /// `max_tokens`: absent (`None`), `null`, or a value.
    #[serde(default, deserialize_with = "sent")]
    pub max_tokens: Option<Sent>,
    /// `max_completion_tokens`: absent (`None`), `null`, or a value.
    #[serde(default, deserialize_with = "sent")]
    pub max_completion_tokens: Option<Sent>,
    /// `n`.
    #[serde(default)]
    pub n: Option<u64>,
    /// `tools`, counted.
    #[serde(default)]
    pub tools: Option<Vec<IgnoredAny>>,
    /// `stream`.
    #[serde(default)]
    pub stream: Option<bool>,
    /// `temperature`.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// `top_p`.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// Whether an `input` field was sent (a Responses-shaped body).
    #[serde(default, deserialize_with = "present")]
    pub input: bool,
}

/// `true` for a key that is present (its value is skipped, not built).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer)?;
    Ok(true)
}

/// An optional string borrowed from the input when it has no escapes. (serde borrows a
/// `Cow<str>` field marked `borrow`, but not an `Option<Cow<str>>`: that one always copies.)
pub(crate) fn borrowed_str<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(Option::<BorrowedStr<'de>>::deserialize(deserializer)?.map(|s| s.0))
}

/// A key that was sent: as `null`, or with a value (not looked at).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// `"key": null`.
    Null,
    /// `"key": <anything else>`.
    Value,
}

/// Called only for keys present in the body, so `null` becomes `Some(Sent::Null)` rather than
/// the `None` an `Option` field would make of it.
fn sent<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Sent>, D::Error> {
    let value = Option::<IgnoredAny>::deserialize(deserializer)?;
    Ok(Some(if value.is_some() {
        Sent::Value
    } else {
        Sent::Null
    }))
}

/// One message: its role and whether its content has a part of type `image_url`.
#[derive(Debug, Deserialize)]
pub(crate) struct MessagePeek<'a> {
    /// `role`.
    #[serde(borrow, default, deserialize_with = "borrowed_str")]
    pub role: Option<Cow<'a, str>>,
    /// Whether `content` is an array with an `image_url` part.
    #[serde(default)]
    pub content: HasImage,
    /// `tool_call_id` (tool messages).
    #[serde(borrow, default, deserialize_with = "borrowed_str")]
    pub tool_call_id: Option<Cow<'a, str>>,
    /// The ids of `tool_calls` (assistant messages).
    #[serde(borrow, default)]
    pub tool_calls: Option<Vec<CallPeek<'a>>>,
}

/// One tool call of an assistant message: its id.
#[derive(Debug, Deserialize)]
pub(crate) struct CallPeek<'a> {
    /// `id`.
    #[serde(borrow, default, deserialize_with = "borrowed_str")]
    pub id: Option<Cow<'a, str>>,
}

/// A summary of one JSON value that only looks inside arrays: any other value is skipped
/// without being built and reads as `Default`.
trait ArrayPeek: Default {
    /// What the value is called in errors.
    const EXPECTING: &'static str;
    /// Reads the elements of an array.
    fn array<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error>;
}

/// The `Visitor` behind every [`ArrayPeek`].
struct PeekVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: ArrayPeek> Visitor<'de> for PeekVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::array(seq)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<T, E> {
        Ok(T::default())
    }
}

/// `Deserialize` for [`ArrayPeek`] types.
macro_rules! array_peek {
    ($($ty:ident),+) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(PeekVisitor(std::marker::PhantomData))
            }
        }
    )+};
}

array_peek!(HasImage, IsArray);

/// Any JSON value, remembering only whether it is an array holding an object of
/// `"type": "image_url"` (an OpenAI image part).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HasImage(pub bool);

impl ArrayPeek for HasImage {
    const EXPECTING: &'static str = "message content";
    fn array<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut found = false;
        while let Some(part) = seq.next_element::<PartPeek<'de>>()? {
            found |= part.kind.as_deref() == Some("image_url");
        }
        Ok(HasImage(found))
    }
}

/// Any JSON value, remembering only whether it is an array (its elements are skipped).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IsArray(pub bool);

impl ArrayPeek for IsArray {
    const EXPECTING: &'static str = "any JSON value";
    fn array<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(IsArray(true))
    }
}

/// A content part: only its `type`; anything that is not an object counts as no part.
#[derive(Debug, Default)]
struct PartPeek<'a> {
    kind: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for PartPeek<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Part<'a> {
            #[serde(borrow, rename = "type", default)]
            kind: Option<Cow<'a, str>>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PartPeek<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a content part")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<PartPeek<'de>, A::Error> {
                let part = Part::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(PartPeek { kind: part.kind })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PartPeek<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(PartPeek::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<PartPeek<'de>, E> {
                Ok(PartPeek::default())
            }
            fn visit_unit<E>(self) -> Result<PartPeek<'de>, E> {
                Ok(PartPeek::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<PartPeek<'de>, E> {
                Ok(PartPeek::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<PartPeek<'de>, E> {
                Ok(PartPeek::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<PartPeek<'de>, E> {
                Ok(PartPeek::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<PartPeek<'de>, E> {
                Ok(PartPeek::default())
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The fields of a chat completion (or chunk) the proxy looks at on the way back.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionPeek {
    /// `object`, when present.
    #[serde(default)]
    pub object: Option<IgnoredAny>,
    /// `model`, when present.
    #[serde(default)]
    pub model: Option<IgnoredAny>,
    /// `choices`, by index.
    #[serde(default)]
    pub choices: Vec<ChoicePeek>,
    /// `usage` (a small object, read whole for its cache and reasoning details).
    #[serde(default)]
    pub usage: Option<serde_json::Value>,
    /// `error` (a mid-stream failure report).
    #[serde(default)]
    pub error: Option<IgnoredAny>,
}

/// A choice's index.
#[derive(Debug, Deserialize)]
pub(crate) struct ChoicePeek {
    /// `index`.
    #[serde(default)]
    pub index: u64,
    /// `finish_reason`: `None` when the member is absent, `Some(None)` when it is `null`.
    #[serde(default, deserialize_with = "null_or_set")]
    pub finish_reason: Option<Option<String>>,
}

impl ChoicePeek {
    /// The finish reason, when set.
    pub(crate) fn finish(&self) -> Option<&str> {
        self.finish_reason.as_ref()?.as_deref()
    }
}

/// A member that is present (even as `null`) as `Some`; an absent one stays `None` by default.
fn null_or_set<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Inserts `"key":value,` as the first member of the JSON object in `json`; `None` when `json`
/// does not start with an object.
pub(crate) fn insert_first_member(json: &[u8], key: &str, value: &str) -> Option<Vec<u8>> {
    Some(splice_members(
        json,
        &mut [(first_member(json)?, key, value)],
    ))
}

/// Where the first member of the JSON object `json` is goes (just inside its `{`); `None` when
/// `json` does not start with an object.
pub(crate) fn first_member(json: &[u8]) -> Option<usize> {
    let open = json.iter().position(|b| !b.is_ascii_whitespace())?;
    (json[open] == b'{').then_some(open + 1)
}

/// Where the first member of the object that `opening` (which ends with `{`, e.g.
/// `"message":{`) opens goes; `None` unless `opening` occurs exactly once. (A match always
/// ends at an object's own `{`: inside a string, the quote before `:{` would be escaped.)
pub(crate) fn member_after(json: &[u8], opening: &[u8]) -> Option<usize> {
    let mut found = memchr::memmem::find_iter(json, opening);
    let at = found.next()? + opening.len();
    found.next().is_none().then_some(at)
}

/// `json` with each `"key":value` inserted at its place, each just inside an object's `{` (a
/// comma after it unless the object is empty), written in one pass.
pub(crate) fn splice_members(json: &[u8], members: &mut [(usize, &str, &str)]) -> Vec<u8> {
    members.sort_by_key(|&(at, ..)| at);
    let extra: usize = members.iter().map(|(_, k, v)| k.len() + v.len() + 4).sum();
    let mut out = Vec::with_capacity(json.len() + extra);
    let mut from = 0;
    for (i, &(at, key, value)) in members.iter().enumerate() {
        out.extend_from_slice(&json[from..at]);
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(value.as_bytes());
        // Another member follows: one inserted at the same place, or the object's own.
        let next_here = members.get(i + 1).is_some_and(|&(next, ..)| next == at);
        let empty = json[at..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
        if next_here || !empty {
            out.push(b',');
        }
        from = at;
    }
    out.extend_from_slice(&json[from..]);
    out
}

/// `json` with `"key":value` as the first member of the object that `opening` opens (see
/// [`member_after`]); `None` unless `opening` occurs exactly once.
pub(crate) fn insert_member_after(
    json: &[u8],
    opening: &[u8],
    key: &str,
    value: &str,
) -> Option<Vec<u8>> {
    Some(splice_members(
        json,
        &mut [(member_after(json, opening)?, key, value)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_go_into_the_one_object_a_pattern_opens() {
        let json = br#"{"choices":[{"index":0,"message":{}}]}"#;
        let out = insert_member_after(json, br#""message":{"#, "refusal", "null").unwrap();
        assert_eq!(
            out,
            br#"{"choices":[{"index":0,"message":{"refusal":null}}]}"#
        );
        let out = insert_member_after(&out, br#""choices":[{"#, "logprobs", "null").unwrap();
        assert_eq!(
            out,
            br#"{"choices":[{"logprobs":null,"index":0,"message":{"refusal":null}}]}"#
        );
        let two = br#"{"choices":[{"message":{}},{"message":{}}]}"#;
        assert!(insert_member_after(two, br#""message":{"#, "refusal", "null").is_none());
        let inside = br#"{"choices":[{"message":{"content":"\"message\":{"}}]}"#;
        assert!(insert_member_after(inside, br#""message":{"#, "refusal", "null").is_some());
        assert!(insert_member_after(br#"{"a":1}"#, br#""message":{"#, "k", "1").is_none());
    }

    #[test]
    fn several_members_are_spliced_in_one_pass_in_any_order() {
        let json = br#" {"choices":[{"index":0,"message":{}}]}"#;
        let mut members = [
            (
                member_after(json, br#""message":{"#).unwrap(),
                "refusal",
                "null",
            ),
            (first_member(json).unwrap(), "object", "\"chat.completion\""),
            (
                member_after(json, br#""choices":[{"#).unwrap(),
                "logprobs",
                "null",
            ),
        ];
        let out = splice_members(json, &mut members);
        assert_eq!(
            out,
            br#" {"object":"chat.completion","choices":[{"logprobs":null,"index":0,"message":{"refusal":null}}]}"#
        );
        serde_json::from_slice::<serde_json::Value>(&out).unwrap();
        assert_eq!(first_member(b"[1]"), None);
        assert_eq!(splice_members(b"{ }", &mut [(1, "a", "1")]), b"{\"a\":1 }");
        assert_eq!(
            splice_members(b"{}", &mut [(1, "a", "1"), (1, "b", "2")]),
            b"{\"a\":1,\"b\":2}"
        );
    }

    #[test]
    fn chat_peek_reads_roles_images_and_limits() {
        let body = br#"{"model":"gpt-4o","max_tokens":null,"messages":[
            {"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:x"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c"}]},
            {"role":"tool","content":"42"}],"tools":[{},{}],"n":1}"#;
        let peek: ChatPeek<'_> = serde_json::from_slice(body).unwrap();
        assert_eq!(peek.model.as_deref(), Some("gpt-4o"));
        assert_eq!(peek.max_tokens, Some(Sent::Null));
        assert_eq!(peek.max_completion_tokens, None);
        let messages = peek.messages.unwrap();
        assert!(messages[0].content.0);
        assert!(!messages[1].content.0);
        assert_eq!(messages[2].role.as_deref(), Some("tool"));
        assert_eq!(peek.tools.map(|t| t.len()), Some(2));
        // Escaped strings still work (borrowed where possible, owned otherwise).
        let peek: ChatPeek<'_> =
            serde_json::from_slice(br#"{"model":"gpt\u002d4o","messages":[]}"#).unwrap();
        assert_eq!(peek.model.as_deref(), Some("gpt-4o"));
    }

    #[test]
    fn members_are_inserted_first() {
        assert_eq!(
            insert_first_member(b" {\"a\":1}", "b", "2").unwrap(),
            b" {\"b\":2,\"a\":1}"
        );
        assert_eq!(
            insert_first_member(b"{ }", "b", "2").unwrap(),
            b"{\"b\":2 }"
        );
        assert_eq!(insert_first_member(b"[1]", "b", "2"), None);
    }
}
