//! The IdP's JWKS, fetched with the shared HTTP client and cached.
//!
//! Invariants:
//! - Readers never wait: the current key set sits behind an [`ArcSwap`] and a lookup is one
//!   atomic load.
//! - A refresh replaces the set only with a parsed, non-empty one: when the IdP is down, answers
//!   an error status, oversize or garbage JSON, or a set with no usable key, the last good set
//!   stays in place and the failure is counted.
//! - On-demand refetches (an unknown `kid`) happen at most once per `min_interval`, and
//!   concurrent misses coalesce: callers queue on one mutex, and whoever finds that a fetch
//!   completed while it waited re-checks the new set instead of fetching again. This bounds the
//!   load an attacker spraying random `kid`s can put on the IdP to one request per interval.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use serde::Deserialize;

use super::keys::VerifyKey;
use crate::telemetry::Metrics;

/// A JWKS document larger than this is refused (real ones are a few KiB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// JWKS refresh counters, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwksStats {
    /// Fetches that replaced the key set.
    pub refreshes_ok: u64,
    /// Fetches that failed (the previous key set was kept).
    pub refreshes_failed: u64,
    /// Keys in the current set.
    pub keys: usize,
}

/// `url` for logs and errors: scheme, host, port and path (no userinfo, query or fragment,
/// which could carry credentials).
pub(crate) fn shown_url(url: &reqwest::Url) -> String {
    format!(
        "{}://{}{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        url.path()
    )
}

/// Where and how to fetch the JWKS.
#[derive(Debug, Clone)]
pub(crate) struct JwksSettings {
    pub(crate) url: reqwest::Url,
    pub(crate) min_interval: Duration,
    pub(crate) fetch_timeout: Duration,
}

#[derive(Debug, Default)]
struct RefreshState {
    last_on_demand: Option<Instant>,
}

/// The cached key set and its refresh machinery.
#[derive(Debug)]
pub(crate) struct Jwks {
    settings: JwksSettings,
    /// The URL for logs: scheme, host, port and path only (no userinfo, query or fragment).
    shown_url: String,
    http: reqwest::Client,
    keys: ArcSwap<Vec<VerifyKey>>,
    /// Bumped after every completed fetch, successful or not.
    generation: AtomicU64,
    refresh: tokio::sync::Mutex<RefreshState>,
    ok: AtomicU64,
    failed: AtomicU64,
    /// The application's metrics, where every fetch is counted.
    metrics: Metrics,
}

impl Jwks {
    /// A cache holding `initial` (empty at start-up; the running key set on a reload); nothing
    /// is fetched until [`Jwks::refresh`] or a miss.
    pub(crate) fn new(
        settings: JwksSettings,
        http: reqwest::Client,
        initial: Arc<Vec<VerifyKey>>,
        metrics: Metrics,
    ) -> Self {
        let shown_url = shown_url(&settings.url);
        Jwks {
            shown_url,
            settings,
            http,
            keys: ArcSwap::new(initial),
            generation: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
            ok: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            metrics,
        }
    }

    /// The current key set.
    pub(crate) fn keys(&self) -> Arc<Vec<VerifyKey>> {
        self.keys.load_full()
    }

    /// Where the keys are fetched from.
    pub(crate) fn url(&self) -> &reqwest::Url {
        &self.settings.url
    }

    /// The URL as logs and errors show it (no userinfo, query or fragment).
    pub(crate) fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// Counters for metrics.
    pub(crate) fn stats(&self) -> JwksStats {
        JwksStats {
            refreshes_ok: self.ok.load(Ordering::Relaxed),
            refreshes_failed: self.failed.load(Ordering::Relaxed),
            keys: self.keys.load().len(),
        }
    }

    /// Unconditional fetch (start-up, reload and the periodic refresh); `Err` says why it
    /// failed (the last good set stays either way).
    pub(crate) async fn refresh(&self) -> Result<(), String> {
        let _guard = self.refresh.lock().await;
        self.fetch_and_store().await
    }

    /// A token named a key we do not have: refetch unless another caller's fetch completed
    /// while we waited, or an on-demand fetch already ran within `min_interval`. The caller
    /// looks the key up again afterwards either way.
    pub(crate) async fn refresh_on_miss(&self) {
        let seen = self.generation.load(Ordering::Acquire);
        let mut state = self.refresh.lock().await;
        if self.generation.load(Ordering::Acquire) != seen {
            return;
        }
        if let Some(last) = state.last_on_demand
            && last.elapsed() < self.settings.min_interval
        {
            return;
        }
        state.last_on_demand = Some(Instant::now());
        // A failure is logged and counted inside; the caller's lookup decides what it means.
        let _ = self.fetch_and_store().await;
    }

    /// Fetches once; on success swaps the new set in. Called with the refresh mutex held.
    async fn fetch_and_store(&self) -> Result<(), String> {
        let outcome = self.fetch().await;
        let result = match outcome {
            Ok(keys) => {
                tracing::info!(
                    jwks_url = %self.shown_url,
                    keys = keys.len(),
                    "JWKS refreshed"
                );
                self.keys.store(Arc::new(keys));
                self.ok.fetch_add(1, Ordering::Relaxed);
                self.metrics.record_jwks_refresh(true);
                Ok(())
            }
            Err(reason) => {
                tracing::warn!(
                    jwks_url = %self.shown_url,
                    %reason,
                    "JWKS refresh failed; keeping the last good key set"
                );
                self.failed.fetch_add(1, Ordering::Relaxed);
                self.metrics.record_jwks_refresh(false);
                Err(reason)
            }
        };
        self.generation.fetch_add(1, Ordering::Release);
        result
    }

    async fn fetch(&self) -> Result<Vec<VerifyKey>, String> {
        let mut response = self
            .http
            .get(self.settings.url.clone())
            .timeout(self.settings.fetch_timeout)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request failed: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("IdP answered HTTP {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the body failed: {}", e.without_url()))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("document larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

/// The usable keys of a JWKS document; entries that cannot be used are skipped with a warning
/// (an IdP may publish encryption keys or algorithms we do not support next to good ones).
pub(crate) fn parse_jwks(body: &[u8]) -> Result<Vec<VerifyKey>, String> {
    #[derive(Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Vec::with_capacity(document.keys.len());
    for entry in document.keys {
        let kid = entry
            .get("kid")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_owned();
        match VerifyKey::from_jwk(entry) {
            Ok(key) => keys.push(key),
            Err(reason) => tracing::warn!(%kid, %reason, "skipping JWKS key"),
        }
    }
    if keys.is_empty() {
        return Err("the document holds no usable signing key".to_owned());
    }
    Ok(keys)
}
