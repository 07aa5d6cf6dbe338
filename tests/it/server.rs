//! Spawning the real `copilot-api start` against the fake upstream.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::TestContext;

/// A running proxy; killed on drop.
pub struct Proxy {
    pub url: String,
    pub child: Child,
    pub log: Arc<Mutex<String>>,
}

impl Proxy {
    /// Starts `copilot-api start --port 0 <args>` and waits for its listening line.
    pub fn start(ctx: &TestContext, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::try_start(ctx, args, env).unwrap_or_else(|log| panic!("proxy did not start:\n{log}"))
    }

    /// Like `start`, but returns the output when the process does not come up.
    pub fn try_start(
        ctx: &TestContext,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self, String> {
        let mut command = ctx.std_cmd();
        command
            .args(["start", "--port", "0"])
            .args(args)
            .envs(env.iter().copied());
        Self::spawn(command)
    }

    /// Spawns a prepared `start` command and waits for its listening line.
    pub fn spawn(mut command: std::process::Command) -> Result<Self, String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(rest) = line.split("Listening on ").nth(1) {
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("stdout: {line}\n"));
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(url) = rx.recv_timeout(Duration::from_millis(50)) {
                return Ok(Self { url, child, log });
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                return Err(format!("exit {status}\n{}", log.lock().unwrap()));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!("timed out\n{}", log.lock().unwrap()));
            }
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
