//! The usage ledger: one row per model request, kept in `ledger.sqlite` in the data directory.
//!
//! **Writes never make a request wait.** The request path fills a [`Row`] through
//! [`Ledger::record_with`] (a row the writer handed back, when there is one), which puts it in a
//! bounded channel (`try_send`: a full queue drops the row and counts it, never blocks). One
//! writer thread owns the database connection. It is not woken per row (at thousands of requests
//! a second, a wake-up per row cost more CPU than the write): it sleeps [`BATCH_WAIT`], or until
//! a batch's worth is queued or the ledger closes, then
//! writes what is queued in batches of up to [`BATCH`] rows, one transaction each, keeps a daily
//! roll-up beside them in the same transaction, and prunes raw rows older than `keep_days` in
//! small batches. At shutdown [`Ledger::close`] drains the queue.
//!
//! **A database problem never fails a request.** If the file cannot be opened, is corrupt,
//! has a newer schema than this binary knows, or a write fails (disk full, read-only), the
//! ledger turns itself off with one log line; requests go on, and `doctor` and `/health` say
//! why.
//!
//! **One narrow interface.** Callers see [`Ledger`] (record, close, status) and the
//! [`store::Reader`] queries; the SQLite specifics live in [`store`]. A shared store for
//! several instances (PostgreSQL) would be another implementation of the writer's
//! [`store::Store`] and of `Reader`, with no caller changed.

pub(crate) mod prices;
pub(crate) mod store;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

/// File name of the ledger in the data directory.
pub(crate) const FILE: &str = "ledger.sqlite";
/// Rows waiting for the writer at most. The channel allocates its slots up front, so rows
/// travel boxed: 8,192 slots cost 128 KiB, not the 4 MB of rows inline.
pub(crate) const QUEUE: usize = 8_192;
/// Rows per transaction at most.
pub(crate) const BATCH: usize = 512;
/// Longest wait before queued rows are written.
pub(crate) const BATCH_WAIT: Duration = Duration::from_millis(200);
/// Queued rows at which a sender wakes the writer before its [`BATCH_WAIT`] is over: a batch's
/// worth, so that under load written rows come back for reuse (see `Shared::spare`) while the
/// next batch fills, at the price of a wake-up per 512 requests.
const WAKE_AT: u64 = BATCH as u64;
/// Default days of raw rows kept.
pub(crate) const DEFAULT_KEEP_DAYS: u32 = 90;

/// Token counts of one answer. `input` excludes cached reads and cache writes (they are billed
/// at their own rates); `reasoning` is part of `output`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Tokens {
    /// Input, not cached.
    pub(crate) input: Option<u64>,
    /// Output, reasoning included.
    pub(crate) output: Option<u64>,
    /// Cached input read.
    pub(crate) cache_read: Option<u64>,
    /// Cache written.
    pub(crate) cache_write: Option<u64>,
    /// Reasoning (part of output).
    pub(crate) reasoning: Option<u64>,
}

impl Tokens {
    /// Reads any `usage` object: OpenAI chat (`prompt_tokens`, `…_details.cached_tokens`,
    /// `reasoning_tokens`), Responses (`input_tokens` with `input_tokens_details`) and
    /// Anthropic (`input_tokens` without the cache, `cache_read_input_tokens`,
    /// `cache_creation_input_tokens`).
    pub(crate) fn from_usage(usage: &serde_json::Value) -> Self {
        // `get` chains, not `pointer`: this runs on every answer.
        let n = |key: &str| usage.get(key).and_then(serde_json::Value::as_u64);
        let nested = |outer: &str, inner: &str| {
            usage
                .get(outer)
                .and_then(|o| o.get(inner))
                .and_then(serde_json::Value::as_u64)
        };
        let anthropic_cache = n("cache_read_input_tokens").or(n("cache_creation_input_tokens"));
        let responses_cached = nested("input_tokens_details", "cached_tokens");
        let cached = nested("prompt_tokens_details", "cached_tokens").or(responses_cached);
        let reasoning = nested("completion_tokens_details", "reasoning_tokens")
            .or(nested("output_tokens_details", "reasoning_tokens"));
        let output = n("completion_tokens").or(n("output_tokens"));
        if let Some(prompt) = n("prompt_tokens") {
            let cache_write = nested("prompt_tokens_details", "cache_write_tokens")
                .or(nested("prompt_tokens_details", "cache_creation_tokens"));
            return Self {
                input: Some(
                    prompt
                        .saturating_sub(cached.unwrap_or(0))
                        .saturating_sub(cache_write.unwrap_or(0)),
                ),
                output,
                cache_read: cached,
                cache_write,
                reasoning,
            };
        }
        let input = n("input_tokens");
        if anthropic_cache.is_some() || responses_cached.is_none() {
            // Anthropic counts cache reads and writes apart from `input_tokens`.
            return Self {
                input,
                output,
                cache_read: n("cache_read_input_tokens"),
                cache_write: n("cache_creation_input_tokens"),
                reasoning,
            };
        }
        let cache_write = nested("input_tokens_details", "cache_write_tokens");
        Self {
            input: input.map(|i| {
                i.saturating_sub(cached.unwrap_or(0))
                    .saturating_sub(cache_write.unwrap_or(0))
            }),
            output,
            cache_read: cached,
            cache_write,
            reasoning,
        }
    }

    /// Reads the chat usage every translated answer is read as (the pivot), as
    /// [`Self::from_usage`] reads a chat `usage`, with the cache writes a Messages upstream
    /// reports (`cache_creation_input_tokens`, which the pivot keeps beside the chat fields).
    pub(crate) fn from_chat(usage: &crate::translate::openai::Usage) -> Self {
        let n = |value: Option<&serde_json::Value>| value.and_then(serde_json::Value::as_u64);
        let details = usage.prompt_tokens_details.as_ref();
        let cached = details.and_then(|d| d.cached_tokens);
        let cache_write = n(usage.extra.get("cache_creation_input_tokens")).or_else(|| {
            let d = details?;
            n(d.extra.get("cache_write_tokens")).or(n(d.extra.get("cache_creation_tokens")))
        });
        Self {
            input: Some(
                usage
                    .prompt_tokens
                    .saturating_sub(cached.unwrap_or(0))
                    .saturating_sub(cache_write.unwrap_or(0)),
            ),
            output: Some(usage.completion_tokens),
            cache_read: cached,
            cache_write,
            reasoning: n(usage
                .extra
                .get("completion_tokens_details")
                .and_then(|d| d.get("reasoning_tokens"))),
        }
    }

    /// Fills what `other` knows and `self` does not (a stream reports input first, output
    /// last).
    pub(crate) fn merge(&mut self, other: Tokens) {
        self.input = other.input.or(self.input);
        self.output = other.output.or(self.output);
        self.cache_read = other.cache_read.or(self.cache_read);
        self.cache_write = other.cache_write.or(self.cache_write);
        self.reasoning = other.reasoning.or(self.reasoning);
    }

    /// Input as the client sees it: everything read, cached or not.
    pub(crate) fn prompt(&self) -> Option<u64> {
        self.input
            .map(|i| i + self.cache_read.unwrap_or(0) + self.cache_write.unwrap_or(0))
    }
}

/// One request, as the ledger keeps it. No prompt or answer text (see `bodies`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    /// Unix milliseconds at the start.
    pub(crate) ts_ms: i64,
    /// The request id (also in the access log).
    pub(crate) request_id: String,
    /// `chat`, `responses`, `messages`, `embeddings`.
    pub(crate) route: &'static str,
    /// The model the client named.
    pub(crate) client_model: Option<String>,
    /// The provider that answered (or failed last).
    pub(crate) provider: Option<Arc<str>>,
    /// The provider's model id.
    pub(crate) upstream_model: Option<String>,
    /// `passthrough` or `translated`.
    pub(crate) shape: Option<&'static str>,
    /// HTTP status sent to the client.
    pub(crate) status: u16,
    /// Why it failed: `client`, `upstream`, `timeout`, `connect`, `stream`, `cancelled`, `local`.
    pub(crate) error_class: Option<&'static str>,
    /// Streamed answer.
    pub(crate) stream: bool,
    /// `user` or `agent`.
    pub(crate) initiator: Option<&'static str>,
    /// Tokens.
    pub(crate) tokens: Tokens,
    /// Time to the first byte of the answer.
    pub(crate) ttfb_ms: Option<u64>,
    /// Total time.
    pub(crate) total_ms: u64,
    /// Attempts (retries and fallbacks included).
    pub(crate) attempts: u32,
    /// Attempts that moved to another provider.
    pub(crate) fallbacks: u32,
    /// The named API key used (never the key).
    pub(crate) key_name: Option<String>,
    /// The client's session id, when it sends one.
    pub(crate) session_id: Option<String>,
    /// The request offered tools.
    pub(crate) tools: bool,
    /// The request carried images.
    pub(crate) images: bool,
    /// Request body bytes.
    pub(crate) bytes_in: u64,
    /// Answer bytes sent.
    pub(crate) bytes_out: u64,
    /// AI credits (None: unpriced).
    pub(crate) credits: Option<f64>,
    /// An included (zero-credit) model.
    pub(crate) included: bool,
    /// Legacy premium requests: the model's multiplier for a user-initiated request.
    pub(crate) premium_units: Option<f64>,
    /// The request body, only with `[ledger] bodies = true`.
    pub(crate) request_body: Option<bytes::Bytes>,
    /// The answer body (whole answers only), only with `[ledger] bodies = true`.
    pub(crate) response_body: Option<bytes::Bytes>,
}

/// What the ledger is doing, for `/health`, `/metrics` and `doctor`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Status {
    /// Writing.
    pub(crate) enabled: bool,
    /// The database file.
    pub(crate) path: PathBuf,
    /// Why it is off, when it is.
    pub(crate) disabled_reason: Option<String>,
    /// Rows written since start.
    pub(crate) written: u64,
    /// Rows dropped because the queue was full.
    pub(crate) dropped: u64,
    /// Rows waiting.
    pub(crate) queued: u64,
}

/// Settings of the ledger (`[ledger]`).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// On (default) or off.
    pub(crate) enabled: bool,
    /// Days of raw rows kept.
    pub(crate) keep_days: u32,
    /// Keep request and answer bodies (sensitive).
    pub(crate) bodies: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            keep_days: DEFAULT_KEEP_DAYS,
            bodies: false,
        }
    }
}

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    enabled: AtomicBool,
    reason: Mutex<Option<String>>,
    written: AtomicU64,
    dropped: AtomicU64,
    queued: AtomicU64,
    /// Rows written and handed back by the writer, their strings' room kept: a request fills
    /// one of these rather than allocating a row that another thread frees (which sends every
    /// such allocation down glibc's slow path, a measured 2% of a passthrough request's CPU).
    #[allow(
        clippy::vec_box,
        reason = "the rows travel boxed through the queue, and back"
    )]
    spare: Mutex<Vec<Box<Row>>>,
}

/// Written rows kept for reuse at most under load (each about 500 bytes): the batch being
/// written and the one filling.
const SPARE: usize = 2 * BATCH;
/// Written rows kept for reuse after a round that found nothing to write.
const IDLE_SPARE: usize = 64;

impl Shared {
    /// Puts rows on the spare list, up to [`SPARE`] (the rest are dropped), without their
    /// bodies.
    fn keep_for_reuse(&self, rows: impl IntoIterator<Item = Box<Row>>) {
        let mut spare = lock(&self.spare);
        let room = SPARE.saturating_sub(spare.len());
        spare.extend(rows.into_iter().take(room).map(|mut row| {
            row.request_body = None;
            row.response_body = None;
            row
        }));
    }

    fn disable(&self, why: String) {
        if self.enabled.swap(false, Ordering::AcqRel) {
            tracing::error!(
                "usage ledger off: {why} ({}); requests are still served, but no longer recorded",
                self.path.display()
            );
        }
        *lock(&self.reason) = Some(why);
    }
}

/// The handle the server records through.
#[derive(Debug)]
pub(crate) struct Ledger {
    tx: Mutex<Option<SyncSender<Box<Row>>>>,
    shared: Arc<Shared>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The writer thread, to wake it early (a batch's worth queued, closing).
    wake: Option<std::thread::Thread>,
    bodies: bool,
}

impl Ledger {
    /// Opens (creating and migrating) the ledger in `data_dir` and starts its writer; a ledger
    /// that cannot open is returned turned off, with the reason logged once.
    pub(crate) fn open(data_dir: &Path, settings: &Settings) -> Self {
        let path = data_dir.join(FILE);
        let shared = Arc::new(Shared {
            path: path.clone(),
            enabled: AtomicBool::new(settings.enabled),
            reason: Mutex::new(None),
            written: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            spare: Mutex::new(Vec::new()),
        });
        let off = |reason: String| {
            Self {
                tx: Mutex::new(None),
                shared: Arc::clone(&shared),
                writer: Mutex::new(None),
                wake: None,
                bodies: false,
            }
            .with_reason(reason)
        };
        if !settings.enabled {
            return off("turned off in the config ([ledger] enabled = false)".to_owned());
        }
        let store = match store::SqliteStore::open(&path) {
            Ok(store) => store,
            Err(err) => {
                shared.enabled.store(true, Ordering::Release);
                shared.disable(format!("{err:#}"));
                return off(format!("{err:#}"));
            }
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let writer_shared = Arc::clone(&shared);
        let keep = Duration::from_secs(u64::from(settings.keep_days) * 86_400);
        let writer = std::thread::Builder::new()
            .name("ledger".into())
            .spawn(move || write_loop(store, rx, &writer_shared, keep));
        match writer {
            Ok(handle) => Self {
                tx: Mutex::new(Some(tx)),
                shared,
                wake: Some(handle.thread().clone()),
                writer: Mutex::new(Some(handle)),
                bodies: settings.bodies,
            },
            Err(err) => off(format!("cannot start the ledger writer: {err}")),
        }
    }

    /// A ledger that records nothing (in-process tests).
    #[cfg(test)]
    pub(crate) fn off(data_dir: &Path) -> Self {
        Self::open(
            data_dir,
            &Settings {
                enabled: false,
                ..Settings::default()
            },
        )
    }

    fn with_reason(self, reason: String) -> Self {
        *lock(&self.shared.reason) = Some(reason);
        self
    }

    /// Whether bodies are kept.
    pub(crate) fn keeps_bodies(&self) -> bool {
        self.bodies
    }

    /// Whether rows are being written.
    pub(crate) fn enabled(&self) -> bool {
        self.shared.enabled.load(Ordering::Acquire)
    }

    /// Queues a row; never waits. A full queue drops the row and counts it.
    #[cfg(test)]
    pub(crate) fn record(&self, row: Row) {
        self.record_with(|spare| *spare = row);
    }

    /// Queues the row `fill` writes into a reused one; never waits. `fill` must set every
    /// field (the strings with `clone_from`, which keeps their room). A full queue drops the
    /// row and counts it.
    pub(crate) fn record_with(&self, fill: impl FnOnce(&mut Row)) {
        if !self.enabled() {
            return;
        }
        // Filled before the sender's lock is taken: requests queue on it only for the send.
        let mut row = lock(&self.shared.spare).pop().unwrap_or_default();
        fill(&mut row);
        let guard = lock(&self.tx);
        let Some(tx) = guard.as_ref() else { return };
        // Counted before it is sent, so the writer never takes away a row not yet counted.
        let queued = self.shared.queued.fetch_add(1, Ordering::Relaxed) + 1;
        match tx.try_send(row) {
            Ok(()) => {
                if queued == WAKE_AT
                    && let Some(writer) = &self.wake
                {
                    writer.unpark();
                }
            }
            Err(TrySendError::Full(row)) => {
                drop(guard);
                self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                let dropped = self.shared.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!("usage ledger queue full: {dropped} rows dropped so far");
                }
                self.shared.keep_for_reuse([row]);
            }
            Err(TrySendError::Disconnected(_)) => {
                self.shared.queued.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Writes what is queued and stops the writer (shutdown).
    pub(crate) fn close(&self) {
        drop(lock(&self.tx).take());
        if let Some(writer) = &self.wake {
            writer.unpark();
        }
        let writer = lock(&self.writer).take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }

    /// What the ledger is doing.
    pub(crate) fn status(&self) -> Status {
        Status {
            enabled: self.enabled(),
            path: self.shared.path.clone(),
            disabled_reason: lock(&self.shared.reason).clone(),
            written: self.shared.written.load(Ordering::Relaxed),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            queued: self.shared.queued.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        self.close();
    }
}

/// How often old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Rows deleted per prune step.
const PRUNE_STEP: usize = 5_000;

/// The writer thread: sleeps [`BATCH_WAIT`] (or until woken), writes what is queued in
/// transactions of up to [`BATCH`] rows, prunes now and then, and stops once every sender is
/// gone and the queue is empty.
fn write_loop(
    mut store: impl store::Store,
    rx: Receiver<Box<Row>>,
    shared: &Shared,
    keep: Duration,
) {
    let mut last_prune: Option<Instant> = None;
    let mut batch: Vec<Box<Row>> = Vec::with_capacity(BATCH);
    let mut open = true;
    let mut behind = false;
    while open {
        // A queue left full by the last round is drained again at once.
        if !behind {
            std::thread::park_timeout(BATCH_WAIT);
        }
        behind = false;
        // What is queued now, a batch at a time, a queue's worth at most (then the prune gets
        // its turn, even under a load that never lets the queue empty).
        let mut batches = 0;
        let mut written = 0;
        loop {
            match rx.try_recv() {
                Ok(row) => {
                    batch.push(row);
                    if batch.len() < BATCH {
                        continue;
                    }
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => open = false,
            }
            if batch.is_empty() {
                break;
            }
            write_batch(&mut store, &batch, shared);
            behind = batch.len() == BATCH;
            written += batch.len();
            shared.keep_for_reuse(batch.drain(..));
            batches += 1;
            if !behind || batches == QUEUE / BATCH {
                break;
            }
        }
        if written == 0 {
            // Nothing came for a while: the rows kept for a load are given back.
            let mut spare = lock(&shared.spare);
            if spare.len() > IDLE_SPARE {
                spare.truncate(IDLE_SPARE);
                spare.shrink_to_fit();
            }
        }
        if open
            && shared.enabled.load(Ordering::Acquire)
            && last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY)
        {
            last_prune = Some(Instant::now());
            let cutoff = now_ms() - keep.as_millis() as i64;
            loop {
                match store.prune(cutoff, PRUNE_STEP) {
                    Ok(n) if n == PRUNE_STEP => continue,
                    Ok(_) => break,
                    Err(err) => {
                        tracing::warn!("usage ledger: pruning failed: {err:#}");
                        break;
                    }
                }
            }
        }
    }
    store.close();
}

/// Writes one batch; a failing write turns the ledger off.
fn write_batch(store: &mut impl store::Store, batch: &[Box<Row>], shared: &Shared) {
    let n = batch.len() as u64;
    shared.queued.fetch_sub(n, Ordering::Relaxed);
    if shared.enabled.load(Ordering::Acquire) {
        match store.write(batch) {
            Ok(()) => {
                shared.written.fetch_add(n, Ordering::Relaxed);
            }
            Err(err) => shared.disable(store::explain_write_error(&err)),
        }
    }
}

/// A mutex's guard, a poisoned one included (a row list stays usable).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Unix milliseconds now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The writer is not woken per row: a burst of rows (many batches, so the early wake-up
    /// fires too) is all in the file within a few of its rounds, none dropped, the queue
    /// counted back to zero; written rows are kept for reuse, at most two batches of them, and
    /// a round that finds nothing to write gives most back; closing writes what came after.
    #[test]
    fn a_burst_of_rows_reaches_the_file_without_a_wake_up_per_row() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path(), &Settings::default());
        let row = |i: usize| Row {
            ts_ms: now_ms(),
            request_id: format!("req-{i}"),
            route: "chat",
            status: 200,
            ..Row::default()
        };
        let burst = QUEUE * 3 / 4;
        for i in 0..burst {
            ledger.record(row(i));
        }
        let started = Instant::now();
        while ledger.status().written < burst as u64 && started.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = ledger.status();
        assert_eq!(
            (status.written, status.dropped, status.queued),
            (burst as u64, 0, 0)
        );
        let kept = lock(&ledger.shared.spare).len();
        assert!((1..=SPARE).contains(&kept), "{kept}");
        for i in burst..burst + 10 {
            ledger.record(row(i));
        }
        while (ledger.status().written < burst as u64 + 10
            || lock(&ledger.shared.spare).len() > IDLE_SPARE)
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(ledger.status().written, burst as u64 + 10);
        assert!(lock(&ledger.shared.spare).len() <= IDLE_SPARE);
        ledger.close();
        assert_eq!(ledger.status().written, burst as u64 + 10);
    }

    #[test]
    fn usage_in_every_shape_reads_the_same() {
        let chat = Tokens::from_usage(&json!({"prompt_tokens": 120, "completion_tokens": 30,
            "prompt_tokens_details": {"cached_tokens": 100}, "completion_tokens_details": {"reasoning_tokens": 10}}));
        assert_eq!(chat.input, Some(20));
        assert_eq!(chat.cache_read, Some(100));
        assert_eq!(chat.output, Some(30));
        assert_eq!(chat.reasoning, Some(10));
        assert_eq!(chat.prompt(), Some(120));
        let responses = Tokens::from_usage(&json!({"input_tokens": 120, "output_tokens": 30,
            "input_tokens_details": {"cached_tokens": 100}, "output_tokens_details": {"reasoning_tokens": 10}}));
        assert_eq!(responses, chat);
        let anthropic = Tokens::from_usage(&json!({"input_tokens": 20, "output_tokens": 30,
            "cache_read_input_tokens": 100, "cache_creation_input_tokens": 5}));
        assert_eq!(anthropic.input, Some(20));
        assert_eq!(anthropic.cache_write, Some(5));
        assert_eq!(anthropic.prompt(), Some(125));
        // The typed chat usage of a translated answer reads as its JSON does, and keeps the
        // cache writes of a Messages upstream.
        for usage in [
            json!({"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
                "prompt_tokens_details": {"cached_tokens": 100}, "completion_tokens_details": {"reasoning_tokens": 10}}),
            json!({"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}),
            json!({"prompt_tokens": 50, "completion_tokens": 1, "total_tokens": 51,
                "prompt_tokens_details": {"cached_tokens": 10, "cache_write_tokens": 30}}),
        ] {
            let typed: crate::translate::openai::Usage =
                serde_json::from_value(usage.clone()).unwrap();
            assert_eq!(
                Tokens::from_chat(&typed),
                Tokens::from_usage(&usage),
                "{usage}"
            );
        }
        let pivot: crate::translate::openai::Usage = serde_json::from_value(json!({
            "prompt_tokens": 160, "completion_tokens": 5, "total_tokens": 165,
            "prompt_tokens_details": {"cached_tokens": 100}, "cache_creation_input_tokens": 40}))
        .unwrap();
        let pivot = Tokens::from_chat(&pivot);
        assert_eq!(
            (pivot.input, pivot.cache_read, pivot.cache_write),
            (Some(20), Some(100), Some(40))
        );
        let mut merged = Tokens::from_usage(&json!({"input_tokens": 7, "output_tokens": 0}));
        merged.merge(Tokens {
            output: Some(9),
            ..Tokens::default()
        });
        assert_eq!((merged.input, merged.output), (Some(7), Some(9)));
    }
}
