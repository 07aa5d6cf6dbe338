//! `--manual`: the operator approves each chat / messages / responses request in the terminal.
//!
//! One prompt at a time: requests queue on a FIFO tokio `Mutex`, and a request whose client
//! leaves while queued is dropped from the queue. The prompt itself is a blocking dialoguer
//! call, run on the blocking pool.

use std::fmt;

use super::error::ApiError;

/// What the operator is shown.
#[derive(Debug, Clone)]
pub(crate) struct ApprovalRequest {
    /// Route, e.g. `/v1/messages`.
    pub route: String,
    /// Upstream model.
    pub model: String,
    /// Number of messages (or input items).
    pub messages: usize,
    /// Number of tools.
    pub tools: usize,
    /// Estimated input tokens.
    pub input_tokens: Option<u64>,
}

impl fmt::Display for ApprovalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} → {} · {} messages · {} tools",
            self.route, self.model, self.messages, self.tools
        )?;
        if let Some(tokens) = self.input_tokens {
            write!(f, " · ~{tokens} input tokens")?;
        }
        Ok(())
    }
}

/// Serialises prompts.
#[derive(Debug, Default)]
pub(crate) struct Approver {
    queue: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Approver {
    /// Asks the operator; `Err(Rejected)` when they say no.
    pub(crate) async fn approve(&self, request: ApprovalRequest) -> Result<(), ApiError> {
        // The turn is held by the prompt itself, not by this future: if the client leaves while
        // its prompt is on screen, the next request waits until that prompt is answered instead
        // of opening a second one that would steal the operator's keystrokes.
        let turn = std::sync::Arc::clone(&self.queue).lock_owned().await;
        let prompt = format!("Accept {request}?");
        let answer = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            // Log lines wait until the question is answered.
            let _quiet = crate::logs::hold();
            dialoguer::Confirm::with_theme(&crate::output::theme())
                .with_prompt(prompt)
                .default(true)
                .interact_opt()
        })
        .await
        .map_err(|err| ApiError::Internal(format!("approval prompt failed: {err}")))?;
        match answer {
            Ok(Some(true)) => Ok(()),
            Ok(_) => Err(ApiError::Rejected),
            Err(err) => {
                tracing::warn!("approval prompt failed ({err}); rejecting");
                Err(ApiError::Rejected)
            }
        }
    }
}
