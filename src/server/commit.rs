//! The commit point of a streamed answer: its first content.
//!
//! Before it, an upstream stream that fails (an error event, a cut connection, an end with
//! nothing said) can still fall over to the next target, because the client has received
//! nothing yet: the upstream's framing events (`message_start`, `ping`, `response.created`,
//! a chat chunk that only names the role) are held back. At the first content — text, a tool
//! call, reasoning, or a proper end — the stream is committed: what was held back is sent
//! first, then the rest as it arrives, and it never switches provider afterwards.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use serde_json::Value;

use crate::providers::{Shape, UpstreamError};

/// Most held back before committing anyway (a server that sends only framing for this long
/// is answering, just slowly).
const MAX_HELD: usize = 256 * 1024;

/// An upstream body as a stream of byte chunks.
pub(crate) type ByteStream = BoxStream<'static, Result<Bytes, reqwest::Error>>;

/// What the scan of the held-back bytes found.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// Only framing so far.
    Nothing,
    /// Content (or a proper end): commit.
    Content,
    /// The upstream reported a failure before any content.
    Error(String),
}

/// Reads `body` until its first content. `Ok` holds the stream to relay (the held-back bytes
/// first); `Err` a failure before any content, which the caller may retry elsewhere.
pub(crate) async fn first_content(
    mut body: ByteStream,
    shape: Shape,
    host: &str,
) -> Result<ByteStream, UpstreamError> {
    let mut held = BytesMut::new();
    let mut scanned = 0;
    loop {
        match body.next().await {
            Some(Ok(chunk)) => {
                held.extend_from_slice(&chunk);
                let (seen, upto) = scan(&held[scanned..], shape);
                scanned += upto;
                match seen {
                    Seen::Content => break,
                    Seen::Error(message) => {
                        return Err(UpstreamError::Interrupted {
                            host: host.to_owned(),
                            reason: format!(
                                "the stream reported an error before any content: {message}"
                            ),
                        });
                    }
                    Seen::Nothing if held.len() >= MAX_HELD => break,
                    Seen::Nothing => {}
                }
            }
            Some(Err(err)) => return Err(UpstreamError::from_reqwest(&err)),
            None => {
                // The end: fine when it was a proper end (`[DONE]` and the like count as
                // content), a failure when nothing at all came.
                let (seen, _) = scan_rest(&held[scanned..], shape);
                return match seen {
                    Seen::Content => Ok(once(held.freeze())),
                    Seen::Error(message) => Err(UpstreamError::Interrupted {
                        host: host.to_owned(),
                        reason: format!(
                            "the stream reported an error before any content: {message}"
                        ),
                    }),
                    Seen::Nothing => Err(UpstreamError::Interrupted {
                        host: host.to_owned(),
                        reason: "the stream ended before any content".to_owned(),
                    }),
                };
            }
        }
    }
    let prefix = held.freeze();
    Ok(coalesce(
        futures_util::stream::once(async move { Ok(prefix) })
            .chain(body)
            .boxed(),
    ))
}

/// Most bytes joined into one chunk.
const MAX_JOINED: usize = 64 * 1024;

/// Joins the chunks that are already there into one: a server that writes one event per
/// chunk (most do) then costs one write to the client per read, not one per event. Nothing
/// waits for more: only chunks ready at the moment are joined.
pub(crate) fn coalesce(inner: ByteStream) -> ByteStream {
    let mut inner = inner.fuse();
    let mut stashed: Option<Option<Result<Bytes, reqwest::Error>>> = None;
    futures_util::stream::poll_fn(move |cx| {
        if let Some(item) = stashed.take() {
            return std::task::Poll::Ready(item);
        }
        let first = match inner.poll_next_unpin(cx) {
            std::task::Poll::Ready(Some(Ok(bytes))) => bytes,
            other => return other,
        };
        let mut joined: Option<BytesMut> = None;
        loop {
            match inner.poll_next_unpin(cx) {
                std::task::Poll::Ready(Some(Ok(more))) => {
                    let buf = joined.get_or_insert_with(|| BytesMut::from(&first[..]));
                    buf.extend_from_slice(&more);
                    if buf.len() >= MAX_JOINED {
                        break;
                    }
                }
                // An error or the end comes next time, after what was joined.
                std::task::Poll::Ready(end) => {
                    stashed = Some(end);
                    break;
                }
                std::task::Poll::Pending => break,
            }
        }
        std::task::Poll::Ready(Some(Ok(joined.map_or(first, BytesMut::freeze))))
    })
    .boxed()
}

fn once(bytes: Bytes) -> ByteStream {
    futures_util::stream::once(async move { Ok(bytes) }).boxed()
}

/// Scans the complete events in `bytes`: what they show, and how many bytes they span.
fn scan(bytes: &[u8], shape: Shape) -> (Seen, usize) {
    let mut at = 0;
    while let Some(end) = event_end(&bytes[at..]) {
        let seen = classify(&bytes[at..at + end], shape);
        at += end;
        if seen != Seen::Nothing {
            return (seen, at);
        }
    }
    (Seen::Nothing, at)
}

/// Like [`scan`], also counting a last event that has no blank line after it.
fn scan_rest(bytes: &[u8], shape: Shape) -> (Seen, usize) {
    let (seen, at) = scan(bytes, shape);
    if seen != Seen::Nothing || at == bytes.len() {
        return (seen, at);
    }
    (classify(&bytes[at..], shape), bytes.len())
}

/// Length of the first event including its blank line (`\n\n` or `\r\n\r\n`), if complete.
fn event_end(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\n' {
            if bytes[i + 1] == b'\n' {
                return Some(i + 2);
            }
            if bytes[i + 1] == b'\r' && bytes.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

/// What one event says.
fn classify(event: &[u8], shape: Shape) -> Seen {
    let text = String::from_utf8_lossy(event);
    let mut name = None;
    let mut data = String::new();
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(value.trim());
        }
    }
    if data == "[DONE]" {
        return Seen::Content;
    }
    if name.as_deref() == Some("error") {
        return Seen::Error(error_message(&data));
    }
    let Ok(value) = serde_json::from_str::<Value>(&data) else {
        return Seen::Nothing;
    };
    let kind = name
        .or_else(|| value.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    if kind == "error" || kind == "response.failed" {
        return Seen::Error(error_message(&data));
    }
    match shape {
        Shape::Messages => match kind.as_str() {
            "message_start" | "ping" => Seen::Nothing,
            _ => Seen::Content,
        },
        Shape::Responses => match kind.as_str() {
            "response.created" | "response.in_progress" | "response.queued" => Seen::Nothing,
            _ => Seen::Content,
        },
        Shape::Chat | Shape::Embeddings => {
            if value.get("error").is_some_and(|e| !e.is_null()) {
                return Seen::Error(error_message(&data));
            }
            let content = value
                .get("choices")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|choice| {
                    choice.get("finish_reason").is_some_and(|f| !f.is_null())
                        || choice
                            .get("delta")
                            .and_then(Value::as_object)
                            .is_some_and(|delta| {
                                delta.iter().any(|(key, v)| match key.as_str() {
                                    "role" => false,
                                    _ => match v {
                                        Value::Null => false,
                                        Value::String(s) => !s.is_empty(),
                                        Value::Array(a) => !a.is_empty(),
                                        _ => true,
                                    },
                                })
                            })
                });
            // A usage-only chunk at the end also counts: the answer is over.
            if content || value.get("usage").is_some_and(|u| !u.is_null()) {
                Seen::Content
            } else {
                Seen::Nothing
            }
        }
    }
}

fn error_message(data: &str) -> String {
    let value: Value = serde_json::from_str(data).unwrap_or(Value::Null);
    value
        .pointer("/error/message")
        .or_else(|| value.pointer("/response/error/message"))
        .or_else(|| value.get("message"))
        .and_then(Value::as_str)
        .map_or_else(|| data.chars().take(200).collect(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_of(pieces: &[&'static str]) -> ByteStream {
        let pieces: Vec<Result<Bytes, reqwest::Error>> = pieces
            .iter()
            .map(|p| Ok(Bytes::from_static(p.as_bytes())))
            .collect();
        futures_util::stream::iter(pieces).boxed()
    }

    async fn collect(stream: ByteStream) -> String {
        let chunks: Vec<_> = stream.collect().await;
        chunks
            .into_iter()
            .map(|c| String::from_utf8(c.unwrap().to_vec()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn framing_is_held_until_content_then_everything_follows() {
        let pieces = [
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"cont",
            "ent\":\"hi\"}}]}\n\ndata: [DONE]\n\n",
        ];
        let out = first_content(stream_of(&pieces), Shape::Chat, "h")
            .await
            .unwrap();
        assert_eq!(collect(out).await, pieces.concat());
    }

    #[tokio::test]
    async fn failures_before_content_are_errors_the_caller_can_retry() {
        let messages_error = [
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n",
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        ];
        let Err(err) = first_content(stream_of(&messages_error), Shape::Messages, "h").await else {
            panic!("committed");
        };
        assert!(err.to_string().contains("Overloaded"), "{err}");
        let chat_error = ["data: {\"error\":{\"message\":\"quota\"}}\n\n"];
        assert!(
            first_content(stream_of(&chat_error), Shape::Chat, "h")
                .await
                .is_err()
        );
        let empty = ["event: response.created\ndata: {\"type\":\"response.created\"}\n\n"];
        let Err(err) = first_content(stream_of(&empty), Shape::Responses, "h").await else {
            panic!("committed");
        };
        assert!(
            err.to_string().contains("ended before any content"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn ready_chunks_are_joined_and_nothing_is_lost() {
        let pieces = ["a", "b", "c"];
        let out: Vec<_> = coalesce(stream_of(&pieces)).collect().await;
        assert_eq!(out.len(), 1, "three ready chunks make one");
        assert_eq!(out[0].as_ref().unwrap(), "abc");
    }

    #[tokio::test]
    async fn every_shape_knows_its_content() {
        let messages = [
            "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0}\n\n",
        ];
        assert!(
            first_content(stream_of(&messages), Shape::Messages, "h")
                .await
                .is_ok()
        );
        let responses = [
            "event: response.created\ndata: {\"type\":\"response.created\"}\n\n",
            "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n",
        ];
        assert!(
            first_content(stream_of(&responses), Shape::Responses, "h")
                .await
                .is_ok()
        );
        // A last event without its blank line still counts at the end.
        let done = ["data: [DONE]"];
        assert!(
            first_content(stream_of(&done), Shape::Chat, "h")
                .await
                .is_ok()
        );
    }
}
