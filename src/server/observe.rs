//! One outcome per model request, fanned out to the ledger, the budgets and the metrics.
//!
//! The access log's observation point (`super::log`) calls [`Observe::finished`] when a
//! request ends (a stream: when it ends or the client leaves). Nothing here waits: the ledger
//! row goes into a bounded queue, the budget counters and metrics are in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use super::log::{Observer, Outcome};
use super::metrics::Metrics;
use crate::ledger::store::{DAY_MS, day};
use crate::ledger::{Ledger, Row, now_ms};

/// What a request's outcome says went wrong, if anything.
pub(crate) fn error_class(o: &Outcome<'_>) -> Option<&'static str> {
    let f = o.fields;
    if let Some(class) = f.error_class {
        return Some(class);
    }
    match o.status {
        200..=299 if f.broken.is_some() => Some("stream"),
        200..=299 if !o.completed => Some("cancelled"),
        200..=399 => None,
        401 | 403 => Some("refused"),
        429 => Some("rate_limited"),
        400..=499 => Some("client"),
        504 => Some("timeout"),
        500 => Some("local"),
        _ => Some("upstream"),
    }
}

/// Credits spent today and this month (UTC), overall and per key: the budgets' counters,
/// loaded from the ledger at start and kept in memory.
#[derive(Debug, Default)]
pub(crate) struct Spend {
    inner: Mutex<SpendInner>,
}

#[derive(Debug, Default)]
struct SpendInner {
    /// Days since the epoch of `today`; the dates are only written again when it changes.
    days: i64,
    day: String,
    month: String,
    today: HashMap<String, f64>,
    this_month: HashMap<String, f64>,
}

/// A report of spending, for `/health`, the dashboard and budgets.
#[derive(Debug, Clone, Serialize, Default)]
pub(crate) struct Spent {
    /// Credits today (UTC), every key.
    pub(crate) today: f64,
    /// Credits this month (UTC), every key.
    pub(crate) month: f64,
}

impl Spend {
    /// Starts from what the ledger already holds for today and this month.
    pub(crate) fn load(today: Vec<(String, f64)>, month: Vec<(String, f64)>) -> Self {
        let now = now_ms();
        Self {
            inner: Mutex::new(SpendInner {
                days: now.div_euclid(DAY_MS),
                day: day(now),
                month: day(now)[..7].to_owned(),
                today: today.into_iter().collect(),
                this_month: month.into_iter().collect(),
            }),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut SpendInner) -> R) -> R {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = now_ms();
        if inner.days != now.div_euclid(DAY_MS) {
            inner.days = now.div_euclid(DAY_MS);
            let today = day(now);
            if inner.day != today {
                inner.day.clone_from(&today);
                inner.today.clear();
            }
            if inner.month != today[..7] {
                inner.month = today[..7].to_owned();
                inner.this_month.clear();
            }
        }
        f(&mut inner)
    }

    /// Adds credits spent under `key` ("" for no key).
    pub(crate) fn add(&self, key: &str, credits: f64) {
        self.with(|s| {
            *s.today.entry(key.to_owned()).or_default() += credits;
            *s.this_month.entry(key.to_owned()).or_default() += credits;
        });
    }

    /// Everything spent.
    pub(crate) fn total(&self) -> Spent {
        self.with(|s| Spent {
            today: s.today.values().sum(),
            month: s.this_month.values().sum(),
        })
    }

    /// Spent today under `key`.
    pub(crate) fn today_for(&self, key: &str) -> f64 {
        self.with(|s| s.today.get(key).copied().unwrap_or(0.0))
    }
}

/// The observers of a running server.
#[derive(Debug)]
pub(crate) struct Observe {
    /// The usage ledger.
    pub(crate) ledger: Ledger,
    /// Budget counters.
    pub(crate) spend: Spend,
    /// Prometheus metrics.
    pub(crate) metrics: Metrics,
}

impl Observer for Observe {
    fn finished(&self, o: &Outcome<'_>) {
        let f = o.fields;
        let error = error_class(o);
        self.metrics.finished(o, error.is_some());
        let model = f.upstream_model.as_deref().or(f.requested_model.as_deref());
        let price = match (&f.prices, model) {
            (Some(prices), Some(model)) if error.is_none() || o.status < 300 => {
                prices.price(model, &f.tokens, f.included)
            }
            _ => crate::ledger::prices::Price::Unpriced,
        };
        let credits = price.credits();
        if let (Some(c), Some(provider), Some(model)) = (credits, &f.provider, model)
            && c > 0.0
        {
            self.metrics.credits(provider, model, c);
            self.spend.add(f.key_name.as_deref().unwrap_or(""), c);
        }
        if f.unauthenticated {
            return;
        }
        let premium_units = (f.initiator == Some("user") && o.status < 300)
            .then_some(f.multiplier)
            .flatten();
        // Every field is named, so a new one cannot be left with a former request's value.
        self.ledger.record_with(|row| {
            let Row {
                ts_ms,
                request_id,
                route,
                client_model,
                provider,
                upstream_model,
                shape,
                status,
                error_class,
                stream,
                initiator,
                tokens,
                ttfb_ms,
                total_ms,
                attempts,
                fallbacks,
                key_name,
                session_id,
                tools,
                images,
                bytes_in,
                bytes_out,
                credits: row_credits,
                included,
                premium_units: row_premium_units,
                request_body,
                response_body,
            } = row;
            *ts_ms = o.started_ms;
            request_id.clear();
            request_id.push_str(o.request_id);
            *route = f.route.unwrap_or("other");
            client_model.clone_from(&f.requested_model);
            provider.clone_from(&f.provider);
            upstream_model.clone_from(&f.upstream_model);
            *shape = f.shape;
            *status = o.status;
            *error_class = error;
            *stream = o.stream;
            *initiator = f.initiator;
            *tokens = f.tokens;
            *ttfb_ms = o.ttfb.map(|d| d.as_millis() as u64);
            *total_ms = o.total.as_millis() as u64;
            *attempts = f.attempts;
            *fallbacks = f.fallbacks;
            key_name.clone_from(&f.key_name);
            session_id.clone_from(&f.session_id);
            *tools = f.tools;
            *images = f.images;
            *bytes_in = f.bytes_in;
            *bytes_out = o.bytes_out;
            *row_credits = credits;
            *included = f.included;
            *row_premium_units = premium_units;
            request_body.clone_from(&f.request_body);
            *response_body = None;
        });
    }

    fn stream(&self, delta: i64) {
        self.metrics.stream(delta);
    }
}
