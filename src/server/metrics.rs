//! `GET /metrics`: Prometheus metrics (OpenMetrics text), from the `prometheus-client` crate.
//!
//! Every label value comes from a closed set: routes and status classes are fixed; providers
//! are the configured ones; models are ids from a provider's catalogue or the config (a request
//! that reached no provider counts as model `other`). The metrics are documented in the README.

use std::sync::atomic::{AtomicI64, Ordering};

use std::sync::Arc;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::log::Outcome;
use crate::ledger::Status as LedgerStatus;
use crate::routing::breaker::{BreakerReport, State};

/// `gen_ai.server.request.duration` buckets (seconds), from the OpenTelemetry GenAI conventions.
const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/// `gen_ai.server.time_to_first_token` buckets (seconds).
const TTFT_BUCKETS: [f64; 16] = [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// A label value: a fixed word or a shared name (a provider's, a model's), so that looking a
/// series up on every request copies no string (it did about twenty times a request).
#[derive(Clone, Debug)]
enum Label {
    Fixed(&'static str),
    Shared(Arc<str>),
}

impl Label {
    fn as_str(&self) -> &str {
        match self {
            Self::Fixed(text) => text,
            Self::Shared(text) => text,
        }
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl std::hash::Hash for Label {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for Label {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

impl From<&Arc<str>> for Label {
    fn from(name: &Arc<str>) -> Self {
        Self::Shared(Arc::clone(name))
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: Label,
    provider: Label,
    model: Label,
    status_class: Label,
    initiator: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    provider: Label,
    model: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    provider: Label,
    model: Label,
    r#type: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Label,
    provider: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    provider: Label,
    outcome: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FallbackLabels {
    from_provider: Label,
    to_provider: Label,
}

/// The metrics of one server.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    tokens: Family<TokenLabels, Counter>,
    credits: Family<ModelLabels, Counter<f64, std::sync::atomic::AtomicU64>>,
    duration: Family<RouteLabels, Histogram>,
    ttft: Family<RouteLabels, Histogram>,
    attempts: Family<AttemptLabels, Counter>,
    fallbacks: Family<FallbackLabels, Counter>,
    breakers: Family<ModelLabels, Gauge>,
    active_streams: Gauge,
    streams: AtomicI64,
    queue_depth: Gauge,
    ledger_queue: Gauge,
    ledger_dropped: Gauge,
    ledger_enabled: Gauge,
    stream_broken: Family<ModelLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("copilot_api");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Client requests to model routes",
            requests.clone(),
        );
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register(
            "tokens",
            "Tokens by type: input (not cached), output, cache_read, cache_write, reasoning",
            tokens.clone(),
        );
        let credits = Family::<ModelLabels, Counter<f64, std::sync::atomic::AtomicU64>>::default();
        registry.register(
            "credits",
            "AI credits spent (priced requests; 1 credit = US$0.01)",
            credits.clone(),
        );
        let duration = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(DURATION_BUCKETS)) as fn() -> Histogram,
        );
        let duration_family = duration.clone();
        registry.register(
            "request_duration_seconds",
            "Total time of model requests, streams to their end",
            duration_family,
        );
        let ttft = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(TTFT_BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "time_to_first_token_seconds",
            "Time to the first byte of streamed answers",
            ttft.clone(),
        );
        let attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "upstream_attempts",
            "Upstream attempts by outcome: ok, retryable, terminal, skipped_open",
            attempts.clone(),
        );
        let fallbacks = Family::<FallbackLabels, Counter>::default();
        registry.register(
            "fallbacks",
            "Requests that moved from one provider to another",
            fallbacks.clone(),
        );
        let breakers = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "circuit_state",
            "Circuit breakers that are not plainly closed: 1 half-open, 2 open",
            breakers.clone(),
        );
        let active_streams = Gauge::default();
        registry.register(
            "active_streams",
            "Streamed answers being relayed",
            active_streams.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "rate_limit_queue_depth",
            "Requests waiting for the local rate limit (--rate-limit --wait)",
            queue_depth.clone(),
        );
        let ledger_queue = Gauge::default();
        registry.register(
            "ledger_queue_depth",
            "Ledger rows waiting for the writer",
            ledger_queue.clone(),
        );
        let ledger_dropped = Gauge::default();
        registry.register(
            "ledger_dropped_rows",
            "Ledger rows dropped because the queue was full, since start",
            ledger_dropped.clone(),
        );
        let ledger_enabled = Gauge::default();
        registry.register(
            "ledger_enabled",
            "1 while the usage ledger is writing",
            ledger_enabled.clone(),
        );
        let stream_broken = Family::<ModelLabels, Counter>::default();
        registry.register(
            "streams_interrupted",
            "Streams that ended with an error event after their first content",
            stream_broken.clone(),
        );
        Self {
            registry,
            requests,
            tokens,
            credits,
            duration,
            ttft,
            attempts,
            fallbacks,
            breakers,
            active_streams,
            streams: AtomicI64::new(0),
            queue_depth,
            ledger_queue,
            ledger_dropped,
            ledger_enabled,
            stream_broken,
        }
    }
}

impl Metrics {
    /// Counts a finished model request.
    pub(crate) fn finished(&self, o: &Outcome<'_>, error: bool) {
        let f = o.fields;
        let route = Label::Fixed(f.route.unwrap_or("other"));
        let provider = f
            .provider
            .as_ref()
            .map_or(Label::Fixed("none"), Label::from);
        let model = match (&f.provider, &f.upstream_model) {
            (Some(_), Some(model)) => Label::Shared(Arc::from(model.as_str())),
            _ => Label::Fixed("other"),
        };
        let status_class = Label::Fixed(match o.status {
            _ if error && o.status < 300 => "err",
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            500..=599 => "5xx",
            600..=699 => "6xx",
            700..=799 => "7xx",
            800..=899 => "8xx",
            _ => "9xx",
        });
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                provider: provider.clone(),
                model: model.clone(),
                status_class,
                initiator: Label::Fixed(f.initiator.unwrap_or("none")),
            })
            .inc();
        let t = &f.tokens;
        for (kind, value) in [
            ("input", t.input),
            ("output", t.output),
            ("cache_read", t.cache_read),
            ("cache_write", t.cache_write),
            ("reasoning", t.reasoning),
        ] {
            if let Some(n) = value.filter(|n| *n > 0) {
                self.tokens
                    .get_or_create(&TokenLabels {
                        provider: provider.clone(),
                        model: model.clone(),
                        r#type: Label::Fixed(kind),
                    })
                    .inc_by(n);
            }
        }
        let labels = RouteLabels {
            route,
            provider: provider.clone(),
        };
        self.duration
            .get_or_create(&labels)
            .observe(o.total.as_secs_f64());
        if o.stream {
            if let Some(ttfb) = o.ttfb {
                self.ttft.get_or_create(&labels).observe(ttfb.as_secs_f64());
            }
            if f.broken.is_some() {
                self.stream_broken
                    .get_or_create(&ModelLabels { provider, model })
                    .inc();
            }
        }
    }

    /// Adds credits spent.
    pub(crate) fn credits(&self, provider: &Arc<str>, model: &str, credits: f64) {
        self.credits
            .get_or_create(&ModelLabels {
                provider: provider.into(),
                model: Label::Shared(Arc::from(model)),
            })
            .inc_by(credits);
    }

    /// Counts one upstream attempt.
    pub(crate) fn attempt(&self, provider: &Arc<str>, outcome: &'static str) {
        self.attempts
            .get_or_create(&AttemptLabels {
                provider: provider.into(),
                outcome: Label::Fixed(outcome),
            })
            .inc();
    }

    /// Counts a request moving from one provider to another.
    pub(crate) fn fallback(&self, from: &Arc<str>, to: &Arc<str>) {
        self.fallbacks
            .get_or_create(&FallbackLabels {
                from_provider: from.into(),
                to_provider: to.into(),
            })
            .inc();
    }

    /// A stream started (`+1`) or ended (`-1`).
    pub(crate) fn stream(&self, delta: i64) {
        let now = self.streams.fetch_add(delta, Ordering::Relaxed) + delta;
        self.active_streams.set(now);
    }

    /// Encodes every metric, with the point-in-time gauges refreshed first.
    pub(crate) fn encode(
        &self,
        breakers: &[BreakerReport],
        ledger: &LedgerStatus,
        queued: usize,
    ) -> String {
        self.breakers.clear();
        for b in breakers {
            let value = match b.state {
                State::Closed => continue,
                State::HalfOpen => 1,
                State::Open => 2,
            };
            self.breakers
                .get_or_create(&ModelLabels {
                    provider: Label::Shared(Arc::from(b.provider.as_str())),
                    model: Label::Shared(Arc::from(b.model.as_str())),
                })
                .set(value);
        }
        self.queue_depth.set(queued as i64);
        self.ledger_queue.set(ledger.queued as i64);
        self.ledger_dropped.set(ledger.dropped as i64);
        self.ledger_enabled.set(i64::from(ledger.enabled));
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
