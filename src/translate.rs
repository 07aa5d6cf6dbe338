//! Pure, synchronous translation between the two wire shapes we serve and call.
//!
//! This module owns the serde wire types of both APIs and the functions that turn one into
//! the other. Nothing in here does I/O: no tokio, reqwest or axum. The handlers feed parsed
//! bodies and stream chunks in and serialize whatever comes out.
//!
//! # Translation matrix
//!
//! | inbound surface        | upstream wire shape    | what happens                                         |
//! | ---------------------- | ---------------------- | ---------------------------------------------------- |
//! | OpenAI chat            | OpenAI chat (Copilot)  | passthrough; [`openai`] types only for inspection    |
//! | Anthropic Messages     | OpenAI chat (Copilot)  | [`request`] → upstream → [`response`] / [`stream`]   |
//! | Anthropic Messages     | Anthropic Messages     | passthrough; [`anthropic`] types only for inspection |
//! | OpenAI chat            | Anthropic Messages     | not implemented                                      |
//!
//! Model names are resolved against the upstream catalogue by [`model`] before any of this.
//!
//! # Why typed structs with `extra`
//!
//! Every wire struct keeps the fields it does not know in a flattened `extra` map and writes
//! them back (STYLE habit 9): a field a client or Copilot adds tomorrow must never fail a
//! request. Unknown content blocks, content parts and stream events deserialize into an
//! `Unknown(Value)` arm instead of erroring. The translators themselves only copy what they
//! understand; `extra` of the *source* shape is deliberately not forwarded across shapes,
//! because an Anthropic field means nothing to an OpenAI upstream.

pub mod anthropic;
pub mod model;
pub mod openai;
pub mod request;
pub mod response;
pub mod stream;

/// Why a translation could not be done. Every variant is the client's or upstream's fault in
/// the sense that no retry of the same input can succeed.
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    /// Upstream returned a tool call whose `arguments` are not valid JSON, so no Anthropic
    /// `tool_use.input` object can be built from it.
    #[error("upstream returned invalid JSON arguments for tool `{name}`: {source}")]
    InvalidToolArguments {
        /// The tool (function) name upstream called.
        name: String,
        /// The JSON parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The inbound request cannot be expressed in the target shape.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}
