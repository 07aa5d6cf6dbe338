//! Reading request bodies so that every failure — too large, unreadable, not JSON, wrong shape —
//! becomes an [`ApiError`] the route renders in its own error shape (axum's stock extractors
//! answer in plain text).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use futures_util::StreamExt as _;

use super::error::ApiError;

/// Largest accepted request body: 64 MiB, enough for long Claude Code sessions carrying
/// several base64 images (Anthropic's own limit is 32 MB per request).
pub(crate) const BODY_LIMIT: usize = 64 << 20;

/// How long a request body may go silent (`--client-timeout`), in milliseconds; set once when
/// the server starts.
static BODY_TIMEOUT_MS: AtomicU64 = AtomicU64::new(30_000);

/// Sets the body-silence timeout.
pub(crate) fn set_body_timeout(timeout: Duration) {
    let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    BODY_TIMEOUT_MS.store(ms, Ordering::Relaxed);
}

/// Reads the whole body, refusing more than [`BODY_LIMIT`] bytes (the rest is read and
/// dropped first, so that a client still sending gets to read the 413), and a body that goes
/// silent for the client timeout (408). A body that arrives in one piece (the usual case:
/// hyper hands it over as a slice of its read buffer) is returned as it is, without a copy.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let silence = Duration::from_millis(BODY_TIMEOUT_MS.load(Ordering::Relaxed));
    let mut stream = body.into_data_stream();
    let mut first: Option<Bytes> = None;
    let mut buf = bytes::BytesMut::new();
    loop {
        let piece = match tokio::time::timeout(silence, stream.next()).await {
            Ok(Some(Ok(piece))) => piece,
            Ok(None) => break,
            Ok(Some(Err(err))) => {
                return Err(ApiError::bad_request(format!(
                    "could not read the request body: {err}"
                )));
            }
            Err(_) => {
                return Err(ApiError::RequestTimeout {
                    seconds: silence.as_secs_f64(),
                });
            }
        };
        let held = first.as_ref().map_or(0, Bytes::len) + buf.len();
        if held + piece.len() > BODY_LIMIT {
            drain(&mut stream, held + piece.len()).await;
            return Err(ApiError::PayloadTooLarge {
                limit_mib: BODY_LIMIT >> 20,
            });
        }
        match first.take() {
            None if buf.is_empty() => first = Some(piece),
            None => buf.extend_from_slice(&piece),
            Some(one) => {
                buf.reserve(one.len() + piece.len());
                buf.extend_from_slice(&one);
                buf.extend_from_slice(&piece);
            }
        }
    }
    Ok(first.unwrap_or_else(|| buf.freeze()))
}

/// Reads and drops the rest of a body after `seen` bytes, up to 4 × [`BODY_LIMIT`] in all,
/// each piece within the client timeout.
async fn drain(
    stream: &mut (impl futures_util::Stream<Item = Result<Bytes, axum::Error>> + Unpin),
    mut seen: usize,
) {
    let silence = Duration::from_millis(BODY_TIMEOUT_MS.load(Ordering::Relaxed));
    while seen <= 4 * BODY_LIMIT {
        match tokio::time::timeout(silence, stream.next()).await {
            Ok(Some(Ok(chunk))) => seen += chunk.len(),
            _ => return,
        }
    }
}

/// Reads and drops a body that is refused anyway, so that a client still sending it gets to
/// read the answer; at most 4 × [`BODY_LIMIT`], each piece within the client timeout.
pub(crate) async fn discard_body(body: Body) {
    drain(&mut body.into_data_stream(), 0).await;
}

/// Writes `value` as JSON into a buffer of `size` bytes to start with: about what it will
/// take (a translated body is about as long as the body it translates), so the body is not
/// copied each time the buffer grows, as `serde_json::to_vec` and `axum::Json` do from a
/// small start.
pub(crate) fn write_json(value: &impl serde::Serialize, size: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::with_capacity(size);
    serde_json::to_writer(&mut body, value).map_err(|err| ApiError::Internal(err.to_string()))?;
    Ok(body)
}

/// A JSON value as text, written straight into a string (`Value::to_string` goes through the
/// formatter, piece by piece).
pub(crate) fn json_text(value: &serde_json::Value) -> String {
    // Only JSON values: writing one cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// A request's headers and body, taken apart without copying the headers (axum's `HeaderMap`
/// extractor clones them).
pub(crate) struct HeadersAndBody(pub axum::http::HeaderMap, pub axum::body::Body);

impl<S: Send + Sync> axum::extract::FromRequest<S> for HeadersAndBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        Ok(Self(parts.headers, body))
    }
}

/// Parses JSON, naming the line and column of a syntax error or the field of a type error.
pub(crate) fn parse_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; expected a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        let what = if err.is_syntax() || err.is_eof() {
            "is not valid JSON"
        } else {
            "has an invalid field"
        };
        ApiError::bad_request(format!("the request body {what}: {err}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_position() {
        let err = parse_json::<serde_json::Value>(b"{\"a\":\n1,}")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not valid JSON") && err.contains("line 2"),
            "{err}"
        );
        let err = parse_json::<serde_json::Value>(b"  ")
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty"), "{err}");
    }

    #[tokio::test]
    async fn bodies_in_one_piece_or_many_are_read_whole() {
        let one = Bytes::from_static(b"{\"model\": \"m\"}");
        assert_eq!(read_body(Body::from(one.clone())).await.unwrap(), one);
        let pieces = futures_util::stream::iter(
            [&b"{\"a\""[..], b": ", b"1}"].map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p))),
        );
        assert_eq!(
            read_body(Body::from_stream(pieces)).await.unwrap(),
            Bytes::from_static(b"{\"a\": 1}")
        );
        assert!(read_body(Body::empty()).await.unwrap().is_empty());
        let too_much = futures_util::stream::iter(
            [BODY_LIMIT - 1, 2].map(|n| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; n]))),
        );
        assert!(matches!(
            read_body(Body::from_stream(too_much)).await,
            Err(ApiError::PayloadTooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn oversized_bodies_are_refused() {
        let big = vec![b' '; BODY_LIMIT + 1];
        assert!(matches!(
            read_body(Body::from(big)).await,
            Err(ApiError::PayloadTooLarge { .. })
        ));
    }
}
