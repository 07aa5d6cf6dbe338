//! Route handlers, one module per API surface, plus the shared upstream-relay helpers.

pub(crate) mod anthropic;
pub(crate) mod dashboard;
pub(crate) mod health;
pub(crate) mod openai;
pub(crate) mod relay;
