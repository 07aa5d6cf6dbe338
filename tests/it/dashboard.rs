//! The real browser: Debian's Chromium driven by chromedriver over the WebDriver protocol
//! (plain HTTP and JSON, spoken with reqwest), against the real binary — the dashboard with a
//! seeded ledger, and a page on another origin trying to use the account.
//!
//! Without Chromium and chromedriver on the machine the test says so and passes, unless `CI`
//! is set (`.ci/run` installs both, so there it must run).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::proxy::{answers_hi, signed_in};
use crate::server::Proxy;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Driver {
    async fn start() -> Option<Self> {
        if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "{CHROMIUM} and {CHROMEDRIVER} are needed (apt-get install chromium chromium-driver)"
            );
            #[expect(clippy::print_stderr, reason = "a skipped test says why")]
            {
                eprintln!(
                    "skipping the browser test: install chromium and chromium-driver to run it"
                );
            }
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--no-first-run", "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync",
                         "--window-size=1400,1300", format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        Some(Self {
            child,
            base,
            session,
            http,
            _profile: profile,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if !body.is_null() {
            request = request.json(&body);
        }
        let v: Value = request.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    /// Runs JavaScript in the page and returns its result.
    async fn js(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    async fn element(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v.get("element-6066-11e4-a52e-4f735466cecf")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({"text": text}),
        )
        .await;
    }

    /// Waits until `script` returns `expected`.
    async fn wait_for(&self, script: &str, expected: Value) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.js(script).await;
            if got == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{script} gave {got}, not {expected}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self) -> Vec<u8> {
        let v = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        base64_decode(v.as_str().unwrap_or_default())
    }
}

impl Drop for Driver {
    /// Ends the WebDriver session first (chromedriver then quits Chromium: killing only
    /// chromedriver would leave the browser running), also when the test failed half-way.
    fn drop(&mut self) {
        use std::io::{Read as _, Write as _};
        let host = self.base.trim_start_matches("http://");
        if let Ok(mut stream) = std::net::TcpStream::connect(host) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
                self.session
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (the screenshot), without a crate for one use.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().fold(0u32, |acc, d| (acc << 6) | d) << (6 * (4 - chunk.len()));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// Seeds `n` requests over the last hour: three models on two providers, some failures.
fn seed(path: &std::path::Path, n: i64) -> (f64, i64) {
    let conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut credits = 0.0;
    let mut failed = 0;
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..n {
        let (provider, model, price): (&str, &str, Option<f64>) = match i % 3 {
            0 => ("copilot", "gpt-4o", Some(0.0)),
            1 => ("copilot", "claude-sonnet-4.5", Some(1.25)),
            _ => ("local", "qwen3-coder", None),
        };
        let status = if i % 10 == 9 { 502 } else { 200 };
        let error: Option<&str> = (status != 200).then_some("upstream");
        let price = if status == 200 { price } else { None };
        credits += price.unwrap_or(0.0);
        failed += i64::from(status != 200);
        tx.execute(
            "INSERT INTO requests (ts_ms, request_id, route, client_model, provider, upstream_model, shape, status,
                error_class, stream, initiator, tokens_in, tokens_out, total_ms, latency_bucket, attempts, fallbacks,
                tools, images, credits, included, bytes_in, bytes_out, ttfb_ms, ttfb_bucket)
             VALUES (?1, ?2, 'chat', ?3, ?4, ?3, 'passthrough', ?5, ?6, 1, 'user', 1000, 100, 800, 134, 1, 0,
                0, 0, ?7, 0, 100, 200, 300, 114)",
            params![now - i * 30_000, format!("seed-{i}"), model, provider, status, error, price],
        )
        .unwrap();
    }
    tx.execute(
        "INSERT INTO daily (day, provider, upstream_model, key_name, initiator, requests, errors, tokens_in,
            tokens_out, cache_read, cache_write, credits, unpriced, premium_units, total_ms)
         SELECT strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch'), provider, upstream_model, '', initiator,
            COUNT(*), SUM(error_class IS NOT NULL), SUM(tokens_in), SUM(tokens_out), 0, 0,
            COALESCE(SUM(credits), 0), SUM(credits IS NULL AND error_class IS NULL), 0, SUM(total_ms)
         FROM requests WHERE request_id LIKE 'seed-%' GROUP BY 1, 2, 3, 5
         ON CONFLICT (day, provider, upstream_model, key_name, initiator) DO UPDATE SET
            requests = requests + excluded.requests, errors = errors + excluded.errors,
            credits = credits + excluded.credits",
        [],
    )
    .unwrap();
    tx.commit().unwrap();
    (credits, failed)
}

#[tokio::test]
async fn the_dashboard_shows_the_ledger_in_a_real_browser() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let ctx = signed_in();
    answers_hi(&ctx);
    let proxy = Proxy::start(&ctx, &["--api-key", "dash-key"], &[]);
    let ledger = ctx.data_dir().join("ledger.sqlite");
    // Seeding a day that crosses midnight UTC would split the credits over two days: the
    // month total is what is compared.
    let (credits, failed) = seed(&ledger, 60);

    driver.go(&format!("{}/dashboard", proxy.url)).await;
    // The key is asked for in a form (never in the URL).
    driver
        .wait_for(
            "return !document.getElementById('login').classList.contains('hidden')",
            json!(true),
        )
        .await;
    driver.type_into("#login-key", "dash-key").await;
    driver.click("#login-form button").await;
    driver
        .wait_for(
            "return document.getElementById('main').classList.contains('hidden')",
            json!(false),
        )
        .await;
    let expected = format!("{credits:.2}");
    driver
        .wait_for(
            "return document.getElementById('credits-month').textContent",
            json!(expected),
        )
        .await;
    driver
        .wait_for(
            "return document.getElementById('requests-24h').textContent",
            json!("60"),
        )
        .await;
    // A chart is drawn: one bar per minute of the last hour.
    let bars = driver
        .js("return document.querySelectorAll('#chart-timeline rect.bar').length")
        .await;
    assert_eq!(bars, json!(60));
    assert!(
        driver
            .js("return document.querySelectorAll('#chart-days rect.bar').length")
            .await
            .as_u64()
            .unwrap()
            >= 1
    );
    // The by-model table lists the three models.
    let models = driver
        .js("return [...document.querySelectorAll('#by-model tbody tr td:first-child')].map(t => t.textContent).sort()")
        .await;
    assert_eq!(
        models,
        json!(["claude-sonnet-4.5", "gpt-4o", "qwen3-coder"])
    );
    let qwen = driver
        .js("return [...document.querySelectorAll('#by-model tbody tr')].find(r => r.cells[0].textContent === 'qwen3-coder').cells[6].textContent")
        .await;
    assert_eq!(qwen, json!("unpriced"));
    // The README's picture (COPILOT_API_DASHBOARD_SCREENSHOT=docs/dashboard.png).
    let png = driver.screenshot().await;
    assert_eq!(&png[..4], b"\x89PNG");
    if let Some(path) = std::env::var_os("COPILOT_API_DASHBOARD_SCREENSHOT") {
        std::fs::write(path, &png).unwrap();
    }
    // The recent list holds 50; the status filter narrows it to the failures.
    driver
        .wait_for(
            "return document.getElementById('recent').dataset.rows",
            json!("50"),
        )
        .await;
    driver.click("#filter-status").await;
    driver.click("#filter-status option[value='5xx']").await;
    driver
        .wait_for(
            "return document.getElementById('recent').dataset.rows",
            json!(failed.to_string()),
        )
        .await;
    let statuses = driver
        .js("return [...document.querySelectorAll('#recent tbody tr')].map(r => r.cells[4].textContent)")
        .await;
    assert!(
        statuses.as_array().unwrap().iter().all(|s| s == "502"),
        "{statuses}"
    );
    // The page loaded nothing from anywhere else, and the key is not in the URL.
    let url = driver.js("return location.href").await;
    assert!(!url.as_str().unwrap().contains("dash-key"));
}

#[tokio::test]
async fn a_web_page_on_another_origin_cannot_use_the_account_in_a_real_browser() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let ctx = signed_in();
    answers_hi(&ctx);
    let proxy = Proxy::start(&ctx, &[], &[]);

    // The attacker: a page on another origin (another port of this machine, as any site the
    // person opens would be), trying every way a page can reach the proxy.
    let page = r#"<!doctype html><title>attack</title><script>
        window.results = {};
        const target = new URLSearchParams(location.search).get('target');
        const body = JSON.stringify({model: 'gpt-4o', messages: [{role: 'user', content: 'steal'}]});
        const attempt = (name, promise) => promise
            .then(async r => { window.results[name] = 'read ' + r.status + ' ' + (await r.text()).slice(0, 80); })
            .catch(e => { window.results[name] = 'blocked ' + e.name; });
        attempt('simple_post', fetch(target + '/v1/chat/completions', {method: 'POST', headers: {'content-type': 'text/plain'}, body}));
        attempt('json_post', fetch(target + '/v1/chat/completions', {method: 'POST', headers: {'content-type': 'application/json'}, body}));
        attempt('usage', fetch(target + '/usage'));
        attempt('token', fetch(target + '/token'));
        attempt('no_cors_post', fetch(target + '/v1/messages', {method: 'POST', mode: 'no-cors', headers: {'content-type': 'text/plain'}, body}));
        const form = document.createElement('form');
        form.method = 'POST'; form.action = target + '/v1/chat/completions'; form.enctype = 'text/plain';
        form.target = 'sink';
        const field = document.createElement('input'); field.name = body.slice(0, -2) + '"x'; field.value = '"}';
        form.appendChild(field); document.body.appendChild(form);
        const sink = document.createElement('iframe'); sink.name = 'sink'; document.body.appendChild(sink);
        form.submit();
    </script>"#;
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let attacker = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await });

    driver
        .go(&format!("{attacker}/?target={}", proxy.url))
        .await;
    driver
        .wait_for("return Object.keys(window.results).length", json!(5))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let results = driver.js("return window.results").await;
    // Nothing the page tried could be read…
    for (name, outcome) in results.as_object().unwrap() {
        let outcome = outcome.as_str().unwrap();
        assert!(
            outcome.starts_with("blocked") || outcome == "read 0 ",
            "{name}: {outcome}"
        );
    }
    // …and, more to the point, none of it reached Copilot: the account was not used.
    assert!(
        ctx.fake.requests("/chat/completions").is_empty(),
        "{}",
        proxy.log()
    );
    assert!(ctx.fake.requests("/v1/messages").is_empty());
    // The proxy said no to each (403s in the access log), and keeps serving its own clients.
    assert!(proxy.log().matches(" 403 ").count() >= 3, "{}", proxy.log());
    let resp = crate::proxy::post(
        &proxy,
        "/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
}
