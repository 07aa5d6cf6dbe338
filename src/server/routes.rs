//! Route handlers, one module per API surface, plus the shared upstream-relay helpers.

pub mod anthropic;
pub mod health;
pub mod openai;
pub mod relay;
