//! `loadbench`: the load benchmark of copilot-api.
//!
//! Starts a fast fake GitHub/Copilot upstream in-process ([`fake`]), starts the release
//! `copilot-api` binary against it ([`proxy`]), drives both the proxy and — in the same run,
//! point by point — the fake directly with the same requests ([`load`]), and prints a Markdown
//! report and a JSON blob ([`report`]). "Added" figures are proxy minus direct.
//!
//! Each pass starts its own proxy with one `RUST_LOG` setting. The first pass measures
//! everything (start-up, memory, the request matrix, stream TTFB, CPU per relayed stream
//! chunk, slow streams held open); later passes (by default one with the proxy's default
//! `info` logging) repeat the request matrix and the stream TTFB only, to show what the access
//! log costs. Last, the fail-over run starts one more proxy, with a config file routing one
//! model name to a refusing provider first and another straight to the fake, and compares the
//! two. With `--phases ledger`, two more proxies run side by side, the usage ledger on (the
//! default) in one and off (`[ledger] enabled = false`) in the other, under the same
//! non-streamed load (concurrency 64 by default) in alternating windows: the CPU the ledger
//! adds per request, and whether every request left its row (the proxy's `/metrics` for
//! dropped rows, then `usage --local --json` after its stop; a missing row fails the run). With
//! `--phases mixed`, a soak on one more fresh proxy closes the run ([`mixed`]): steady
//! open-loop load cycling through every kind of request, upstream errors and client
//! disconnects, with its memory and fds sampled every 30 s (`--phases` selects what runs).
//!
//! Routes ([`Route`]) pair the API the client speaks with the one the model is served on
//! (chat completions, Messages, Responses; legacy completions on the client side only): the
//! proxy passes a request through when the model serves the client's API and translates it
//! otherwise, and the direct side sends the fake what the proxy sends it upstream.
//!
//! All traffic stays on 127.0.0.1. Progress goes to stderr; the report to stdout.

mod bodies;
mod fake;
mod load;
mod mixed;
mod proxy;
mod report;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Parser;

use crate::fake::Fake;
use crate::load::{Conn, Hold, Target};
use crate::mixed::Kind;
use crate::proxy::{Home, LedgerGauges, Proxy};
use crate::report::{
    Api, ChunkRow, FailoverResult, HoldRow, LedgerResult, LedgerRows, MatrixRow, MixedResult,
    PassResult, Route, StreamRow,
};

/// A part of the run, for `--phases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Phase {
    /// The non-streamed request matrix (every pass).
    Matrix,
    /// Streamed requests one at a time: TTFB and total time (every pass).
    Ttfb,
    /// CPU per relayed stream chunk: long fast streams at `--chunk-concurrency` (first pass).
    StreamChunks,
    /// Slow streams held open at once, each route on a fresh proxy (first pass).
    Hold,
    /// Fail-over after a refused connection: a separate proxy with a config file (once).
    Failover,
    /// Usage ledger on vs off: two proxies side by side at `--ledger-concurrency`, then the
    /// rows the ledger-on one wrote (once, after the fail-over run).
    Ledger,
    /// Huge request bodies on a fresh proxy: peak memory, and `/health` meanwhile (once).
    BigBodies,
    /// Steady open-loop mixed load for `--mixed-minutes` on a fresh proxy: a soak (once, last).
    Mixed,
}

/// Model names the fail-over run cycles through on each side. Every name has its own breaker
/// on the refusing provider (`breaker_failures` is at most 1000, and a provider that never
/// answers never resets it), so `FAILOVER_NAMES × 999` requests keep the dead target in play.
const FAILOVER_NAMES: usize = 256;
/// The most consecutive failures the proxy accepts for `[routing] breaker_failures`.
const FAILOVER_BREAKER_FAILURES: usize = 1000;

/// The config file of the ledger run's ledger-off proxy (the ledger-on one has none).
const LEDGER_OFF_CONFIG: &str =
    "# Written by loadbench for its ledger run.\n[ledger]\nenabled = false\n";
/// The ledger run's windows, `true` for the ledger-on proxy: on, off, off, on, twice, so that
/// drift during the run weighs on both sides alike.
const LEDGER_ORDER: [bool; 8] = [true, false, false, true, true, false, false, true];
/// In the ledger run, the pause after the warm-up and after each window's last answer before
/// the proxy's CPU counters are read: more than twice the ledger writer's longest wait for a
/// batch (200 ms), so the warm-up's rows are written before a window opens and the window's
/// own before it closes (both sides alike).
const LEDGER_SETTLE: Duration = Duration::from_millis(500);
/// `usage --local --json --since …` for the ledger run: under a day, so the report reads the
/// raw rows only (the proxy's data directory is fresh: every row is this run's).
const LEDGER_SINCE: &str = "12h";

/// Load benchmark of copilot-api: the release binary against an in-process fake upstream,
/// measured side by side with the fake alone, on 127.0.0.1 only.
///
/// Prints a Markdown report and a JSON blob on stdout (progress on stderr). A default run
/// takes about 90 seconds on 2 cores; run it on an otherwise quiet machine.
#[derive(Debug, Parser)]
#[command(name = "loadbench", version)]
struct Args {
    /// The copilot-api binary to benchmark (build it with `cargo build --release` at the
    /// repository root). The default is `target/release/copilot-api` of the checkout this
    /// loadbench was built from.
    #[arg(long, value_name = "PATH", default_value_os_t = default_bin())]
    bin: PathBuf,

    /// RUST_LOG of each pass, comma-separated; `default` leaves it unset (the proxy's `info`,
    /// one access-log line per request). The first pass measures everything; later passes
    /// repeat only the request matrix and the stream TTFB.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "warn,default"
    )]
    log_levels: Vec<String>,

    /// Concurrency levels of the request matrix (closed-loop connections).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "1,64,256"
    )]
    concurrency: Vec<usize>,

    /// Measured window of each point of the matrix, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    duration: f64,

    /// Warm-up before each point's window, in seconds (same connections, not counted).
    #[arg(long, value_name = "SECS", default_value_t = 0.5)]
    warmup: f64,

    /// Streamed requests, one at a time, per route and side, for time to first byte.
    #[arg(long, value_name = "N", default_value_t = 100)]
    stream_requests: usize,

    /// Pause before each streamed request of the TTFB runs, in milliseconds (both sides).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    stream_gap_ms: u64,

    /// Content chunks of each fast stream (sent without pauses).
    #[arg(long, value_name = "N", default_value_t = 8)]
    fast_chunks: usize,

    /// Slow streams held open at once, per route (0 skips the phase).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    streams: usize,

    /// Content chunks of each slow stream.
    #[arg(long, value_name = "N", default_value_t = 30)]
    slow_chunks: usize,

    /// Pause before each content chunk of a slow stream, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    chunk_delay_ms: u64,

    /// Bursts of slow streams per fresh proxy, one after the other (a leak check: later
    /// bursts should reuse the memory of the first).
    #[arg(long, value_name = "N", default_value_t = 1)]
    bursts: usize,

    /// After the slow streams, keep each fresh proxy idle this many seconds more and measure
    /// its memory and open fds again (a leak check: reqwest drops idle upstream connections
    /// after 90 s).
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    settle: u64,

    /// Routes of the request matrix and the stream TTFB runs: passthrough, translated,
    /// responses, responses-to-chat, chat-to-responses, chat-to-messages,
    /// messages-to-responses, responses-to-messages, completions-to-chat (one route alone is
    /// handy under a profiler).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "passthrough,translated"
    )]
    routes: Vec<Route>,

    /// Parts of the run: matrix, ttfb, stream-chunks, hold, failover, ledger, big-bodies, mixed
    /// (`hold` also needs `--streams` > 0; later passes only run `matrix` and `ttfb`).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "matrix,ttfb,stream-chunks,hold,failover"
    )]
    phases: Vec<Phase>,

    /// Routes of the CPU-per-stream-chunk run (any of `--routes`' names).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "passthrough,translated"
    )]
    chunk_routes: Vec<Route>,

    /// Content chunks of each stream of the CPU-per-chunk run (sent back to back, no pause).
    #[arg(long, value_name = "N", default_value_t = 256)]
    chunk_count: usize,

    /// Streams read at once (closed loop) in the CPU-per-chunk run.
    #[arg(long, value_name = "N", default_value_t = 16)]
    chunk_concurrency: usize,

    /// Measured window of the CPU-per-chunk run, per route, in seconds (after `--warmup`).
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    chunk_duration: f64,

    /// Measured seconds per side of the fail-over run (`failover-gpt-*` and `direct-gpt-*`,
    /// concurrency 1), split into two windows each in the order direct, fail-over, fail-over,
    /// direct (each side also warms up for `--warmup` first).
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    failover_duration: f64,

    /// Closed-loop connections of the ledger run (`--phases ledger`): non-streamed passthrough
    /// requests to the ledger-on and the ledger-off proxy in turn.
    #[arg(long, value_name = "N", default_value_t = 64)]
    ledger_concurrency: usize,

    /// Measured seconds per side of the ledger run, split into four windows each in the order
    /// on, off, off, on, on, off, off, on (each side also warms up for `--warmup` first).
    #[arg(long, value_name = "SECS", default_value_t = 6.0)]
    ledger_duration: f64,

    /// Routes whose slow streams are held open (any of `--routes`' names).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "passthrough,translated"
    )]
    hold_routes: Vec<Route>,

    /// Minutes of the mixed phase (`--phases mixed`): steady open-loop load cycling through
    /// every kind of request, upstream errors and client disconnects, on a fresh proxy.
    #[arg(long, value_name = "MIN", default_value_t = 30.0)]
    mixed_minutes: f64,

    /// Requests per second of the mixed phase (sent on schedule, whatever the answers do).
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    mixed_rate: f64,

    /// Most requests in flight in the mixed phase; a request due while that many are in
    /// flight waits for one to end (and is counted as late).
    #[arg(long, value_name = "N", default_value_t = 256)]
    mixed_concurrency: usize,

    /// Skip the held streams' baseline against the fake alone (a long soak: `--slow-chunks
    /// 600 --chunk-delay-ms 1000` holds every stream for 10 minutes).
    #[arg(long)]
    no_direct_hold: bool,

    /// Proxy start-ups timed in the first pass (the first with an empty data directory, the
    /// others with the model cache it wrote); the last one is benchmarked.
    #[arg(long, value_name = "N", default_value_t = 5)]
    startups: usize,

    /// Worker threads of the fake upstream's runtime.
    #[arg(long, value_name = "N", default_value_t = 2)]
    fake_threads: usize,

    /// Worker threads of the load generator's runtime.
    #[arg(long, value_name = "N", default_value_t = 2)]
    client_threads: usize,

    /// Also write the JSON blob to this file.
    #[arg(long, value_name = "PATH")]
    json_out: Option<PathBuf>,
}

/// `target/release/copilot-api` of the repository holding this package (its parent
/// directory), located at compile time, so any checkout works without `--bin`.
fn default_bin() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package
        .parent()
        .unwrap_or(package)
        .join("target")
        .join("release")
        .join("copilot-api")
}

impl Args {
    fn phase(&self, phase: Phase) -> bool {
        self.phases.contains(&phase)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(self.duration > 0.0 && self.duration <= 30.0) {
            bail!("--duration must be in (0, 30] seconds");
        }
        if !(0.0..=10.0).contains(&self.warmup) {
            bail!("--warmup must be in [0, 10] seconds");
        }
        if self.log_levels.is_empty() || self.concurrency.is_empty() || self.routes.is_empty() {
            bail!("--log-levels, --concurrency and --routes need at least one value");
        }
        if self.concurrency.iter().any(|&c| c == 0 || c > 4096) {
            bail!("--concurrency values must be in 1..=4096");
        }
        if !(1..=10).contains(&self.bursts) {
            bail!("--bursts must be in 1..=10");
        }
        if self.settle > 600 {
            bail!("--settle is capped at 600 seconds");
        }
        if self.streams > 10_000 {
            bail!("--streams is capped at 10000");
        }
        if self.phases.is_empty() {
            bail!("--phases needs at least one value");
        }
        if self.phase(Phase::StreamChunks) {
            if self.chunk_routes.is_empty() {
                bail!("--chunk-routes needs at least one value");
            }
            if !(1..=100_000).contains(&self.chunk_count) {
                bail!("--chunk-count must be in 1..=100000");
            }
            if !(1..=1024).contains(&self.chunk_concurrency) {
                bail!("--chunk-concurrency must be in 1..=1024");
            }
            if !(self.chunk_duration > 0.0 && self.chunk_duration <= 60.0) {
                bail!("--chunk-duration must be in (0, 60] seconds");
            }
        }
        if self.phase(Phase::Failover)
            && !(self.failover_duration > 0.0 && self.failover_duration <= 30.0)
        {
            bail!("--failover-duration must be in (0, 30] seconds");
        }
        if self.phase(Phase::Ledger) {
            if !(self.ledger_duration > 0.0 && self.ledger_duration <= 60.0) {
                bail!("--ledger-duration must be in (0, 60] seconds");
            }
            if !(1..=4096).contains(&self.ledger_concurrency) {
                bail!("--ledger-concurrency must be in 1..=4096");
            }
        }
        if self.phase(Phase::Mixed) {
            if !(self.mixed_minutes > 0.0 && self.mixed_minutes <= 24.0 * 60.0) {
                bail!("--mixed-minutes must be in (0, 1440]");
            }
            if !(self.mixed_rate >= 0.1 && self.mixed_rate <= 10_000.0) {
                bail!("--mixed-rate must be in [0.1, 10000] requests per second");
            }
            if !(1..=4096).contains(&self.mixed_concurrency) {
                bail!("--mixed-concurrency must be in 1..=4096");
            }
        }
        if !self.bin.is_file() {
            bail!(
                "{} does not exist; build it with `cargo build --release` in the copilot-api repository, or pass --bin",
                self.bin.display()
            );
        }
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let run = || -> anyhow::Result<()> {
        args.validate()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads.max(1))
            .thread_name("loadgen")
            .enable_all()
            .build()
            .context("cannot build the load generator's runtime")?;
        runtime.block_on(run(&args))
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("loadbench: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let fake = Fake::start(args.fake_threads)?;
    eprintln!("fake upstream on {}", fake.base);
    let mut passes = Vec::new();
    let repeated = args.phase(Phase::Matrix) || args.phase(Phase::Ttfb);
    for (i, level) in args.log_levels.iter().enumerate() {
        if i > 0 && !repeated {
            eprintln!("later passes skipped: they repeat only the matrix and ttfb phases");
            break;
        }
        let rust_log = (level != "default").then_some(level.as_str());
        passes.push(pass(args, &fake, rust_log, i == 0).await?);
    }
    let failover = if args.phase(Phase::Failover) {
        let first = args.log_levels.first().map(String::as_str);
        let rust_log = first.filter(|level| *level != "default");
        Some(failover_phase(args, &fake, rust_log).await?)
    } else {
        None
    };
    let ledger = if args.phase(Phase::Ledger) {
        let first = args.log_levels.first().map(String::as_str);
        let rust_log = first.filter(|level| *level != "default");
        Some(ledger_phase(args, &fake, rust_log).await?)
    } else {
        None
    };
    let big_bodies = if args.phase(Phase::BigBodies) {
        let first = args.log_levels.first().map(String::as_str);
        let rust_log = first.filter(|level| *level != "default");
        Some(big_bodies_phase(args, &fake, rust_log).await?)
    } else {
        None
    };
    let mixed = if args.phase(Phase::Mixed) {
        let first = args.log_levels.first().map(String::as_str);
        let rust_log = first.filter(|level| *level != "default");
        Some(mixed_phase(args, &fake, rust_log).await?)
    } else {
        None
    };
    let report = report::Report {
        bin: args.bin.clone(),
        clock_ticks: proxy::clock_ticks_per_second(),
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        duration: args.duration,
        warmup: args.warmup,
        passthrough_body: bodies::openai("gpt-4o", false).len(),
        translated_body: bodies::anthropic("claude-haiku-4.5", false).len(),
        responses_body: bodies::responses("gpt-5-codex", false).len(),
        completions_body: bodies::completions("gpt-4o", false).len(),
        slow_stream: (args.slow_chunks, Duration::from_millis(args.chunk_delay_ms)),
        passes,
        failover,
        ledger,
        mixed,
    };
    let json = report.json();
    println!("{}", report.markdown());
    if let Some(text) = big_bodies {
        println!("{text}");
    }
    println!("```json\n{}\n```", serde_json::to_string_pretty(&json)?);
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // After the report, which shows the figures: a missing or dropped ledger row fails the run.
    if let Some(problem) = report.ledger.as_ref().and_then(LedgerResult::problem) {
        bail!("usage ledger: {problem}");
    }
    Ok(())
}

/// A request body in `api`'s shape for `model` (legacy completions: the prompt request).
fn body_for(api: Api, model: &str, stream: bool) -> Bytes {
    match api {
        Api::Chat => bodies::openai(model, stream),
        Api::Messages => bodies::anthropic(model, stream),
        Api::Responses => bodies::responses(model, stream),
        Api::Completions => bodies::completions(model, stream),
    }
}

/// What every correct answer in `api`'s shape contains: the object type of a whole answer,
/// the last event of a stream.
fn marker(api: Api, stream: bool) -> &'static [u8] {
    match (api, stream) {
        (Api::Chat, false) => b"\"chat.completion\"",
        (Api::Messages, false) => b"\"type\":\"message\"",
        (Api::Responses, false) => b"\"object\":\"response\"",
        (Api::Completions, false) => b"\"text_completion\"",
        (Api::Chat | Api::Completions, true) => b"data: [DONE]",
        (Api::Messages, true) => b"event: message_stop",
        (Api::Responses, true) => b"event: response.completed",
    }
}

/// The request the proxy gets on `route`, and what its answer must contain. Messages requests
/// carry `anthropic-version`, as Anthropic's clients send it.
fn proxy_target(proxy: &Proxy, route: Route, stream: bool) -> Target {
    let api = route.client();
    Target {
        addr: proxy.addr,
        path: route.path(),
        body: body_for(api, route.model(), stream),
        anthropic: api == Api::Messages,
        expect: marker(api, stream),
        expect_header: None,
    }
}

/// The same conversation sent straight to the fake, in the shape the proxy sends upstream on
/// `route` (chat for the `*-to-chat` routes and the two original ones, Responses for
/// `*-to-responses` and `responses`, Messages with `anthropic-version` for `*-to-messages`;
/// the legacy route's chat request has the prompt as its one user message).
fn direct_target(fake: &Fake, route: Route, stream: bool) -> Target {
    let api = route.upstream();
    let (path, body) = match (route, api) {
        (Route::CompletionsToChat, _) => (
            "/chat/completions",
            bodies::completions_as_chat(route.model(), stream),
        ),
        (_, Api::Chat | Api::Completions) => {
            ("/chat/completions", bodies::openai(route.model(), stream))
        }
        (_, Api::Responses) => ("/responses", bodies::responses(route.model(), stream)),
        (_, Api::Messages) => ("/v1/messages", bodies::anthropic(route.model(), stream)),
    };
    Target {
        addr: fake.addr,
        path,
        body,
        anthropic: api == Api::Messages,
        expect: marker(api, stream),
        expect_header: None,
    }
}

/// One proxy process, one `RUST_LOG`: start-up, memory, the matrix, streams.
async fn pass(
    args: &Args,
    fake: &Fake,
    rust_log: Option<&str>,
    full: bool,
) -> anyhow::Result<PassResult> {
    let label = rust_log.map_or_else(
        || "RUST_LOG unset (default: info)".to_owned(),
        |l| format!("RUST_LOG={l}"),
    );
    eprintln!("== pass: {label}");
    let home = Home::new()?;
    let mut startups = Vec::new();
    let starts = if full { args.startups.max(1) } else { 1 };
    for _ in 1..starts {
        let proxy = Proxy::start(&args.bin, fake, &home, rust_log).await?;
        startups.push(proxy.startup);
        proxy.stop().await;
    }
    let proxy = Proxy::start(&args.bin, fake, &home, rust_log).await?;
    startups.push(proxy.startup);
    eprintln!(
        "proxy pid {} on {} (spawn → listening {:.1} ms)",
        proxy.pid,
        proxy.addr,
        proxy.startup.spawn_to_listening.as_secs_f64() * 1e3
    );
    let mem_started = proxy.memory()?;
    fake.state.set_stream(args.fast_chunks, Duration::ZERO);
    Conn::open(proxy.addr)
        .await?
        .call(&proxy_target(&proxy, Route::Passthrough, false))
        .await
        .context("the first request through the proxy failed")?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mem_idle = proxy.memory()?;

    let warmup = Duration::from_secs_f64(args.warmup);
    let duration = Duration::from_secs_f64(args.duration);
    let log_before = proxy.log.totals();
    let mut matrix = Vec::new();
    let matrix_routes: &[Route] = if args.phase(Phase::Matrix) {
        &args.routes
    } else {
        &[]
    };
    for &route in matrix_routes {
        for &concurrency in &args.concurrency {
            eprintln!("{route} c={concurrency}");
            let direct = load::closed_loop(
                &direct_target(fake, route, false),
                concurrency,
                warmup,
                duration,
                None,
            )
            .await?;
            let through = load::closed_loop(
                &proxy_target(&proxy, route, false),
                concurrency,
                warmup,
                duration,
                Some(proxy.pid),
            )
            .await?;
            matrix.push(MatrixRow {
                route,
                concurrency,
                direct,
                proxy: through,
            });
        }
    }
    let log_after = proxy.log.totals();

    let mut streams = Vec::new();
    let warm = (args.stream_requests / 10).max(10);
    let gap = Duration::from_millis(args.stream_gap_ms);
    let ttfb_routes: &[Route] = if args.phase(Phase::Ttfb) {
        &args.routes
    } else {
        &[]
    };
    for &route in ttfb_routes {
        eprintln!("{route} streams, one at a time");
        let direct = load::sequential_streams(
            &direct_target(fake, route, true),
            warm,
            args.stream_requests,
            gap,
        )
        .await?;
        let through = load::sequential_streams(
            &proxy_target(&proxy, route, true),
            warm,
            args.stream_requests,
            gap,
        )
        .await?;
        streams.push(StreamRow {
            route,
            direct,
            proxy: through,
        });
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mem_after_load = proxy.memory()?;

    // After the memory figure above, so that it stays what it was before this run existed.
    let stream_chunks = if full && args.phase(Phase::StreamChunks) {
        chunk_phase(args, fake, &proxy).await?
    } else {
        Vec::new()
    };

    // Give the log drain a moment to catch up before counting.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log_lines = proxy.log.kept();
    let (notable, log_total) = (
        proxy.log.notable.load(Ordering::Relaxed),
        proxy.log.totals(),
    );
    let shutdown = proxy.stop().await;
    eprintln!("proxy stopped: {} in {:?}", shutdown.status, shutdown.took);

    let (holds, direct_hold) = if full && args.streams > 0 && args.phase(Phase::Hold) {
        hold_phase(args, fake, &home, rust_log).await?
    } else {
        (Vec::new(), None)
    };
    Ok(PassResult {
        label,
        full,
        startups,
        mem_started,
        mem_idle,
        mem_after_load,
        matrix,
        streams,
        stream_chunks,
        holds,
        direct_hold,
        matrix_log: (log_after.0 - log_before.0, log_after.1 - log_before.1),
        log_total,
        notable,
        log_lines,
        shutdown,
    })
}

/// Slow streams held open at once: first against the fake alone (the baseline for how long
/// the streams take on this machine), then, per route, through a freshly started proxy, so
/// the peak is not inflated by what the request matrix left in the allocator.
async fn hold_phase(
    args: &Args,
    fake: &Fake,
    home: &Home,
    rust_log: Option<&str>,
) -> anyhow::Result<(Vec<HoldRow>, Option<Hold>)> {
    let delay = Duration::from_millis(args.chunk_delay_ms);
    let expected = delay * u32::try_from(args.slow_chunks).unwrap_or(u32::MAX);
    let timeout = expected * 3 + Duration::from_secs(15);
    let sample_every = Duration::from_millis(10);
    fake.state.set_stream(args.slow_chunks, delay);
    let direct = if args.no_direct_hold {
        None
    } else {
        eprintln!("direct: {} slow streams at once", args.streams);
        Some(
            load::hold_streams(
                &direct_target(fake, Route::Passthrough, true),
                args.streams,
                args.slow_chunks,
                None,
                sample_every,
                timeout,
            )
            .await?,
        )
    };
    let mut holds = Vec::new();
    for &route in &args.hold_routes {
        eprintln!(
            "{route}: {} slow streams at once, fresh proxy",
            args.streams
        );
        let proxy = Proxy::start(&args.bin, fake, home, rust_log).await?;
        Conn::open(proxy.addr)
            .await?
            .call(&proxy_target(&proxy, Route::Passthrough, false))
            .await?;
        let before = proxy.memory()?;
        let dropped_before = fake.state.streams_dropped.load(Ordering::Relaxed);
        let hold = load::hold_streams(
            &proxy_target(&proxy, route, true),
            args.streams,
            args.slow_chunks,
            Some(proxy.pid),
            sample_every,
            timeout,
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = proxy.memory()?;
        let mut repeats = Vec::new();
        for burst in 2..=args.bursts {
            eprintln!("{route}: burst {burst} of {}", args.bursts);
            let again = load::hold_streams(
                &proxy_target(&proxy, route, true),
                args.streams,
                args.slow_chunks,
                Some(proxy.pid),
                sample_every,
                timeout,
            )
            .await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            repeats.push((again, proxy.memory()?));
        }
        let settled = if args.settle > 0 {
            eprintln!("idle for {} s", args.settle);
            tokio::time::sleep(Duration::from_secs(args.settle)).await;
            Some((args.settle, proxy.memory()?))
        } else {
            None
        };
        let upstream_dropped = fake.state.streams_dropped.load(Ordering::Relaxed) - dropped_before;
        let notable = proxy.log.notable.load(Ordering::Relaxed);
        let shutdown = proxy.stop().await;
        holds.push(HoldRow {
            route,
            before,
            hold,
            after,
            repeats,
            settled,
            upstream_dropped,
            notable,
            shutdown,
        });
    }
    fake.state.set_stream(args.fast_chunks, Duration::ZERO);
    Ok((holds, direct))
}

/// CPU per relayed stream chunk: per route, `--chunk-concurrency` workers read streams of
/// `--chunk-count` content chunks (sent back to back) through the proxy for `--warmup` and
/// then a measured `--chunk-duration`; the proxy's CPU time over the window is divided by the
/// SSE data events the client received (and by the streams).
async fn chunk_phase(args: &Args, fake: &Fake, proxy: &Proxy) -> anyhow::Result<Vec<ChunkRow>> {
    fake.state.set_stream(args.chunk_count, Duration::ZERO);
    let mut rows = Vec::new();
    let result = async {
        for &route in &args.chunk_routes {
            eprintln!(
                "{route}: streams of {} chunks, {} at once, CPU per chunk",
                args.chunk_count, args.chunk_concurrency
            );
            let point = load::chunk_streams(
                &proxy_target(proxy, route, true),
                args.chunk_concurrency,
                Duration::from_secs_f64(args.warmup),
                Duration::from_secs_f64(args.chunk_duration),
                proxy.pid,
            )
            .await?;
            rows.push(ChunkRow {
                route,
                concurrency: args.chunk_concurrency,
                upstream_chunks: args.chunk_count,
                point,
            });
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    fake.state.set_stream(args.fast_chunks, Duration::ZERO);
    result.map(|()| rows)
}

/// The config file of the fail-over run: `dead` is an OpenAI-compatible provider on a port
/// nothing listens on (connection refused), `fake` the fake upstream (which serves
/// `/chat/completions` at its root). `failover-gpt-*` tries `dead` first (the target's model
/// is the requested name, so every name has its own breaker there), then `fake`;
/// `direct-gpt-*` goes to `fake` alone. Both sides send `gpt-4o` to the fake.
fn failover_config(fake: &Fake) -> String {
    format!(
        r#"# Written by loadbench for its fail-over run.
[providers.dead]
kind = "openai-compatible"
base_url = "http://127.0.0.1:1"        # nothing listens: connection refused
models = ["gpt-4o"]

[providers.fake]
kind = "openai-compatible"
base_url = "{base}"
models = ["gpt-4o"]

[[routes]]
match = "failover-gpt-*"
targets = [{{ provider = "dead", priority = 1 }}, {{ provider = "fake", model = "gpt-4o", priority = 2 }}]

[[routes]]
match = "direct-gpt-*"
targets = [{{ provider = "fake", model = "gpt-4o" }}]

[routing]
breaker_failures = {FAILOVER_BREAKER_FAILURES}   # the most the proxy accepts
"#,
        base = fake.base
    )
}

/// The fail-over run, on its own proxy (after the passes, so it disturbs none of their
/// figures): non-streamed passthrough requests at concurrency 1, `direct-gpt-*` and
/// `failover-gpt-*` in alternating windows (direct, fail-over, fail-over, direct), each side
/// warmed up first. Every answer must come from `fake`, after 1 attempt (direct) or 2
/// (fail-over), or it counts as an error.
async fn failover_phase(
    args: &Args,
    fake: &Fake,
    rust_log: Option<&str>,
) -> anyhow::Result<FailoverResult> {
    let label = rust_log.map_or_else(
        || "RUST_LOG unset (default: info)".to_owned(),
        |l| format!("RUST_LOG={l}"),
    );
    eprintln!("== fail-over: its own proxy with a config file ({label})");
    let home = Home::new()?;
    let config = home.path().join("failover.toml");
    std::fs::write(&config, failover_config(fake))
        .with_context(|| format!("cannot write {}", config.display()))?;
    fake.state.set_stream(args.fast_chunks, Duration::ZERO);
    let proxy = Proxy::start_with_config(&args.bin, fake, &home, rust_log, Some(&config))
        .await
        .context("the proxy did not start with the fail-over config file")?;
    let targets = |prefix: &str, attempts: &'static str| -> Vec<Target> {
        (0..FAILOVER_NAMES)
            .map(|i| Target {
                addr: proxy.addr,
                path: "/v1/chat/completions",
                body: bodies::openai(&format!("{prefix}-{i}"), false),
                anthropic: false,
                expect: b"\"chat.completion\"",
                expect_header: Some(("x-copilot-api-attempts", attempts)),
            })
            .collect()
    };
    let direct_targets = targets("direct-gpt", "1");
    let failover_targets = targets("failover-gpt", "2");
    Conn::open(proxy.addr)
        .await?
        .call(&failover_targets[0])
        .await
        .context("the first fail-over request failed")?;
    let warmup = Duration::from_secs_f64(args.warmup);
    let window = Duration::from_secs_f64(args.failover_duration / 2.0);
    let mut direct = load::Point::default();
    let mut failover = load::Point::default();
    let order = [false, true, true, false];
    for (i, &is_failover) in order.iter().enumerate() {
        let (name, targets) = if is_failover {
            ("failover-gpt-*", &failover_targets)
        } else {
            ("direct-gpt-*", &direct_targets)
        };
        eprintln!("{name}: window {} of {}", i + 1, order.len());
        // Warm up each side once, before its first window.
        let warm = if order[..i].contains(&is_failover) {
            Duration::ZERO
        } else {
            warmup
        };
        let point = load::closed_loop_rotating(targets, 1, warm, window, Some(proxy.pid)).await?;
        if is_failover {
            failover.merge(point);
        } else {
            direct.merge(point);
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log_lines = proxy.log.kept();
    let notable = proxy.log.notable.load(Ordering::Relaxed);
    let shutdown = proxy.stop().await;
    Ok(FailoverResult {
        label,
        names: FAILOVER_NAMES,
        windows: order.iter().filter(|&&f| f).count(),
        direct,
        failover,
        notable,
        log_lines,
        shutdown,
    })
}

/// The ledger gauges of a running proxy's `GET /metrics`.
async fn ledger_gauges(proxy: &Proxy) -> anyhow::Result<LedgerGauges> {
    let body = Conn::open(proxy.addr)
        .await?
        .get("/metrics")
        .await
        .context("cannot read the proxy's /metrics")?;
    Ok(LedgerGauges::parse(&String::from_utf8_lossy(&body)))
}

/// The rows `usage --local --json` counted: the sum of its groups' `requests` and `errors`
/// (`{"since_ms", "until_ms", "by", "groups": [{"key", "requests", "errors", …}], "quota"}`).
fn ledger_rows(json: &str) -> anyhow::Result<LedgerRows> {
    let value: serde_json::Value =
        serde_json::from_str(json).context("`usage --local --json` printed no JSON")?;
    let groups = value
        .get("groups")
        .and_then(serde_json::Value::as_array)
        .context("`usage --local --json` printed no `groups` array")?;
    let mut rows = LedgerRows::default();
    for group in groups {
        let number = |key: &str| {
            group
                .get(key)
                .and_then(serde_json::Value::as_u64)
                .with_context(|| {
                    format!("a group of `usage --local --json` lacks `{key}`: {group}")
                })
        };
        rows.rows += number("requests")?;
        rows.errors += number("errors")?;
    }
    Ok(rows)
}

/// The ledger run, on two proxies of its own started side by side (after the fail-over run):
/// one with no config file (the ledger on, as by default), one with
/// `[ledger] enabled = false`. Non-streamed passthrough requests at `--ledger-concurrency` go
/// to one or the other in [`LEDGER_ORDER`]'s windows, each side warmed up before its first;
/// the proxies' CPU counters are read [`LEDGER_SETTLE`] after the warm-up and after each
/// window. Then the ledger-on proxy's `/metrics` (dropped rows, queue depth), its stop
/// (SIGTERM drains the ledger's queue) and `usage --local --json` in its environment: the
/// rows it wrote, to compare with the requests it answered (single call, warm-up, windows).
async fn ledger_phase(
    args: &Args,
    fake: &Fake,
    rust_log: Option<&str>,
) -> anyhow::Result<LedgerResult> {
    let label = rust_log.map_or_else(
        || "RUST_LOG unset (default: info)".to_owned(),
        |l| format!("RUST_LOG={l}"),
    );
    eprintln!(
        "== ledger on vs off: two proxies side by side, concurrency {} ({label})",
        args.ledger_concurrency
    );
    let on_home = Home::new()?;
    let off_home = Home::new()?;
    let config = off_home.path().join("ledger-off.toml");
    std::fs::write(&config, LEDGER_OFF_CONFIG)
        .with_context(|| format!("cannot write {}", config.display()))?;
    fake.state.set_stream(args.fast_chunks, Duration::ZERO);
    let on = Proxy::start(&args.bin, fake, &on_home, rust_log)
        .await
        .context("the ledger-on proxy did not start")?;
    let off = Proxy::start_with_config(&args.bin, fake, &off_home, rust_log, Some(&config))
        .await
        .context("the proxy did not start with `[ledger] enabled = false`")?;
    // Each side must be what it is named after before anything is measured.
    for (side, proxy, want) in [("on", &on, 1.0), ("off", &off, 0.0)] {
        let enabled = ledger_gauges(proxy).await?.enabled;
        if enabled != Some(want) {
            bail!(
                "the ledger-{side} proxy reports copilot_api_ledger_enabled {enabled:?}, not {want}"
            );
        }
    }
    let on_target = proxy_target(&on, Route::Passthrough, false);
    let off_target = proxy_target(&off, Route::Passthrough, false);
    for (side, target) in [("on", &on_target), ("off", &off_target)] {
        Conn::open(target.addr)
            .await?
            .call(target)
            .await
            .with_context(|| format!("the first request through the ledger-{side} proxy failed"))?;
    }
    // The one request above to the ledger-on proxy, answered.
    let single_calls = 1;
    let warmup = Duration::from_secs_f64(args.warmup);
    let windows = LEDGER_ORDER.iter().filter(|&&on| on).count();
    let window = Duration::from_secs_f64(args.ledger_duration / windows as f64);
    let mut on_point = load::Point::default();
    let mut off_point = load::Point::default();
    for (i, &is_on) in LEDGER_ORDER.iter().enumerate() {
        let (side, proxy, target) = if is_on {
            ("on", &on, &on_target)
        } else {
            ("off", &off, &off_target)
        };
        eprintln!("ledger {side}: window {} of {}", i + 1, LEDGER_ORDER.len());
        // Warm up each side once, before its first window.
        let warm = if LEDGER_ORDER[..i].contains(&is_on) {
            Duration::ZERO
        } else {
            warmup
        };
        let point = load::closed_loop_settled(
            std::slice::from_ref(target),
            args.ledger_concurrency,
            warm,
            window,
            Some(proxy.pid),
            LEDGER_SETTLE,
        )
        .await?;
        if is_on {
            on_point.merge(point);
        } else {
            off_point.merge(point);
        }
    }
    let on_gauges = ledger_gauges(&on).await?;
    let off_gauges = ledger_gauges(&off).await?;
    let (on_memory, off_memory) = (on.memory()?, off.memory()?);
    // The writer thread's own CPU, read with the queue empty (the gauges above), before SIGTERM.
    let writer_ticks = proxy::thread_ticks(on.pid, "ledger")?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log_lines = on
        .log
        .kept()
        .into_iter()
        .map(|l| format!("on: {l}"))
        .chain(off.log.kept().into_iter().map(|l| format!("off: {l}")))
        .collect();
    let notable = (
        on.log.notable.load(Ordering::Relaxed),
        off.log.notable.load(Ordering::Relaxed),
    );
    let off_shutdown = off.stop().await;
    let on_shutdown = on.stop().await;
    eprintln!("ledger: counting the rows with `usage --local --json`");
    let rows = proxy::run_command(
        &args.bin,
        fake,
        &on_home,
        rust_log,
        &["usage", "--local", "--json", "--since", LEDGER_SINCE],
    )
    .await
    .and_then(|stdout| ledger_rows(&stdout))
    .map_err(|err| format!("{err:#}"));
    let off_file = off_home.data_dir().join("ledger.sqlite").exists();
    Ok(LedgerResult {
        label,
        concurrency: args.ledger_concurrency,
        windows,
        window,
        settle: LEDGER_SETTLE,
        on: on_point,
        off: off_point,
        single_calls,
        on_gauges,
        off_gauges,
        on_memory,
        off_memory,
        writer_ticks,
        rows,
        off_file,
        notable,
        log_lines,
        on_shutdown,
        off_shutdown,
    })
}

/// The request of a mixed-phase kind: an ordinary kind's is its route's (as in the matrix),
/// the others name the fake's failing or slow model.
fn mixed_target(proxy: &Proxy, kind: Kind) -> Target {
    if let Some((route, stream)) = kind.route() {
        return proxy_target(proxy, route, stream);
    }
    let (api, model, stream) = kind.request();
    Target {
        addr: proxy.addr,
        path: api.path(),
        body: body_for(api, model, stream),
        anthropic: api == Api::Messages,
        expect: marker(api, stream),
        expect_header: None,
    }
}

/// The mixed phase, on its own proxy (last, so it disturbs nothing else): steady open-loop
/// load cycling through every kind of [`Kind::MIX`] for `--mixed-minutes`, with the proxy's
/// memory and fds sampled every 30 s (see [`mixed`]).
async fn mixed_phase(
    args: &Args,
    fake: &Fake,
    rust_log: Option<&str>,
) -> anyhow::Result<MixedResult> {
    let label = rust_log.map_or_else(
        || "RUST_LOG unset (default: info)".to_owned(),
        |l| format!("RUST_LOG={l}"),
    );
    let plan = mixed::Plan {
        duration: Duration::from_secs_f64(args.mixed_minutes * 60.0),
        rate: args.mixed_rate,
        concurrency: args.mixed_concurrency,
    };
    eprintln!(
        "== mixed load: {:.1} min at {} req/s, at most {} in flight, its own proxy ({label})",
        args.mixed_minutes, args.mixed_rate, args.mixed_concurrency
    );
    let home = Home::new()?;
    fake.state.set_stream(args.fast_chunks, Duration::ZERO);
    let proxy = Proxy::start(&args.bin, fake, &home, rust_log).await?;
    Conn::open(proxy.addr)
        .await?
        .call(&proxy_target(&proxy, Route::Passthrough, false))
        .await
        .context("the first request through the mixed phase's proxy failed")?;
    let before = proxy.memory()?;
    let dropped_before = fake.state.streams_dropped.load(Ordering::Relaxed);
    let targets: Vec<(Kind, Target)> = Kind::MIX
        .iter()
        .map(|&kind| (kind, mixed_target(&proxy, kind)))
        .collect();
    let run = mixed::run(&targets, plan, proxy.pid, &fake.state).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = proxy.memory()?;
    let fake_streams_open_after = fake.state.streams_open.load(Ordering::Relaxed);
    let upstream_dropped = fake.state.streams_dropped.load(Ordering::Relaxed) - dropped_before;
    let log_lines = proxy.log.kept();
    let notable = proxy.log.notable.load(Ordering::Relaxed);
    let shutdown = proxy.stop().await;
    eprintln!("mixed load: {} sent, {} failures", run.sent, run.failures());
    Ok(MixedResult {
        label,
        plan,
        run,
        before,
        after,
        fake_streams_open_after,
        upstream_dropped,
        notable,
        log_lines,
        shutdown,
    })
}

/// Huge bodies, each case on the same fresh proxy in turn: a 50 MB `count_tokens`, 62 MB of
/// tiny Messages blocks (translated), then four 25 MB Messages requests at once. Reported: the
/// proxy's peak RSS after each case, its memory once idle again, and the slowest `/health`
/// answer while the cases ran (probed every 20 ms on its own connection).
async fn big_bodies_phase(
    args: &Args,
    fake: &Fake,
    rust_log: Option<&str>,
) -> anyhow::Result<String> {
    let home = Home::new()?;
    let proxy = Proxy::start(&args.bin, fake, &home, rust_log).await?;
    let before = proxy.memory()?;
    let text_body = |mb: usize| {
        let content = "lorem ipsum dolor sit amet ".repeat(mb * 1_000_000 / 27);
        Bytes::from(
            serde_json::to_vec(
                &serde_json::json!({"model": "claude-haiku-4.5", "max_tokens": 10,
                "messages": [{"role": "user", "content": content}]}),
            )
            .unwrap_or_default(),
        )
    };
    let blocks_body = |mb: usize| {
        let block = serde_json::json!({"type": "text", "text": "x"});
        let blocks = vec![block; mb * 1_000_000 / 27];
        Bytes::from(
            serde_json::to_vec(
                &serde_json::json!({"model": "claude-haiku-4.5", "max_tokens": 10,
                "messages": [{"role": "user", "content": blocks}]}),
            )
            .unwrap_or_default(),
        )
    };
    let target = |path: &'static str, body: Bytes, expect: &'static [u8]| Target {
        addr: proxy.addr,
        path,
        body,
        anthropic: true,
        expect,
        expect_header: None,
    };
    let cases = [
        (
            "count_tokens, 50 MB of text",
            vec![target(
                "/v1/messages/count_tokens",
                text_body(50),
                b"input_tokens",
            )],
        ),
        (
            "messages, 62 MB of tiny blocks (translated)",
            vec![target(
                "/v1/messages",
                blocks_body(62),
                b"\"type\":\"message\"",
            )],
        ),
        (
            "messages, four 25 MB requests at once",
            (0..4)
                .map(|_| target("/v1/messages", text_body(25), b"\"type\":\"message\""))
                .collect(),
        ),
    ];
    let mut out = String::from(
        "\n### Huge request bodies (one fresh proxy, cases in turn)\n\n| case | answered | took | peak RSS during the case | slowest /health meanwhile |\n|---|--:|--:|--:|--:|\n",
    );
    for (name, targets) in cases {
        eprintln!("big bodies: {name}");
        // Each case's own peak: `5` resets the process's peak RSS (VmHWM).
        let _ = std::fs::write(format!("/proc/{}/clear_refs", proxy.pid), "5");
        let started = std::time::Instant::now();
        let mut work = tokio::task::JoinSet::new();
        for t in targets {
            work.spawn(async move {
                let mut conn = Conn::open(t.addr).await?;
                conn.call(&t).await
            });
        }
        let mut probe = Conn::open(proxy.addr).await?;
        let mut slowest = Duration::ZERO;
        let (mut ok, mut total) = (0, 0);
        loop {
            tokio::select! {
                joined = work.join_next() => match joined {
                    None => break,
                    Some(result) => {
                        total += 1;
                        match result {
                            Ok(Ok(())) => ok += 1,
                            Ok(Err(err)) => eprintln!("  failed: {err:#}"),
                            Err(err) => eprintln!("  task failed: {err}"),
                        }
                    }
                },
                () = tokio::time::sleep(Duration::from_millis(20)) => {
                    let asked = std::time::Instant::now();
                    probe.get_ok("/health").await?;
                    slowest = slowest.max(asked.elapsed());
                }
            }
        }
        let memory = proxy.memory()?;
        out.push_str(&format!(
            "| {name} | {ok}/{total} | {:.2} s | {:.0} MiB | {:.0} ms |\n",
            started.elapsed().as_secs_f64(),
            memory.hwm_kb as f64 / 1024.0,
            slowest.as_secs_f64() * 1000.0
        ));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = proxy.memory()?;
    out.push_str(&format!(
        "\nBefore: private {:.1} MiB (RSS {:.1}); 2 s after the last case: private {:.1} MiB (RSS {:.1}).\n",
        before.private_kb as f64 / 1024.0,
        before.rss_kb as f64 / 1024.0,
        after.private_kb as f64 / 1024.0,
        after.rss_kb as f64 / 1024.0
    ));
    let _ = proxy.stop().await;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of `usage --local --json`'s output, in the shape the proxy prints it
    /// (`src/cli/usage.rs`, groups serialised from `ledger::store::Group`), are summed over
    /// the groups; anything else is an error, not zero rows.
    #[test]
    fn counts_the_rows_usage_local_prints() -> anyhow::Result<()> {
        let group = |key: &str, requests: u64, errors: u64| {
            serde_json::json!({"key": key, "requests": requests, "errors": errors,
                "tokens_in": 12, "tokens_out": 3, "cache_read": 0, "cache_write": 0,
                "credits": 0.5, "unpriced": 0, "premium_units": 0.0, "p50_ms": 1.0, "p95_ms": 2.0})
        };
        let printed = serde_json::json!({"since_ms": 1, "until_ms": 2, "by": "model",
            "groups": [group("gpt-4o", 40_000, 2), group("", 3, 3)], "quota": null});
        let rows = ledger_rows(&serde_json::to_string_pretty(&printed)?)?;
        assert_eq!(
            rows,
            LedgerRows {
                rows: 40_003,
                errors: 5
            }
        );
        let none = ledger_rows(r#"{"groups": [], "quota": null}"#)?;
        assert_eq!(none, LedgerRows::default());
        assert!(ledger_rows("No requests between … and … (UTC).").is_err());
        assert!(ledger_rows(r#"{"quota": null}"#).is_err());
        assert!(ledger_rows(r#"{"groups": [{"key": "gpt-4o"}]}"#).is_err());
        Ok(())
    }

    /// The ledger run compares the rows written with the requests the load generator counts:
    /// warm-up and window together must be every request the server answered (here the fake,
    /// which counts its chat requests), and the settle pauses must not stretch the window.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_settled_closed_loop_counts_every_request() -> anyhow::Result<()> {
        let fake = Fake::start(1)?;
        let target = direct_target(&fake, Route::Passthrough, false);
        let before = fake.state.chat_requests.load(Ordering::Relaxed);
        let point = load::closed_loop_settled(
            std::slice::from_ref(&target),
            8,
            Duration::from_millis(150),
            Duration::from_millis(150),
            Some(std::process::id()),
            Duration::from_millis(400),
        )
        .await?;
        let served = fake.state.chat_requests.load(Ordering::Relaxed) - before;
        assert_eq!(
            (point.errors, point.warmup_errors),
            (0, 0),
            "{:?}",
            point.first_error
        );
        assert!(point.warmup_requests > 0 && point.requests() > 0);
        assert_eq!(point.warmup_requests + point.requests(), served);
        assert!(point.cpu.is_some());
        // Window + settle would be the length with a settle inside it.
        assert!(
            point.elapsed < Duration::from_millis(550),
            "{:?}",
            point.elapsed
        );
        let mut merged = load::Point::default();
        merged.merge(point.clone());
        merged.merge(point.clone());
        assert_eq!(merged.warmup_requests, 2 * point.warmup_requests);
        Ok(())
    }

    /// Every direct target against the running fake: answers and streams in the upstream's
    /// shape, with its marker, every content chunk once and in order, and the framing events
    /// around them; then the mixed phase's failing and slow models.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_fake_serves_every_direct_target() -> anyhow::Result<()> {
        let fake = Fake::start(1)?;
        let chunks = 70;
        fake.state.set_stream(chunks, Duration::ZERO);
        let mut conn = Conn::open(fake.addr).await?;
        for route in Route::ALL {
            conn.call(&direct_target(&fake, route, false)).await?;
            let target = direct_target(&fake, route, true);
            let (status, body) = conn.exchange(&target).await?;
            assert_eq!(status, 200, "{route}");
            // The marker is the last event.
            let text = String::from_utf8_lossy(&body);
            let last = text.trim_end().rsplit("\n\n").next().unwrap_or_default();
            let marker = String::from_utf8_lossy(target.expect);
            assert!(last.starts_with(marker.as_ref()), "{route}: {text}");
            load::check_words(&body, chunks)?;
            let framing = match route.upstream() {
                Api::Chat | Api::Completions => 3,
                Api::Responses => 4,
                Api::Messages => 5,
            };
            assert_eq!(
                load::data_events(&body),
                (chunks + framing) as u64,
                "{route}"
            );
        }
        let failing = |model: &str, path: &'static str, anthropic: bool| Target {
            addr: fake.addr,
            path,
            body: body_for(
                if anthropic { Api::Messages } else { Api::Chat },
                model,
                false,
            ),
            anthropic,
            expect: b"",
            expect_header: None,
        };
        let (status, body) = conn
            .exchange(&failing(fake::FAIL_500_MODEL, "/v1/messages", true))
            .await?;
        assert_eq!(status, 500);
        assert!(mixed::error_shape_ok(&body, true));
        let (status, body) = conn
            .exchange(&failing(fake::FAIL_429_MODEL, "/responses", false))
            .await?;
        assert_eq!(status, 429);
        assert!(mixed::error_shape_ok(&body, false));
        let slow = Target {
            body: bodies::openai(fake::SLOW_MODEL, true),
            expect: b"data: [DONE]",
            ..failing(fake::SLOW_MODEL, "/chat/completions", false)
        };
        let (_, body) = conn.exchange(&slow).await?;
        load::check_words(&body, fake::SLOW_CHUNKS)?;
        // A client leaving after the first bytes: the fake's stream is dropped, not left open.
        let dropped = fake.state.streams_dropped.load(Ordering::Relaxed);
        Conn::open(fake.addr).await?.first_bytes(&slow).await?;
        tokio::time::sleep(fake::SLOW_DELAY * 3).await;
        assert_eq!(
            fake.state.streams_dropped.load(Ordering::Relaxed),
            dropped + 1
        );
        assert_eq!(fake.state.streams_open.load(Ordering::Relaxed), 0);
        Ok(())
    }

    /// The mixed run's scheduler, pool and tally against the fake alone (its own paths): every
    /// kind is sent in turn, the failing models count as expected failures, the slow streams
    /// as disconnects, nothing as a failure; this process stands in for the proxy's memory.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_mixed_run_counts_every_kind() -> anyhow::Result<()> {
        let fake = Fake::start(1)?;
        fake.state.set_stream(8, Duration::ZERO);
        let targets: Vec<(Kind, Target)> = Kind::MIX
            .iter()
            .map(|&kind| {
                let target = match kind.route() {
                    Some((route, stream)) => direct_target(&fake, route, stream),
                    None => {
                        let (api, model, stream) = kind.request();
                        let path = match api {
                            Api::Messages => "/v1/messages",
                            Api::Responses => "/responses",
                            Api::Chat | Api::Completions => "/chat/completions",
                        };
                        Target {
                            addr: fake.addr,
                            path,
                            body: body_for(api, model, stream),
                            anthropic: api == Api::Messages,
                            expect: marker(api, stream),
                            expect_header: None,
                        }
                    }
                };
                (kind, target)
            })
            .collect();
        let plan = mixed::Plan {
            duration: Duration::from_millis(1200),
            rate: 50.0,
            concurrency: 16,
        };
        let run = mixed::run(&targets, plan, std::process::id(), &fake.state).await?;
        assert_eq!((run.planned, run.sent, run.unsent), (60, 60, 0));
        assert_eq!(run.failures(), 0, "{:?}", run.first_failures);
        assert_eq!(run.kinds.len(), Kind::MIX.len());
        for (kind, stats) in &run.kinds {
            assert_eq!(stats.sent, 4, "{}", kind.name());
            let expected = match kind.expect() {
                mixed::Expect::Success => stats.succeeded,
                mixed::Expect::UpstreamFailure { .. } => stats.expected_failures,
                mixed::Expect::Disconnect => stats.disconnects,
            };
            assert_eq!(expected, 4, "{}", kind.name());
            assert_eq!(stats.latencies_ns.len(), 4);
        }
        // The first sample is taken at the start.
        assert_eq!(run.samples.first().map(|s| s.at_s), Some(0));
        assert!(run.peak_in_flight >= 1 && run.peak_in_flight <= 16);
        Ok(())
    }
}
