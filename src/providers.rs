//! The model providers copilot-api relays to, and what they share.
//!
//! Today the only provider is GitHub Copilot ([`copilot`]: its GitHub client, token manager,
//! catalogue and header rules). Every provider reaches its service through [`http`], the one
//! HTTP stack: one `reqwest` client setup, one error classification ([`UpstreamError`]).

pub(crate) mod copilot;
pub(crate) mod http;

pub(crate) use http::UpstreamError;
