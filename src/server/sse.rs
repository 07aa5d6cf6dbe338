//! Anthropic event streams made from Copilot's chat-completion event streams.
//!
//! The upstream body is parsed with a real SSE parser (`sse-stream`: it works on bytes, so a
//! multi-byte character or a line split across TCP reads is reassembled, never turned into
//! U+FFFD), each chunk goes through the pure `StreamTranslator`, and the resulting events are
//! framed as `event: <name>\ndata: <json>\n\n` as soon as they exist — nothing is buffered
//! beyond one upstream read. A `ping` event is sent after `ping_every` of upstream silence; an
//! upstream failure or truncation ends the stream with an Anthropic `error` event, never a
//! made-up `message_stop`.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _};
use serde_json::Value;

use super::log::RequestLog;
use crate::translate::anthropic::StreamEvent;
use crate::translate::openai::ChatChunk;
use crate::translate::stream::StreamTranslator;
use crate::translate::{Pivot, Source};

/// One SSE frame.
pub(crate) fn frame(event: &StreamEvent) -> Bytes {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".to_owned());
    Bytes::from(format!("event: {}\ndata: {data}\n\n", event.event_name()))
}

/// A response head for an event stream.
fn builder() -> axum::http::response::Builder {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
}

/// A stream response of already known events.
pub(crate) fn events_response(events: &[StreamEvent]) -> Response {
    let body: Vec<u8> = events.iter().flat_map(|e| frame(e).to_vec()).collect();
    builder()
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The translating stream as a response.
pub(crate) fn translated_response<E>(
    upstream: impl Stream<Item = Result<Bytes, E>> + Send + 'static,
    source: Source,
    requested: String,
    input_tokens: u64,
    ping_every: Duration,
    log: RequestLog,
) -> Response
where
    E: std::error::Error + Send + Sync + 'static,
{
    streaming(translate(
        upstream.boxed(),
        source,
        requested,
        input_tokens,
        ping_every,
        log,
    ))
}

struct State {
    source: Source,
    translator: StreamTranslator,
    log: RequestLog,
}

/// Translates an upstream chat-completion SSE byte stream into framed Anthropic events.
pub(crate) fn translate<E>(
    upstream: BoxStream<'static, Result<Bytes, E>>,
    source: Source,
    requested: String,
    input_tokens: u64,
    ping_every: Duration,
    log: RequestLog,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static
where
    E: std::error::Error + Send + Sync + 'static,
{
    let state = State {
        source,
        translator: StreamTranslator::new(requested, input_tokens),
        log,
    };
    drive(upstream, state, frame(&StreamEvent::Ping), ping_every)
}

impl Translating for State {
    /// Translates one upstream item (an SSE event, a read error, or the end) into framed
    /// events.
    fn handle(
        &mut self,
        next: Option<Result<sse_stream::Sse, sse_stream::Error>>,
        out: &mut bytes::BytesMut,
    ) {
        let st = self;
        let events = match next {
            Some(Ok(event)) => pivot_events(
                &mut st.source,
                event.data.as_deref(),
                &st.log,
                |pivot| match pivot {
                    Pivot::Chunk(chunk) => st.translator.push(&chunk),
                    Pivot::Done => st.translator.finish(),
                    Pivot::Failed(message) => st.translator.fail(&message, "api_error"),
                },
            ),
            Some(Err(err)) => st
                .translator
                .fail(&format!("the upstream stream failed: {err}"), "api_error"),
            None => st.translator.finish(),
        };
        for event in &events {
            match event {
                StreamEvent::MessageStart { message } => {
                    st.log.usage(Some(message.usage.input_tokens), None);
                }
                StreamEvent::Error { error } => st.log.broken(error.message.clone()),
                _ => {}
            }
            out.extend_from_slice(&frame(event));
        }
    }

    fn finished(&self) -> bool {
        self.translator.is_finished()
    }
}

/// The client's events for one upstream SSE event: each pivot its data decodes to (the usage
/// of chunks logged first) handed to `translate`; an event without data makes none.
fn pivot_events<E>(
    source: &mut Source,
    data: Option<&str>,
    log: &RequestLog,
    mut translate: impl FnMut(Pivot) -> Vec<E>,
) -> Vec<E> {
    let Some(data) = data.map(str::trim).filter(|d| !d.is_empty()) else {
        return Vec::new();
    };
    let mut events = Vec::new();
    for pivot in source.decode(data) {
        if let Pivot::Chunk(chunk) = &pivot {
            log_usage(log, chunk);
        }
        events.extend(translate(pivot));
    }
    events
}

/// The upstream's own usage, with its cache and reasoning details, for the access log.
fn log_usage(log: &RequestLog, chunk: &ChatChunk) {
    log.chat_usage(chunk.usage.as_ref());
}

/// The state of a stream translated event by event: the upstream's SSE events in, the
/// client's frames out.
trait Translating: Send + 'static {
    /// Translates one upstream item (an event, a read error, or the end) into `out`.
    fn handle(
        &mut self,
        next: Option<Result<sse_stream::Sse, sse_stream::Error>>,
        out: &mut bytes::BytesMut,
    );
    /// Whether the client's stream has ended.
    fn finished(&self) -> bool;
}

/// The client's body for a [`Translating`] stream over `upstream` (read with a real SSE
/// parser): everything one upstream read yields goes out as one frame (one write per read, not
/// one per event), and `ping` after `ping_every` of upstream silence.
fn drive<E, T>(
    upstream: BoxStream<'static, Result<Bytes, E>>,
    state: T,
    ping: Bytes,
    ping_every: Duration,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static
where
    E: std::error::Error + Send + Sync + 'static,
    T: Translating,
{
    let sse = sse_stream::SseByteStream::new(upstream);
    futures_util::stream::unfold((sse, state), move |(mut sse, mut st)| {
        let ping = ping.clone();
        async move {
            if st.finished() {
                return None;
            }
            let mut out = bytes::BytesMut::new();
            let Ok(next) = tokio::time::timeout(ping_every, sse.next()).await else {
                return Some((Ok(ping), (sse, st)));
            };
            st.handle(next, &mut out);
            // Events already parsed from the same read are translated now, not one wake-up
            // each.
            while !st.finished() {
                match futures_util::FutureExt::now_or_never(sse.next()) {
                    Some(next) => st.handle(next, &mut out),
                    None => break,
                }
            }
            Some((Ok::<_, Infallible>(out.freeze()), (sse, st)))
        }
    })
}

/// A streamed response with `body`.
fn streaming(body: impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static) -> Response {
    builder()
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// A Responses event stream translated from an upstream chat-completion SSE byte stream: the
/// same reading as [`translate`] (a real SSE parser, every event of a read in one frame), the
/// Responses translator in the middle, an `error` event when the upstream breaks off.
pub(crate) fn responses_response<E>(
    upstream: impl Stream<Item = Result<Bytes, E>> + Send + 'static,
    source: Source,
    translator: crate::translate::responses::StreamTranslator,
    keep: Option<super::translated::Keep>,
    log: RequestLog,
    ping_every: Duration,
) -> Response
where
    E: std::error::Error + Send + Sync + 'static,
{
    struct St {
        source: Source,
        translator: crate::translate::responses::StreamTranslator,
        keep: Option<super::translated::Keep>,
        log: RequestLog,
    }
    fn framed(events: Vec<(String, Value)>, out: &mut bytes::BytesMut) {
        for (name, data) in events {
            out.extend_from_slice(format!("event: {name}\ndata: {data}\n\n").as_bytes());
        }
    }
    impl Translating for St {
        fn handle(
            &mut self,
            next: Option<Result<sse_stream::Sse, sse_stream::Error>>,
            out: &mut bytes::BytesMut,
        ) {
            let st = self;
            let events = match next {
                Some(Ok(event)) => pivot_events(
                    &mut st.source,
                    event.data.as_deref(),
                    &st.log,
                    |pivot| match pivot {
                        Pivot::Chunk(chunk) => st.translator.push(&chunk),
                        Pivot::Done => st.translator.finish(),
                        Pivot::Failed(message) => {
                            st.log.broken(message.clone());
                            st.translator.fail(&message)
                        }
                    },
                ),
                Some(Err(err)) => {
                    let message = format!("the upstream stream failed: {err}");
                    st.log.broken(message.clone());
                    st.translator.fail(&message)
                }
                None => {
                    if st.translator.is_finished() {
                        Vec::new()
                    } else if st.translator.has_finish_reason() {
                        st.translator.finish()
                    } else {
                        // The end without `[DONE]`: a cut, not a completion.
                        let message = "the upstream ended the stream early".to_owned();
                        st.log.broken(message.clone());
                        st.translator.fail(&message)
                    }
                }
            };
            if let Some((_, done)) = events
                .iter()
                .find(|(name, _)| name == "response.completed" || name == "response.incomplete")
                && let Some(keep) = st.keep.take()
            {
                super::translated::keep_turn(keep, &done["response"]);
            }
            framed(events, out);
        }
        fn finished(&self) -> bool {
            self.translator.is_finished()
        }
    }
    let state = St {
        source,
        translator,
        keep,
        log,
    };
    // Upstream silence: an SSE comment keeps the client's connection alive.
    streaming(drive(
        upstream.boxed(),
        state,
        super::routes::relay::keep_alive(crate::providers::Shape::Responses),
        ping_every,
    ))
}

/// How chat chunks are written for the client.
#[derive(Debug, Clone)]
pub(crate) enum ChatEncoding {
    /// Chat chunks; the usage chunk only when asked for.
    Chat {
        /// `stream_options.include_usage`.
        include_usage: bool,
    },
    /// Legacy text completions.
    Legacy(crate::translate::completions::Legacy),
}

impl ChatEncoding {
    /// The `data:` payload for one chunk, if it carries anything for this client.
    pub(crate) fn encode(&mut self, mut chunk: ChatChunk, created: u64) -> Option<String> {
        match self {
            Self::Chat { include_usage } => {
                let include_usage = *include_usage;
                if chunk.choices.is_empty() && !include_usage {
                    return None;
                }
                if !include_usage {
                    chunk.usage = None;
                }
                chunk
                    .extra
                    .insert("object".into(), Value::from("chat.completion.chunk"));
                chunk.created.get_or_insert(created);
                serde_json::to_string(&chunk).ok()
            }
            Self::Legacy(legacy) => {
                crate::translate::completions::chunk(&chunk, legacy, created).map(|v| v.to_string())
            }
        }
    }
}

/// A chat-completions event stream made from a translated upstream (Responses or Messages):
/// each decoded chunk as a `data:` line, `[DONE]` at the proper end, and the chat error line
/// (the one the OpenAI SDKs raise) when the upstream fails or breaks off — never a `[DONE]`
/// it did not earn. The usage chunk goes out only when the client asked for it
/// (`stream_options.include_usage`), as OpenAI does.
pub(crate) fn chat_response<E>(
    upstream: impl Stream<Item = Result<Bytes, E>> + Send + 'static,
    source: Source,
    encoding: ChatEncoding,
    log: RequestLog,
    ping_every: Duration,
) -> Response
where
    E: std::error::Error + Send + Sync + 'static,
{
    struct St {
        source: Source,
        encoding: ChatEncoding,
        log: RequestLog,
        finished: bool,
        /// A chunk said why the answer ended.
        finish_seen: bool,
        created: u64,
    }
    fn fail(st: &mut St, message: &str, out: &mut bytes::BytesMut) {
        st.log.broken(message.to_owned());
        st.finished = true;
        out.extend_from_slice(&super::routes::relay::broken_stream_event(
            crate::providers::Shape::Chat,
            message,
        ));
    }
    impl Translating for St {
        fn handle(
            &mut self,
            next: Option<Result<sse_stream::Sse, sse_stream::Error>>,
            out: &mut bytes::BytesMut,
        ) {
            let st = self;
            match next {
                Some(Ok(event)) => {
                    let Some(data) = event
                        .data
                        .as_deref()
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                    else {
                        return;
                    };
                    for pivot in st.source.decode(data) {
                        match pivot {
                            Pivot::Chunk(chunk) => {
                                log_usage(&st.log, &chunk);
                                st.finish_seen |=
                                    chunk.choices.iter().any(|c| c.finish_reason.is_some());
                                if let Some(data) = st.encoding.encode(chunk, st.created) {
                                    out.extend_from_slice(format!("data: {data}\n\n").as_bytes());
                                }
                            }
                            Pivot::Done => {
                                st.finished = true;
                                out.extend_from_slice(b"data: [DONE]\n\n");
                            }
                            Pivot::Failed(message) => fail(st, &message, out),
                        }
                        if st.finished {
                            return;
                        }
                    }
                }
                Some(Err(err)) => fail(st, &format!("the upstream stream failed: {err}"), out),
                // An end right after the finish (no `[DONE]`) ended well, as on the other
                // surfaces; before it, it is a cut.
                None if st.finish_seen => {
                    st.finished = true;
                    out.extend_from_slice(b"data: [DONE]\n\n");
                }
                None => fail(st, "the upstream ended the stream early", out),
            }
        }
        fn finished(&self) -> bool {
            self.finished
        }
    }
    let state = St {
        source,
        encoding,
        log,
        finished: false,
        finish_seen: false,
        created: super::translated::now(),
    };
    streaming(drive(
        upstream.boxed(),
        state,
        super::routes::relay::keep_alive(crate::providers::Shape::Chat),
        ping_every,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/copilot/claude_text_then_tool.sse");

    async fn run(pieces: Vec<Bytes>) -> Vec<u8> {
        let upstream =
            futures_util::stream::iter(pieces.into_iter().map(Ok::<_, std::io::Error>)).boxed();
        let out: Vec<Result<Bytes, Infallible>> = translate(
            upstream,
            Source::Chat,
            "claude-haiku-4-5".into(),
            0,
            Duration::from_secs(60),
            RequestLog::default(),
        )
        .collect()
        .await;
        out.into_iter()
            .flat_map(|b| b.map(|b| b.to_vec()).unwrap_or_default())
            .collect()
    }

    #[tokio::test]
    async fn splitting_the_upstream_at_any_byte_changes_nothing() {
        let whole = run(vec![Bytes::from_static(FIXTURE)]).await;
        let text = String::from_utf8(whole.clone()).unwrap();
        assert!(text.contains("read it — ok ✓"), "{text}");
        assert!(
            text.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
            "{text}"
        );
        for cut in 1..FIXTURE.len() {
            let pieces = vec![
                Bytes::from_static(&FIXTURE[..cut]),
                Bytes::from_static(&FIXTURE[cut..]),
            ];
            assert_eq!(run(pieces).await, whole, "split at byte {cut}");
        }
        // And one byte per read.
        let bytes: Vec<Bytes> = FIXTURE
            .iter()
            .map(|b| Bytes::copy_from_slice(&[*b]))
            .collect();
        assert_eq!(run(bytes).await, whole);
    }

    #[tokio::test]
    async fn a_body_error_becomes_an_error_event() {
        let upstream = futures_util::stream::iter(vec![
            Ok(Bytes::from_static(
                b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n",
            )),
            Err(std::io::Error::other("connection reset")),
        ])
        .boxed();
        let out: Vec<_> = translate(
            upstream,
            Source::Chat,
            "m".into(),
            0,
            Duration::from_secs(60),
            RequestLog::default(),
        )
        .collect()
        .await;
        let text: String = out
            .into_iter()
            .map(|b| String::from_utf8_lossy(&b.unwrap_or_default()).into_owned())
            .collect();
        assert!(text.contains("event: error"), "{text}");
        assert!(text.contains("connection reset"), "{text}");
        assert!(!text.contains("message_stop"), "{text}");
    }
}
