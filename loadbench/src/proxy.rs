//! The proxy under test: spawning the release `copilot-api` binary against the fake upstream,
//! timing its start-up, draining its log, reading its CPU time and memory from `/proc` (private
//! memory from `smaps_rollup`, RSS from `status`), and stopping it.
//!
//! The child gets a clean environment: `HOME`, `XDG_*` and `COPILOT_API_HOME` point into a
//! temporary directory holding only a `github_token` file, both upstream URLs point at the
//! fake, `NO_PROXY=*` keeps every call on loopback, `NO_COLOR=1`, and `RUST_LOG` is whatever
//! the pass asks for (unset means the proxy's default, `info`, with one access-log line per
//! request). The fail-over run and the ledger-off proxy of the ledger run also pass
//! `--config <file>`; every other run has no config file (`XDG_CONFIG_HOME` points at an empty
//! directory). [`run_command`] runs another command of the same binary (`usage --local`) in
//! the same environment, so it finds the data directory the proxy wrote.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, ChildStderr, Command};

use crate::fake::Fake;

/// How long start-up may take before the benchmark gives up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a one-shot command ([`run_command`]) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Log lines kept for the report (warnings and errors only).
const KEPT_LINES: usize = 20;

/// A private data directory for the proxy, removed when dropped.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// Creates the directory with a `copilot-api/github_token` file (mode 0600).
    pub fn new() -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("copilot-api-loadbench.")
            .tempdir()
            .context("cannot create a temporary directory")?;
        let data = dir.path().join("copilot-api");
        std::fs::create_dir_all(&data)?;
        let token = data.join("github_token");
        std::fs::write(&token, "gho_loadbench")?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600))?;
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self { dir })
    }

    /// The temporary directory (the proxy's `HOME`).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The data directory in it (the proxy's `COPILOT_API_HOME`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("copilot-api")
    }
}

/// How the proxy's start-up went.
#[derive(Debug, Clone, Copy)]
pub struct Startup {
    /// Process spawn → the `Listening on …` line read from stderr.
    pub spawn_to_listening: Duration,
    /// Spawn → the fake handing out the Copilot token.
    pub spawn_to_token: Option<Duration>,
    /// The fake handing out the Copilot token → the `Listening on …` line: the start-up cost
    /// once the token is in hand (the `/user` and `/models` calls to the fake are included).
    pub token_to_listening: Option<Duration>,
    /// The `ready in N ms` the proxy itself printed.
    pub reported_ready_ms: Option<u64>,
}

/// Lines the proxy wrote to stderr after it started listening.
#[derive(Debug, Default)]
pub struct LogTap {
    /// Lines read.
    pub lines: AtomicU64,
    /// Bytes read (newlines included).
    pub bytes: AtomicU64,
    /// Lines at WARN or ERROR level.
    pub notable: AtomicU64,
    kept: Mutex<Vec<String>>,
}

impl LogTap {
    fn record(&self, line: &str) {
        self.lines.fetch_add(1, Ordering::Relaxed);
        self.bytes
            .fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
        let level_at = line.find(" WARN ").or_else(|| line.find(" ERROR "));
        let bare = line.starts_with("WARN ") || line.starts_with("ERROR ");
        if level_at.is_some() || bare || line.starts_with("error:") {
            self.notable.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut kept) = self.kept.lock()
                && kept.len() < KEPT_LINES
            {
                kept.push(line.to_owned());
            }
        }
    }

    /// The first warning and error lines.
    pub fn kept(&self) -> Vec<String> {
        self.kept.lock().map(|k| k.clone()).unwrap_or_default()
    }

    /// `(lines, bytes)` so far.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.lines.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

/// Variables passed from loadbench's environment to the proxy (the rest is cleared).
const PASSED_THROUGH: [&str; 7] = [
    "TOKIO_WORKER_THREADS",
    "COPILOT_API_CONFIG",
    "COPILOT_API_THREADS",
    "LD_PRELOAD",
    "MALLOC_ARENA_MAX",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
];

/// A running proxy.
pub struct Proxy {
    child: Child,
    /// Its process id.
    pub pid: u32,
    /// Where it listens.
    pub addr: SocketAddr,
    /// How start-up went.
    pub startup: Startup,
    /// Its stderr after start-up.
    pub log: Arc<LogTap>,
}

/// How the proxy stopped.
#[derive(Debug, Clone)]
pub struct Shutdown {
    /// SIGTERM → exit.
    pub took: Duration,
    /// Exit status, or why there is none.
    pub status: String,
}

impl Proxy {
    /// Spawns `bin start --port 0` and waits for its `Listening on …` line.
    /// `rust_log: None` leaves `RUST_LOG` unset (the proxy's default, `info`).
    pub async fn start(
        bin: &Path,
        fake: &Fake,
        home: &Home,
        rust_log: Option<&str>,
    ) -> anyhow::Result<Self> {
        Self::start_with_config(bin, fake, home, rust_log, None).await
    }

    /// [`Proxy::start`], with `--config <config>` when given.
    pub async fn start_with_config(
        bin: &Path,
        fake: &Fake,
        home: &Home,
        rust_log: Option<&str>,
        config: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let mut cmd = Command::new(bin);
        cmd.args(["start", "--port", "0"]);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        environment(&mut cmd, fake, home, rust_log);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        fake.state.clear_token_served();
        let spawned = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot run {}", bin.display()))?;
        let pid = child.id().context("the proxy exited at once")?;
        let stderr = child.stderr.take().context("no stderr pipe")?;
        let mut lines = BufReader::new(stderr).lines();
        let wait = async {
            let mut seen = Vec::new();
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.split("Listening on ").nth(1) {
                    return Ok((Instant::now(), rest.to_owned()));
                }
                seen.push(line);
            }
            bail!(
                "the proxy exited before listening; its stderr:\n{}",
                seen.join("\n")
            )
        };
        let (listening, rest) = tokio::time::timeout(STARTUP_TIMEOUT, wait)
            .await
            .context("the proxy did not print `Listening on` in time")??;
        let url = rest.split_whitespace().next().unwrap_or_default();
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .with_context(|| format!("cannot parse the listening address in {rest:?}"))?;
        if !addr.ip().is_loopback() {
            bail!("the proxy listens on {addr}, not on loopback");
        }
        let reported_ready_ms = rest
            .split("ready in ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok());
        let token = fake.state.token_served();
        let startup = Startup {
            spawn_to_listening: listening - spawned,
            spawn_to_token: token.map(|t| t.saturating_duration_since(spawned)),
            token_to_listening: token.map(|t| listening.saturating_duration_since(t)),
            reported_ready_ms,
        };
        let log = Arc::new(LogTap::default());
        tokio::spawn(drain(lines, Arc::clone(&log)));
        Ok(Self {
            child,
            pid,
            addr,
            startup,
            log,
        })
    }

    /// Sends SIGTERM and waits for the exit (SIGKILL after 15 s).
    pub async fn stop(mut self) -> Shutdown {
        let start = Instant::now();
        let Ok(pid) = libc::pid_t::try_from(self.pid) else {
            let _ = self.child.kill().await;
            return Shutdown {
                took: start.elapsed(),
                status: "killed (pid out of range)".into(),
            };
        };
        // SAFETY: kill(2) has no memory-safety preconditions; `pid` is our own child, which
        // has not been reaped yet (we still hold its `Child`), so the id cannot be reused.
        #[allow(unsafe_code)]
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) } == 0;
        if sent
            && let Ok(status) =
                tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await
        {
            return Shutdown {
                took: start.elapsed(),
                status: match status {
                    Ok(status) => status.to_string(),
                    Err(err) => format!("wait failed: {err}"),
                },
            };
        }
        let _ = self.child.kill().await;
        Shutdown {
            took: start.elapsed(),
            status: "killed after SIGTERM was ignored for 15 s".into(),
        }
    }

    /// The process's memory figures now.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        memory(self.pid)
    }
}

/// The environment of every command of the binary under test (see the module doc): cleared,
/// then `PATH`, the private `HOME`, `XDG_*` and `COPILOT_API_HOME` of `home`, the upstream URLs
/// of `fake`, `NO_PROXY=*`, `NO_COLOR=1`, `RUST_LOG` when given, and [`PASSED_THROUGH`].
fn environment(cmd: &mut Command, fake: &Fake, home: &Home, rust_log: Option<&str>) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("COPILOT_API_HOME", home.data_dir())
        .env("COPILOT_API_GITHUB_URL", &fake.base)
        .env("COPILOT_API_GITHUB_API_URL", &fake.base)
        .env("COPILOT_API_COPILOT_URL", &fake.base)
        .env("NO_PROXY", "*")
        .env("NO_COLOR", "1");
    if let Some(filter) = rust_log {
        cmd.env("RUST_LOG", filter);
    }
    // Lets a run compare runtime and allocator settings, e.g.
    // `TOKIO_WORKER_THREADS=2 loadbench …` or `MALLOC_ARENA_MAX=1 loadbench …`.
    for name in PASSED_THROUGH {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
}

/// Runs `bin ARGS…` to its end in the environment a proxy started from `home` gets (e.g.
/// `usage --local --json`, which reads the ledger a stopped proxy wrote in that data
/// directory); its stdout. A non-zero exit is an error carrying the command's stderr.
pub async fn run_command(
    bin: &Path,
    fake: &Fake,
    home: &Home,
    rust_log: Option<&str>,
    args: &[&str],
) -> anyhow::Result<String> {
    let mut cmd = Command::new(bin);
    cmd.args(args);
    environment(&mut cmd, fake, home, rust_log);
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    let shown = format!("{} {}", bin.display(), args.join(" "));
    let output = tokio::time::timeout(COMMAND_TIMEOUT, cmd.output())
        .await
        .with_context(|| format!("`{shown}` did not finish in {COMMAND_TIMEOUT:?}"))?
        .with_context(|| format!("cannot run `{shown}`"))?;
    if !output.status.success() {
        bail!(
            "`{shown}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{shown}` printed no UTF-8"))
}

/// The value of the unlabelled sample `name` in Prometheus / OpenMetrics text (`# HELP`,
/// `# TYPE` and labelled samples are skipped; `name` must be the whole metric name).
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// The usage ledger's gauges in the proxy's `GET /metrics`; `None`: the metric is missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct LedgerGauges {
    /// `copilot_api_ledger_enabled`: 1 while the ledger is writing.
    pub enabled: Option<f64>,
    /// `copilot_api_ledger_queue_depth`: rows waiting for the writer thread.
    pub queue_depth: Option<f64>,
    /// `copilot_api_ledger_dropped_rows`: rows dropped on a full queue since start.
    pub dropped: Option<f64>,
}

impl LedgerGauges {
    /// Reads them from the text of `GET /metrics`.
    pub fn parse(metrics: &str) -> Self {
        Self {
            enabled: metric(metrics, "copilot_api_ledger_enabled"),
            queue_depth: metric(metrics, "copilot_api_ledger_queue_depth"),
            dropped: metric(metrics, "copilot_api_ledger_dropped_rows"),
        }
    }
}

/// Keeps reading the proxy's stderr so it never blocks on a full pipe.
async fn drain(mut lines: tokio::io::Lines<BufReader<ChildStderr>>, tap: Arc<LogTap>) {
    while let Ok(Some(line)) = lines.next_line().await {
        tap.record(&line);
    }
}

/// CPU counters of a process (all threads), or their change over an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// User-mode CPU time, clock ticks (`utime`).
    pub user_ticks: u64,
    /// Kernel-mode CPU time, clock ticks (`stime`).
    pub sys_ticks: u64,
    /// Voluntary + involuntary context switches, summed over the threads alive now.
    pub context_switches: u64,
}

impl Usage {
    /// `utime + stime`.
    pub fn ticks(&self) -> u64 {
        self.user_ticks + self.sys_ticks
    }

    /// The change from `earlier` to `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            user_ticks: self.user_ticks.saturating_sub(earlier.user_ticks),
            sys_ticks: self.sys_ticks.saturating_sub(earlier.sys_ticks),
            context_switches: self
                .context_switches
                .saturating_sub(earlier.context_switches),
        }
    }
}

/// Reads `utime` and `stime` from `/proc/<pid>/stat` and the context switches of every thread
/// from `/proc/<pid>/task/*/status`.
pub fn usage(pid: u32) -> anyhow::Result<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    let (user_ticks, sys_ticks) =
        parse_cpu_ticks(&stat).with_context(|| format!("cannot parse /proc/{pid}/stat"))?;
    let mut context_switches = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))?.flatten() {
        // A thread may exit between listing and reading: skip it.
        if let Ok(status) = std::fs::read_to_string(task.path().join("status")) {
            context_switches += status
                .lines()
                .filter(|l| {
                    l.starts_with("voluntary_ctxt_switches:")
                        || l.starts_with("nonvoluntary_ctxt_switches:")
                })
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Ok(Usage {
        user_ticks,
        sys_ticks,
        context_switches,
    })
}

/// utime + stime of the threads of `pid` named `name` (`/proc/<pid>/task/*/comm`), or `None`
/// when no thread has that name.
pub fn thread_ticks(pid: u32, name: &str) -> anyhow::Result<Option<u64>> {
    let mut found = None;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(task.path().join("stat"))
            && let Some((user, sys)) = parse_cpu_ticks(&stat)
        {
            *found.get_or_insert(0) += user + sys;
        }
    }
    Ok(found)
}

/// CPU ticks of the whole machine (`/proc/stat`) and of this process (the load generator and
/// the fake), to tell how much else was running during a measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Machine {
    /// Busy ticks of all CPUs (user, nice, system, irq, softirq).
    pub busy_ticks: u64,
    /// Ticks the hypervisor gave to someone else.
    pub steal_ticks: u64,
    /// This process's utime + stime.
    pub own_ticks: u64,
}

impl Machine {
    /// The change from `earlier` to `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            busy_ticks: self.busy_ticks.saturating_sub(earlier.busy_ticks),
            steal_ticks: self.steal_ticks.saturating_sub(earlier.steal_ticks),
            own_ticks: self.own_ticks.saturating_sub(earlier.own_ticks),
        }
    }
}

/// Reads `/proc/stat` and `/proc/self/stat`.
pub fn machine() -> anyhow::Result<Machine> {
    let stat = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
    let (busy_ticks, steal_ticks) = parse_machine(&stat).context("cannot parse /proc/stat")?;
    let own = std::fs::read_to_string("/proc/self/stat").context("cannot read /proc/self/stat")?;
    let (user, sys) = parse_cpu_ticks(&own).context("cannot parse /proc/self/stat")?;
    Ok(Machine {
        busy_ticks,
        steal_ticks,
        own_ticks: user + sys,
    })
}

/// `(busy, steal)` from the aggregate `cpu` line of `/proc/stat`.
fn parse_machine(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let field = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = field(0) + field(1) + field(2) + field(5) + field(6);
    Some((busy, field(7)))
}

/// Fields 14 and 15 (utime, stime) of a `stat` line. The command name (field 2) may contain
/// spaces and parentheses, so counting starts after its last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<(u64, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime, stime))
}

/// Clock ticks per second (`getconf CLK_TCK`).
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    #[allow(unsafe_code)]
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// Memory figures from `/proc/<pid>/smaps_rollup` and `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Private (anonymous) memory: heap, stacks and copied-on-write pages, which nobody else
    /// shares and the proxy alone costs the machine. `Anonymous:` of `smaps_rollup`, or
    /// `RssAnon:` of `status` on kernels without `smaps_rollup` (see `private_from_smaps`).
    pub private_kb: u64,
    /// Whether `private_kb` came from `smaps_rollup` (exact) rather than `RssAnon`.
    pub private_from_smaps: bool,
    /// Resident set size now (private memory plus the file-backed pages, mostly the binary's
    /// code, which the page cache shares).
    pub rss_kb: u64,
    /// Peak resident set size since the process started.
    pub hwm_kb: u64,
    /// Resident anonymous memory as `status` counts it (`RssAnon`).
    pub anon_kb: u64,
    /// Resident file-backed memory (mostly the binary's own pages).
    pub file_kb: u64,
    /// Threads.
    pub threads: u64,
    /// Open file descriptors (sockets included).
    pub fds: u64,
}

/// Reads `/proc/<pid>/status`, `/proc/<pid>/smaps_rollup` and counts `/proc/<pid>/fd`.
pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let mut memory = parse_memory(&status);
    match std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .as_deref()
        .and_then(parse_anonymous)
    {
        Some(anonymous) => {
            memory.private_kb = anonymous;
            memory.private_from_smaps = true;
        }
        None => memory.private_kb = memory.anon_kb,
    }
    memory.fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count() as u64);
    Ok(memory)
}

/// `Anonymous:` (kB) of `smaps_rollup`: the resident anonymous pages of every mapping.
fn parse_anonymous(smaps_rollup: &str) -> Option<u64> {
    smaps_rollup
        .lines()
        .find_map(|line| line.strip_prefix("Anonymous:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn parse_memory(status: &str) -> Memory {
    let mut memory = Memory::default();
    for line in status.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let number = || {
            value
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        match key {
            "VmRSS" => memory.rss_kb = number(),
            "VmHWM" => memory.hwm_kb = number(),
            "RssAnon" => memory.anon_kb = number(),
            "RssFile" => memory.file_kb = number(),
            "Threads" => memory.threads = number(),
            _ => {}
        }
    }
    memory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_and_status() {
        let stat = "4242 (copilot (api)) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 5 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some((37, 5)));
        let machine = "cpu  100 1 20 5000 3 4 5 6 0 0\ncpu0 50 0 10 2500 1 2 2 3 0 0\n";
        assert_eq!(parse_machine(machine), Some((130, 6)));
        let status = "Name:\tcopilot-api\nVmHWM:\t   9000 kB\nVmRSS:\t    7000 kB\nRssAnon:\t 3000 kB\nRssFile:\t 4000 kB\nThreads:\t3\n";
        let m = parse_memory(status);
        assert_eq!((m.rss_kb, m.hwm_kb, m.threads), (7000, 9000, 3));
        assert_eq!((m.anon_kb, m.file_kb), (3000, 4000));
        let rollup = "55d0c0de0000-7ffd00000000 ---p 00000000 00:00 0 [rollup]\nRss:\t7000 kB\nPrivate_Dirty:\t2990 kB\nAnonymous:\t2980 kB\nAnonHugePages:\t0 kB\n";
        assert_eq!(parse_anonymous(rollup), Some(2980));
        assert_eq!(parse_anonymous("Rss: 7000 kB\n"), None);
    }

    /// The exact names, unlabelled samples only, from OpenMetrics text as `prometheus_client`
    /// encodes it (gauges without a `_total` suffix, `# EOF` at the end).
    #[test]
    fn reads_the_ledger_gauges() {
        let text = "# HELP copilot_api_requests Requests.\n# TYPE copilot_api_requests counter\n\
copilot_api_requests_total{route=\"chat\",provider=\"copilot\"} 7\n\
# HELP copilot_api_ledger_queue_depth Ledger rows waiting for the writer.\n\
# TYPE copilot_api_ledger_queue_depth gauge\ncopilot_api_ledger_queue_depth 3\n\
# HELP copilot_api_ledger_dropped_rows Ledger rows dropped because the queue was full, since start.\n\
# TYPE copilot_api_ledger_dropped_rows gauge\ncopilot_api_ledger_dropped_rows 12\n\
# HELP copilot_api_ledger_enabled 1 while the usage ledger is writing.\n\
# TYPE copilot_api_ledger_enabled gauge\ncopilot_api_ledger_enabled 1\n# EOF\n";
        let g = LedgerGauges::parse(text);
        assert_eq!(
            (g.enabled, g.queue_depth, g.dropped),
            (Some(1.0), Some(3.0), Some(12.0))
        );
        assert_eq!(metric(text, "copilot_api_requests"), None);
        assert_eq!(metric(text, "copilot_api_ledger"), None);
        let missing = LedgerGauges::parse("# EOF\n");
        assert_eq!(missing.dropped, None);
    }
}
