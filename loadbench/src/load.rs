//! The load generator: closed-loop workers, each owning one keep-alive HTTP/1.1 connection
//! (hyper's low-level client, no pool to contend on), as `wrk` does.
//!
//! * [`closed_loop`]: `concurrency` workers send the same request back to back; after a
//!   warm-up, every worker meets at a barrier, the proxy's CPU counter is read, the measured
//!   window runs, and the counter is read again once every worker has finished its last
//!   request. Only requests of the window count.
//! * [`sequential_streams`]: one connection, one streamed request at a time: time to the first
//!   body byte and to the end of the stream.
//! * [`hold_streams`]: `n` streams opened at once on `n` connections and read to the end,
//!   while a sampler watches the proxy's memory.
//! * [`chunk_streams`]: `concurrency` workers read long fast streams back to back; the proxy's
//!   CPU time over the window is divided by the SSE data events the client received.
//!
//! [`closed_loop_rotating`] is [`closed_loop`] cycling through several requests (the
//! fail-over run gives every request one of many model names, see `main::failover_phase`);
//! [`closed_loop_settled`] also lets the proxy settle before and after the window, so that
//! work a request leaves behind (the usage ledger's batched writes, see `main::ledger_phase`)
//! is counted with the window of its request.
//!
//! Every response is checked (status 200 and a marker in the body), so a fast wrong answer
//! never passes for a fast answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

/// One request, sent over and over.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where to send it (always loopback).
    pub addr: SocketAddr,
    /// Request path.
    pub path: &'static str,
    /// JSON body.
    pub body: Bytes,
    /// Send `anthropic-version: 2023-06-01`.
    pub anthropic: bool,
    /// A byte string every correct response body contains.
    pub expect: &'static [u8],
    /// A response header every correct answer carries, with its value.
    pub expect_header: Option<(&'static str, &'static str)>,
}

/// One keep-alive HTTP/1.1 connection.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
}

impl Conn {
    /// Connects (TCP_NODELAY on) and runs the connection task on the current runtime.
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        if !addr.ip().is_loopback() {
            bail!("refusing to connect to {addr}: the benchmark stays on loopback");
        }
        let tcp = TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        tcp.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Self {
            sender,
            host: HeaderValue::from_str(&addr.to_string())?,
        })
    }

    /// Whether the connection is closed (it cannot carry another request).
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends `target`'s request; the response whatever its status.
    async fn request(&mut self, target: &Target) -> anyhow::Result<Response<Incoming>> {
        let mut builder = Request::post(target.path)
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if target.anthropic {
            builder = builder.header("anthropic-version", HeaderValue::from_static("2023-06-01"));
        }
        let request = builder.body(Full::new(target.body.clone()))?;
        self.sender.ready().await?;
        Ok(self.sender.send_request(request).await?)
    }

    /// One exchange whatever its status: the status and the whole body.
    pub async fn exchange(&mut self, target: &Target) -> anyhow::Result<(StatusCode, Bytes)> {
        let response = self.request(target).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// A streamed exchange abandoned after its first body bytes (status 200 checked): the
    /// caller drops the connection, as a client that goes away mid-stream does.
    pub async fn first_bytes(&mut self, target: &Target) -> anyhow::Result<usize> {
        let response = self.send(target).await?;
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data()
                && !data.is_empty()
            {
                return Ok(data.len());
            }
        }
        bail!("{}: the stream ended before any body byte", target.path)
    }

    async fn send(&mut self, target: &Target) -> anyhow::Result<Response<Incoming>> {
        let response = self.request(target).await?;
        if response.status() != StatusCode::OK {
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            bail!(
                "{} answered {status}: {}",
                target.path,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        if let Some((name, value)) = target.expect_header {
            let got = response.headers().get(name);
            if got.is_none_or(|v| v.as_bytes() != value.as_bytes()) {
                bail!(
                    "{}: expected `{name}: {value}`, got {:?}",
                    target.path,
                    got.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                );
            }
        }
        Ok(response)
    }

    /// A GET answered 200 (the body is read and dropped).
    pub async fn get_ok(&mut self, path: &str) -> anyhow::Result<()> {
        self.get(path).await.map(drop)
    }

    /// A GET answered 200: its body.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Bytes> {
        let request = Request::get(path)
            .header(HOST, self.host.clone())
            .body(Full::new(Bytes::new()))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK {
            bail!("GET {path} answered {status}");
        }
        Ok(body)
    }

    /// One complete non-streamed exchange, checked.
    pub async fn call(&mut self, target: &Target) -> anyhow::Result<()> {
        let response = self.send(target).await?;
        let body = response.into_body().collect().await?.to_bytes();
        check(&body, target)
    }

    /// One streamed exchange read to the end: (time to first body byte, total time).
    pub async fn stream(&mut self, target: &Target) -> anyhow::Result<(Duration, Duration)> {
        let start = Instant::now();
        let response = self.send(target).await?;
        let (ttfb, body) = read_stream(response, start).await?;
        check(&body, target)?;
        Ok((ttfb, start.elapsed()))
    }

    /// One streamed exchange read to the end and checked: the SSE data events received.
    pub async fn stream_events(&mut self, target: &Target) -> anyhow::Result<u64> {
        let response = self.send(target).await?;
        let (_, body) = read_stream(response, Instant::now()).await?;
        check(&body, target)?;
        Ok(data_events(&body))
    }
}

/// SSE data events in a stream body: lines starting with `data:` (every event of the chat,
/// the Anthropic and the Responses stream carries exactly one, `data: [DONE]` included).
pub fn data_events(body: &[u8]) -> u64 {
    body.split(|&b| b == b'\n')
        .filter(|line| line.starts_with(b"data:"))
        .count() as u64
}

/// Reads a response body frame by frame; returns when its first data byte came and the body.
async fn read_stream(
    response: Response<Incoming>,
    start: Instant,
) -> anyhow::Result<(Duration, Vec<u8>)> {
    let mut body = response.into_body();
    let mut ttfb = None;
    let mut all = Vec::with_capacity(4096);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data()
            && !data.is_empty()
        {
            ttfb.get_or_insert_with(|| start.elapsed());
            all.extend_from_slice(&data);
        }
    }
    Ok((ttfb.unwrap_or_else(|| start.elapsed()), all))
}

fn check(body: &[u8], target: &Target) -> anyhow::Result<()> {
    if contains(body, target.expect) {
        Ok(())
    } else {
        bail!(
            "{}: the response lacks {:?}: {}",
            target.path,
            String::from_utf8_lossy(target.expect),
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )
    }
}

/// The SSE events of a stream body that carry its text once: every event, except that of a
/// Responses stream (`event: response.…`) only the `response.output_text.delta` events count
/// (its `….done` and `response.completed` events repeat the whole text).
fn text_events(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    const RESPONSES: &[u8] = b"event: response.";
    const DELTA: &[u8] = b"event: response.output_text.delta\n";
    let mut rest = body;
    std::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            let end = rest
                .windows(2)
                .position(|w| w == b"\n\n")
                .map_or(rest.len(), |at| at + 2);
            let (event, after) = rest.split_at(end);
            rest = after;
            if !event.starts_with(RESPONSES) || event.starts_with(DELTA) {
                return Some(event);
            }
        }
    })
}

/// Every content chunk of a fake stream arrived, whole and in order: the fake's chunk `i`
/// says `word{i % 64} and more text `, so the words of the body must count 0, 1, 2, … up to
/// `chunks` (translated or not, the text travels unchanged; see [`text_events`]).
pub fn check_words(body: &[u8], chunks: usize) -> anyhow::Result<()> {
    let mut seen = 0usize;
    for event in text_events(body) {
        count_words(event, &mut seen)?;
    }
    if seen != chunks {
        bail!("{seen} of {chunks} content chunks arrived");
    }
    Ok(())
}

/// Counts the fake's chunk words in `text`, checking they go on from `seen`.
fn count_words(text: &[u8], seen: &mut usize) -> anyhow::Result<()> {
    const TAIL: &[u8] = b" and more text ";
    let mut rest = text;
    while let Some(at) = rest.windows(4).position(|w| w == b"word") {
        rest = &rest[at + 4..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || !rest[digits..].starts_with(TAIL) {
            continue;
        }
        let n: usize = std::str::from_utf8(&rest[..digits])?.parse()?;
        if n != *seen % 64 {
            bail!("content chunk {seen} reads word{n}: a chunk was lost, repeated or reordered");
        }
        *seen += 1;
        rest = &rest[digits + TAIL.len()..];
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Latencies of one measured window.
#[derive(Debug, Clone, Default)]
pub struct Point {
    /// Successful requests' latencies in nanoseconds, sorted.
    pub latencies_ns: Vec<u64>,
    /// Length of the window (first request sent → last response read).
    pub elapsed: Duration,
    /// Failed requests (connection errors, wrong status, wrong body).
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// The proxy's CPU time and context switches in the window, when a pid was given.
    pub cpu: Option<crate::proxy::Usage>,
    /// The machine's and this process's CPU ticks in the window.
    pub machine: Option<crate::proxy::Machine>,
    /// Requests answered correctly during the warm-up (not measured, but sent: the ledger run
    /// counts every request the proxy served).
    pub warmup_requests: u64,
    /// Failed requests during the warm-up.
    pub warmup_errors: u64,
}

impl Point {
    /// Successful requests.
    pub fn requests(&self) -> u64 {
        self.latencies_ns.len() as u64
    }

    /// Successful requests per second.
    pub fn rps(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// CPU cores busy with processes other than the proxy and this one during the window, on
    /// average; `ticks_per_s` is the clock tick rate.
    pub fn others_cores(&self, ticks_per_s: u64) -> Option<f64> {
        let m = self.machine?;
        let proxy = self.cpu.map_or(0, |u| u.ticks());
        let others = m.busy_ticks.saturating_sub(m.own_ticks + proxy);
        Some(others as f64 / ticks_per_s as f64 / self.elapsed.as_secs_f64().max(1e-9))
    }

    /// The `p`-quantile (0..=1) latency in nanoseconds, nearest rank.
    pub fn quantile_ns(&self, p: f64) -> u64 {
        quantile(&self.latencies_ns, p)
    }

    /// Adds another window of the same measurement: latencies, lengths, errors, warm-up
    /// counts and CPU counters are summed.
    pub fn merge(&mut self, other: Point) {
        self.latencies_ns.extend_from_slice(&other.latencies_ns);
        self.latencies_ns.sort_unstable();
        self.elapsed += other.elapsed;
        self.errors += other.errors;
        self.warmup_requests += other.warmup_requests;
        self.warmup_errors += other.warmup_errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.cpu = match (self.cpu, other.cpu) {
            (Some(a), Some(b)) => Some(crate::proxy::Usage {
                user_ticks: a.user_ticks + b.user_ticks,
                sys_ticks: a.sys_ticks + b.sys_ticks,
                context_switches: a.context_switches + b.context_switches,
            }),
            (a, b) => a.or(b),
        };
        self.machine = match (self.machine, other.machine) {
            (Some(a), Some(b)) => Some(crate::proxy::Machine {
                busy_ticks: a.busy_ticks + b.busy_ticks,
                steal_ticks: a.steal_ticks + b.steal_ticks,
                own_ticks: a.own_ticks + b.own_ticks,
            }),
            (a, b) => a.or(b),
        };
    }
}

/// Nearest-rank quantile of sorted samples (0 when empty).
pub fn quantile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Default)]
struct WorkerResult {
    latencies_ns: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    warmup_requests: u64,
    warmup_errors: u64,
}

impl WorkerResult {
    fn fail(&mut self, err: &anyhow::Error) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(format!("{err:#}"));
        }
    }
}

/// Sends requests until `until`, cycling through `targets` (`next` is the worker's position
/// in the cycle); on any failure the connection is replaced.
async fn run_until(
    conn: &mut Option<Conn>,
    targets: &[Target],
    next: &mut usize,
    until: Instant,
    result: &mut WorkerResult,
    record: bool,
) {
    while Instant::now() < until {
        let target = &targets[*next % targets.len()];
        if conn.is_none() {
            match Conn::open(target.addr).await {
                Ok(c) => *conn = Some(c),
                Err(err) => {
                    if record {
                        result.fail(&err);
                    } else {
                        result.warmup_errors += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        *next = next.wrapping_add(1);
        let start = Instant::now();
        match c.call(target).await {
            Ok(()) => {
                if record {
                    let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    result.latencies_ns.push(ns);
                } else {
                    result.warmup_requests += 1;
                }
            }
            Err(err) => {
                if record {
                    result.fail(&err);
                } else {
                    result.warmup_errors += 1;
                }
                *conn = None;
            }
        }
    }
}

/// Runs `concurrency` closed-loop workers: `warmup`, then a measured window of `duration`.
/// With `cpu_of`, that process's CPU counters are read at the window's edges.
pub async fn closed_loop(
    target: &Target,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    cpu_of: Option<u32>,
) -> anyhow::Result<Point> {
    closed_loop_rotating(
        std::slice::from_ref(target),
        concurrency,
        warmup,
        duration,
        cpu_of,
    )
    .await
}

/// [`closed_loop`] where each worker cycles through `targets`, one request each in turn
/// (warm-up included).
pub async fn closed_loop_rotating(
    targets: &[Target],
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    cpu_of: Option<u32>,
) -> anyhow::Result<Point> {
    closed_loop_settled(
        targets,
        concurrency,
        warmup,
        duration,
        cpu_of,
        Duration::ZERO,
    )
    .await
}

/// [`closed_loop_rotating`], with the proxy's CPU counters read `settle` after the warm-up's
/// last answer (the workers wait at the barrier meanwhile) and again `settle` after the
/// window's last answer (the proxy is idle but for what the requests left behind). The
/// window's length (`elapsed`, hence req/s) and the machine's counters still end with the
/// last answer.
pub async fn closed_loop_settled(
    targets: &[Target],
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    cpu_of: Option<u32>,
    settle: Duration,
) -> anyhow::Result<Point> {
    if targets.is_empty() {
        bail!("closed_loop_settled needs at least one target");
    }
    let concurrency = concurrency.max(1);
    let ready = Arc::new(Barrier::new(concurrency + 1));
    let go = Arc::new(Barrier::new(concurrency + 1));
    let targets: Arc<[Target]> = Arc::from(targets);
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (ready, go, targets) = (Arc::clone(&ready), Arc::clone(&go), Arc::clone(&targets));
        workers.spawn(async move {
            let mut result = WorkerResult {
                latencies_ns: Vec::with_capacity(4096),
                ..WorkerResult::default()
            };
            let mut conn = None;
            let mut next = 0;
            let warm_until = Instant::now() + warmup;
            run_until(
                &mut conn,
                &targets,
                &mut next,
                warm_until,
                &mut result,
                false,
            )
            .await;
            ready.wait().await;
            go.wait().await;
            let until = Instant::now() + duration;
            run_until(&mut conn, &targets, &mut next, until, &mut result, true).await;
            result
        });
    }
    ready.wait().await;
    if !settle.is_zero() {
        tokio::time::sleep(settle).await;
    }
    let cpu_start = cpu_of.map(crate::proxy::usage).transpose()?;
    let machine_start = crate::proxy::machine().ok();
    let start = Instant::now();
    go.wait().await;
    let mut point = Point::default();
    while let Some(joined) = workers.join_next().await {
        let result = joined.context("a load worker panicked")?;
        point.latencies_ns.extend_from_slice(&result.latencies_ns);
        point.errors += result.errors;
        point.warmup_requests += result.warmup_requests;
        point.warmup_errors += result.warmup_errors;
        if point.first_error.is_none() {
            point.first_error = result.first_error;
        }
    }
    point.elapsed = start.elapsed();
    if let (Some(before), Ok(after)) = (machine_start, crate::proxy::machine()) {
        point.machine = Some(after.since(&before));
    }
    if !settle.is_zero() {
        tokio::time::sleep(settle).await;
    }
    if let (Some(pid), Some(before)) = (cpu_of, cpu_start) {
        point.cpu = Some(crate::proxy::usage(pid)?.since(&before));
    }
    point.latencies_ns.sort_unstable();
    Ok(point)
}

/// Time to first byte and total time of streamed requests sent one at a time.
#[derive(Debug, Clone, Default)]
pub struct StreamPoint {
    /// Time to the first body byte, ns, sorted.
    pub ttfb_ns: Vec<u64>,
    /// Time to the end of the stream, ns, sorted.
    pub total_ns: Vec<u64>,
    /// Failed requests.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
}

/// `warmup` unrecorded then `n` recorded streamed requests over one keep-alive connection,
/// each after a pause of `gap` (so every request starts from an idle machine, as a client's
/// next turn does, on both sides alike).
pub async fn sequential_streams(
    target: &Target,
    warmup: usize,
    n: usize,
    gap: Duration,
) -> anyhow::Result<StreamPoint> {
    let mut point = StreamPoint::default();
    let mut conn: Option<Conn> = None;
    for i in 0..warmup + n {
        if !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => conn.insert(Conn::open(target.addr).await?),
        };
        match c.stream(target).await {
            Ok((ttfb, total)) if i >= warmup => {
                point
                    .ttfb_ns
                    .push(u64::try_from(ttfb.as_nanos()).unwrap_or(u64::MAX));
                point
                    .total_ns
                    .push(u64::try_from(total.as_nanos()).unwrap_or(u64::MAX));
            }
            Ok(_) => {}
            Err(err) => {
                point.errors += 1;
                point.first_error.get_or_insert_with(|| format!("{err:#}"));
                conn = None;
            }
        }
    }
    point.ttfb_ns.sort_unstable();
    point.total_ns.sort_unstable();
    Ok(point)
}

/// What happened to `n` streams held open at once.
#[derive(Debug, Clone, Default)]
pub struct Hold {
    /// Streams asked for.
    pub requested: usize,
    /// Streams read to the end with a correct body.
    pub completed: usize,
    /// Most streams open at the same moment (response headers in, end not yet).
    pub max_open: usize,
    /// Highest private (anonymous) memory sampled, KiB.
    pub peak_private_kb: u64,
    /// Highest RSS sampled, KiB.
    pub peak_rss_kb: u64,
    /// Samples taken.
    pub samples: u64,
    /// Start → last stream done.
    pub wall: Duration,
    /// Slowest complete stream.
    pub slowest: Duration,
    /// The first failure.
    pub first_error: Option<String>,
    /// Every 30 s: seconds since the start, private KiB, RSS KiB, open fds (a soak's memory
    /// and descriptor curve).
    pub timeline: Vec<(u64, u64, u64, u64)>,
}

/// Opens `n` streams at once (one connection each), reads each to the end, and samples the
/// private memory and RSS of `pid` (when given) every `sample_every` meanwhile.
pub async fn hold_streams(
    target: &Target,
    n: usize,
    chunks: usize,
    pid: Option<u32>,
    sample_every: Duration,
    timeout: Duration,
) -> anyhow::Result<Hold> {
    let target = Arc::new(target.clone());
    let open = Arc::new(AtomicUsize::new(0));
    let max_open = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut streams = JoinSet::new();
    for _ in 0..n {
        let (target, open, max_open) = (
            Arc::clone(&target),
            Arc::clone(&open),
            Arc::clone(&max_open),
        );
        streams.spawn(async move {
            let begun = Instant::now();
            let mut conn = Conn::open(target.addr).await?;
            let response = conn.send(&target).await?;
            let now_open = open.fetch_add(1, Ordering::Relaxed) + 1;
            max_open.fetch_max(now_open, Ordering::Relaxed);
            let read = read_stream(response, begun).await;
            open.fetch_sub(1, Ordering::Relaxed);
            let body = read?.1;
            check(&body, &target)?;
            check_words(&body, chunks)?;
            Ok::<_, anyhow::Error>(begun.elapsed())
        });
    }
    let mut hold = Hold {
        requested: n,
        ..Hold::default()
    };
    let mut ticker = tokio::time::interval(sample_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            joined = streams.join_next() => match joined {
                None => break,
                Some(Ok(Ok(took))) => {
                    hold.completed += 1;
                    hold.slowest = hold.slowest.max(took);
                }
                Some(Ok(Err(err))) => {
                    hold.first_error.get_or_insert_with(|| format!("{err:#}"));
                }
                Some(Err(err)) => {
                    hold.first_error.get_or_insert_with(|| format!("a stream task failed: {err}"));
                }
            },
            _ = ticker.tick() => {
                if let Some(memory) = pid.and_then(|pid| crate::proxy::memory(pid).ok()) {
                    hold.peak_private_kb = hold.peak_private_kb.max(memory.private_kb);
                    hold.peak_rss_kb = hold.peak_rss_kb.max(memory.rss_kb);
                    hold.samples += 1;
                    let secs = start.elapsed().as_secs();
                    if secs >= 30 * (hold.timeline.len() as u64 + 1) {
                        hold.timeline.push((secs, memory.private_kb, memory.rss_kb, memory.fds));
                    }
                }
            }
            () = &mut deadline => {
                streams.abort_all();
                hold.first_error.get_or_insert_with(|| {
                    format!("{} streams still open after {} s; abandoned", streams.len(), timeout.as_secs())
                });
                break;
            }
        }
    }
    hold.wall = start.elapsed();
    hold.max_open = max_open.load(Ordering::Relaxed);
    Ok(hold)
}

/// Long fast streams read back to back by `concurrency` workers for one measured window.
#[derive(Debug, Clone, Default)]
pub struct ChunkPoint {
    /// Streams read to the end with a correct body in the window.
    pub streams: u64,
    /// SSE data events (`data:` lines) those streams carried to the client.
    pub events: u64,
    /// Length of the window (start → the last stream read to its end).
    pub elapsed: Duration,
    /// Failed streams.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// The proxy's CPU time and context switches over the window.
    pub cpu: Option<crate::proxy::Usage>,
    /// The machine's and this process's CPU ticks over the window.
    pub machine: Option<crate::proxy::Machine>,
}

impl ChunkPoint {
    /// CPU cores busy with processes other than the proxy and this one, on average.
    pub fn others_cores(&self, ticks_per_s: u64) -> Option<f64> {
        let m = self.machine?;
        let proxy = self.cpu.map_or(0, |u| u.ticks());
        let others = m.busy_ticks.saturating_sub(m.own_ticks + proxy);
        Some(others as f64 / ticks_per_s as f64 / self.elapsed.as_secs_f64().max(1e-9))
    }
}

#[derive(Default)]
struct ChunkWorker {
    streams: u64,
    events: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Streams `target` until `until` over one connection (replaced after a failure).
async fn stream_until(
    conn: &mut Option<Conn>,
    target: &Target,
    until: Instant,
    result: &mut ChunkWorker,
) {
    while Instant::now() < until {
        if conn.is_none() {
            match Conn::open(target.addr).await {
                Ok(c) => *conn = Some(c),
                Err(err) => {
                    result.errors += 1;
                    result.first_error.get_or_insert_with(|| format!("{err:#}"));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        match c.stream_events(target).await {
            Ok(events) => {
                result.streams += 1;
                result.events += events;
            }
            Err(err) => {
                result.errors += 1;
                result.first_error.get_or_insert_with(|| format!("{err:#}"));
                *conn = None;
            }
        }
    }
}

/// `concurrency` workers each read streamed answers of `target` back to back (one keep-alive
/// connection each): `warmup` uncounted, then, after a barrier, a measured window of
/// `duration`. The CPU counters of `pid` are read when the window opens and once every
/// worker has finished its last stream (streams begun in the window are read to the end and
/// counted), as [`closed_loop`] does.
pub async fn chunk_streams(
    target: &Target,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    pid: u32,
) -> anyhow::Result<ChunkPoint> {
    let concurrency = concurrency.max(1);
    let ready = Arc::new(Barrier::new(concurrency + 1));
    let go = Arc::new(Barrier::new(concurrency + 1));
    let target = Arc::new(target.clone());
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (ready, go, target) = (Arc::clone(&ready), Arc::clone(&go), Arc::clone(&target));
        workers.spawn(async move {
            let mut conn = None;
            let mut warm = ChunkWorker::default();
            stream_until(&mut conn, &target, Instant::now() + warmup, &mut warm).await;
            ready.wait().await;
            go.wait().await;
            let mut result = ChunkWorker::default();
            stream_until(&mut conn, &target, Instant::now() + duration, &mut result).await;
            result
        });
    }
    ready.wait().await;
    let cpu_start = crate::proxy::usage(pid)?;
    let machine_start = crate::proxy::machine().ok();
    let start = Instant::now();
    go.wait().await;
    let mut point = ChunkPoint::default();
    while let Some(joined) = workers.join_next().await {
        let result = joined.context("a stream worker panicked")?;
        point.streams += result.streams;
        point.events += result.events;
        point.errors += result.errors;
        if point.first_error.is_none() {
            point.first_error = result.first_error;
        }
    }
    point.elapsed = start.elapsed();
    if let (Some(before), Ok(after)) = (machine_start, crate::proxy::machine()) {
        point.machine = Some(after.since(&before));
    }
    point.cpu = Some(crate::proxy::usage(pid)?.since(&cpu_start));
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), 50);
        assert_eq!(quantile(&v, 0.99), 99);
        assert_eq!(quantile(&v, 1.0), 100);
        assert_eq!(quantile(&v, 0.0), 1);
        assert_eq!(quantile(&[], 0.5), 0);
        assert!(contains(b"abc data: [DONE]", b"[DONE]"));
    }

    #[test]
    fn words_are_counted_once_per_stream() {
        let delta = |i: usize| {
            format!(
                "event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"delta\":\"word{i} and more text \"}}\n\n"
            )
        };
        // A Responses stream repeats the whole text in its `.done` and `completed` events.
        let responses = format!(
            "event: response.created\ndata: {{}}\n\n{}{}event: response.output_text.done\ndata: {{\"text\":\"word0 and more text word1 and more text \"}}\n\nevent: response.completed\ndata: {{\"output\":\"word0 and more text word1 and more text \"}}\n\n",
            delta(0),
            delta(1)
        );
        assert!(check_words(responses.as_bytes(), 2).is_ok());
        assert_eq!(text_events(responses.as_bytes()).count(), 2);
        let chat = "data: {\"c\":\"word0 and more text \"}\n\ndata: {\"c\":\"word1 and more text \"}\n\ndata: [DONE]\n\n";
        assert!(check_words(chat.as_bytes(), 2).is_ok());
        assert!(check_words(chat.as_bytes(), 3).is_err());
        let reordered =
            "data: {\"c\":\"word1 and more text \"}\n\ndata: {\"c\":\"word0 and more text \"}\n\n";
        assert!(check_words(reordered.as_bytes(), 2).is_err());
        // Messages events carry each word once.
        let messages = "event: content_block_delta\ndata: {\"text\":\"word0 and more text \"}\n\nevent: message_stop\ndata: {}\n\n";
        assert!(check_words(messages.as_bytes(), 1).is_ok());
    }

    #[test]
    fn counts_sse_data_events() {
        let chat = b"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n";
        assert_eq!(data_events(chat), 3);
        let anthropic =
            b"event: message_start\ndata: {}\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n";
        assert_eq!(data_events(anthropic), 2);
        assert_eq!(data_events(b""), 0);
    }
}
