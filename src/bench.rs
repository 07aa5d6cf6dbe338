//! Entry points for `benches/` (criterion runs outside the crate): not part of any interface.

use axum::body::Bytes;

use crate::providers::{Hints, Shape};
use crate::routing::Gateway;
use crate::server::dispatch::{Inbound, prepare};
use crate::settings::env::Env;

/// A gateway built from config text, for timing what routing and dispatch do per request.
pub struct Routing {
    gateway: Gateway,
    /// Catalogues spawn their background refresh on a runtime.
    runtime: tokio::runtime::Runtime,
}

impl Routing {
    /// Builds the gateway from `toml` (providers with configured model lists: no network).
    pub fn new(toml: &str) -> Result<Self, String> {
        let config = crate::settings::file::parse(toml).map_err(|e| format!("{e:#}"))?;
        let gateway = Gateway::build(
            Some(&config),
            &Env::default(),
            None,
            &reqwest::Client::new(),
        )
        .map_err(|e| format!("{e:#}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { gateway, runtime })
    }

    /// Plans a chat request for `model` and builds its upstream body; the body's length.
    /// Everything is in memory after the first call, so the future completes at once.
    pub fn chat(&self, model: &str, body: &Bytes) -> usize {
        let _runtime = self.runtime.enter();
        let mut inbound = Inbound {
            surface: Shape::Chat,
            model: model.to_owned(),
            body: body.clone(),
            stream: false,
            hints: Hints::default(),
            messages: None,
            responses: None,
            merge_choices: true,
            output_keys: None,
            session: None,
            legacy: None,
            side: None,
            route: "/v1/chat/completions",
            message_count: 0,
            tool_count: 0,
        };
        let future = prepare(&self.gateway, &mut inbound);
        match futures_util::FutureExt::now_or_never(future) {
            Some(Ok(bytes)) => bytes.len(),
            _ => 0,
        }
    }
}
