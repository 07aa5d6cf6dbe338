//! Which provider serves a request: the providers, the routing table and the failure policy,
//! built from the config file into one [`Gateway`] that a reload swaps as a whole.
//!
//! **Resolution** of the model a client names, first rule that applies:
//! 1. `provider/model` where `provider` is a configured provider name: that model there.
//! 2. A `[[routes]]` entry, in this order: a route whose `match` is exactly the name; then the
//!    name's alias (`[model_aliases]`) and a route matching the alias exactly; then glob routes
//!    (`*`, `?`; the most specific — most literal characters — first, file order on ties);
//!    then keyword routes (`~text`: the name contains `text`, case-insensitive), in file order.
//! 3. No route: the first provider (Copilot first, then the others by name) whose catalogue
//!    has the name, after alias and name normalisation (dated ids, `[1m]`, dashes vs dots,
//!    case; see `translate::model`). Unknown everywhere: 404 naming the closest ids.
//!
//! **Targets** of a route are tried by `priority` tier (lowest first); within a tier in a
//! weighted random order (`weight`, default 1), each target at most once per pass. A target's
//! `model` defaults to the requested name; it is normalised against that provider's catalogue
//! when the catalogue lists it, and sent as written otherwise.
//!
//! The attempt loop itself (retries, fallback, breakers, backoff) is `server::dispatch`'s.

pub(crate) mod breaker;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::providers::copilot::CopilotClient;
use crate::providers::{Kind, ModelInfo, Provider, Shape, Shapes, anthropic, azure, openai};
use crate::settings::env::Env;
use crate::settings::file::{FileConfig, ProviderConfig, RouteConfig};
use crate::translate::model::{UnknownModel, resolve_model};
use breaker::BreakerPolicy;

use crate::ledger::prices::Prices;

/// Default attempts per request, across retries and fallbacks.
pub(crate) const DEFAULT_MAX_ATTEMPTS: u32 = 4;
/// Default time a request may spend before its answer starts.
pub(crate) const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);
/// Default first backoff.
pub(crate) const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Default longest backoff.
pub(crate) const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(8);

/// The failure policy: one budget and one deadline per request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Policy {
    /// Attempts per request across retries and fallbacks.
    pub(crate) max_attempts: u32,
    /// Time a request may spend on attempts before its answer starts.
    pub(crate) deadline: Duration,
    /// First backoff before retrying a target already tried.
    pub(crate) backoff_base: Duration,
    /// Longest backoff.
    pub(crate) backoff_max: Duration,
    /// Breakers.
    pub(crate) breaker: BreakerPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            deadline: DEFAULT_DEADLINE,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_max: DEFAULT_BACKOFF_MAX,
            breaker: BreakerPolicy::default(),
        }
    }
}

/// Per-route request rules (each off unless the route sets it).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RouteRules {
    /// Caps the client's output limit.
    pub(crate) max_tokens: Option<u64>,
    /// Stop words merged with the client's.
    pub(crate) stop: Vec<String>,
    /// Drop messages with no content.
    pub(crate) drop_empty_messages: bool,
    /// Merge consecutive user messages.
    pub(crate) merge_user_messages: bool,
    /// Strip `<think>…</think>` / `<tool_call>…</tool_call>` from assistant history.
    pub(crate) strip_tags: bool,
    /// Text put before the first content of answers.
    pub(crate) special_prefix: Option<String>,
    /// Send the client's key when the provider has none.
    pub(crate) forward_client_key: bool,
}

impl RouteRules {
    /// Whether any rule edits the request body.
    pub(crate) fn edits_request(&self) -> bool {
        self.max_tokens.is_some()
            || !self.stop.is_empty()
            || self.drop_empty_messages
            || self.merge_user_messages
            || self.strip_tags
    }
}

#[derive(Debug)]
enum Pattern {
    Exact(String),
    Glob {
        matcher: globset::GlobMatcher,
        literal: usize,
    },
    Keyword(String),
}

#[derive(Debug)]
struct Target {
    provider: Arc<Provider>,
    model: Option<String>,
    priority: u32,
    weight: u32,
}

#[derive(Debug)]
struct Route {
    text: String,
    pattern: Pattern,
    targets: Vec<Target>,
    rules: Arc<RouteRules>,
}

/// One place a request may go.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The provider.
    pub(crate) provider: Arc<Provider>,
    /// The model there.
    pub(crate) model: ModelInfo,
}

/// Where one request may go, in the order to try.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Candidates in order.
    pub(crate) candidates: Vec<Candidate>,
    /// The route's rules (defaults without a route).
    pub(crate) rules: Arc<RouteRules>,
    /// The route's `match`, for logs.
    pub(crate) route: Option<String>,
}

/// Why no plan could be made.
#[derive(Debug)]
pub(crate) enum PlanError {
    /// No provider knows the model.
    Unknown(UnknownModel),
    /// `provider/…` names a provider that is not configured … or some other refusal.
    Invalid(String),
}

/// Providers, routes and policy: everything a reload replaces at once.
#[derive(Debug)]
pub(crate) struct Gateway {
    /// Copilot first (when signed in), then the configured providers by name.
    pub(crate) providers: Vec<Arc<Provider>>,
    routes: Vec<Route>,
    /// The failure policy.
    pub(crate) policy: Policy,
    /// Model aliases.
    pub(crate) aliases: BTreeMap<String, String>,
    /// Weighted choices (seedable for reproducible tests).
    rng: Mutex<fastrand::Rng>,
    /// Each configured provider's table, so a reload keeps the providers it did not change
    /// (with their catalogues).
    configs: BTreeMap<String, ProviderConfig>,
    /// Rates for AI credits.
    pub(crate) prices: Arc<Prices>,
    /// Spending limits.
    pub(crate) budget: Budget,
    /// `[routing] background_model`: serves clients' light side requests.
    pub(crate) background_model: Option<String>,
}

/// What happens when a budget is spent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Exhausted {
    /// A 429 naming the budget.
    Reject,
    /// Requests are served by this model instead (an included one, typically).
    Route(String),
}

/// `[budget]`: credits per UTC day and month, every key together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Budget {
    pub(crate) daily: Option<f64>,
    pub(crate) monthly: Option<f64>,
    pub(crate) on_exhausted: Exhausted,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            daily: None,
            monthly: None,
            on_exhausted: Exhausted::Reject,
        }
    }
}

impl Gateway {
    /// Builds the gateway from the config file. `copilot` is the signed-in Copilot client, if
    /// any; `http` the shared HTTP client.
    pub(crate) fn build(
        file: Option<&FileConfig>,
        env: &Env,
        copilot: Option<Arc<CopilotClient>>,
        http: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        Self::rebuild(file, env, copilot, http, None)
    }

    /// [`Gateway::build`], reusing the providers of `previous` whose table did not change.
    pub(crate) fn rebuild(
        file: Option<&FileConfig>,
        env: &Env,
        copilot: Option<Arc<CopilotClient>>,
        http: &reqwest::Client,
        previous: Option<&Gateway>,
    ) -> anyhow::Result<Self> {
        let empty = FileConfig::default();
        let file = file.unwrap_or(&empty);
        let mut providers: Vec<Arc<Provider>> = Vec::new();
        if let Some(copilot) = copilot {
            providers.push(Arc::new(Provider::Copilot(copilot)));
        }
        for (name, config) in &file.providers {
            if name.trim().is_empty() || name.contains('/') {
                bail!("[providers.{name:?}]: a provider name cannot be empty or contain `/`");
            }
            if let Some(previous) = previous
                && previous.configs.get(name) == Some(config)
                && let Some(kept) = previous.provider(name)
            {
                providers.push(Arc::clone(kept));
                continue;
            }
            let provider = match config.kind {
                Kind::Copilot => {
                    if name != crate::providers::copilot::NAME {
                        bail!(
                            "[providers.{name}]: kind = \"copilot\" is the signed-in Copilot account, \
                             which is always named `copilot`"
                        );
                    }
                    // Copilot is implicit; the table may exist to document it.
                    continue;
                }
                Kind::OpenAi | Kind::OpenAiCompatible => Provider::OpenAi(Arc::new(
                    openai::OpenAi::from_config(name, config, env, http)?,
                )),
                Kind::Azure => Provider::Azure(Arc::new(azure::Azure::from_config(
                    name, config, env, http,
                )?)),
                Kind::Anthropic => Provider::Anthropic(Arc::new(
                    anthropic::Anthropic::from_config(name, config, env, http)?,
                )),
            };
            if name == crate::providers::copilot::NAME {
                bail!(
                    "[providers.copilot] is the signed-in Copilot account: its kind must be \"copilot\""
                );
            }
            providers.push(Arc::new(provider));
        }
        let mut routes = Vec::new();
        for (index, route) in file.routes.iter().enumerate() {
            routes.push(compile_route(route, &providers).with_context(|| {
                format!("[[routes]] #{} (match = {:?})", index + 1, route.pattern)
            })?);
        }
        let routing = &file.routing;
        let seconds = |value: Option<f64>, name: &str, default: Duration| match value {
            None => Ok(default),
            Some(s) if (0.0..=86_400.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
            Some(s) => bail!("[routing] {name} must be between 0 and 86400 seconds, got {s}"),
        };
        let policy = Policy {
            max_attempts: match routing.max_attempts {
                None => DEFAULT_MAX_ATTEMPTS,
                Some(n @ 1..=20) => n,
                Some(n) => bail!("[routing] max_attempts must be between 1 and 20, got {n}"),
            },
            deadline: seconds(routing.deadline_s, "deadline_s", DEFAULT_DEADLINE)?,
            backoff_base: seconds(
                routing.backoff_base_s,
                "backoff_base_s",
                DEFAULT_BACKOFF_BASE,
            )?,
            backoff_max: seconds(routing.backoff_max_s, "backoff_max_s", DEFAULT_BACKOFF_MAX)?,
            breaker: BreakerPolicy {
                failures: match routing.breaker_failures {
                    None => breaker::DEFAULT_FAILURES,
                    Some(n @ 1..=1000) => n,
                    Some(n) => {
                        bail!("[routing] breaker_failures must be between 1 and 1000, got {n}")
                    }
                },
                cooldown: seconds(
                    routing.breaker_cooldown_s,
                    "breaker_cooldown_s",
                    breaker::DEFAULT_COOLDOWN,
                )?,
            },
        };
        let budget = Budget {
            daily: positive(file.budget.daily_credits, "[budget] daily_credits")?,
            monthly: positive(file.budget.monthly_credits, "[budget] monthly_credits")?,
            on_exhausted: match file.budget.on_exhausted.as_deref().map(str::trim) {
                None | Some("reject") => Exhausted::Reject,
                Some(other) => match other.strip_prefix("route:").map(str::trim) {
                    Some(model) if !model.is_empty() => Exhausted::Route(model.to_owned()),
                    _ => bail!(
                        "[budget] on_exhausted must be \"reject\" or \"route:MODEL\", got {other:?}"
                    ),
                },
            },
        };
        for (model, rates) in &file.prices {
            let values = [
                Some(rates.input),
                Some(rates.output),
                rates.cached,
                rates.cache_write,
            ];
            if values.iter().flatten().any(|v| !v.is_finite() || *v < 0.0) {
                bail!("[prices.{model:?}]: rates are US$ per million tokens, 0 or more");
            }
        }
        let rng = match routing.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Ok(Self {
            providers,
            routes,
            policy,
            aliases: file.model_aliases.clone(),
            rng: Mutex::new(rng),
            configs: file.providers.clone(),
            prices: Arc::new(Prices::new(file.prices.clone())),
            budget,
            background_model: routing
                .background_model
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned),
        })
    }

    /// The provider called `name`.
    pub(crate) fn provider(&self, name: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| &**p.name() == name)
    }

    /// Where a request for `requested` may go, in order.
    pub(crate) async fn plan(&self, requested: &str) -> Result<Plan, PlanError> {
        // 1. `provider/model`.
        if let Some((prefix, model)) = requested.split_once('/')
            && let Some(provider) = self.provider(prefix)
        {
            if model.trim().is_empty() {
                return Err(PlanError::Invalid(format!(
                    "`{requested}` names the provider `{prefix}` but no model"
                )));
            }
            let model = self.resolve_at(provider, model, true).await?;
            return Ok(Plan {
                candidates: vec![Candidate {
                    provider: Arc::clone(provider),
                    model,
                }],
                rules: Arc::default(),
                route: None,
            });
        }
        // 2. Routes.
        if let Some(route) = self.match_route(requested) {
            let name = self
                .aliases
                .get(requested)
                .map_or(requested, String::as_str);
            let mut candidates = Vec::new();
            for target in self.order(&route.targets) {
                let wanted = target.model.as_deref().unwrap_or(name);
                let model = self.resolve_at(&target.provider, wanted, false).await?;
                candidates.push(Candidate {
                    provider: Arc::clone(&target.provider),
                    model,
                });
            }
            return Ok(Plan {
                candidates,
                rules: Arc::clone(&route.rules),
                route: Some(route.text.clone()),
            });
        }
        // 3. The merged catalogue.
        let mut suggestions = Vec::new();
        let mut any_catalogue = false;
        for provider in &self.providers {
            let Ok(catalogue) = provider.catalogue().await else {
                continue;
            };
            if catalogue.is_empty() {
                continue;
            }
            any_catalogue = true;
            let ids: Vec<&str> = catalogue.iter().map(|m| m.id.as_str()).collect();
            match resolve_model(requested, &ids, &self.aliases) {
                Ok(id) => {
                    if let Some(model) = catalogue.iter().find(|m| m.id == id) {
                        return Ok(Plan {
                            candidates: vec![Candidate {
                                provider: Arc::clone(provider),
                                model: model.clone(),
                            }],
                            rules: Arc::default(),
                            route: None,
                        });
                    }
                }
                Err(unknown) => suggestions.extend(unknown.suggestions),
            }
        }
        // No catalogue could be loaded at all: let the first provider decide.
        if !any_catalogue && let Some(provider) = self.providers.first() {
            let id = resolve_model(requested, &[], &self.aliases)
                .unwrap_or_else(|_| requested.to_owned());
            return Ok(Plan {
                candidates: vec![Candidate {
                    provider: Arc::clone(provider),
                    model: bare(provider, &id),
                }],
                rules: Arc::default(),
                route: None,
            });
        }
        suggestions.truncate(3);
        Err(PlanError::Unknown(UnknownModel {
            requested: requested.to_owned(),
            suggestions,
        }))
    }

    /// `model` at `provider`: normalised against its catalogue when listed there; otherwise
    /// sent as written (`strict`: an unknown model is an error, as for `provider/model`).
    async fn resolve_at(
        &self,
        provider: &Arc<Provider>,
        model: &str,
        strict: bool,
    ) -> Result<ModelInfo, PlanError> {
        let catalogue = provider.catalogue().await.ok().filter(|c| !c.is_empty());
        let Some(catalogue) = catalogue else {
            return Ok(bare(provider, model));
        };
        let ids: Vec<&str> = catalogue.iter().map(|m| m.id.as_str()).collect();
        match resolve_model(model, &ids, &self.aliases) {
            Ok(id) => Ok(catalogue
                .iter()
                .find(|m| m.id == id)
                .cloned()
                .unwrap_or_else(|| bare(provider, &id))),
            Err(unknown) if strict => Err(PlanError::Unknown(UnknownModel {
                requested: format!("{}/{model}", provider.name()),
                suggestions: unknown
                    .suggestions
                    .into_iter()
                    .map(|s| format!("{}/{s}", provider.name()))
                    .collect(),
            })),
            Err(_) => Ok(bare(provider, model)),
        }
    }

    /// The route for `requested`: exact, alias, glob (most specific first), keyword.
    fn match_route(&self, requested: &str) -> Option<&Route> {
        let exact = |name: &str| {
            self.routes
                .iter()
                .find(|r| matches!(&r.pattern, Pattern::Exact(e) if e.eq_ignore_ascii_case(name)))
        };
        if let Some(route) = exact(requested) {
            return Some(route);
        }
        let name = match self.aliases.get(requested) {
            Some(alias) => {
                if let Some(route) = exact(alias) {
                    return Some(route);
                }
                alias.as_str()
            }
            None => requested,
        };
        let glob = self
            .routes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match &r.pattern {
                Pattern::Glob { matcher, literal } if matcher.is_match(name) => {
                    Some((i, *literal, r))
                }
                _ => None,
            })
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(_, _, r)| r);
        if glob.is_some() {
            return glob;
        }
        let lower = name.to_ascii_lowercase();
        self.routes
            .iter()
            .find(|r| matches!(&r.pattern, Pattern::Keyword(k) if lower.contains(k.as_str())))
    }

    /// The targets in the order to try: by tier, weighted random within a tier.
    fn order<'a>(&self, targets: &'a [Target]) -> Vec<&'a Target> {
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        weighted_order(targets, |t| (t.priority, t.weight), &mut rng)
    }

    /// Every route's `match`, for `doctor`.
    pub(crate) fn route_count(&self) -> usize {
        self.routes.len()
    }
}

fn positive(value: Option<f64>, what: &str) -> anyhow::Result<Option<f64>> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => bail!("{what} must be 0 or more, got {v}"),
        other => Ok(other),
    }
}

/// Orders items by tier (ascending), then within each tier by weighted sampling without
/// replacement: an item of weight `w` comes first with probability `w / total`.
fn weighted_order<'a, T>(
    items: &'a [T],
    key: impl Fn(&T) -> (u32, u32),
    rng: &mut fastrand::Rng,
) -> Vec<&'a T> {
    let mut tiers: BTreeMap<u32, Vec<&'a T>> = BTreeMap::new();
    for item in items {
        tiers.entry(key(item).0).or_default().push(item);
    }
    let mut out = Vec::with_capacity(items.len());
    for (_, mut tier) in tiers {
        while !tier.is_empty() {
            let total: u64 = tier.iter().map(|t| u64::from(key(t).1)).sum();
            let index = if total == 0 {
                0
            } else {
                let mut pick = rng.u64(0..total);
                tier.iter()
                    .position(|t| {
                        let w = u64::from(key(t).1);
                        if pick < w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .unwrap_or(0)
            };
            out.push(tier.remove(index));
        }
    }
    out
}

fn bare(provider: &Provider, id: &str) -> ModelInfo {
    let shapes = match provider {
        Provider::Copilot(_) => Shapes::of(&[Shape::Chat]),
        Provider::OpenAi(p) => p.shapes,
        Provider::Azure(_) => Shapes::of(&[Shape::Chat, Shape::Responses, Shape::Embeddings]),
        Provider::Anthropic(_) => Shapes::of(&[Shape::Messages]),
    };
    ModelInfo::bare(id, provider.name(), shapes)
}

fn compile_route(route: &RouteConfig, providers: &[Arc<Provider>]) -> anyhow::Result<Route> {
    let text = route.pattern.trim();
    if text.is_empty() {
        bail!("`match` is empty");
    }
    let pattern = if let Some(keyword) = text.strip_prefix('~') {
        if keyword.trim().is_empty() {
            bail!("`match = \"~\"` needs a keyword after the `~`");
        }
        Pattern::Keyword(keyword.trim().to_ascii_lowercase())
    } else if text.contains(['*', '?', '[', '{']) {
        let matcher = globset::GlobBuilder::new(text)
            .case_insensitive(true)
            .build()
            .with_context(|| format!("`{text}` is not a valid glob"))?
            .compile_matcher();
        let literal = text.chars().filter(|c| !"*?[]{}".contains(*c)).count();
        Pattern::Glob { matcher, literal }
    } else {
        Pattern::Exact(text.to_owned())
    };
    if route.targets.is_empty() {
        bail!("`targets` is empty: a route needs at least one");
    }
    let mut targets = Vec::new();
    for target in &route.targets {
        let Some(provider) = providers.iter().find(|p| **p.name() == target.provider) else {
            let known: Vec<&str> = providers.iter().map(|p| &**p.name()).collect();
            bail!(
                "target provider `{}` is not configured (known: {})",
                target.provider,
                known.join(", ")
            );
        };
        targets.push(Target {
            provider: Arc::clone(provider),
            model: target.model.clone().filter(|m| !m.trim().is_empty()),
            priority: target.priority.unwrap_or(1),
            weight: target.weight.unwrap_or(1),
        });
    }
    let rules = RouteRules {
        max_tokens: route.max_tokens,
        stop: route.stop.clone().unwrap_or_default(),
        drop_empty_messages: route.drop_empty_messages.unwrap_or(false),
        merge_user_messages: route.merge_user_messages.unwrap_or(false),
        strip_tags: route.strip_tags.unwrap_or(false),
        special_prefix: route.special_prefix.clone().filter(|p| !p.is_empty()),
        forward_client_key: route.forward_client_key.unwrap_or(false),
    };
    Ok(Route {
        text: text.to_owned(),
        pattern,
        targets,
        rules: Arc::new(rules),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::file;

    fn gateway(toml: &str) -> Gateway {
        let config = file::parse(toml).unwrap();
        let env = Env::from_pairs([("K", "sk-test")]);
        Gateway::build(Some(&config), &env, None, &reqwest::Client::new()).unwrap()
    }

    const PROVIDERS: &str = r#"
        [providers.a]
        kind = "openai-compatible"
        base_url = "http://127.0.0.1:9/v1"
        models = ["m1", "gpt-4o", "qwen3-coder"]
        [providers.b]
        kind = "openai-compatible"
        base_url = "http://127.0.0.1:9/v1"
        models = ["m2", "gpt-4o-mini"]
    "#;

    fn route_of(g: &Gateway, name: &str) -> Option<String> {
        g.match_route(name).map(|r| r.text.clone())
    }

    #[test]
    fn exact_alias_glob_keyword_precedence() {
        let g = gateway(&format!(
            r#"{PROVIDERS}
            [model_aliases]
            fast = "gpt-4o-mini"
            [[routes]]
            match = "~mini"
            targets = [{{ provider = "b" }}]
            [[routes]]
            match = "gpt-*"
            targets = [{{ provider = "a" }}]
            [[routes]]
            match = "gpt-4o*"
            targets = [{{ provider = "a" }}]
            [[routes]]
            match = "gpt-4o-mini"
            targets = [{{ provider = "b" }}]
            [[routes]]
            match = "~coder"
            targets = [{{ provider = "a" }}]
            "#
        ));
        assert_eq!(route_of(&g, "gpt-4o-mini").as_deref(), Some("gpt-4o-mini"));
        assert_eq!(route_of(&g, "GPT-4O-MINI").as_deref(), Some("gpt-4o-mini"));
        assert_eq!(route_of(&g, "fast").as_deref(), Some("gpt-4o-mini"));
        // The most specific glob wins over the one listed first.
        assert_eq!(route_of(&g, "gpt-4o-2024").as_deref(), Some("gpt-4o*"));
        assert_eq!(route_of(&g, "gpt-5").as_deref(), Some("gpt-*"));
        // Globs before keywords, keywords in file order.
        assert_eq!(route_of(&g, "o4-mini").as_deref(), Some("~mini"));
        assert_eq!(route_of(&g, "Qwen3-Coder-30b").as_deref(), Some("~coder"));
        assert_eq!(route_of(&g, "claude-sonnet-4.5"), None);
    }

    #[test]
    fn weights_are_honoured_within_a_tier_and_tiers_in_order() {
        #[derive(Debug, PartialEq)]
        struct T(&'static str, u32, u32);
        let items = [T("a", 1, 3), T("b", 1, 1), T("c", 2, 5)];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut first_a = 0;
        for _ in 0..1000 {
            let order = weighted_order(&items, |t| (t.1, t.2), &mut rng);
            assert_eq!(order.len(), 3);
            // The second tier always comes last.
            assert_eq!(order[2].0, "c");
            if order[0].0 == "a" {
                first_a += 1;
            }
        }
        // a:b = 3:1 → 750 of 1000, within ±50 (about 3.5 standard deviations).
        assert!((700..=800).contains(&first_a), "{first_a}");
    }

    #[tokio::test]
    async fn plans_follow_provider_model_routes_and_the_catalogue() {
        let g = gateway(&format!(
            r#"{PROVIDERS}
            [[routes]]
            match = "big"
            targets = [{{ provider = "a", model = "m1", priority = 2 }}, {{ provider = "b", model = "m2" }}]
            "#
        ));
        let plan = g.plan("big").await.unwrap();
        let got: Vec<(String, String)> = plan
            .candidates
            .iter()
            .map(|c| (c.provider.name().to_string(), c.model.id.clone()))
            .collect();
        assert_eq!(got, [("b".into(), "m2".into()), ("a".into(), "m1".into())]);
        assert_eq!(plan.route.as_deref(), Some("big"));
        // `provider/model` goes straight there.
        let plan = g.plan("b/gpt-4o-mini").await.unwrap();
        assert_eq!(&*plan.candidates[0].provider.name().clone(), "b");
        assert!(matches!(g.plan("b/nope").await, Err(PlanError::Unknown(_))));
        // No route: the first provider listing it (a before b).
        let plan = g.plan("gpt-4o").await.unwrap();
        assert_eq!(&**plan.candidates[0].provider.name(), "a");
        let plan = g.plan("GPT-4o-Mini").await.unwrap();
        assert_eq!(&**plan.candidates[0].provider.name(), "b");
        assert_eq!(plan.candidates[0].model.id, "gpt-4o-mini");
        match g.plan("gpt-4o-maxi").await {
            Err(PlanError::Unknown(u)) => assert!(!u.suggestions.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_configs_name_the_problem() {
        let err = |toml: &str| {
            let config = file::parse(toml).unwrap();
            let err = Gateway::build(
                Some(&config),
                &Env::default(),
                None,
                &reqwest::Client::new(),
            )
            .unwrap_err();
            format!("{err:#}")
        };
        assert!(err("[providers.o]\nkind = \"openai\"\n").contains("api_key is required"));
        let e = err(&format!(
            "{PROVIDERS}\n[[routes]]\nmatch = \"x\"\ntargets = [{{ provider = \"zzz\" }}]\n"
        ));
        assert!(e.contains("zzz") && e.contains("#1"), "{e}");
        assert!(
            err("[providers.a]\nkind = \"openai-compatible\"\n").contains("base_url is required")
        );
        assert!(err("[providers.o]\nkind = \"openai\"\napi_key = \"env:NOPE\"\n").contains("NOPE"));
    }
}
