//! The one integration-test binary (one link, not one per file).
#![expect(
    unreachable_pub,
    reason = "helpers are `pub` so any test module can use them"
)]
#![expect(
    clippy::unwrap_used,
    reason = "a test helper that cannot set up should fail the test loudly"
)]

// Fake GitHub + Copilot upstream on loopback.
mod fake;
// Isolated test worlds and the command builder.
mod support;

// `auth device login / status / logout / token` against the fake device flow.
mod auth;
// `models`, `usage`, errors and exit codes of the admin commands.
mod admin;
// Flag > env > config file > default, via `start --print-settings`.
mod settings;
// Spawning the real server.
mod server;
// The proxy driven as an OpenAI / Anthropic client.
mod proxy;
// How model requests travel: TLS with HTTP/2 or HTTP/1.1, certificates, proxies.
mod transport;
// Providers besides Copilot, routes, fallback, retries and breakers.
mod providers;
// The Responses API on chat-only models.
mod responses;
// The official OpenAI and Anthropic Python SDKs on translated models.
mod sdk;
// Translated answers against OpenAI's published schemas.
mod openapi;
// Chat, Messages and Responses clients on models served on another shape.
mod translation;
// The Anthropic surface: translation and native passthrough.
mod anthropic;
// `claude-code`: launch commands and settings files.
mod claude_code;
// The tokenizer against Python tiktoken (counts and ids) and tiktoken-rs.
mod tokens_exact;
// `count-tokens`: exactness, formats, errors.
mod count_tokens;
// The dashboard in headless Chromium.
mod dashboard;
// The usage ledger, budgets, named keys, /metrics.
mod ledger;
// Web pages must not use the account: DNS rebinding, origins, secrets in logs, token file mode.
mod web;
// Generated completions and man page are fresh.
mod generated;
// The fuzz corpus replayed on stable.
mod fuzz_corpus;
// Misbehaving clients, panics, shutdown.
mod faults;
