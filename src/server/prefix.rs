//! A route's `special_prefix`: text put before the first content of every answer, in the
//! client's shape, whole or streamed.
//!
//! - Chat: `choices[0].message.content`, or the first `delta.content` of a stream.
//! - Messages: the first text block (one is added when the answer starts with a tool call),
//!   or the first `text_delta` of a stream.
//! - Responses: the first `output_text` part, or the first `response.output_text.delta`.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use super::routes::relay::LineRewriter;
use crate::providers::Shape;

/// Puts `prefix` before the first content of `response`, an answer in `surface`'s shape.
pub(crate) async fn apply(response: Response, surface: Shape, prefix: &str) -> Response {
    if !response.status().is_success() {
        return response;
    }
    let stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    let (mut parts, body) = response.into_parts();
    if stream {
        let prefix = prefix.to_owned();
        let mut lines = LineRewriter::default();
        let mut done = false;
        let body = body.into_data_stream().map(move |chunk| {
            chunk.map(|bytes| {
                if done {
                    return bytes;
                }
                lines.feed(&bytes, |line| {
                    if done {
                        return None;
                    }
                    let rewritten = stream_line(line, surface, &prefix)?;
                    done = true;
                    Some(rewritten)
                })
            })
        });
        return Response::from_parts(parts, Body::from_stream(body));
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    whole(&mut value, surface, prefix);
    let out = serde_json::to_vec(&value).map_or(bytes, Bytes::from);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

/// Prefixes a whole answer.
fn whole(value: &mut Value, surface: Shape, prefix: &str) {
    match surface {
        Shape::Chat => {
            if let Some(message) = value.pointer_mut("/choices/0/message") {
                let text = message.get("content").and_then(Value::as_str).unwrap_or("");
                message["content"] = Value::String(format!("{prefix}{text}"));
            }
        }
        Shape::Messages => {
            if let Some(blocks) = value.get_mut("content").and_then(Value::as_array_mut) {
                match blocks
                    .iter_mut()
                    .find(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                {
                    Some(block) => {
                        let text = block.get("text").and_then(Value::as_str).unwrap_or("");
                        block["text"] = Value::String(format!("{prefix}{text}"));
                    }
                    None => blocks.insert(0, json!({"type": "text", "text": prefix})),
                }
            }
        }
        Shape::Responses => {
            let part = value
                .get_mut("output")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
                .filter(|item| item.get("type").and_then(Value::as_str) == Some("message"))
                .flat_map(|item| {
                    item.get_mut("content")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                })
                .find(|part| part.get("type").and_then(Value::as_str) == Some("output_text"));
            if let Some(part) = part {
                let text = part.get("text").and_then(Value::as_str).unwrap_or("");
                part["text"] = Value::String(format!("{prefix}{text}"));
            }
        }
        Shape::Embeddings => {}
    }
}

/// Prefixes the first content line of a stream; `None` when `line` carries no content.
fn stream_line(line: &[u8], surface: Shape, prefix: &str) -> Option<Vec<u8>> {
    let data = line.strip_prefix(b"data:")?.trim_ascii();
    if !data.starts_with(b"{") {
        return None;
    }
    let mut value: Value = serde_json::from_slice(data).ok()?;
    let target = match surface {
        Shape::Chat => value.pointer_mut("/choices/0/delta/content"),
        Shape::Messages => {
            let is_text =
                value.pointer("/delta/type").and_then(Value::as_str) == Some("text_delta");
            if is_text {
                value.pointer_mut("/delta/text")
            } else {
                None
            }
        }
        Shape::Responses => {
            let is_delta =
                value.get("type").and_then(Value::as_str) == Some("response.output_text.delta");
            if is_delta {
                value.get_mut("delta")
            } else {
                None
            }
        }
        Shape::Embeddings => None,
    }?;
    let text = target.as_str()?;
    if text.is_empty() {
        return None;
    }
    *target = Value::String(format!("{prefix}{text}"));
    let mut out = b"data: ".to_vec();
    serde_json::to_writer(&mut out, &value).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn whole_and_streamed_answers_start_with_the_prefix() {
        let chat = Response::new(Body::from(
            r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}"#,
        ));
        let out: Value =
            serde_json::from_str(&text(apply(chat, Shape::Chat, "» ").await).await).unwrap();
        assert_eq!(out["choices"][0]["message"]["content"], "» hi");

        let messages = Response::new(Body::from(
            r#"{"content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}"#,
        ));
        let out: Value =
            serde_json::from_str(&text(apply(messages, Shape::Messages, "» ").await).await)
                .unwrap();
        assert_eq!(out["content"][0], json!({"type": "text", "text": "» "}));

        let stream = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"}}\n\n";
        let pieces: Vec<Result<Bytes, std::io::Error>> = stream
            .as_bytes()
            .chunks(7)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let response = Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(futures_util::stream::iter(pieces)))
            .unwrap();
        let out = text(apply(response, Shape::Messages, "» ").await).await;
        assert!(out.contains("\"text\":\"» a\""), "{out}");
        assert!(out.contains("\"text\":\"b\""), "{out}");
        assert_eq!(out.matches("» ").count(), 1);
    }
}
