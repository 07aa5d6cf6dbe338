//! The mixed phase: steady mixed load on one fresh proxy for a long time (a soak).
//!
//! Open loop: request `i` is due `i ÷ rate` seconds after the start, whatever happened to the
//! ones before, and its kind is [`Kind::MIX`]`[i % 15]`, so every kind gets the same share in
//! a fixed interleaved order. At most `concurrency` requests are in flight: a due request
//! waits for a free slot, starts late, and is counted as late when it starts more than
//! [`LATE_AFTER`] after its due time; its latency runs from the due time (so a proxy that
//! falls behind shows in the latencies instead of slowing the schedule down). If the
//! schedule is still [`GIVE_UP_AFTER`] behind at the end, the rest is never sent and counted.
//!
//! Requests go over keep-alive connections taken from a small pool (one request at a time
//! each; a connection idle for [`POOL_IDLE`] is not reused, so the proxy's idle timeout never
//! races a request), and every answer is checked:
//!
//! * the ordinary kinds must answer 200 with their API's marker (streams are read to the end);
//! * the `error-*` kinds name a model the fake always fails (500, or 429 with
//!   `retry-after: 0`): the proxy must answer a 5xx or a 429 in the client's error shape
//!   (`{"error":{"message",…}}` for OpenAI clients, `{"type":"error","error":{…}}` for
//!   Messages clients) — an *expected upstream failure*;
//! * the `disconnect-*` kinds ask for a slow stream, read its first body bytes and drop the
//!   connection — a *disconnect*.
//!
//! Anything else (a wrong status, a missing marker, a connection error, a request over
//! [`REQUEST_TIMEOUT`]) is a failure; the first [`KEPT_FAILURES`] are kept for the report.
//! Every [`SAMPLE_EVERY`] the proxy's private memory, RSS and open fds and the fake's open
//! upstream streams are sampled.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;

use crate::fake::{FAIL_429_MODEL, FAIL_500_MODEL, SLOW_MODEL, Shared};
use crate::load::{Conn, Target};
use crate::proxy::Memory;
use crate::report::{Api, Route};

/// A request that starts this long after its due time is late.
pub const LATE_AFTER: Duration = Duration::from_millis(10);
/// Once the schedule is this far behind its end, the rest is not sent.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(30);
/// The most one request may take (the slowest expected one, a 500 retried four times with
/// backoff, takes a few seconds).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A pooled connection idle this long is closed rather than reused.
const POOL_IDLE: Duration = Duration::from_secs(5);
/// Failures whose message is kept.
pub const KEPT_FAILURES: usize = 5;
/// How often the proxy's memory and fds are sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(30);

/// What a kind's answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// 200 and the API's marker (streams read to their end).
    Success,
    /// The upstream's failure in the client's error shape: a 5xx (`server_error`) or a 429.
    UpstreamFailure {
        /// A 5xx is expected (else a 429).
        server_error: bool,
    },
    /// 200, the first body bytes, then the client goes away.
    Disconnect,
}

/// One kind of request of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The `passthrough` route, not streamed.
    Chat,
    /// The `passthrough` route, streamed.
    ChatStream,
    /// The `translated` route (Messages → chat), not streamed.
    MessagesToChat,
    /// The `translated` route, streamed.
    MessagesToChatStream,
    /// The `responses` passthrough route, not streamed.
    Responses,
    /// The `responses` passthrough route, streamed.
    ResponsesStream,
    /// The `responses-to-chat` route, not streamed.
    ResponsesToChat,
    /// The `responses-to-chat` route, streamed.
    ResponsesToChatStream,
    /// The `completions-to-chat` route (legacy completions), not streamed.
    Completions,
    /// A chat client on the model the fake answers 500.
    Error500Chat,
    /// A Messages client on the model the fake answers 500.
    Error500Messages,
    /// A Responses client on the model the fake answers 429.
    Error429Responses,
    /// A Messages client on the model the fake answers 429.
    Error429Messages,
    /// A chat client that leaves a slow stream after its first bytes.
    DisconnectChat,
    /// A Messages client (translated to chat) that leaves a slow stream after its first bytes.
    DisconnectMessages,
}

impl Kind {
    /// The mix, in the order it is cycled through (kinds of a sort spread out).
    pub const MIX: [Self; 15] = [
        Self::Chat,
        Self::MessagesToChatStream,
        Self::Responses,
        Self::Error500Chat,
        Self::ChatStream,
        Self::ResponsesToChat,
        Self::DisconnectChat,
        Self::MessagesToChat,
        Self::ResponsesStream,
        Self::Error429Responses,
        Self::Completions,
        Self::ResponsesToChatStream,
        Self::Error500Messages,
        Self::DisconnectMessages,
        Self::Error429Messages,
    ];

    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::ChatStream => "chat-stream",
            Self::MessagesToChat => "messages-to-chat",
            Self::MessagesToChatStream => "messages-to-chat-stream",
            Self::Responses => "responses",
            Self::ResponsesStream => "responses-stream",
            Self::ResponsesToChat => "responses-to-chat",
            Self::ResponsesToChatStream => "responses-to-chat-stream",
            Self::Completions => "completions-to-chat",
            Self::Error500Chat => "error-500-chat",
            Self::Error500Messages => "error-500-messages",
            Self::Error429Responses => "error-429-responses",
            Self::Error429Messages => "error-429-messages",
            Self::DisconnectChat => "disconnect-chat",
            Self::DisconnectMessages => "disconnect-messages-to-chat",
        }
    }

    /// The route an ordinary kind exercises, and whether it streams.
    pub fn route(self) -> Option<(Route, bool)> {
        Some(match self {
            Self::Chat => (Route::Passthrough, false),
            Self::ChatStream => (Route::Passthrough, true),
            Self::MessagesToChat => (Route::Translated, false),
            Self::MessagesToChatStream => (Route::Translated, true),
            Self::Responses => (Route::Responses, false),
            Self::ResponsesStream => (Route::Responses, true),
            Self::ResponsesToChat => (Route::ResponsesToChat, false),
            Self::ResponsesToChatStream => (Route::ResponsesToChat, true),
            Self::Completions => (Route::CompletionsToChat, false),
            _ => return None,
        })
    }

    /// The client's API, the model and whether the request streams.
    pub fn request(self) -> (Api, &'static str, bool) {
        if let Some((route, stream)) = self.route() {
            return (route.client(), route.model(), stream);
        }
        match self {
            Self::Error500Chat => (Api::Chat, FAIL_500_MODEL, false),
            Self::Error500Messages => (Api::Messages, FAIL_500_MODEL, false),
            Self::Error429Responses => (Api::Responses, FAIL_429_MODEL, false),
            Self::Error429Messages => (Api::Messages, FAIL_429_MODEL, false),
            Self::DisconnectChat => (Api::Chat, SLOW_MODEL, true),
            _ => (Api::Messages, SLOW_MODEL, true),
        }
    }

    /// What its answer must be.
    pub fn expect(self) -> Expect {
        match self {
            Self::Error500Chat | Self::Error500Messages => {
                Expect::UpstreamFailure { server_error: true }
            }
            Self::Error429Responses | Self::Error429Messages => Expect::UpstreamFailure {
                server_error: false,
            },
            Self::DisconnectChat | Self::DisconnectMessages => Expect::Disconnect,
            _ => Expect::Success,
        }
    }

    /// What the report says the request is.
    pub fn describe(self) -> String {
        let (api, model, stream) = self.request();
        format!(
            "`POST {}` {model}{}",
            api.path(),
            if stream { ", stream" } else { "" }
        )
    }
}

/// The position in [`Kind::MIX`] of the `i`-th request's kind (0-based).
pub fn slot(i: u64) -> usize {
    (i % Kind::MIX.len() as u64) as usize
}

/// Requests due in `duration` at `rate` per second.
pub fn planned(duration: Duration, rate: f64) -> u64 {
    (duration.as_secs_f64() * rate).floor().max(0.0) as u64
}

/// When the `i`-th request is due, after the start.
pub fn due(i: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(i as f64 / rate)
}

/// Whether `body` is an error in the client's shape: `{"type":"error","error":{"message",…}}`
/// for Messages clients (`anthropic`), `{"error":{"message",…}}` (no top-level `type`) for
/// OpenAI clients.
pub fn error_shape_ok(body: &[u8], anthropic: bool) -> bool {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let message = value
        .pointer("/error/message")
        .and_then(Value::as_str)
        .is_some();
    let kind = value.get("type").and_then(Value::as_str);
    message
        && if anthropic {
            kind == Some("error")
        } else {
            kind.is_none()
        }
}

/// How the mixed load is driven.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// How long requests are sent.
    pub duration: Duration,
    /// Requests per second.
    pub rate: f64,
    /// Most requests in flight.
    pub concurrency: usize,
}

/// The requests of one kind.
#[derive(Debug, Clone, Default)]
pub struct KindStats {
    /// Requests sent.
    pub sent: u64,
    /// Answered 200 with the marker.
    pub succeeded: u64,
    /// Upstream failures answered as expected.
    pub expected_failures: u64,
    /// Streams left after their first bytes, as planned.
    pub disconnects: u64,
    /// Anything else.
    pub failures: u64,
    /// Latencies of the requests that went as expected, due time → answer (ns), sorted.
    pub latencies_ns: Vec<u64>,
}

/// One sample of the proxy (and the fake) during the run.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the start.
    pub at_s: u64,
    /// The proxy's memory and fds.
    pub memory: Memory,
    /// Streams the fake was sending at that moment.
    pub fake_streams_open: usize,
}

/// What the mixed load did.
#[derive(Debug, Clone, Default)]
pub struct MixedRun {
    /// Requests due in the run.
    pub planned: u64,
    /// Requests sent.
    pub sent: u64,
    /// Requests never sent: the schedule was [`GIVE_UP_AFTER`] behind at the end.
    pub unsent: u64,
    /// Requests that started more than [`LATE_AFTER`] after their due time.
    pub late: u64,
    /// The latest start.
    pub max_late: Duration,
    /// Most requests in flight at once.
    pub peak_in_flight: usize,
    /// Requests still in flight when the run gave up waiting for them.
    pub unfinished: u64,
    /// Start → the last answer.
    pub elapsed: Duration,
    /// Per kind, in [`Kind::MIX`] order.
    pub kinds: Vec<(Kind, KindStats)>,
    /// The first failures: kind and message.
    pub first_failures: Vec<String>,
    /// Every [`SAMPLE_EVERY`] from the start.
    pub samples: Vec<Sample>,
}

impl MixedRun {
    /// Failures of every kind, never-sent and unfinished requests included.
    pub fn failures(&self) -> u64 {
        self.kinds.iter().map(|(_, s)| s.failures).sum::<u64>() + self.unsent + self.unfinished
    }
}

/// How one request went.
enum Outcome {
    Success,
    ExpectedFailure,
    Disconnect,
    Failure(String),
}

/// Keep-alive connections not in use.
struct Pool {
    addr: SocketAddr,
    idle: Mutex<Vec<(Conn, Instant)>>,
}

impl Pool {
    async fn take(&self) -> anyhow::Result<Conn> {
        loop {
            let popped = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            match popped {
                Some((conn, since)) if since.elapsed() < POOL_IDLE && !conn.is_closed() => {
                    return Ok(conn);
                }
                Some(_) => {}
                None => return Conn::open(self.addr).await,
            }
        }
    }

    fn give_back(&self, conn: Conn) {
        if !conn.is_closed()
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push((conn, Instant::now()));
        }
    }
}

/// Sends one request of `kind` and checks its answer.
async fn one(pool: &Pool, target: &Target, kind: Kind) -> Outcome {
    let mut conn = match pool.take().await {
        Ok(conn) => conn,
        Err(err) => return Outcome::Failure(format!("{err:#}")),
    };
    let stream = kind.request().2;
    match kind.expect() {
        Expect::Success => {
            let result = if stream {
                conn.stream(target).await.map(|_| ())
            } else {
                conn.call(target).await
            };
            match result {
                Ok(()) => {
                    pool.give_back(conn);
                    Outcome::Success
                }
                Err(err) => Outcome::Failure(format!("{err:#}")),
            }
        }
        Expect::UpstreamFailure { server_error } => match conn.exchange(target).await {
            Ok((status, body)) => {
                let status_ok = if server_error {
                    status.is_server_error()
                } else {
                    status.as_u16() == 429
                };
                if status_ok && error_shape_ok(&body, target.anthropic) {
                    pool.give_back(conn);
                    Outcome::ExpectedFailure
                } else {
                    Outcome::Failure(format!(
                        "{}: expected {} in the {} error shape, got {status}: {}",
                        target.path,
                        if server_error { "a 5xx" } else { "a 429" },
                        if target.anthropic {
                            "Anthropic"
                        } else {
                            "OpenAI"
                        },
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    ))
                }
            }
            Err(err) => Outcome::Failure(format!("{err:#}")),
        },
        // The connection is dropped with the stream half read: the proxy sees the client go.
        Expect::Disconnect => match conn.first_bytes(target).await {
            Ok(_) => Outcome::Disconnect,
            Err(err) => Outcome::Failure(format!("{err:#}")),
        },
    }
}

/// What the request tasks report, under one lock (a few hundred requests a second at most).
struct Tally {
    kinds: Vec<KindStats>,
    first_failures: Vec<String>,
    last_answer: Instant,
}

/// Runs the mixed load: `targets` holds the request of every kind of [`Kind::MIX`], in that
/// order; `pid` is the proxy's, sampled with the fake's open streams every [`SAMPLE_EVERY`].
pub async fn run(
    targets: &[(Kind, Target)],
    plan: Plan,
    pid: u32,
    fake: &Arc<Shared>,
) -> anyhow::Result<MixedRun> {
    if targets.len() != Kind::MIX.len() || targets.iter().zip(Kind::MIX).any(|((k, _), m)| *k != m)
    {
        anyhow::bail!("the mixed run needs one target per kind, in the mix's order");
    }
    let Some(addr) = targets.first().map(|(_, t)| t.addr) else {
        anyhow::bail!("no targets");
    };
    let targets: Arc<[(Kind, Target)]> = Arc::from(targets);
    let concurrency = plan.concurrency.max(1);
    let slots = Arc::new(Semaphore::new(concurrency));
    let pool = Arc::new(Pool {
        addr,
        idle: Mutex::new(Vec::new()),
    });
    let start = Instant::now();
    let tally = Arc::new(Mutex::new(Tally {
        kinds: vec![KindStats::default(); Kind::MIX.len()],
        first_failures: Vec::new(),
        last_answer: start,
    }));
    let sent_so_far = Arc::new(AtomicU64::new(0));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let sampler = {
        let (samples, tally, sent_so_far, fake) = (
            Arc::clone(&samples),
            Arc::clone(&tally),
            Arc::clone(&sent_so_far),
            Arc::clone(fake),
        );
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(SAMPLE_EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Ok(memory) = crate::proxy::memory(pid) else {
                    continue;
                };
                let at_s = start.elapsed().as_secs();
                let fake_streams_open = fake.streams_open.load(Ordering::Relaxed);
                let failures: u64 = tally
                    .lock()
                    .map(|t| t.kinds.iter().map(|k| k.failures).sum())
                    .unwrap_or(0);
                eprintln!(
                    "mixed: {at_s} s, {} sent, {failures} failures, private {:.1} MiB, RSS {:.1} MiB, {} fds, {fake_streams_open} upstream streams open",
                    sent_so_far.load(Ordering::Relaxed),
                    memory.private_kb as f64 / 1024.0,
                    memory.rss_kb as f64 / 1024.0,
                    memory.fds,
                );
                if let Ok(mut samples) = samples.lock() {
                    samples.push(Sample {
                        at_s,
                        memory,
                        fake_streams_open,
                    });
                }
            }
        })
    };

    let planned = planned(plan.duration, plan.rate);
    let give_up = start + plan.duration + GIVE_UP_AFTER;
    let mut run = MixedRun {
        planned,
        ..MixedRun::default()
    };
    for i in 0..planned {
        let scheduled = start + due(i, plan.rate);
        tokio::time::sleep_until(scheduled.into()).await;
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit?,
            () = tokio::time::sleep_until(give_up.into()) => break,
        };
        let late_by = scheduled.elapsed();
        if late_by > LATE_AFTER {
            run.late += 1;
        }
        run.max_late = run.max_late.max(late_by);
        run.sent += 1;
        sent_so_far.store(run.sent, Ordering::Relaxed);
        run.peak_in_flight = run
            .peak_in_flight
            .max(concurrency - slots.available_permits());
        let index = slot(i);
        let (targets, pool, tally) = (Arc::clone(&targets), Arc::clone(&pool), Arc::clone(&tally));
        tokio::spawn(async move {
            let (kind, target) = &targets[index];
            let outcome = tokio::time::timeout(REQUEST_TIMEOUT, one(&pool, target, *kind))
                .await
                .unwrap_or_else(|_| {
                    Outcome::Failure(format!(
                        "{}: no answer in {} s",
                        target.path,
                        REQUEST_TIMEOUT.as_secs()
                    ))
                });
            let ns = u64::try_from(scheduled.elapsed().as_nanos()).unwrap_or(u64::MAX);
            if let Ok(mut tally) = tally.lock() {
                tally.last_answer = Instant::now();
                let stats = &mut tally.kinds[index];
                stats.sent += 1;
                match outcome {
                    Outcome::Success => stats.succeeded += 1,
                    Outcome::ExpectedFailure => stats.expected_failures += 1,
                    Outcome::Disconnect => stats.disconnects += 1,
                    Outcome::Failure(message) => {
                        stats.failures += 1;
                        if tally.first_failures.len() < KEPT_FAILURES {
                            tally
                                .first_failures
                                .push(format!("{}: {message}", kind.name()));
                        }
                        return;
                    }
                }
                stats.latencies_ns.push(ns);
            }
            drop(permit);
        });
    }
    run.unsent = planned - run.sent;
    // Every request has its own timeout: waiting a little longer than that is enough.
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(
        REQUEST_TIMEOUT + Duration::from_secs(5),
        slots.acquire_many(all),
    )
    .await;
    if !matches!(drained, Ok(Ok(_))) {
        run.unfinished = (concurrency - slots.available_permits()) as u64;
    }
    sampler.abort();
    let _ = sampler.await;
    if let Ok(mut tally) = tally.lock() {
        run.elapsed = tally.last_answer.saturating_duration_since(start);
        run.first_failures = std::mem::take(&mut tally.first_failures);
        run.kinds = Kind::MIX
            .iter()
            .zip(std::mem::take(&mut tally.kinds))
            .map(|(&kind, mut stats)| {
                stats.latencies_ns.sort_unstable();
                (kind, stats)
            })
            .collect();
    }
    run.samples = samples.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_has_every_kind_once() {
        let mut names: Vec<&str> = Kind::MIX.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::MIX.len());
        let count = |e: fn(Expect) -> bool| Kind::MIX.iter().filter(|k| e(k.expect())).count();
        assert_eq!(count(|e| e == Expect::Success), 9);
        assert_eq!(count(|e| matches!(e, Expect::UpstreamFailure { .. })), 4);
        assert_eq!(count(|e| e == Expect::Disconnect), 2);
        // Every ordinary kind is a route of the matrix; the others name a special model.
        for kind in Kind::MIX {
            let (api, model, stream) = kind.request();
            match kind.route() {
                Some((route, s)) => {
                    assert_eq!((route.client(), route.model(), s), (api, model, stream));
                }
                None => assert!(model.starts_with("bench-"), "{model}"),
            }
            assert_eq!(kind.expect() == Expect::Disconnect, model == SLOW_MODEL);
        }
    }

    #[test]
    fn the_schedule_cycles_through_the_mix() {
        let n = Kind::MIX.len() as u64;
        let kind_at = |i| Kind::MIX[slot(i)];
        assert_eq!(kind_at(0), Kind::MIX[0]);
        assert_eq!(kind_at(n), Kind::MIX[0]);
        assert_eq!(kind_at(n + 3), Kind::MIX[3]);
        // Over a whole number of cycles every kind gets the same share.
        let mut counts = std::collections::HashMap::new();
        for i in 0..n * 200 {
            *counts.entry(kind_at(i).name()).or_insert(0u64) += 1;
        }
        assert!(counts.values().all(|&c| c == 200));
        // 30 minutes at 50/s; due times step by 1/rate.
        assert_eq!(planned(Duration::from_secs(1800), 50.0), 90_000);
        assert_eq!(planned(Duration::from_secs(60), 0.5), 30);
        assert_eq!(due(0, 50.0), Duration::ZERO);
        assert_eq!(due(50, 50.0), Duration::from_secs(1));
        assert_eq!(due(3, 4.0), Duration::from_millis(750));
    }

    #[test]
    fn error_shapes() {
        let openai = br#"{"error":{"message":"Copilot upstream error (500): x","type":"api_error","param":null,"code":null}}"#;
        let anthropic = br#"{"type":"error","error":{"type":"rate_limit_error","message":"x"}}"#;
        assert!(error_shape_ok(openai, false));
        assert!(!error_shape_ok(openai, true));
        assert!(error_shape_ok(anthropic, true));
        assert!(!error_shape_ok(anthropic, false));
        assert!(!error_shape_ok(b"upstream failed", false));
        assert!(!error_shape_ok(br#"{"error":"x"}"#, false));
    }
}
