//! `--rate-limit` / `--wait`: minimum spacing between upstream chat, messages and responses
//! requests, process-wide.
//!
//! Without `--wait` an early request gets 429 with `Retry-After`. With `--wait` requests queue
//! in arrival order: tokio's `Mutex` hands out its lock first-in first-out, and a request whose
//! client disconnects is dropped from the queue because its future (and so its place in the
//! lock's wait list) is dropped.

use std::time::Duration;

use tokio::time::Instant;

use super::error::ApiError;

/// The limiter; `None` spacing means unlimited.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    spacing: Option<Duration>,
    wait: bool,
    last: tokio::sync::Mutex<Option<Instant>>,
    /// Requests waiting for their slot (`/metrics`).
    waiting: std::sync::atomic::AtomicUsize,
}

impl RateLimiter {
    /// Creates the limiter.
    pub(crate) fn new(spacing: Option<Duration>, wait: bool) -> Self {
        Self {
            spacing,
            wait,
            last: tokio::sync::Mutex::new(None),
            waiting: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Requests queued now.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits for (or refuses) a slot for one upstream request.
    pub(crate) async fn acquire(&self) -> Result<(), ApiError> {
        let Some(spacing) = self.spacing else {
            return Ok(());
        };
        if self.wait {
            use std::sync::atomic::Ordering;
            self.waiting.fetch_add(1, Ordering::Relaxed);
            // Counted down however the wait ends (a client that leaves drops this future).
            struct Leave<'a>(&'a std::sync::atomic::AtomicUsize);
            impl Drop for Leave<'_> {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::Relaxed);
                }
            }
            let _leave = Leave(&self.waiting);
            let mut last = self.last.lock().await;
            if let Some(previous) = *last {
                let ready = previous + spacing;
                if ready > Instant::now() {
                    tracing::info!(
                        "rate limit: waiting {:.1}s",
                        (ready - Instant::now()).as_secs_f64()
                    );
                    tokio::time::sleep_until(ready).await;
                }
            }
            *last = Some(Instant::now());
            return Ok(());
        }
        let mut last = self.last.lock().await;
        let now = Instant::now();
        match *last {
            Some(previous) if now < previous + spacing => {
                let remaining = previous + spacing - now;
                Err(ApiError::RateLimited {
                    retry_after: remaining.as_secs_f64().ceil().max(1.0) as u64,
                    spacing_secs: spacing.as_secs_f64(),
                })
            }
            _ => {
                *last = Some(now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn without_wait_the_second_request_is_refused() {
        let limiter = RateLimiter::new(Some(Duration::from_secs(2)), false);
        limiter.acquire().await.unwrap();
        match limiter.acquire().await {
            Err(ApiError::RateLimited { retry_after, .. }) => assert_eq!(retry_after, 2),
            other => panic!("{other:?}"),
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        limiter.acquire().await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn with_wait_requests_are_spaced() {
        let limiter = RateLimiter::new(Some(Duration::from_secs(1)), true);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            limiter.acquire().await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
