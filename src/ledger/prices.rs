//! What a request costs in AI credits (1 credit = US$0.01).
//!
//! Since 1 June 2026 Copilot bills paid plans by tokens: input, cached input, cache writes and
//! output, each at the model's rate. The built-in rates are GitHub's published table,
//! <https://github.com/github/docs/blob/main/data/tables/copilot/models-and-pricing.yml>
//! (commit 024f6b0f8c266054134f13dd7d122d8b80d25315, read on 2026-12-03), in US$ per million
//! tokens; `[prices.MODEL]` in the config overrides or adds rates. Models are matched by their
//! Copilot id (the table's names lowercased with dashes: "Claude Sonnet 4.5" →
//! `claude-sonnet-4.5`), after a route or a dated name has been resolved.
//!
//! A model with no rate is **unpriced** (shown as such, never as 0). A model Copilot marks as
//! included (`billing.multiplier` 0 in its catalogue) costs nothing on paid plans. Long-context
//! tiers (OpenAI, Google, xAI above their thresholds) use the higher rates when the request's
//! input is above the threshold. Cache writes are billed at the table's `cache_write` rate
//! where it has one, else at the input rate.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Tokens;

/// Rates in US$ per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rates {
    /// Input (not cached).
    pub(crate) input: f64,
    /// Output (reasoning included).
    pub(crate) output: f64,
    /// Cached input read.
    pub(crate) cached: Option<f64>,
    /// Cache write.
    pub(crate) cache_write: Option<f64>,
}

/// One row of the built-in table: id, rates, and the long-context tier above `threshold`
/// input tokens.
struct Published {
    id: &'static str,
    rates: Rates,
    long: Option<(u64, Rates)>,
}

const fn r(input: f64, cached: f64, output: f64, cache_write: Option<f64>) -> Rates {
    Rates {
        input,
        output,
        cached: Some(cached),
        cache_write,
    }
}

/// GitHub's table (see the module docs for source and date).
const PUBLISHED: &[Published] = &[
    Published {
        id: "gpt-5-mini",
        rates: r(0.25, 0.025, 2.00, None),
        long: None,
    },
    Published {
        id: "gpt-5.3-codex",
        rates: r(1.75, 0.175, 14.00, None),
        long: None,
    },
    Published {
        id: "gpt-5.4",
        rates: r(2.50, 0.25, 15.00, None),
        long: Some((272_000, r(5.00, 0.50, 22.50, None))),
    },
    Published {
        id: "gpt-5.4-mini",
        rates: r(0.75, 0.075, 4.50, None),
        long: None,
    },
    Published {
        id: "gpt-5.4-nano",
        rates: r(0.20, 0.02, 1.25, None),
        long: None,
    },
    Published {
        id: "gpt-5.5",
        rates: r(5.00, 0.50, 30.00, None),
        long: Some((272_000, r(10.00, 1.00, 45.00, None))),
    },
    Published {
        id: "gpt-5.6-luna",
        rates: r(0.20, 0.02, 1.20, Some(0.25)),
        long: Some((200_000, r(0.40, 0.04, 1.80, Some(0.50)))),
    },
    Published {
        id: "gpt-5.6-sol",
        rates: r(5.00, 0.50, 30.00, Some(6.25)),
        long: Some((272_000, r(10.00, 1.00, 45.00, Some(12.50)))),
    },
    Published {
        id: "gpt-5.6-terra",
        rates: r(2.00, 0.20, 12.00, Some(2.50)),
        long: Some((272_000, r(4.00, 0.40, 18.00, Some(5.00)))),
    },
    Published {
        id: "claude-haiku-4.5",
        rates: r(1.00, 0.10, 5.00, Some(1.25)),
        long: None,
    },
    Published {
        id: "claude-sonnet-4",
        rates: r(3.00, 0.30, 15.00, Some(3.75)),
        long: None,
    },
    Published {
        id: "claude-sonnet-4.5",
        rates: r(3.00, 0.30, 15.00, Some(3.75)),
        long: None,
    },
    Published {
        id: "claude-sonnet-4.6",
        rates: r(3.00, 0.30, 15.00, Some(3.75)),
        long: None,
    },
    Published {
        id: "claude-opus-4.5",
        rates: r(5.00, 0.50, 25.00, Some(6.25)),
        long: None,
    },
    Published {
        id: "claude-opus-4.6",
        rates: r(5.00, 0.50, 25.00, Some(6.25)),
        long: None,
    },
    Published {
        id: "claude-opus-4.7",
        rates: r(5.00, 0.50, 25.00, Some(6.25)),
        long: None,
    },
    Published {
        id: "claude-opus-4.8",
        rates: r(5.00, 0.50, 25.00, Some(6.25)),
        long: None,
    },
    Published {
        id: "claude-opus-5",
        rates: r(5.00, 0.50, 25.00, Some(6.25)),
        long: None,
    },
    Published {
        id: "claude-sonnet-5",
        rates: r(2.00, 0.20, 10.00, Some(2.50)),
        long: None,
    },
    Published {
        id: "claude-fable-5",
        rates: r(10.00, 1.00, 50.00, Some(12.50)),
        long: None,
    },
    Published {
        id: "gemini-3.1-pro",
        rates: r(2.00, 0.20, 12.00, None),
        long: Some((200_000, r(4.00, 0.40, 18.00, None))),
    },
    Published {
        id: "gemini-3.5-flash",
        rates: r(1.50, 0.15, 9.00, None),
        long: None,
    },
    Published {
        id: "gemini-3.6-flash",
        rates: r(0.75, 0.075, 3.75, None),
        long: None,
    },
    Published {
        id: "gemini-3.7-flash",
        rates: r(0.75, 0.075, 3.75, None),
        long: None,
    },
    Published {
        id: "grok-4.5",
        rates: r(2.00, 0.50, 6.00, None),
        long: Some((200_000, r(4.00, 1.00, 12.00, None))),
    },
    Published {
        id: "grok-4.6",
        rates: r(2.00, 0.50, 6.00, None),
        long: Some((200_000, r(4.00, 1.00, 12.00, None))),
    },
    Published {
        id: "mai-code-1-flash",
        rates: r(0.75, 0.075, 4.50, None),
        long: None,
    },
    Published {
        id: "mai-code-1.1-flash",
        rates: r(0.20, 0.02, 1.20, None),
        long: None,
    },
    Published {
        id: "raptor-mini",
        rates: r(0.25, 0.025, 2.00, None),
        long: None,
    },
    Published {
        id: "kimi-k2.7-code",
        rates: r(0.95, 0.19, 4.00, None),
        long: None,
    },
    Published {
        id: "kimi-k3",
        rates: r(3.00, 0.30, 15.00, None),
        long: None,
    },
];

/// The price of one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Price {
    /// Credits (1 credit = US$0.01).
    Credits(f64),
    /// An included model: no credits.
    Included,
    /// No known rate (or no token counts).
    Unpriced,
}

impl Price {
    /// Credits, counting included as 0; `None` when unpriced.
    pub(crate) fn credits(self) -> Option<f64> {
        match self {
            Self::Credits(c) => Some(c),
            Self::Included => Some(0.0),
            Self::Unpriced => None,
        }
    }
}

/// The built-in table with the config's overrides.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prices {
    overrides: BTreeMap<String, Rates>,
}

impl Prices {
    /// The built-in rates, overridden by `[prices.MODEL]`.
    pub(crate) fn new(overrides: BTreeMap<String, Rates>) -> Self {
        Self {
            overrides: overrides
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        }
    }

    /// The rates of `model` for a request with `input` tokens of prompt (for long-context
    /// tiers).
    pub(crate) fn rates(&self, model: &str, input: u64) -> Option<Rates> {
        let id = model.to_ascii_lowercase();
        if let Some(rates) = self.overrides.get(&id) {
            return Some(*rates);
        }
        let published = PUBLISHED.iter().find(|p| p.id == id)?;
        Some(match published.long {
            Some((threshold, long)) if input > threshold => long,
            _ => published.rates,
        })
    }

    /// What a request to `model` cost. `included`: Copilot lists the model as included.
    pub(crate) fn price(&self, model: &str, tokens: &Tokens, included: bool) -> Price {
        if included {
            return Price::Included;
        }
        let (Some(input), Some(output)) = (tokens.input, tokens.output) else {
            return Price::Unpriced;
        };
        let cache_read = tokens.cache_read.unwrap_or(0);
        let cache_write = tokens.cache_write.unwrap_or(0);
        let Some(rates) = self.rates(model, input + cache_read + cache_write) else {
            return Price::Unpriced;
        };
        let usd = (input as f64 * rates.input
            + output as f64 * rates.output
            + cache_read as f64 * rates.cached.unwrap_or(rates.input)
            + cache_write as f64 * rates.cache_write.unwrap_or(rates.input))
            / 1_000_000.0;
        Price::Credits(usd * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_follow_the_published_rates() {
        let prices = Prices::default();
        // 100k input, 50k cached, 20k output on Claude Sonnet 4.5 ($3 / $0.30 / $15):
        // 0.3 + 0.015 + 0.3 = $0.615 = 61.5 credits.
        let tokens = Tokens {
            input: Some(100_000),
            output: Some(20_000),
            cache_read: Some(50_000),
            cache_write: None,
            reasoning: None,
        };
        let Price::Credits(c) = prices.price("claude-sonnet-4.5", &tokens, false) else {
            panic!("unpriced");
        };
        assert!((c - 61.5).abs() < 1e-9, "{c}");
        // A cache write at its own rate: 10k × $3.75 = $0.0375.
        let writes = Tokens {
            input: Some(0),
            output: Some(0),
            cache_write: Some(10_000),
            ..Tokens::default()
        };
        let c = prices
            .price("claude-sonnet-4.5", &writes, false)
            .credits()
            .unwrap();
        assert!((c - 3.75).abs() < 1e-9, "{c}");
        // The long-context tier above the threshold.
        assert_eq!(prices.rates("gpt-5.4", 300_000).unwrap().input, 5.00);
        assert_eq!(prices.rates("gpt-5.4", 1000).unwrap().input, 2.50);
        // Unknown models are unpriced, included ones free, overrides win.
        assert_eq!(
            prices.price("my-local-model", &tokens, false),
            Price::Unpriced
        );
        assert_eq!(prices.price("gpt-4.1", &tokens, true), Price::Included);
        let custom = Prices::new(BTreeMap::from([(
            "My-Local-Model".to_owned(),
            Rates {
                input: 1.0,
                output: 2.0,
                cached: None,
                cache_write: None,
            },
        )]));
        let c = custom
            .price("my-local-model", &tokens, false)
            .credits()
            .unwrap();
        // 100k × $1 + 20k × $2 + 50k × $1 (cached at the input rate) = $0.19.
        assert!((c - 19.0).abs() < 1e-9, "{c}");
        assert_eq!(
            prices.price("claude-sonnet-4.5", &Tokens::default(), false),
            Price::Unpriced
        );
    }
}
