//! The ledger's SQLite store: schema and migrations, the writer's batches, pruning, and the
//! read-only queries behind `usage --local`, the dashboard and the budgets.
//!
//! `rusqlite` with its bundled SQLite (no system library to match; the newest release for this
//! crate's Rust version): a synchronous API is what one writer thread wants. The database runs
//! in WAL mode (`synchronous = NORMAL`: a crash loses at most the last transactions, never
//! corrupts the file), so readers — `usage --local` while the server runs, the dashboard — never
//! block the writer.
//!
//! Tables: `requests` (one row per request; pruned after `keep_days`), `daily` (a roll-up per
//! day, provider, model, key and initiator, written in the same transaction and kept forever),
//! `quota` (snapshots of GitHub's quota numbers), `bodies` (only with `[ledger] bodies = true`)
//! and `schema_version`.
//!
//! Latency percentiles come from a logarithmic bucket stored with each row (about 5% wide), so
//! a report over a million rows is one indexed aggregate, not a sort in memory.

use std::path::Path;

use anyhow::{Context as _, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};
use serde::Serialize;

use super::Row;

/// The schema this binary writes; each entry brings the database from the version before.
const MIGRATIONS: &[&str] = &[
    // 1: requests, the daily roll-up, bodies.
    "CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        route TEXT NOT NULL,
        client_model TEXT,
        provider TEXT,
        upstream_model TEXT,
        shape TEXT,
        status INTEGER NOT NULL,
        error_class TEXT,
        stream INTEGER NOT NULL,
        initiator TEXT,
        tokens_in INTEGER,
        tokens_out INTEGER,
        cache_read INTEGER,
        cache_write INTEGER,
        reasoning INTEGER,
        ttfb_ms INTEGER,
        total_ms INTEGER NOT NULL,
        latency_bucket INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        fallbacks INTEGER NOT NULL,
        key_name TEXT,
        session_id TEXT,
        tools INTEGER NOT NULL,
        images INTEGER NOT NULL,
        credits REAL,
        included INTEGER NOT NULL,
        premium_units REAL
    );
    CREATE INDEX requests_ts ON requests(ts_ms);
    CREATE TABLE daily (
        day TEXT NOT NULL,
        provider TEXT NOT NULL,
        upstream_model TEXT NOT NULL,
        key_name TEXT NOT NULL,
        initiator TEXT NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        credits REAL NOT NULL,
        unpriced INTEGER NOT NULL,
        premium_units REAL NOT NULL,
        total_ms INTEGER NOT NULL,
        PRIMARY KEY (day, provider, upstream_model, key_name, initiator)
    ) WITHOUT ROWID;
    CREATE TABLE bodies (
        request_id TEXT PRIMARY KEY,
        request BLOB,
        response BLOB
    ) WITHOUT ROWID;",
    // 2: bytes in and out, the time-to-first-byte bucket, quota snapshots.
    "ALTER TABLE requests ADD COLUMN bytes_in INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN bytes_out INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN ttfb_bucket INTEGER;
    CREATE TABLE quota (ts_ms INTEGER NOT NULL, snapshot TEXT NOT NULL);
    CREATE INDEX quota_ts ON quota(ts_ms);",
    // 3: latency histograms beside the daily roll-up, so reports over whole days (and beyond
    // the raw rows' retention) need no raw rows.
    "CREATE TABLE daily_latency (
        day TEXT NOT NULL,
        provider TEXT NOT NULL,
        upstream_model TEXT NOT NULL,
        key_name TEXT NOT NULL,
        initiator TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, provider, upstream_model, key_name, initiator, bucket)
    ) WITHOUT ROWID;",
];

/// The schema version this binary knows.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// What the writer thread needs of a store.
pub(crate) trait Store: Send + 'static {
    /// Writes rows (and their roll-up) in one transaction.
    fn write(&mut self, rows: &[Box<Row>]) -> anyhow::Result<()>;
    /// Deletes up to `limit` raw rows older than `before_ms`; how many went.
    fn prune(&mut self, before_ms: i64, limit: usize) -> anyhow::Result<usize>;
    /// Flushes and closes.
    fn close(self);
}

/// The SQLite store of the writer.
#[derive(Debug)]
pub(crate) struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens the file (creating it and its directory), checks it, migrates it.
    pub(crate) fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            crate::auth::store::create_private_dir(dir)?;
        }
        // Private from the start (key names, sessions, maybe bodies); SQLite gives its -wal and
        // -shm files the same mode.
        #[cfg(unix)]
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt as _;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
        }
        let conn =
            Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        configure(&conn)?;
        migrate(&conn, path)?;
        Ok(Self { conn })
    }
}

fn configure(conn: &Connection) -> anyhow::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // `journal_mode` answers with a row; a corrupt file fails here with "not a database".
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .context("the file is not a usable SQLite database")?;
    if !mode.eq_ignore_ascii_case("wal") {
        bail!("cannot switch to WAL mode (got {mode})");
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;")?;
    Ok(())
}

fn migrate(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    if current > VERSION {
        bail!(
            "{} has schema version {current}, newer than this copilot-api knows ({VERSION}): \
             update copilot-api, or move the file away to start a new ledger",
            path.display()
        );
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(step)
            .with_context(|| format!("migrating the ledger to schema version {version}"))?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// The latency bucket of `ms`: about 5% wide, so percentiles are within a few percent.
pub(crate) fn bucket(ms: u64) -> i64 {
    ((ms as f64 + 1.0).ln() * 20.0).floor() as i64
}

/// The middle of a bucket, in milliseconds.
fn bucket_ms(bucket: i64) -> f64 {
    let low = (bucket as f64 / 20.0).exp() - 1.0;
    let high = ((bucket + 1) as f64 / 20.0).exp() - 1.0;
    ((low + high) / 2.0).max(0.0)
}

/// `YYYY-MM-DD` (UTC) of a Unix millisecond time.
pub(crate) fn day(ts_ms: i64) -> String {
    let days = ts_ms.div_euclid(DAY_MS);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// A roll-up group: day, provider, model, key name, initiator.
/// A roll-up group: day (days since the epoch), provider, model, key name, initiator; borrowed
/// from the batch's rows, so grouping allocates nothing per row.
type Group5<'a> = (i64, &'a str, &'a str, &'a str, &'a str);

/// A roll-up group's sums within one batch.
#[derive(Debug, Default)]
struct Totals {
    requests: i64,
    errors: i64,
    tokens_in: i64,
    tokens_out: i64,
    cache_read: i64,
    cache_write: i64,
    credits: f64,
    unpriced: i64,
    premium_units: f64,
    total_ms: i64,
}

fn opt(n: Option<u64>) -> Option<i64> {
    n.map(|n| n as i64)
}

impl Store for SqliteStore {
    fn write(&mut self, rows: &[Box<Row>]) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        // The roll-up is summed over the batch first: one upsert per group, not per row.
        let mut totals: std::collections::HashMap<Group5, Totals> =
            std::collections::HashMap::new();
        let mut latency: std::collections::HashMap<(Group5, i64), i64> =
            std::collections::HashMap::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO requests (ts_ms, request_id, route, client_model, provider, upstream_model,
                    shape, status, error_class, stream, initiator, tokens_in, tokens_out, cache_read,
                    cache_write, reasoning, ttfb_ms, total_ms, latency_bucket, attempts, fallbacks,
                    key_name, session_id, tools, images, credits, included, premium_units, bytes_in, bytes_out,
                    ttfb_bucket)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                    ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)",
            )?;
            let mut daily = tx.prepare_cached(
                "INSERT INTO daily (day, provider, upstream_model, key_name, initiator, requests, errors,
                    tokens_in, tokens_out, cache_read, cache_write, credits, unpriced, premium_units, total_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                 ON CONFLICT (day, provider, upstream_model, key_name, initiator) DO UPDATE SET
                    requests = requests + excluded.requests, errors = errors + excluded.errors,
                    tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
                    cache_read = cache_read + excluded.cache_read, cache_write = cache_write + excluded.cache_write,
                    credits = credits + excluded.credits, unpriced = unpriced + excluded.unpriced,
                    premium_units = premium_units + excluded.premium_units, total_ms = total_ms + excluded.total_ms",
            )?;
            let mut body = tx.prepare_cached(
                "INSERT OR REPLACE INTO bodies (request_id, request, response) VALUES (?1, ?2, ?3)",
            )?;
            for row in rows {
                let t = &row.tokens;
                insert.execute(params![
                    row.ts_ms,
                    row.request_id,
                    row.route,
                    row.client_model,
                    row.provider,
                    row.upstream_model,
                    row.shape,
                    row.status,
                    row.error_class,
                    row.stream,
                    row.initiator,
                    opt(t.input),
                    opt(t.output),
                    opt(t.cache_read),
                    opt(t.cache_write),
                    opt(t.reasoning),
                    opt(row.ttfb_ms),
                    row.total_ms as i64,
                    bucket(row.total_ms),
                    row.attempts,
                    row.fallbacks,
                    row.key_name,
                    row.session_id,
                    row.tools,
                    row.images,
                    row.credits,
                    row.included,
                    row.premium_units,
                    row.bytes_in as i64,
                    row.bytes_out as i64,
                    row.ttfb_ms.map(bucket),
                ])?;
                let key: Group5<'_> = (
                    row.ts_ms.div_euclid(DAY_MS),
                    row.provider.as_deref().unwrap_or_default(),
                    row.upstream_model
                        .as_deref()
                        .or(row.client_model.as_deref())
                        .unwrap_or_default(),
                    row.key_name.as_deref().unwrap_or_default(),
                    row.initiator.unwrap_or_default(),
                );
                *latency.entry((key, bucket(row.total_ms))).or_default() += 1;
                let sum = totals.entry(key).or_default();
                sum.requests += 1;
                sum.errors += i64::from(row.error_class.is_some());
                sum.tokens_in += t.input.unwrap_or(0) as i64;
                sum.tokens_out += t.output.unwrap_or(0) as i64;
                sum.cache_read += t.cache_read.unwrap_or(0) as i64;
                sum.cache_write += t.cache_write.unwrap_or(0) as i64;
                sum.credits += row.credits.unwrap_or(0.0);
                sum.unpriced += i64::from(row.credits.is_none() && row.error_class.is_none());
                sum.premium_units += row.premium_units.unwrap_or(0.0);
                sum.total_ms += row.total_ms as i64;
                if row.request_body.is_some() || row.response_body.is_some() {
                    body.execute(params![
                        row.request_id,
                        row.request_body.as_deref(),
                        row.response_body.as_deref()
                    ])?;
                }
            }
            let mut histogram = tx.prepare_cached(
                "INSERT INTO daily_latency (day, provider, upstream_model, key_name, initiator, bucket, n)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (day, provider, upstream_model, key_name, initiator, bucket)
                 DO UPDATE SET n = n + excluded.n",
            )?;
            for (((days, provider, model, key, initiator), b), n) in &latency {
                let day = day(days * DAY_MS);
                histogram.execute(params![day, provider, model, key, initiator, b, n])?;
            }
            for ((days, provider, model, key, initiator), t) in &totals {
                daily.execute(params![
                    day(days * DAY_MS),
                    provider,
                    model,
                    key,
                    initiator,
                    t.requests,
                    t.errors,
                    t.tokens_in,
                    t.tokens_out,
                    t.cache_read,
                    t.cache_write,
                    t.credits,
                    t.unpriced,
                    t.premium_units,
                    t.total_ms,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn prune(&mut self, before_ms: i64, limit: usize) -> anyhow::Result<usize> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM bodies WHERE request_id IN
                (SELECT request_id FROM requests WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2)",
            params![before_ms, limit as i64],
        )?;
        let n = tx.execute(
            "DELETE FROM requests WHERE id IN
                (SELECT id FROM requests WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2)",
            params![before_ms, limit as i64],
        )?;
        tx.commit()?;
        Ok(n)
    }

    fn close(self) {
        let _ = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
        let _ = self.conn.close();
    }
}

/// How report rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum By {
    /// Upstream model.
    Model,
    /// Provider.
    Provider,
    /// UTC day.
    Day,
    /// API key name.
    Key,
    /// Client session.
    Session,
}

impl By {
    fn column(self) -> &'static str {
        match self {
            Self::Model => "COALESCE(upstream_model, client_model, '')",
            Self::Provider => "COALESCE(provider, '')",
            Self::Day => "strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch')",
            Self::Key => "COALESCE(key_name, '')",
            Self::Session => "COALESCE(session_id, '')",
        }
    }
}

/// One line of a report.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub(crate) struct Group {
    /// The group's value (model, provider, day, key or session; empty: none).
    pub(crate) key: String,
    /// Requests.
    pub(crate) requests: u64,
    /// Failed requests.
    pub(crate) errors: u64,
    /// Input tokens (not cached).
    pub(crate) tokens_in: u64,
    /// Output tokens.
    pub(crate) tokens_out: u64,
    /// Cached input read.
    pub(crate) cache_read: u64,
    /// Cache written.
    pub(crate) cache_write: u64,
    /// AI credits of the priced requests.
    pub(crate) credits: f64,
    /// Successful requests with no known price.
    pub(crate) unpriced: u64,
    /// Legacy premium requests.
    pub(crate) premium_units: f64,
    /// Median latency (ms).
    pub(crate) p50_ms: Option<f64>,
    /// 95th-percentile latency (ms).
    pub(crate) p95_ms: Option<f64>,
}

/// Latency and rates over a period.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Latency {
    pub(crate) requests: u64,
    pub(crate) error_rate: f64,
    pub(crate) fallback_rate: f64,
    pub(crate) p50_ms: Option<f64>,
    pub(crate) p95_ms: Option<f64>,
    pub(crate) p99_ms: Option<f64>,
    pub(crate) ttfb_p50_ms: Option<f64>,
    pub(crate) ttfb_p95_ms: Option<f64>,
}

/// A request in the "recent" list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Recent {
    pub(crate) ts_ms: i64,
    pub(crate) request_id: String,
    pub(crate) route: String,
    pub(crate) client_model: Option<String>,
    pub(crate) provider: Option<String>,
    pub(crate) upstream_model: Option<String>,
    pub(crate) status: u16,
    pub(crate) error_class: Option<String>,
    pub(crate) stream: bool,
    pub(crate) tokens_in: Option<i64>,
    pub(crate) tokens_out: Option<i64>,
    pub(crate) credits: Option<f64>,
    pub(crate) total_ms: i64,
    pub(crate) ttfb_ms: Option<i64>,
    pub(crate) attempts: u32,
    pub(crate) key_name: Option<String>,
}

/// Filters of the recent list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub(crate) model: Option<String>,
    pub(crate) provider: Option<String>,
    /// `2xx`, `4xx`, `5xx`.
    pub(crate) status: Option<String>,
    pub(crate) key: Option<String>,
}

/// Read-only access (while the server writes, thanks to WAL).
#[derive(Debug)]
pub(crate) struct Reader {
    conn: Connection,
}

impl Reader {
    /// Opens the ledger read-only; an absent file is an error naming it.
    pub(crate) fn open(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            bail!(
                "no usage ledger yet at {} (it is written by `copilot-api start`)",
                path.display()
            );
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .with_context(|| format!("{} is not a copilot-api ledger", path.display()))?;
        if version > VERSION {
            bail!(
                "{} has schema version {version}, newer than this copilot-api knows ({VERSION}): update copilot-api",
                path.display()
            );
        }
        Ok(Self { conn })
    }

    /// Groups of requests in `[since_ms, until_ms)`. Whole UTC days come from the daily
    /// roll-up and its latency histograms (fast at any size, and still there after the raw
    /// rows are pruned); the partial days at either end from the raw rows. Sessions are not
    /// rolled up: a report by session reads raw rows only.
    pub(crate) fn report(
        &self,
        since_ms: i64,
        until_ms: i64,
        by: By,
    ) -> anyhow::Result<Vec<Group>> {
        let first = (since_ms + DAY_MS - 1).div_euclid(DAY_MS) * DAY_MS;
        let last = until_ms.div_euclid(DAY_MS) * DAY_MS;
        let mut parts = Vec::new();
        if by == By::Session || first >= last {
            parts.extend(self.raw_groups(since_ms, until_ms, by)?);
        } else {
            parts.extend(self.raw_groups(since_ms, first, by)?);
            parts.extend(self.rolled_groups(&day(first), &day(last), by)?);
            parts.extend(self.raw_groups(last, until_ms, by)?);
        }
        let mut merged: std::collections::BTreeMap<String, (Group, Vec<(i64, u64)>)> =
            std::collections::BTreeMap::new();
        for (group, histogram) in parts {
            let entry = merged.entry(group.key.clone()).or_insert_with(|| {
                (
                    Group {
                        key: group.key.clone(),
                        ..Group::default()
                    },
                    Vec::new(),
                )
            });
            let g = &mut entry.0;
            g.requests += group.requests;
            g.errors += group.errors;
            g.tokens_in += group.tokens_in;
            g.tokens_out += group.tokens_out;
            g.cache_read += group.cache_read;
            g.cache_write += group.cache_write;
            g.credits += group.credits;
            g.unpriced += group.unpriced;
            g.premium_units += group.premium_units;
            entry.1.extend(histogram);
        }
        Ok(merged
            .into_values()
            .map(|(mut g, mut histogram)| {
                histogram.sort_unstable();
                let mut joined: Vec<(i64, u64)> = Vec::with_capacity(histogram.len());
                for (b, n) in histogram {
                    match joined.last_mut() {
                        Some((last, total)) if *last == b => *total += n,
                        _ => joined.push((b, n)),
                    }
                }
                g.p50_ms = percentile(&joined, 0.50);
                g.p95_ms = percentile(&joined, 0.95);
                g
            })
            .collect())
    }

    /// Groups (with latency histograms) from the raw rows.
    fn raw_groups(
        &self,
        since_ms: i64,
        until_ms: i64,
        by: By,
    ) -> anyhow::Result<Vec<Histogrammed>> {
        if until_ms <= since_ms {
            return Ok(Vec::new());
        }
        let column = by.column();
        let sql = format!(
            "SELECT {column} AS k, COUNT(*), SUM(error_class IS NOT NULL), COALESCE(SUM(tokens_in), 0),
                COALESCE(SUM(tokens_out), 0), COALESCE(SUM(cache_read), 0), COALESCE(SUM(cache_write), 0),
                COALESCE(SUM(credits), 0), SUM(credits IS NULL AND error_class IS NULL),
                COALESCE(SUM(premium_units), 0)
             FROM requests WHERE ts_ms >= ?1 AND ts_ms < ?2 GROUP BY k ORDER BY k"
        );
        let groups = self.groups(&sql, params![since_ms, until_ms])?;
        let sql = format!(
            "SELECT {column} AS k, latency_bucket, COUNT(*) FROM requests
             WHERE ts_ms >= ?1 AND ts_ms < ?2 GROUP BY k, latency_bucket"
        );
        let histograms = self.histograms(&sql, params![since_ms, until_ms])?;
        Ok(attach(groups, histograms))
    }

    /// Groups (with latency histograms) from the roll-up, days in `[from_day, to_day)`.
    fn rolled_groups(
        &self,
        from_day: &str,
        to_day: &str,
        by: By,
    ) -> anyhow::Result<Vec<Histogrammed>> {
        let column = match by {
            By::Model | By::Session => "upstream_model",
            By::Provider => "provider",
            By::Day => "day",
            By::Key => "key_name",
        };
        let sql = format!(
            "SELECT {column} AS k, SUM(requests), SUM(errors), SUM(tokens_in), SUM(tokens_out), SUM(cache_read),
                SUM(cache_write), SUM(credits), SUM(unpriced), SUM(premium_units)
             FROM daily WHERE day >= ?1 AND day < ?2 GROUP BY k ORDER BY k"
        );
        let groups = self.groups(&sql, params![from_day, to_day])?;
        let sql = format!(
            "SELECT {column} AS k, bucket, SUM(n) FROM daily_latency
             WHERE day >= ?1 AND day < ?2 GROUP BY k, bucket"
        );
        let histograms = self.histograms(&sql, params![from_day, to_day])?;
        Ok(attach(groups, histograms))
    }

    fn groups(&self, sql: &str, args: impl rusqlite::Params) -> anyhow::Result<Vec<Group>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Group {
                    key: r.get(0)?,
                    requests: r.get::<_, i64>(1)? as u64,
                    errors: r.get::<_, i64>(2)? as u64,
                    tokens_in: r.get::<_, i64>(3)? as u64,
                    tokens_out: r.get::<_, i64>(4)? as u64,
                    cache_read: r.get::<_, i64>(5)? as u64,
                    cache_write: r.get::<_, i64>(6)? as u64,
                    credits: r.get(7)?,
                    unpriced: r.get::<_, i64>(8)? as u64,
                    premium_units: r.get(9)?,
                    p50_ms: None,
                    p95_ms: None,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn histograms(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> anyhow::Result<std::collections::HashMap<String, Vec<(i64, u64)>>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut out: std::collections::HashMap<String, Vec<(i64, u64)>> =
            std::collections::HashMap::new();
        for row in stmt.query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)? as u64,
            ))
        })? {
            let (k, b, n) = row?;
            out.entry(k).or_default().push((b, n));
        }
        Ok(out)
    }

    /// Groups from the daily roll-up since `since_day` (fast at any size; no percentiles).
    /// `by` is model or provider.
    pub(crate) fn rollup(&self, since_day: &str, by: By) -> anyhow::Result<Vec<Group>> {
        let column = match by {
            By::Provider => "provider",
            _ => "upstream_model",
        };
        let sql = format!(
            "SELECT {column}, SUM(requests), SUM(errors), SUM(tokens_in), SUM(tokens_out), SUM(cache_read),
                SUM(cache_write), SUM(credits), SUM(unpriced), SUM(premium_units)
             FROM daily WHERE day >= ?1 GROUP BY {column} ORDER BY SUM(requests) DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![since_day], |r| {
                Ok(Group {
                    key: r.get(0)?,
                    requests: r.get::<_, i64>(1)? as u64,
                    errors: r.get::<_, i64>(2)? as u64,
                    tokens_in: r.get::<_, i64>(3)? as u64,
                    tokens_out: r.get::<_, i64>(4)? as u64,
                    cache_read: r.get::<_, i64>(5)? as u64,
                    cache_write: r.get::<_, i64>(6)? as u64,
                    credits: r.get(7)?,
                    unpriced: r.get::<_, i64>(8)? as u64,
                    premium_units: r.get(9)?,
                    p50_ms: None,
                    p95_ms: None,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Latency and TTFB percentiles, error and fallback rates over `[since_ms, until_ms)`.
    pub(crate) fn latency(&self, since_ms: i64, until_ms: i64) -> anyhow::Result<Latency> {
        let histogram = |column: &str| -> anyhow::Result<Vec<(i64, u64)>> {
            let sql = format!(
                "SELECT {column}, COUNT(*) FROM requests WHERE ts_ms >= ?1 AND ts_ms < ?2 AND {column} IS NOT NULL
                 GROUP BY {column} ORDER BY {column}"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt
                .query_map(params![since_ms, until_ms], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        };
        let total = histogram("latency_bucket")?;
        let ttfb = histogram("ttfb_bucket")?;
        let (requests, errors, fallbacks): (i64, i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(error_class IS NOT NULL), 0), COALESCE(SUM(fallbacks > 0), 0)
             FROM requests WHERE ts_ms >= ?1 AND ts_ms < ?2",
            params![since_ms, until_ms],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let rate = |n: i64| {
            if requests > 0 {
                n as f64 / requests as f64
            } else {
                0.0
            }
        };
        Ok(Latency {
            requests: requests as u64,
            error_rate: rate(errors),
            fallback_rate: rate(fallbacks),
            p50_ms: percentile(&total, 0.50),
            p95_ms: percentile(&total, 0.95),
            p99_ms: percentile(&total, 0.99),
            ttfb_p50_ms: percentile(&ttfb, 0.50),
            ttfb_p95_ms: percentile(&ttfb, 0.95),
        })
    }

    /// The latest requests, newest first.
    pub(crate) fn recent(&self, limit: usize, filter: &Filter) -> anyhow::Result<Vec<Recent>> {
        let (low, high) = match filter.status.as_deref() {
            Some("2xx") => (200, 300),
            Some("4xx") => (400, 500),
            Some("5xx") => (500, 600),
            _ => (0, 1000),
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT ts_ms, request_id, route, client_model, provider, upstream_model, status, error_class,
                stream, tokens_in, tokens_out, credits, total_ms, ttfb_ms, attempts, key_name
             FROM requests
             WHERE (?1 IS NULL OR upstream_model = ?1 OR client_model = ?1)
               AND (?2 IS NULL OR provider = ?2)
               AND status >= ?3 AND status < ?4
               AND (?5 IS NULL OR key_name = ?5)
             ORDER BY ts_ms DESC, id DESC LIMIT ?6",
        )?;
        let rows = stmt
            .query_map(
                params![
                    filter.model,
                    filter.provider,
                    low,
                    high,
                    filter.key,
                    limit as i64
                ],
                |r| {
                    Ok(Recent {
                        ts_ms: r.get(0)?,
                        request_id: r.get(1)?,
                        route: r.get(2)?,
                        client_model: r.get(3)?,
                        provider: r.get(4)?,
                        upstream_model: r.get(5)?,
                        status: r.get(6)?,
                        error_class: r.get(7)?,
                        stream: r.get(8)?,
                        tokens_in: r.get(9)?,
                        tokens_out: r.get(10)?,
                        credits: r.get(11)?,
                        total_ms: r.get(12)?,
                        ttfb_ms: r.get(13)?,
                        attempts: r.get(14)?,
                        key_name: r.get(15)?,
                    })
                },
            )?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Requests per minute over the last `minutes` up to `now_ms` (oldest first).
    pub(crate) fn per_minute(
        &self,
        now_ms: i64,
        minutes: i64,
    ) -> anyhow::Result<Vec<(i64, u64, u64)>> {
        let since = now_ms - minutes * 60_000;
        let mut stmt = self.conn.prepare_cached(
            "SELECT ts_ms / 60000 AS m, COUNT(*), SUM(error_class IS NOT NULL) FROM requests
             WHERE ts_ms >= ?1 GROUP BY m ORDER BY m",
        )?;
        let rows = stmt
            .query_map(params![since], |r| {
                Ok((
                    r.get::<_, i64>(0)? * 60_000,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Credits per UTC day (and per key when `key` is given) from the roll-up, since `day`.
    pub(crate) fn credits_by_day(
        &self,
        since_day: &str,
    ) -> anyhow::Result<Vec<(String, f64, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT day, SUM(credits), SUM(requests) FROM daily WHERE day >= ?1 GROUP BY day ORDER BY day",
        )?;
        let rows = stmt
            .query_map(params![since_day], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, i64>(2)? as u64,
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Credits spent since `since_day` (inclusive), per key name ("" for none), from the
    /// roll-up: the budgets' starting point.
    pub(crate) fn credits_by_key(&self, since_day: &str) -> anyhow::Result<Vec<(String, f64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key_name, SUM(credits) FROM daily WHERE day >= ?1 GROUP BY key_name",
        )?;
        let rows = stmt
            .query_map(params![since_day], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The last request of every named key.
    pub(crate) fn last_used_by_key(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key_name, MAX(ts_ms) FROM requests WHERE key_name IS NOT NULL GROUP BY key_name",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The latest quota snapshot and the time it was taken.
    pub(crate) fn latest_quota(&self) -> anyhow::Result<Option<(i64, serde_json::Value)>> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT ts_ms, snapshot FROM quota ORDER BY ts_ms DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(ts, text)| serde_json::from_str(&text).ok().map(|v| (ts, v))))
    }
}

/// Records a quota snapshot (a separate short connection: snapshots are rare).
pub(crate) fn save_quota(path: &Path, snapshot: &serde_json::Value) -> anyhow::Result<()> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute(
        "INSERT INTO quota (ts_ms, snapshot) VALUES (?1, ?2)",
        params![super::now_ms(), snapshot.to_string()],
    )?;
    Ok(())
}

/// A group with its latency histogram (bucket, count).
type Histogrammed = (Group, Vec<(i64, u64)>);

/// Each group with its histogram.
fn attach(
    groups: Vec<Group>,
    mut histograms: std::collections::HashMap<String, Vec<(i64, u64)>>,
) -> Vec<Histogrammed> {
    groups
        .into_iter()
        .map(|g| {
            let h = histograms.remove(&g.key).unwrap_or_default();
            (g, h)
        })
        .collect()
}

/// The `p` quantile of a bucket histogram, as the bucket's middle.
fn percentile(buckets: &[(i64, u64)], p: f64) -> Option<f64> {
    let total: u64 = buckets.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let rank = (p * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (bucket, n) in buckets {
        seen += n;
        if seen >= rank {
            return Some(bucket_ms(*bucket));
        }
    }
    buckets.last().map(|(b, _)| bucket_ms(*b))
}

/// A failed write in words a person can act on: what went wrong, and what to do.
pub(crate) fn explain_write_error(err: &anyhow::Error) -> String {
    use rusqlite::ErrorCode;
    let code = err
        .downcast_ref::<rusqlite::Error>()
        .and_then(rusqlite::Error::sqlite_error_code);
    let advice = match code {
        Some(ErrorCode::DiskFull) => "the disk is full; free some space",
        Some(ErrorCode::SystemIoFailure) => {
            "the disk refused a write (full, a file-size limit, or failing); free some space"
        }
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            "the file or its directory is read-only; make both writable"
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            "the file is damaged; move it aside (a new one is created)"
        }
        _ => return format!("cannot write: {err:#}"),
    };
    format!("cannot write: {advice}, then restart copilot-api to record again [{err:#}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Tokens;

    fn row(ts_ms: i64, model: &str, total_ms: u64, credits: Option<f64>) -> Row {
        Row {
            ts_ms,
            request_id: format!("r{ts_ms}-{model}"),
            route: "chat",
            client_model: Some(model.into()),
            provider: Some("copilot".into()),
            upstream_model: Some(model.into()),
            status: 200,
            total_ms,
            attempts: 1,
            tokens: Tokens {
                input: Some(10),
                output: Some(5),
                ..Tokens::default()
            },
            credits,
            ..Row::default()
        }
    }

    #[test]
    fn rows_roll_up_report_and_prune() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let mut store = SqliteStore::open(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let day0 = 1_796_256_000_000; // 2026-12-03T00:00:00Z
        let mut rows: Vec<Box<Row>> = (0..100)
            .map(|i| Box::new(row(day0 + i * 1000, "gpt-4o", 100 + i as u64, Some(0.5))))
            .collect();
        rows.push(Box::new(row(day0 + 5_000, "claude-sonnet-4.5", 2000, None)));
        let mut failed = row(day0 + 6_000, "claude-sonnet-4.5", 10, None);
        failed.status = 502;
        failed.error_class = Some("upstream");
        rows.push(Box::new(failed));
        store.write(&rows).unwrap();

        let reader = Reader::open(&path).unwrap();
        let groups = reader.report(day0, day0 + 86_400_000, By::Model).unwrap();
        assert_eq!(groups.len(), 2);
        let claude = &groups[0];
        assert_eq!(
            (
                claude.key.as_str(),
                claude.requests,
                claude.errors,
                claude.unpriced
            ),
            ("claude-sonnet-4.5", 2, 1, 1)
        );
        let gpt = &groups[1];
        assert_eq!(gpt.requests, 100);
        assert!((gpt.credits - 50.0).abs() < 1e-9);
        assert_eq!(gpt.tokens_in, 1000);
        let p50 = gpt.p50_ms.unwrap();
        assert!((140.0..=160.0).contains(&p50), "{p50}");
        let p95 = gpt.p95_ms.unwrap();
        assert!((185.0..=205.0).contains(&p95), "{p95}");
        let by_day = reader.report(day0, day0 + 86_400_000, By::Day).unwrap();
        assert_eq!(by_day[0].key, "2026-12-03");
        assert_eq!(
            reader.credits_by_day("2026-12-01").unwrap(),
            vec![("2026-12-03".to_owned(), 50.0, 102)]
        );
        let recent = reader
            .recent(
                5,
                &Filter {
                    status: Some("5xx".into()),
                    ..Filter::default()
                },
            )
            .unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].status, 502);

        // Pruning removes raw rows; the roll-up stays.
        assert_eq!(store.prune(day0 + 50_000, 30).unwrap(), 30);
        assert_eq!(store.prune(day0 + 50_000, 1000).unwrap(), 22);
        // A whole day reads the roll-up, which outlives the raw rows (percentiles included);
        // part of a day reads what raw rows are left.
        let groups = reader.report(day0, day0 + 86_400_000, By::Model).unwrap();
        assert_eq!(groups.iter().map(|g| g.requests).sum::<u64>(), 102);
        assert!(groups[1].p50_ms.is_some());
        let groups = reader.report(day0, day0 + 3_600_000, By::Model).unwrap();
        assert_eq!(groups.iter().map(|g| g.requests).sum::<u64>(), 50);
        // A report over whole days and partial ones at both ends adds up.
        let groups = reader
            .report(day0 - 3_600_000, day0 + 86_400_000 + 3_600_000, By::Day)
            .unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].requests, 102);
        assert_eq!(reader.credits_by_day("2026-12-01").unwrap()[0].2, 102);
    }

    #[test]
    fn older_schemas_migrate_and_newer_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        {
            // A version-1 ledger, as an older copilot-api left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);").unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute(
                "INSERT INTO requests (ts_ms, request_id, route, status, stream, total_ms, latency_bucket, attempts, fallbacks, tools, images, included)
                 VALUES (1, 'old', 'chat', 200, 0, 5, 0, 1, 0, 0, 0, 0)",
                [],
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .write(&[Box::new(row(2, "gpt-4o", 5, Some(1.0)))])
            .unwrap();
        let reader = Reader::open(&path).unwrap();
        let all = reader.report(0, 10, By::Provider).unwrap();
        assert_eq!(all.iter().map(|g| g.requests).sum::<u64>(), 2);
        drop(reader);
        store.close();

        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_version SET version = 99", [])
            .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err().to_string();
        assert!(err.contains("schema version 99, newer than"), "{err}");
        // A file that is not a database at all.
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(
            &junk,
            b"this is not sqlite, not at all, definitely not".repeat(100),
        )
        .unwrap();
        let err = format!("{:#}", SqliteStore::open(&junk).unwrap_err());
        assert!(err.contains("not a usable SQLite database"), "{err}");
    }

    #[test]
    fn days_and_buckets() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(1_796_336_829_000), "2026-12-03");
        assert_eq!(day(951_782_400_000), "2000-02-29");
        for ms in [0u64, 1, 10, 100, 1000, 60_000] {
            let mid = bucket_ms(bucket(ms));
            assert!(
                (mid - ms as f64).abs() <= 0.06 * ms as f64 + 1.0,
                "{ms} → {mid}"
            );
        }
    }
}
