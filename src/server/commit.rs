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

/// Most turns [`coalesce`] gives the runtime before it sends what it has joined.
const MAX_YIELDS: u32 = 64;
/// Turns given in a row after one that brought nothing: with the poll that finds nothing
/// after them, [`coalesce`] sends what it has after three empty turns (the HTTP client's
/// connection task needs two to hand over its next chunk; two in all joined half as much).
const MAX_IDLE_YIELDS: u32 = 2;
/// Longest [`coalesce`] holds a chunk back while more keep coming (a busy server's turns are
/// long).
const MAX_HOLD: std::time::Duration = std::time::Duration::from_millis(2);

/// Joins the chunks that are already there into one: a server that writes one event per
/// chunk (most do) then costs one write to the client per read, not one per event.
///
/// The HTTP client hands over one chunk per turn of its connection task, even when one socket
/// read brought hundreds, so "already there" needs a moment: when the next chunk is not ready,
/// the stream gives the runtime a turn (waking itself), and goes on joining while the turns
/// bring more. It sends what it has after three turns in a row that brought nothing, 64
/// turns, 64 KiB or 2 ms, whichever comes first. A model writing tokens one by one is relayed
/// as it writes them, three turns later; a fast upstream costs one write per read, not one
/// per event
/// (measured with loadbench's stream-chunks run: one `writev` per chunk before, ~33 chunks per
/// `writev` after; CPU per relayed chunk 8.9 → 2.3 µs).
pub(crate) fn coalesce(inner: ByteStream) -> ByteStream {
    use std::task::Poll;
    let mut inner = inner.fuse();
    let mut stashed: Option<Option<Result<Bytes, reqwest::Error>>> = None;
    let mut held = Held::default();
    futures_util::stream::poll_fn(move |cx| {
        if held.is_empty()
            && let Some(item) = stashed.take()
        {
            return Poll::Ready(item);
        }
        loop {
            match inner.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    if held.push(bytes) >= MAX_JOINED {
                        return Poll::Ready(Some(Ok(held.take())));
                    }
                }
                // An error or the end comes next time, after what was joined.
                Poll::Ready(end) => {
                    if held.is_empty() {
                        return Poll::Ready(end);
                    }
                    stashed = Some(end);
                    return Poll::Ready(Some(Ok(held.take())));
                }
                Poll::Pending if held.is_empty() => return Poll::Pending,
                Poll::Pending if held.may_wait() => {
                    if held.progressed {
                        held.idle_yields = 0;
                    } else {
                        held.idle_yields += 1;
                    }
                    held.progressed = false;
                    held.yields += 1;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Pending => return Poll::Ready(Some(Ok(held.take()))),
            }
        }
    })
    .boxed()
}

/// What [`coalesce`] holds: the first chunk as it came (sent without a copy when nothing
/// joins it), the chunks joined after it, and its turns since the first chunk came.
#[derive(Default)]
struct Held {
    first: Option<Bytes>,
    since: Option<std::time::Instant>,
    joined: BytesMut,
    progressed: bool,
    yields: u32,
    idle_yields: u32,
}

impl Held {
    /// Whether to give the runtime another turn before sending.
    fn may_wait(&self) -> bool {
        self.idle_yields < MAX_IDLE_YIELDS
            && self.yields < MAX_YIELDS
            && self.since.is_some_and(|at| at.elapsed() < MAX_HOLD)
    }

    fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Adds a chunk; the bytes held now.
    fn push(&mut self, bytes: Bytes) -> usize {
        self.progressed = true;
        let Some(first) = &self.first else {
            let len = bytes.len();
            self.first = Some(bytes);
            self.since = Some(std::time::Instant::now());
            return len;
        };
        if self.joined.is_empty() {
            self.joined.extend_from_slice(first);
        }
        self.joined.extend_from_slice(&bytes);
        self.joined.len()
    }

    /// Everything held, as one chunk.
    fn take(&mut self) -> Bytes {
        self.since = None;
        self.progressed = false;
        self.yields = 0;
        self.idle_yields = 0;
        let first = self.first.take().unwrap_or_default();
        if self.joined.is_empty() {
            first
        } else {
            // Taken with its allocation: a long stream keeps no buffer between bursts.
            std::mem::take(&mut self.joined).freeze()
        }
    }
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

    /// 256 events written one `write` each by an upstream on its own thread, all in the
    /// socket's buffer before the relay reads: the HTTP client hands them over one per turn
    /// of its connection task, and they must still leave in a few writes.
    #[tokio::test]
    async fn chunks_read_together_from_a_real_upstream_go_out_together() {
        use std::io::{Read as _, Write as _};
        let event = |i: usize| format!("data: {{\"i\":{i},\"text\":\"hello world\"}}\n\n");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).unwrap();
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
                .unwrap();
            for i in 0..256 {
                let data = event(i);
                socket
                    .write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes())
                    .unwrap();
            }
            socket.write_all(b"0\r\n\r\n").unwrap();
            let _ = socket.read(&mut request);
        });
        // No proxy from this machine's environment: the upstream is on loopback.
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let answer = client.get(format!("http://{addr}/")).send().await.unwrap();
        // Everything is in the socket's buffer before the first read of the body.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let out: Vec<_> = coalesce(answer.bytes_stream().boxed()).collect().await;
        let text: String = out
            .iter()
            .map(|c| String::from_utf8(c.as_ref().unwrap().to_vec()).unwrap())
            .collect();
        assert_eq!(text, (0..256).map(event).collect::<String>());
        assert!(
            out.len() <= 64,
            "256 events went out in {} writes",
            out.len()
        );
    }

    /// A model that writes one token at a time is relayed as it writes: the chunk that is
    /// there goes out without waiting for the next.
    #[tokio::test(start_paused = true)]
    async fn a_chunk_goes_out_without_waiting_for_the_next() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Result<Bytes, reqwest::Error>>();
        tx.send(Ok(Bytes::from_static(b"data: 1\n\n"))).unwrap();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            tx.send(Ok(Bytes::from_static(b"data: 2\n\n"))).unwrap();
        });
        let started = tokio::time::Instant::now();
        let rx = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        let mut out = coalesce(rx.boxed());
        let first = out.next().await.unwrap().unwrap();
        assert_eq!(&first[..], b"data: 1\n\n");
        assert_eq!(
            started.elapsed(),
            std::time::Duration::ZERO,
            "it waited for the next"
        );
        let second = out.next().await.unwrap().unwrap();
        assert_eq!(&second[..], b"data: 2\n\n");
        assert!(out.next().await.is_none());
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
