//! Circuit breakers, one per (provider, model): a target that keeps failing is left alone for
//! a while instead of being asked again by every request.
//!
//! - **Closed**: requests flow; each upstream failure adds one to a count that any success
//!   resets. At `failures` consecutive failures the breaker opens.
//! - **Open**: the target is skipped until `cooldown` (or the upstream's `Retry-After`,
//!   whichever is longer) has passed.
//! - **Half-open**: then exactly one request (the probe) is let through; its success closes
//!   the breaker, its failure opens it again.
//!
//! Only upstream failures count (connection, timeout, 5xx, 429, a provider's 401/403), never a
//! client's bad request. When every target of a request is open, the caller tries them anyway
//! rather than failing without asking. Time is tokio's clock, so tests pause and advance it.
//! Breakers live outside the config: a reload keeps their state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// Default consecutive failures that open a breaker.
pub(crate) const DEFAULT_FAILURES: u32 = 5;
/// Default time a breaker stays open.
pub(crate) const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);

/// What the breaker says about trying a target now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Closed: go ahead.
    Allowed,
    /// Half-open: go ahead as the one probe.
    Probe,
    /// Open (or a probe is already out): skip.
    Rejected,
}

/// A breaker's state, as `/health` and `doctor` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum State {
    /// Serving.
    Closed,
    /// Skipped until the cooldown ends.
    Open,
    /// One probe allowed.
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// Settings of every breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BreakerPolicy {
    /// Consecutive failures that open it.
    pub(crate) failures: u32,
    /// How long it stays open.
    pub(crate) cooldown: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failures: DEFAULT_FAILURES,
            cooldown: DEFAULT_COOLDOWN,
        }
    }
}

/// A breaker's key: provider name and model id.
type Key = (Arc<str>, String);

/// Every breaker of the process, by (provider, model).
#[derive(Debug, Default, Clone)]
pub(crate) struct Breakers(Arc<Mutex<HashMap<Key, Inner>>>);

/// One breaker's state for reports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BreakerReport {
    /// Provider name.
    pub(crate) provider: String,
    /// Model id.
    pub(crate) model: String,
    /// State.
    pub(crate) state: State,
    /// Consecutive failures (closed), seconds until the probe (open).
    pub(crate) failures: u32,
    /// Seconds until an open breaker lets a probe through.
    pub(crate) retry_in_s: Option<u64>,
}

impl Breakers {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Key, Inner>) -> R) -> R {
        f(&mut self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// May a request go to `model` on `provider` now?
    pub(crate) fn admit(&self, provider: &Arc<str>, model: &str) -> Admission {
        self.with(|map| {
            let Some(state) = map.get_mut(&(Arc::clone(provider), model.to_owned())) else {
                return Admission::Allowed;
            };
            match *state {
                Inner::Closed { .. } => Admission::Allowed,
                Inner::Open { until } if Instant::now() < until => Admission::Rejected,
                Inner::Open { .. } => {
                    *state = Inner::HalfOpen { probing: true };
                    log_change(provider, model, State::HalfOpen);
                    Admission::Probe
                }
                Inner::HalfOpen { probing: true } => Admission::Rejected,
                Inner::HalfOpen { probing: false } => {
                    *state = Inner::HalfOpen { probing: true };
                    Admission::Probe
                }
            }
        })
    }

    /// Whether the breaker is open now (without taking the probe).
    pub(crate) fn is_open(&self, provider: &Arc<str>, model: &str) -> bool {
        self.with(
            |map| match map.get(&(Arc::clone(provider), model.to_owned())) {
                Some(Inner::Open { until }) => Instant::now() < *until,
                Some(Inner::HalfOpen { probing }) => *probing,
                _ => false,
            },
        )
    }

    /// Records a success: the breaker closes.
    pub(crate) fn success(&self, provider: &Arc<str>, model: &str) {
        self.with(|map| {
            let key = (Arc::clone(provider), model.to_owned());
            if let Some(previous) = map.insert(key, Inner::Closed { failures: 0 })
                && !matches!(previous, Inner::Closed { .. })
            {
                log_change(provider, model, State::Closed);
            }
        });
    }

    /// Records an upstream failure; `retry_after` (the upstream's hint) lengthens the cooldown.
    pub(crate) fn failure(
        &self,
        provider: &Arc<str>,
        model: &str,
        policy: BreakerPolicy,
        retry_after: Option<Duration>,
    ) {
        self.with(|map| {
            let key = (Arc::clone(provider), model.to_owned());
            let state = map.entry(key).or_insert(Inner::Closed { failures: 0 });
            let open_for = policy.cooldown.max(retry_after.unwrap_or_default());
            let opens = match *state {
                Inner::Closed { failures } if failures + 1 >= policy.failures.max(1) => true,
                Inner::Closed { failures } => {
                    *state = Inner::Closed {
                        failures: failures + 1,
                    };
                    false
                }
                // The probe failed, or a request that went round an open breaker did.
                Inner::HalfOpen { .. } | Inner::Open { .. } => true,
            };
            if opens {
                let was_open = matches!(*state, Inner::Open { .. });
                *state = Inner::Open {
                    until: Instant::now() + open_for,
                };
                if !was_open {
                    tracing::warn!(
                        "circuit open for {model} on {provider}: skipped for {}s after repeated failures",
                        open_for.as_secs()
                    );
                }
            }
        });
    }

    /// Every breaker that is not plainly closed with no failures.
    pub(crate) fn report(&self) -> Vec<BreakerReport> {
        let now = Instant::now();
        let mut out: Vec<BreakerReport> = self.with(|map| {
            map.iter()
                .filter_map(|((provider, model), state)| {
                    let (state, failures, retry_in_s) = match *state {
                        Inner::Closed { failures: 0 } => return None,
                        Inner::Closed { failures } => (State::Closed, failures, None),
                        Inner::Open { until } if until > now => {
                            (State::Open, 0, Some(until.duration_since(now).as_secs()))
                        }
                        Inner::Open { .. } | Inner::HalfOpen { .. } => (State::HalfOpen, 0, None),
                    };
                    Some(BreakerReport {
                        provider: provider.to_string(),
                        model: model.clone(),
                        state,
                        failures,
                        retry_in_s,
                    })
                })
                .collect()
        });
        out.sort_by(|a, b| (&a.provider, &a.model).cmp(&(&b.provider, &b.model)));
        out
    }
}

fn log_change(provider: &str, model: &str, to: State) {
    match to {
        State::Closed => tracing::info!("circuit closed for {model} on {provider}: serving again"),
        State::HalfOpen => {
            tracing::info!("circuit half-open for {model} on {provider}: sending one probe");
        }
        State::Open => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opens_rejects_half_opens_and_closes() {
        let breakers = Breakers::default();
        let p: Arc<str> = Arc::from("openai");
        let policy = BreakerPolicy {
            failures: 3,
            cooldown: Duration::from_secs(30),
        };
        for _ in 0..2 {
            breakers.failure(&p, "gpt-4o", policy, None);
            assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Allowed);
        }
        // A success in between starts the count again.
        breakers.success(&p, "gpt-4o");
        for _ in 0..2 {
            breakers.failure(&p, "gpt-4o", policy, None);
        }
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Allowed);
        breakers.failure(&p, "gpt-4o", policy, None);
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Rejected);
        assert!(breakers.is_open(&p, "gpt-4o"));
        // Other models of the provider are unaffected.
        assert_eq!(breakers.admit(&p, "gpt-4.1"), Admission::Allowed);
        assert_eq!(breakers.report()[0].state, State::Open);

        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Probe);
        // Only one probe at a time.
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Rejected);
        // The probe fails: open again, for the longer Retry-After.
        breakers.failure(&p, "gpt-4o", policy, Some(Duration::from_secs(120)));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Rejected);
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Probe);
        breakers.success(&p, "gpt-4o");
        assert_eq!(breakers.admit(&p, "gpt-4o"), Admission::Allowed);
        assert!(breakers.report().is_empty());
    }
}
