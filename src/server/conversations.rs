//! Stored Responses conversations, so `previous_response_id` works when the model is served
//! on chat completions or Messages (which keep no state): each answered turn is kept as its
//! own input items plus its output items, linked to the turn it continued; a request naming
//! a stored id gets the whole chain put in front of its own input.
//!
//! Bounded: at most [`MAX_TURNS`] turns and about [`MAX_BYTES`] of their JSON, each for
//! [`TTL`] after it was stored; the oldest go first. A turn that later ones continue stays
//! reachable through them while they are kept. Nothing is written to disk, and a request with
//! `store: false` is not kept, as on OpenAI's API.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How many turns are kept.
pub(crate) const MAX_TURNS: usize = 2048;
/// About how many bytes of JSON the kept turns hold (their own items, not their chains).
pub(crate) const MAX_BYTES: usize = 64 << 20;
/// How long a turn is kept.
pub(crate) const TTL: Duration = Duration::from_secs(6 * 3600);

/// One answered turn: what the client sent and what the model answered, as one JSON array
/// (written once: keeping a turn costs one buffer, not a tree of values, and so does
/// dropping it), and the turn before.
#[derive(Debug)]
pub(crate) struct Turn {
    parent: Option<Arc<Turn>>,
    items: Box<str>,
}

impl Turn {
    /// A turn continuing `parent`, whose items are the JSON array `items`.
    pub(crate) fn new(parent: Option<Arc<Turn>>, items: String) -> Self {
        Self {
            parent,
            items: items.into_boxed_str(),
        }
    }

    /// Every item of the conversation up to and including this turn, oldest first.
    pub(crate) fn history(&self) -> Vec<Value> {
        let mut chain = vec![self];
        let mut at = self;
        while let Some(parent) = &at.parent {
            chain.push(parent);
            at = parent;
        }
        chain
            .into_iter()
            .rev()
            .flat_map(|turn| {
                // Written by `join_arrays` from values: always an array.
                serde_json::from_str::<Vec<Value>>(&turn.items).unwrap_or_default()
            })
            .collect()
    }
}

/// The text between a JSON array's brackets.
fn array_items(array: &str) -> &str {
    array
        .trim()
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or("")
        .trim()
}

/// The JSON array of the items of two JSON arrays, `a`'s first, written once.
pub(crate) fn join_arrays(a: &str, b: &str) -> String {
    let (a, b) = (array_items(a), array_items(b));
    let mut joined = String::with_capacity(a.len() + b.len() + 3);
    joined.push('[');
    joined.push_str(a);
    if !a.is_empty() && !b.is_empty() {
        joined.push(',');
    }
    joined.push_str(b);
    joined.push(']');
    joined
}

#[derive(Debug, Default)]
struct Inner {
    turns: HashMap<String, (Arc<Turn>, Instant, usize)>,
    order: VecDeque<String>,
    bytes: usize,
}

/// The store.
#[derive(Debug, Default)]
pub(crate) struct Conversations {
    inner: Mutex<Inner>,
}

impl Conversations {
    /// The stored turn `id`, if it is still kept.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Turn>> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner
            .turns
            .get(id)
            .filter(|(_, at, _)| at.elapsed() < TTL)
            .map(|(turn, _, _)| Arc::clone(turn))
    }

    /// Keeps `turn` as `id`, dropping the oldest turns beyond the bounds.
    pub(crate) fn put(&self, id: String, turn: Turn) {
        let size = turn.items.len();
        if size > MAX_BYTES {
            return;
        }
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, _, old)) = inner.turns.remove(&id) {
            inner.bytes -= old;
            inner.order.retain(|k| *k != id);
        }
        while inner.turns.len() >= MAX_TURNS
            || inner.bytes + size > MAX_BYTES
            || inner
                .order
                .front()
                .and_then(|k| inner.turns.get(k))
                .is_some_and(|(_, at, _)| at.elapsed() >= TTL)
        {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some((_, _, bytes)) = inner.turns.remove(&oldest) {
                inner.bytes -= bytes;
            }
        }
        inner.bytes += size;
        inner.order.push_back(id.clone());
        inner
            .turns
            .insert(id, (Arc::new(turn), Instant::now(), size));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn chains_come_back_in_order_and_the_oldest_go_first() {
        let store = Conversations::default();
        store.put(
            "resp_1".into(),
            Turn::new(None, join_arrays(r#"["a"]"#, r#"["b"]"#)),
        );
        let first = store.get("resp_1").unwrap();
        store.put(
            "resp_2".into(),
            Turn::new(Some(first), join_arrays("[]", r#"["c"]"#)),
        );
        assert_eq!(
            store.get("resp_2").unwrap().history(),
            [json!("a"), json!("b"), json!("c")]
        );
        assert!(store.get("resp_3").is_none());
        for i in 0..MAX_TURNS {
            store.put(format!("x{i}"), Turn::new(None, format!("[{i}]")));
        }
        assert!(store.get("resp_1").is_none(), "evicted");
        assert!(store.get(&format!("x{}", MAX_TURNS - 1)).is_some());
        let inner = store.inner.lock().unwrap();
        assert_eq!(inner.turns.len(), MAX_TURNS);
        assert_eq!(inner.order.len(), MAX_TURNS);
    }

    #[test]
    fn arrays_join_whatever_is_empty() {
        assert_eq!(join_arrays("[]", "[]"), "[]");
        assert_eq!(join_arrays("[1,2]", "[ ]"), "[1,2]");
        assert_eq!(join_arrays("[]", "[{\"a\":[]}]"), "[{\"a\":[]}]");
        assert_eq!(join_arrays("[1]", "[2,3]"), "[1,2,3]");
    }
}
