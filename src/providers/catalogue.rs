//! A provider's model list in memory: fetched once, refreshed in the background before it goes
//! stale, and never taken away by a failing refresh.
//!
//! - The first caller with nothing in memory waits for the fetch; concurrent first callers
//!   share that one fetch (a lock), which is bounded by [`CALL_TIMEOUT`].
//! - Once a list exists every caller gets it at once. A caller that finds it older than the
//!   refresh age starts one background refresh (a flag makes sure there is only one); the
//!   list in memory keeps serving meanwhile.
//! - A refresh that fails or hangs keeps the old list, is logged once, and is tried again
//!   after [`RETRY_AFTER_FAILURE`].

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use super::http::CALL_TIMEOUT;
use super::{ModelInfo, UpstreamError};

/// How long after a failed refresh the next one is tried.
pub(crate) const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// A cached list and when to refresh it.
#[derive(Debug, Clone)]
struct Entry {
    models: Arc<Vec<ModelInfo>>,
    refresh_at: Instant,
}

#[derive(Debug)]
struct Inner {
    /// Who the list belongs to, for log lines.
    name: Arc<str>,
    /// Age at which a list is refreshed.
    refresh_after: Duration,
    current: RwLock<Option<Entry>>,
    /// Serialises fetches made while nothing is in memory.
    first: tokio::sync::Mutex<()>,
    /// A background refresh is running.
    refreshing: AtomicBool,
}

/// A cheap handle on one provider's cached model list.
#[derive(Debug, Clone)]
pub(crate) struct CatalogueCache(Arc<Inner>);

impl CatalogueCache {
    /// An empty cache for provider `name`, refreshing lists older than `refresh_after`.
    pub(crate) fn new(name: Arc<str>, refresh_after: Duration) -> Self {
        Self(Arc::new(Inner {
            name,
            refresh_after,
            current: RwLock::new(None),
            first: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
        }))
    }

    /// The list in memory, if any, without waiting or refreshing.
    pub(crate) fn cached(&self) -> Option<Arc<Vec<ModelInfo>>> {
        self.entry().map(|e| e.models)
    }

    /// Puts a list in memory (e.g. one read from a disk cache), to be refreshed after
    /// `refresh_in`.
    pub(crate) fn seed(&self, models: Vec<ModelInfo>, refresh_in: Duration) {
        self.store(Arc::new(models), refresh_in);
    }

    /// The list: from memory when there is one (starting a background refresh when it is due),
    /// else fetched with `fetch`.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<Vec<ModelInfo>>, UpstreamError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<ModelInfo>, UpstreamError>> + Send + 'static,
    {
        if let Some(entry) = self.entry() {
            if Instant::now() >= entry.refresh_at && !self.0.refreshing.swap(true, Ordering::AcqRel)
            {
                let this = self.clone();
                tokio::spawn(async move {
                    let _ = this.refresh(fetch).await;
                    this.0.refreshing.store(false, Ordering::Release);
                });
            }
            return Ok(entry.models);
        }
        let _first = self.0.first.lock().await;
        if let Some(entry) = self.entry() {
            return Ok(entry.models);
        }
        self.refresh(fetch).await
    }

    /// Fetches now and stores the result; on failure keeps what is in memory.
    pub(crate) async fn refresh<F, Fut>(
        &self,
        fetch: F,
    ) -> Result<Arc<Vec<ModelInfo>>, UpstreamError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<ModelInfo>, UpstreamError>>,
    {
        let result = match tokio::time::timeout(CALL_TIMEOUT, fetch()).await {
            Ok(result) => result,
            Err(_) => Err(UpstreamError::Timeout {
                host: format!("{} (model list)", self.0.name),
            }),
        };
        match result {
            Ok(models) => {
                let models = Arc::new(models);
                self.store(Arc::clone(&models), self.0.refresh_after);
                Ok(models)
            }
            Err(err) => {
                if let Some(entry) = self.entry() {
                    tracing::warn!(
                        "could not refresh the model list of {}: {err}; keeping the one in memory, retrying in {}s",
                        self.0.name,
                        RETRY_AFTER_FAILURE.as_secs()
                    );
                    self.store(entry.models, RETRY_AFTER_FAILURE);
                }
                Err(err)
            }
        }
    }

    fn entry(&self) -> Option<Entry> {
        self.0
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn store(&self, models: Arc<Vec<ModelInfo>>, refresh_in: Duration) {
        *self
            .0
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Entry {
            models,
            refresh_at: Instant::now() + refresh_in,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::providers::Shapes;

    fn list(ids: &[&str]) -> Vec<ModelInfo> {
        let name: Arc<str> = Arc::from("p");
        ids.iter()
            .map(|id| ModelInfo::bare(id, &name, Shapes::default()))
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_or_hanging_refresh_never_takes_the_list_away() {
        let cache = CatalogueCache::new(Arc::from("p"), Duration::from_secs(600));
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = |result: Result<Vec<ModelInfo>, ()>, hang: bool| {
            let calls = Arc::clone(&calls);
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                if hang {
                    std::future::pending::<()>().await;
                }
                result.map_err(|()| UpstreamError::Timeout { host: "x".into() })
            }
        };
        // Nothing in memory and the fetch fails: the caller gets the error.
        assert!(cache.get(counted(Err(()), false)).await.is_err());
        let got = cache.get(counted(Ok(list(&["a"])), false)).await.unwrap();
        assert_eq!(got[0].id, "a");
        // Fresh: served from memory, no fetch.
        cache.get(counted(Ok(list(&["b"])), false)).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        // Stale, and the refresh hangs: five callers are all answered at once from memory, and
        // only one refresh runs.
        tokio::time::advance(Duration::from_secs(601)).await;
        for _ in 0..5 {
            let got = cache.get(counted(Ok(list(&["c"])), true)).await.unwrap();
            assert_eq!(got[0].id, "a");
        }
        tokio::task::yield_now().await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        // The hanging refresh gives up after the call timeout and keeps the old list; the next
        // refresh waits for the retry delay.
        tokio::time::advance(CALL_TIMEOUT + Duration::from_secs(1)).await;
        tokio::task::yield_now().await;
        assert_eq!(cache.cached().unwrap()[0].id, "a");
        cache.get(counted(Ok(list(&["d"])), false)).await.unwrap();
        tokio::task::yield_now().await;
        assert_eq!(calls.load(Ordering::SeqCst), 3, "retried before the delay");
        tokio::time::advance(RETRY_AFTER_FAILURE).await;
        cache.get(counted(Ok(list(&["d"])), false)).await.unwrap();
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(cache.cached().unwrap()[0].id, "d");
    }
}
