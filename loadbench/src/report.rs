//! Results and their rendering: a Markdown report (per pass: the request matrix, streams,
//! process figures; then the targets, met or not) and the same numbers as JSON.
//!
//! Latencies are in milliseconds. "Added" is proxy minus direct, quantile by quantile (the
//! p99 of the proxy minus the p99 of the fake alone), measured in the same run. CPU per
//! request is the proxy's utime + stime delta over the measured windows divided by the
//! requests completed in them. Memory is in MiB (the kernel's "kB" are KiB): private
//! (anonymous) memory, `Anonymous:` of `/proc/<pid>/smaps_rollup` — what the proxy alone costs
//! the machine, and what the memory targets judge — with VmRSS (which adds the file-backed
//! pages, mostly the binary's code, shared with the page cache) beside it. CPU per stream
//! chunk is the proxy's utime + stime over a window of long fast streams divided by the SSE
//! data events the client received in it; the fail-over figures compare two routes of one
//! config-file proxy, request by request on one connection; the ledger figures compare two
//! proxies run side by side, the usage ledger on in one and off in the other, and count the
//! rows the first one wrote.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::load::{ChunkPoint, Hold, Point, StreamPoint, quantile};
use crate::mixed::{Expect, LATE_AFTER, MixedRun, Plan};
use crate::proxy::{LedgerGauges, Memory, Shutdown, Startup};

/// Target: proxy CPU per passthrough request, ms.
const TARGET_CPU_PASSTHROUGH_MS: f64 = 0.05;
/// Target: proxy CPU per translated request, ms.
const TARGET_CPU_TRANSLATED_MS: f64 = 0.1;
/// Target: added p99 at concurrency 1, ms.
const TARGET_ADDED_P99_MS: f64 = 0.3;
/// Target: idle private (anonymous) memory, MB (decimal megabytes; 3 MB = 2.86 MiB).
const TARGET_IDLE_PRIVATE_MB: f64 = 3.0;
/// Target: private (anonymous) memory holding the slow streams, MB (64 MB = 61.04 MiB).
const TARGET_STREAMS_PRIVATE_MB: f64 = 64.0;

/// MiB → MB.
fn mb(mib: f64) -> f64 {
    mib * 1_048_576.0 / 1_000_000.0
}
/// Target: start-up once the Copilot token is in hand, ms.
const TARGET_STARTUP_MS: f64 = 20.0;
/// Target: proxy CPU per relayed stream chunk (SSE data event), µs.
const TARGET_CPU_PER_CHUNK_US: f64 = 5.0;
/// Target: latency a refused connection to the first target adds to a request (p50), ms.
const TARGET_FAILOVER_ADDED_P50_MS: f64 = 2.0;
/// Target: proxy CPU the usage ledger adds to a request (ledger on − off), ms.
const TARGET_LEDGER_CPU_MS: f64 = 0.01;

/// An API: what a client speaks to the proxy, or what the proxy sends the fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// OpenAI chat completions (`/v1/chat/completions`; upstream `/chat/completions`).
    Chat,
    /// Anthropic Messages (`/v1/messages`).
    Messages,
    /// OpenAI Responses (`/v1/responses`; upstream `/responses`).
    Responses,
    /// OpenAI legacy completions (`/v1/completions`; client side only).
    Completions,
}

impl Api {
    /// The proxy's path for a client of this API.
    pub fn path(self) -> &'static str {
        match self {
            Self::Chat => "/v1/chat/completions",
            Self::Messages => "/v1/messages",
            Self::Responses => "/v1/responses",
            Self::Completions => "/v1/completions",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Messages => "Messages",
            Self::Responses => "Responses",
            Self::Completions => "legacy completions",
        }
    }
}

/// A proxy route under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Route {
    /// `POST /v1/chat/completions` (gpt-4o): passed through.
    Passthrough,
    /// `POST /v1/messages` (claude-haiku-4.5): Anthropic → chat → Anthropic.
    Translated,
    /// `POST /v1/responses` (gpt-5-codex, served on `/responses` only): passed through.
    Responses,
    /// `POST /v1/responses` (gpt-4o, chat only): Responses → chat → Responses.
    ResponsesToChat,
    /// `POST /v1/chat/completions` (gpt-5-codex, `/responses` only): chat → Responses → chat.
    ChatToResponses,
    /// `POST /v1/chat/completions` (claude-opus-4.5, `/v1/messages` only): chat → Messages → chat.
    ChatToMessages,
    /// `POST /v1/messages` (gpt-5-codex, `/responses` only): Messages → Responses → Messages.
    MessagesToResponses,
    /// `POST /v1/responses` (claude-opus-4.5, `/v1/messages` only): Responses → Messages → Responses.
    ResponsesToMessages,
    /// `POST /v1/completions` (gpt-4o): legacy completions → chat → legacy completions.
    CompletionsToChat,
}

impl Route {
    /// Every route, in the order the report lists them.
    pub const ALL: [Self; 9] = [
        Self::Passthrough,
        Self::Translated,
        Self::Responses,
        Self::ResponsesToChat,
        Self::ChatToResponses,
        Self::ChatToMessages,
        Self::MessagesToResponses,
        Self::ResponsesToMessages,
        Self::CompletionsToChat,
    ];

    /// The model the route is exercised with.
    pub fn model(self) -> &'static str {
        match self {
            Self::Passthrough | Self::ResponsesToChat | Self::CompletionsToChat => "gpt-4o",
            Self::Translated => "claude-haiku-4.5",
            Self::Responses | Self::ChatToResponses | Self::MessagesToResponses => "gpt-5-codex",
            Self::ChatToMessages | Self::ResponsesToMessages => "claude-opus-4.5",
        }
    }

    /// The API the client speaks to the proxy.
    pub fn client(self) -> Api {
        match self {
            Self::Passthrough | Self::ChatToResponses | Self::ChatToMessages => Api::Chat,
            Self::Translated | Self::MessagesToResponses => Api::Messages,
            Self::Responses | Self::ResponsesToChat | Self::ResponsesToMessages => Api::Responses,
            Self::CompletionsToChat => Api::Completions,
        }
    }

    /// The API the proxy sends the fake (the model's only one).
    pub fn upstream(self) -> Api {
        match self {
            Self::Passthrough
            | Self::Translated
            | Self::ResponsesToChat
            | Self::CompletionsToChat => Api::Chat,
            Self::Responses | Self::ChatToResponses | Self::MessagesToResponses => Api::Responses,
            Self::ChatToMessages | Self::ResponsesToMessages => Api::Messages,
        }
    }

    /// Whether the proxy translates (the client's API is not the upstream's).
    pub fn translated(self) -> bool {
        self.client() != self.upstream()
    }

    /// The CPU-per-request target for the route, ms: passthrough or translated.
    pub fn cpu_target_ms(self) -> f64 {
        if self.translated() {
            TARGET_CPU_TRANSLATED_MS
        } else {
            TARGET_CPU_PASSTHROUGH_MS
        }
    }

    /// The name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Passthrough => "passthrough",
            Self::Translated => "translated",
            Self::Responses => "responses",
            Self::ResponsesToChat => "responses-to-chat",
            Self::ChatToResponses => "chat-to-responses",
            Self::ChatToMessages => "chat-to-messages",
            Self::MessagesToResponses => "messages-to-responses",
            Self::ResponsesToMessages => "responses-to-messages",
            Self::CompletionsToChat => "completions-to-chat",
        }
    }

    /// The client's path.
    pub fn path(self) -> &'static str {
        self.client().path()
    }

    fn describe(self) -> String {
        match self {
            Self::Passthrough => "passthrough `POST /v1/chat/completions`".to_owned(),
            Self::Translated => "translated `POST /v1/messages`".to_owned(),
            Self::Responses => "passthrough `POST /v1/responses`".to_owned(),
            _ => format!(
                "{} `POST {}` ({} → {} → {})",
                self.name(),
                self.path(),
                self.client().label(),
                self.upstream().label(),
                self.client().label()
            ),
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One concurrency level of one route, both sides.
#[derive(Debug)]
pub struct MatrixRow {
    /// The route.
    pub route: Route,
    /// Closed-loop connections.
    pub concurrency: usize,
    /// The fake alone.
    pub direct: Point,
    /// Through the proxy.
    pub proxy: Point,
}

/// Streamed requests of one route, both sides.
#[derive(Debug)]
pub struct StreamRow {
    /// The route.
    pub route: Route,
    /// The fake alone.
    pub direct: StreamPoint,
    /// Through the proxy.
    pub proxy: StreamPoint,
}

/// Slow streams held open on one route.
#[derive(Debug)]
pub struct HoldRow {
    /// The route.
    pub route: Route,
    /// Memory of the fresh proxy just before (after one request).
    pub before: Memory,
    /// What happened.
    pub hold: Hold,
    /// Memory 500 ms after the last stream ended.
    pub after: Memory,
    /// With `--bursts`: each later burst and the memory 500 ms after it.
    pub repeats: Vec<(Hold, Memory)>,
    /// With `--settle`: the seconds waited and the memory then.
    pub settled: Option<(u64, Memory)>,
    /// Upstream streams the fake saw dropped before their end.
    pub upstream_dropped: usize,
    /// WARN / ERROR lines the proxy logged.
    pub notable: u64,
    /// How the proxy stopped.
    pub shutdown: Shutdown,
}

/// Long fast streams of one route read back to back: CPU per relayed chunk.
#[derive(Debug)]
pub struct ChunkRow {
    /// The route.
    pub route: Route,
    /// Streams read at once (closed loop).
    pub concurrency: usize,
    /// Content chunks the fake sends per stream (plus a role chunk, a finish chunk and
    /// `data: [DONE]`).
    pub upstream_chunks: usize,
    /// What was measured.
    pub point: ChunkPoint,
}

impl ChunkRow {
    fn cpu_s(&self, ticks_per_s: u64) -> Option<f64> {
        self.point
            .cpu
            .map(|u| u.ticks() as f64 / ticks_per_s as f64)
    }

    /// Proxy CPU per data event received by the client, µs.
    pub fn cpu_per_chunk_us(&self, ticks_per_s: u64) -> Option<f64> {
        let events = self.point.events;
        self.cpu_s(ticks_per_s)
            .filter(|_| events > 0)
            .map(|s| s * 1e6 / events as f64)
    }

    /// Proxy CPU per stream, µs.
    pub fn cpu_per_stream_us(&self, ticks_per_s: u64) -> Option<f64> {
        let streams = self.point.streams;
        self.cpu_s(ticks_per_s)
            .filter(|_| streams > 0)
            .map(|s| s * 1e6 / streams as f64)
    }

    fn json(&self, ticks_per_s: u64) -> Value {
        let p = &self.point;
        let streams = p.streams.max(1) as f64;
        let secs = p.elapsed.as_secs_f64().max(1e-9);
        json!({
            "route": self.route.name(),
            "concurrency": self.concurrency,
            "upstream_content_chunks_per_stream": self.upstream_chunks,
            "streams": p.streams,
            "data_events": p.events,
            "data_events_per_stream": p.events as f64 / streams,
            "data_events_per_s": p.events as f64 / secs,
            "streams_per_s": p.streams as f64 / secs,
            "elapsed_s": secs,
            "errors": p.errors,
            "first_error": p.first_error,
            "proxy_cpu_ticks": p.cpu.map(|u| u.ticks()),
            "proxy_cpu_s": self.cpu_s(ticks_per_s),
            "proxy_sys_share": p.cpu.map(|u| u.sys_ticks as f64 / u.ticks().max(1) as f64),
            "proxy_cores_busy": self.cpu_s(ticks_per_s).map(|c| c / secs),
            "proxy_cpu_per_chunk_us": self.cpu_per_chunk_us(ticks_per_s),
            "proxy_cpu_per_stream_us": self.cpu_per_stream_us(ticks_per_s),
            "proxy_context_switches_per_stream": p.cpu.map(|u| u.context_switches as f64 / streams),
            "other_processes_cores": p.others_cores(ticks_per_s),
        })
    }
}

/// The fail-over run: one proxy with a config file, two routes to the fake, one of them
/// behind a provider whose port refuses connections.
#[derive(Debug)]
pub struct FailoverResult {
    /// `RUST_LOG=…` of the proxy.
    pub label: String,
    /// Model names each side cycles through (one breaker each on the dead provider).
    pub names: usize,
    /// Windows per side (alternating sides: direct, fail-over, fail-over, direct, …).
    pub windows: usize,
    /// `direct-gpt-*`: the fake only.
    pub direct: Point,
    /// `failover-gpt-*`: the refusing provider, then the fake.
    pub failover: Point,
    /// WARN / ERROR lines the proxy logged.
    pub notable: u64,
    /// The first WARN / ERROR lines.
    pub log_lines: Vec<String>,
    /// How the proxy stopped.
    pub shutdown: Shutdown,
}

impl FailoverResult {
    fn added_ms(&self, p: f64) -> f64 {
        ms(self.failover.quantile_ns(p)) - ms(self.direct.quantile_ns(p))
    }

    fn cpu_per_request_ms(point: &Point, ticks_per_s: u64) -> Option<f64> {
        cpu_per_request_ms(point, ticks_per_s)
    }

    fn json(&self, ticks_per_s: u64) -> Value {
        let side = |p: &Point| {
            json!({
                "requests": p.requests(),
                "errors": p.errors,
                "first_error": p.first_error,
                "req_per_s": p.rps(),
                "p50_ms": ms(p.quantile_ns(0.5)),
                "p99_ms": ms(p.quantile_ns(0.99)),
                "max_ms": ms(p.quantile_ns(1.0)),
                "elapsed_s": p.elapsed.as_secs_f64(),
                "proxy_cpu_per_request_ms": Self::cpu_per_request_ms(p, ticks_per_s),
                "other_processes_cores": p.others_cores(ticks_per_s),
            })
        };
        json!({
            "label": self.label,
            "concurrency": 1,
            "model_names_per_side": self.names,
            "windows_per_side": self.windows,
            "direct": side(&self.direct),
            "failover": side(&self.failover),
            "added_p50_ms": self.added_ms(0.5),
            "added_p99_ms": self.added_ms(0.99),
            "added_cpu_per_request_ms": Self::cpu_per_request_ms(&self.failover, ticks_per_s)
                .zip(Self::cpu_per_request_ms(&self.direct, ticks_per_s))
                .map(|(f, d)| f - d),
            "warn_or_error_lines": self.notable,
            "first_warn_or_error_lines": self.log_lines,
            "shutdown": {"took_ms": dms(self.shutdown.took), "status": self.shutdown.status},
        })
    }

    fn markdown(&self, out: &mut String, ticks_per_s: u64) {
        let _ = writeln!(
            out,
            "\n## Fail-over after a connection refusal ({}; its own proxy, with a config file)\n",
            self.label
        );
        let _ = writeln!(
            out,
            "Non-streamed `POST /v1/chat/completions`, one connection, concurrency 1, {} windows per side in alternation; \
             each side cycles through {} model names so that no breaker of the refusing provider opens.\n",
            self.windows, self.names
        );
        let _ = writeln!(
            out,
            "| route | requests | p50 | p99 | max | req/s | proxy CPU/req | other processes' load (cores) | errors |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (name, p) in [
            ("`direct-gpt-*` → fake", &self.direct),
            (
                "`failover-gpt-*` → 127.0.0.1:1 (refused), then fake",
                &self.failover,
            ),
        ] {
            let _ = writeln!(
                out,
                "| {name} | {} | {:.3} | {:.3} | {:.3} | {:.0} | {} | {} | {} |",
                p.requests(),
                ms(p.quantile_ns(0.5)),
                ms(p.quantile_ns(0.99)),
                ms(p.quantile_ns(1.0)),
                p.rps(),
                Self::cpu_per_request_ms(p, ticks_per_s)
                    .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4} ms")),
                p.others_cores(ticks_per_s)
                    .map_or_else(|| "?".to_owned(), |c| format!("{c:.2}")),
                p.errors,
            );
        }
        let _ = writeln!(
            out,
            "\nAdded by the refused attempt: **p50 {:.3} ms**, p99 {:.3} ms{}.",
            self.added_ms(0.5),
            self.added_ms(0.99),
            Self::cpu_per_request_ms(&self.failover, ticks_per_s)
                .zip(Self::cpu_per_request_ms(&self.direct, ticks_per_s))
                .map_or_else(String::new, |(f, d)| format!(
                    ", proxy CPU {:+.4} ms per request",
                    f - d
                ))
        );
        for (side, p) in [("direct", &self.direct), ("failover", &self.failover)] {
            if let Some(err) = &p.first_error {
                let _ = writeln!(out, "\n- first {side} error: `{err}`");
            }
        }
        let _ = writeln!(
            out,
            "\nWARN/ERROR log lines: {}; SIGTERM → exit {:.1} ms ({}).",
            self.notable,
            dms(self.shutdown.took),
            self.shutdown.status
        );
        for line in &self.log_lines {
            let _ = writeln!(out, "\n    {line}");
        }
    }
}

/// The proxy's CPU time over a point's windows ÷ the requests answered in them, ms.
fn cpu_per_request_ms(point: &Point, ticks_per_s: u64) -> Option<f64> {
    let n = point.requests();
    point
        .cpu
        .filter(|_| n > 0)
        .map(|u| u.ticks() as f64 * 1e3 / ticks_per_s as f64 / n as f64)
}

/// Rows in the ledger-on proxy's database, as `usage --local --json` counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerRows {
    /// Rows (the sum of every group's `requests`).
    pub rows: u64,
    /// Rows recording a failed request (the sum of the groups' `errors`).
    pub errors: u64,
}

/// The ledger run: two proxies side by side, the usage ledger on (the default, no config
/// file) in one and off (`[ledger] enabled = false`) in the other, the same load on both in
/// alternating windows; then the rows the first one wrote.
#[derive(Debug)]
pub struct LedgerResult {
    /// `RUST_LOG=…` of both proxies.
    pub label: String,
    /// Closed-loop connections.
    pub concurrency: usize,
    /// Windows per side (order: on, off, off, on, repeated).
    pub windows: usize,
    /// Length of each window.
    pub window: Duration,
    /// Pause before and after each window before the CPU counters are read.
    pub settle: Duration,
    /// The ledger-on proxy, every window merged (warm-up requests counted apart).
    pub on: Point,
    /// The ledger-off proxy, likewise.
    pub off: Point,
    /// Requests sent to the ledger-on proxy outside the closed loops (answered).
    pub single_calls: u64,
    /// The ledger-on proxy's ledger gauges after the last window.
    pub on_gauges: LedgerGauges,
    /// The ledger-off proxy's, likewise.
    pub off_gauges: LedgerGauges,
    /// The ledger-on proxy's memory after the last window.
    pub on_memory: Memory,
    /// The ledger-off proxy's, likewise.
    pub off_memory: Memory,
    /// CPU ticks of the ledger-on proxy's writer thread (`ledger`) over its whole life, read
    /// after the last window with the queue empty; `None` when no such thread was found.
    pub writer_ticks: Option<u64>,
    /// The rows written, counted after the ledger-on proxy stopped; or why they could not be.
    pub rows: Result<LedgerRows, String>,
    /// Whether the ledger-off proxy's data directory holds a `ledger.sqlite` after its stop.
    pub off_file: bool,
    /// WARN / ERROR lines logged: (on, off).
    pub notable: (u64, u64),
    /// The first WARN / ERROR lines of either proxy, prefixed with its side.
    pub log_lines: Vec<String>,
    /// How the ledger-on proxy stopped (SIGTERM drains the ledger's queue first).
    pub on_shutdown: Shutdown,
    /// How the ledger-off proxy stopped.
    pub off_shutdown: Shutdown,
}

impl LedgerResult {
    /// Requests the ledger-on proxy answered correctly: the single calls, the warm-up and the
    /// windows. Each must have left exactly one row.
    pub fn answered(&self) -> u64 {
        self.single_calls + self.on.warmup_requests + self.on.requests()
    }

    /// Requests to the ledger-on proxy that failed (warm-up included): they may or may not
    /// have reached it, so each may or may not have left a row.
    pub fn failed(&self) -> u64 {
        self.on.errors + self.on.warmup_errors
    }

    /// Proxy CPU per request, ledger on − off, ms.
    fn added_cpu_ms(&self, ticks_per_s: u64) -> Option<f64> {
        cpu_per_request_ms(&self.on, ticks_per_s)
            .zip(cpu_per_request_ms(&self.off, ticks_per_s))
            .map(|(on, off)| on - off)
    }

    /// The writer thread's CPU per request answered, µs: the part of the ledger's cost that
    /// does not depend on comparing two processes.
    fn writer_us_per_row(&self, ticks_per_s: u64) -> Option<f64> {
        let ticks = self.writer_ticks?;
        let rows = self.answered();
        (rows > 0 && ticks_per_s > 0).then(|| ticks as f64 / ticks_per_s as f64 / rows as f64 * 1e6)
    }

    fn added_ms(&self, p: f64) -> f64 {
        ms(self.on.quantile_ns(p)) - ms(self.off.quantile_ns(p))
    }

    /// What is wrong with the rows, if anything: they could not be counted, rows were
    /// dropped (or the gauge is missing), the ledger turned itself off, or the rows written
    /// are not one per request answered (with failed requests: not between the requests
    /// answered and those plus the failed ones).
    pub fn problem(&self) -> Option<String> {
        let rows = match &self.rows {
            Ok(r) => r.rows,
            Err(err) => return Some(format!("the ledger's rows could not be counted: {err}")),
        };
        let (answered, failed) = (self.answered(), self.failed());
        let mut problems = Vec::new();
        match self.on_gauges.dropped {
            None => problems
                .push("`copilot_api_ledger_dropped_rows` is missing from /metrics".to_owned()),
            Some(d) if d > 0.0 => problems.push(format!("{d:.0} rows dropped on a full queue")),
            Some(_) => {}
        }
        if self.on_gauges.enabled != Some(1.0) {
            problems.push(format!(
                "the ledger was not writing after the last window (copilot_api_ledger_enabled {:?})",
                self.on_gauges.enabled
            ));
        }
        if failed == 0 && rows != answered {
            problems.push(format!(
                "{rows} rows written for {answered} requests answered"
            ));
        } else if failed > 0 && !(answered..=answered + failed).contains(&rows) {
            problems.push(format!(
                "{rows} rows written for {answered} requests answered and {failed} failed"
            ));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    fn json(&self, ticks_per_s: u64) -> Value {
        let side = |p: &Point, g: &LedgerGauges, m: &Memory| {
            let n = p.requests().max(1) as f64;
            json!({
                "requests": p.requests(),
                "errors": p.errors,
                "first_error": p.first_error,
                "warmup_requests": p.warmup_requests,
                "warmup_errors": p.warmup_errors,
                "req_per_s": p.rps(),
                "p50_ms": ms(p.quantile_ns(0.5)),
                "p99_ms": ms(p.quantile_ns(0.99)),
                "max_ms": ms(p.quantile_ns(1.0)),
                "elapsed_s": p.elapsed.as_secs_f64(),
                "proxy_cpu_ticks": p.cpu.map(|u| u.ticks()),
                "proxy_cpu_per_request_ms": cpu_per_request_ms(p, ticks_per_s),
                "proxy_sys_share": p.cpu.map(|u| u.sys_ticks as f64 / u.ticks().max(1) as f64),
                "proxy_context_switches_per_request": p.cpu.map(|u| u.context_switches as f64 / n),
                "other_processes_cores": p.others_cores(ticks_per_s),
                "ledger_enabled": g.enabled,
                "ledger_queue_depth": g.queue_depth,
                "ledger_dropped_rows": g.dropped,
                "private_mib_after": mib(m.private_kb),
                "rss_mib_after": mib(m.rss_kb),
            })
        };
        let added = self.added_cpu_ms(ticks_per_s);
        let (rows, row_errors, count_error) = match &self.rows {
            Ok(r) => (Some(r.rows), Some(r.errors), None),
            Err(err) => (None, None, Some(err.as_str())),
        };
        json!({
            "label": self.label,
            "route": Route::Passthrough.name(),
            "concurrency": self.concurrency,
            "windows_per_side": self.windows,
            "window_s": self.window.as_secs_f64(),
            "settle_ms": dms(self.settle),
            "on": side(&self.on, &self.on_gauges, &self.on_memory),
            "off": side(&self.off, &self.off_gauges, &self.off_memory),
            "added_cpu_per_request_ms": added,
            "added_cpu_per_request_us": added.map(|v| v * 1e3),
            "writer_thread_ticks": self.writer_ticks,
            "writer_thread_cpu_per_row_us": self.writer_us_per_row(ticks_per_s),
            "added_p50_ms": self.added_ms(0.5),
            "added_p99_ms": self.added_ms(0.99),
            "rows": {
                "single_calls": self.single_calls,
                "warmup_requests": self.on.warmup_requests,
                "window_requests": self.on.requests(),
                "requests_answered": self.answered(),
                "requests_failed": self.failed(),
                "written": rows,
                "written_with_error": row_errors,
                "count_error": count_error,
                "dropped": self.on_gauges.dropped,
                "queue_depth_after": self.on_gauges.queue_depth,
                "complete": self.problem().is_none(),
                "exact": self.failed() == 0,
                "problem": self.problem(),
            },
            "off_ledger_file": self.off_file,
            "warn_or_error_lines": {"on": self.notable.0, "off": self.notable.1},
            "first_warn_or_error_lines": self.log_lines,
            "shutdown": {
                "on": {"took_ms": dms(self.on_shutdown.took), "status": self.on_shutdown.status},
                "off": {"took_ms": dms(self.off_shutdown.took), "status": self.off_shutdown.status},
            },
        })
    }

    fn markdown(&self, out: &mut String, ticks_per_s: u64) {
        let _ = writeln!(
            out,
            "\n## Usage ledger on vs off ({}; two proxies side by side)\n",
            self.label
        );
        let _ = writeln!(
            out,
            "Non-streamed passthrough `POST /v1/chat/completions`, concurrency {}, {} windows of {:.2} s per side \
             in the order on, off, off, on, …, each side warmed up before its first window; the CPU counters are read \
             {:.0} ms after the warm-up and after each window's last answer, so the ledger's batched writes count with \
             the window of their requests. *On*: no config file (the default); *off*: `[ledger] enabled = false`.\n",
            self.concurrency,
            self.windows,
            self.window.as_secs_f64(),
            dms(self.settle)
        );
        let _ = writeln!(
            out,
            "| ledger | requests | req/s | p50 | p99 | max | **proxy CPU/req** | ctx switches/req | private memory after (RSS) | other processes' load (cores) | errors |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (name, p, m) in [
            ("on (default)", &self.on, &self.on_memory),
            ("off (`enabled = false`)", &self.off, &self.off_memory),
        ] {
            let na = || "n/a".to_owned();
            let _ = writeln!(
                out,
                "| {name} | {} | {:.0} | {:.3} | {:.3} | {:.3} | **{}** | {} | {:.1} MiB ({:.1}) | {} | {} |",
                p.requests(),
                p.rps(),
                ms(p.quantile_ns(0.5)),
                ms(p.quantile_ns(0.99)),
                ms(p.quantile_ns(1.0)),
                cpu_per_request_ms(p, ticks_per_s).map_or_else(na, |v| format!("{v:.4} ms")),
                p.cpu.map_or_else(na, |u| format!(
                    "{:.2}",
                    u.context_switches as f64 / p.requests().max(1) as f64
                )),
                mib(m.private_kb),
                mib(m.rss_kb),
                p.others_cores(ticks_per_s)
                    .map_or_else(|| "?".to_owned(), |c| format!("{c:.2}")),
                p.errors,
            );
        }
        let _ = writeln!(
            out,
            "\nAdded by the ledger (on − off): **{}** per request; p50 {:+.3} ms, p99 {:+.3} ms, req/s {}.",
            self.added_cpu_ms(ticks_per_s).map_or_else(
                || "CPU n/a".to_owned(),
                |v| format!("{v:+.4} ms = {:+.1} µs CPU", v * 1e3)
            ),
            self.added_ms(0.5),
            self.added_ms(0.99),
            if self.off.requests() > 0 {
                format!("{:+.1}%", (self.on.rps() / self.off.rps() - 1.0) * 100.0)
            } else {
                "n/a".to_owned()
            }
        );
        if let Some(us) = self.writer_us_per_row(ticks_per_s) {
            let _ = writeln!(
                out,
                "\nThe writer thread alone (`ledger`, its own CPU counters, no comparison of two processes): \
                 {:.2} s of CPU for {} rows = **{us:.2} µs per row**. The difference above also holds what the \
                 request path spends handing rows over, and the noise of two processes sharing the cores.",
                self.writer_ticks.unwrap_or(0) as f64 / ticks_per_s.max(1) as f64,
                self.answered()
            );
        }
        let gauge = |v: Option<f64>| v.map_or_else(|| "missing".to_owned(), |v| format!("{v:.0}"));
        let written = match &self.rows {
            Ok(r) => format!("**{} rows written** ({} of them errors)", r.rows, r.errors),
            Err(_) => "**rows not counted**".to_owned(),
        };
        let _ = writeln!(
            out,
            "\nRows: {} requests answered by the ledger-on proxy ({} single call, {} warm-up, {} in the windows; {} failed), \
             {written} as `usage --local --json` counts them after SIGTERM drained the queue; \
             `copilot_api_ledger_dropped_rows` {}, `copilot_api_ledger_queue_depth` {} after the last window.",
            self.answered(),
            self.single_calls,
            self.on.warmup_requests,
            self.on.requests(),
            self.failed(),
            gauge(self.on_gauges.dropped),
            gauge(self.on_gauges.queue_depth),
        );
        match self.problem() {
            None if self.failed() == 0 => {
                let _ = writeln!(
                    out,
                    "\nEvery request answered left exactly one row; none dropped."
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "\nNo row missing, none dropped (inexact: {} requests failed and may or may not have left a row).",
                    self.failed()
                );
            }
            Some(problem) => {
                let _ = writeln!(out, "\n**LEDGER ROWS INCOMPLETE: {problem}.**");
            }
        }
        for (side, p) in [("on", &self.on), ("off", &self.off)] {
            if let Some(err) = &p.first_error {
                let _ = writeln!(out, "\n- first ledger-{side} error: `{err}`");
            }
        }
        let _ = writeln!(
            out,
            "\nLedger-off proxy: `copilot_api_ledger_enabled` {}, {} `ledger.sqlite` in its data directory after its stop. \
             WARN/ERROR log lines: on {}, off {}; SIGTERM → exit: on {:.1} ms ({}), off {:.1} ms ({}).",
            gauge(self.off_gauges.enabled),
            if self.off_file { "a" } else { "no" },
            self.notable.0,
            self.notable.1,
            dms(self.on_shutdown.took),
            self.on_shutdown.status,
            dms(self.off_shutdown.took),
            self.off_shutdown.status
        );
        for line in &self.log_lines {
            let _ = writeln!(out, "\n    {line}");
        }
    }
}

/// One proxy process with one `RUST_LOG`.
#[derive(Debug)]
pub struct PassResult {
    /// `RUST_LOG=…`.
    pub label: String,
    /// Whether memory and slow streams were measured.
    pub full: bool,
    /// Start-ups timed (the first with an empty data directory); the last one was measured.
    pub startups: Vec<Startup>,
    /// Memory right after `Listening on`.
    pub mem_started: Memory,
    /// Memory after one request and 200 ms.
    pub mem_idle: Memory,
    /// Memory after the matrix and the stream TTFB runs.
    pub mem_after_load: Memory,
    /// The request matrix.
    pub matrix: Vec<MatrixRow>,
    /// Stream TTFB.
    pub streams: Vec<StreamRow>,
    /// CPU per relayed stream chunk (first pass only).
    pub stream_chunks: Vec<ChunkRow>,
    /// Slow streams held open, each on a fresh proxy.
    pub holds: Vec<HoldRow>,
    /// The same number of slow streams against the fake alone.
    pub direct_hold: Option<Hold>,
    /// Log (lines, bytes) written during the matrix.
    pub matrix_log: (u64, u64),
    /// Log (lines, bytes) written after start-up in all.
    pub log_total: (u64, u64),
    /// WARN / ERROR lines.
    pub notable: u64,
    /// The first WARN / ERROR lines.
    pub log_lines: Vec<String>,
    /// How the proxy stopped.
    pub shutdown: Shutdown,
}

/// The whole run.
#[derive(Debug)]
pub struct Report {
    /// The binary measured.
    pub bin: PathBuf,
    /// Clock ticks per second.
    pub clock_ticks: u64,
    /// CPUs available.
    pub cores: usize,
    /// Measured window per point, s.
    pub duration: f64,
    /// Warm-up per point, s.
    pub warmup: f64,
    /// Size of the passthrough request body, bytes.
    pub passthrough_body: usize,
    /// Size of the translated request body, bytes.
    pub translated_body: usize,
    /// Size of the Responses request body, bytes.
    pub responses_body: usize,
    /// Size of the legacy completions request body, bytes.
    pub completions_body: usize,
    /// Slow streams: content chunks and the pause before each.
    pub slow_stream: (usize, Duration),
    /// The passes, the first being the full one.
    pub passes: Vec<PassResult>,
    /// The fail-over run (its own proxy, after the passes).
    pub failover: Option<FailoverResult>,
    /// The ledger run (two proxies of its own, after the fail-over run).
    pub ledger: Option<LedgerResult>,
    /// The mixed load (its own proxy, last).
    pub mixed: Option<MixedResult>,
}

/// How a soak's samples `(s, private KiB, RSS KiB, fds)` grew: from the first sample at or
/// after a given second to the last one, in per cent.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Growth {
    from_s: u64,
    to_s: u64,
    private_pct: f64,
    rss_pct: f64,
    fds_pct: f64,
}

impl Growth {
    /// Growth from the first sample at or after `from_s` to the last (the soak's flatness
    /// figure; `None` when there is no later sample).
    fn since(timeline: &[(u64, u64, u64, u64)], from_s: u64) -> Option<Self> {
        let a = timeline.iter().find(|(t, ..)| *t >= from_s)?;
        let z = timeline.last()?;
        let pct = |x: u64, y: u64| (y as f64 - x as f64) / (x as f64).max(1.0) * 100.0;
        (z.0 > a.0).then(|| Self {
            from_s: a.0,
            to_s: z.0,
            private_pct: pct(a.1, z.1),
            rss_pct: pct(a.2, z.2),
            fds_pct: pct(a.3, z.3),
        })
    }

    fn json(self) -> Value {
        json!({"from_s": self.from_s, "to_s": self.to_s, "private_pct": self.private_pct,
               "rss_pct": self.rss_pct, "fds_pct": self.fds_pct})
    }
}

/// The mixed phase: steady open-loop mixed load on its own proxy.
#[derive(Debug)]
pub struct MixedResult {
    /// `RUST_LOG=…` of the proxy.
    pub label: String,
    /// How it was driven.
    pub plan: Plan,
    /// What happened.
    pub run: MixedRun,
    /// The proxy's memory after one request, before the load.
    pub before: Memory,
    /// The proxy's memory 2 s after the last answer.
    pub after: Memory,
    /// Streams the fake was still sending then.
    pub fake_streams_open_after: usize,
    /// Upstream streams the fake saw dropped before their end during the run.
    pub upstream_dropped: usize,
    /// WARN / ERROR lines the proxy logged.
    pub notable: u64,
    /// The first WARN / ERROR lines.
    pub log_lines: Vec<String>,
    /// How the proxy stopped.
    pub shutdown: Shutdown,
}

impl MixedResult {
    fn timeline(&self) -> Vec<(u64, u64, u64, u64)> {
        self.run
            .samples
            .iter()
            .map(|s| (s.at_s, s.memory.private_kb, s.memory.rss_kb, s.memory.fds))
            .collect()
    }

    /// Growth from minute 2 to the end, as the hold phase reports it.
    fn growth(&self) -> Option<Growth> {
        Growth::since(&self.timeline(), 120)
    }

    /// Growth over the second half of the run (from the first sample at or after its middle).
    fn second_half_growth(&self) -> Option<Growth> {
        let timeline = self.timeline();
        let middle = timeline.last().map_or(0, |z| z.0 / 2);
        Growth::since(&timeline, middle.max(1))
    }

    fn totals(&self) -> (u64, u64, u64) {
        self.run.kinds.iter().fold((0, 0, 0), |(e, d, o), (_, k)| {
            (e + k.expected_failures, d + k.disconnects, o + k.succeeded)
        })
    }

    fn json(&self) -> Value {
        let (expected, disconnects, succeeded) = self.totals();
        let r = &self.run;
        let mem = |m: &Memory| {
            json!({"private_mib": mib(m.private_kb), "rss_mib": mib(m.rss_kb),
                   "hwm_mib": mib(m.hwm_kb), "open_fds": m.fds, "threads": m.threads})
        };
        json!({
            "label": self.label,
            "minutes": self.plan.duration.as_secs_f64() / 60.0,
            "rate_per_s": self.plan.rate,
            "concurrency_cap": self.plan.concurrency,
            "planned": r.planned,
            "sent": r.sent,
            "never_sent": r.unsent,
            "unfinished": r.unfinished,
            "late": r.late,
            "late_after_ms": dms(LATE_AFTER),
            "max_late_ms": dms(r.max_late),
            "peak_in_flight": r.peak_in_flight,
            "elapsed_s": r.elapsed.as_secs_f64(),
            "succeeded": succeeded,
            "failures": r.failures(),
            "expected_upstream_failures": expected,
            "disconnects": disconnects,
            "first_failures": r.first_failures,
            "kinds": r.kinds.iter().map(|(kind, k)| json!({
                "kind": kind.name(),
                "request": kind.describe(),
                "sent": k.sent,
                "succeeded": k.succeeded,
                "expected_upstream_failures": k.expected_failures,
                "disconnects": k.disconnects,
                "failures": k.failures,
                "p50_ms": ms(quantile(&k.latencies_ns, 0.5)),
                "p99_ms": ms(quantile(&k.latencies_ns, 0.99)),
                "max_ms": ms(quantile(&k.latencies_ns, 1.0)),
            })).collect::<Vec<_>>(),
            "samples": r.samples.iter().map(|s| json!({
                "at_s": s.at_s,
                "private_mib": mib(s.memory.private_kb),
                "rss_mib": mib(s.memory.rss_kb),
                "open_fds": s.memory.fds,
                "threads": s.memory.threads,
                "fake_streams_open": s.fake_streams_open,
            })).collect::<Vec<_>>(),
            "growth_from_minute_2": self.growth().map(Growth::json),
            "growth_second_half": self.second_half_growth().map(Growth::json),
            "before": mem(&self.before),
            "after_2s": mem(&self.after),
            "fake_streams_open_after_2s": self.fake_streams_open_after,
            "upstream_streams_dropped": self.upstream_dropped,
            "warn_or_error_lines": self.notable,
            "first_warn_or_error_lines": self.log_lines,
            "shutdown": {"took_ms": dms(self.shutdown.took), "status": self.shutdown.status},
        })
    }

    fn markdown(&self, out: &mut String) {
        let r = &self.run;
        let (expected, disconnects, _) = self.totals();
        let _ = writeln!(
            out,
            "\n## Mixed load ({}; its own proxy): {:.1} min at {} req/s, at most {} in flight\n",
            self.label,
            self.plan.duration.as_secs_f64() / 60.0,
            self.plan.rate,
            self.plan.concurrency
        );
        let _ = writeln!(
            out,
            "Open loop: request *i* is due *i* ÷ rate s after the start, its kind the next of a fixed cycle of {}; \
             a due request waits for a free slot when {} are in flight (late: started > {} ms after its due time). \
             Latency: due time → answer read (streams: their end; disconnects: the first body bytes).\n",
            r.kinds.len(),
            self.plan.concurrency,
            LATE_AFTER.as_millis()
        );
        let _ = writeln!(
            out,
            "Sent {} of {} due in {:.1} s (late {}, the latest {:.1} ms after its time; never sent {}; unfinished {}; at most {} in flight). \
             **Failures: {}**; expected upstream failures: {expected}; disconnects: {disconnects}.\n",
            r.sent,
            r.planned,
            r.elapsed.as_secs_f64(),
            r.late,
            dms(r.max_late),
            r.unsent,
            r.unfinished,
            r.peak_in_flight,
            r.failures(),
        );
        let _ = writeln!(
            out,
            "| kind | request | sent | as expected | failures | p50 | p99 | max |"
        );
        let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|");
        for (kind, k) in &r.kinds {
            let expected = match kind.expect() {
                Expect::Success => format!("{} ok", k.succeeded),
                Expect::UpstreamFailure { .. } => format!("{} errors", k.expected_failures),
                Expect::Disconnect => format!("{} left", k.disconnects),
            };
            let q = |p| ms(quantile(&k.latencies_ns, p));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {expected} | {} | {:.3} | {:.3} | {:.3} |",
                kind.name(),
                kind.describe(),
                k.sent,
                k.failures,
                q(0.5),
                q(0.99),
                q(1.0),
            );
        }
        for failure in &r.first_failures {
            let _ = writeln!(out, "\n- failure: `{failure}`");
        }
        if !r.samples.is_empty() {
            let _ = writeln!(
                out,
                "\n| s | private MiB | RSS MiB | open fds | threads | fake streams open |\n|--:|--:|--:|--:|--:|--:|"
            );
            for s in &r.samples {
                let _ = writeln!(
                    out,
                    "| {} | {:.1} | {:.1} | {} | {} | {} |",
                    s.at_s,
                    mib(s.memory.private_kb),
                    mib(s.memory.rss_kb),
                    s.memory.fds,
                    s.memory.threads,
                    s.fake_streams_open
                );
            }
        }
        match self.growth() {
            Some(g) => {
                let _ = writeln!(
                    out,
                    "\n- growth from {} s to {} s: private {:+.1}%, RSS {:+.1}%, fds {:+.1}%",
                    g.from_s, g.to_s, g.private_pct, g.rss_pct, g.fds_pct
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "\n- growth from minute 2: n/a (no sample after 120 s and another after it)"
                );
            }
        }
        if let Some(g) = self.second_half_growth() {
            let _ = writeln!(
                out,
                "\n- growth over the second half, {} s to {} s: private {:+.1}%, RSS {:+.1}%, fds {:+.1}%",
                g.from_s, g.to_s, g.private_pct, g.rss_pct, g.fds_pct
            );
        }
        let _ = writeln!(
            out,
            "\n- before the load: private {:.1} MiB (RSS {:.1}), {} open fds; 2 s after the last answer: private {:.1} MiB (RSS {:.1}; peak RSS {:.1}), {} open fds, {} fake streams still open",
            mib(self.before.private_kb),
            mib(self.before.rss_kb),
            self.before.fds,
            mib(self.after.private_kb),
            mib(self.after.rss_kb),
            mib(self.after.hwm_kb),
            self.after.fds,
            self.fake_streams_open_after
        );
        let _ = writeln!(
            out,
            "\n- upstream streams dropped before their end: {} (client disconnects: {disconnects}); WARN/ERROR log lines: {}; SIGTERM → exit {:.1} ms ({})",
            self.upstream_dropped,
            self.notable,
            dms(self.shutdown.took),
            self.shutdown.status
        );
        for line in &self.log_lines {
            let _ = writeln!(out, "\n    {line}");
        }
    }
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn dms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[(v.len() - 1) / 2])
}

fn yes(met: bool) -> &'static str {
    if met { "**yes**" } else { "**no**" }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} ms"))
}

impl PassResult {
    /// Proxy CPU per request over every measured window of `route`, ms.
    fn cpu_per_request_ms(&self, route: Route, ticks_per_s: u64) -> Option<f64> {
        let (ticks, requests) =
            self.matrix
                .iter()
                .filter(|r| r.route == route)
                .fold((0u64, 0u64), |(t, n), r| {
                    (
                        t + r.proxy.cpu.map_or(0, |u| u.ticks()),
                        n + r.proxy.requests(),
                    )
                });
        (requests > 0).then(|| ticks as f64 * 1e3 / ticks_per_s as f64 / requests as f64)
    }

    /// CPU per request by route name: `passthrough` and `translated` always (null when not
    /// measured), the other routes when measured.
    fn cpu_per_request_json(&self, ticks_per_s: u64) -> Value {
        let mut map = serde_json::Map::new();
        for route in Route::ALL {
            let cpu = self.cpu_per_request_ms(route, ticks_per_s);
            if cpu.is_some() || matches!(route, Route::Passthrough | Route::Translated) {
                map.insert(route.name().to_owned(), json!(cpu));
            }
        }
        Value::Object(map)
    }

    fn row(&self, route: Route, concurrency: usize) -> Option<&MatrixRow> {
        self.matrix
            .iter()
            .find(|r| r.route == route && r.concurrency == concurrency)
    }

    fn startup_stats(&self) -> Value {
        let token: Vec<f64> = self
            .startups
            .iter()
            .filter_map(|s| s.token_to_listening.map(dms))
            .collect();
        let warm_spawn: Vec<f64> = self
            .startups
            .iter()
            .skip(1)
            .map(|s| dms(s.spawn_to_listening))
            .collect();
        json!({
            "runs": self.startups.len(),
            "cold_spawn_to_listening_ms": self.startups.first().map(|s| dms(s.spawn_to_listening)),
            "cold_token_to_listening_ms": self.startups.first().and_then(|s| s.token_to_listening.map(dms)),
            "warm_spawn_to_listening_median_ms": median(warm_spawn),
            "token_to_listening_median_ms": median(token.clone()),
            "token_to_listening_max_ms": token.iter().copied().reduce(f64::max),
            "spawn_to_token_median_ms": median(self.startups.iter().filter_map(|s| s.spawn_to_token.map(dms)).collect()),
            "reported_ready_ms": self.startups.iter().map(|s| s.reported_ready_ms).collect::<Vec<_>>(),
            "spawn_to_listening_ms": self.startups.iter().map(|s| dms(s.spawn_to_listening)).collect::<Vec<_>>(),
            "token_to_listening_ms": token,
        })
    }

    fn json(&self, ticks_per_s: u64) -> Value {
        let point = |p: &Point| {
            json!({
                "requests": p.requests(),
                "errors": p.errors,
                "first_error": p.first_error,
                "req_per_s": p.rps(),
                "p50_ms": ms(p.quantile_ns(0.5)),
                "p99_ms": ms(p.quantile_ns(0.99)),
                "max_ms": ms(p.quantile_ns(1.0)),
                "elapsed_s": p.elapsed.as_secs_f64(),
            })
        };
        let matrix: Vec<Value> = self
            .matrix
            .iter()
            .map(|r| {
                let n = r.proxy.requests().max(1) as f64;
                let per_request = |ticks: u64| ticks as f64 * 1e3 / ticks_per_s as f64 / n;
                let cpu = r.proxy.cpu.map(|u| per_request(u.ticks()));
                json!({
                    "route": r.route.name(),
                    "concurrency": r.concurrency,
                    "direct": point(&r.direct),
                    "proxy": point(&r.proxy),
                    "added_p50_ms": ms(r.proxy.quantile_ns(0.5)) - ms(r.direct.quantile_ns(0.5)),
                    "added_p99_ms": ms(r.proxy.quantile_ns(0.99)) - ms(r.direct.quantile_ns(0.99)),
                    "proxy_cpu_ticks": r.proxy.cpu.map(|u| u.ticks()),
                    "proxy_cpu_per_request_ms": cpu,
                    "proxy_user_per_request_ms": r.proxy.cpu.map(|u| per_request(u.user_ticks)),
                    "proxy_sys_per_request_ms": r.proxy.cpu.map(|u| per_request(u.sys_ticks)),
                    "proxy_context_switches_per_request": r.proxy.cpu.map(|u| u.context_switches as f64 / n),
                    "other_processes_cores": {
                        "direct": r.direct.others_cores(ticks_per_s),
                        "proxy": r.proxy.others_cores(ticks_per_s),
                    },
                    "steal_ticks": r.proxy.machine.map(|m| m.steal_ticks),
                })
            })
            .collect();
        let stream_side = |s: &StreamPoint| {
            json!({
                "requests": s.ttfb_ns.len(),
                "errors": s.errors,
                "first_error": s.first_error,
                "ttfb_p50_ms": ms(quantile(&s.ttfb_ns, 0.5)),
                "ttfb_p99_ms": ms(quantile(&s.ttfb_ns, 0.99)),
                "total_p50_ms": ms(quantile(&s.total_ns, 0.5)),
                "total_p99_ms": ms(quantile(&s.total_ns, 0.99)),
            })
        };
        let streams: Vec<Value> = self
            .streams
            .iter()
            .map(|s| {
                json!({
                    "route": s.route.name(),
                    "direct": stream_side(&s.direct),
                    "proxy": stream_side(&s.proxy),
                    "added_ttfb_p50_ms": ms(quantile(&s.proxy.ttfb_ns, 0.5)) - ms(quantile(&s.direct.ttfb_ns, 0.5)),
                    "added_ttfb_p99_ms": ms(quantile(&s.proxy.ttfb_ns, 0.99)) - ms(quantile(&s.direct.ttfb_ns, 0.99)),
                    "added_total_p50_ms": ms(quantile(&s.proxy.total_ns, 0.5)) - ms(quantile(&s.direct.total_ns, 0.5)),
                    "added_total_p99_ms": ms(quantile(&s.proxy.total_ns, 0.99)) - ms(quantile(&s.direct.total_ns, 0.99)),
                })
            })
            .collect();
        let mem = |m: &Memory| {
            json!({
                "private_mib": mib(m.private_kb),
                "private_source": if m.private_from_smaps {
                    "smaps_rollup Anonymous"
                } else {
                    "status RssAnon"
                },
                "rss_mib": mib(m.rss_kb),
                "anon_mib": mib(m.anon_kb),
                "file_mib": mib(m.file_kb),
                "hwm_mib": mib(m.hwm_kb),
                "threads": m.threads,
                "open_fds": m.fds,
            })
        };
        let hold = |h: &Hold| {
            json!({
                "requested": h.requested,
                "completed": h.completed,
                "max_open_at_once": h.max_open,
                "peak_private_mib": (h.samples > 0).then(|| mib(h.peak_private_kb)),
                "peak_rss_mib": (h.samples > 0).then(|| mib(h.peak_rss_kb)),
                "rss_samples": h.samples,
                "wall_s": h.wall.as_secs_f64(),
                "slowest_stream_s": h.slowest.as_secs_f64(),
                "timeline_s_private_kb_rss_kb_fds": h.timeline,
                "first_error": h.first_error,
            })
        };
        let holds: Vec<Value> = self
            .holds
            .iter()
            .map(|h| {
                json!({
                    "route": h.route.name(),
                    "proxy": hold(&h.hold),
                    "before": mem(&h.before),
                    "after_500ms": mem(&h.after),
                    "later_bursts": h.repeats.iter().map(|(again, m)| json!({
                        "proxy": hold(again),
                        "after_500ms": mem(m),
                    })).collect::<Vec<_>>(),
                    "settled": h.settled.map(|(secs, m)| json!({"after_s": secs, "memory": mem(&m)})),
                    "upstream_streams_dropped": h.upstream_dropped,
                    "warn_or_error_lines": h.notable,
                    "shutdown": {"took_ms": dms(h.shutdown.took), "status": h.shutdown.status},
                })
            })
            .collect();
        json!({
            "label": self.label,
            "full": self.full,
            "startup": self.startup_stats(),
            "memory": {
                "after_startup": mem(&self.mem_started),
                "idle_after_one_request": mem(&self.mem_idle),
                "after_load": mem(&self.mem_after_load),
            },
            "cpu_per_request_ms": self.cpu_per_request_json(ticks_per_s),
            "matrix": matrix,
            "streams": streams,
            "stream_chunks": self.stream_chunks.iter().map(|c| c.json(ticks_per_s)).collect::<Vec<_>>(),
            "slow_streams": holds,
            "slow_streams_direct": self.direct_hold.as_ref().map(hold),
            "log": {
                "matrix_lines": self.matrix_log.0,
                "matrix_bytes": self.matrix_log.1,
                "total_lines": self.log_total.0,
                "total_bytes": self.log_total.1,
                "warn_or_error_lines": self.notable,
                "first_warn_or_error_lines": self.log_lines,
            },
            "shutdown": {"took_ms": dms(self.shutdown.took), "status": self.shutdown.status},
        })
    }

    fn markdown(&self, out: &mut String, ticks_per_s: u64) {
        let _ = writeln!(out, "\n## {}\n", self.label);
        let _ = writeln!(out, "### Non-streamed requests: proxy vs the fake alone\n");
        let _ = writeln!(
            out,
            "| route | conc. | direct p50 | direct p99 | proxy p50 | proxy p99 | **added p50** | **added p99** | direct req/s | proxy req/s | proxy CPU/req (sys share) | proxy ctx switches/req | other processes' load, direct/proxy (cores) | errors |"
        );
        let _ = writeln!(
            out,
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        );
        for r in &self.matrix {
            let (d50, d99) = (
                ms(r.direct.quantile_ns(0.5)),
                ms(r.direct.quantile_ns(0.99)),
            );
            let (p50, p99) = (ms(r.proxy.quantile_ns(0.5)), ms(r.proxy.quantile_ns(0.99)));
            let n = r.proxy.requests().max(1) as f64;
            let others = |p: &Point| {
                p.others_cores(ticks_per_s)
                    .map_or_else(|| "?".to_owned(), |c| format!("{c:.2}"))
            };
            let others = format!("{}/{}", others(&r.direct), others(&r.proxy));
            let (cpu, switches) = r.proxy.cpu.map_or_else(
                || ("n/a".to_owned(), "n/a".to_owned()),
                |u| {
                    (
                        format!(
                            "{:.4} ms ({:.0}%)",
                            u.ticks() as f64 * 1e3 / ticks_per_s as f64 / n,
                            u.sys_ticks as f64 * 100.0 / u.ticks().max(1) as f64
                        ),
                        format!("{:.2}", u.context_switches as f64 / n),
                    )
                },
            );
            let _ = writeln!(
                out,
                "| {} | {} | {d50:.3} | {d99:.3} | {p50:.3} | {p99:.3} | **{:.3}** | **{:.3}** | {:.0} | {:.0} | {cpu} | {switches} | {others} | {}/{} |",
                r.route,
                r.concurrency,
                p50 - d50,
                p99 - d99,
                r.direct.rps(),
                r.proxy.rps(),
                r.direct.errors,
                r.proxy.errors,
            );
        }
        for route in Route::ALL {
            if let Some(cpu) = self.cpu_per_request_ms(route, ticks_per_s) {
                let _ = writeln!(
                    out,
                    "\nProxy CPU per request, {} (all windows): **{cpu:.4} ms**",
                    route.describe()
                );
            }
        }
        for r in &self.matrix {
            for (side, p) in [("direct", &r.direct), ("proxy", &r.proxy)] {
                if let Some(err) = &p.first_error {
                    let _ = writeln!(
                        out,
                        "\n- first {side} error, {} c={}: `{err}`",
                        r.route, r.concurrency
                    );
                }
            }
        }

        let _ = writeln!(
            out,
            "\n### Streamed requests (`stream: true`, one at a time): proxy vs the fake alone\n"
        );
        let _ = writeln!(
            out,
            "| route | requests | direct TTFB p50 | direct TTFB p99 | proxy TTFB p50 | proxy TTFB p99 | **added TTFB p50** | **added TTFB p99** | added total p50 | added total p99 | errors |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for s in &self.streams {
            let q = |v: &[u64], p| ms(quantile(v, p));
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | **{:.3}** | **{:.3}** | {:.3} | {:.3} | {}/{} |",
                s.route,
                s.proxy.ttfb_ns.len(),
                q(&s.direct.ttfb_ns, 0.5),
                q(&s.direct.ttfb_ns, 0.99),
                q(&s.proxy.ttfb_ns, 0.5),
                q(&s.proxy.ttfb_ns, 0.99),
                q(&s.proxy.ttfb_ns, 0.5) - q(&s.direct.ttfb_ns, 0.5),
                q(&s.proxy.ttfb_ns, 0.99) - q(&s.direct.ttfb_ns, 0.99),
                q(&s.proxy.total_ns, 0.5) - q(&s.direct.total_ns, 0.5),
                q(&s.proxy.total_ns, 0.99) - q(&s.direct.total_ns, 0.99),
                s.direct.errors,
                s.proxy.errors,
            );
            for (side, p) in [("direct", &s.direct), ("proxy", &s.proxy)] {
                if let Some(err) = &p.first_error {
                    let _ = writeln!(out, "\n- first {side} stream error, {}: `{err}`", s.route);
                }
            }
        }

        self.chunks_markdown(out, ticks_per_s);

        let _ = writeln!(out, "\n### Process\n");
        let _ = writeln!(out, "| figure | value |\n|---|--:|");
        let st = self.startup_stats();
        let f = |key: &str| st.get(key).and_then(Value::as_f64);
        let _ = writeln!(
            out,
            "| start-up, spawn → `Listening on` (first start, empty data dir; token exchange included) | {} |",
            opt_ms(f("cold_spawn_to_listening_ms"))
        );
        if self.startups.len() > 1 {
            let _ = writeln!(
                out,
                "| start-up, spawn → `Listening on` (median of {} starts with the model cache) | {} |",
                self.startups.len() - 1,
                opt_ms(f("warm_spawn_to_listening_median_ms"))
            );
        }
        let _ = writeln!(
            out,
            "| spawn → Copilot token handed out by the fake (median) | {} |",
            opt_ms(f("spawn_to_token_median_ms"))
        );
        let _ = writeln!(
            out,
            "| Copilot token handed out → `Listening on` (median / max of {}) | {} / {} |",
            self.startups.len(),
            opt_ms(f("token_to_listening_median_ms")),
            opt_ms(f("token_to_listening_max_ms"))
        );
        let reported: Vec<String> = self
            .startups
            .iter()
            .map(|s| s.reported_ready_ms.map_or("?".into(), |v| v.to_string()))
            .collect();
        let _ = writeln!(
            out,
            "| proxy's own \"ready in\" (ms, each start) | {} |",
            reported.join(", ")
        );
        let _ = writeln!(
            out,
            "| private (anonymous) memory right after start-up (RSS) | {:.2} MiB ({:.1} MiB) |",
            mib(self.mem_started.private_kb),
            mib(self.mem_started.rss_kb)
        );
        let _ = writeln!(
            out,
            "| **idle private (anonymous) memory** after start-up and one request (RSS = anonymous + file-backed; threads) | **{:.2} MiB** ({:.1} MiB = {:.1} + {:.1}; {}) |",
            mib(self.mem_idle.private_kb),
            mib(self.mem_idle.rss_kb),
            mib(self.mem_idle.anon_kb),
            mib(self.mem_idle.file_kb),
            self.mem_idle.threads
        );
        let _ = writeln!(
            out,
            "| private memory after the request matrix and streams (RSS; peak RSS so far; open fds) | {:.1} MiB ({:.1} MiB; {:.1} MiB; {}) |",
            mib(self.mem_after_load.private_kb),
            mib(self.mem_after_load.rss_kb),
            mib(self.mem_after_load.hwm_kb),
            self.mem_after_load.fds
        );
        if !self.mem_idle.private_from_smaps {
            let _ = writeln!(
                out,
                "\n`/proc/<pid>/smaps_rollup` was unreadable: private memory is `RssAnon` of `/proc/<pid>/status`."
            );
        }
        let (lines, bytes) = self.matrix_log;
        let _ = writeln!(
            out,
            "| log written during the matrix | {lines} lines, {:.1} KiB{} |",
            bytes as f64 / 1024.0,
            if lines > 0 {
                format!(", {:.0} B/line", bytes as f64 / lines as f64)
            } else {
                String::new()
            }
        );
        let _ = writeln!(out, "| WARN/ERROR log lines | {} |", self.notable);
        let _ = writeln!(
            out,
            "| shutdown, SIGTERM → exit | {:.1} ms ({}) |",
            dms(self.shutdown.took),
            self.shutdown.status
        );
        for line in &self.log_lines {
            let _ = writeln!(out, "\n    {line}");
        }
        self.holds_markdown(out);
    }
}

impl PassResult {
    fn chunks_markdown(&self, out: &mut String, ticks_per_s: u64) {
        if self.stream_chunks.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n### Proxy CPU per relayed stream chunk (long fast streams read back to back)\n"
        );
        let _ = writeln!(
            out,
            "| route | conc. | streams | upstream content chunks/stream | data events/stream (client) | events/s | proxy CPU (sys share) | proxy cores busy | **CPU/chunk** | CPU/stream | ctx switches/stream | other processes' load (cores) | errors |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for c in &self.stream_chunks {
            let p = &c.point;
            let secs = p.elapsed.as_secs_f64().max(1e-9);
            let streams = p.streams.max(1) as f64;
            let na = || "n/a".to_owned();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.1} | {:.0} | {} | {} | **{}** | {} | {} | {} | {} |",
                c.route,
                c.concurrency,
                p.streams,
                c.upstream_chunks,
                p.events as f64 / streams,
                p.events as f64 / secs,
                p.cpu.map_or_else(na, |u| format!(
                    "{:.2} s ({:.0}%)",
                    u.ticks() as f64 / ticks_per_s as f64,
                    u.sys_ticks as f64 * 100.0 / u.ticks().max(1) as f64
                )),
                p.cpu.map_or_else(na, |u| format!(
                    "{:.2}",
                    u.ticks() as f64 / ticks_per_s as f64 / secs
                )),
                c.cpu_per_chunk_us(ticks_per_s)
                    .map_or_else(na, |v| format!("{v:.2} µs")),
                c.cpu_per_stream_us(ticks_per_s)
                    .map_or_else(na, |v| format!("{v:.0} µs")),
                p.cpu.map_or_else(na, |u| format!(
                    "{:.1}",
                    u.context_switches as f64 / streams
                )),
                p.others_cores(ticks_per_s)
                    .map_or_else(|| "?".to_owned(), |v| format!("{v:.2}")),
                p.errors,
            );
        }
        for c in &self.stream_chunks {
            if let Some(err) = &c.point.first_error {
                let _ = writeln!(out, "\n- first stream-chunk error, {}: `{err}`", c.route);
            }
        }
    }

    fn holds_markdown(&self, out: &mut String) {
        if self.holds.is_empty() && self.direct_hold.is_none() {
            return;
        }
        let _ = writeln!(
            out,
            "\n### Slow streams held open at once (each proxy row on a freshly started proxy)\n"
        );
        let _ = writeln!(
            out,
            "| side | completed | max open at once | private before (RSS) | **peak private** (peak RSS) | 0.5 s after: private (RSS; open fds) | wall | slowest stream | upstream dropped | WARN/ERROR lines | SIGTERM → exit |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        if let Some(h) = &self.direct_hold {
            let _ = writeln!(
                out,
                "| direct (the fake alone) | {}/{} | {} | – | – | – | {:.2} s | {:.2} s | – | – | – |",
                h.completed,
                h.requested,
                h.max_open,
                h.wall.as_secs_f64(),
                h.slowest.as_secs_f64()
            );
        }
        for h in &self.holds {
            let _ = writeln!(
                out,
                "| proxy, {} | **{}/{}** | {} | {:.1} MiB ({:.1}) | **{:.1} MiB** ({:.1}) | {:.1} MiB ({:.1}; {}) | {:.2} s | {:.2} s | {} | {} | {:.0} ms |",
                h.route,
                h.hold.completed,
                h.hold.requested,
                h.hold.max_open,
                mib(h.before.private_kb),
                mib(h.before.rss_kb),
                mib(h.hold.peak_private_kb),
                mib(h.hold.peak_rss_kb),
                mib(h.after.private_kb),
                mib(h.after.rss_kb),
                h.after.fds,
                h.hold.wall.as_secs_f64(),
                h.hold.slowest.as_secs_f64(),
                h.upstream_dropped,
                h.notable,
                dms(h.shutdown.took),
            );
        }
        for h in &self.holds {
            for (i, (again, m)) in h.repeats.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "\n- {} proxy, burst {}: {}/{} complete, peak private {:.1} MiB (RSS {:.1}), 0.5 s later private {:.1} MiB (RSS {:.1}) with {} open fds",
                    h.route,
                    i + 2,
                    again.completed,
                    again.requested,
                    mib(again.peak_private_kb),
                    mib(again.peak_rss_kb),
                    mib(m.private_kb),
                    mib(m.rss_kb),
                    m.fds
                );
            }
            if !h.hold.timeline.is_empty() {
                let _ = writeln!(
                    out,
                    "\n- {} proxy, every 30 s (s: private MiB / RSS MiB / open fds): {}",
                    h.route,
                    h.hold
                        .timeline
                        .iter()
                        .map(|(t, p, r, f)| format!("{t}: {:.1}/{:.1}/{f}", mib(*p), mib(*r)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(g) = Growth::since(&h.hold.timeline, 120) {
                    let _ = writeln!(
                        out,
                        "\n- {} proxy, growth from {} s to {} s: private {:+.1}%, RSS {:+.1}%, fds {:+.1}%",
                        h.route, g.from_s, g.to_s, g.private_pct, g.rss_pct, g.fds_pct
                    );
                }
            }
            if let Some((secs, m)) = &h.settled {
                let _ = writeln!(
                    out,
                    "\n- {} proxy, {secs} s after the streams: private {:.1} MiB (RSS {:.1}), {} open fds",
                    h.route,
                    mib(m.private_kb),
                    mib(m.rss_kb),
                    m.fds
                );
            }
        }
        let errors = self
            .direct_hold
            .iter()
            .map(|h| ("direct", h))
            .chain(self.holds.iter().map(|h| (h.route.name(), &h.hold)));
        for (side, h) in errors {
            if let Some(err) = &h.first_error {
                let _ = writeln!(out, "\n- first slow-stream error, {side}: `{err}`");
            }
        }
    }
}

impl Report {
    /// Everything as JSON.
    pub fn json(&self) -> Value {
        json!({
            "bin": self.bin.display().to_string(),
            "cores": self.cores,
            "clock_ticks_per_s": self.clock_ticks,
            "window_s": self.duration,
            "warmup_s": self.warmup,
            "body_bytes": {"passthrough": self.passthrough_body, "translated": self.translated_body,
                           "responses": self.responses_body, "completions": self.completions_body},
            "slow_stream": {"chunks": self.slow_stream.0, "chunk_delay_ms": self.slow_stream.1.as_millis() as u64},
            "passes": self.passes.iter().map(|p| p.json(self.clock_ticks)).collect::<Vec<_>>(),
            "failover": self.failover.as_ref().map(|f| f.json(self.clock_ticks)),
            "ledger": self.ledger.as_ref().map(|l| l.json(self.clock_ticks)),
            "mixed": self.mixed.as_ref().map(MixedResult::json),
            "targets": self.targets().iter().map(|t| json!({
                "target": t.name, "measured": t.measured, "met": t.met,
            })).collect::<Vec<_>>(),
        })
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# copilot-api load benchmark\n");
        let _ = writeln!(
            out,
            "`{}`, {} CPUs, {} s measured per point after {} s warm-up; bodies {} B (chat) and {} B (Anthropic), {} B (Responses), {} B (legacy completions); clock tick {} ms.",
            self.bin.display(),
            self.cores,
            self.duration,
            self.warmup,
            self.passthrough_body,
            self.translated_body,
            self.responses_body,
            self.completions_body,
            1000 / self.clock_ticks.max(1),
        );
        let _ = writeln!(
            out,
            "Latencies in ms. Added = proxy − direct, same quantile, same run. Errors: direct/proxy. \
             Slow streams: {} content chunks, one every {} ms.",
            self.slow_stream.0,
            self.slow_stream.1.as_millis()
        );
        for pass in &self.passes {
            pass.markdown(&mut out, self.clock_ticks);
        }
        if let Some(failover) = &self.failover {
            failover.markdown(&mut out, self.clock_ticks);
        }
        if let Some(ledger) = &self.ledger {
            ledger.markdown(&mut out, self.clock_ticks);
        }
        if let Some(mixed) = &self.mixed {
            mixed.markdown(&mut out);
        }
        let _ = writeln!(
            out,
            "\n## Targets ({})\n",
            self.passes.first().map_or("", |p| p.label.as_str())
        );
        let _ = writeln!(out, "| target | measured | met |\n|---|--:|:-:|");
        for t in self.targets() {
            let _ = writeln!(out, "| {} | {} | {} |", t.name, t.measured, yes(t.met));
        }
        if self.passes.len() > 1 {
            let _ = writeln!(out, "\nCPU per request by pass:\n");
            for p in &self.passes {
                let cpu = |r| {
                    p.cpu_per_request_ms(r, self.clock_ticks)
                        .map_or("n/a".into(), |v| format!("{v:.4} ms"))
                };
                let others: String = Route::ALL[2..]
                    .iter()
                    .filter(|&&r| p.cpu_per_request_ms(r, self.clock_ticks).is_some())
                    .map(|&r| format!(", {r} {}", cpu(r)))
                    .collect();
                let _ = writeln!(
                    out,
                    "- {}: passthrough {}, translated {}{others}",
                    p.label,
                    cpu(Route::Passthrough),
                    cpu(Route::Translated)
                );
            }
        }
        out
    }

    fn targets(&self) -> Vec<Target> {
        let Some(p) = self.passes.first() else {
            return Vec::new();
        };
        let mut targets = self.pass_targets(p);
        for c in &p.stream_chunks {
            if let (Some(chunk), Some(stream)) = (
                c.cpu_per_chunk_us(self.clock_ticks),
                c.cpu_per_stream_us(self.clock_ticks),
            ) {
                targets.push(Target {
                    name: format!(
                        "CPU per relayed stream chunk, {} ≤ {TARGET_CPU_PER_CHUNK_US} µs, no errors",
                        c.route
                    ),
                    measured: format!(
                        "{chunk:.2} µs ({stream:.0} µs per stream of {:.0} events; {} errors)",
                        c.point.events as f64 / c.point.streams.max(1) as f64,
                        c.point.errors
                    ),
                    met: chunk <= TARGET_CPU_PER_CHUNK_US && c.point.errors == 0,
                });
            }
        }
        if let Some(f) = &self.failover
            && f.failover.requests() > 0
            && f.direct.requests() > 0
        {
            let errors = f.failover.errors + f.direct.errors;
            targets.push(Target {
                name: format!(
                    "fail-over after a refused connection adds ≤ {TARGET_FAILOVER_ADDED_P50_MS} ms (p50, concurrency 1), no errors"
                ),
                measured: format!(
                    "p50 {:.3} ms (p99 {:.3} ms; {errors} errors)",
                    f.added_ms(0.5),
                    f.added_ms(0.99)
                ),
                met: f.added_ms(0.5) <= TARGET_FAILOVER_ADDED_P50_MS && errors == 0,
            });
        }
        if let Some(l) = &self.ledger {
            let errors = l.on.errors + l.off.errors;
            if let Some(added) = l.added_cpu_ms(self.clock_ticks) {
                targets.push(Target {
                    name: format!(
                        "usage ledger adds ≤ {TARGET_LEDGER_CPU_MS} ms CPU per request (on − off, passthrough, concurrency {}), no errors",
                        l.concurrency
                    ),
                    measured: format!(
                        "{added:+.4} ms = {:+.1} µs ({errors} errors)",
                        added * 1e3
                    ),
                    met: added <= TARGET_LEDGER_CPU_MS && errors == 0,
                });
            }
            let problem = l.problem();
            targets.push(Target {
                name: format!(
                    "usage ledger at concurrency {}: zero dropped rows, one row per request",
                    l.concurrency
                ),
                measured: format!(
                    "{} rows for {} requests answered ({} failed), {} dropped{}",
                    l.rows
                        .as_ref()
                        .map_or_else(|_| "?".to_owned(), |r| r.rows.to_string()),
                    l.answered(),
                    l.failed(),
                    l.on_gauges
                        .dropped
                        .map_or_else(|| "?".to_owned(), |d| format!("{d:.0}")),
                    problem
                        .as_ref()
                        .map_or_else(String::new, |p| format!(": {p}"))
                ),
                met: problem.is_none() && l.failed() == 0,
            });
        }
        if let Some(m) = &self.mixed {
            let (expected, disconnects, _) = m.totals();
            targets.push(Target {
                name: format!(
                    "mixed load, {:.1} min at {} req/s: no failures",
                    m.plan.duration.as_secs_f64() / 60.0,
                    m.plan.rate
                ),
                measured: format!(
                    "{} failures of {} sent ({expected} expected upstream failures, {disconnects} disconnects, {} late)",
                    m.run.failures(),
                    m.run.sent,
                    m.run.late
                ),
                met: m.run.failures() == 0 && m.run.sent > 0,
            });
        }
        targets
    }

    /// The targets judged on a pass's own figures.
    fn pass_targets(&self, p: &PassResult) -> Vec<Target> {
        let mut targets = Vec::new();
        for route in Route::ALL {
            let limit = route.cpu_target_ms();
            if let Some(cpu) = p.cpu_per_request_ms(route, self.clock_ticks) {
                targets.push(Target {
                    name: format!("CPU per request, {route} ≤ {limit} ms"),
                    measured: format!("{cpu:.4} ms"),
                    met: cpu <= limit,
                });
            }
        }
        for route in Route::ALL {
            if let Some(r) = p.row(route, 1) {
                let added = ms(r.proxy.quantile_ns(0.99)) - ms(r.direct.quantile_ns(0.99));
                targets.push(Target {
                    name: format!("added p99 at concurrency 1, {route} ≤ {TARGET_ADDED_P99_MS} ms"),
                    measured: format!("{added:.3} ms"),
                    met: added <= TARGET_ADDED_P99_MS,
                });
            }
        }
        let idle = mib(p.mem_idle.private_kb);
        targets.push(Target {
            name: format!("idle private (anonymous) memory ≤ {TARGET_IDLE_PRIVATE_MB} MB"),
            measured: format!(
                "{idle:.2} MiB = {:.2} MB (RSS {:.1} MiB)",
                mb(idle),
                mib(p.mem_idle.rss_kb)
            ),
            met: mb(idle) <= TARGET_IDLE_PRIVATE_MB,
        });
        for h in &p.holds {
            let peak = mib(h.hold.peak_private_kb);
            let all = h.hold.completed == h.hold.requested;
            targets.push(Target {
                name: format!(
                    "{} open {} streams ≤ {TARGET_STREAMS_PRIVATE_MB} MB private (anonymous) memory, all complete",
                    h.hold.requested, h.route
                ),
                measured: format!(
                    "peak {peak:.1} MiB = {:.1} MB (peak RSS {:.1} MiB), {}/{} complete",
                    mb(peak),
                    mib(h.hold.peak_rss_kb),
                    h.hold.completed,
                    h.hold.requested
                ),
                met: h.hold.samples > 0 && mb(peak) <= TARGET_STREAMS_PRIVATE_MB && all,
            });
        }
        let worst = p
            .startups
            .iter()
            .filter_map(|s| s.token_to_listening.map(dms))
            .reduce(f64::max);
        if let Some(worst) = worst {
            targets.push(Target {
                name: format!(
                    "start-up once the token is in hand ≤ {TARGET_STARTUP_MS} ms (worst of {})",
                    p.startups.len()
                ),
                measured: format!("{worst:.1} ms"),
                met: worst <= TARGET_STARTUP_MS,
            });
        }
        targets
    }
}

struct Target {
    name: String,
    measured: String,
    met: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule that fails the run: one row per request answered (single call, warm-up and
    /// windows), none dropped; failed requests widen the allowed range instead of failing it.
    #[test]
    fn ledger_rows_must_match_the_requests_answered() {
        let shutdown = || Shutdown {
            took: Duration::from_millis(5),
            status: "exit status: 0".into(),
        };
        let gauges = LedgerGauges {
            enabled: Some(1.0),
            queue_depth: Some(0.0),
            dropped: Some(0.0),
        };
        let on = Point {
            latencies_ns: vec![1_000_000; 100],
            warmup_requests: 20,
            ..Point::default()
        };
        let mut result = LedgerResult {
            label: "RUST_LOG=warn".into(),
            concurrency: 64,
            windows: 4,
            window: Duration::from_millis(1500),
            settle: Duration::from_millis(500),
            on,
            off: Point::default(),
            single_calls: 1,
            on_gauges: gauges,
            off_gauges: LedgerGauges::default(),
            on_memory: Memory::default(),
            off_memory: Memory::default(),
            writer_ticks: Some(100),
            rows: Ok(LedgerRows {
                rows: 121,
                errors: 0,
            }),
            off_file: false,
            notable: (0, 0),
            log_lines: Vec::new(),
            on_shutdown: shutdown(),
            off_shutdown: shutdown(),
        };
        assert_eq!(result.answered(), 121);
        assert_eq!(result.problem(), None);
        let mut out = String::new();
        result.markdown(&mut out, 100);
        assert!(
            out.contains("Every request answered left exactly one row"),
            "{out}"
        );

        result.rows = Ok(LedgerRows {
            rows: 120,
            errors: 0,
        });
        assert!(
            result
                .problem()
                .is_some_and(|p| p.contains("120 rows written for 121"))
        );
        let mut out = String::new();
        result.markdown(&mut out, 100);
        assert!(out.contains("LEDGER ROWS INCOMPLETE"), "{out}");

        // Two failed requests: 121 to 123 rows are consistent; 124 are not.
        result.on.errors = 2;
        result.rows = Ok(LedgerRows {
            rows: 122,
            errors: 1,
        });
        assert_eq!(result.problem(), None);
        result.rows = Ok(LedgerRows {
            rows: 124,
            errors: 0,
        });
        assert!(result.problem().is_some());
        result.on.errors = 0;

        result.rows = Ok(LedgerRows {
            rows: 121,
            errors: 0,
        });
        result.on_gauges.dropped = Some(3.0);
        assert!(
            result
                .problem()
                .is_some_and(|p| p.contains("3 rows dropped"))
        );
        result.on_gauges.dropped = None;
        assert!(result.problem().is_some());
        result.on_gauges.dropped = Some(0.0);
        result.rows = Err("`usage --local --json` failed".into());
        assert!(
            result
                .problem()
                .is_some_and(|p| p.contains("could not be counted"))
        );
    }
}
